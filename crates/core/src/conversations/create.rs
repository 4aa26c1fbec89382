//! Opening a conversation from the API, and what every new conversation
//! records (its event and webhook).

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Event;
use switchboard_domain::rules;
use switchboard_domain::validate;
use switchboard_domain::{ConversationStatus, EventKind, MessageType};
use switchboard_store::Conversation;

use super::Actor;
use crate::auth::AccountCtx;
use crate::conversation_types::{FirstMessage, NewConversation};
use crate::conversation_view::ConversationView;
use crate::request::blank;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

impl Core {
    /// `POST /conversations`: answers the conversation (an open one of the
    /// contact's instead when the inbox keeps one conversation per contact).
    pub async fn create_conversation(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        req: NewConversation,
    ) -> CoreResult<ConversationView> {
        let inbox_id = req.inbox_id.ok_or_else(|| blank("inbox_id"))?;
        let source_id = req.source_id.filter(|s| !s.is_empty());
        let contact_id = req.contact_id;
        if source_id.is_none() && contact_id.is_none() {
            return Err(CoreError::invalid("source_id", "source_id or contact_id is required"));
        }
        if req.status == Some(ConversationStatus::Snoozed) && req.snoozed_until.is_absent() {
            return Err(CoreError::invalid("status", "status is not included in the list"));
        }
        let requested_status = req.status;
        let snoozed_until = req.snoozed_until.into_change().flatten();
        let mut attributes = [json!({}), json!({})];
        for (i, (key, sent)) in [
            ("additional_attributes", req.additional_attributes),
            ("custom_attributes", req.custom_attributes),
        ]
        .into_iter()
        .enumerate()
        {
            if let Some(sent) = sent {
                attributes[i] = Value::Object(
                    validate::attributes_object(&Value::Object(sent), key).map_err(|m| CoreError::invalid(key, m))?,
                );
            }
        }
        let [additional, custom] = attributes;
        let message = match req.message.filter(Value::is_object) {
            Some(m) => Some(crate::request::parse::<FirstMessage>(&m)?),
            None => None,
        };

        let mut w = Work::by(self, ctx).await?;
        let inbox = w.tx().require_inbox(ctx.account_id(), inbox_id).await?;
        if !ctx.is_admin() && !w.tx().is_inbox_member(inbox.id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        let (contact, ci) = if let Some(sid) = &source_id {
            let ci = w
                .tx()
                .find_contact_inbox(inbox.id, sid)
                .await?
                .ok_or(CoreError::NotFound)?;
            let contact = w.tx().require_contact(ctx.account_id(), ci.contact_id).await?;
            (contact, ci)
        } else {
            let cid = contact_id.unwrap_or_default();
            let contact = w.tx().require_contact(ctx.account_id(), cid).await?;
            let ci = match w.tx().find_contact_inbox_for(contact.id, inbox.id).await? {
                Some(ci) => ci,
                None => {
                    let sid = crate::contacts::default_source_id(&self.channels, inbox.channel(), &contact);
                    self.add_contact_inbox(&mut w, &contact, inbox.id, &sid, false).await?
                }
            };
            (contact, ci)
        };
        if inbox.setting_bool("lock_to_single_conversation", false)
            && let Some(existing) = w.tx().latest_conversation(ci.id, &[]).await?
        {
            let v = views::conv_view(&self.channels, w.tx(), existing).await?;
            w.commit().await?;
            return Ok(v.rest());
        }
        let assignee_id = match req.assignee_id {
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
        let team_id = match req.team_id {
            Some(tid) => Some(
                w.tx()
                    .get_team(ctx.account_id(), tid)
                    .await?
                    .ok_or_else(|| CoreError::invalid("team_id", "Team not found"))?
                    .id,
            ),
            None => None,
        };
        let bot = self.inbox_bot(w.tx(), inbox.id).await?.is_some();
        let status = rules::initial_status(requested_status, contact.blocked, bot);
        let display_id = w.tx().next_display_id(ctx.account_id()).await?;
        let now = w.now;
        let conv = w
            .tx()
            .insert_conversation(&Conversation {
                uuid: uuid::Uuid::new_v4().to_string(),
                assignee_id,
                assigned_at: assignee_id.map(|_| now),
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
            let input = crate::messages::MessageInput {
                content: m.content,
                message_type: MessageType::Outgoing,
                private: false,
                content_type: switchboard_domain::ContentType::Text,
                content_attributes: json!({}),
                echo_id: None,
                source_id: None,
                // A WhatsApp template opens a conversation outside the window.
                additional_attributes: match m.template_params.filter(Value::is_object) {
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
                cause: None,
            };
            let mut results = crate::ingest::process(self, &mut w, std::slice::from_ref(&item)).await?;
            results
                .pop()
                .unwrap_or_else(|| Err(CoreError::Internal("no result".into())))?;
        }
        let conv = w.tx().require_conversation_by_id(conv.id).await?;
        let v = views::conv_view(&self.channels, w.tx(), conv).await?;
        w.commit().await?;
        Ok(v.rest())
    }

    pub(crate) async fn conversation_created(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        actor: &Actor,
    ) -> CoreResult<()> {
        let view = views::conv_view(&self.channels, w.tx(), conv.clone()).await?;
        let data = view.push();
        let ev = w
            .emit(
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
            let account = w.tx().require_account(conv.account_id).await?;
            if let Some(inbox) = &inbox {
                let payload = present::conversation_webhook("conversation_created", &view, &account, inbox, None);
                w.webhook(ev, conv.account_id, Some(inbox), "conversation_created", &payload, None)
                    .await?;
            }
        }
        Ok(())
    }
}
