//! The storage traits. A backend (SQLite, PostgreSQL) implements [`Store`],
//! which hands out [`Tx`]s: a connection inside a transaction. Every use case
//! in `core` runs in one `Tx`, so a change, its events and its jobs commit
//! together or not at all. Dropping a `Tx` without `commit` rolls it back.
//!
//! All methods that take an `account_id` scope their query by it: a row of
//! another account is indistinguishable from a missing one.
//!
//! `Tx` is the sum of per-entity traits ([`AccountTx`], [`ConversationTx`],
//! ...), one file each under `tx/`; a caller brings them all into scope with
//! `use switchboard_store::prelude::*;`.

pub mod query;
pub mod records;
mod sqlx_error;
pub mod tx;

use async_trait::async_trait;
pub use query::*;
pub use records::*;
pub use tx::*;

/// Everything needed to call a [`Tx`]: the trait and its per-entity parts
/// (a method of a supertrait needs that trait in scope at the call).
pub mod prelude {
    pub use crate::tx::*;
    pub use crate::{Store, Tx};
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the string names the constraint
    /// or the columns as the backend reported them.
    #[error("conflict: {0}")]
    Conflict(String),
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(String),
    /// The database refused to grow (disk full, or its size limit): nothing
    /// of the transaction was kept. Writing resumes once space is freed.
    #[error("database full: {0}")]
    Full(String),
    /// The database could not be reached or could not serve the request in
    /// time (connection refused or lost, no free connection, I/O error);
    /// nothing of the transaction was kept, and a retry later may succeed.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// The transaction lost a race with another (PostgreSQL's deadlock or
    /// serialization failure) and was rolled back: running it again
    /// usually succeeds.
    #[error("transaction contended: {0}")]
    Contended(String),
}

impl StoreError {
    /// Whether the failure is the database's state rather than this
    /// request's (retrying the same request later may succeed).
    pub fn is_outage(&self) -> bool {
        matches!(self, StoreError::Full(_) | StoreError::Unavailable(_))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[async_trait]
pub trait Store: Send + Sync + 'static {
    fn backend(&self) -> Backend;
    /// A read-only transaction (a consistent snapshot for lists and counts).
    async fn read(&self) -> StoreResult<Box<dyn Tx>>;
    /// A write transaction. On SQLite there is one writer; on PostgreSQL
    /// conversations are locked row by row (see `lock_conversation`).
    async fn write(&self) -> StoreResult<Box<dyn Tx>>;
    async fn ping(&self) -> StoreResult<()>;
    async fn close(&self);
    /// Claims up to `limit` due jobs for `lease_micros`; several nodes may
    /// call this concurrently and each job is handed to one of them.
    async fn claim_jobs(&self, now: i64, limit: i64, lease_micros: i64) -> StoreResult<Vec<Job>>;

    /// For fault tests: caps the database at `max_pages` pages (SQLite's
    /// `max_page_count` on the writer), so "disk full" can be provoked
    /// without a small filesystem; `None` lifts the cap. Other backends
    /// answer an error.
    async fn limit_pages(&self, _max_pages: Option<u64>) -> StoreResult<()> {
        Err(StoreError::Database("page limits exist on SQLite only".into()))
    }
}

/// A connection inside a transaction: every per-entity trait, plus what
/// concerns the transaction as a whole.
#[async_trait]
pub trait Tx:
    AccountTx
    + UserTx
    + InvitationTx
    + InboxTx
    + ContactTx
    + ContactInboxTx
    + NoteTx
    + ConversationTx
    + ParticipantTx
    + RoutingTx
    + RoutingPolicyTx
    + NotificationTx
    + MessageTx
    + AttachmentTx
    + TeamTx
    + LabelTx
    + CannedTx
    + WebhookTx
    + DeliveryTx
    + EventTx
    + JobTx
    + CustomFilterTx
    + AutomationTx
    + MacroTx
    + AgentBotTx
    + SlaTx
    + CsatTx
    + ImportTx
    + CustomAttributeTx
    + CountTx
    + Send
{
    async fn commit(self: Box<Self>) -> StoreResult<()>;

    /// The installation secret `name`, created from `candidate` the first
    /// time; every node gets the same value.
    async fn instance_secret(&mut self, name: &str, candidate: &str) -> StoreResult<String>;
}
