//! SQLite: WAL, foreign keys on, a busy timeout, one writer connection (all
//! write transactions are serialised through it, so read-decide-write is
//! atomic without row locks) and a pool of read-only connections.

use std::str::FromStr;
use std::time::Duration;

use async_trait::async_trait;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Pool, Sqlite};
use switchboard_store::{Backend, Job, Store, StoreError, StoreResult, Tx};

use crate::ConnectOptions;

pub(crate) type DB = Sqlite;

macro_rules! for_update {
    () => {
        ""
    };
}
macro_rules! skip_locked {
    () => {
        ""
    };
}

// The shared SQL, compiled here with this backend's types (see common.rs).
#[allow(clippy::duplicate_mod)]
#[path = "common.rs"]
mod common;

use common::{SqlTx, job_cols, map_err};

pub struct SqliteStore {
    write: Pool<Sqlite>,
    read: Pool<Sqlite>,
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqliteStore {
    pub async fn connect(url: &str, opts: &ConnectOptions) -> StoreResult<Self> {
        let base = SqliteConnectOptions::from_str(url)
            .map_err(map_err)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(if opts.sqlite_full_sync {
                SqliteSynchronous::Full
            } else {
                SqliteSynchronous::Normal
            })
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(10))
            .pragma("temp_store", "memory")
            .pragma("cache_size", "-16000")
            .statement_cache_capacity(1024);
        let write = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.clone())
            .await
            .map_err(map_err)?;
        MIGRATOR
            .run(&write)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            // Checkpoints move off the writer: it commits into the WAL, and a
            // connection of its own copies the WAL into the database in the
            // background. The writer only checkpoints itself past ~40 MB of
            // WAL, should the background one fall behind.
            sqlx::query("PRAGMA wal_autocheckpoint = 10000")
                .execute(&write)
                .await
                .map_err(map_err)?;
            let checkpointer = SqlitePoolOptions::new()
                .max_connections(1)
                .connect_with(base.clone())
                .await
                .map_err(map_err)?;
            tokio::spawn(checkpoint_in_background(write.clone(), checkpointer));
        }
        let read = if in_memory {
            // A private in-memory database exists only on its one connection.
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .test_before_acquire(false)
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(base.read_only(true))
                .await
                .map_err(map_err)?
        };
        Ok(SqliteStore { write, read })
    }
}

async fn checkpoint_in_background(write: Pool<Sqlite>, checkpointer: Pool<Sqlite>) {
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if write.is_closed() {
            checkpointer.close().await;
            return;
        }
        if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&checkpointer)
            .await
        {
            tracing::debug!(error = %e, "background checkpoint");
        }
    }
}

#[async_trait]
impl Store for SqliteStore {
    fn backend(&self) -> Backend {
        Backend::Sqlite
    }

    async fn read(&self) -> StoreResult<Box<dyn Tx>> {
        Ok(SqlTx::boxed(self.read.begin().await.map_err(map_err)?))
    }

    async fn write(&self) -> StoreResult<Box<dyn Tx>> {
        Ok(SqlTx::boxed(self.write.begin().await.map_err(map_err)?))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await.map_err(map_err)?;
        Ok(())
    }

    async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    async fn claim_jobs(&self, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>> {
        claim_jobs(&self.write, now, limit, lease_micros).await
    }
}

pub(crate) async fn claim_jobs(pool: &Pool<DB>, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>> {
    // Leases that ran out go back to the queue (a worker died or
    // overran); then due jobs are taken in the order of the (state, run_at)
    // index, each only if no earlier job of its queue key is pending.
    // A job whose unique key is queued again meanwhile is covered by that
    // twin (and may not return beside it: the key is unique among queued jobs).
    sqlx::query(common::DROP_EXPIRED_TWINS)
        .bind(now)
        .execute(pool)
        .await
        .map_err(map_err)?;
    sqlx::query("UPDATE jobs SET state = 0 WHERE state = 1 AND locked_until < $1")
        .bind(now)
        .execute(pool)
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
    .fetch_all(pool)
    .await
    .map_err(map_err)
}
