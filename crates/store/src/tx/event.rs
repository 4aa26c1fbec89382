//! The outbox of events, and pruning of old events and deliveries.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait EventTx: Send {
    async fn insert_event(&mut self, e: &switchboard_domain::Event, now: i64) -> StoreResult<i64>;

    /// Inserts several events in one statement, in order, and returns their
    /// ids in that order (ascending: the order they were written in).
    async fn insert_events(&mut self, events: &[switchboard_domain::Event], now: i64) -> StoreResult<Vec<i64>>;

    async fn get_event(&mut self, id: i64) -> StoreResult<Option<StoredEvent>>;

    /// Records that `listener` handled event `event_id`; false when it had
    /// already (the row's unique key), and then nothing is written.
    async fn mark_listened(&mut self, listener: &str, event_id: i64, now: i64) -> StoreResult<bool>;

    /// Deletes up to `limit` rows of each kind older than its cut-off:
    /// stored events (and the record of which listeners handled them),
    /// finished deliveries (and their attempts), dead jobs.
    /// Returns how many rows went.
    async fn prune(&mut self, events_before: i64, deliveries_before: i64, limit: i64) -> StoreResult<u64>;
}
