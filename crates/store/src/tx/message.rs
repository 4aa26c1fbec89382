//! Messages of a conversation, their search and CSAT answers.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait MessageTx: Send {
    /// The last non-activity, non-private message of each conversation.
    async fn last_messages(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<Message>>;

    async fn last_incoming_at(&mut self, conversation_id: i64) -> StoreResult<Option<i64>>;

    /// The conversation's latest message from its contact.
    async fn last_incoming_message(&mut self, conversation_id: i64) -> StoreResult<Option<Message>>;

    /// Inserts a message; `None` when its `(inbox_id, source_id)` or
    /// `(conversation_id, echo_id)` already exists (nothing is written).
    async fn insert_message(&mut self, m: &NewMessage) -> StoreResult<Option<Message>>;

    /// Inserts several messages in one statement; rows whose source_id or
    /// echo_id already exists are skipped (and absent from the result).
    async fn insert_messages(&mut self, rows: &[NewMessage]) -> StoreResult<Vec<Message>>;

    async fn find_message_by_source(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<Message>>;

    async fn find_message_by_echo(&mut self, conversation_id: i64, echo_id: &str) -> StoreResult<Option<Message>>;

    async fn get_message(&mut self, conversation_id: i64, id: i64) -> StoreResult<Option<Message>>;

    async fn get_message_by_id(&mut self, id: i64) -> StoreResult<Option<Message>>;

    /// Messages by id (the caller scopes them), in id order.
    async fn get_messages_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Message>>;

    async fn update_message(&mut self, m: &Message) -> StoreResult<()>;

    /// Records platforms' ids for sent messages in one statement: each
    /// message without a source id gets its id and status sent; returns
    /// the messages changed (one already carrying an id is left alone).
    async fn mark_messages_sent(&mut self, sent: &[(i64, String)], now: i64) -> StoreResult<Vec<Message>>;

    /// How many messages the conversation got since `since`, counting at most `cap`.
    async fn count_messages_since(&mut self, conversation_id: i64, since: i64, cap: i64) -> StoreResult<i64>;

    async fn list_messages(&mut self, q: &MessageQuery) -> StoreResult<Vec<Message>>;

    /// Incoming and outgoing messages (notes included) of the account that
    /// `needle` finds, newest first; only in `inboxes` when given. A
    /// message is found when it has every word of `needle` in some form
    /// (the stems of `switchboard_domain::search::terms`: "заказы" finds
    /// "заказ") or holds `needle` itself, folded, when it has three
    /// characters or more (case and diacritics aside).
    async fn search_messages(
        &mut self,
        account_id: i64,
        inboxes: Option<&[i64]>,
        needle: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Message>>;

    /// Indexes up to `batch` of the messages written before search
    /// existed, newest first; how many it indexed (0: none are left).
    async fn backfill_search(&mut self, batch: i64) -> StoreResult<u64>;

    /// Whether the conversation had a public outgoing message after
    /// `outgoing_since`, and a template message after `template_since`.
    async fn recent_replies(
        &mut self,
        conversation_id: i64,
        outgoing_since: i64,
        template_since: i64,
    ) -> StoreResult<(bool, bool)>;

    /// Whether the conversation has a message of this content type.
    async fn has_content_type(&mut self, conversation_id: i64, content_type: i16) -> StoreResult<bool>;

    /// Records (or corrects) the rating answered on one CSAT message.
    async fn upsert_csat(&mut self, c: &NewCsat, now: i64) -> StoreResult<()>;
}
