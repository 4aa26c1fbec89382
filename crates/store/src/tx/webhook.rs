//! Webhooks of an account.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait WebhookTx: Send {
    async fn insert_webhook(&mut self, w: &Webhook) -> StoreResult<Webhook>;

    async fn get_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Webhook>>;

    async fn list_webhooks(&mut self, account_id: i64) -> StoreResult<Vec<Webhook>>;

    async fn update_webhook(&mut self, w: &Webhook) -> StoreResult<()>;

    async fn delete_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
}
