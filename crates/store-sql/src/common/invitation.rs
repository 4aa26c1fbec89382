//! Invitations of agents to an account.

use super::*;

#[async_trait]
impl InvitationTx for SqlTx {
    async fn upsert_invitation(&mut self, i: &Invitation) -> StoreResult<Invitation> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO invitations (account_id, user_id, name, email, role, availability, auto_offline, invited_by, \
             token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET name = excluded.name, email = excluded.email, \
             role = excluded.role, availability = excluded.availability, auto_offline = excluded.auto_offline, \
             invited_by = excluded.invited_by, token_hash = excluded.token_hash, mail_status = NULL, \
             created_at = excluded.created_at, expires_at = excluded.expires_at RETURNING ",
            invitation_cols!()
        ))
        .bind(i.account_id)
        .bind(i.user_id)
        .bind(&i.name)
        .bind(&i.email)
        .bind(i.role)
        .bind(i.availability)
        .bind(i.auto_offline)
        .bind(i.invited_by)
        .bind(&i.token_hash)
        .bind(i.created_at)
        .bind(i.expires_at)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_invitation(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Invitation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn find_invitation_by_token(&mut self, token_hash: &str) -> StoreResult<Option<Invitation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn list_account_invitations(&mut self, account_id: i64, now: i64) -> StoreResult<Vec<Invitation>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE account_id = $1 AND expires_at > $2 ORDER BY id"
        ))
        .bind(account_id)
        .bind(now)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn list_user_invitations(&mut self, user_id: i64, now: i64) -> StoreResult<Vec<(Invitation, String)>> {
        let invitations: Vec<Invitation> = sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE user_id = $1 AND expires_at > $2 ORDER BY id"
        ))
        .bind(user_id)
        .bind(now)
        .fetch_all(&mut *self.tx)
        .await?;
        let names: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM accounts WHERE id IN (SELECT account_id FROM invitations WHERE user_id = $1)",
        )
        .bind(user_id)
        .fetch_all(&mut *self.tx)
        .await?;
        let names: std::collections::HashMap<i64, String> = names.into_iter().collect();
        Ok(invitations
            .into_iter()
            .map(|i| {
                let name = names.get(&i.account_id).cloned().unwrap_or_default();
                (i, name)
            })
            .collect())
    }

    async fn delete_invitation(&mut self, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM invitations WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(r.rows_affected() == 1)
    }

    async fn set_invitation_token(&mut self, id: i64, token_hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE invitations SET token_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(token_hash)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn set_invitation_mail_status(&mut self, id: i64, status: &str) -> StoreResult<()> {
        sqlx::query("UPDATE invitations SET mail_status = $2 WHERE id = $1")
            .bind(id)
            .bind(status)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }
}
