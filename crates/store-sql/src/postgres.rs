//! PostgreSQL: one connection pool; conversations are locked per row with
//! `SELECT ... FOR UPDATE` and jobs are claimed with `FOR UPDATE SKIP LOCKED`,
//! so several nodes share one database and one queue.

use async_trait::async_trait;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};
use switchboard_store::{Backend, Job, Store, StoreError, StoreResult, Tx};

use crate::ConnectOptions;

pub(crate) type DB = Postgres;

/// Search is tsvector and pg_trgm here (common/search.rs reads this).
pub(crate) const FTS5: bool = false;

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

/// A JSON object's member as text: `->>` already gives numbers as `5` and
/// booleans as `true`, the way filter values arrive.
pub(crate) fn push_json_text(qb: &mut sqlx::QueryBuilder<DB>, col: &str, key: &str) {
    qb.push(col);
    qb.push("->>");
    qb.push_bind(key.to_string());
}

/// Folds one account's rows of a counter ledger into one row per key, in
/// one statement: the DELETE's RETURNING feeds the INSERT, so exactly the
/// rows summed are removed, whatever other transactions append meanwhile.
pub(crate) async fn fold_ledger(
    tx: &mut sqlx::Transaction<'static, DB>,
    table: &str,
    keys: &str,
    account_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "WITH d AS (DELETE FROM {table} WHERE account_id = $1 RETURNING {keys}, n) \
         INSERT INTO {table} (account_id, {keys}, n, folded) \
         SELECT $1, {keys}, SUM(n), 1 FROM d GROUP BY {keys} HAVING SUM(n) <> 0"
    )))
    .bind(account_id)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// The shared SQL, compiled here with this backend's types (see common/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;

use common::SqlTx;

pub struct PgStore {
    pool: Pool<Postgres>,
    breaker: Breaker,
}

/// While the database is unreachable, waiting the whole acquire timeout in
/// every request only piles requests up: after a connection failure the
/// store answers `Unavailable` at once, letting one attempt through every
/// [`Breaker::RETRY_MS`] to find out whether it is back. Any connection
/// that is obtained closes the breaker.
struct Breaker {
    epoch: Instant,
    /// Milliseconds since `epoch` of the failure that opened it; 0: closed.
    open_since: AtomicU64,
    /// When the next attempt may go through (milliseconds since `epoch`).
    next_try: AtomicU64,
}

impl Breaker {
    const RETRY_MS: u64 = 500;

    fn now(&self) -> u64 {
        (self.epoch.elapsed().as_millis() as u64).max(1)
    }

    /// Whether an attempt may go to the database now.
    fn admit(&self) -> StoreResult<()> {
        if self.open_since.load(Ordering::Acquire) == 0 {
            return Ok(());
        }
        let now = self.now();
        let next = self.next_try.load(Ordering::Acquire);
        if now >= next
            && self
                .next_try
                .compare_exchange(next, now + Self::RETRY_MS, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        {
            return Ok(());
        }
        Err(StoreError::Unavailable(
            "database unreachable (recent connection failures)".into(),
        ))
    }

    /// Records the outcome of a call that needed a connection.
    fn record<T, E: Into<StoreError>>(&self, r: Result<T, E>) -> StoreResult<T> {
        let r = r.map_err(Into::into);
        match &r {
            Ok(_) => {
                if self.open_since.swap(0, Ordering::AcqRel) != 0 {
                    tracing::info!("database reachable again");
                }
            }
            Err(StoreError::Unavailable(e)) => {
                let now = self.now();
                if self
                    .open_since
                    .compare_exchange(0, now, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    tracing::warn!(error = %e, "database unreachable; failing fast until it answers");
                }
                self.next_try.fetch_max(now + Self::RETRY_MS, Ordering::AcqRel);
            }
            Err(_) => {}
        }
        r
    }
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
            .await?;
        MIGRATOR
            .run(&pool)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        Ok(PgStore {
            pool,
            breaker: Breaker {
                epoch: Instant::now(),
                open_since: AtomicU64::new(0),
                next_try: AtomicU64::new(0),
            },
        })
    }
}

#[async_trait]
impl Store for PgStore {
    fn backend(&self) -> Backend {
        Backend::Postgres
    }

    async fn read(&self) -> StoreResult<Box<dyn Tx>> {
        self.breaker.admit()?;
        // One round trip: the transaction starts read-only.
        let tx = self.breaker.record(self.pool.begin_with("BEGIN READ ONLY").await)?;
        Ok(SqlTx::boxed(tx))
    }

    async fn write(&self) -> StoreResult<Box<dyn Tx>> {
        self.breaker.admit()?;
        let tx = self.breaker.record(self.pool.begin().await)?;
        Ok(SqlTx::boxed(tx))
    }

    async fn ping(&self) -> StoreResult<()> {
        self.breaker.admit()?;
        self.breaker.record(sqlx::query("SELECT 1").execute(&self.pool).await)?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }

    async fn claim_jobs(&self, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>> {
        self.breaker.admit()?;
        self.breaker
            .record(common::claim_jobs(&self.pool, now, limit, lease_micros).await)
    }
}
