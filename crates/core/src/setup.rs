//! Creating accounts and administrators (CLI `setup`, first start).

use std::sync::Arc;

use switchboard_domain::Role;
use switchboard_domain::time::now_micros;
use switchboard_domain::validate;
use switchboard_store::{Account, NewUser, User};

use crate::auth::{OWNER_USER, hash_password, random_token, validate_password};
use crate::{Core, CoreError, CoreResult};

pub struct Created {
    pub account: Account,
    pub user: User,
    pub access_token: String,
}

impl Core {
    pub async fn is_empty(self: &Arc<Self>) -> CoreResult<bool> {
        let mut tx = self.store.read().await?;
        Ok(tx.count_accounts().await? == 0)
    }

    /// Creates an account and its administrator in one transaction. An
    /// existing user with that e-mail becomes administrator of the new
    /// account (the password must match).
    pub async fn create_account_with_admin(
        self: &Arc<Self>,
        account_name: &str,
        name: &str,
        email: &str,
        password: &str,
    ) -> CoreResult<Created> {
        let account_name = account_name.trim();
        if account_name.is_empty() {
            return Err(CoreError::invalid("account_name", "Account name can't be blank"));
        }
        let name = name.trim();
        if name.is_empty() {
            return Err(CoreError::invalid("name", "Name can't be blank"));
        }
        let email = validate::email(email).map_err(|m| CoreError::invalid("email", m))?;
        validate_password(password)?;
        let hash = hash_password(password)?;
        let now = now_micros();
        let mut tx = self.store.write().await?;
        let account = tx.insert_account(account_name, "en", now).await?;
        let user = match tx.find_user_by_email(&email).await? {
            Some(u) => {
                if !crate::auth::verify_password(password, &u.password_hash) {
                    return Err(CoreError::invalid(
                        "email",
                        "A user with this e-mail exists with another password",
                    ));
                }
                u
            }
            None => {
                tx.insert_user(
                    &NewUser {
                        name: name.to_string(),
                        display_name: None,
                        email: email.clone(),
                        password_hash: hash,
                        pubsub_token: random_token(24),
                        confirmed: true,
                    },
                    now,
                )
                .await?
            }
        };
        tx.upsert_account_user(account.id, user.id, Role::Administrator.code(), now)
            .await?;
        let access_token = match tx.get_access_token(OWNER_USER, user.id).await? {
            Some(t) => t,
            None => {
                let t = random_token(24);
                tx.set_access_token(OWNER_USER, user.id, &t, now).await?;
                t
            }
        };
        tx.commit().await?;
        Ok(Created {
            account,
            user,
            access_token,
        })
    }
}
