//! Routing: who gets each conversation. Open conversations nobody holds
//! wait in one queue per account (most urgent first, then longest
//! waiting); a routing pass ([`Route`], one job per account at a time)
//! gives each to an inbox member (or a member of its team, when the team
//! auto-assigns) who is present, online and below capacity, round robin or
//! by least load, and logs every decision with the agents it skipped and
//! why ([`decisions`]).
//!
//! What starts a pass: the routing listener, on a conversation created,
//! reopened, unassigned, moved to a team, resolved, snoozed or pending
//! (capacity freed); an agent arriving (a dashboard socket), changing
//! availability or capacity, memberships and inbox settings changing
//! ([`Core::route_soon`]); and a sweep every minute. Passes of one account
//! run one at a time (the job's queue key); a trigger while one runs
//! queues one more (the job's unique key), so bursts coalesce.
//!
//! Race-free on every backend: each assignment is its own transaction that
//! locks the conversation (still open and unassigned?) and the agent's
//! routing row, then counts the agent's open conversations afresh before
//! assigning; two nodes, two passes or a manual assignment beside a pass
//! never push an agent past capacity through routing, nor assign a
//! conversation twice. Manual assignment bypasses capacity but counts.

mod pass;
pub mod policies;
pub mod settings;
mod sticky;

pub(crate) use sticky::leave_team_if_outside;
pub mod views;

use std::sync::Arc;
use std::time::Duration;

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use switchboard_domain::time::now_micros;
use switchboard_domain::{Event, EventKind};
use switchboard_store::{NewJob, StoredEvent};

use crate::Core;
use crate::job::{BackgroundJob, JobContext, new_job};
use crate::jobs::JobFailure;
use crate::listen::Listener;
use crate::work::Work;

pub use settings::{AssignmentOrder, InboxRouting};

/// Who is online, as the real-time layer knows it (across nodes).
pub trait PresenceSource: Send + Sync + 'static {
    /// The agents of `account_id` seen within `within`, with how long ago.
    fn seen(&self, account_id: i64, within: Duration) -> BoxFuture<'_, Vec<(i64, Duration)>>;
    /// Seen within this long is online (dashboards refresh their presence
    /// more often than that).
    fn window(&self) -> Duration;
}

/// How present an agent is, for routing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Presence {
    /// A dashboard is open, or they never go offline automatically.
    Online,
    /// Their dashboard went away less than the grace period ago.
    Grace,
    /// Gone longer than the grace period (or never seen).
    Away,
}

/// One routing pass for an account.
#[derive(Debug, Serialize, Deserialize)]
pub struct Route {
    pub account_id: i64,
}

impl BackgroundJob for Route {
    const KIND: &'static str = "route";
    const STOPPED: &'static str = "A routing pass stopped on an internal error";

    fn unique_key(&self) -> Option<String> {
        Some(format!("route:{}", self.account_id))
    }

    async fn run(self, core: Arc<Core>, _ctx: JobContext) -> Result<(), JobFailure> {
        if pass::run(&core, self.account_id).await? {
            // More waited than one pass takes: go on after the others.
            core.route_soon(self.account_id).await;
        }
        Ok(())
    }
}

/// The row that queues a routing pass for `account_id`.
pub(crate) fn route_job(account_id: i64, now: i64) -> NewJob {
    NewJob {
        queue_key: Some(format!("route:{account_id}")),
        ..new_job(&Route { account_id }, now, 20, None)
    }
}

impl Core {
    /// Queues a routing pass for the account (something that may let a
    /// waiting conversation find an agent happened outside a conversation:
    /// an agent arrived or changed availability, capacity or memberships).
    pub async fn route_soon(self: &Arc<Self>, account_id: i64) {
        let queued = async {
            let mut tx = self.store.write().await?;
            let now = now_micros();
            tx.insert_jobs(&[route_job(account_id, now)], now).await?;
            tx.commit().await?;
            Ok::<(), crate::CoreError>(())
        }
        .await;
        match queued {
            Ok(()) => self.wake_jobs(),
            Err(e) => tracing::warn!(account = account_id, error = %e, "queuing a routing pass failed; the sweep will"),
        }
    }

    /// Queues a routing pass for every account (the minute's sweep: a
    /// safety net under the triggers).
    pub async fn route_sweep(self: &Arc<Self>) {
        let accounts = async {
            let mut tx = self.store.read().await?;
            let mut ids = tx.accounts_with_waiting_conversations().await?;
            ids.extend(tx.accounts_with_requeue().await?);
            ids.sort_unstable();
            ids.dedup();
            Ok::<_, crate::CoreError>(ids)
        }
        .await;
        match accounts {
            Ok(ids) => {
                for id in ids {
                    self.route_soon(id).await;
                }
            }
            Err(e) => tracing::warn!(error = %e, "the routing sweep could not list accounts"),
        }
    }

    /// How present each agent of the account is, by user id.
    pub(crate) async fn presence_of(&self, account_id: i64) -> Vec<(i64, Presence, Option<Duration>)> {
        let Some(src) = self.presence.get() else {
            return Vec::new();
        };
        let window = src.window();
        src.seen(account_id, window + self.config.presence_grace)
            .await
            .into_iter()
            .map(|(id, ago)| {
                let p = if ago < window {
                    Presence::Online
                } else {
                    Presence::Grace
                };
                (id, p, Some(ago))
            })
            .collect()
    }
}

/// The routing listener: conversation events that may change who should
/// hold a conversation, or free an agent's capacity.
pub struct RoutingListener;

impl Listener for RoutingListener {
    fn name(&self) -> &'static str {
        "routing"
    }

    fn wants(&self, event: &Event) -> bool {
        match event.kind {
            EventKind::ConversationCreated | EventKind::ConversationStatusChanged | EventKind::TeamChanged => true,
            // Routing's own assignments (no performer, an assignee now)
            // free nobody's capacity and leave nothing waiting: a pass
            // after each would only double the passes under load.
            EventKind::AssigneeChanged => event.performer.is_some() || event.data["meta"]["assignee"].is_null(),
            _ => false,
        }
    }

    fn handle<'a>(&'a self, w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            if let Some(conversation_id) = event.conversation_id {
                sticky::check(w, event, conversation_id).await?;
            }
            let now = w.now;
            w.job(route_job(event.account_id, now)).await?;
            Ok(())
        })
    }
}
