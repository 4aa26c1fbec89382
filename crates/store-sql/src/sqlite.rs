//! SQLite: WAL, foreign keys on, a busy timeout, one writer connection (all
//! write transactions are serialised through it, so read-decide-write is
//! atomic without row locks) and a pool of read-only connections.
//!
//! SQLite rolls a transaction back by itself on some errors (FULL, IOERR,
//! BUSY, NOMEM, CORRUPT); the driver does not notice, keeps counting the
//! transaction as open, and would run the next "transaction" on that
//! connection as a savepoint inside one that never commits. So every
//! connection is checked before it is handed out ([`is_clean`]) and replaced
//! when the driver and SQLite disagree.

use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
use sqlx::pool::PoolConnectionMetadata;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Connection, Pool, Sqlite, SqliteConnection};
use switchboard_store::{Backend, Job, Store, StoreError, StoreResult, Tx};

use crate::ConnectOptions;

pub(crate) type DB = Sqlite;

/// Search is FTS5 here (common/search.rs reads this).
pub(crate) const FTS5: bool = true;

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

/// A JSON object's member as text, as PostgreSQL's `->>` gives it: SQLite's
/// `->>` answers a number as a number (`5 IN ('5')` is false) and `true` as
/// `1`, so both are spelled out as text here.
pub(crate) fn push_json_text(qb: &mut sqlx::QueryBuilder<DB>, col: &str, key: &str) {
    qb.push("(CASE json_type(");
    qb.push(col);
    qb.push(" -> ");
    qb.push_bind(key.to_string());
    qb.push(") WHEN 'true' THEN 'true' WHEN 'false' THEN 'false' ELSE CAST(");
    qb.push(col);
    qb.push(" ->> ");
    qb.push_bind(key.to_string());
    qb.push(" AS TEXT) END)");
}

/// Folds one account's rows of a counter ledger into one row per key. The
/// writer is the only connection that writes, so the rows up to the
/// highest id are exactly the rows summed (new rows get higher ids).
pub(crate) async fn fold_ledger(
    tx: &mut sqlx::Transaction<'static, DB>,
    table: &str,
    keys: &str,
    account_id: i64,
) -> Result<(), sqlx::Error> {
    let Some(last): Option<i64> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
        "SELECT MAX(id) FROM {table} WHERE account_id = $1"
    )))
    .bind(account_id)
    .fetch_one(&mut **tx)
    .await?
    else {
        return Ok(());
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO {table} (account_id, {keys}, n, folded) \
         SELECT account_id, {keys}, SUM(n), 1 FROM {table} WHERE account_id = $1 AND id <= $2 \
         GROUP BY account_id, {keys} HAVING SUM(n) <> 0"
    )))
    .bind(account_id)
    .bind(last)
    .execute(&mut **tx)
    .await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE account_id = $1 AND id <= $2"
    )))
    .bind(account_id)
    .bind(last)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

// The shared SQL, compiled here with this backend's types (see common/mod.rs).
#[allow(clippy::duplicate_mod)]
#[path = "common/mod.rs"]
mod common;

use common::SqlTx;

pub struct SqliteStore {
    write: Pool<Sqlite>,
    read: Pool<Sqlite>,
    /// The writer's `max_page_count` set by [`Store::limit_pages`] (0: none);
    /// a replaced writer connection gets it too.
    page_limit: Arc<AtomicU64>,
    /// The last write probe of `/ready`, reused for a second.
    probe: tokio::sync::Mutex<Option<(Instant, Result<(), String>)>>,
}

/// Whether `conn` may be handed out: outside any transaction by both the
/// driver's count and SQLite's own state. When the driver still counts a
/// transaction (SQLite rolled it back by itself, or its rollback is queued),
/// a statement on the connection lets queued work finish and shows SQLite's
/// state: `BEGIN` fails inside a transaction.
fn is_clean(conn: &mut SqliteConnection, _: PoolConnectionMetadata) -> BoxFuture<'_, Result<bool, sqlx::Error>> {
    Box::pin(async move {
        if !conn.is_in_transaction() {
            return Ok(true);
        }
        let probed = sqlx::raw_sql("BEGIN; ROLLBACK").execute(&mut *conn).await;
        let clean = probed.is_ok() && !conn.is_in_transaction();
        if !clean {
            tracing::warn!("replacing a SQLite connection left inside a transaction it did not finish");
        }
        Ok(clean)
    })
}

/// The writer's per-connection settings, on every (re)connect.
/// Every connection folds case by Unicode's rules (see `sqlite_fold`).
async fn unicode_lower(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    let mut handle = conn.lock_handle().await?;
    crate::sqlite_fold::install(handle.as_raw_handle()).map_err(|e| sqlx::Error::Configuration(e.into()))
}

