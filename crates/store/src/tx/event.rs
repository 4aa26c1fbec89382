//! The outbox of events, and pruning of old events and deliveries.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait EventTx: Send {
    async fn insert_event(&mut self, e: &switchboard_domain::Event, now: i64) -> StoreResult<i64>;

    /// Inserts several events in one statement, in order.
    async fn insert_events(&mut self, events: &[switchboard_domain::Event], now: i64) -> StoreResult<()>;

    /// Deletes up to `limit` rows of each kind older than its cut-off:
    /// stored events, finished deliveries (and their attempts), dead jobs.
    /// Returns how many rows went.
    async fn prune(&mut self, events_before: i64, deliveries_before: i64, limit: i64) -> StoreResult<u64>;
}
