//! SLA policies, applied SLAs and their misses.

use super::*;

macro_rules! sla_policy_cols {
    () => {
        "id, account_id, name, description, first_response_time_threshold, next_response_time_threshold, \
         resolution_time_threshold, only_during_business_hours, created_at, updated_at"
    };
}
macro_rules! applied_sla_cols {
    () => {
        "a.id, a.account_id, a.conversation_id, a.sla_policy_id, a.inbox_id, a.sla_status, a.cycle_started_at, \
         a.frt_due_at, a.nrt_due_at, a.rt_due_at, a.completed_at, a.created_at, a.updated_at"
    };
}
macro_rules! applied_sla_plain_cols {
    () => {
        "id, account_id, conversation_id, sla_policy_id, inbox_id, sla_status, cycle_started_at, \
         frt_due_at, nrt_due_at, rt_due_at, completed_at, created_at, updated_at"
    };
}
macro_rules! sla_event_cols {
    () => {
        "id, account_id, applied_sla_id, conversation_id, inbox_id, sla_policy_id, event_type, due_at, meta, \
         created_at, updated_at"
    };
}

/// The conditions of a list of applied SLAs (`a` the applied row, `c` its
/// conversation).
fn push_filter(qb: &mut QueryBuilder<DB>, account_id: i64, f: &AppliedSlaFilter) {
    qb.push(" WHERE a.account_id = ");
    qb.push_bind(account_id);
    if let Some(since) = f.since {
        qb.push(" AND a.created_at >= ");
        qb.push_bind(since);
    }
    if let Some(until) = f.until {
        qb.push(" AND a.created_at <= ");
        qb.push_bind(until);
    }
    if let Some(inbox) = f.inbox_id {
        qb.push(" AND a.inbox_id = ");
        qb.push_bind(inbox);
    }
    if let Some(policy) = f.sla_policy_id {
        qb.push(" AND a.sla_policy_id = ");
        qb.push_bind(policy);
    }
    if let Some(team) = f.team_id {
        qb.push(" AND c.team_id = ");
        qb.push_bind(team);
    }
    if let Some(agent) = f.assigned_agent_id {
        qb.push(" AND c.assignee_id = ");
        qb.push_bind(agent);
    }
    if let Some(label) = &f.label {
        qb.push(" AND EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = a.conversation_id AND l.label = ");
        qb.push_bind(label.clone());
        qb.push(")");
    }
    if !f.statuses.is_empty() {
        qb.push(" AND a.sla_status IN (");
        let mut sep = qb.separated(", ");
        for s in &f.statuses {
            sep.push_bind(*s);
        }
        sep.push_unseparated(")");
    }
}

#[async_trait]
impl SlaTx for SqlTx {
    async fn list_sla_policies(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<SlaPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            sla_policy_cols!(),
            " FROM sla_policies WHERE account_id = $1 ORDER BY id LIMIT $2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn count_sla_policies(&mut self, account_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sla_policies WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n)
    }

