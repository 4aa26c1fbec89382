//! What an agent's reading and typing tell the others: read marks and
//! typing indicators.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::event::Performer;
use switchboard_domain::{Event, EventKind};
use switchboard_store::Conversation;

use crate::auth::AccountCtx;
use crate::conversation_types::TypingToggle;
use crate::conversation_view::ConversationView;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

impl Core {
    /// `update_last_seen` (read) or `unread` (mark the last incoming as unread).
    pub async fn mark_seen(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        unread: bool,
    ) -> CoreResult<ConversationView> {
        let mut w = Work::by(self, ctx).await?;
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
        let view = views::conv_view(&self.channels, w.tx(), after.clone()).await?;
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
        w.commit().await?;
        Ok(view.rest())
    }

    /// `POST /toggle_typing_status {typing_status: on|off, is_private}`:
    /// tells the other side (and subscribed webhooks) that an agent types.
    pub async fn toggle_typing(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        req: TypingToggle,
    ) -> CoreResult<()> {
        let kind = match req.typing_status.as_deref().map(str::trim) {
            None | Some("") => return Err(crate::request::blank("typing_status")),
            Some("on") => EventKind::ConversationTypingOn,
            Some("off") => EventKind::ConversationTypingOff,
            Some(_) => return Err(CoreError::invalid("typing_status", "typing_status must be on or off")),
        };
        let private = req.is_private.unwrap_or(false);
        let conv = self.visible_conversation(ctx, display_id).await?;
        let user = present::user_sender(&ctx.user);
        self.typing(conv, kind, user, private, Performer::User(ctx.user.id))
            .await
    }

    /// Publishes a typing event; stored only when a webhook wants it.
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
        let view = views::conv_view(&self.channels, w.tx(), conv.clone()).await?;
        let data = json!({ "conversation": view.push(), "user": user, "is_private": private });
        let inbox = w.tx().get_inbox(conv.account_id, conv.inbox_id).await?;
        let event = Event::new(kind, conv.account_id, data.clone())
            .inbox(Some(conv.inbox_id))
            .conversation(Some(conv.id))
            .contact(Some(conv.contact_id))
            .contact_inbox(Some(conv.contact_inbox_id))
            .private(private)
            .by(Some(performer));
        if !private && w.wants_webhook(conv.account_id, inbox.as_ref(), name).await? {
            // Stored for the webhook listener, published at the commit.
            let ev = w.emit(event).await?;
            let mut payload = data;
            payload["event"] = json!(name);
            w.webhook(ev, conv.account_id, inbox.as_ref(), name, &payload, None)
                .await?;
            w.commit().await?;
        } else {
            drop(w);
            self.publish_transient(vec![event]);
        }
        Ok(())
    }
}
