//! Canned responses.

use super::*;

#[async_trait]
impl CannedTx for SqlTx {
    async fn insert_canned(&mut self, c: &CannedResponse) -> StoreResult<CannedResponse> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO canned_responses (account_id, short_code, content, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING ",
            canned_cols!()
        ))
        .bind(c.account_id)
        .bind(&c.short_code)
        .bind(&c.content)
        .bind(c.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_canned(&mut self, account_id: i64, id: i64) -> StoreResult<Option<CannedResponse>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            canned_cols!(),
            " FROM canned_responses WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_canned(&mut self, account_id: i64, search: Option<&str>) -> StoreResult<Vec<CannedResponse>> {
        match search.filter(|s| !s.is_empty()) {
            None => Ok(sqlx::query_as(concat!(
                "SELECT ",
                canned_cols!(),
                " FROM canned_responses WHERE account_id = $1 ORDER BY short_code"
            ))
            .bind(account_id)
            .fetch_all(&mut *self.tx)
            .await?),
            Some(s) => {
                // Short-code prefix matches first, then content matches (Chatwoot's order).
                let prefix = format!(
                    "{}%",
                    like_pattern(&s.to_lowercase())
                        .trim_start_matches('%')
                        .trim_end_matches('%')
                );
                Ok(sqlx::query_as(concat!(
                    "SELECT ",
                    canned_cols!(),
                    " FROM canned_responses WHERE account_id = $1 AND (LOWER(short_code) LIKE $2 ESCAPE '\\' OR LOWER(content) LIKE $3 ESCAPE '\\') \
                     ORDER BY CASE WHEN LOWER(short_code) LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, short_code"
                ))
                .bind(account_id)
                .bind(prefix)
                .bind(like_pattern(&s.to_lowercase()))
                .fetch_all(&mut *self.tx)
                .await?)
            }
        }
    }

    async fn update_canned(&mut self, c: &CannedResponse) -> StoreResult<()> {
        sqlx::query(
            "UPDATE canned_responses SET short_code = $3, content = $4, updated_at = $5 WHERE account_id = $1 AND id = $2",
        )
        .bind(c.account_id)
        .bind(c.id)
        .bind(&c.short_code)
        .bind(&c.content)
        .bind(c.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_canned(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM canned_responses WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
