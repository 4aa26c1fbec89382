//! Users, their access tokens, sessions and password resets.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait UserTx: Send {
    async fn insert_user(&mut self, u: &NewUser, now: i64) -> StoreResult<User>;

    async fn get_user(&mut self, id: i64) -> StoreResult<Option<User>>;

    async fn find_user_by_email(&mut self, email: &str) -> StoreResult<Option<User>>;

    /// Whether some user's avatar URL ends with `suffix` (`/avatars/<key>.<ext>`;
    /// no LIKE wildcards in it).
    async fn avatar_in_use(&mut self, suffix: &str) -> StoreResult<bool>;

    async fn update_user(&mut self, u: &User) -> StoreResult<()>;

    async fn set_access_token(&mut self, owner_type: &str, owner_id: i64, token: &str, now: i64) -> StoreResult<()>;

    async fn get_access_token(&mut self, owner_type: &str, owner_id: i64) -> StoreResult<Option<String>>;

    /// The owner (type, id) of an API access token.
    async fn find_access_token(&mut self, token: &str) -> StoreResult<Option<(String, i64)>>;

    async fn insert_session(
        &mut self,
        user_id: i64,
        client_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Session>;

    async fn find_session(&mut self, user_id: i64, client_id: &str) -> StoreResult<Option<Session>>;

    async fn delete_session(&mut self, id: i64) -> StoreResult<()>;

    async fn delete_user_sessions(&mut self, user_id: i64) -> StoreResult<()>;

    /// Replaces the user's reset token.
    async fn put_password_reset(
        &mut self,
        user_id: i64,
        token_hash: &str,
        now: i64,
        expires_at: i64,
    ) -> StoreResult<()>;

    /// Takes (deletes) an unexpired reset token and answers its user; `None`
    /// when unknown, expired or already used.
    async fn take_password_reset(&mut self, token_hash: &str, now: i64) -> StoreResult<Option<i64>>;
}
