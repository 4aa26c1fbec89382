//! PostgreSQL: one connection pool; conversations are locked per row with
//! `SELECT ... FOR UPDATE` and jobs are claimed with `FOR UPDATE SKIP LOCKED`,
//! so several nodes share one database and one queue.

use async_trait::async_trait;
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};
use switchboard_store::{Backend, Job, Store, StoreError, StoreResult, Tx};

use crate::ConnectOptions;

pub(crate) type DB = Postgres;

macro_rules! for_update {
    () => {
        " FOR UPDATE"
    };
}
macro_rules! skip_locked {
    () => {
        " FOR UPDATE SKIP LOCKED"
    };
}

// The shared SQL, compiled here with this backend's types (see common.rs).
#[allow(clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;

use common::{SqlTx, job_cols, map_err};

pub struct PgStore {
    pool: Pool<Postgres>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl PgStore {
    pub async fn connect(url: &str, opts: &ConnectOptions) -> StoreResult<Self> {
        let pool = PgPoolOptions::new()
            .test_before_acquire(false)
            .max_connections(opts.max_connections.max(2))
            // Short: while the database is down, requests are answered 503
            // within this instead of queueing up.
            .acquire_timeout(opts.acquire_timeout)
            .connect(url)
            .await
            .map_err(map_err)?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(PgStore { pool })
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn read(&self) -> StoreResult<Box<dyn Tx>> {
        // One round trip: the transaction starts read-only.
        let tx = self.pool.begin_with("BEGIN READ ONLY").await.map_err(map_err)?;
        Ok(SqlTx::boxed(tx))
    }

    async fn write(&self) -> StoreResult<Box<dyn Tx>> {
        Ok(SqlTx::boxed(self.pool.begin().await.map_err(map_err)?))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await.map_err(map_err)?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn claim_jobs(&self, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>> {
        // Leases that ran out go back to the queue (a worker died or
        // overran); then due jobs are taken in the order of the (state, run_at)
        // index, each only if no earlier job of its queue key is pending.
        // A job whose unique key is queued again meanwhile is covered by
        // that twin (and may not return beside it: the key is unique among
        // queued jobs).
        sqlx::query(common::DROP_EXPIRED_TWINS)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        sqlx::query("UPDATE jobs SET state = 0 WHERE state = 1 AND locked_until < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(map_err)?;
        sqlx::query_as(concat!(
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
        .fetch_all(&self.pool)
        .await
        .map_err(map_err)
    }
}
