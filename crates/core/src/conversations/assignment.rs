//! Assigning a conversation to an agent or a team.

use std::sync::Arc;

use serde_json::Value;

use super::Actor;
use crate::auth::AccountCtx;
use crate::conversation_types::Assignment;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

impl Core {
    /// `POST /assignments`: an agent (`assignee_id`, null unassigns) or a team.
    /// Answers the agent, the team or null (`present`'s shapes). With a
    /// `handoff_note` (a transfer), the note is written as the caller's
    /// private note in the same transaction: both happen, or neither.
    pub async fn assign(self: &Arc<Self>, ctx: &AccountCtx, display_id: i64, req: Assignment) -> CoreResult<Value> {
        let mut w = Work::by(self, ctx).await?;
        if let Some(note) = req.handoff_note.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            // Only a change the caller may make carries a note: check first.
            self.lock_visible(&mut w, ctx, display_id).await?;
            let input = crate::messages::message_input(
                crate::message_types::NewMessage {
                    content: Some(note.to_string()),
                    private: Some(true),
                    message_type: Some(switchboard_domain::MessageType::Outgoing),
                    ..Default::default()
                },
                false,
            )?;
            let item = crate::ingest::Item {
                account_id: ctx.account_id(),
                display_id,
                member_of: if ctx.is_admin() { None } else { Some(ctx.user.id) },
                input,
                from: crate::ingest::From::User(ctx.user.clone()),
                attachments: Vec::new(),
                cause: None,
            };
            let written = crate::ingest::process(self, &mut w, std::slice::from_ref(&item)).await?;
            written
                .into_iter()
                .next()
                .ok_or_else(|| CoreError::Internal("the handoff note was not written".into()))??;
        }
        let before = self.lock_visible(&mut w, ctx, display_id).await?;
        let mut after = before.clone();
        let result;
        // As Chatwoot's controller: `assignee_id` wins when present; a
        // `team_id` that names no team of the account (0, a deleted team)
        // clears the team and answers null (the n8n node always sends 0).
        if let Some(assignee) = req.assignee_id.into_change() {
            if req.assignee_type.as_deref() == Some("AgentBot") {
                // The conversation's own bot: it hears the conversation and
                // answers it with its token until a person takes it.
                let Some(bot_id) = assignee else {
                    return Err(CoreError::invalid("assignee_id", "Name the agent bot"));
                };
                let bot = w
                    .tx()
                    .get_agent_bot(ctx.account_id(), bot_id)
                    .await?
                    .ok_or_else(|| CoreError::invalid("assignee_id", "The agent bot is not in this account"))?;
                after.assignee_agent_bot_id = Some(bot.id);
                after.assignee_id = None;
                self.conversation_changed(&mut w, &before, &after, &Actor::user(&ctx.user), None, true)
                    .await?;
                w.commit().await?;
                return Ok(crate::agent_bots::bot_assignee_json(&bot));
            }
            // A person takes it from the conversation's bot.
            after.assignee_agent_bot_id = None;
            match assignee {
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
        } else if let Some(team) = req.team_id.into_change() {
            let team = match team {
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
}
