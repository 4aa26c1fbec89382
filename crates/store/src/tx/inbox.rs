//! Inboxes, their members and mail cursors.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait InboxTx: Send {
    async fn insert_inbox(&mut self, i: &Inbox) -> StoreResult<Inbox>;

    async fn get_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Inbox>>;

    /// Inboxes by id (callers got the ids from rows already scoped to an account).
    async fn get_inboxes(&mut self, ids: &[i64]) -> StoreResult<Vec<Inbox>>;

    /// Which of the `(inbox_id, user_id)` pairs are memberships.
    async fn inbox_memberships(&mut self, pairs: &[(i64, i64)]) -> StoreResult<Vec<(i64, i64)>>;

    async fn find_inbox_by_key(&mut self, channel_type: i16, key: &str) -> StoreResult<Option<Inbox>>;

    /// Inboxes of the account; with `member` only those the user is a member of.
    async fn list_inboxes(&mut self, account_id: i64, member: Option<i64>) -> StoreResult<Vec<Inbox>>;

    async fn update_inbox(&mut self, i: &Inbox) -> StoreResult<()>;

    /// Every inbox of a channel type, of all accounts (mailbox polling).
    async fn inboxes_of_type(&mut self, channel_type: i16) -> StoreResult<Vec<Inbox>>;

    async fn get_mail_cursor(&mut self, inbox_id: i64) -> StoreResult<Option<MailCursor>>;

    /// Inserts or replaces the inbox's cursor.
    async fn set_mail_cursor(&mut self, c: &MailCursor) -> StoreResult<()>;

    async fn delete_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    async fn list_inbox_members(&mut self, inbox_id: i64) -> StoreResult<Vec<i64>>;

    async fn add_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()>;

    async fn remove_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64]) -> StoreResult<()>;

    async fn is_inbox_member(&mut self, inbox_id: i64, user_id: i64) -> StoreResult<bool>;

    async fn user_inbox_ids(&mut self, account_id: i64, user_id: i64) -> StoreResult<Vec<i64>>;
}
