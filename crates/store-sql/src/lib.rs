//! SQL backends of the storage traits: SQLite (the embedded default) and
//! PostgreSQL (several nodes on one database). The queries live once in
//! `common/` (one file per entity), compiled into each backend module with that backend's types;
//! each backend has its own connection setup and its own migrations.

use std::sync::Arc;

use switchboard_store::{Store, StoreError};

pub mod postgres;
pub mod sqlite;
mod sqlite_fold;

/// The outage an error stands for, if it is one: the database refused to
/// grow (SQLite's FULL) or could not be reached or used (I/O, pool timeouts,
/// lost connections, SQLite's IOERR/BUSY/NOMEM/CANTOPEN, PostgreSQL's
/// connection and shutdown classes). Anything else is not an outage.
pub(crate) fn outage(e: &sqlx::Error) -> Option<StoreError> {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Some(StoreError::Unavailable(e.to_string())),
        sqlx::Error::Database(d) => {
            if d.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
                // The primary result code is the low byte of the extended one.
                let code = d.code().and_then(|c| c.parse::<i32>().ok()).unwrap_or(0) & 0xff;
                return match code {
                    // SQLITE_FULL
                    13 => Some(StoreError::Full(e.to_string())),
                    // BUSY, LOCKED, NOMEM, IOERR, CORRUPT, CANTOPEN
                    5 | 6 | 7 | 10 | 11 | 14 => Some(StoreError::Unavailable(e.to_string())),
                    _ => None,
                };
            }
            let state = d.code().unwrap_or_default();
            // 08: connection exception; 53: insufficient resources (53100
            // disk full); 57P01-57P03: shut down or starting.
            if state == "53100" {
                Some(StoreError::Full(e.to_string()))
            } else if state.starts_with("08") || state.starts_with("53") || state.starts_with("57P0") {
                Some(StoreError::Unavailable(e.to_string()))
            } else {
                None
            }
        }
        _ => None,
    }
}

/// Options that apply to any backend.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Pool size for PostgreSQL, and readers for SQLite.
    pub max_connections: u32,
    /// SQLite `synchronous=FULL` (fsync on every commit) instead of NORMAL.
    pub sqlite_full_sync: bool,
    /// How long a request waits for a database connection before it is
    /// answered 503 (the database is down or every connection is busy).
    pub acquire_timeout: std::time::Duration,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        ConnectOptions {
            max_connections: 8,
            sqlite_full_sync: false,
            acquire_timeout: std::time::Duration::from_secs(3),
        }
    }
}

/// Opens the store named by `url` (`sqlite://path`, `sqlite::memory:`,
/// `postgres://...`) and runs its migrations.
pub async fn connect(url: &str, opts: &ConnectOptions) -> Result<Arc<dyn Store>, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Ok(Arc::new(postgres::PgStore::connect(url, opts).await?))
    } else if url.starts_with("sqlite:") {
        Ok(Arc::new(sqlite::SqliteStore::connect(url, opts).await?))
    } else {
        Err(StoreError::Database(format!(
            "unsupported database URL (expected sqlite:// or postgres://): {}",
            url.split(':').next().unwrap_or("")
        )))
    }
}
