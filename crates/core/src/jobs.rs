//! The durable job runner. Jobs are rows written in the same transaction as
//! the change that needs them; workers claim due jobs with a lease (on
//! PostgreSQL with `FOR UPDATE SKIP LOCKED`, so nodes share the queue), run
//! them, and delete them on success (in batches, by one completer). Failures are retried with exponential
//! backoff and jitter until `max_attempts` or the job's deadline, then the
//! job is kept as dead with its last error, and its owner is told.
//!
//! Tuning: due jobs are claimed in `run_at` order (a job with a queue key
//! only when no earlier job of its key is pending), up to `CLAIM_AHEAD`
//! rounds of permits ahead of the ones running at once (`job_concurrency`,
//! 64 by default); a ready job that waited a quarter of its lease, or one
//! unstarted at shutdown, is released back to the queue. Finished jobs are
//! deleted in batches by one completer: at least once, as an expired lease
//! also re-runs a job. A job with a unique key that is queued again while
//! it runs gives way to that twin when its lease runs out or it is released
//! or retried (the key is unique among queued jobs).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use switchboard_domain::time::now_micros;
use switchboard_outbound::{Outcome, backoff_delay, classify_status, sign_webhook};
use switchboard_store::{DeliveryAttempt, Job};
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::job::{BackgroundJob, JobContext};
use crate::{Core, CoreError};

/// Why a job did not finish.
#[derive(Debug)]
pub enum JobFailure {
    /// Try again later (after `after` when the target said so).
    Retry { error: String, after: Option<Duration> },
    /// Give up now.
    Permanent(String),
    /// Not tried: the target is busy or its circuit open. Back to the queue
    /// for `after`, the attempt not counted and no slot held meanwhile.
    Defer { reason: String, after: Duration },
}

impl From<CoreError> for JobFailure {
    fn from(e: CoreError) -> Self {
        JobFailure::Retry {
            error: e.to_string(),
            after: None,
        }
    }
}

impl From<switchboard_store::StoreError> for JobFailure {
    fn from(e: switchboard_store::StoreError) -> Self {
        CoreError::from(e).into()
    }
}

/// Counters the metrics endpoint reads.
#[derive(Debug, Default)]
pub struct JobCounters {
    pub completed: std::sync::atomic::AtomicU64,
    pub retried: std::sync::atomic::AtomicU64,
    pub dead: std::sync::atomic::AtomicU64,
    /// Jobs put back untried because their target was busy or failing.
    pub deferred: std::sync::atomic::AtomicU64,
    pub deliveries_ok: std::sync::atomic::AtomicU64,
    pub deliveries_failed: std::sync::atomic::AtomicU64,
}

/// Runs jobs until `shutdown` turns true, then waits for running ones.
/// Most finished jobs deleted in one transaction.
const COMPLETE_BATCH: usize = 256;

/// Deletes finished jobs in batches: whatever finished while the previous
/// batch was being written goes in the next transaction. A crash between a
/// job's work and its batch only means the job runs again (at least once,
/// as with an expired lease).
async fn completer(core: Arc<Core>, mut done: tokio::sync::mpsc::UnboundedReceiver<(i64, i64)>) {
    while let Some((first, first_lease_end)) = done.recv().await {
        let mut ids = vec![first];
        let mut lease_end = first_lease_end;
        while ids.len() < COMPLETE_BATCH {
            match done.try_recv() {
                Ok((id, end)) => {
                    ids.push(id);
                    lease_end = lease_end.min(end);
                }
                Err(_) => break,
            }
        }
        let result = record_within_lease(lease_end, "finished jobs", || async {
            let mut tx = core.store.write().await?;
            tx.complete_jobs(&ids).await?;
            tx.commit().await?;
            Ok::<(), CoreError>(())
        })
        .await;
        match result {
            Ok(()) => {
                core.job_counters
                    .completed
                    .fetch_add(ids.len() as u64, std::sync::atomic::Ordering::Relaxed);
                // The next job of a queue key may be claimed now.
                core.wake_jobs();
            }
            // The leases run out and the jobs run again.
            Err(e) => tracing::error!(jobs = ids.len(), error = %e, "recording finished jobs failed"),
        }
    }
}

