//! An account's automation rules.

use super::*;

#[async_trait]
impl AutomationTx for SqlTx {
    async fn list_automation_rules(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<AutomationRule>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            automation_rule_cols!(),
            " FROM automation_rules WHERE account_id = $1 ORDER BY id LIMIT $2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn count_automation_rules(&mut self, account_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM automation_rules WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n)
    }

    async fn active_automation_rules(&mut self, account_id: i64, event_name: &str) -> StoreResult<Vec<AutomationRule>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            automation_rule_cols!(),
            " FROM automation_rules WHERE account_id = $1 AND event_name = $2 AND active ORDER BY id"
        ))
        .bind(account_id)
        .bind(event_name)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn active_rule_events(&mut self, account_id: i64) -> StoreResult<Vec<(String, bool)>> {
        Ok(sqlx::query_as(
            "SELECT DISTINCT event_name, react_to_automation FROM automation_rules WHERE account_id = $1 AND active",
        )
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn get_automation_rule(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AutomationRule>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            automation_rule_cols!(),
            " FROM automation_rules WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn lock_automation_rule(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AutomationRule>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            automation_rule_cols!(),
            " FROM automation_rules WHERE account_id = $1 AND id = $2",
            for_update!()
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn insert_automation_rule(&mut self, r: &AutomationRule) -> StoreResult<AutomationRule> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO automation_rules \
             (account_id, name, description, event_name, conditions, actions, active, created_at, updated_at, \
              secret, react_to_automation) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10) RETURNING ",
            automation_rule_cols!()
        ))
        .bind(r.account_id)
        .bind(&r.name)
        .bind(&r.description)
        .bind(&r.event_name)
        .bind(Json(&r.conditions))
        .bind(Json(&r.actions))
        .bind(r.active)
        .bind(r.created_at)
        .bind(&r.secret)
        .bind(r.react_to_automation)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn update_automation_rule(&mut self, r: &AutomationRule) -> StoreResult<()> {
        sqlx::query(
            "UPDATE automation_rules SET name = $3, description = $4, event_name = $5, conditions = $6, \
             actions = $7, active = $8, updated_at = $9, react_to_automation = $10, failures = $11, \
             last_failure = $12, disabled_reason = $13 WHERE account_id = $1 AND id = $2",
        )
        .bind(r.account_id)
        .bind(r.id)
        .bind(&r.name)
        .bind(&r.description)
        .bind(&r.event_name)
        .bind(Json(&r.conditions))
        .bind(Json(&r.actions))
        .bind(r.active)
        .bind(r.updated_at)
        .bind(r.react_to_automation)
        .bind(r.failures)
        .bind(&r.last_failure)
        .bind(&r.disabled_reason)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_automation_rule(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM automation_rules WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        // Its deliveries go with it: an id used again (SQLite) must not
        // inherit them, and their jobs then find nothing to send.
        if r.rows_affected() > 0 {
            sqlx::query("DELETE FROM deliveries WHERE account_id = $1 AND automation_rule_id = $2")
                .bind(account_id)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(r.rows_affected() > 0)
    }

    async fn rule_failed(
        &mut self,
        account_id: i64,
        id: i64,
        failure: &str,
        limit: i32,
        reason: &str,
        now: i64,
    ) -> StoreResult<bool> {
        // Column references on the right read the row as it was.
        let row: Option<(bool,)> = sqlx::query_as(
            "UPDATE automation_rules SET failures = failures + 1, last_failure = $3, \
             active = CASE WHEN failures + 1 >= $4 THEN FALSE ELSE active END, \
             disabled_reason = CASE WHEN failures + 1 >= $4 THEN $5 ELSE disabled_reason END, \
             updated_at = $6 \
             WHERE account_id = $1 AND id = $2 AND active RETURNING active",
        )
        .bind(account_id)
        .bind(id)
        .bind(failure)
        .bind(limit)
        .bind(reason)
        .bind(now)
        .fetch_optional(&mut *self.tx)
        .await?;
        Ok(row.is_some_and(|(active,)| !active))
    }

    async fn rule_succeeded(&mut self, account_id: i64, id: i64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE automation_rules SET failures = 0, last_failure = NULL \
             WHERE account_id = $1 AND id = $2 AND failures > 0",
        )
        .bind(account_id)
        .bind(id)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
