//! A conversation's status: toggled, snoozed and woken, muted.

use std::sync::Arc;

use switchboard_domain::ConversationStatus;
use switchboard_domain::rules;
use switchboard_store::Conversation;

use super::Actor;
use crate::auth::AccountCtx;
use crate::conversation_types::{StatusToggle, StatusToggled};
use crate::work::Work;
use crate::{Core, CoreResult};

impl Core {
    pub(super) async fn schedule_snooze(self: &Arc<Self>, w: &mut Work, conv: &Conversation) -> CoreResult<()> {
        if let Some(until) = conv.snoozed_until {
            let wake = crate::jobs::SnoozeWake {
                conversation_id: conv.id,
                snoozed_until: until,
            };
            w.job(crate::job::new_job(&wake, until, 10, None)).await?;
        }
        Ok(())
    }

    /// `POST /conversations/:id/toggle_status`.
    pub async fn toggle_status(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        req: StatusToggle,
    ) -> CoreResult<StatusToggled> {
        let (requested, snoozed_until) = (req.status, req.snoozed_until);
        let mut w = Work::by(self, ctx).await?;
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
        Ok(StatusToggled::new(after.display_id, target, after.snoozed_until))
    }

    /// `POST /mute` and `/unmute`: a muted conversation is resolved, and its
    /// contact's new messages do not reopen it, until it is unmuted.
    pub async fn set_muted(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, muted: bool) -> CoreResult<()> {
        let mut w = Work::by(self, ctx).await?;
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
