//! Attachments of messages.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait AttachmentTx: Send {
    async fn insert_attachments(
        &mut self,
        account_id: i64,
        message_id: i64,
        files: &[NewAttachment],
        now: i64,
    ) -> StoreResult<Vec<Attachment>>;

    async fn attachments_for(&mut self, message_ids: &[i64]) -> StoreResult<Vec<Attachment>>;

    async fn get_attachment(&mut self, id: i64) -> StoreResult<Option<Attachment>>;

    /// Deletes a message's attachments and returns their storage keys.
    async fn delete_attachments(&mut self, message_id: i64) -> StoreResult<Vec<String>>;

    /// Keeps a file uploaded for rules and macros.
    async fn insert_upload(
        &mut self,
        account_id: i64,
        file: &NewAttachment,
        created_by_id: Option<i64>,
        now: i64,
    ) -> StoreResult<Upload>;

    async fn get_upload(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Upload>>;

    async fn count_uploads(&mut self, account_id: i64) -> StoreResult<i64>;

    /// Which of `keys` an upload or an attachment still names.
    async fn storage_keys_in_use(&mut self, keys: &[String]) -> StoreResult<Vec<String>>;
}
