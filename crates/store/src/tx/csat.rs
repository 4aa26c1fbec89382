//! Satisfaction ratings and the surveys that asked for them.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait CsatTx: Send {
    /// A page of the account's ratings, newest first.
    async fn list_csat(
        &mut self,
        account_id: i64,
        f: &CsatFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<CsatResponse>>;
    /// How many ratings match, by rating (1 to 5).
    async fn csat_rating_counts(&mut self, account_id: i64, f: &CsatFilter) -> StoreResult<Vec<(i16, i64)>>;
    /// Surveys sent (input_csat messages) in the period, in one inbox or all.
    async fn count_csat_sent(
        &mut self,
        account_id: i64,
        since: Option<i64>,
        until: Option<i64>,
        inbox_id: Option<i64>,
    ) -> StoreResult<i64>;
    /// The conversation's latest survey message.
    async fn latest_csat_message(&mut self, conversation_id: i64) -> StoreResult<Option<Message>>;
    /// The ratings of these conversations.
    async fn csat_of(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<CsatResponse>>;
}
