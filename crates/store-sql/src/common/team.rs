//! Teams and their members.

use super::*;

#[async_trait]
impl TeamTx for SqlTx {
    async fn insert_team(&mut self, t: &Team) -> StoreResult<Team> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO teams (account_id, name, description, allow_auto_assign, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ",
            team_cols!()
        ))
        .bind(t.account_id)
        .bind(&t.name)
        .bind(&t.description)
        .bind(t.allow_auto_assign)
        .bind(t.created_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_team(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Team>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            team_cols!(),
            " FROM teams WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_teams(&mut self, account_id: i64) -> StoreResult<Vec<Team>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            team_cols!(),
            " FROM teams WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn update_team(&mut self, t: &Team) -> StoreResult<()> {
        sqlx::query(
            "UPDATE teams SET name = $3, description = $4, allow_auto_assign = $5 WHERE account_id = $1 AND id = $2",
        )
        .bind(t.account_id)
        .bind(t.id)
        .bind(&t.name)
        .bind(&t.description)
        .bind(t.allow_auto_assign)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_team(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM teams WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_team_members(&mut self, team_id: i64) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
                .bind(team_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }

    async fn add_team_members(&mut self, team_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()> {
        for uid in user_ids {
            sqlx::query(
                "INSERT INTO team_members (team_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(team_id)
            .bind(*uid)
            .bind(now)
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    async fn remove_team_members(&mut self, team_id: i64, user_ids: &[i64]) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM team_members WHERE team_id = ");
        qb.push_bind(team_id);
        qb.push(" AND user_id IN ");
        push_ids(&mut qb, user_ids);
        qb.build().execute(&mut *self.tx).await?;
        Ok(())
    }

    async fn user_team_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1")
                .bind(user_id)
                .fetch_all(&mut *self.tx)
                .await?,
        )
    }
}
