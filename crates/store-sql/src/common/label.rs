//! The labels of an account.

use super::*;

#[async_trait]
impl LabelTx for SqlTx {
    async fn insert_label(&mut self, l: &Label) -> StoreResult<Label> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO labels (account_id, title, description, color, show_on_sidebar, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            label_cols!()
        ))
        .bind(l.account_id)
        .bind(&l.title)
        .bind(&l.description)
        .bind(&l.color)
        .bind(l.show_on_sidebar)
        .bind(l.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_label(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Label>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            label_cols!(),
            " FROM labels WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_labels(&mut self, account_id: i64) -> StoreResult<Vec<Label>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            label_cols!(),
            " FROM labels WHERE account_id = $1 ORDER BY title"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn update_label(&mut self, l: &Label) -> StoreResult<()> {
        sqlx::query(
            "UPDATE labels SET title = $3, description = $4, color = $5, show_on_sidebar = $6 WHERE account_id = $1 AND id = $2",
        )
        .bind(l.account_id)
        .bind(l.id)
        .bind(&l.title)
        .bind(&l.description)
        .bind(&l.color)
        .bind(l.show_on_sidebar)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_label(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM labels WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
