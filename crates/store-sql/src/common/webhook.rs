//! Webhooks of an account.

use super::*;

#[async_trait]
impl WebhookTx for SqlTx {
    async fn insert_webhook(&mut self, w: &Webhook) -> StoreResult<Webhook> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO webhooks (account_id, inbox_id, name, url, webhook_type, subscriptions, secret, created_at, updated_at, timeout_secs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING ",
            webhook_cols!()
        ))
        .bind(w.account_id)
        .bind(w.inbox_id)
        .bind(&w.name)
        .bind(&w.url)
        .bind(w.webhook_type)
        .bind(Json(&w.subscriptions))
        .bind(&w.secret)
        .bind(w.created_at)
        .bind(w.timeout_secs)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Webhook>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            webhook_cols!(),
            " FROM webhooks WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_webhooks(&mut self, account_id: i64) -> StoreResult<Vec<Webhook>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            webhook_cols!(),
            " FROM webhooks WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn update_webhook(&mut self, w: &Webhook) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhooks SET inbox_id = $3, name = $4, url = $5, subscriptions = $6, secret = $7, updated_at = $8, \
             timeout_secs = $9 WHERE account_id = $1 AND id = $2",
        )
        .bind(w.account_id)
        .bind(w.id)
        .bind(w.inbox_id)
        .bind(&w.name)
        .bind(&w.url)
        .bind(Json(&w.subscriptions))
        .bind(&w.secret)
        .bind(w.updated_at)
        .bind(w.timeout_secs)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM webhooks WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }
}
