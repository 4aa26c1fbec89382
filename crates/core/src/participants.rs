//! The agents taking part in a conversation (Chatwoot's
//! `/conversations/{id}/participants`): whoever may see the conversation
//! reads and changes the set; only members of the account who may reach the
//! conversation's inbox (its members and the administrators) can be in it.
//! The assignee joins it on assignment (`Core::conversation_changed`).

use std::sync::Arc;

use serde_json::Value;
use switchboard_store::{AccountUser, Conversation, User};

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

/// The most user ids one request may name.
pub const MAX_PARTICIPANT_IDS: usize = 100;

/// How a request changes the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantChange {
    Add,
    Set,
    Remove,
}

fn user_ids(body: &Value) -> CoreResult<Vec<i64>> {
    let mut ids = Params::new(body)
        .i64_list("user_ids")?
        .ok_or_else(|| CoreError::invalid("user_ids", "user_ids can't be blank"))?;
    if ids.len() > MAX_PARTICIPANT_IDS {
        return Err(CoreError::invalid(
            "user_ids",
            format!("At most {MAX_PARTICIPANT_IDS} users at a time"),
        ));
    }
    ids.sort_unstable();
    ids.dedup();
    Ok(ids)
}

fn no_access() -> CoreError {
    // The same words for a user of another account, one that does not
    // exist, and a member without access: nothing about other accounts.
    CoreError::invalid("user_ids", "User must have access to the conversation's inbox")
}

/// The participants in the agent shape, in the order they joined; users no
/// longer in the account are left out.
fn agents(ids: &[i64], users: &[(User, AccountUser)]) -> Vec<Value> {
    ids.iter()
        .filter_map(|id| users.iter().find(|(u, _)| u.id == *id))
        .map(|(u, au)| present::agent(u, Some(au)))
        .collect()
}

impl Core {
    /// `GET /conversations/{id}/participants`.
    pub async fn conversation_participants(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64) -> CoreResult<Value> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let ids = tx.conversation_participants(c.id).await?;
        let users = tx.users_in_account(ctx.account_id(), &ids).await?;
        let roles = self.roles_of(&mut *tx, ctx.account_id(), users).await?;
        Ok(Value::Array(agents(&ids, &roles)))
    }

    async fn roles_of(
        self: &Arc<Self>,
        tx: &mut dyn switchboard_store::Tx,
        account_id: i64,
        users: Vec<User>,
    ) -> CoreResult<Vec<(User, AccountUser)>> {
        let mut out = Vec::with_capacity(users.len());
        for u in users {
            if let Some(au) = tx.get_account_user(account_id, u.id).await? {
                out.push((u, au));
            }
        }
        Ok(out)
    }

    /// Checks that every user may take part in `c`: a member of the account
    /// who is an administrator or a member of the conversation's inbox.
    async fn check_participants(
        self: &Arc<Self>,
        w: &mut Work,
        account_id: i64,
        c: &Conversation,
        ids: &[i64],
    ) -> CoreResult<Vec<(User, AccountUser)>> {
        let users = w.tx().users_in_account(account_id, ids).await?;
        if users.len() != ids.len() {
            return Err(no_access());
        }
        let with_roles = self.roles_of(w.tx(), account_id, users).await?;
        if with_roles.len() != ids.len() {
            return Err(no_access());
        }
        let agents: Vec<(i64, i64)> = with_roles
            .iter()
            .filter(|(_, au)| !au.is_admin())
            .map(|(u, _)| (c.inbox_id, u.id))
            .collect();
        if !agents.is_empty() && w.tx().inbox_memberships(&agents).await?.len() != agents.len() {
            return Err(no_access());
        }
        Ok(with_roles)
    }

    /// `POST` (add), `PATCH` (replace) or `DELETE` (remove)
    /// `/conversations/{id}/participants {user_ids}`. Answers the added
    /// participants (`POST`), the whole set (`PATCH`), or nothing (`DELETE`).
    pub async fn change_participants(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        body: &Value,
        change: ParticipantChange,
    ) -> CoreResult<Value> {
        let ids = user_ids(body)?;
        let mut w = Work::by(self, ctx).await?;
        let c = self.lock_visible(&mut w, ctx, display_id).await?;
        let now = w.now;
        let out = match change {
            ParticipantChange::Add => {
                let users = self.check_participants(&mut w, ctx.account_id(), &c, &ids).await?;
                w.tx()
                    .add_conversation_participants(ctx.account_id(), c.id, &ids, now)
                    .await?;
                Value::Array(agents(&ids, &users))
            }
            ParticipantChange::Set => {
                self.check_participants(&mut w, ctx.account_id(), &c, &ids).await?;
                let current = w.tx().conversation_participants(c.id).await?;
                let gone: Vec<i64> = current.into_iter().filter(|u| !ids.contains(u)).collect();
                w.tx().remove_conversation_participants(c.id, &gone).await?;
                w.tx()
                    .add_conversation_participants(ctx.account_id(), c.id, &ids, now)
                    .await?;
                let all = w.tx().conversation_participants(c.id).await?;
                let users = w.tx().users_in_account(ctx.account_id(), &all).await?;
                let roles = self.roles_of(w.tx(), ctx.account_id(), users).await?;
                Value::Array(agents(&all, &roles))
            }
            ParticipantChange::Remove => {
                w.tx().remove_conversation_participants(c.id, &ids).await?;
                Value::Null
            }
        };
        w.commit().await?;
        Ok(out)
    }
}