/// How long before a lease runs out the runner stops retrying to record the
/// job's result (after that, another worker may already be running it).
const RECORD_MARGIN: Duration = Duration::from_millis(500);

/// Runs `attempt` (recording a job's result) again with backoff while it
/// fails for an outage (database full or unreachable) and the job's lease,
/// ending at `lease_end` (microseconds), has time left: a short outage then
/// does not make a finished job run again when its lease runs out.
async fn record_within_lease<T, F, Fut>(lease_end: i64, what: &str, mut attempt: F) -> crate::CoreResult<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = crate::CoreResult<T>>,
{
    let mut delay = Duration::from_millis(100);
    let mut warned = false;
    for _ in 0..10_000 {
        match attempt().await {
            Ok(v) => return Ok(v),
            Err(e) => {
                let left = lease_end - now_micros() - RECORD_MARGIN.as_micros() as i64;
                if !e.is_outage() || left < delay.as_micros() as i64 {
                    return Err(e);
                }
                if !warned {
                    tracing::warn!(error = %e, what, "recording a job's result failed; retrying within its lease");
                    warned = true;
                }
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(2));
            }
        }
    }
    Err(CoreError::Internal(format!("recording {what}: too many attempts")))
}

/// How often every account with waiting conversations gets a routing pass.
const ROUTE_SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Claimed jobs held ready beyond the free permits, per permit: claims are
/// most of a short job's cost, so each claim takes several rounds' worth.
const CLAIM_AHEAD: usize = 3;

