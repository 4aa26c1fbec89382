//! Accounts and the users in them (account_users).

use async_trait::async_trait;

use crate::*;

#[async_trait]
pub trait AccountTx: Send {
    async fn count_accounts(&mut self) -> StoreResult<i64>;

    async fn insert_account(&mut self, name: &str, locale: &str, now: i64) -> StoreResult<Account>;

    async fn get_account(&mut self, id: i64) -> StoreResult<Option<Account>>;

    async fn update_account(&mut self, a: &Account) -> StoreResult<()>;

    async fn upsert_account_user(
        &mut self,
        account_id: i64,
        user_id: i64,
        role: i16,
        now: i64,
    ) -> StoreResult<AccountUser>;

    async fn get_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<Option<AccountUser>>;

    async fn update_account_user(&mut self, au: &AccountUser) -> StoreResult<()>;

    async fn delete_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<bool>;

    async fn list_account_users(&mut self, account_id: i64) -> StoreResult<Vec<(User, AccountUser)>>;

    async fn list_user_accounts(&mut self, user_id: i64) -> StoreResult<Vec<(Account, AccountUser)>>;

    /// Users of the account among `ids` (for validating assignees and members).
    async fn users_in_account(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<User>>;

    /// Active accounts whose settings name `key` (a cheap pre-filter; the
    /// caller reads the value).
    async fn accounts_with_setting(&mut self, key: &str) -> StoreResult<Vec<Account>>;
}
