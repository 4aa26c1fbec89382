//! Event listeners: what reacts to the durable event stream. Every change
//! writes its events in its own transaction (`Work`); at that commit each
//! event a listener wants becomes one [`Listen`] job in the same
//! transaction, so a listener hears of exactly the events that committed,
//! and of none that did not. The job runs the listener in a transaction of
//! its own that first records `(listener, event)` in `listened` (a unique
//! key): whatever runs the job again (an expired lease, a restart, a
//! retry), an event is handled once per listener, its changes committed
//! with that record or not at all.
//!
//! Order: a listener's jobs for one conversation share a queue key
//! (`listen:{listener}:c{id}`; account-wide events `listen:{listener}:a{id}`),
//! and the runner starts a key's next job only after the earlier one
//! finished, in id order. Changes to a conversation are serialised (its
//! row lock, or SQLite's one writer) and their jobs written before their
//! commit, so the ids follow the commit order: a listener sees one
//! conversation's events in the order they happened. Different
//! conversations proceed in parallel.
//!
//! Batches: when a key's jobs queue up (a busy conversation while the
//! runner is saturated), the job at the head, once its own event is
//! handled and committed, also takes the ones queued right behind it (up
//! to [`BATCH`]) and handles their events, in order, in one more
//! transaction, deleting their jobs there: a burst costs one claim and two
//! transactions instead of one each per event. Should any of the batch
//! fail or panic, none of it commits and each runs later as its own job,
//! so an event that keeps failing holds up only itself.
//!
//! Quiet events: at the commit, a listener that wants an event may still
//! find, with a read inside the change's transaction, that it concerns
//! nobody ([`Listener::quiet`]); such an event gets no job at all.
//!
//! The real-time hub is not a listener: it gets events in memory right
//! after the commit, for speed; a socket that missed some refetches.
//!
//! A listener that changes things sets its unit's cause one step deeper
//! than the event's (`w.set_cause(event.cause().then(kind, id))`), which
//! automation uses to stop loops.

use std::sync::{Arc, RwLock};

use futures_util::future::BoxFuture;
use serde::{Deserialize, Serialize};
use switchboard_domain::Event;
use switchboard_store::{NewJob, StoredEvent, Tx};

use crate::job::{BackgroundJob, JobContext, new_job};
use crate::jobs::JobFailure;
use crate::work::Work;
use crate::{Core, CoreResult};

/// Something that reacts to events after they commit.
pub trait Listener: Send + Sync + 'static {
    /// The listener's name, stored in its job rows and in `listened`:
    /// renaming one strands what was queued before an upgrade.
    fn name(&self) -> &'static str;

    /// Whether this event concerns the listener: decided at the change's
    /// commit, in memory (no queries), for every event written; what
    /// needs a read is [`quiet`](Self::quiet)'s.
    fn wants(&self, event: &Event) -> bool;

    /// Handles one event inside `w`, the listener's own unit of work:
    /// what it writes (rows, events, jobs such as webhook deliveries)
    /// commits together with the record that the event was handled.
    /// `Err` rolls all of it back and the job retries with backoff.
    fn handle<'a>(&'a self, w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>>;

    /// Which of `events` (those of one commit this listener
    /// [`wants`](Self::wants), in order) would change nothing if handed
    /// over: judged inside the change's own transaction just before it
    /// commits (so against the state the events describe), for what memory
    /// cannot tell (who takes part in a conversation, say). A quiet event
    /// gets no job. One flag per event, `true` only when sure; by default
    /// none is quiet. Keep it to a read or two for the whole slice: it runs
    /// inside every change that raises such events.
    fn quiet<'a>(
        &'a self,
        core: &'a Core,
        tx: &'a mut dyn Tx,
        events: &'a [&'a Event],
    ) -> BoxFuture<'a, CoreResult<Vec<bool>>> {
        let _ = (core, tx);
        Box::pin(async move { Ok(vec![false; events.len()]) })
    }
}

