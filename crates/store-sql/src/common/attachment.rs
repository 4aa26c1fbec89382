//! Attachments of messages.

use super::*;

#[async_trait]
impl AttachmentTx for SqlTx {
    async fn insert_attachments(
        &mut self,
        account_id: i64,
        message_id: i64,
        files: &[NewAttachment],
        now: i64,
    ) -> StoreResult<Vec<Attachment>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO attachments (account_id, message_id, file_type, content_type, extension, file_name, file_size, width, height, storage_key, created_at) ",
        );
        qb.push_values(files, |mut b, f| {
            b.push_bind(account_id)
                .push_bind(message_id)
                .push_bind(f.file_type)
                .push_bind(f.content_type.clone())
                .push_bind(f.extension.clone())
                .push_bind(f.file_name.clone())
                .push_bind(f.file_size)
                .push_bind(f.width)
                .push_bind(f.height)
                .push_bind(f.storage_key.clone())
                .push_bind(now);
        });
        qb.push(concat!(" RETURNING ", attachment_cols!()));
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn attachments_for(&mut self, message_ids: &[i64]) -> StoreResult<Vec<Attachment>> {
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE message_id IN "
        ));
        push_ids(&mut qb, message_ids);
        qb.push(" ORDER BY id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn get_attachment(&mut self, id: i64) -> StoreResult<Option<Attachment>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn delete_attachments(&mut self, message_id: i64) -> StoreResult<Vec<String>> {
        Ok(
            sqlx::query_scalar("DELETE FROM attachments WHERE message_id = $1 RETURNING storage_key")
                .bind(message_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }
}
