//! Canned responses.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait CannedTx: Send {
    async fn insert_canned(&mut self, c: &CannedResponse) -> StoreResult<CannedResponse>;

    async fn get_canned(&mut self, account_id: i64, id: i64) -> StoreResult<Option<CannedResponse>>;

    async fn list_canned(&mut self, account_id: i64, search: Option<&str>) -> StoreResult<Vec<CannedResponse>>;

    async fn update_canned(&mut self, c: &CannedResponse) -> StoreResult<()>;

    async fn delete_canned(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
}
