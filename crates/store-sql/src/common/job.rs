//! The job queue: claiming, enqueueing, completing, retrying and statistics.

use super::*;

/// `Store::claim_jobs` of both backends, outside any transaction (each
/// statement commits by itself): leases that ran out go back to the queue (a
/// worker died or overran); then due jobs are taken in the order of the
/// (state, run_at) index, each only if no earlier job of its queue key is
/// pending. A job whose unique key is queued again meanwhile is covered by
/// that twin (and may not return beside it: the key is unique among queued
/// jobs). `skip_locked!` lets several PostgreSQL nodes claim at once, each
/// job going to one of them; SQLite has one writer, which serialises claims.
pub(crate) async fn claim_jobs(
    pool: &sqlx::Pool<DB>,
    now: i64,
    limit: i64,
    lease_micros: i64,
) -> StoreResult<Vec<Job>> {
    sqlx::query(DROP_EXPIRED_TWINS).bind(now).execute(pool).await?;
    sqlx::query("UPDATE jobs SET state = 0 WHERE state = 1 AND locked_until < $1")
        .bind(now)
        .execute(pool)
        .await?;
    Ok(sqlx::query_as(concat!(
        "UPDATE jobs SET state = 1, locked_until = $2, attempts = attempts + 1, updated_at = $1 WHERE id IN (\
         SELECT id FROM jobs j WHERE state = 0 AND run_at <= $1 \
         AND (queue_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs p WHERE p.queue_key = j.queue_key \
         AND p.id < j.id AND p.state IN (0, 1))) \
         ORDER BY run_at LIMIT $3",
        skip_locked!(),
        ") RETURNING ",
        job_cols!()
    ))
    .bind(now)
    .bind(now.saturating_add(lease_micros))
    .bind(limit)
    .fetch_all(pool)
    .await?)
}

#[async_trait]
impl JobTx for SqlTx {
    async fn next_run_at(&mut self, now: i64) -> StoreResult<Option<i64>> {
        Ok(
            sqlx::query_scalar("SELECT MIN(run_at) FROM jobs WHERE state = 0 AND run_at > $1")
                .bind(now)
                .fetch_one(&mut *self.tx)
                .await?,
        )
    }

    async fn insert_jobs(&mut self, jobs: &[NewJob], now: i64) -> StoreResult<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, deadline_at, unique_key, queue_key, created_at, updated_at) ",
        );
        qb.push_values(jobs, |mut b, j| {
            b.push_bind(j.kind.clone())
                .push_bind(Json(j.payload.clone()))
                .push_bind(0i16)
                .push_bind(j.run_at)
                .push_bind(j.max_attempts)
                .push_bind(j.deadline_at)
                .push_bind(j.unique_key.clone())
                .push_bind(j.queue_key.clone())
                .push_bind(now)
                .push_bind(now);
        });
        qb.push(" ON CONFLICT DO NOTHING");
        Ok(qb.build().execute(&mut *self.tx).await?.rows_affected())
    }

    async fn insert_job(&mut self, j: &NewJob, now: i64) -> StoreResult<Option<i64>> {
        Ok(sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, deadline_at, unique_key, queue_key, created_at, updated_at) \
             VALUES ($1, $2, 0, $3, $4, $5, $6, $8, $7, $7) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&j.kind)
        .bind(Json(&j.payload))
        .bind(j.run_at)
        .bind(j.max_attempts)
        .bind(j.deadline_at)
        .bind(&j.unique_key)
        .bind(now)
        .bind(&j.queue_key)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn complete_jobs(&mut self, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM jobs WHERE id IN ");
        push_ids(&mut qb, ids);
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn queued_behind(&mut self, queue_key: &str, after_id: i64, now: i64, limit: i64) -> StoreResult<Vec<Job>> {
        // Only the unbroken run right behind `after_id`: a row of the key
        // that is running or not yet due ends it (what comes after must
        // wait for it). `state IN (0, 1)` is the partial index's own
        // condition, repeated so SQLite uses it.
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            job_cols!(),
            " FROM jobs WHERE queue_key = $1 AND id > $2 AND state IN (0, 1) AND state = 0 \
             AND id < COALESCE((SELECT MIN(b.id) FROM jobs b WHERE b.queue_key = $1 AND b.id > $2 \
             AND b.state IN (0, 1) AND (b.state = 1 OR b.run_at > $3)), 9223372036854775807) \
             ORDER BY id LIMIT $4"
        ))
        .bind(queue_key)
        .bind(after_id)
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn complete_job(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn retry_job(&mut self, id: i64, run_at: i64, error: &str) -> StoreResult<()> {
        sqlx::query(DROP_IF_TWIN_QUEUED).bind(id).execute(&mut *self.tx).await?;
        sqlx::query("UPDATE jobs SET state = 0, run_at = $2, locked_until = NULL, last_error = $3, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(run_at)
            .bind(error)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn defer_job(&mut self, id: i64, run_at: i64, reason: &str) -> StoreResult<()> {
        sqlx::query(DROP_IF_TWIN_QUEUED).bind(id).execute(&mut *self.tx).await?;
        sqlx::query(
            "UPDATE jobs SET state = 0, run_at = $2, locked_until = NULL, last_error = COALESCE(last_error, $3), \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = $1",
        )
        .bind(id)
        .bind(run_at)
        .bind(reason)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn release_jobs(&mut self, ids: &[(i64, i64)]) -> StoreResult<()> {
        // Each only while the claim is still ours (its lease as we set it).
        for (id, locked_until) in ids {
            sqlx::query(DROP_IF_TWIN_QUEUED)
                .bind(*id)
                .execute(&mut *self.tx)
                .await?;
            sqlx::query(
                "UPDATE jobs SET state = 0, locked_until = NULL, attempts = attempts - 1 \
                 WHERE id = $1 AND state = 1 AND locked_until = $2",
            )
            .bind(*id)
            .bind(*locked_until)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn kill_job(&mut self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE jobs SET state = 3, locked_until = NULL, last_error = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(error)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn job_stats(&mut self) -> StoreResult<JobStats> {
        let (queued, running, dead): (i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN state = 0 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END), 0) FROM jobs",
        )
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(JobStats { queued, running, dead })
    }
}
