//! An account's macros.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait MacroTx: Send {
    /// The account's global macros and `user_id`'s personal ones, oldest
    /// first (at most `limit`).
    async fn list_macros(&mut self, account_id: i64, user_id: i64, limit: i64) -> StoreResult<Vec<Macro>>;

    /// How many macros `user_id` keeps (personal) and the account keeps
    /// (global).
    async fn count_macros(&mut self, account_id: i64, user_id: i64) -> StoreResult<(i64, i64)>;

    async fn get_macro(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Macro>>;

    async fn insert_macro(&mut self, m: &Macro) -> StoreResult<Macro>;

    async fn update_macro(&mut self, m: &Macro) -> StoreResult<()>;

    async fn delete_macro(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
}
