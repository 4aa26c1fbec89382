//! Conversations: display ids, locks, lists, counts and labels.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ConversationTx: Send {
    /// The next per-account display id: consecutive, race-free (the account
    /// row is the counter, updated inside this transaction).
    async fn next_display_id(&mut self, account_id: i64) -> StoreResult<i64>;

    async fn insert_conversation(&mut self, c: &Conversation) -> StoreResult<Conversation>;

    async fn get_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>>;

    async fn get_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>>;

    /// Conversations by id, in id order (the caller scopes them).
    async fn get_conversations_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Conversation>>;

    /// Reads the conversation and holds its row lock until the transaction
    /// ends, so read-decide-write on it is atomic under concurrency.
    async fn lock_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>>;

    async fn lock_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>>;

    async fn save_conversation(&mut self, c: &Conversation) -> StoreResult<()>;

    /// Locks several conversations by `(account_id, display_id)`, in id order
    /// (so concurrent batches cannot deadlock).
    async fn lock_conversations(&mut self, keys: &[(i64, i64)]) -> StoreResult<Vec<Conversation>>;

    /// Locks every conversation of a contact, in id order (before the
    /// contact goes, taking them along).
    async fn lock_contact_conversations(&mut self, account_id: i64, contact_id: i64) -> StoreResult<()>;

    /// Writes what a message changes on each conversation: status,
    /// snoozed_until, waiting_since, first_reply_created_at,
    /// last_activity_at, updated_at; one statement for all.
    async fn touch_conversations(&mut self, convs: &[Conversation]) -> StoreResult<()>;

    /// Per conversation, how many messages arrived after `since`.
    async fn count_recent_messages(&mut self, conversation_ids: &[i64], since: i64) -> StoreResult<Vec<(i64, i64)>>;

    async fn latest_conversation(
        &mut self,
        contact_inbox_id: i64,
        statuses: &[i16],
    ) -> StoreResult<Option<Conversation>>;

    async fn list_conversations(&mut self, q: &ConversationQuery) -> StoreResult<Vec<Conversation>>;

    /// The folder counts of a list: from the counters when the query is
    /// one they key (status, inbox, team, at most one label, the inboxes
    /// a caller may see), else by counting the matching rows.
    async fn conversation_counts(&mut self, q: &ConversationQuery) -> StoreResult<ConversationCounts>;

    /// The folder counts by counting the matching rows, whatever the query.
    async fn recount_conversations(&mut self, q: &ConversationQuery) -> StoreResult<ConversationCounts>;

    async fn contact_conversations(
        &mut self,
        account_id: i64,
        contact_id: i64,
        inbox_ids: Option<&[i64]>,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;

    async fn conversation_labels(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, String)>>;

    async fn set_conversation_labels(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        labels: &[String],
    ) -> StoreResult<()>;

    /// Unread incoming messages per conversation, at most `cap` each.
    async fn unread_counts(&mut self, conversations: &[(i64, Option<i64>)], cap: i64) -> StoreResult<Vec<(i64, i64)>>;

    /// A conversation by its uuid (callers check it belongs where they look).
    async fn find_conversation_by_uuid(&mut self, uuid: &str) -> StoreResult<Option<Conversation>>;

    /// Up to `limit` open conversations of the account whose last activity
    /// is at or before `before`, the oldest first (with `not_waiting`, only
    /// those whose customer is not waiting for a reply).
    async fn stale_open_conversations(
        &mut self,
        account_id: i64,
        before: i64,
        not_waiting: bool,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>>;
}
