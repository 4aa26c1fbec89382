//! Notes on a contact.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait NoteTx: Send {
    async fn insert_contact_note(&mut self, n: &ContactNote) -> StoreResult<ContactNote>;

    /// A contact's notes, newest first, `limit` from `offset`.
    async fn list_contact_notes(
        &mut self,
        account_id: i64,
        contact_id: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<ContactNote>>;

    async fn get_contact_note(&mut self, account_id: i64, contact_id: i64, id: i64)
    -> StoreResult<Option<ContactNote>>;

    async fn update_contact_note(&mut self, n: &ContactNote) -> StoreResult<()>;

    async fn delete_contact_note(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;
}
