//! What routing decides about one conversation when it changes: a
//! reopened conversation stays with its agent when they are available
//! (sticky), otherwise it goes back to the queue (on the event, by the
//! listener); a conversation moved to a team that auto-assigns leaves an
//! agent who is not in the team (in the change itself, as Chatwoot does).

use serde_json::Value;
use switchboard_domain::event::CauseKind;
use switchboard_domain::{Availability, ConversationStatus, EventKind};
use switchboard_store::{Conversation, StoredEvent};

use super::Presence;
use super::pass::{Skip, decision_for};
use super::settings::InboxRouting;
use crate::CoreResult;
use crate::conversations::Actor;
use crate::jobs::JobFailure;
use crate::work::Work;

pub(super) async fn check(w: &mut Work, event: &StoredEvent, conversation_id: i64) -> Result<(), JobFailure> {
    let reopened = event.kind() == Some(EventKind::ConversationStatusChanged)
        && event.data.get("status").and_then(Value::as_str) == Some("open");
    if !reopened {
        return Ok(());
    }
    let core = w.core().clone();
    let Some(before) = w.tx().lock_conversation_by_id(conversation_id).await? else {
        return Ok(());
    };
    let Some(assignee) = before.assignee_id else {
        return Ok(());
    };
    // An agent assigned by the change that opened it (a bot's handoff to
    // them), or since, was chosen now: not a reopen's old assignee.
    if before.assigned_at.is_some_and(|t| t >= event.created_at) {
        return Ok(());
    }
    if before.status() != ConversationStatus::Open {
        return Ok(());
    }
    let Some(inbox) = w.tx().get_inbox(before.account_id, before.inbox_id).await? else {
        return Ok(());
    };
    let routing = InboxRouting::of(&inbox);
    if !routing.enabled {
        return Ok(());
    }
    let reason = match w.tx().get_account_user(before.account_id, assignee).await? {
        None => Some(Skip::Offline),
        Some(au) => match Availability::from_code(au.availability) {
            Some(Availability::Offline) | None => Some(Skip::Offline),
            _ if au.auto_offline => {
                let seen = core
                    .presence_of(before.account_id)
                    .await
                    .into_iter()
                    .any(|(id, p, _)| id == assignee && p != Presence::Away);
                (!seen).then_some(Skip::Away)
            }
            _ => None,
        },
    };
    w.set_cause(event.cause().then(CauseKind::System, None));
    let now = w.now;
    match reason {
        None => {
            let d = decision_for(&before, "kept", Some(assignee), &routing, &[], Some("reopened"));
            w.tx().insert_routing_decision(&d, now).await?;
        }
        Some(why) => {
            let mut after = before.clone();
            after.assignee_id = None;
            core.conversation_changed(w, &before, &after, &Actor::routing(), None, true)
                .await?;
            let d = decision_for(
                &before,
                "requeued",
                None,
                &routing,
                &[(assignee, why)],
                Some("reopened"),
            );
            w.tx().insert_routing_decision(&d, now).await?;
        }
    }
    Ok(())
}

/// Inside a change that moves a conversation to another team (and leaves
/// its agent as it was): an agent who is not in a team that auto-assigns
/// lets go of it, and it waits for the team's members.
pub(crate) async fn leave_team_if_outside(w: &mut Work, after: &mut Conversation) -> CoreResult<()> {
    let (Some(assignee), Some(team_id)) = (after.assignee_id, after.team_id) else {
        return Ok(());
    };
    let Some(team) = w.tx().get_team(after.account_id, team_id).await? else {
        return Ok(());
    };
    if !team.allow_auto_assign || w.tx().list_team_members(team.id).await?.contains(&assignee) {
        return Ok(());
    }
    let Some(inbox) = w.tx().get_inbox(after.account_id, after.inbox_id).await? else {
        return Ok(());
    };
    let routing = InboxRouting::of(&inbox);
    if !routing.enabled {
        return Ok(());
    }
    after.assignee_id = None;
    let d = decision_for(
        after,
        "requeued",
        None,
        &routing,
        &[(assignee, Skip::NotInTeam)],
        Some("team_changed"),
    );
    let now = w.now;
    w.tx().insert_routing_decision(&d, now).await?;
    Ok(())
}
