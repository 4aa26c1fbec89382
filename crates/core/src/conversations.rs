//! Conversations: list, counts, create, status, priority, assignment,
//! labels, attributes, read marks and the filter endpoint.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Event;
use switchboard_domain::event::Performer;
use switchboard_domain::rules::{self, CONVERSATIONS_PER_PAGE};
use switchboard_domain::time::{self as t};
use switchboard_domain::{ConversationStatus, EventKind, MessageStatus, MessageType, Priority};
use switchboard_store::{
    AssigneeFilter, Conversation, ConversationQuery, ConversationSort, FilterCondition, FilterField, FilterOp,
    FilterValue, Message, NewMessage, User,
};

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

/// Who made a change: a user (named in activity lines) or the system.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user: Option<User>,
}

impl Actor {
    pub fn user(u: &User) -> Self {
        Actor { user: Some(u.clone()) }
    }
    pub fn system() -> Self {
        Actor { user: None }
    }
    fn name(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.available_name())
    }
    fn performer(&self) -> Option<Performer> {
        self.user.as_ref().map(|u| Performer::User(u.id))
    }
}

#[derive(Debug, Default, Clone)]
pub struct ListParams {
    pub status: Option<String>,
    pub assignee_type: Option<String>,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub labels: Vec<String>,
    pub q: Option<String>,
    pub sort_by: Option<String>,
    pub page: Option<i64>,
    pub source_id: Option<String>,
    pub updated_within: Option<i64>,
    /// Keyset cursor from a previous page's `meta.next_cursor`.
    pub cursor: Option<String>,
    /// `participating`: only conversations the caller takes part in.
    pub conversation_type: Option<String>,
}

fn parse_statuses(s: Option<&str>) -> CoreResult<Option<Vec<i16>>> {
    match s.unwrap_or("open") {
        "all" => Ok(None),
        "" => Ok(Some(vec![ConversationStatus::Open.code()])),
        other => ConversationStatus::parse(other)
            .map(|s| Some(vec![s.code()]))
            .ok_or_else(|| CoreError::invalid("status", "status is not included in the list")),
    }
}

fn parse_sort(s: Option<&str>) -> CoreResult<(ConversationSort, bool)> {
    let s = s.unwrap_or("last_activity_at_desc");
    let (key, desc) = if let Some(k) = s.strip_suffix("_desc") {
        (k, true)
    } else if let Some(k) = s.strip_suffix("_asc") {
        (k, false)
    } else {
        (s, !matches!(s, "waiting_since" | "created_at"))
    };
    let sort = match key {
        "last_activity_at" | "latest" => ConversationSort::LastActivityAt,
        "created_at" | "sort_on_created_at" => ConversationSort::CreatedAt,
        "priority" | "sort_on_priority" => ConversationSort::Priority,
        "waiting_since" | "sort_on_waiting_since" => ConversationSort::WaitingSince,
        _ => return Err(CoreError::invalid("sort_by", "sort_by is not included in the list")),
    };
    Ok((sort, desc))
}

fn parse_assignee(s: Option<&str>) -> CoreResult<AssigneeFilter> {
    Ok(match s.unwrap_or("all") {
        "all" | "" => AssigneeFilter::All,
        "me" => AssigneeFilter::Me,
        "unassigned" => AssigneeFilter::Unassigned,
        "assigned" => AssigneeFilter::Assigned,
        _ => {
            return Err(CoreError::invalid(
                "assignee_type",
                "assignee_type is not included in the list",
            ));
        }
    })
}

