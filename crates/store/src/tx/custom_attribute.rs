//! Custom attribute definitions.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait CustomAttributeTx: Send {
    /// An account's definitions, of one model or of all, oldest first, at
    /// most `limit`.
    async fn list_attribute_definitions(
        &mut self,
        account_id: i64,
        model: Option<i16>,
        limit: i64,
    ) -> StoreResult<Vec<AttributeDefinition>>;

    async fn get_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AttributeDefinition>>;

    /// How many definitions the account has for the model.
    async fn count_attribute_definitions(&mut self, account_id: i64, model: i16) -> StoreResult<i64>;

    /// Inserts a definition; a key taken for the account and model is a
    /// `Conflict`.
    async fn insert_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<AttributeDefinition>;

    /// Saves every field but the id and account; a taken key is a `Conflict`.
    async fn update_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<()>;

    async fn delete_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
}
