//! A conversation's change written once: the activity lines, the events
//! and the webhooks that follow it.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Event;
use switchboard_domain::rules;
use switchboard_domain::time::{self as t};
use switchboard_domain::{ConversationStatus, EventKind};
use switchboard_store::Conversation;

use super::Actor;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreResult, present, views};

impl Core {
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
        // A person assigned (by hand, a rule or routing) takes the
        // conversation from its bot.
        if after.assignee_id.is_some() && before.assignee_id != after.assignee_id {
            after.assignee_agent_bot_id = None;
        }
        if before.team_id != after.team_id && before.assignee_id == after.assignee_id {
            crate::routing::leave_team_if_outside(w, &mut after).await?;
        }
        let changed = changed_attributes(before, &after, labels.as_ref());
        if changed.is_empty()
            && before.last_activity_at == after.last_activity_at
            && before.agent_last_seen_at == after.agent_last_seen_at
        {
            return Ok(());
        }
        after.updated_at = w.now;
        if before.assignee_id != after.assignee_id {
            after.assigned_at = after.assignee_id.map(|_| w.now);
        }
        w.tx().save_conversation(&after).await?;
        crate::sla::track(w, before, &after).await?;

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
        {
            self.send_csat_survey(w, &after, &inbox).await?;
        }
        let view = views::conv_view(&self.channels, w.tx(), after.clone()).await?;
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
        let mut status_event = None;
        if status_changed {
            status_event = Some(
                w.emit(
                    Event::new(EventKind::ConversationStatusChanged, acc, data.clone())
                        .inbox(inbox_id)
                        .conversation(cid)
                        .contact(contact)
                        .contact_inbox(Some(after.contact_inbox_id))
                        .by(performer),
                )
                .await?,
            );
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
        let update_event = w
            .emit(
                Event::new(EventKind::ConversationUpdated, acc, upd)
                    .inbox(inbox_id)
                    .conversation(cid)
                    .contact(contact)
                    .contact_inbox(Some(after.contact_inbox_id))
                    .by(performer),
            )
            .await?;

        let wants_status =
            status_event.is_some() && w.wants_webhook(acc, Some(inbox), "conversation_status_changed").await?;
        let wants_update = w.wants_webhook(acc, Some(inbox), "conversation_updated").await?;
        if wants_status || wants_update {
            let account = w.tx().require_account(acc).await?;
            if wants_status && let Some(ev) = status_event {
                let payload =
                    present::conversation_webhook("conversation_status_changed", view, &account, inbox, Some(&changed));
                w.webhook(ev, acc, Some(inbox), "conversation_status_changed", &payload, None)
                    .await?;
            }
            if wants_update {
                let payload =
                    present::conversation_webhook("conversation_updated", view, &account, inbox, Some(&changed));
                w.webhook(update_event, acc, Some(inbox), "conversation_updated", &payload, None)
                    .await?;
            }
        }
        Ok(())
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
    push(
        "assignee_agent_bot_id",
        json!(before.assignee_agent_bot_id),
        json!(after.assignee_agent_bot_id),
    );
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
    push("sla_policy_id", json!(before.sla_policy_id), json!(after.sla_policy_id));
    if let Some((old, new)) = labels {
        push("label_list", json!(old), json!(new));
    }
    changed
}
