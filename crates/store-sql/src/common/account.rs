//! Accounts and the users in them (account_users).

use super::*;

#[async_trait]
impl AccountTx for SqlTx {
    async fn accounts_with_setting(&mut self, key: &str) -> StoreResult<Vec<Account>> {
        let pattern = like_pattern(key);
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            account_cols!(),
            " FROM accounts WHERE status = 0 AND CAST(settings AS TEXT) LIKE $1 ESCAPE '\\'"
        ))
        .bind(pattern)
        .fetch_all(&mut *self.tx)
        .await?)
    }

    async fn count_accounts(&mut self) -> StoreResult<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *self.tx)
            .await?)
    }

    async fn insert_account(&mut self, name: &str, locale: &str, now: i64) -> StoreResult<Account> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO accounts (name, locale, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING ",
            account_cols!()
        ))
        .bind(name)
        .bind(locale)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_account(&mut self, id: i64) -> StoreResult<Option<Account>> {
        Ok(
            sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1"))
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await?,
        )
    }

    async fn update_account(&mut self, a: &Account) -> StoreResult<()> {
        sqlx::query(
            "UPDATE accounts SET name = $2, locale = $3, domain = $4, support_email = $5, status = $6, \
             custom_attributes = $7, settings = $8, updated_at = $9 WHERE id = $1",
        )
        .bind(a.id)
        .bind(&a.name)
        .bind(&a.locale)
        .bind(&a.domain)
        .bind(&a.support_email)
        .bind(a.status)
        .bind(Json(&a.custom_attributes))
        .bind(Json(&a.settings))
        .bind(a.updated_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn upsert_account_user(
        &mut self,
        account_id: i64,
        user_id: i64,
        role: i16,
        now: i64,
    ) -> StoreResult<AccountUser> {
        Ok(sqlx::query_as(concat!(
            "INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role RETURNING ",
            account_user_cols!()
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(role)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await?)
    }

    async fn get_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<Option<AccountUser>> {
        Ok(sqlx::query_as(concat!(
            "SELECT ",
            account_user_cols!(),
            " FROM account_users WHERE account_id = $1 AND user_id = $2"
        ))
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await?)
    }

    async fn update_account_user(&mut self, au: &AccountUser) -> StoreResult<()> {
        sqlx::query(
            "UPDATE account_users SET role = $3, availability = $4, auto_offline = $5, active_at = $6 \
             WHERE account_id = $1 AND user_id = $2",
        )
        .bind(au.account_id)
        .bind(au.user_id)
        .bind(au.role)
        .bind(au.availability)
        .bind(au.auto_offline)
        .bind(au.active_at)
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn delete_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM account_users WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
        if r.rows_affected() > 0 {
            // Memberships of the account's inboxes and teams go with the seat.
            sqlx::query(
                "DELETE FROM inbox_members WHERE user_id = $2 AND inbox_id IN (SELECT id FROM inboxes WHERE account_id = $1)",
            )
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query(
                "DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE account_id = $1)",
            )
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await?;
            sqlx::query("UPDATE conversations SET assignee_id = NULL WHERE account_id = $1 AND assignee_id = $2")
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *self.tx)
                .await?;
            // Personal macros no one else may see go with their author.
            sqlx::query("DELETE FROM macros WHERE account_id = $1 AND visibility = 'personal' AND created_by_id = $2")
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(r.rows_affected() > 0)
    }

    async fn list_account_users(&mut self, account_id: i64) -> StoreResult<Vec<(User, AccountUser)>> {
        let users: Vec<User> = sqlx::query_as(concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id IN (SELECT user_id FROM account_users WHERE account_id = $1) ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?;
        let aus: Vec<AccountUser> = sqlx::query_as(concat!(
            "SELECT ",
            account_user_cols!(),
            " FROM account_users WHERE account_id = $1"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await?;
        Ok(users
            .into_iter()
            .filter_map(|u| {
                let au = aus.iter().find(|a| a.user_id == u.id)?.clone();
                Some((u, au))
            })
            .collect())
    }

    async fn list_user_accounts(&mut self, user_id: i64) -> StoreResult<Vec<(Account, AccountUser)>> {
        let aus: Vec<AccountUser> = sqlx::query_as(concat!(
            "SELECT ",
            account_user_cols!(),
            " FROM account_users WHERE user_id = $1 ORDER BY account_id"
        ))
        .bind(user_id)
        .fetch_all(&mut *self.tx)
        .await?;
        let mut out = Vec::with_capacity(aus.len());
        for au in aus {
            if let Some(a) = self.get_account(au.account_id).await? {
                out.push((a, au));
            }
        }
        Ok(out)
    }

    async fn users_in_account(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<User>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            user_cols!(),
            " FROM users WHERE id IN (SELECT user_id FROM account_users WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(") AND id IN ");
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id");
        Ok(qb.build_query_as().fetch_all(&mut *self.tx).await?)
    }
}
