//! Files uploaded for automation rules and macros (Chatwoot's `/upload`
//! blobs): kept per account, named by id in a `send_attachment` action,
//! and sent by sharing the stored file with each message that sends one.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_store::NewAttachment;

use crate::auth::AccountCtx;
use crate::{Core, CoreError, CoreResult};

/// The most files an account keeps for its rules and macros.
pub const MAX_UPLOADS: i64 = 1_000;

impl Core {
    /// `POST /upload` (and the older `attach_file` of rules and macros):
    /// one stored file kept for rules and macros. Members may upload
    /// (macros are personal); the file is discarded when it is refused.
    pub async fn keep_upload(self: &Arc<Self>, ctx: &AccountCtx, files: Vec<NewAttachment>) -> CoreResult<Value> {
        let result = async {
            let [file] = files.as_slice() else {
                return Err(CoreError::invalid("attachment", "Send one file (the attachment field)"));
            };
            let mut tx = self.store.write().await?;
            if tx.count_uploads(ctx.account_id()).await? >= MAX_UPLOADS {
                return Err(CoreError::invalid("attachment", format!("At most {MAX_UPLOADS} files")));
            }
            let now = switchboard_domain::time::now_micros();
            let u = tx.insert_upload(ctx.account_id(), file, Some(ctx.user.id), now).await?;
            tx.commit().await?;
            Ok(json!({
                "blob_id": u.id,
                "blob_key": u.storage_key,
                "file_name": u.file_name,
                "content_type": u.content_type,
                "file_size": u.file_size,
            }))
        }
        .await;
        if result.is_err() {
            self.discard(&files).await;
        }
        result
    }
}
