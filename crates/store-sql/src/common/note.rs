//! Notes on a contact.

use super::*;

#[async_trait]
impl NoteTx for SqlTx {
    async fn insert_contact_note(&mut self, n: &ContactNote) -> StoreResult<ContactNote> {
        Ok(sqlx::query_as(
            "INSERT INTO contact_notes (account_id, contact_id, user_id, content, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             RETURNING id, account_id, contact_id, user_id, content, created_at, updated_at",
        )
        .bind(n.account_id)
        .bind(n.contact_id)
        .bind(n.user_id)
        .bind(&n.content)
        .bind(n.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn list_contact_notes(
        &mut self,
        account_id: i64,
        contact_id: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<ContactNote>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, contact_id, user_id, content, created_at, updated_at FROM contact_notes \
             WHERE account_id = $1 AND contact_id = $2 ORDER BY id DESC LIMIT $3 OFFSET $4",
        )
        .bind(account_id)
        .bind(contact_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_contact_note(
        &mut self,
        account_id: i64,
        contact_id: i64,
        id: i64,
    ) -> StoreResult<Option<ContactNote>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, contact_id, user_id, content, created_at, updated_at FROM contact_notes \
             WHERE account_id = $1 AND contact_id = $2 AND id = $3",
        )
        .bind(account_id)
        .bind(contact_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn update_contact_note(&mut self, n: &ContactNote) -> StoreResult<()> {
        sqlx::query("UPDATE contact_notes SET content = $3, updated_at = $4 WHERE account_id = $1 AND id = $2")
            .bind(n.account_id)
            .bind(n.id)
            .bind(&n.content)
            .bind(n.updated_at)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn delete_contact_note(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM contact_notes WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
