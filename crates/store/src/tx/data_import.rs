//! Contacts CSV import and export.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait ImportTx: Send {
    /// Stores a new import with its file.
    async fn insert_data_import(&mut self, d: &DataImport, file: &[u8]) -> StoreResult<DataImport>;

    async fn get_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>>;

    /// Holds the import row until the transaction ends (one batch at a time).
    async fn lock_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>>;

    /// The account's latest imports, newest first.
    async fn list_data_imports(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<DataImport>>;

    /// The file of an import that has not ended (`None` once it has).
    async fn data_import_file(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Vec<u8>>>;

    /// Writes an import's progress; an import that ended (completed or
    /// failed) lets go of its file.
    async fn update_data_import(&mut self, d: &DataImport) -> StoreResult<()>;

    /// Up to `limit` of the account's contacts with ids above `after_id`, in
    /// id order, only those with `label` when given.
    async fn export_contacts_page(
        &mut self,
        account_id: i64,
        label: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Contact>>;
}
