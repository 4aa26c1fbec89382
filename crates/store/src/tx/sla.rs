//! SLA policies, the policies held against conversations, and their misses.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait SlaTx: Send {
    async fn list_sla_policies(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<SlaPolicy>>;
    async fn count_sla_policies(&mut self, account_id: i64) -> StoreResult<i64>;
    async fn get_sla_policy(&mut self, account_id: i64, id: i64) -> StoreResult<Option<SlaPolicy>>;
    async fn insert_sla_policy(&mut self, p: &SlaPolicy) -> StoreResult<SlaPolicy>;
    async fn update_sla_policy(&mut self, p: &SlaPolicy) -> StoreResult<()>;
    /// Deletes the policy and what it held (applied rows, their misses);
    /// the conversations it held no longer name it.
    async fn delete_sla_policy(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    /// Sets the policy a conversation names (no other column moves).
    async fn set_conversation_sla(&mut self, conversation_id: i64, sla_policy_id: Option<i64>) -> StoreResult<()>;
    async fn get_applied_sla(&mut self, conversation_id: i64) -> StoreResult<Option<AppliedSla>>;
    /// The applied SLAs of these conversations.
    async fn applied_slas_of(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<AppliedSla>>;
    /// Inserts or replaces the conversation's applied SLA (one a
    /// conversation); a replaced one loses its misses.
    async fn put_applied_sla(&mut self, a: &AppliedSla) -> StoreResult<AppliedSla>;
    async fn save_applied_sla(&mut self, a: &AppliedSla) -> StoreResult<()>;
    async fn delete_applied_sla(&mut self, conversation_id: i64) -> StoreResult<()>;
    /// Records a miss; `None` when that clock already missed (the unique
    /// key), so a re-run records nothing twice.
    async fn insert_sla_event(&mut self, e: &SlaEvent) -> StoreResult<Option<SlaEvent>>;
    /// The misses of these applied SLAs, oldest first.
    async fn sla_events_of(&mut self, applied_ids: &[i64]) -> StoreResult<Vec<SlaEvent>>;
    /// A page of the account's applied SLAs (newest first) and how many match.
    async fn list_applied_slas(
        &mut self,
        account_id: i64,
        filter: &AppliedSlaFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<AppliedSla>>;
    async fn count_applied_slas(&mut self, account_id: i64, filter: &AppliedSlaFilter) -> StoreResult<i64>;
}
