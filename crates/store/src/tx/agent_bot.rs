//! An account's agent bots and the inboxes they answer.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait AgentBotTx: Send {
    /// The account's bots, oldest first (at most `limit`).
    async fn list_agent_bots(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<AgentBot>>;

    async fn count_agent_bots(&mut self, account_id: i64) -> StoreResult<i64>;

    async fn get_agent_bot(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AgentBot>>;

    async fn insert_agent_bot(&mut self, b: &AgentBot) -> StoreResult<AgentBot>;

    async fn update_agent_bot(&mut self, b: &AgentBot) -> StoreResult<()>;

    /// Deletes the bot (its inbox links go with it).
    async fn delete_agent_bot(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    /// Makes `bot` the inbox's bot (active), or takes it off (`None`).
    async fn set_inbox_agent_bot(
        &mut self,
        account_id: i64,
        inbox_id: i64,
        bot: Option<i64>,
        now: i64,
    ) -> StoreResult<()>;

    /// The inbox's active bot.
    async fn inbox_agent_bot(&mut self, inbox_id: i64) -> StoreResult<Option<AgentBot>>;

    /// The inboxes a bot answers.
    async fn agent_bot_inboxes(&mut self, agent_bot_id: i64) -> StoreResult<Vec<i64>>;

    /// Removes an owner's access token.
    async fn delete_access_token(&mut self, owner_type: &str, owner_id: i64) -> StoreResult<()>;
}
