//! Conversations: list, counts, create, status, priority, assignment,
//! labels, attributes, read marks and the filter endpoint.
//!
//! `list` answers the lists and their counts, `filter` the filter
//! endpoint, `create` opens a conversation, `status` toggles, snoozes and
//! mutes, `assignment` assigns an agent or a team, `attributes` sets
//! priority, labels and custom attributes, `presence` marks reads and
//! typing; every change goes through `changes` (activity lines, events,
//! webhooks), and `system_messages` writes what the system says in a
//! conversation.

mod assignment;
mod attributes;
mod changes;
mod create;
mod filter;
mod list;
mod presence;
mod status;
mod system_messages;

use std::sync::Arc;

use switchboard_domain::event::Performer;
use switchboard_store::{Conversation, User};

use crate::auth::AccountCtx;
use crate::conversation_view::ConversationView;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

pub(crate) use attributes::custom_attributes_of;
pub(crate) use changes::changed_attributes;
pub use filter::parse_filter;
pub use list::ListParams;

/// Who made a change: a user (named in activity lines) or the system,
/// which may name itself (`routing`).
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user: Option<User>,
    pub label: Option<std::borrow::Cow<'static, str>>,
    /// An agent bot (named by `label`).
    pub bot: Option<i64>,
}

impl Actor {
    pub fn user(u: &User) -> Self {
        Actor {
            user: Some(u.clone()),
            label: None,
            bot: None,
        }
    }
    pub fn system() -> Self {
        Actor {
            user: None,
            label: None,
            bot: None,
        }
    }
    /// An automation rule: activity lines say "... by Automation System
    /// (<the rule's name>)".
    pub fn automation(rule: &str) -> Self {
        Actor {
            user: None,
            label: Some(format!("Automation System ({rule})").into()),
            bot: None,
        }
    }
    /// Routing: activity lines say "... by routing".
    pub fn routing() -> Self {
        Actor {
            user: None,
            label: Some("routing".into()),
            bot: None,
        }
    }
    /// An agent bot: activity lines name it.
    pub fn bot(b: &switchboard_store::AgentBot) -> Self {
        Actor {
            user: None,
            label: Some(b.name.clone().into()),
            bot: Some(b.id),
        }
    }
    fn name(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.available_name()).or(self.label.as_deref())
    }
    fn performer(&self) -> Option<Performer> {
        self.user
            .as_ref()
            .map(|u| Performer::User(u.id))
            .or(self.bot.map(Performer::AgentBot))
    }
}

impl Core {
    /// A conversation the caller may see, without locking.
    pub async fn visible_conversation(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<Conversation> {
        let mut tx = self.store.read().await?;
        let c = tx.require_conversation(ctx.account_id(), display_id).await?;
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
        let c = w.tx().require_locked_conversation(ctx.account_id(), display_id).await?;
        if !ctx.is_admin() && !w.tx().is_inbox_member(c.inbox_id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        Ok(c)
    }

    pub async fn get_conversation(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<ConversationView> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let v = views::conv_view(&self.channels, &mut *tx, c).await?;
        Ok(v.rest())
    }
}
