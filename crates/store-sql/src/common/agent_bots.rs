//! An account's agent bots and the inboxes they answer.

use super::*;

#[async_trait]
impl AgentBotTx for SqlTx {
    async fn list_agent_bots(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<AgentBot>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            agent_bot_cols!(),
            " FROM agent_bots WHERE account_id = $1 ORDER BY id LIMIT $2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn count_agent_bots(&mut self, account_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM agent_bots WHERE account_id = $1")
            .bind(account_id)
            .fetch_one(&mut *self.tx)
            .await?;
        Ok(n)
    }

    async fn get_agent_bot(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AgentBot>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            agent_bot_cols!(),
            " FROM agent_bots WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn insert_agent_bot(&mut self, b: &AgentBot) -> StoreResult<AgentBot> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO agent_bots (account_id, name, description, outgoing_url, bot_type, bot_config, avatar_url, \
             secret, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ",
            agent_bot_cols!()
        ))
        .bind(b.account_id)
        .bind(&b.name)
        .bind(&b.description)
        .bind(&b.outgoing_url)
        .bind(&b.bot_type)
        .bind(Json(&b.bot_config))
        .bind(&b.avatar_url)
        .bind(&b.secret)
        .bind(b.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn update_agent_bot(&mut self, b: &AgentBot) -> StoreResult<()> {
        sqlx::query(
            "UPDATE agent_bots SET name = $3, description = $4, outgoing_url = $5, bot_type = $6, bot_config = $7, \
             avatar_url = $8, secret = $9, updated_at = $10 WHERE account_id = $1 AND id = $2",
        )
        .bind(b.account_id)
        .bind(b.id)
        .bind(&b.name)
        .bind(&b.description)
        .bind(&b.outgoing_url)
        .bind(&b.bot_type)
        .bind(Json(&b.bot_config))
        .bind(&b.avatar_url)
        .bind(&b.secret)
        .bind(b.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_agent_bot(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM agent_bots WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        // Its deliveries go with it (an id used again must not inherit
        // them), and the conversations given to it are no one's again (a
        // rare administrator's step: it reads the account's conversations).
        if r.rows_affected() > 0 {
            sqlx::query("DELETE FROM deliveries WHERE account_id = $1 AND agent_bot_id = $2")
                .bind(account_id)
                .bind(id)
                .execute(&mut *self.tx)
                .await?;
            sqlx::query(
                "UPDATE conversations SET assignee_agent_bot_id = NULL WHERE account_id = $1 AND assignee_agent_bot_id = $2",
            )
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(r.rows_affected() > 0)
    }

    async fn set_inbox_agent_bot(
        &mut self,
        account_id: i64,
        inbox_id: i64,
        bot: Option<i64>,
        now: i64,
    ) -> StoreResult<()> {
        let Some(bot) = bot else {
            sqlx::query("DELETE FROM agent_bot_inboxes WHERE account_id = $1 AND inbox_id = $2")
                .bind(account_id)
                .bind(inbox_id)
                .execute(&mut *self.tx)
                .await?;
            return Ok(());
        };
        // One statement: two administrators at once cannot collide.
        sqlx::query(
            "INSERT INTO agent_bot_inboxes (inbox_id, account_id, agent_bot_id, status, created_at) \
             VALUES ($1, $2, $3, 0, $4) \
             ON CONFLICT (inbox_id) DO UPDATE SET agent_bot_id = EXCLUDED.agent_bot_id, status = 0, \
             created_at = EXCLUDED.created_at",
        )
        .bind(inbox_id)
        .bind(account_id)
        .bind(bot)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn inbox_agent_bot(&mut self, inbox_id: i64) -> StoreResult<Option<AgentBot>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            agent_bot_cols!(),
            " FROM agent_bots WHERE id = (SELECT agent_bot_id FROM agent_bot_inboxes WHERE inbox_id = $1 AND status = 0)"
        ))
        .bind(inbox_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn agent_bot_inboxes(&mut self, agent_bot_id: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT inbox_id FROM agent_bot_inboxes WHERE agent_bot_id = $1 ORDER BY inbox_id")
                .bind(agent_bot_id)
                .fetch_all(&mut *self.tx)
                .await?;
        Ok(rows.into_iter().map(|(i,)| i).collect())
    }

    async fn delete_access_token(&mut self, owner_type: &str, owner_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM access_tokens WHERE owner_type = $1 AND owner_id = $2")
            .bind(owner_type)
            .bind(owner_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
