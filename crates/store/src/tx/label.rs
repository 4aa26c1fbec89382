//! The labels of an account.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait LabelTx: Send {
    async fn insert_label(&mut self, l: &Label) -> StoreResult<Label>;

    async fn get_label(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Label>>;

    async fn list_labels(&mut self, account_id: i64) -> StoreResult<Vec<Label>>;

    async fn update_label(&mut self, l: &Label) -> StoreResult<()>;

    async fn delete_label(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
}
