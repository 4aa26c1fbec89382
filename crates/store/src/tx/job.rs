//! The job queue: enqueueing, completing, retrying and statistics.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait JobTx: Send {
    /// Inserts several jobs in one statement (a queued `unique_key` skips its row).
    async fn insert_jobs(&mut self, jobs: &[NewJob], now: i64) -> StoreResult<u64>;

    /// When the soonest queued job that is not due at `now` becomes due.
    async fn next_run_at(&mut self, now: i64) -> StoreResult<Option<i64>>;

    /// Enqueues a job; with a `unique_key` already queued, nothing is added
    /// and `None` is returned.
    async fn insert_job(&mut self, j: &NewJob, now: i64) -> StoreResult<Option<i64>>;

    async fn complete_job(&mut self, id: i64) -> StoreResult<()>;

    /// Deletes finished jobs (one statement for a batch).
    async fn complete_jobs(&mut self, ids: &[i64]) -> StoreResult<()>;

    /// Up to `limit` jobs of `queue_key` queued right behind the running
    /// job `after_id`, due at `now`, in id order, stopping at the first of
    /// the key that is running or not yet due. None of them can be claimed
    /// while `after_id` runs (a key's jobs run one at a time), so the
    /// running job may do their work in its own transaction and delete them
    /// there (`complete_jobs`): a burst of one key becomes one job.
    async fn queued_behind(&mut self, queue_key: &str, after_id: i64, now: i64, limit: i64) -> StoreResult<Vec<Job>>;

    async fn retry_job(&mut self, id: i64, run_at: i64, error: &str) -> StoreResult<()>;

    /// Puts a running job back to wait until `run_at` without counting its
    /// attempt (it never reached its target: the target was busy or its
    /// circuit open); `reason` becomes its last error only if it has none (a
    /// real failure's error is what its owner is shown). A job whose unique
    /// key is queued again meanwhile is deleted instead.
    async fn defer_job(&mut self, id: i64, run_at: i64, reason: &str) -> StoreResult<()>;

    /// Returns claimed jobs that never started to the queue, as they were
    /// (the claim's attempt is not counted): `(id, locked_until)` as the
    /// claim set it, so a job claimed again by another worker is left alone.
    /// A job whose unique key is queued again meanwhile is deleted instead.
    async fn release_jobs(&mut self, ids: &[(i64, i64)]) -> StoreResult<()>;

    async fn kill_job(&mut self, id: i64, error: &str, now: i64) -> StoreResult<()>;

    async fn job_stats(&mut self) -> StoreResult<JobStats>;
}
