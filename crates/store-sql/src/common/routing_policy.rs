//! Chatwoot's v4 routing policies: assignment policies and their inboxes,
//! agent capacity policies with their per-inbox limits and agents.

use super::*;

macro_rules! assignment_policy_cols {
    () => {
        "id, account_id, name, description, assignment_order, conversation_priority, fair_distribution_limit, \
         fair_distribution_window, enabled, created_at, updated_at"
    };
}
macro_rules! inbox_policy_cols {
    () => {
        "id, account_id, inbox_id, assignment_policy_id, created_at, updated_at"
    };
}
macro_rules! capacity_policy_cols {
    () => {
        "id, account_id, name, description, exclusion_rules, created_at, updated_at"
    };
}
macro_rules! capacity_limit_cols {
    () => {
        "id, account_id, agent_capacity_policy_id, inbox_id, conversation_limit, created_at, updated_at"
    };
}

#[async_trait]
impl RoutingPolicyTx for SqlTx {
    async fn list_assignment_policies(&mut self, account_id: i64) -> StoreResult<Vec<AssignmentPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            assignment_policy_cols!(),
            " FROM assignment_policies WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_assignment_policy(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AssignmentPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            assignment_policy_cols!(),
            " FROM assignment_policies WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn save_assignment_policy(&mut self, p: &AssignmentPolicy) -> StoreResult<AssignmentPolicy> {
        if p.id == 0 {
            return Ok(sqlx::query_as(concat!(
                "INSERT INTO assignment_policies (account_id, name, description, assignment_order, conversation_priority, \
                 fair_distribution_limit, fair_distribution_window, enabled, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ",
                assignment_policy_cols!()
            ))
            .bind(p.account_id)
            .bind(&p.name)
            .bind(&p.description)
            .bind(p.assignment_order)
            .bind(p.conversation_priority)
            .bind(p.fair_distribution_limit)
            .bind(p.fair_distribution_window)
            .bind(p.enabled)
            .bind(p.updated_at)
            .fetch_one(&mut *self.tx)
            .await?);
        }
        sqlx::query_as(concat!(
            "UPDATE assignment_policies SET name = $3, description = $4, assignment_order = $5, \
             conversation_priority = $6, fair_distribution_limit = $7, fair_distribution_window = $8, enabled = $9, \
             updated_at = $10 WHERE account_id = $1 AND id = $2 RETURNING ",
            assignment_policy_cols!()
        ))
        .bind(p.account_id)
        .bind(p.id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.assignment_order)
        .bind(p.conversation_priority)
        .bind(p.fair_distribution_limit)
        .bind(p.fair_distribution_window)
        .bind(p.enabled)
        .bind(p.updated_at)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn delete_assignment_policy(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        sqlx::query("DELETE FROM inbox_assignment_policies WHERE account_id = $1 AND assignment_policy_id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let r = sqlx::query("DELETE FROM assignment_policies WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn inbox_assignment_policies(&mut self, account_id: i64) -> StoreResult<Vec<InboxAssignmentPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            inbox_policy_cols!(),
            " FROM inbox_assignment_policies WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn set_inbox_assignment_policy(
        &mut self,
        account_id: i64,
        inbox_id: i64,
        policy_id: i64,
        now: i64,
    ) -> StoreResult<InboxAssignmentPolicy> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO inbox_assignment_policies (account_id, inbox_id, assignment_policy_id, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $4) ON CONFLICT (inbox_id) DO UPDATE SET \
             assignment_policy_id = excluded.assignment_policy_id, created_at = excluded.created_at, \
             updated_at = excluded.updated_at RETURNING ",
            inbox_policy_cols!()
        ))
        .bind(account_id)
        .bind(inbox_id)
        .bind(policy_id)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn clear_inbox_assignment_policy(&mut self, account_id: i64, inbox_id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM inbox_assignment_policies WHERE account_id = $1 AND inbox_id = $2")
            .bind(account_id)
            .bind(inbox_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_capacity_policies(&mut self, account_id: i64) -> StoreResult<Vec<AgentCapacityPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            capacity_policy_cols!(),
            " FROM agent_capacity_policies WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_capacity_policy(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AgentCapacityPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            capacity_policy_cols!(),
            " FROM agent_capacity_policies WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn save_capacity_policy(&mut self, p: &AgentCapacityPolicy) -> StoreResult<AgentCapacityPolicy> {
        if p.id == 0 {
            return Ok(sqlx::query_as(concat!(
                "INSERT INTO agent_capacity_policies (account_id, name, description, exclusion_rules, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $5) RETURNING ",
                capacity_policy_cols!()
            ))
            .bind(p.account_id)
            .bind(&p.name)
            .bind(&p.description)
            .bind(Json(&p.exclusion_rules))
            .bind(p.updated_at)
            .fetch_one(&mut *self.tx)
            .await?);
        }
        sqlx::query_as(concat!(
            "UPDATE agent_capacity_policies SET name = $3, description = $4, exclusion_rules = $5, updated_at = $6 \
             WHERE account_id = $1 AND id = $2 RETURNING ",
            capacity_policy_cols!()
        ))
        .bind(p.account_id)
        .bind(p.id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(Json(&p.exclusion_rules))
        .bind(p.updated_at)
        .fetch_optional(&mut *self.tx)
        .await?
        .ok_or(StoreError::NotFound)
    }

    async fn delete_capacity_policy(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        sqlx::query(
            "UPDATE routing_agents SET agent_capacity_policy_id = NULL WHERE account_id = $1 AND agent_capacity_policy_id = $2",
        )
        .bind(account_id)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        sqlx::query("DELETE FROM inbox_capacity_limits WHERE account_id = $1 AND agent_capacity_policy_id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        let r = sqlx::query("DELETE FROM agent_capacity_policies WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn inbox_capacity_limits(&mut self, account_id: i64) -> StoreResult<Vec<InboxCapacityLimit>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            capacity_limit_cols!(),
            " FROM inbox_capacity_limits WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_inbox_capacity_limit(
        &mut self,
        account_id: i64,
        policy_id: i64,
        id: i64,
    ) -> StoreResult<Option<InboxCapacityLimit>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            capacity_limit_cols!(),
            " FROM inbox_capacity_limits WHERE account_id = $1 AND agent_capacity_policy_id = $2 AND id = $3"
        ))
        .bind(account_id)
        .bind(policy_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn save_inbox_capacity_limit(&mut self, l: &InboxCapacityLimit) -> StoreResult<InboxCapacityLimit> {
        if l.id == 0 {
            Ok(sqlx::query_as(concat!(
                "INSERT INTO inbox_capacity_limits (account_id, agent_capacity_policy_id, inbox_id, conversation_limit, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
                capacity_limit_cols!()
            ))
            .bind(l.account_id)
            .bind(l.agent_capacity_policy_id)
            .bind(l.inbox_id)
            .bind(l.conversation_limit)
            .bind(l.created_at)
            .bind(l.updated_at)
            .fetch_one(&mut *self.tx)
            .await?)
        } else {
            sqlx::query_as(concat!(
                "UPDATE inbox_capacity_limits SET conversation_limit = $3, updated_at = $4 \
                 WHERE account_id = $1 AND id = $2 RETURNING ",
                capacity_limit_cols!()
            ))
            .bind(l.account_id)
            .bind(l.id)
            .bind(l.conversation_limit)
            .bind(l.updated_at)
            .fetch_optional(&mut *self.tx)
            .await?
            .ok_or(StoreError::NotFound)
        }
    }

    async fn delete_inbox_capacity_limit(&mut self, account_id: i64, policy_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query(
            "DELETE FROM inbox_capacity_limits WHERE account_id = $1 AND agent_capacity_policy_id = $2 AND id = $3",
        )
        .bind(account_id)
        .bind(policy_id)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn set_agent_capacity_policy(
        &mut self,
        account_id: i64,
        user_id: i64,
        policy_id: Option<i64>,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO routing_agents (account_id, user_id, agent_capacity_policy_id) VALUES ($1, $2, $3) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET agent_capacity_policy_id = excluded.agent_capacity_policy_id",
        )
        .bind(account_id)
        .bind(user_id)
        .bind(policy_id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn agent_policy_load(
        &mut self,
        account_id: i64,
        user_id: i64,
        inbox_id: i64,
        created_since: Option<i64>,
        excluded_labels: &[String],
    ) -> StoreResult<i64> {
        // Reads only the agent's open conversations in the inbox (index
        // `conversations_assignee_open`).
        let mut qb = QueryBuilder::<DB>::new("SELECT COUNT(*) FROM conversations c WHERE c.account_id = ");
        qb.push_bind(account_id);
        qb.push(" AND c.assignee_id = ");
        qb.push_bind(user_id);
        qb.push(" AND c.status = 0 AND c.inbox_id = ");
        qb.push_bind(inbox_id);
        if let Some(since) = created_since {
            qb.push(" AND c.created_at >= ");
            qb.push_bind(since);
        }
        if !excluded_labels.is_empty() {
            qb.push(
                " AND NOT EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = c.id AND l.label IN (",
            );
            let mut sep = qb.separated(", ");
            for l in excluded_labels {
                sep.push_bind(l.clone());
            }
            qb.push("))");
        }
        let n: i64 = qb.build_query_scalar().fetch_one(&mut *self.tx).await?;
        Ok(n)
    }

    async fn capacity_policy_users(&mut self, account_id: i64, policy_id: i64) -> StoreResult<Vec<User>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id IN (SELECT r.user_id FROM routing_agents r JOIN account_users au \
             ON au.account_id = r.account_id AND au.user_id = r.user_id \
             WHERE r.account_id = $1 AND r.agent_capacity_policy_id = $2) ORDER BY id"
        ))
        .bind(account_id)
        .bind(policy_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }
}