async fn setup_writer(conn: &mut SqliteConnection, page_limit: &AtomicU64, on_disk: bool) -> Result<(), sqlx::Error> {
    unicode_lower(conn).await?;
    if on_disk {
        // Checkpoints move off the writer: it commits into the WAL, and a
        // connection of its own copies the WAL into the database in the
        // background. The writer only checkpoints itself past ~40 MB of
        // WAL, should the background one fall behind.
        sqlx::query("PRAGMA wal_autocheckpoint = 10000")
            .execute(&mut *conn)
            .await?;
    }
    let limit = page_limit.load(Ordering::Acquire);
    if limit > 0 {
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {limit}")))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

impl SqliteStore {
    pub async fn connect(url: &str, opts: &ConnectOptions) -> StoreResult<Self> {
        let base = SqliteConnectOptions::from_str(url)?
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
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        let page_limit = Arc::new(AtomicU64::new(0));
        let limit = page_limit.clone();
        let write = SqlitePoolOptions::new()
            .test_before_acquire(false)
            .before_acquire(is_clean)
            .after_connect(move |conn, _| {
                let limit = limit.clone();
                Box::pin(async move { setup_writer(conn, &limit, !in_memory).await })
            })
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(base.clone())
            .await?;
        MIGRATOR
            .run(&write)
            .await
            .map_err(|e| StoreError::Database(e.to_string()))?;
        // The planner's statistics, fresh from the start: without them it
        // picks indexes by guesswork (an `id IN (...)` read walked every
        // contact of the account instead of the primary key).
        if let Err(e) = optimize(&write).await {
            tracing::warn!(error = %e, "PRAGMA optimize at start");
        }
        if !in_memory {
            tokio::spawn(optimize_in_background(write.clone()));
            let checkpointer = SqlitePoolOptions::new()
                .before_acquire(is_clean)
                .max_connections(1)
                .connect_with(base.clone())
                .await?;
            tokio::spawn(checkpoint_in_background(write.clone(), checkpointer));
        }
        let read = if in_memory {
            // A private in-memory database exists only on its one connection.
            write.clone()
        } else {
            SqlitePoolOptions::new()
                .test_before_acquire(false)
                .before_acquire(is_clean)
                .max_connections(opts.max_connections.max(1))
                .acquire_timeout(Duration::from_secs(30))
                .after_connect(|conn, _| Box::pin(unicode_lower(conn)))
                .connect_with(base.read_only(true))
                .await?
        };
        Ok(SqliteStore {
            write,
            read,
            page_limit,
            probe: tokio::sync::Mutex::new(None),
        })
    }

    /// Whether the writer can grow the database: a transaction inserting
    /// 64 KiB (more than a message with its search entries needs), rolled
    /// back. Reused for a second, so `/ready`
    /// polled often does not keep the writer busy.
    async fn probe_write(&self) -> StoreResult<()> {
        let mut last = self.probe.lock().await;
        if let Some((at, r)) = last.as_ref()
            && at.elapsed() < Duration::from_secs(1)
        {
            return r.clone().map_err(StoreError::Full);
        }
        let r = async {
            let mut tx = self.write.begin().await?;
            sqlx::query("INSERT INTO instance_secrets (name, value) VALUES ('_write_probe', randomblob(65536))")
                .execute(&mut *tx)
                .await?;
            tx.rollback().await
        }
        .await;
        let out = r.map_err(StoreError::from);
        *last = Some((
            Instant::now(),
            match &out {
                Ok(()) => Ok(()),
                Err(e) => Err(e.to_string()),
            },
        ));
        match out {
            Err(StoreError::Full(m)) => Err(StoreError::Full(m)),
            Err(e @ StoreError::Unavailable(_)) => Err(e),
            Err(e) => Err(StoreError::Unavailable(e.to_string())),
            Ok(()) => Ok(()),
        }
    }
}

/// How often the planner's statistics are refreshed (SQLite advises every
/// few hours for long-lived connections).
const OPTIMIZE_EVERY: Duration = Duration::from_secs(3600);

/// `PRAGMA optimize` on the writer, analysing every table whose statistics
/// are missing or stale, each within `analysis_limit` rows (so a large
/// table costs milliseconds, not a full scan).
async fn optimize(write: &Pool<Sqlite>) -> Result<(), sqlx::Error> {
    let mut conn = write.acquire().await?;
    sqlx::query("PRAGMA analysis_limit = 1000").execute(&mut *conn).await?;
    sqlx::query("PRAGMA optimize = 0x10002").execute(&mut *conn).await?;
    Ok(())
}

async fn optimize_in_background(write: Pool<Sqlite>) {
    loop {
        tokio::time::sleep(OPTIMIZE_EVERY).await;
        if write.is_closed() {
            return;
        }
        if let Err(e) = optimize(&write).await {
            tracing::debug!(error = %e, "PRAGMA optimize");
        }
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
        Ok(SqlTx::boxed(self.read.begin().await?))
    }

    async fn write(&self) -> StoreResult<Box<dyn Tx>> {
        Ok(SqlTx::boxed(self.write.begin().await?))
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.read).await?;
        self.probe_write().await
    }

    async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    async fn claim_jobs(&self, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>> {
        // Through the writer, like every write.
        common::claim_jobs(&self.write, now, limit, lease_micros).await
    }

    async fn limit_pages(&self, max_pages: Option<u64>) -> StoreResult<()> {
        // 0 stands for "none" in the atomic; SQLite's own ceiling lifts it.
        let pages = max_pages.unwrap_or(0);
        self.page_limit.store(pages, Ordering::Release);
        let set = if pages == 0 { 4_294_967_294 } else { pages };
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA max_page_count = {set}")))
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
