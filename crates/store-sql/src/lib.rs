//! SQL backends of the storage traits: SQLite (the embedded default) and
//! PostgreSQL (several nodes on one database). The queries live once in
//! `common/` (one file per entity), compiled into each backend module with that backend's types;
//! each backend has its own connection setup and its own migrations.

use std::sync::Arc;

use switchboard_store::{Store, StoreError};

pub mod postgres;
pub mod sqlite;
mod sqlite_fold;

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
