//! Saved custom filters of a user.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait CustomFilterTx: Send {
    /// A user's filters of one type in an account, oldest first (at most `limit`).
    async fn list_custom_filters(
        &mut self,
        account_id: i64,
        user_id: i64,
        filter_type: i16,
        limit: i64,
    ) -> StoreResult<Vec<CustomFilter>>;

    /// How many filters the user keeps in the account (all types).
    async fn count_custom_filters(&mut self, account_id: i64, user_id: i64) -> StoreResult<i64>;

    async fn get_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<Option<CustomFilter>>;

    async fn insert_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<CustomFilter>;

    async fn update_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<()>;

    async fn delete_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<bool>;
}