/// The registered listeners: the built-in ones, and any the binary (or a
/// test) adds before the server starts.
pub struct Listeners {
    all: RwLock<Arc<[Arc<dyn Listener>]>>,
}

impl Default for Listeners {
    fn default() -> Self {
        Listeners {
            all: RwLock::new(Arc::from(vec![
                Arc::new(crate::webhooks::WebhookListener) as Arc<dyn Listener>,
                Arc::new(crate::routing::RoutingListener) as Arc<dyn Listener>,
                Arc::new(crate::notifications::NotificationListener) as Arc<dyn Listener>,
                Arc::new(crate::automation::AutomationListener) as Arc<dyn Listener>,
                Arc::new(crate::agent_bots::AgentBotListener) as Arc<dyn Listener>,
            ])),
        }
    }
}

impl Listeners {
    /// Adds a listener (a name already registered is replaced).
    pub fn add(&self, listener: Arc<dyn Listener>) {
        let mut all = self.all.write().unwrap_or_else(|p| p.into_inner());
        let mut list: Vec<Arc<dyn Listener>> = all.iter().filter(|l| l.name() != listener.name()).cloned().collect();
        list.push(listener);
        *all = Arc::from(list);
    }

    pub fn snapshot(&self) -> Arc<[Arc<dyn Listener>]> {
        self.all.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub fn find(&self, name: &str) -> Option<Arc<dyn Listener>> {
        self.snapshot().iter().find(|l| l.name() == name).cloned()
    }
}

/// How many times a listener's job runs before it gives up on an event.
const LISTEN_ATTEMPTS: i32 = 20;

/// Queues, into `jobs`, one [`Listen`] job per event (with its stored id)
/// and listener that wants it and for which it is not quiet. Called by
/// `Work::commit` inside the change's transaction, before it commits.
pub(crate) async fn dispatch(
    core: &Core,
    tx: &mut dyn Tx,
    events: &[Event],
    ids: &[i64],
    now: i64,
    jobs: &mut Vec<NewJob>,
) -> CoreResult<()> {
    let listeners = core.listeners.snapshot();
    for l in listeners.iter() {
        let (wanted, wanted_ids): (Vec<&Event>, Vec<i64>) = events
            .iter()
            .zip(ids)
            .filter(|(e, _)| l.wants(e))
            .map(|(e, id)| (e, *id))
            .unzip();
        if wanted.is_empty() {
            continue;
        }
        let quiet = l.quiet(core, tx, &wanted).await?;
        for (i, (event, id)) in wanted.iter().zip(wanted_ids).enumerate() {
            if quiet.get(i).copied().unwrap_or(false) {
                continue;
            }
            let job = Listen {
                listener: l.name().to_string(),
                event_id: id,
            };
            jobs.push(NewJob {
                queue_key: Some(queue_key(l.name(), event.conversation_id, event.account_id)),
                ..new_job(&job, now, LISTEN_ATTEMPTS, None)
            });
        }
    }
    Ok(())
}

/// One listener's jobs for one conversation (or for an account's events
/// that name no conversation) share this key.
fn queue_key(listener: &str, conversation_id: Option<i64>, account_id: i64) -> String {
    match conversation_id {
        Some(c) => format!("listen:{listener}:c{c}"),
        None => format!("listen:{listener}:a{account_id}"),
    }
}

/// The most events one job hands over (its own and those queued behind it).
const BATCH: i64 = 32;

/// Hands one stored event to one listener.
#[derive(Debug, Serialize, Deserialize)]
pub struct Listen {
    pub listener: String,
    pub event_id: i64,
}

impl BackgroundJob for Listen {
    const KIND: &'static str = "listen";
    const STOPPED: &'static str = "A listener stopped on an internal error; the event was skipped";

    fn unique_key(&self) -> Option<String> {
        Some(format!("listen:{}:{}", self.listener, self.event_id))
    }

