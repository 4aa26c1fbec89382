//! Routing: the waiting queue, agents' loads and routing state, and the
//! decision log.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait RoutingTx: Send {
    /// Open conversations of the account's inboxes `inbox_ids` nobody holds,
    /// most urgent first (priority, then longest waiting), at most `limit`.
    async fn routing_queue(&mut self, account_id: i64, inbox_ids: &[i64], limit: i64)
    -> StoreResult<Vec<Conversation>>;

    /// Accounts with open conversations nobody holds.
    async fn accounts_with_waiting_conversations(&mut self) -> StoreResult<Vec<i64>>;

    /// Accounts with an inbox that sends unanswered conversations back to
    /// the queue (`requeue_after_minutes` in its routing settings).
    async fn accounts_with_requeue(&mut self) -> StoreResult<Vec<i64>>;

    /// Open, assigned conversations of `inbox_ids` whose customer has
    /// waited since before `waiting_before` and whose assignee has held them
    /// since before then too, oldest first, at most `limit`.
    async fn unanswered_assigned(
        &mut self,
        account_id: i64,
        inbox_ids: &[i64],
        waiting_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;

    /// Open conversations per (assignee, inbox): each agent's load.
    async fn open_loads(&mut self, account_id: i64) -> StoreResult<Vec<(i64, i64, i64)>>;

    /// One agent's open conversations: in all, and in `inbox_id`.
    async fn agent_open_count(&mut self, account_id: i64, user_id: i64, inbox_id: i64) -> StoreResult<(i64, i64)>;

    /// The account's agents' routing state (agents never routed have none).
    async fn routing_agents(&mut self, account_id: i64) -> StoreResult<Vec<RoutingAgent>>;

    /// An agent's routing state, created when missing and locked until the
    /// transaction ends: routing serialises its choices for one agent on it.
    async fn lock_routing_agent(&mut self, account_id: i64, user_id: i64) -> StoreResult<RoutingAgent>;

    async fn set_routed_at(&mut self, account_id: i64, user_id: i64, at: i64) -> StoreResult<()>;

    /// An agent's overall capacity (`None`: no limit of their own).
    async fn set_agent_capacity(&mut self, account_id: i64, user_id: i64, capacity: Option<i32>) -> StoreResult<()>;

    /// Conversations routing gave each agent since `since` (fair distribution).
    async fn routed_since(&mut self, account_id: i64, since: i64) -> StoreResult<Vec<(i64, i64)>>;

    async fn insert_routing_decision(&mut self, d: &NewRoutingDecision, now: i64) -> StoreResult<i64>;

    /// A conversation's decisions, newest first.
    async fn routing_decisions(&mut self, conversation_id: i64, limit: i64) -> StoreResult<Vec<RoutingDecision>>;

    /// The digest of each conversation's latest decision (repeats of the
    /// same "waiting" decision are not logged again).
    async fn last_routing_digests(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;

    /// Deletes decisions older than `before`, at most `limit`.
    async fn prune_routing_decisions(&mut self, before: i64, limit: i64) -> StoreResult<u64>;
}
