//! Users, their access tokens, sessions and password resets.

use super::*;

#[async_trait]
impl UserTx for SqlTx {
    async fn insert_user(&mut self, u: &NewUser, now: i64) -> StoreResult<User> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO users (name, display_name, email, password_hash, pubsub_token, created_at, updated_at, confirmed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6, $7) RETURNING ",
            user_cols!()
        ))
        .bind(&u.name)
        .bind(&u.display_name)
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(&u.pubsub_token)
        .bind(now)
        .bind(u.confirmed.then_some(now))
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_user(&mut self, id: i64) -> StoreResult<Option<User>> {
        Ok(
            sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn avatar_in_use(&mut self, suffix: &str) -> StoreResult<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE avatar_url LIKE $1 LIMIT 1) a")
                .bind(format!("%{suffix}"))
                .fetch_one(&mut *self.tx)
                .await?;
        Ok(n > 0)
    }

    async fn find_user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        Ok(
            sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1"))
                .bind(email)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn update_user(&mut self, u: &User) -> StoreResult<()> {
        sqlx::query(
            "UPDATE users SET name = $2, display_name = $3, email = $4, password_hash = $5, pubsub_token = $6, \
             avatar_url = $7, ui_settings = $8, custom_attributes = $9, message_signature = $10, \
             tokens_valid_after = $11, updated_at = $12, confirmed_at = $13 WHERE id = $1",
        )
        .bind(u.id)
        .bind(&u.name)
        .bind(&u.display_name)
        .bind(&u.email)
        .bind(&u.password_hash)
        .bind(&u.pubsub_token)
        .bind(&u.avatar_url)
        .bind(Json(&u.ui_settings))
        .bind(Json(&u.custom_attributes))
        .bind(&u.message_signature)
        .bind(u.tokens_valid_after)
        .bind(u.updated_at)
        .bind(u.confirmed_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn set_access_token(&mut self, owner_type: &str, owner_id: i64, token: &str, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO access_tokens (owner_type, owner_id, token, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (owner_type, owner_id) DO UPDATE SET token = excluded.token, created_at = excluded.created_at",
        )
        .bind(owner_type)
        .bind(owner_id)
        .bind(token)
        .bind(now)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn get_access_token(&mut self, owner_type: &str, owner_id: i64) -> StoreResult<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT token FROM access_tokens WHERE owner_type = $1 AND owner_id = $2")
                .bind(owner_type)
                .bind(owner_id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn find_access_token(&mut self, token: &str) -> StoreResult<Option<(String, i64)>> {
        Ok(
            sqlx::query_as("SELECT owner_type, owner_id FROM access_tokens WHERE token = $1")
                .bind(token)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn insert_session(
        &mut self,
        user_id: i64,
        client_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Session> {
        Ok(sqlx::query_as(
            "INSERT INTO sessions (user_id, client_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, user_id, client_id, token_hash, expires_at, created_at",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(token_hash)
        .bind(expires_at)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn find_session(&mut self, user_id: i64, client_id: &str) -> StoreResult<Option<Session>> {
        Ok(sqlx::query_as(
            "SELECT id, user_id, client_id, token_hash, expires_at, created_at FROM sessions \
             WHERE user_id = $1 AND client_id = $2",
        )
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn delete_session(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn delete_user_sessions(&mut self, user_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn put_password_reset(
        &mut self,
        user_id: i64,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at, \
             expires_at = excluded.expires_at",
        )
        .bind(user_id)
        .bind(token_hash)
        .bind(now)
        .bind(expires_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn take_password_reset(&mut self, token_hash: &str, now: i64) -> StoreResult<Option<i64>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("DELETE FROM password_resets WHERE token_hash = $1 RETURNING user_id, expires_at")
                .bind(token_hash)
                .fetch_optional(&mut *self.tx)
                .await?;
        Ok(row
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(user_id, _)| user_id))
    }
}
