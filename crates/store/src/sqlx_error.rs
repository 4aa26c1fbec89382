//! How a database driver error reads as a [`StoreError`]. The SQL backends
//! live in `switchboard-store-sql`, but the conversion is written here: Rust
//! lets `From<sqlx::Error>` be implemented only beside `StoreError` (neither
//! the trait nor the driver's type belongs to the backend crate), and it lets
//! every query there end in `?`.

use crate::StoreError;

impl From<sqlx::Error> for StoreError {
    /// A missing row is `NotFound`, a unique violation `Conflict` (naming the
    /// constraint, or the backend's message when it names none), a deadlock or
    /// serialization failure `Contended`, an outage `Full` or `Unavailable`
    /// (see [`outage`]), and anything else `Database`.
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::RowNotFound => StoreError::NotFound,
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(
                d.constraint()
                    .map(str::to_string)
                    .unwrap_or_else(|| d.message().to_string()),
            ),
            // Deadlock detected, serialization failure.
            sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")) => {
                StoreError::Contended(d.message().to_string())
            }
            _ => outage(&e).unwrap_or_else(|| StoreError::Database(e.to_string())),
        }
    }
}

/// The outage an error stands for, if it is one: the database refused to
/// grow (SQLite's FULL) or could not be reached or used (I/O, pool timeouts,
/// lost connections, SQLite's IOERR/BUSY/NOMEM/CANTOPEN, PostgreSQL's
/// connection and shutdown classes). Anything else is not an outage.
fn outage(e: &sqlx::Error) -> Option<StoreError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn driver_errors_keep_their_meaning() {
        assert!(matches!(
            StoreError::from(sqlx::Error::RowNotFound),
            StoreError::NotFound
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolTimedOut),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::PoolClosed),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            StoreError::from(sqlx::Error::Protocol("odd".into())),
            StoreError::Database(_)
        ));
    }
}
