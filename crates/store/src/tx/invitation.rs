//! Invitations of agents to an account.

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait InvitationTx: Send {
    /// Inserts the invitation, or renews the pending one of the same account
    /// and user (new token, role, expiry; mail status cleared).
    async fn upsert_invitation(&mut self, i: &Invitation) -> StoreResult<Invitation>;

    async fn get_invitation(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Invitation>>;

    async fn find_invitation_by_token(&mut self, token_hash: &str) -> StoreResult<Option<Invitation>>;

    async fn list_account_invitations(&mut self, account_id: i64, now: i64) -> StoreResult<Vec<Invitation>>;

    /// A user's pending invitations, each with its account's name.
    async fn list_user_invitations(&mut self, user_id: i64, now: i64) -> StoreResult<Vec<(Invitation, String)>>;

    /// Deletes the invitation; false when it was already gone (used twice).
    async fn delete_invitation(&mut self, id: i64) -> StoreResult<bool>;

    async fn set_invitation_token(&mut self, id: i64, token_hash: &str) -> StoreResult<()>;

    async fn set_invitation_mail_status(&mut self, id: i64, status: &str) -> StoreResult<()>;
}
