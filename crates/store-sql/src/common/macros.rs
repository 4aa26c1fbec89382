//! An account's macros.

use super::*;

#[async_trait]
impl MacroTx for SqlTx {
    async fn list_macros(&mut self, account_id: i64, user_id: i64, limit: i64) -> StoreResult<Vec<Macro>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            macro_cols!(),
            " FROM macros WHERE account_id = $1 \
             AND (visibility = 'global' OR (visibility = 'personal' AND created_by_id = $2)) \
             ORDER BY id LIMIT $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn count_macros(&mut self, account_id: i64, user_id: i64) -> StoreResult<(i64, i64)> {
        let (own, global): (i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM macros WHERE account_id = $1 AND visibility = 'personal' AND created_by_id = $2), \
             (SELECT COUNT(*) FROM macros WHERE account_id = $1 AND visibility = 'global')",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((own, global))
    }

    async fn get_macro(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Macro>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            macro_cols!(),
            " FROM macros WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn insert_macro(&mut self, m: &Macro) -> StoreResult<Macro> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO macros \
             (account_id, name, visibility, created_by_id, updated_by_id, actions, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING ",
            macro_cols!()
        ))
        .bind(m.account_id)
        .bind(&m.name)
        .bind(&m.visibility)
        .bind(m.created_by_id)
        .bind(m.updated_by_id)
        .bind(Json(&m.actions))
        .bind(m.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn update_macro(&mut self, m: &Macro) -> StoreResult<()> {
        sqlx::query(
            "UPDATE macros SET name = $3, visibility = $4, updated_by_id = $5, actions = $6, updated_at = $7 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(m.account_id)
        .bind(m.id)
        .bind(&m.name)
        .bind(&m.visibility)
        .bind(m.updated_by_id)
        .bind(Json(&m.actions))
        .bind(m.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_macro(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM macros WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