pub async fn run(core: Arc<Core>, mut shutdown: watch::Receiver<bool>) {
    let concurrency = core.config.job_concurrency.max(1);
    let (done_tx, done_rx) = tokio::sync::mpsc::unbounded_channel::<(i64, i64)>();
    let finishing = tokio::spawn(completer(core.clone(), done_rx));
    let sem = Arc::new(Semaphore::new(concurrency));
    let mut running = JoinSet::new();
    let lease = core.config.job_lease.as_micros() as i64;
    // Jobs claimed (leased) but not started yet, in claim order. Never more
    // than CLAIM_AHEAD rounds of permits, so none waits long on its lease.
    // Each with when it was claimed and the lease end the claim set.
    let mut ready: std::collections::VecDeque<(Job, Instant, i64)> = std::collections::VecDeque::new();
    // A ready job that waited a quarter of its lease (slow jobs ahead of it)
    // goes back to the queue rather than start with little lease left, when
    // another node, seeing the lease run out, could run it too.
    let stale_after = core.config.job_lease / 4;
    let hold = concurrency * (1 + CLAIM_AHEAD);
    let mut next_prune = Instant::now() + Duration::from_secs(60);
    // Folding the counters' ledgers (migration 0032), so reading a count
    // sums a few rows per key, not every change since the last fold.
    let mut next_fold = Instant::now() + FOLD_EVERY;
    // Indexing for search the messages written before search existed, a
    // batch at a time between other work, until none are left.
    let mut backfilling = true;
    let mut next_backfill = Instant::now();
    // The routing sweep, a safety net under routing's triggers.
    let mut next_route_sweep = Instant::now() + ROUTE_SWEEP_EVERY;
    // Auto-resolve's sweep, in a task of its own (one at a time).
    let mut next_auto_resolve = Instant::now() + crate::auto_resolve::SWEEP_EVERY;
    let sweeping = Arc::new(std::sync::atomic::AtomicBool::new(false));
    // When each channel's periodic work is next queued (first: now).
    let mut next_periodic: HashMap<&'static str, Instant> = HashMap::new();
    loop {
        if *shutdown.borrow() {
            break;
        }
        for (_, p) in core.channels.periodic() {
            let due = next_periodic.entry(p.kind).or_insert_with(Instant::now);
            if Instant::now() >= *due {
                *due = Instant::now() + p.every;
                queue_periodic(&core, p.kind).await;
            }
        }
        if Instant::now() >= next_route_sweep {
            next_route_sweep = Instant::now() + ROUTE_SWEEP_EVERY;
            core.route_sweep().await;
        }
        if Instant::now() >= next_auto_resolve {
            next_auto_resolve = Instant::now() + crate::auto_resolve::SWEEP_EVERY;
            if !sweeping.swap(true, std::sync::atomic::Ordering::AcqRel) {
                let (core, sweeping) = (core.clone(), sweeping.clone());
                tokio::spawn(async move {
                    core.auto_resolve_sweep().await;
                    sweeping.store(false, std::sync::atomic::Ordering::Release);
                });
            }
        }
        if backfilling && Instant::now() >= next_backfill {
            next_backfill = Instant::now() + BACKFILL_EVERY;
            backfilling = search_backfill(&core).await;
        }
        if Instant::now() >= next_fold {
            next_fold = Instant::now() + FOLD_EVERY;
            fold_counts(&core).await;
        }
        if Instant::now() >= next_prune {
            next_prune = Instant::now() + Duration::from_secs(600);
            prune(&core).await;
        }
        while running.try_join_next().is_some() {}
        // Ready jobs that waited too long go back (all of them, whether or
        // not a permit is free); then start what the free permits allow.
        let mut stale = Vec::new();
        ready.retain(|(job, claimed_at, lease_end)| {
            let keep = claimed_at.elapsed() <= stale_after;
            if !keep {
                stale.push((job.id, *lease_end));
            }
            keep
        });
        while !ready.is_empty() {
            let Ok(permit) = sem.clone().try_acquire_owned() else {
                break;
            };
            let Some((job, _, lease_end)) = ready.pop_front() else {
                break;
            };
            let core = core.clone();
            let done = done_tx.clone();
            running.spawn(async move {
                execute(&core, job, lease_end, &done).await;
                drop(permit);
                core.wake_jobs();
            });
        }
        if !stale.is_empty() {
            release(&core, &stale).await;
        }
        // Claim when the ready jobs would not cover the next round.
        let in_hand = (concurrency - sem.available_permits()) + ready.len();
        let limit = hold.saturating_sub(in_hand);
        let mut claimed = 0;
        // A retry or deferral that is due now is claimed by this round.
        let due = core.next_due.load(std::sync::atomic::Ordering::Relaxed);
        if due <= now_micros() {
            let _ = core.next_due.compare_exchange(
                due,
                i64::MAX,
                std::sync::atomic::Ordering::Relaxed,
                std::sync::atomic::Ordering::Relaxed,
            );
        }
        if ready.len() < concurrency && limit > 0 {
            let now = now_micros();
            match core.store.claim_jobs(now, limit as i64, lease).await {
                Ok(jobs) => {
                    claimed = jobs.len();
                    let at = Instant::now();
                    ready.extend(jobs.into_iter().map(|j| (j, at, now.saturating_add(lease))));
                }
                Err(e) => tracing::warn!(error = %e, "claiming jobs failed"),
            }
        }
        if claimed > 0 && (claimed == limit || sem.available_permits() > 0) {
            continue;
        }
        // Sleep until woken, the next poll, the soonest retry this process
        // scheduled (so retries keep their backoff, not the poll's), or the
        // soonest queued job's time (an SLA check, a snooze's end: on time,
        // not up to a poll late).
        let mut due = core.next_due.load(std::sync::atomic::Ordering::Relaxed);
        if claimed == 0
            && ready.is_empty()
            && let Some(at) = next_run_at(&core).await
        {
            due = due.min(at);
        }
        let until_due = Duration::from_micros(due.saturating_sub(now_micros()).max(0) as u64 + 1_000);
        tokio::select! {
            _ = core.jobs_ready.notified() => {}
            _ = tokio::time::sleep(core.config.job_poll_interval.min(until_due)) => {}
            _ = shutdown.changed() => {}
        }
    }
    // Jobs claimed but not started go back to the queue for the next run.
    let unstarted: Vec<(i64, i64)> = ready.iter().map(|(j, _, end)| (j.id, *end)).collect();
    release(&core, &unstarted).await;
    while running.join_next().await.is_some() {}
    drop(done_tx);
    let _ = finishing.await;
}