    async fn run(self, core: Arc<Core>, ctx: JobContext) -> Result<(), JobFailure> {
        let Some(listener) = core.listeners.find(&self.listener) else {
            return Err(JobFailure::Permanent(format!(
                "no listener is called {}",
                self.listener
            )));
        };
        let mut w = Work::begin(&core).await?;
        let Some(event) = hand_over(&mut w, &*listener, self.event_id).await? else {
            w.commit().await?;
            return Ok(());
        };
        w.commit().await?;
        // The events queued behind, in a transaction of their own: should
        // one of them fail (or panic), none of it commits, this job still
        // succeeded, and each of them runs later as its own job, so only
        // the failing one waits. A retry takes no batch.
        if ctx.attempts <= 1 {
            let key = queue_key(&self.listener, event.conversation_id, event.account_id);
            let batch = std::panic::AssertUnwindSafe(self.hand_over_behind(&core, &*listener, &key, ctx.id));
            match futures_util::FutureExt::catch_unwind(batch).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(listener = %self.listener, error = ?e, "a batch of queued events failed; each runs alone")
                }
                Err(_) => {
                    tracing::error!(listener = %self.listener, "a batch of queued events panicked; each runs alone")
                }
            }
        }
        Ok(())
    }

    async fn gave_up(self, _core: Arc<Core>, error: String) {
        tracing::error!(listener = %self.listener, event = self.event_id, %error, "a listener gave up on an event");
    }
}

impl Listen {
    /// Hands over the events of this listener's jobs queued right behind
    /// job `after` under `key`, in order, and deletes those jobs, all in one
    /// transaction.
    async fn hand_over_behind(
        &self,
        core: &Arc<Core>,
        listener: &dyn Listener,
        key: &str,
        after: i64,
    ) -> Result<(), JobFailure> {
        let mut w = Work::begin(core).await?;
        let now = w.now;
        let behind = self.behind(w.tx(), key, after, now).await?;
        if behind.is_empty() {
            return Ok(());
        }
        let mut taken = Vec::with_capacity(behind.len());
        for (job_id, next) in behind {
            hand_over(&mut w, listener, next.event_id).await?;
            taken.push(job_id);
        }
        w.tx().complete_jobs(&taken).await?;
        w.commit().await?;
        Ok(())
    }

    /// This listener's jobs queued behind job `after` under `key`, in order,
    /// as `(job id, payload)`: up to the first row that is not one (it
    /// stays for its own job).
    async fn behind(&self, tx: &mut dyn Tx, key: &str, after: i64, now: i64) -> Result<Vec<(i64, Listen)>, JobFailure> {
        let mut out = Vec::new();
        for job in tx.queued_behind(key, after, now, BATCH - 1).await? {
            let Ok(next) = serde_json::from_value::<Listen>(job.payload) else {
                break;
            };
            if job.kind != Self::KIND || next.listener != self.listener {
                break;
            }
            out.push((job.id, next));
        }
        Ok(out)
    }
}

/// Hands event `event_id` to `listener` inside `w`, unless it was handled
/// already; the event when it still exists. What the listener caused is
/// sealed with its own cause before the next event of a batch.
async fn hand_over(w: &mut Work, listener: &dyn Listener, event_id: i64) -> Result<Option<StoredEvent>, JobFailure> {
    let now = w.now;
    if !w.tx().mark_listened(listener.name(), event_id, now).await? {
        // Handled already (a job that ran before and committed).
        return Ok(None);
    }
    match w.tx().get_event(event_id).await? {
        Some(event) => {
            listener.handle(w, &event).await?;
            w.seal_cause();
            Ok(Some(event))
        }
        // Pruned after its retention: nothing left to hand over.
        None => {
            tracing::warn!(
                listener = listener.name(),
                event = event_id,
                "event gone before its listener ran"
            );
            Ok(None)
        }
    }
}
