use async_trait::async_trait;

use crate::StoreResult;
use crate::records::{AgentCapacityPolicy, AssignmentPolicy, InboxAssignmentPolicy, InboxCapacityLimit, User};

/// Chatwoot's v4 routing policies: assignment policies attached to inboxes,
/// and agent capacity policies with their per-inbox limits and agents.
/// Every read and write is scoped by account.
#[async_trait]
pub trait RoutingPolicyTx {
    async fn list_assignment_policies(&mut self, account_id: i64) -> StoreResult<Vec<AssignmentPolicy>>;
    async fn get_assignment_policy(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AssignmentPolicy>>;
    /// Inserts (`p.id == 0`) or updates the policy; a second policy of the
    /// same name in the account is a conflict.
    async fn save_assignment_policy(&mut self, p: &AssignmentPolicy) -> StoreResult<AssignmentPolicy>;
    async fn delete_assignment_policy(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    /// Each inbox's policy link in the account.
    async fn inbox_assignment_policies(&mut self, account_id: i64) -> StoreResult<Vec<InboxAssignmentPolicy>>;
    /// Attaches `policy_id` to `inbox_id`, replacing the inbox's previous one.
    async fn set_inbox_assignment_policy(
        &mut self,
        account_id: i64,
        inbox_id: i64,
        policy_id: i64,
        now: i64,
    ) -> StoreResult<InboxAssignmentPolicy>;
    async fn clear_inbox_assignment_policy(&mut self, account_id: i64, inbox_id: i64) -> StoreResult<bool>;

    async fn list_capacity_policies(&mut self, account_id: i64) -> StoreResult<Vec<AgentCapacityPolicy>>;
    async fn get_capacity_policy(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AgentCapacityPolicy>>;
    async fn save_capacity_policy(&mut self, p: &AgentCapacityPolicy) -> StoreResult<AgentCapacityPolicy>;
    async fn delete_capacity_policy(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
    /// The account's per-inbox limits of every capacity policy.
    async fn inbox_capacity_limits(&mut self, account_id: i64) -> StoreResult<Vec<InboxCapacityLimit>>;
    async fn get_inbox_capacity_limit(
        &mut self,
        account_id: i64,
        policy_id: i64,
        id: i64,
    ) -> StoreResult<Option<InboxCapacityLimit>>;
    /// Inserts (`l.id == 0`; a second limit for the same inbox and policy is
    /// a conflict) or updates a limit's `conversation_limit`.
    async fn save_inbox_capacity_limit(&mut self, l: &InboxCapacityLimit) -> StoreResult<InboxCapacityLimit>;
    async fn delete_inbox_capacity_limit(&mut self, account_id: i64, policy_id: i64, id: i64) -> StoreResult<bool>;
    /// Puts an agent on a capacity policy (`None`: off any).
    async fn set_agent_capacity_policy(
        &mut self,
        account_id: i64,
        user_id: i64,
        policy_id: Option<i64>,
    ) -> StoreResult<()>;
    /// One agent's open conversations in an inbox that count toward a
    /// capacity policy's limit: created at or after `created_since` (when
    /// given) and carrying none of `excluded_labels`.
    async fn agent_policy_load(
        &mut self,
        account_id: i64,
        user_id: i64,
        inbox_id: i64,
        created_since: Option<i64>,
        excluded_labels: &[String],
    ) -> StoreResult<i64>;

    /// The agents on a policy.
    async fn capacity_policy_users(&mut self, account_id: i64, policy_id: i64) -> StoreResult<Vec<User>>;
}