    async fn get_sla_policy(&mut self, account_id: i64, id: i64) -> StoreResult<Option<SlaPolicy>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            sla_policy_cols!(),
            " FROM sla_policies WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn insert_sla_policy(&mut self, p: &SlaPolicy) -> StoreResult<SlaPolicy> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO sla_policies (account_id, name, description, first_response_time_threshold, \
             next_response_time_threshold, resolution_time_threshold, only_during_business_hours, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING ",
            sla_policy_cols!()
        ))
        .bind(p.account_id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.first_response_time_threshold)
        .bind(p.next_response_time_threshold)
        .bind(p.resolution_time_threshold)
        .bind(p.only_during_business_hours)
        .bind(p.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn update_sla_policy(&mut self, p: &SlaPolicy) -> StoreResult<()> {
        sqlx::query(
            "UPDATE sla_policies SET name = $3, description = $4, first_response_time_threshold = $5, \
             next_response_time_threshold = $6, resolution_time_threshold = $7, only_during_business_hours = $8, \
             updated_at = $9 WHERE account_id = $1 AND id = $2",
        )
        .bind(p.account_id)
        .bind(p.id)
        .bind(&p.name)
        .bind(&p.description)
        .bind(p.first_response_time_threshold)
        .bind(p.next_response_time_threshold)
        .bind(p.resolution_time_threshold)
        .bind(p.only_during_business_hours)
        .bind(p.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_sla_policy(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        sqlx::query("UPDATE conversations SET sla_policy_id = NULL WHERE id IN (SELECT conversation_id FROM applied_slas WHERE sla_policy_id = $1) AND account_id = $2")
            .bind(id)
            .bind(account_id)
            .execute(&mut *self.tx)
            .await?;
        let r = sqlx::query("DELETE FROM sla_policies WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn set_conversation_sla(&mut self, conversation_id: i64, sla_policy_id: Option<i64>) -> StoreResult<()> {
        sqlx::query("UPDATE conversations SET sla_policy_id = $2 WHERE id = $1")
            .bind(conversation_id)
            .bind(sla_policy_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn get_applied_sla(&mut self, conversation_id: i64) -> StoreResult<Option<AppliedSla>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            applied_sla_cols!(),
            " FROM applied_slas a WHERE a.conversation_id = $1"
        ))
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn applied_slas_of(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<AppliedSla>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            applied_sla_cols!(),
            " FROM applied_slas a WHERE a.conversation_id IN "
        ));
        push_ids(&mut qb, conversation_ids);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn put_applied_sla(&mut self, a: &AppliedSla) -> StoreResult<AppliedSla> {
        sqlx::query("DELETE FROM applied_slas WHERE conversation_id = $1")
            .bind(a.conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(sqlx::query_as(concat!(
            "INSERT INTO applied_slas (account_id, conversation_id, sla_policy_id, inbox_id, sla_status, \
             cycle_started_at, frt_due_at, nrt_due_at, rt_due_at, completed_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING ",
            applied_sla_plain_cols!()
        ))
        .bind(a.account_id)
        .bind(a.conversation_id)
        .bind(a.sla_policy_id)
        .bind(a.inbox_id)
        .bind(a.sla_status)
        .bind(a.cycle_started_at)
        .bind(a.frt_due_at)
        .bind(a.nrt_due_at)
        .bind(a.rt_due_at)
        .bind(a.completed_at)
        .bind(a.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn save_applied_sla(&mut self, a: &AppliedSla) -> StoreResult<()> {
        sqlx::query(
            "UPDATE applied_slas SET sla_policy_id = $2, sla_status = $3, cycle_started_at = $4, frt_due_at = $5, \
             nrt_due_at = $6, rt_due_at = $7, completed_at = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(a.id)
        .bind(a.sla_policy_id)
        .bind(a.sla_status)
        .bind(a.cycle_started_at)
        .bind(a.frt_due_at)
        .bind(a.nrt_due_at)
        .bind(a.rt_due_at)
        .bind(a.completed_at)
        .bind(a.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_applied_sla(&mut self, conversation_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM applied_slas WHERE conversation_id = $1")
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn insert_sla_event(&mut self, e: &SlaEvent) -> StoreResult<Option<SlaEvent>> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO sla_events (account_id, applied_sla_id, conversation_id, inbox_id, sla_policy_id, event_type, \
             due_at, meta, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
             ON CONFLICT (applied_sla_id, event_type, due_at) DO NOTHING RETURNING ",
            sla_event_cols!()
        ))
        .bind(e.account_id)
        .bind(e.applied_sla_id)
        .bind(e.conversation_id)
        .bind(e.inbox_id)
        .bind(e.sla_policy_id)
        .bind(e.event_type)
        .bind(e.due_at)
        .bind(Json(&e.meta))
        .bind(e.created_at)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn sla_events_of(&mut self, applied_ids: &[i64]) -> StoreResult<Vec<SlaEvent>> {
        if applied_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            sla_event_cols!(),
            " FROM sla_events WHERE applied_sla_id IN "
        ));
        push_ids(&mut qb, applied_ids);
        qb.push(" ORDER BY id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn list_applied_slas(
        &mut self,
        account_id: i64,
        filter: &AppliedSlaFilter,
        offset: i64,
        limit: i64,
    ) -> StoreResult<Vec<AppliedSla>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            applied_sla_cols!(),
            " FROM applied_slas a JOIN conversations c ON c.id = a.conversation_id"
        ));
        push_filter(&mut qb, account_id, filter);
        qb.push(" ORDER BY a.created_at DESC, a.id DESC LIMIT ");
        qb.push_bind(limit);
        qb.push(" OFFSET ");
        qb.push_bind(offset);
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }

    async fn count_applied_slas(&mut self, account_id: i64, filter: &AppliedSlaFilter) -> StoreResult<i64> {
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT COUNT(*) FROM applied_slas a JOIN conversations c ON c.id = a.conversation_id",
        );
        push_filter(&mut qb, account_id, filter);
        let (n,): (i64,) = qb.build_query_as().fetch_one(&mut *self.tx).await?;
        Ok(n)
    }
}
