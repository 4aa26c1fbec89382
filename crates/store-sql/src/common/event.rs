//! The outbox of events, and pruning of old events and deliveries.

use super::*;

#[async_trait]
impl EventTx for SqlTx {
    async fn insert_events(&mut self, events: &[switchboard_domain::Event], now: i64) -> StoreResult<Vec<i64>> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO events (account_id, name, inbox_id, conversation_id, contact_id, private, data, \
             cause_kind, cause_id, cause_depth, webhook_name, webhook_inbox_id, webhook_payload, created_at) ",
        );
        qb.push_values(events, |mut b, e| {
            let cause = e.cause.unwrap_or(switchboard_domain::event::Cause::SYSTEM);
            let hook = e.webhook.as_deref();
            b.push_bind(e.account_id)
                .push_bind(e.kind.cable_name())
                .push_bind(e.inbox_id)
                .push_bind(e.conversation_id)
                .push_bind(e.contact_id)
                .push_bind(e.private)
                .push_bind(Json(e.data.clone()))
                .push_bind(cause.kind.as_str())
                .push_bind(cause.id)
                .push_bind(i32::from(cause.depth))
                .push_bind(hook.map(|h| h.name.clone()))
                .push_bind(hook.and_then(|h| h.inbox_id))
                .push_bind(hook.map(|h| h.body.clone()))
                .push_bind(now);
        });
        qb.push(" RETURNING id");
        let mut ids: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *self.tx).await?;
        // One statement takes its ids in the order of its rows; the order
        // the rows come back in is not promised.
        ids.sort_unstable();
        Ok(ids)
    }

    async fn get_event(&mut self, id: i64) -> StoreResult<Option<StoredEvent>> {
        Ok(sqlx::query_as(
            "SELECT id, account_id, name, inbox_id, conversation_id, contact_id, private, data, cause_kind, \
             cause_id, cause_depth, webhook_name, webhook_inbox_id, webhook_payload, created_at FROM events WHERE id = $1",
        )
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn mark_listened(&mut self, listener: &str, event_id: i64, now: i64) -> StoreResult<bool> {
        let done = sqlx::query(
            "INSERT INTO listened (listener, event_id, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (listener, event_id) DO NOTHING",
        )
        .bind(listener)
        .bind(event_id)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    async fn insert_event(&mut self, e: &switchboard_domain::Event, now: i64) -> StoreResult<i64> {
        Ok(sqlx::query_scalar(
            "INSERT INTO events (account_id, name, inbox_id, conversation_id, contact_id, private, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.account_id)
        .bind(e.kind.cable_name())
        .bind(e.inbox_id)
        .bind(e.conversation_id)
        .bind(e.contact_id)
        .bind(e.private)
        .bind(Json(&e.data))
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn prune(&mut self, events_before: i64, deliveries_before: i64, limit: i64) -> StoreResult<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 ORDER BY id LIMIT $2)",
            "DELETE FROM listened WHERE id IN (SELECT id FROM listened WHERE created_at < $1 ORDER BY id LIMIT $2)",
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < $1 AND state <> 'pending' ORDER BY id LIMIT $2)",
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 3 AND updated_at < $1 ORDER BY id LIMIT $2)",
        ] {
            let cut = if sql.contains("FROM events") || sql.contains("FROM listened") {
                events_before
            } else {
                deliveries_before
            };
            n += sqlx::query(sql)
                .bind(cut)
                .bind(limit)
                .execute(&mut *self.tx)
                .await?
                .rows_affected();
        }
        Ok(n)
    }
}
