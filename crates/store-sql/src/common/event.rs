//! The outbox of events, and pruning of old events and deliveries.

use super::*;

#[async_trait]
impl EventTx for SqlTx {
    async fn insert_events(&mut self, events: &[switchboard_domain::Event], now: i64) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO events (account_id, name, inbox_id, conversation_id, contact_id, private, data, created_at) ",
        );
        qb.push_values(events, |mut b, e| {
            b.push_bind(e.account_id)
                .push_bind(e.kind.cable_name())
                .push_bind(e.inbox_id)
                .push_bind(e.conversation_id)
                .push_bind(e.contact_id)
                .push_bind(e.private)
                .push_bind(Json(e.data.clone()))
                .push_bind(now);
        });
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
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
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < $1 AND state <> 'pending' ORDER BY id LIMIT $2)",
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 3 AND updated_at < $1 ORDER BY id LIMIT $2)",
        ] {
            let cut = if sql.contains("FROM events") {
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