/// When the soonest queued job becomes due (an indexed read).
async fn next_run_at(core: &Arc<Core>) -> Option<i64> {
    let result = async {
        let mut tx = core.store.read().await?;
        Ok::<_, CoreError>(tx.next_run_at(now_micros()).await?)
    }
    .await;
    result.unwrap_or_else(|e| {
        tracing::debug!(error = %e, "reading the next job's time");
        None
    })
}

/// Returns claimed jobs that did not start to the queue.
async fn release(core: &Arc<Core>, ids: &[(i64, i64)]) {
    if ids.is_empty() {
        return;
    }
    let released = async {
        let mut tx = core.store.write().await?;
        tx.release_jobs(ids).await?;
        tx.commit().await?;
        Ok::<(), CoreError>(())
    }
    .await;
    if let Err(e) = released {
        tracing::warn!(jobs = ids.len(), error = %e, "returning unstarted jobs failed; their leases will run out");
    }
}

/// A job that does nothing: what the runner itself costs (claim, run,
/// complete) is measured with it (`switchboard bench jobs`).
#[derive(Debug, Serialize, Deserialize)]
pub struct Noop {}

impl BackgroundJob for Noop {
    const KIND: &'static str = "noop";

    async fn run(self, _core: Arc<Core>, _ctx: JobContext) -> Result<(), JobFailure> {
        Ok(())
    }
}

/// A channel's periodic work for one inbox (a mailbox poll, a template
/// sync): its kind is the channel's, its payload `{inbox_id}`, at most one
/// queued or running per inbox.
#[derive(Debug, Serialize, Deserialize)]
pub struct ChannelTask {
    pub inbox_id: i64,
}

impl ChannelTask {
    /// The row that queues `kind` for `inbox_id` now.
    pub fn job(kind: &str, inbox_id: i64, now: i64) -> switchboard_store::NewJob {
        switchboard_store::NewJob {
            kind: kind.into(),
            payload: serde_json::json!({ "inbox_id": inbox_id }),
            run_at: now,
            max_attempts: 1,
            deadline_at: None,
            unique_key: Some(format!("{kind}:{inbox_id}")),
            queue_key: None,
        }
    }
}

/// Runs a claimed row of a channel's periodic kind, if `job` is one.
async fn run_channel_task(core: &Arc<Core>, job: &Job) -> Option<Result<(), JobFailure>> {
    core.channels.by_periodic_kind(&job.kind)?;
    let result = match serde_json::from_value::<ChannelTask>(job.payload.clone()) {
        Ok(t) => core
            .run_channel_task(&job.kind, t.inbox_id)
            .await
            .map(|_| ())
            .map_err(JobFailure::from),
        Err(e) => Err(JobFailure::Permanent(format!("bad {} payload: {e}", job.kind))),
    };
    Some(result)
}

/// Queues periodic work `kind` (a registered channel's) for every inbox of
/// its channel that wants it. One per inbox is queued or running at a time
/// (its unique key), whichever server runs it.
pub async fn queue_periodic(core: &Arc<Core>, kind: &str) {
    let Some((channel, periodic)) = core.channels.by_periodic_kind(kind) else {
        return;
    };
    let result = async {
        let mut tx = core.store.write().await?;
        let now = now_micros();
        let jobs: Vec<switchboard_store::NewJob> = tx
            .inboxes_of_type(channel.code())
            .await?
            .iter()
            .filter(|i| (periodic.wanted)(&crate::channels::inbox_ref(i)))
            .map(|i| ChannelTask::job(kind, i.id, now))
            .collect();
        if !jobs.is_empty() {
            tx.insert_jobs(&jobs, now).await?;
        }
        tx.commit().await?;
        Ok::<usize, CoreError>(jobs.len())
    }
    .await;
    match result {
        Ok(0) => {}
        Ok(_) => core.wake_jobs(),
        Err(e) => tracing::warn!(error = %e, kind, "queueing per-inbox jobs failed"),
    }
}