impl Core {
    /// A query limited to the conversations the caller may see (an agent:
    /// the inboxes they belong to; an administrator: all).
    pub(crate) async fn visible_query(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<ConversationQuery> {
        self.base_query(ctx).await
    }

    async fn base_query(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<ConversationQuery> {
        let mut q = ConversationQuery::new(ctx.account_id(), ctx.user.id);
        if !ctx.is_admin() {
            let mut tx = self.store.read().await?;
            q.visible_inboxes = Some(tx.user_inbox_ids(ctx.account_id(), ctx.user.id).await?);
        }
        Ok(q)
    }

    async fn list_query(self: &Arc<Self>, ctx: &AccountCtx, lp: &ListParams) -> CoreResult<ConversationQuery> {
        let mut q = self.base_query(ctx).await?;
        q.statuses = if lp.q.as_deref().is_some_and(|s| !s.is_empty()) {
            None
        } else {
            parse_statuses(lp.status.as_deref())?
        };
        q.assignee = parse_assignee(lp.assignee_type.as_deref())?;
        q.inbox_id = lp.inbox_id;
        q.team_id = lp.team_id;
        q.labels = lp
            .labels
            .iter()
            .map(|l| l.trim().to_lowercase())
            .filter(|l| !l.is_empty())
            .collect();
        q.q = lp.q.clone().filter(|s| !s.is_empty());
        q.source_id = lp.source_id.clone();
        match lp.conversation_type.as_deref().unwrap_or("") {
            "" => {}
            "participating" => q.participant = Some(ctx.user.id),
            "mention" => q.mentioned = Some(ctx.user.id),
            "unattended" => q.unattended = true,
            _ => {
                return Err(CoreError::invalid(
                    "conversation_type",
                    "conversation_type must be mention, participating or unattended",
                ));
            }
        }
        let (sort, desc) = parse_sort(lp.sort_by.as_deref())?;
        q.sort = sort;
        q.descending = desc;
        let page = lp.page.unwrap_or(1).max(1);
        q.limit = CONVERSATIONS_PER_PAGE;
        q.offset = (page - 1).saturating_mul(CONVERSATIONS_PER_PAGE);
        if let Some(cursor) = lp.cursor.as_deref().filter(|c| !c.is_empty()) {
            if !matches!(q.sort, ConversationSort::LastActivityAt | ConversationSort::CreatedAt) {
                return Err(CoreError::invalid(
                    "cursor",
                    "cursor works with sort_by last_activity_at or created_at",
                ));
            }
            let parsed = cursor
                .split_once('.')
                .and_then(|(v, id)| Some((v.parse::<i64>().ok()?, id.parse::<i64>().ok()?)));
            q.after = Some(parsed.ok_or_else(|| CoreError::invalid("cursor", "cursor is invalid"))?);
            q.offset = 0;
        }
        if let Some(secs) = lp.updated_within.filter(|s| *s > 0) {
            q.updated_since = Some(t::now_micros().saturating_sub(secs.saturating_mul(1_000_000)));
            q.limit = 1000;
            q.offset = 0;
        }
        Ok(q)
    }

    pub async fn list_conversations(self: &Arc<Self>, ctx: &AccountCtx, lp: &ListParams) -> CoreResult<Value> {
        let q = self.list_query(ctx, lp).await?;
        let mut tx = self.store.read().await?;
        let counts = tx.conversation_counts(&q).await?;
        let rows = tx.list_conversations(&q).await?;
        let account = tx.get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
        let next_cursor = next_cursor(&q, &rows);
        let views = views::conv_views(&mut *tx, ctx.account_id(), rows).await?;
        let payload = self.conv_list_json(&mut *tx, &views, &account).await?;
        let mut meta = json!(counts);
        if let Some(c) = next_cursor {
            present::set_key(&mut meta, "next_cursor", json!(c));
        }
        Ok(json!({
            "data": {
                "meta": meta,
                "payload": payload,
            }
        }))
    }

    pub async fn conversation_meta(self: &Arc<Self>, ctx: &AccountCtx, lp: &ListParams) -> CoreResult<Value> {
        let q = self.list_query(ctx, lp).await?;
        let mut tx = self.store.read().await?;
        let counts = tx.conversation_counts(&q).await?;
        Ok(json!({ "meta": counts }))
    }

    /// `POST /conversations/filter`: Chatwoot's filter payload, from an allowlist.
    pub async fn filter_conversations(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        body: &Value,
        page: i64,
    ) -> CoreResult<Value> {
        let conds = parse_filter(body)?;
        let mut q = self.base_query(ctx).await?;
        q.filter = conds;
        q.limit = CONVERSATIONS_PER_PAGE;
        q.offset = (page.max(1) - 1).saturating_mul(CONVERSATIONS_PER_PAGE);
        let mut tx = self.store.read().await?;
        let counts = tx.conversation_counts(&q).await?;
        let rows = tx.list_conversations(&q).await?;
        let account = tx.get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
        let views = views::conv_views(&mut *tx, ctx.account_id(), rows).await?;
        let payload = self.conv_list_json(&mut *tx, &views, &account).await?;
        Ok(json!({
            "meta": { "mine_count": counts.mine_count, "unassigned_count": counts.unassigned_count, "all_count": counts.all_count },
            "payload": payload,
        }))
    }

    /// A conversation the caller may see, without locking.
    pub async fn visible_conversation(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<Conversation> {
        let mut tx = self.store.read().await?;
        let c = tx
            .get_conversation(ctx.account_id(), display_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !ctx.is_admin() && !tx.is_inbox_member(c.inbox_id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        Ok(c)
    }

    /// Locks a conversation the caller may change, inside `w`.
    pub(crate) async fn lock_visible(
        self: &Arc<Self>,
        w: &mut Work,
        ctx: &AccountCtx,
        display_id: i64,
    ) -> CoreResult<Conversation> {
        let c = w
            .tx()
            .lock_conversation(ctx.account_id(), display_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !ctx.is_admin() && !w.tx().is_inbox_member(c.inbox_id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        Ok(c)
    }

    pub async fn get_conversation(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<Value> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let account = tx.get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
        let v = views::conv_view(&mut *tx, c).await?;
        Ok(v.rest(&account))
    }

    pub async fn create_conversation(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        let inbox_id = p
            .i64("inbox_id")?
            .ok_or_else(|| CoreError::invalid("inbox_id", "inbox_id can't be blank"))?;
        let source_id = p.str("source_id")?.filter(|s| !s.is_empty());
        let contact_id = p.i64("contact_id")?;
        if source_id.is_none() && contact_id.is_none() {
            return Err(CoreError::invalid("source_id", "source_id or contact_id is required"));
        }
        let requested_status = match p.str("status")? {
            None => None,
            Some(s) => Some(
                ConversationStatus::parse(&s)
                    .filter(|s| *s != ConversationStatus::Snoozed || p.has("snoozed_until"))
                    .ok_or_else(|| CoreError::invalid("status", "status is not included in the list"))?,
            ),
        };
        let snoozed_until = match p.raw("snoozed_until") {
            None | Some(Value::Null) => None,
            Some(v) => {
                Some(t::from_json(v).ok_or_else(|| CoreError::invalid("snoozed_until", "snoozed_until is invalid"))?)
            }
        };
        let additional = p
            .object("additional_attributes")?
            .map(Value::Object)
            .unwrap_or_else(|| json!({}));
        let custom = p
            .object("custom_attributes")?
            .map(Value::Object)
            .unwrap_or_else(|| json!({}));
        let message = body.get("message").filter(|m| m.is_object()).cloned();

        let mut w = Work::begin(self).await?;
        let inbox = w
            .tx()
            .get_inbox(ctx.account_id(), inbox_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        if !ctx.is_admin() && !w.tx().is_inbox_member(inbox.id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        let (contact, ci) = if let Some(sid) = &source_id {
            let ci = w
                .tx()
                .find_contact_inbox(inbox.id, sid)
                .await?
                .ok_or(CoreError::NotFound)?;
            let contact = w
                .tx()
                .get_contact(ctx.account_id(), ci.contact_id)
                .await?
                .ok_or(CoreError::NotFound)?;
            (contact, ci)
        } else {
            let cid = contact_id.unwrap_or_default();
            let contact = w
                .tx()
                .get_contact(ctx.account_id(), cid)
                .await?
                .ok_or(CoreError::NotFound)?;
            let ci = match w.tx().find_contact_inbox_for(contact.id, inbox.id).await? {
                Some(ci) => ci,
                None => {
                    let sid = crate::contacts::default_source_id(inbox.channel(), &contact);
                    self.add_contact_inbox(&mut w, &contact, inbox.id, &sid, false).await?
                }
            };
            (contact, ci)
        };
        if inbox.setting_bool("lock_to_single_conversation", false)
            && let Some(existing) = w.tx().latest_conversation(ci.id, &[]).await?
        {
            let account = w.tx().get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
            let v = views::conv_view(w.tx(), existing).await?;
            w.commit().await?;
            return Ok(v.rest(&account));
        }
        let assignee_id = match p.i64("assignee_id")? {
            Some(a) => {
                if w.tx().users_in_account(ctx.account_id(), &[a]).await?.is_empty() {
                    return Err(CoreError::invalid(
                        "assignee_id",
                        "Assignee is not an agent of this account",
                    ));
                }
                Some(a)
            }
            None => None,
        };
        let team_id = match p.i64("team_id")? {
            Some(tid) => Some(
                w.tx()
                    .get_team(ctx.account_id(), tid)
                    .await?
                    .ok_or_else(|| CoreError::invalid("team_id", "Team not found"))?
                    .id,
            ),
            None => None,
        };
        let status = rules::initial_status(requested_status, contact.blocked, false);
        let display_id = w.tx().next_display_id(ctx.account_id()).await?;
        let now = w.now;
        let conv = w
            .tx()
            .insert_conversation(&Conversation {
                uuid: uuid::Uuid::new_v4().to_string(),
                assignee_id,
                team_id,
                additional_attributes: additional,
                custom_attributes: custom,
                snoozed_until: if status == ConversationStatus::Snoozed {
                    snoozed_until
                } else {
                    None
                },
                ..Conversation::new(
                    ctx.account_id(),
                    inbox.id,
                    display_id,
                    contact.id,
                    ci.id,
                    status.code(),
                    now,
                )
            })
            .await?;
        if let Some(uid) = conv.assignee_id {
            w.tx()
                .add_conversation_participants(conv.account_id, conv.id, &[uid], now)
                .await?;
        }
        self.conversation_created(&mut w, &conv, &Actor::user(&ctx.user))
            .await?;
        if status == ConversationStatus::Snoozed {
            self.schedule_snooze(&mut w, &conv).await?;
        }
        if let Some(m) = message {
            let mp = Params::new(&m);
            let input = crate::messages::MessageInput {
                content: mp.str("content")?,
                message_type: MessageType::Outgoing,
                private: false,
                content_type: switchboard_domain::ContentType::Text,
                content_attributes: json!({}),
                echo_id: None,
                source_id: None,
                // A WhatsApp template opens a conversation outside the window.
                additional_attributes: match mp.raw("template_params").filter(|v| v.is_object()) {
                    Some(tp) => json!({ "template_params": tp }),
                    None => json!({}),
                },
            };
            let item = crate::ingest::Item {
                account_id: conv.account_id,
                display_id: conv.display_id,
                member_of: None,
                input,
                from: crate::ingest::From::User(ctx.user.clone()),
                attachments: Vec::new(),
            };
            let mut results = crate::ingest::process(self, &mut w, std::slice::from_ref(&item)).await?;
            results
                .pop()
                .unwrap_or_else(|| Err(CoreError::Internal("no result".into())))?;
        }
        let conv = w
            .tx()
            .get_conversation_by_id(conv.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let account = w.tx().get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
        let v = views::conv_view(w.tx(), conv).await?;
        w.commit().await?;
        Ok(v.rest(&account))
    }

    pub(crate) async fn conversation_created(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        actor: &Actor,
    ) -> CoreResult<()> {
        let view = views::conv_view(w.tx(), conv.clone()).await?;
        let data = view.push();
        w.emit(
            Event::new(EventKind::ConversationCreated, conv.account_id, data)
                .inbox(Some(conv.inbox_id))
                .conversation(Some(conv.id))
                .contact(Some(conv.contact_id))
                .contact_inbox(Some(conv.contact_inbox_id))
                .by(actor.performer()),
        )
        .await?;
        let inbox = w.tx().get_inbox(conv.account_id, conv.inbox_id).await?;
        if w.wants_webhook(conv.account_id, inbox.as_ref(), "conversation_created")
            .await?
        {
            let account = w.tx().get_account(conv.account_id).await?.ok_or(CoreError::NotFound)?;
            if let Some(inbox) = &inbox {
                let payload = present::conversation_webhook("conversation_created", &view, &account, inbox, None);
                w.webhook(conv.account_id, Some(inbox), "conversation_created", &payload, None)
                    .await?;
            }
        }
        Ok(())
    }

    async fn schedule_snooze(self: &Arc<Self>, w: &mut Work, conv: &Conversation) -> CoreResult<()> {
        if let Some(until) = conv.snoozed_until {
            let wake = crate::jobs::SnoozeWake {
                conversation_id: conv.id,
                snoozed_until: until,
            };
            w.job(crate::job::new_job(&wake, until, 10, None)).await?;
        }
        Ok(())
    }

    /// Writes `after`, adds the activity lines for what changed, and records
    /// the events and webhooks of the change. `labels` carries the label
    /// change when there was one.
    pub(crate) async fn conversation_changed(
        self: &Arc<Self>,
        w: &mut Work,
        before: &Conversation,
        after: &Conversation,
        actor: &Actor,
        labels: Option<(Vec<String>, Vec<String>)>,
        activity: bool,
    ) -> CoreResult<()> {
        let mut after = after.clone();
        let changed = changed_attributes(before, &after, labels.as_ref());
        if changed.is_empty()
            && before.last_activity_at == after.last_activity_at
            && before.agent_last_seen_at == after.agent_last_seen_at
        {
            return Ok(());
        }
        after.updated_at = w.now;
        w.tx().save_conversation(&after).await?;

        let status_changed = before.status != after.status;
        let assignee_changed = before.assignee_id != after.assignee_id;
        let team_changed = before.team_id != after.team_id;
        // The assignee takes part in the conversation (as in Chatwoot).
        if let (true, Some(uid)) = (assignee_changed, after.assignee_id) {
            let now = w.now;
            w.tx()
                .add_conversation_participants(after.account_id, after.id, &[uid], now)
                .await?;
        }
        if activity {
            let mut lines = Vec::new();
            if before.muted != after.muted {
                lines.push(rules::muted_activity(after.muted, actor.name()));
            }
            if status_changed {
                lines.push(rules::status_activity(after.status(), actor.name()));
            }
            if assignee_changed {
                let name = match after.assignee_id {
                    Some(a) => w.tx().get_user(a).await?.map(|u| u.available_name().to_string()),
                    None => None,
                };
                lines.push(rules::assignee_activity(name.as_deref(), actor.name()));
            }
            if team_changed {
                let new = match after.team_id {
                    Some(id) => w.tx().get_team(after.account_id, id).await?.map(|t| t.name),
                    None => None,
                };
                let old = match before.team_id {
                    Some(id) => w.tx().get_team(after.account_id, id).await?.map(|t| t.name),
                    None => None,
                };
                lines.push(rules::team_activity(new.as_deref(), old.as_deref(), actor.name()));
            }
            if before.priority != after.priority {
                lines.push(rules::priority_activity(
                    before.priority().map(|p| p.as_str()),
                    after.priority().map(|p| p.as_str()),
                    actor.name(),
                ));
            }
            if let Some((old, new)) = &labels {
                let added: Vec<String> = new.iter().filter(|l| !old.contains(l)).cloned().collect();
                let removed: Vec<String> = old.iter().filter(|l| !new.contains(l)).cloned().collect();
                lines.extend(rules::labels_activity(&added, &removed, actor.name()));
            }
            for line in &lines {
                self.activity_message(w, &after, line).await?;
            }
        }

        if changed.is_empty() {
            return Ok(());
        }
        let Some(inbox) = w.tx().get_inbox(after.account_id, after.inbox_id).await? else {
            return Ok(());
        };
        // A satisfaction survey after the first resolve, where the inbox asks for one.
        if status_changed
            && after.status() == ConversationStatus::Resolved
            && inbox.setting_bool("csat_survey_enabled", false)
            && !w
                .tx()
                .has_content_type(after.id, switchboard_domain::ContentType::InputCsat.code())
                .await?
        {
            self.csat_survey(w, &after).await?;
        }
        let view = views::conv_view(w.tx(), after.clone()).await?;
        self.emit_change(w, before, &after, changed, actor, &view, &inbox).await
    }

    /// Records the events and webhooks of a conversation change (`changed`
    /// lists the attributes that moved, in Chatwoot's changed_attributes form).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn emit_change(
        self: &Arc<Self>,
        w: &mut Work,
        before: &Conversation,
        after: &Conversation,
        changed: Vec<Value>,
        actor: &Actor,
        view: &crate::present::ConvView,
        inbox: &switchboard_store::Inbox,
    ) -> CoreResult<()> {
        let status_changed = before.status != after.status;
        let assignee_changed = before.assignee_id != after.assignee_id;
        let team_changed = before.team_id != after.team_id;
        let data = view.push();
        let changed = Value::Array(changed);
        let (acc, inbox_id, cid, contact) = (
            after.account_id,
            Some(after.inbox_id),
            Some(after.id),
            Some(after.contact_id),
        );
        let performer = actor.performer();
        if status_changed {
            w.emit(
                Event::new(EventKind::ConversationStatusChanged, acc, data.clone())
                    .inbox(inbox_id)
                    .conversation(cid)
                    .contact(contact)
                    .contact_inbox(Some(after.contact_inbox_id))
                    .by(performer),
            )
            .await?;
        }
        if assignee_changed {
            w.emit(
                Event::new(EventKind::AssigneeChanged, acc, data.clone())
                    .inbox(inbox_id)
                    .conversation(cid)
                    .contact(contact)
                    .contact_inbox(Some(after.contact_inbox_id))
                    .private(true)
                    .by(performer),
            )
            .await?;
        }
        if team_changed {
            w.emit(
                Event::new(EventKind::TeamChanged, acc, data.clone())
                    .inbox(inbox_id)
                    .conversation(cid)
                    .contact(contact)
                    .contact_inbox(Some(after.contact_inbox_id))
                    .private(true)
                    .by(performer),
            )
            .await?;
        }
        let mut upd = data.clone();
        upd["changed_attributes"] = changed.clone();
        w.emit(
            Event::new(EventKind::ConversationUpdated, acc, upd)
                .inbox(inbox_id)
                .conversation(cid)
                .contact(contact)
                .contact_inbox(Some(after.contact_inbox_id))
                .by(performer),
        )
        .await?;

        let wants_status = status_changed && w.wants_webhook(acc, Some(inbox), "conversation_status_changed").await?;
        let wants_update = w.wants_webhook(acc, Some(inbox), "conversation_updated").await?;
        if wants_status || wants_update {
            let account = w.tx().get_account(acc).await?.ok_or(CoreError::NotFound)?;
            if wants_status {
                let payload =
                    present::conversation_webhook("conversation_status_changed", view, &account, inbox, Some(&changed));
                w.webhook(acc, Some(inbox), "conversation_status_changed", &payload, None)
                    .await?;
            }
            if wants_update {
                let payload =
                    present::conversation_webhook("conversation_updated", view, &account, inbox, Some(&changed));
                w.webhook(acc, Some(inbox), "conversation_updated", &payload, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// An activity line in the conversation (agents only; no webhook): its
    /// English text as the content, and what it says in
    /// `content_attributes.activity` for interfaces in other languages.
    pub(crate) async fn activity_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        line: &rules::Activity,
    ) -> CoreResult<()> {
        self.write_system_message(
            w,
            conv,
            &line.text,
            MessageType::Activity,
            switchboard_domain::ContentType::Text,
            json!({ "activity": line.describe() }),
        )
        .await
        .map(|_| ())
    }

    /// The `input_csat` template the contact answers with a 1-5 rating.
    async fn csat_survey(self: &Arc<Self>, w: &mut Work, conv: &Conversation) -> CoreResult<()> {
        self.write_system_message(
            w,
            conv,
            "Please rate the conversation",
            MessageType::Template,
            switchboard_domain::ContentType::InputCsat,
            json!({ "display_type": "emoji" }),
        )
        .await
        .map(|_| ())
    }

    /// A message the system writes into a conversation: an activity line
    /// (agents only) or a template the contact sees too (the greeting);
    /// templates also reach webhooks.
    pub(crate) async fn system_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        text: &str,
        kind: MessageType,
    ) -> CoreResult<()> {
        let m = self
            .write_system_message(w, conv, text, kind, switchboard_domain::ContentType::Text, json!({}))
            .await?;
        if kind != MessageType::Activity {
            let inbox = w.tx().get_inbox(conv.account_id, conv.inbox_id).await?;
            if let Some(inbox) = &inbox
                && crate::channels::adapter(inbox.channel()).is_some()
                && let Some(ci) = w.tx().get_contact_inbox(conv.contact_inbox_id).await?
            {
                crate::channels::queue_send(w, inbox, &ci.source_id, &m).await?;
            }
            if let Some(inbox) = inbox
                && w.wants_webhook(conv.account_id, Some(&inbox), "message_created")
                    .await?
            {
                let account = w.tx().get_account(conv.account_id).await?.ok_or(CoreError::NotFound)?;
                let view = views::conv_view(w.tx(), conv.clone()).await?;
                let payload =
                    present::message_webhook("message_created", &m, &present::Sender::None, &view, &inbox, &account);
                w.webhook(conv.account_id, Some(&inbox), "message_created", &payload, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// Writes a message without a sender and emits `message.created` (private
    /// for activity lines, which contacts never see).
    async fn write_system_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        text: &str,
        kind: MessageType,
        content_type: switchboard_domain::ContentType,
        content_attributes: Value,
    ) -> CoreResult<Message> {
        let now = w.now;
        let m = w
            .tx()
            .insert_message(&NewMessage {
                account_id: conv.account_id,
                inbox_id: conv.inbox_id,
                conversation_id: conv.id,
                message_type: kind,
                content: Some(text.to_string()),
                content_type,
                content_attributes,
                additional_attributes: json!({}),
                private: false,
                status: MessageStatus::Sent,
                source_id: None,
                echo_id: None,
                sender_type: None,
                sender_id: None,
                created_at: now,
            })
            .await?
            .ok_or_else(|| CoreError::Internal("system message not written".into()))?;
        let ci = w
            .tx()
            .get_contact_inbox(conv.contact_inbox_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let data = present::message_push(&m, &present::Sender::None, conv, &ci, 0);
        w.emit(
            Event::new(EventKind::MessageCreated, conv.account_id, data)
                .inbox(Some(conv.inbox_id))
                .conversation(Some(conv.id))
                .contact(Some(conv.contact_id))
                .contact_inbox(Some(conv.contact_inbox_id))
                .private(kind == MessageType::Activity),
        )
        .await?;
        Ok(m)
    }

    pub async fn toggle_status(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        let requested = match p.str("status")? {
            None => None,
            Some(s) => Some(
                ConversationStatus::parse(&s)
                    .ok_or_else(|| CoreError::invalid("status", "status is not included in the list"))?,
            ),
        };
        let snoozed_until = match p.raw("snoozed_until") {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) if s.is_empty() => None,
            Some(v) => {
                Some(t::from_json(v).ok_or_else(|| CoreError::invalid("snoozed_until", "snoozed_until is invalid"))?)
            }
        };
        let mut w = Work::begin(self).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let target = rules::toggle_target(before.status(), requested);
        let mut after = before.clone();
        after.status = target.code();
        after.snoozed_until = if target == ConversationStatus::Snoozed {
            snoozed_until
        } else {
            None
        };
        if target == ConversationStatus::Resolved {
            after.waiting_since = None;
        }
        // An agent opening a conversation takes it (Chatwoot's rule).
        if target == ConversationStatus::Open
            && before.status() != ConversationStatus::Open
            && !ctx.is_admin()
            && after.assignee_id.is_none()
        {
            after.assignee_id = Some(ctx.user.id);
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
            .await?;
        if target == ConversationStatus::Snoozed
            && after.snoozed_until.is_some()
            && before.snoozed_until != after.snoozed_until
        {
            self.schedule_snooze(&mut w, &after).await?;
        }
        w.commit().await?;
        Ok(json!({
            "meta": {},
            "payload": {
                "success": true,
                "conversation_id": after.display_id,
                "current_status": target.as_str(),
                // A datetime in Chatwoot's view, as on the conversation.
                "snoozed_until": after.snoozed_until.map(t::iso),
            }
        }))
    }

    pub async fn set_priority(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        // Chatwoot permits an empty update: it changes nothing and answers
        // the conversation.
        let priority = if p.has("priority") {
            Some(match p.str("priority")?.as_deref() {
                None | Some("none") | Some("") => None,
                Some(s) => Some(
                    Priority::parse(s)
                        .ok_or_else(|| CoreError::invalid("priority", "priority is not included in the list"))?,
                ),
            })
        } else {
            None
        };
        let mut w = Work::begin(self).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        if let Some(priority) = priority {
            after.priority = priority.map(|p| p.code());
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
            .await?;
        let account = w.tx().get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
        let fresh = w
            .tx()
            .get_conversation_by_id(after.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let v = views::conv_view(w.tx(), fresh).await?;
        w.commit().await?;
        Ok(v.rest(&account))
    }

    /// `POST /mute` and `/unmute`: a muted conversation is resolved, and its
    /// contact's new messages do not reopen it, until it is unmuted.
    pub async fn set_muted(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, muted: bool) -> CoreResult<()> {
        let mut w = Work::begin(self).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        after.muted = muted;
        if muted {
            after.status = ConversationStatus::Resolved.code();
            after.snoozed_until = None;
            after.waiting_since = None;
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
            .await?;
        w.commit().await
    }

    /// `POST /assignments`: an agent (`assignee_id`, null unassigns) or a team.
    pub async fn assign(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        let mut w = Work::begin(self).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        let result;
        // As Chatwoot's controller: `assignee_id` wins when present; a
        // `team_id` that names no team of the account (0, a deleted team)
        // clears the team and answers null (the n8n node always sends 0).
        if p.has("assignee_id") {
            if p.str("assignee_type")?.as_deref() == Some("AgentBot") {
                return Err(CoreError::invalid(
                    "assignee_type",
                    "Agent bots are not available on this server yet",
                ));
            }
            match p.i64("assignee_id")? {
                Some(uid) => {
                    let users = w.tx().list_account_users(ctx.account_id()).await?;
                    let (u, au) = users.iter().find(|(u, _)| u.id == uid).ok_or(CoreError::NotFound)?;
                    if !au.is_admin() && !w.tx().is_inbox_member(before.inbox_id, u.id).await? {
                        return Err(CoreError::invalid(
                            "assignee_id",
                            "Assignee is not a member of this inbox",
                        ));
                    }
                    after.assignee_id = Some(u.id);
                    result = present::agent(u, Some(au));
                }
                None => {
                    after.assignee_id = None;
                    result = Value::Null;
                }
            }
        } else if p.has("team_id") {
            let team = match p.i64("team_id")? {
                Some(tid) => w.tx().get_team(ctx.account_id(), tid).await?,
                None => None,
            };
            after.team_id = team.as_ref().map(|t| t.id);
            result = team.as_ref().map_or(Value::Null, |t| present::team(t, false));
        } else {
            return Err(CoreError::invalid("assignee_id", "assignee_id or team_id is required"));
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
            .await?;
        w.commit().await?;
        Ok(result)
    }

    pub async fn conversation_labels(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<Value> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let labels: Vec<String> = tx
            .conversation_labels(&[c.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        Ok(json!({ "payload": labels }))
    }

    /// `POST /labels` replaces the conversation's labels.
    pub async fn set_conversation_labels(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        labels: &[String],
    ) -> CoreResult<Value> {
        let labels = crate::contacts::normalise_labels(labels)?;
        let mut w = Work::begin(self).await?;
        let conv = self.lock_visible(&mut w, ctx, display_id).await?;
        let old: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        w.tx()
            .set_conversation_labels(ctx.account_id(), conv.id, &labels)
            .await?;
        let new: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        if old != new {
            self.conversation_changed(
                &mut w,
                &conv,
                &conv,
                &Actor::user(&ctx.user),
                Some((old, new.clone())),
                true,
            )
            .await?;
        }
        w.commit().await?;
        Ok(json!({ "payload": new }))
    }

    /// `POST /custom_attributes` replaces them all.
    pub async fn set_custom_attributes(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        body: &Value,
    ) -> CoreResult<Value> {
        let p = Params::new(body);
        let attrs = p
            .object("custom_attributes")?
            .ok_or_else(|| CoreError::invalid("custom_attributes", "custom_attributes is required"))?;
        let mut w = Work::begin(self).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        after.custom_attributes = Value::Object(attrs);
        self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, false)
            .await?;
        w.commit().await?;
        Ok(json!({ "custom_attributes": after.custom_attributes }))
    }

    /// `update_last_seen` (read) or `unread` (mark the last incoming as unread).
    pub async fn mark_seen(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, unread: bool) -> CoreResult<Value> {
        let mut w = Work::begin(self).await?;
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        let at = if unread {
            w.tx().last_incoming_at(before.id).await?.map(|t| t - 1_000_000)
        } else {
            Some(w.now)
        };
        after.agent_last_seen_at = at;
        if after.assignee_id == Some(ctx.user.id) {
            after.assignee_last_seen_at = at;
        }
        after.updated_at = w.now;
        w.tx().save_conversation(&after).await?;
        let view = views::conv_view(w.tx(), after.clone()).await?;
        if !unread {
            let data = view.push();
            w.emit(
                Event::new(EventKind::ConversationRead, after.account_id, data)
                    .inbox(Some(after.inbox_id))
                    .conversation(Some(after.id))
                    .contact(Some(after.contact_id))
                    .contact_inbox(Some(after.contact_inbox_id))
                    .private(true)
                    .by(Some(Performer::User(ctx.user.id))),
            )
            .await?;
        }
        let account = w.tx().get_account(ctx.account_id()).await?.ok_or(CoreError::NotFound)?;
        w.commit().await?;
        Ok(view.rest(&account))
    }

    /// `POST /toggle_typing_status {typing_status: on|off, is_private}`:
    /// tells the other side (and subscribed webhooks) that an agent types.
    pub async fn toggle_typing(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, body: &Value) -> CoreResult<()> {
        let p = Params::new(body);
        let kind = match p.req_str("typing_status")?.as_str() {
            "on" => EventKind::ConversationTypingOn,
            "off" => EventKind::ConversationTypingOff,
            _ => return Err(CoreError::invalid("typing_status", "typing_status must be on or off")),
        };
        let private = p.bool("is_private")?.unwrap_or(false);
        let conv = self.visible_conversation(ctx, display_id).await?;
        let user = present::user_sender(&ctx.user);
        self.typing(conv, kind, user, private, Performer::User(ctx.user.id))
            .await
    }

    /// Publishes a typing event (not stored) and queues its webhooks.
    pub async fn typing(
        self: &Arc<Self>,
        conv: Conversation,
        kind: EventKind,
        user: Value,
        private: bool,
        performer: Performer,
    ) -> CoreResult<()> {
        let name = kind.webhook_name().unwrap_or("conversation_typing_on");
        let mut w = Work::begin(self).await?;
        let view = views::conv_view(w.tx(), conv.clone()).await?;
        let data = json!({ "conversation": view.push(), "user": user, "is_private": private });
        let inbox = w.tx().get_inbox(conv.account_id, conv.inbox_id).await?;
        if !private && w.wants_webhook(conv.account_id, inbox.as_ref(), name).await? {
            let mut payload = data.clone();
            payload["event"] = json!(name);
            w.webhook(conv.account_id, inbox.as_ref(), name, &payload, None).await?;
            w.commit().await?;
        }
        self.publish_transient(vec![
            Event::new(kind, conv.account_id, data)
                .inbox(Some(conv.inbox_id))
                .conversation(Some(conv.id))
                .contact(Some(conv.contact_id))
                .contact_inbox(Some(conv.contact_inbox_id))
                .private(private)
                .by(Some(performer)),
        ]);
        Ok(())
    }

    /// Wakes a snoozed conversation (the job queued by snoozing).
    pub async fn wake_snoozed(self: &Arc<Self>, conversation_id: i64, snoozed_until: i64) -> CoreResult<()> {
        let mut w = Work::begin(self).await?;
        let Some(before) = w.tx().lock_conversation_by_id(conversation_id).await? else {
            return Ok(());
        };
        if before.status() != ConversationStatus::Snoozed || before.snoozed_until != Some(snoozed_until) {
            return Ok(());
        }
        let mut after = before.clone();
        after.status = ConversationStatus::Open.code();
        after.snoozed_until = None;
        self.conversation_changed(&mut w, &before, &after, &Actor::system(), None, true)
            .await?;
        w.commit().await
    }
}

/// Chatwoot's `changed_attributes`: `[{attr: {previous_value, current_value}}]`
/// for the tracked attributes that differ.
pub(crate) fn changed_attributes(
    before: &Conversation,
    after: &Conversation,
    labels: Option<&(Vec<String>, Vec<String>)>,
) -> Vec<Value> {
    let mut changed: Vec<Value> = Vec::new();
    let mut push = |name: &str, prev: Value, cur: Value| {
        if prev != cur {
            changed.push(json!({ name: { "previous_value": prev, "current_value": cur } }));
        }
    };
    push(
        "status",
        json!(present::status_str(before.status)),
        json!(present::status_str(after.status)),
    );
    push("assignee_id", json!(before.assignee_id), json!(after.assignee_id));
    push("muted", json!(before.muted), json!(after.muted));
    push("team_id", json!(before.team_id), json!(after.team_id));
    push(
        "priority",
        json!(before.priority().map(|p| p.as_str())),
        json!(after.priority().map(|p| p.as_str())),
    );
    push(
        "snoozed_until",
        json!(before.snoozed_until.map(t::iso)),
        json!(after.snoozed_until.map(t::iso)),
    );
    push(
        "custom_attributes",
        before.custom_attributes.clone(),
        after.custom_attributes.clone(),
    );
    push(
        "waiting_since",
        json!(before.waiting_since.map(t::unix_secs)),
        json!(after.waiting_since.map(t::unix_secs)),
    );
    push(
        "first_reply_created_at",
        json!(before.first_reply_created_at.map(t::unix_secs)),
        json!(after.first_reply_created_at.map(t::unix_secs)),
    );
    if let Some((old, new)) = labels {
        push("label_list", json!(old), json!(new));
    }
    changed
}

/// The keyset cursor of the page after `rows`, when there may be one.
fn next_cursor(q: &ConversationQuery, rows: &[Conversation]) -> Option<String> {
    if (rows.len() as i64) < q.limit
        || !matches!(q.sort, ConversationSort::LastActivityAt | ConversationSort::CreatedAt)
    {
        return None;
    }
    let last = rows.last()?;
    let value = match q.sort {
        ConversationSort::CreatedAt => last.created_at,
        _ => last.last_activity_at,
    };
    Some(format!("{value}.{}", last.id))
}

/// Parses Chatwoot's filter payload into allowlisted conditions.
pub fn parse_filter(body: &Value) -> CoreResult<Vec<FilterCondition>> {
    let raw = crate::filter::raw_conditions(body)?;
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let key = r.key;
        let field = match key.as_str() {
            "status" => FilterField::Status,
            "priority" => FilterField::Priority,
            "assignee_id" => FilterField::AssigneeId,
            "inbox_id" => FilterField::InboxId,
            "team_id" => FilterField::TeamId,
            "display_id" | "id" => FilterField::DisplayId,
            "contact_id" => FilterField::ContactId,
            "created_at" => FilterField::CreatedAt,
            "last_activity_at" => FilterField::LastActivityAt,
            "waiting_since" => FilterField::WaitingSince,
            "labels" | "label_list" => FilterField::Labels,
            "browser_language" | "country_code" | "referer" | "conversation_language" | "mail_subject" => {
                FilterField::Additional(key.clone())
            }
            k if r.custom && crate::filter::is_attr_key(k) => FilterField::Custom(k.to_string()),
            _ => {
                return Err(CoreError::invalid(
                    "attribute_key",
                    format!("Invalid attribute key - [{key}]"),
                ));
            }
        };
        let op = match crate::filter::operator(&r.operator) {
            Some(op) if op != FilterOp::StartsWith => op,
            _ => {
                return Err(CoreError::invalid(
                    "filter_operator",
                    format!(
                        "Invalid operator. The allowed operators for {key} are [equal_to,not_equal_to,contains,does_not_contain,is_present,is_not_present,is_greater_than,is_less_than,days_before]."
                    ),
                ));
            }
        };
        let mut values = Vec::with_capacity(r.values.len());
        for v in r.values {
            values.push(filter_value(&field, op, &v)?);
        }
        out.push(FilterCondition {
            field,
            op,
            values,
            join: r.join,
        });
    }
    Ok(out)
}

/// Converts one filter value to the column's type (a status name to its
/// code, a date to micros, an id to an integer).
fn filter_value(field: &FilterField, op: FilterOp, v: &Value) -> CoreResult<FilterValue> {
    let bad = || CoreError::invalid("values", "Invalid value for this attribute");
    // Chatwoot's UI sends `{id, name}` objects for pickers.
    let v = match v {
        Value::Object(o) => o.get("id").cloned().ok_or_else(bad)?,
        other => other.clone(),
    };
    let as_int = |v: &Value| -> CoreResult<i64> {
        match v {
            Value::Number(n) => n.as_i64().ok_or_else(bad),
            Value::String(s) => s.trim().parse().map_err(|_| bad()),
            _ => Err(bad()),
        }
    };
    Ok(match field {
        FilterField::Status => {
            let code = ConversationStatus::from_json(&v).ok_or_else(bad)?.code();
            FilterValue::Int(code as i64)
        }
        FilterField::Priority => FilterValue::Int(Priority::from_json(&v).ok_or_else(bad)?.code() as i64),
        FilterField::AssigneeId
        | FilterField::InboxId
        | FilterField::TeamId
        | FilterField::DisplayId
        | FilterField::ContactId => FilterValue::Int(as_int(&v)?),
        FilterField::CreatedAt | FilterField::LastActivityAt | FilterField::WaitingSince => {
            if op == FilterOp::DaysBefore {
                let days = as_int(&v)?;
                if !(0..=36_500).contains(&days) {
                    return Err(bad());
                }
                FilterValue::Int(t::now_micros() - days * 86_400 * 1_000_000)
            } else {
                FilterValue::Int(t::from_json(&v).ok_or_else(bad)?)
            }
        }
        FilterField::Labels | FilterField::Additional(_) | FilterField::Custom(_) => match v {
            Value::String(s) if s.len() <= 1500 => FilterValue::Text(s),
            Value::Number(n) => FilterValue::Text(n.to_string()),
            Value::Bool(b) => FilterValue::Text(b.to_string()),
            _ => return Err(bad()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_allowlist() {
        let ok = json!({"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["open"],"query_operator":"AND"}]});
        let c = parse_filter(&ok).unwrap();
        assert_eq!(c[0].values, vec![FilterValue::Int(0)]);
        for bad in [
            json!({"payload":[{"attribute_key":"status; DROP TABLE x","filter_operator":"equal_to","values":["open"]}]}),
            json!({"payload":[{"attribute_key":"status","filter_operator":"= 1 OR 1=1 --","values":["open"]}]}),
            json!({"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["open' OR '1'='1"]}]}),
            json!({"payload":[{"attribute_key":"inbox_id","filter_operator":"equal_to","values":["1 OR 1=1"]}]}),
            json!({"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["open"],"query_operator":"UNION"}]}),
            json!({"payload":[]}),
            json!({"nope":1}),
        ] {
            assert!(parse_filter(&bad).is_err(), "{bad}");
        }
    }
}
