//! What routing shows: a conversation's decision log, the account's queue
//! with its agents' presence and load, and agents' capacities.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use switchboard_domain::Availability;
use switchboard_domain::time::unix_secs;

use super::Presence;
use crate::auth::AccountCtx;
use crate::request::Patch;
use crate::require::Require;
use crate::view::Payload;
use crate::{Core, CoreError, CoreResult};

/// Decisions a conversation's log shows, newest first.
const LOG_LIMIT: i64 = 100;
/// Waiting conversations the queue view lists.
const QUEUE_VIEW_LIMIT: i64 = 200;

#[derive(Debug, Clone, Serialize)]
pub struct AgentRef {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SkippedAgent {
    pub agent_id: i64,
    /// None when the agent has left the account since.
    pub name: Option<String>,
    /// offline, away, busy, not_in_team, at_capacity or fair_share.
    pub reason: String,
}

/// One entry of `GET /conversations/{id}/routing`.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionView {
    pub id: i64,
    /// assigned, waiting, kept (a reopened conversation stayed with its
    /// agent) or requeued (taken back from an absent agent).
    pub outcome: String,
    pub assignee: Option<AgentRef>,
    pub mode: Option<String>,
    pub team_id: Option<i64>,
    pub note: Option<String>,
    /// The agent's open conversations after the assignment.
    pub load: Option<i64>,
    pub skipped: Vec<SkippedAgent>,
    /// Unix seconds.
    pub created_at: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueuedConversation {
    /// The display id.
    pub id: i64,
    pub inbox_id: i64,
    pub team_id: Option<i64>,
    pub priority: Option<&'static str>,
    /// Unix seconds.
    pub waiting_since: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueAgent {
    pub id: i64,
    pub name: String,
    pub availability: &'static str,
    /// online, grace (their dashboard went away within the grace period) or away.
    pub presence: &'static str,
    /// Seconds since a dashboard of theirs was last seen.
    pub seen_seconds_ago: Option<u64>,
    pub auto_offline: bool,
    /// Open conversations they hold.
    pub load: i64,
    pub capacity: Option<i64>,
}

/// `GET /routing/queue`: who waits and who could take them.
#[derive(Debug, Clone, Serialize)]
pub struct QueueView {
    pub waiting_count: usize,
    pub waiting: Vec<QueuedConversation>,
    pub agents: Vec<QueueAgent>,
}

/// `PATCH /routing/agents/{id}`: `{capacity}` (null: no limit of their own).
#[derive(Debug, Deserialize)]
pub struct CapacityChange {
    #[serde(default, deserialize_with = "crate::request::lenient::patch_int")]
    pub capacity: Patch<i64>,
}

impl Core {
    /// A conversation's routing decisions, newest first.
    pub async fn conversation_routing(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
    ) -> CoreResult<Payload<Vec<DecisionView>>> {
        let c = self.visible_conversation(ctx, display_id).await?;
        let mut tx = self.store.read().await?;
        let list = tx.routing_decisions(c.id, LOG_LIMIT).await?;
        let mut ids: Vec<i64> = list
            .iter()
            .flat_map(|d| {
                let skipped = d
                    .detail
                    .get("skipped")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default();
                d.assignee_id.into_iter().chain(
                    skipped
                        .iter()
                        .filter_map(|s| s.get("agent_id").and_then(Value::as_i64))
                        .collect::<Vec<_>>(),
                )
            })
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let names: HashMap<i64, String> = tx
            .users_in_account(ctx.account_id(), &ids)
            .await?
            .into_iter()
            .map(|u| (u.id, u.available_name().to_string()))
            .collect();
        let text = |d: &Value, k: &str| d.get(k).and_then(Value::as_str).map(str::to_string);
        Ok(Payload::of(
            list.into_iter()
                .map(|d| DecisionView {
                    id: d.id,
                    assignee: d.assignee_id.map(|id| AgentRef {
                        id,
                        name: names.get(&id).cloned().unwrap_or_default(),
                    }),
                    mode: text(&d.detail, "mode"),
                    team_id: d.detail.get("team_id").and_then(Value::as_i64),
                    note: text(&d.detail, "note"),
                    load: d.detail.get("load").and_then(Value::as_i64),
                    skipped: d
                        .detail
                        .get("skipped")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(|s| {
                                    let id = s.get("agent_id").and_then(Value::as_i64)?;
                                    Some(SkippedAgent {
                                        agent_id: id,
                                        name: names.get(&id).cloned(),
                                        reason: text(s, "reason").unwrap_or_default(),
                                    })
                                })
                                .collect()
                        })
                        .unwrap_or_default(),
                    outcome: d.outcome,
                    created_at: unix_secs(d.created_at),
                })
                .collect(),
        ))
    }

