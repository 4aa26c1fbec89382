//! Webhook deliveries and their attempts.

use super::*;

#[async_trait]
impl DeliveryTx for SqlTx {
    async fn insert_deliveries(&mut self, ds: &[NewDelivery], now: i64) -> StoreResult<Vec<Delivery>> {
        if ds.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO deliveries (account_id, webhook_id, inbox_id, message_id, automation_rule_id, agent_bot_id, delivery_uuid, event, url, payload, created_at, updated_at) ",
        );
        qb.push_values(ds, |mut b, d| {
            b.push_bind(d.account_id)
                .push_bind(d.webhook_id)
                .push_bind(d.inbox_id)
                .push_bind(d.message_id)
                .push_bind(d.automation_rule_id)
                .push_bind(d.agent_bot_id)
                .push_bind(d.delivery_uuid.clone())
                .push_bind(d.event.clone())
                .push_bind(d.url.clone())
                .push_bind(d.payload.clone())
                .push_bind(now)
                .push_bind(now);
        });
        qb.push(concat!(" RETURNING ", delivery_cols!()));
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn insert_delivery(&mut self, d: &NewDelivery, now: i64) -> StoreResult<Delivery> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO deliveries (account_id, webhook_id, inbox_id, message_id, automation_rule_id, agent_bot_id, delivery_uuid, event, url, payload, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ",
            delivery_cols!()
        ))
        .bind(d.account_id)
        .bind(d.webhook_id)
        .bind(d.inbox_id)
        .bind(d.message_id)
        .bind(d.automation_rule_id)
        .bind(d.agent_bot_id)
        .bind(&d.delivery_uuid)
        .bind(&d.event)
        .bind(&d.url)
        .bind(&d.payload)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_delivery(&mut self, id: i64) -> StoreResult<Option<Delivery>> {
        Ok(
            sqlx::query_as(concat!("SELECT ", delivery_cols!(), " FROM deliveries WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn update_delivery(&mut self, d: &Delivery) -> StoreResult<()> {
        sqlx::query(
            "UPDATE deliveries SET state = $2, attempts = $3, last_status = $4, last_error = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(d.id)
        .bind(&d.state)
        .bind(d.attempts)
        .bind(d.last_status)
        .bind(&d.last_error)
        .bind(d.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn insert_delivery_attempt(&mut self, a: &DeliveryAttempt) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error, duration_ms, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.delivery_id)
        .bind(a.attempt)
        .bind(a.status_code)
        .bind(&a.error)
        .bind(a.duration_ms)
        .bind(a.created_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn list_deliveries(
        &mut self,
        account_id: i64,
        owner: DeliveryOwner,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        let (sql, id) = match owner {
            DeliveryOwner::Webhook(id) => (
                concat!(
                    "SELECT ",
                    delivery_cols!(),
                    " FROM deliveries WHERE account_id = $1 AND webhook_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4"
                ),
                id,
            ),
            DeliveryOwner::AutomationRule(id) => (
                concat!(
                    "SELECT ",
                    delivery_cols!(),
                    " FROM deliveries WHERE automation_rule_id = $2 AND account_id = $1 AND id < $3 ORDER BY id DESC LIMIT $4"
                ),
                id,
            ),
            DeliveryOwner::AgentBot(id) => (
                concat!(
                    "SELECT ",
                    delivery_cols!(),
                    " FROM deliveries WHERE agent_bot_id = $2 AND account_id = $1 AND id < $3 ORDER BY id DESC LIMIT $4"
                ),
                id,
            ),
        };
        Ok(sqlx::query_as(sql)
            .bind(account_id)
            .bind(id)
            .bind(before_id.unwrap_or(i64::MAX))
            .bind(limit)
            .fetch_all(&mut *self.tx)
            .await?)
    }

    async fn list_delivery_attempts(&mut self, delivery_ids: &[i64]) -> StoreResult<Vec<DeliveryAttempt>> {
        if delivery_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT id, delivery_id, attempt, status_code, error, duration_ms, created_at FROM delivery_attempts WHERE delivery_id IN ",
        );
        push_ids(&mut qb, delivery_ids);
        qb.push(" ORDER BY delivery_id, id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }
}
