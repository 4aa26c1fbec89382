//! The counters the database keeps for lists (conversation folders, labels,
//! contacts): triggers append signed deltas in the transaction of each
//! change; these methods fold them and check them against a recount.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait CountTx: Send {
    /// Folds the deltas of every account with at least `min_unfolded` of
    /// them in one of the counter tables into one row per key. Returns how
    /// many (table, account) pairs were folded.
    async fn fold_counts(&mut self, min_unfolded: i64) -> StoreResult<u64>;

    /// The account's counters compared with a recount of its rows: one line
    /// per key whose figures differ (empty when all agree). For tests and
    /// for checking a live database.
    async fn check_counts(&mut self, account_id: i64) -> StoreResult<Vec<String>>;
}
