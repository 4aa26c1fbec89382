//! Contact inboxes: a contact as known to one inbox.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ContactInboxTx: Send {
    async fn insert_contact_inbox(&mut self, ci: &ContactInbox) -> StoreResult<Option<ContactInbox>>;

    async fn find_contact_inbox(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<ContactInbox>>;

    /// Holds the contact inbox row until the transaction ends (so two
    /// writers cannot both open a first conversation for it).
    async fn lock_contact_inbox(&mut self, id: i64) -> StoreResult<()>;

    async fn get_contact_inbox(&mut self, id: i64) -> StoreResult<Option<ContactInbox>>;

    async fn find_contact_inbox_by_pubsub(&mut self, token: &str) -> StoreResult<Option<ContactInbox>>;

    async fn set_contact_inbox_verified(&mut self, id: i64, verified: bool) -> StoreResult<()>;

    async fn find_contact_inbox_for(&mut self, contact_id: i64, inbox_id: i64) -> StoreResult<Option<ContactInbox>>;

    async fn list_contact_inboxes(&mut self, contact_ids: &[i64]) -> StoreResult<Vec<ContactInbox>>;

    /// Which of these contact inboxes have at least one conversation.
    async fn contact_inboxes_in_use(&mut self, ids: &[i64]) -> StoreResult<Vec<i64>>;
}
