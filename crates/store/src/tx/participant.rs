//! Participants of a conversation and the agents mentioned in it.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ParticipantTx: Send {
    /// The participants' user ids of a conversation (the caller checked the
    /// conversation's account), in the order they were added.
    async fn conversation_participants(&mut self, conversation_id: i64) -> StoreResult<Vec<i64>>;

    /// `(conversation_id, user_id)` of several conversations' participants
    /// in one statement.
    async fn participants_of(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, i64)>>;

    /// Adds users to a conversation's participants; those already in stay.
    async fn add_conversation_participants(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()>;

    async fn remove_conversation_participants(&mut self, conversation_id: i64, user_ids: &[i64]) -> StoreResult<()>;

    /// Records that note `message_id` mentions these users in the
    /// conversation: one row per conversation and user, a later mention
    /// moving its message and time.
    async fn upsert_mentions(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        message_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()>;

    /// A conversation's mentions as `(user_id, message_id, mentioned_at)`,
    /// in user id order.
    async fn conversation_mentions(&mut self, conversation_id: i64) -> StoreResult<Vec<(i64, i64, i64)>>;
}
