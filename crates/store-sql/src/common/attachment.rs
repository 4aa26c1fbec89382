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

    async fn insert_upload(
        &mut self,
        account_id: i64,
        f: &NewAttachment,
        created_by_id: Option<i64>,
        now: i64,
    ) -> StoreResult<Upload> {
        Ok(sqlx::query_as(
            "INSERT INTO uploads (account_id, file_type, content_type, extension, file_name, file_size, width, height, \
             storage_key, created_by_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING \
             id, account_id, file_type, content_type, extension, file_name, file_size, width, height, storage_key, \
             created_by_id, created_at",
        )
        .bind(account_id)
        .bind(f.file_type)
        .bind(&f.content_type)
        .bind(&f.extension)
        .bind(&f.file_name)
        .bind(f.file_size)
        .bind(f.width)
        .bind(f.height)
        .bind(&f.storage_key)
        .bind(created_by_id)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_upload(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Upload>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, file_type, content_type, extension, file_name, file_size, width, height, storage_key, \
             created_by_id, created_at FROM uploads WHERE account_id = $1 AND id = $2",
        )
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn count_uploads(&mut self, account_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM uploads WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n)
    }

    async fn storage_keys_in_use(&mut self, keys: &[String]) -> StoreResult<Vec<String>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("SELECT storage_key FROM uploads WHERE storage_key IN (");
        let mut sep = qb.separated(", ");
        for k in keys {
            sep.push_bind(k.clone());
        }
        sep.push_unseparated(") UNION SELECT storage_key FROM attachments WHERE storage_key IN (");
        let mut sep = qb.separated(", ");
        for k in keys {
            sep.push_bind(k.clone());
        }
        sep.push_unseparated(")");
        Ok(qb.build_query_scalar().fetch_all(&mut *self.tx).await?)
    }
}