/// The pause between two batches of the search backfill, and its batch.
const BACKFILL_EVERY: Duration = Duration::from_millis(200);
const BACKFILL_BATCH: i64 = 500;

/// One batch of the search backfill; whether more may be left.
pub async fn search_backfill(core: &Arc<Core>) -> bool {
    let result = async {
        let mut tx = core.store.write().await?;
        let n = tx.backfill_search(BACKFILL_BATCH).await?;
        tx.commit().await?;
        Ok::<u64, CoreError>(n)
    }
    .await;
    match result {
        Ok(0) => false,
        Ok(n) => {
            tracing::debug!(messages = n, "indexed for search");
            true
        }
        Err(e) => {
            tracing::warn!(error = %e, "indexing old messages for search failed");
            true
        }
    }
}

/// How often the counters' ledgers are folded.
const FOLD_EVERY: Duration = Duration::from_secs(10);

/// Unfolded ledger rows an account has before it is folded: below this a
/// count sums them at no noticeable cost, and an idle account's folded
/// rows are not rewritten every round.
const FOLD_AFTER: i64 = 64;

/// Folds the counters' ledgers of the accounts that changed enough.
pub async fn fold_counts(core: &Arc<Core>) {
    let result = async {
        let mut tx = core.store.write().await?;
        let n = tx.fold_counts(FOLD_AFTER).await?;
        tx.commit().await?;
        Ok::<u64, CoreError>(n)
    }
    .await;
    match result {
        Ok(n) => tracing::debug!(ledgers = n, "folded counters"),
        Err(e) => tracing::warn!(error = %e, "folding counters failed"),
    }
}

/// Deletes what the retention settings no longer keep, in bounded batches.
pub async fn prune(core: &Arc<Core>) {
    let now = now_micros();
    let events_before = now - core.config.event_retention.as_micros() as i64;
    let deliveries_before = now - core.config.delivery_retention.as_micros() as i64;
    let notifications_before = now - core.config.notification_retention.as_micros() as i64;
    let result = async {
        let mut tx = core.store.write().await?;
        let mut n = tx.prune(events_before, deliveries_before, 5_000).await?;
        n += tx.prune_routing_decisions(events_before, 5_000).await?;
        n += tx.prune_notifications(notifications_before, 5_000).await?;
        tx.commit().await?;
        Ok::<u64, CoreError>(n)
    }
    .await;
    match result {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            rows = n,
            "pruned old events, deliveries, dead jobs, routing decisions and notifications"
        ),
        Err(e) => tracing::warn!(error = %e, "pruning failed"),
    }
}

