//! Routing: the waiting queue, agents' loads and routing state, and the
//! decision log.

use super::*;

macro_rules! routing_agent_cols {
    () => {
        "account_id, user_id, last_routed_at, capacity, agent_capacity_policy_id"
    };
}
macro_rules! decision_cols {
    () => {
        "id, account_id, conversation_id, outcome, assignee_id, detail, digest, created_at"
    };
}

#[async_trait]
impl RoutingTx for SqlTx {
    async fn routing_queue(
        &mut self,
        account_id: i64,
        inbox_ids: &[i64],
        limit: i64,
    ) -> StoreResult<Vec<Conversation>> {
        if inbox_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Served by the partial index `conversations_queue`: only waiting
        // conversations are read, however long the history.
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND status = 0 AND assignee_id IS NULL AND inbox_id IN ");
        push_ids(&mut qb, inbox_ids);
        qb.push(" ORDER BY COALESCE(priority, -1) DESC, COALESCE(waiting_since, created_at), id LIMIT ");
        qb.push_bind(limit);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn accounts_with_waiting_conversations(&mut self) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar(
                "SELECT DISTINCT account_id FROM conversations WHERE status = 0 AND assignee_id IS NULL",
            )
            .fetch_all(&mut *self.tx)
            .await?,
        )
    }

    async fn accounts_with_requeue(&mut self) -> StoreResult<Vec<i64>> {
        Ok(sqlx::query_scalar(
            "SELECT DISTINCT account_id FROM inboxes WHERE CAST(settings AS TEXT) LIKE '%requeue_after_minutes%'",
        )
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn unanswered_assigned(
        &mut self,
        account_id: i64,
        inbox_ids: &[i64],
        waiting_before: i64,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>> {
        if inbox_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND status = 0 AND assignee_id IS NOT NULL AND waiting_since < ");
        qb.push_bind(waiting_before);
        // The assignee's own time counts from when they got it.
        qb.push(" AND (assigned_at IS NULL OR assigned_at < ");
        qb.push_bind(waiting_before);
        qb.push(")");
        qb.push(" AND inbox_id IN ");
        push_ids(&mut qb, inbox_ids);
        qb.push(" ORDER BY waiting_since, id LIMIT ");
        qb.push_bind(limit);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn open_loads(&mut self, account_id: i64) -> StoreResult<Vec<(i64, i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT assignee_id, inbox_id, COUNT(*) FROM conversations \
             WHERE account_id = $1 AND status = 0 AND assignee_id IS NOT NULL GROUP BY assignee_id, inbox_id",
        )
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn agent_open_count(&mut self, account_id: i64, user_id: i64, inbox_id: i64) -> StoreResult<(i64, i64)> {
        let (all, here): (i64, Option<i64>) = sqlx::query_as(
            "SELECT COUNT(*), SUM(CASE WHEN inbox_id = $3 THEN 1 ELSE 0 END) FROM conversations \
             WHERE account_id = $1 AND assignee_id = $2 AND status = 0",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(inbox_id)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok((all, here.unwrap_or(0)))
    }

    async fn routing_agents(&mut self, account_id: i64) -> StoreResult<Vec<RoutingAgent>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            routing_agent_cols!(),
            " FROM routing_agents WHERE account_id = $1"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn lock_routing_agent(&mut self, account_id: i64, user_id: i64) -> StoreResult<RoutingAgent> {
        // An upsert that writes the row locks it (PostgreSQL) until the
        // transaction ends; SQLite has one writer anyway.
        Ok(sqlx::query_as(concat!(
            "INSERT INTO routing_agents (account_id, user_id) VALUES ($1, $2) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET last_routed_at = routing_agents.last_routed_at \
             RETURNING ",
            routing_agent_cols!()
        ))
        .bind(account_id)
        .bind(user_id)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn set_routed_at(&mut self, account_id: i64, user_id: i64, at: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO routing_agents (account_id, user_id, last_routed_at) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET last_routed_at = excluded.last_routed_at",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn set_agent_capacity(&mut self, account_id: i64, user_id: i64, capacity: Option<i32>) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO routing_agents (account_id, user_id, capacity) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET capacity = excluded.capacity",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(capacity)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn routed_since(&mut self, account_id: i64, since: i64) -> StoreResult<Vec<(i64, i64)>> {
        Ok(sqlx::query_as(
            "SELECT assignee_id, COUNT(*) FROM routing_decisions \
             WHERE account_id = $1 AND created_at >= $2 AND outcome = 'assigned' AND assignee_id IS NOT NULL \
             GROUP BY assignee_id",
        )
        .bind(account_id)
        .bind(since)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn insert_routing_decision(&mut self, d: &NewRoutingDecision, now: i64) -> StoreResult<i64> {
        let (id,): (i64,) = sqlx::query_as(
            "INSERT INTO routing_decisions (account_id, conversation_id, outcome, assignee_id, detail, digest, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
        )
        .bind(d.account_id)
        .bind(d.conversation_id)
        .bind(&d.outcome)
        .bind(d.assignee_id)
        .bind(Json(&d.detail))
        .bind(&d.digest)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(id)
    }

    async fn routing_decisions(&mut self, conversation_id: i64, limit: i64) -> StoreResult<Vec<RoutingDecision>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            decision_cols!(),
            " FROM routing_decisions WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(conversation_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn last_routing_digests(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT conversation_id, digest FROM routing_decisions WHERE id IN \
             (SELECT MAX(id) FROM routing_decisions WHERE conversation_id IN ",
        );
        push_ids(&mut qb, conversation_ids);
        qb.push(" GROUP BY conversation_id)");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn prune_routing_decisions(&mut self, before: i64, limit: i64) -> StoreResult<u64> {
        Ok(sqlx::query(
            "DELETE FROM routing_decisions WHERE id IN \
             (SELECT id FROM routing_decisions WHERE created_at < $1 ORDER BY created_at LIMIT $2)",
        )
        .bind(before)
        .bind(limit)
        .execute(&mut *self.tx)
        .await?
        .rows_affected())
    }
}
