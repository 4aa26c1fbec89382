//! Webhook deliveries and their attempts.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait DeliveryTx: Send {
    async fn insert_delivery(&mut self, d: &NewDelivery, now: i64) -> StoreResult<Delivery>;

    async fn get_delivery(&mut self, id: i64) -> StoreResult<Option<Delivery>>;

    async fn update_delivery(&mut self, d: &Delivery) -> StoreResult<()>;

    async fn insert_delivery_attempt(&mut self, a: &DeliveryAttempt) -> StoreResult<()>;

    /// The deliveries made for one owner (a webhook, a rule, a bot),
    /// newest first, before `before_id`.
    async fn list_deliveries(
        &mut self,
        account_id: i64,
        owner: DeliveryOwner,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>>;

    async fn list_delivery_attempts(&mut self, delivery_ids: &[i64]) -> StoreResult<Vec<DeliveryAttempt>>;

    /// Inserts several deliveries in one statement.
    async fn insert_deliveries(&mut self, ds: &[NewDelivery], now: i64) -> StoreResult<Vec<Delivery>>;
}
