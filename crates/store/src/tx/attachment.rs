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
}
