//! Contacts: lookup, lists, filters, labels and merging.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ContactTx: Send {
    async fn insert_contact(&mut self, c: &Contact) -> StoreResult<Contact>;

    async fn get_contact(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Contact>>;

    async fn get_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>>;

    /// Contacts by id (callers got the ids from rows already scoped to an account).
    async fn get_contacts_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Contact>>;

    /// Sets last_activity_at of several contacts.
    async fn touch_contacts(&mut self, ids: &[i64], at: i64) -> StoreResult<()>;

    async fn find_contact_by(
        &mut self,
        account_id: i64,
        field: ContactKey,
        value: &str,
    ) -> StoreResult<Option<Contact>>;

    async fn update_contact(&mut self, c: &Contact) -> StoreResult<()>;

    async fn delete_contact(&mut self, account_id: i64, id: i64) -> StoreResult<bool>;

    async fn list_contacts(&mut self, q: &ContactQuery) -> StoreResult<(Vec<Contact>, i64)>;

    async fn contact_labels(&mut self, contact_id: i64) -> StoreResult<Vec<String>>;

    async fn set_contact_labels(&mut self, account_id: i64, contact_id: i64, labels: &[String]) -> StoreResult<()>;

    /// A page of the account's contacts matching the conditions (most
    /// recently active first) and how many match, counted up to `count_cap`.
    async fn filter_contacts(&mut self, q: &ContactFilterQuery) -> StoreResult<(Vec<Contact>, i64)>;

    /// Of `ids`, the account's contacts: a page in id order, and how many there are.
    async fn contacts_among(
        &mut self,
        account_id: i64,
        ids: &[i64],
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Contact>, i64)>;

    /// The account's contacts `ids`, locked for the transaction, in id order.
    async fn lock_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>>;

    /// Moves what belongs to contact `from` to contact `to`: conversations,
    /// contact inboxes, notes, the messages it sent and its ratings; labels
    /// are added to `to`'s. `from` itself is left for the caller to delete.
    async fn move_contact_rows(&mut self, account_id: i64, from: i64, to: i64) -> StoreResult<()>;
}
