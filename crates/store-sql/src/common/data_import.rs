//! Contacts CSV import and export.

use super::*;

#[async_trait]
impl ImportTx for SqlTx {
    async fn insert_data_import(&mut self, d: &DataImport, file: &[u8]) -> StoreResult<DataImport> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO data_imports (account_id, user_id, data_type, status, file_name, file, total_records, \
             cursor_byte, cursor_line, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
             RETURNING ",
            data_import_cols!()
        ))
        .bind(d.account_id)
        .bind(d.user_id)
        .bind(&d.data_type)
        .bind(d.status)
        .bind(&d.file_name)
        .bind(file)
        .bind(d.total_records)
        .bind(d.cursor_byte)
        .bind(d.cursor_line)
        .bind(d.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            data_import_cols!(),
            " FROM data_imports WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn lock_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            data_import_cols!(),
            " FROM data_imports WHERE account_id = $1 AND id = $2",
            for_update!()
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_data_imports(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<DataImport>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            data_import_cols!(),
            " FROM data_imports WHERE account_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn data_import_file(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT file FROM data_imports WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(row.and_then(|(f,)| f))
    }

    async fn update_data_import(&mut self, d: &DataImport) -> StoreResult<()> {
        sqlx::query(
            "UPDATE data_imports SET status = $3, processed_records = $4, created_records = $5, \
             updated_records = $6, failed_records = $7, failed_rows = $8, cursor_byte = $9, cursor_line = $10, \
             error = $11, updated_at = $12, total_records = $13, \
             file = CASE WHEN $3 >= 2 THEN NULL ELSE file END \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(d.account_id)
        .bind(d.id)
        .bind(d.status)
        .bind(d.processed_records)
        .bind(d.created_records)
        .bind(d.updated_records)
        .bind(d.failed_records)
        .bind(&d.failed_rows)
        .bind(d.cursor_byte)
        .bind(d.cursor_line)
        .bind(&d.error)
        .bind(d.updated_at)
        .bind(d.total_records)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn export_contacts_page(
        &mut self,
        account_id: i64,
        label: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Contact>> {
        Ok(match label {
            None => sqlx::query_as(concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(account_id)
            .bind(after_id)
            .bind(limit),
            Some(l) => sqlx::query_as(concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND id > $2 AND id IN (SELECT contact_id FROM contact_labels \
                 WHERE account_id = $1 AND label = $4 AND contact_id > $2) ORDER BY id LIMIT $3"
            ))
            .bind(account_id)
            .bind(after_id)
            .bind(limit)
            .bind(l),
        }
        .fetch_all(&mut *self.tx)
        .await?)
    }
}