async fn execute(core: &Arc<Core>, job: Job, lease_end: i64, done: &tokio::sync::mpsc::UnboundedSender<(i64, i64)>) {
    // A job that panics ends: a panic is a defect that the same input
    // meets again, so retrying only keeps the message "sending" for a day.
    // It is never a lease that runs out and comes back forever; its owner
    // is told (a send's message shows failed with the reason).
    use futures_util::FutureExt;
    let kind = crate::job::find(&job.kind);
    let task = match kind {
        Some(_) => None,
        None => std::panic::AssertUnwindSafe(run_channel_task(core, &job))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(job = job.id, kind = %job.kind, "a job stopped on an internal error");
                Some(Err(JobFailure::Permanent(
                    "The job stopped on an internal error".into(),
                )))
            }),
    };
    let result = match kind {
        Some(kind) => std::panic::AssertUnwindSafe(kind.run(core.clone(), job.clone(), lease_end))
            .catch_unwind()
            .await
            .unwrap_or_else(|_| {
                tracing::error!(job = job.id, kind = %job.kind, "a job stopped on an internal error");
                Err(JobFailure::Permanent(kind.stopped.into()))
            }),
        None => task.unwrap_or_else(|| Err(JobFailure::Permanent(format!("unknown job kind {}", job.kind)))),
    };
    if result.is_ok() {
        // Finished jobs are deleted in batches by the completer; if it has
        // stopped, delete this one here.
        if done.send((job.id, lease_end)).is_ok() {
            return;
        }
    }
    let now = now_micros();
    let outcome = record_within_lease(lease_end, "a job's result", || async {
        let mut tx = core.store.write().await?;
        match &result {
            Ok(()) => {
                tx.complete_job(job.id).await?;
                core.job_counters
                    .completed
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(JobFailure::Retry { error, after }) => {
                let delay = backoff_delay(
                    job.attempts.max(1) as u32,
                    core.config.retry_base,
                    core.config.retry_cap,
                );
                let delay = after
                    .map(|a| a.max(delay).min(Duration::from_secs(24 * 3600)))
                    .unwrap_or(delay);
                let next = now + delay.as_micros() as i64;
                let out_of_time = job.deadline_at.is_some_and(|d| next > d);
                if job.attempts >= job.max_attempts || out_of_time {
                    tx.kill_job(job.id, error, now).await?;
                    core.job_counters
                        .dead
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tx.commit().await?;
                    on_dead(core, &job, error).await;
                    return Ok::<(), CoreError>(());
                }
                tx.retry_job(job.id, next, error).await?;
                core.next_due.fetch_min(next, std::sync::atomic::Ordering::Relaxed);
                core.job_counters
                    .retried
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(JobFailure::Defer { reason, after }) => {
                let next = now.saturating_add(after.as_micros() as i64);
                if job.deadline_at.is_some_and(|d| next > d) {
                    // Its owner sees the target's last real failure.
                    let error = job.last_error.clone().unwrap_or_else(|| format!("gave up: {reason}"));
                    tx.kill_job(job.id, &error, now).await?;
                    core.job_counters
                        .dead
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tx.commit().await?;
                    on_dead(core, &job, &error).await;
                    return Ok(());
                }
                tx.defer_job(job.id, next, reason).await?;
                core.next_due.fetch_min(next, std::sync::atomic::Ordering::Relaxed);
                core.job_counters
                    .deferred
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Err(JobFailure::Permanent(error)) => {
                tx.kill_job(job.id, error, now).await?;
                core.job_counters
                    .dead
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                tx.commit().await?;
                on_dead(core, &job, error).await;
                return Ok(());
            }
        }
        tx.commit().await?;
        Ok(())
    })
    .await;
    if let Err(e) = outcome {
        // The lease runs out and another worker retries the job.
        tracing::error!(job = job.id, error = %e, "recording a job's result failed");
    }
}

/// What a job that gave up leaves visible: its kind says.
async fn on_dead(core: &Arc<Core>, job: &Job, error: &str) {
    match crate::job::find(&job.kind) {
        Some(kind) => kind.gave_up(core.clone(), job.clone(), error.to_string()).await,
        None => tracing::warn!(job = job.id, kind = %job.kind, error, "job of an unknown kind gave up"),
    }
}

/// Wakes a snoozed conversation when its time comes (unless it was woken,
/// or snoozed to another time, meanwhile).
#[derive(Debug, Serialize, Deserialize)]
pub struct SnoozeWake {
    pub conversation_id: i64,
    pub snoozed_until: i64,
}

impl BackgroundJob for SnoozeWake {
    const KIND: &'static str = "snooze_wake";

    fn unique_key(&self) -> Option<String> {
        Some(format!("snooze:{}:{}", self.conversation_id, self.snoozed_until))
    }

    async fn run(self, core: Arc<Core>, _ctx: JobContext) -> Result<(), JobFailure> {
        core.wake_snoozed(self.conversation_id, self.snoozed_until).await?;
        Ok(())
    }
}

/// Delivers one outgoing webhook (a `deliveries` row).
#[derive(Debug, Serialize, Deserialize)]
pub struct Deliver {
    pub delivery_id: i64,
}

impl BackgroundJob for Deliver {
    const KIND: &'static str = "deliver";

    async fn run(self, core: Arc<Core>, ctx: JobContext) -> Result<(), JobFailure> {
        deliver(&core, self.delivery_id, ctx.lease_end).await
    }

    /// The delivery shows failed with the last error, and so does the
    /// message it carried, if any.
    async fn gave_up(self, core: Arc<Core>, error: String) {
        delivery_gave_up(&core, self.delivery_id, &error).await
    }
}

async fn delivery_gave_up(core: &Arc<Core>, id: i64, error: &str) {
    let mut bot_silent = None;
    let result = async {
        let mut tx = core.store.write().await?;
        let Some(mut d) = tx.get_delivery(id).await? else {
            return Ok::<_, CoreError>(None);
        };
        d.state = "failed".into();
        d.last_error = Some(error.to_string());
        d.updated_at = now_micros();
        tx.update_delivery(&d).await?;
        // A bot that does not answer: a conversation waiting on it goes
        // to people.
        if d.agent_bot_id.is_some() {
            bot_silent = Some((d.account_id, d.payload.clone()));
        }
        // A rule's webhook given up is a failed run of the rule.
        if let Some(rule) = d.automation_rule_id {
            crate::automation::run::rule_failed(
                core,
                &mut *tx,
                d.account_id,
                rule,
                &format!("send_webhook_event: {error}"),
                d.updated_at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(d.message_id)
    }
    .await;
    core.job_counters
        .deliveries_failed
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match result {
        Ok(Some(message_id)) => {
            if let Err(e) = core.fail_message(message_id, error).await {
                tracing::error!(message = message_id, error = %e, "marking a message failed");
            }
        }
        Ok(None) => {}
        Err(e) => tracing::error!(delivery = id, error = %e, "marking a delivery failed"),
    }
    if let Some((account_id, payload)) = bot_silent
        && let Err(e) = core.bot_did_not_answer(account_id, &payload).await
    {
        tracing::error!(delivery = id, error = %e, "handing a conversation over from a silent bot");
    }
}

/// Delivers one webhook: signed as Chatwoot v4.11+ signs them, the delivery
/// id fixed across retries, every attempt logged.
async fn deliver(core: &Arc<Core>, id: i64, lease_end: i64) -> Result<(), JobFailure> {
    let (delivery, secret, timeout_secs) = {
        let mut tx = core.store.read().await.map_err(CoreError::from)?;
        let Some(d) = tx.get_delivery(id).await.map_err(CoreError::from)? else {
            return Ok(());
        };
        if d.state != "pending" {
            return Ok(());
        }
        let found = match (d.agent_bot_id, d.automation_rule_id, d.webhook_id, d.inbox_id) {
            (Some(b), _, _, _) => tx
                .get_agent_bot(d.account_id, b)
                .await
                .map_err(CoreError::from)?
                .map(|b| (b.secret, None)),
            (None, Some(r), _, _) => tx
                .get_automation_rule(d.account_id, r)
                .await
                .map_err(CoreError::from)?
                .map(|r| (r.secret, None)),
            (None, None, Some(w), _) => tx
                .get_webhook(d.account_id, w)
                .await
                .map_err(CoreError::from)?
                .map(|w| (w.secret, w.timeout_secs)),
            (None, None, None, Some(i)) => tx
                .get_inbox(d.account_id, i)
                .await
                .map_err(CoreError::from)?
                .map(|i| (i.secret, None)),
            _ => None,
        };
        let Some((secret, timeout_secs)) = found else {
            return Err(JobFailure::Permanent("the webhook, inbox or rule was deleted".into()));
        };
        (d, secret, timeout_secs)
    };
    let timeout = webhook_timeout(core, timeout_secs);
    // Ask the target first: a busy or failing one sends the job back to the
    // queue rather than hold a slot.
    let permit = core
        .targets
        .acquire(
            &crate::targets::target_key(&delivery.url),
            timeout + timeout_grace(timeout),
        )
        .await
        .map_err(|w| JobFailure::Defer {
            reason: w.reason.into(),
            after: w.after,
        })?;
    let ts = now_micros() / 1_000_000;
    let body = delivery.payload.clone().into_bytes();
    let headers = vec![
        ("X-Chatwoot-Signature".to_string(), sign_webhook(&secret, ts, &body)),
        ("X-Chatwoot-Timestamp".to_string(), ts.to_string()),
        ("X-Chatwoot-Delivery".to_string(), delivery.delivery_uuid.clone()),
        ("X-Switchboard-Event".to_string(), delivery.event.clone()),
    ];
    let started = Instant::now();
    // Measured generously: an answer that arrives just as the timeout ends
    // is still taken, so what the target acknowledged is not sent again.
    let result = core
        .outbound
        .post_within(
            &delivery.url,
            &headers,
            body,
            "application/json",
            timeout + timeout_grace(timeout),
        )
        .await;
    let elapsed = started.elapsed().as_millis() as i64;
    permit.settle(match &result {
        Ok(r) if r.status >= 500 || r.status == 408 => crate::targets::Health::Failed,
        Ok(r) if r.status == 429 || r.status == 425 => crate::targets::Health::Neutral,
        Ok(_) => crate::targets::Health::Answered,
        Err(e) if e.is_permanent() => crate::targets::Health::Neutral,
        Err(_) => crate::targets::Health::Failed,
    });
    let (status, error, failure) = match &result {
        Ok(r) => match classify_status(r.status) {
            Outcome::Success => (Some(r.status as i32), None, None),
            Outcome::Retry => {
                let e = format!("HTTP {}", r.status);
                (
                    Some(r.status as i32),
                    Some(e.clone()),
                    Some(JobFailure::Retry {
                        error: e,
                        after: r.retry_after,
                    }),
                )
            }
            Outcome::Permanent => {
                let e = format!("HTTP {}", r.status);
                (Some(r.status as i32), Some(e.clone()), Some(JobFailure::Permanent(e)))
            }
        },
        Err(e) => {
            let msg = e.to_string();
            let f = if e.is_permanent() {
                JobFailure::Permanent(msg.clone())
            } else {
                JobFailure::Retry {
                    error: msg.clone(),
                    after: None,
                }
            };
            (None, Some(msg), Some(f))
        }
    };
    // What the receiver answered is recorded even through a short outage:
    // a delivery that reached it must not go out again for want of a row.
    let now = now_micros();
    record_within_lease(lease_end, "a webhook delivery", || async {
        let mut tx = core.store.write().await?;
        let mut d = tx.get_delivery(id).await?.unwrap_or_else(|| delivery.clone());
        d.attempts += 1;
        d.last_status = status;
        d.last_error = error.clone();
        d.updated_at = now;
        if failure.is_none() {
            d.state = "delivered".into();
        }
        tx.update_delivery(&d).await?;
        tx.insert_delivery_attempt(&DeliveryAttempt {
            id: 0,
            delivery_id: d.id,
            attempt: d.attempts,
            status_code: status,
            error: error.clone(),
            duration_ms: elapsed,
            created_at: now,
        })
        .await?;
        tx.commit().await?;
        Ok(())
    })
    .await?;
    match failure {
        None => {
            core.job_counters
                .deliveries_ok
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Ok(())
        }
        Some(f) => Err(f),
    }
}

/// Webhook timeouts a webhook may set, in seconds.
pub const WEBHOOK_TIMEOUT_BOUNDS: std::ops::RangeInclusive<i64> = 1..=60;

/// The timeout of one delivery: the webhook's own, else the installation's;
/// within [`WEBHOOK_TIMEOUT_BOUNDS`] and half the job lease (so a slow
/// answer never outlives the lease and gets the delivery sent twice).
pub fn webhook_timeout(core: &Core, own: Option<i32>) -> Duration {
    let t = own
        .map(|s| {
            Duration::from_secs(
                i64::from(s).clamp(*WEBHOOK_TIMEOUT_BOUNDS.start(), *WEBHOOK_TIMEOUT_BOUNDS.end()) as u64,
            )
        })
        .unwrap_or(core.config.webhook_timeout);
    t.min(core.config.job_lease / 2).max(Duration::from_millis(500))
}

/// Extra time beyond a timeout before a request is abandoned: a tenth of
/// it, at least half a second.
pub fn timeout_grace(timeout: Duration) -> Duration {
    (timeout / 10).max(Duration::from_millis(500))
}