    /// The account's waiting conversations (most urgent first) and its
    /// agents' presence, load and capacity: administrators only.
    pub async fn routing_queue_view(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<QueueView> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        let presence: HashMap<i64, (Presence, Option<std::time::Duration>)> = self
            .presence_of(account_id)
            .await
            .into_iter()
            .map(|(id, p, ago)| (id, (p, ago)))
            .collect();
        let mut tx = self.store.read().await?;
        let routable: Vec<i64> = tx
            .list_inboxes(account_id, None)
            .await?
            .iter()
            .filter(|i| super::InboxRouting::of(i).enabled)
            .map(|i| i.id)
            .collect();
        let queue = tx.routing_queue(account_id, &routable, QUEUE_VIEW_LIMIT).await?;
        let mut loads: HashMap<i64, i64> = HashMap::new();
        for (user, _, n) in tx.open_loads(account_id).await? {
            *loads.entry(user).or_default() += n;
        }
        let caps: HashMap<i64, Option<i32>> = tx
            .routing_agents(account_id)
            .await?
            .into_iter()
            .map(|a| (a.user_id, a.capacity))
            .collect();
        let agents = tx
            .list_account_users(account_id)
            .await?
            .into_iter()
            .map(|(u, au)| {
                let (p, ago) = match presence.get(&u.id) {
                    Some((p, ago)) => (*p, *ago),
                    None => (Presence::Away, None),
                };
                QueueAgent {
                    id: u.id,
                    name: u.available_name().to_string(),
                    availability: Availability::from_code(au.availability)
                        .unwrap_or(Availability::Offline)
                        .as_str(),
                    presence: match p {
                        _ if !au.auto_offline => "online",
                        Presence::Online => "online",
                        Presence::Grace => "grace",
                        Presence::Away => "away",
                    },
                    seen_seconds_ago: ago.map(|d| d.as_secs()),
                    auto_offline: au.auto_offline,
                    load: loads.get(&u.id).copied().unwrap_or(0),
                    capacity: caps.get(&u.id).copied().flatten().map(i64::from),
                }
            })
            .collect();
        Ok(QueueView {
            waiting_count: queue.len(),
            waiting: queue
                .iter()
                .map(|c| QueuedConversation {
                    id: c.display_id,
                    inbox_id: c.inbox_id,
                    team_id: c.team_id,
                    priority: c.priority().map(|p| p.as_str()),
                    waiting_since: c.waiting_since.map(unix_secs),
                })
                .collect(),
            agents,
        })
    }

    /// Sets an agent's overall capacity (administrators).
    pub async fn set_agent_capacity(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        user_id: i64,
        change: CapacityChange,
    ) -> CoreResult<QueueAgent> {
        ctx.require_admin()?;
        let account_id = ctx.account_id();
        {
            let mut tx = self.store.write().await?;
            tx.require_account_user(account_id, user_id).await?;
            let capacity = match change.capacity.into_change() {
                None => {
                    return Err(CoreError::invalid(
                        "capacity",
                        "capacity is required (null for no limit)",
                    ));
                }
                Some(None) => None,
                Some(Some(n)) if (1..=10_000).contains(&n) => Some(n as i32),
                Some(Some(_)) => {
                    return Err(CoreError::invalid(
                        "capacity",
                        "capacity must be between 1 and 10000, or null",
                    ));
                }
            };
            tx.set_agent_capacity(account_id, user_id, capacity).await?;
            tx.commit().await?;
        }
        self.route_soon(account_id).await;
        let view = self.routing_queue_view(ctx).await?;
        view.agents
            .into_iter()
            .find(|a| a.id == user_id)
            .ok_or(CoreError::NotFound)
    }
}
