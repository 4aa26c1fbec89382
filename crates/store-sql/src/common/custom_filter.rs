//! Saved custom filters of a user.

use super::*;

#[async_trait]
impl CustomFilterTx for SqlTx {
    async fn list_custom_filters(
        &mut self,
        account_id: i64,
        user_id: i64,
        filter_type: i16,
        limit: i64,
    ) -> StoreResult<Vec<CustomFilter>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            custom_filter_cols!(),
            " FROM custom_filters WHERE account_id = $1 AND user_id = $2 AND filter_type = $3 ORDER BY id LIMIT $4"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(filter_type)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn count_custom_filters(&mut self, account_id: i64, user_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM custom_filters WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n)
    }

    async fn get_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<Option<CustomFilter>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            custom_filter_cols!(),
            " FROM custom_filters WHERE account_id = $1 AND user_id = $2 AND id = $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn insert_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<CustomFilter> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO custom_filters (account_id, user_id, name, filter_type, query, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ",
            custom_filter_cols!()
        ))
        .bind(f.account_id)
        .bind(f.user_id)
        .bind(&f.name)
        .bind(f.filter_type)
        .bind(Json(&f.query))
        .bind(f.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn update_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<()> {
        sqlx::query(
            "UPDATE custom_filters SET name = $4, filter_type = $5, query = $6, updated_at = $7 \
             WHERE account_id = $1 AND user_id = $2 AND id = $3",
        )
        .bind(f.account_id)
        .bind(f.user_id)
        .bind(f.id)
        .bind(&f.name)
        .bind(f.filter_type)
        .bind(Json(&f.query))
        .bind(f.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM custom_filters WHERE account_id = $1 AND user_id = $2 AND id = $3")
            .bind(account_id)
            .bind(user_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() == 1)
    }
}
