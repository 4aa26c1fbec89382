//! Passwords, API tokens and sign-in sessions.

use std::sync::Arc;

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use rand::distr::Alphanumeric;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use switchboard_domain::time::now_micros;
use switchboard_store::{AccountUser, User};

use crate::require::Require;
use crate::{Core, CoreError, CoreResult};

pub const OWNER_USER: &str = "User";
/// Sign-in sessions last this long.
pub const SESSION_TTL_MICROS: i64 = 14 * 24 * 3600 * 1_000_000;

fn argon() -> Argon2<'static> {
    // OWASP's minimum for argon2id: m = 19 MiB, t = 2, p = 1.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

pub fn hash_password(password: &str) -> CoreResult<String> {
    let mut salt = [0u8; 16];
    rand::rng().fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| CoreError::Internal(e.to_string()))?;
    argon()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| CoreError::Internal(e.to_string()))
}

pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| argon().verify_password(password.as_bytes(), &h).is_ok())
}

/// `hash_password` on the blocking pool: Argon2 takes tens of milliseconds
/// of CPU, which must not hold an async worker (or a write transaction).
pub async fn hash_password_off(password: &str) -> CoreResult<String> {
    let pw = password.to_string();
    tokio::task::spawn_blocking(move || hash_password(&pw))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))?
}

/// `verify_password` on the blocking pool.
pub async fn verify_password_off(password: &str, hash: &str) -> CoreResult<bool> {
    let (pw, hash) = (password.to_string(), hash.to_string());
    tokio::task::spawn_blocking(move || verify_password(&pw, &hash))
        .await
        .map_err(|e| CoreError::Internal(e.to_string()))
}

/// A random alphanumeric token of `len` characters.
pub fn random_token(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

pub fn sha256_hex(s: &str) -> String {
    hex::encode(Sha256::digest(s.as_bytes()))
}

pub fn ct_eq(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// Passwords: at least 8 characters (Chatwoot also asks for a mix; we ask
/// for length, which is what resists guessing).
pub fn validate_password(p: &str) -> CoreResult<()> {
    if p.chars().count() < 8 {
        return Err(CoreError::invalid(
            "password",
            "Password is too short (minimum is 8 characters)",
        ));
    }
    if p.len() > 1024 {
        return Err(CoreError::invalid("password", "Password is too long"));
    }
    Ok(())
}

/// The authenticated caller.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
}

/// The caller inside one account.
#[derive(Debug, Clone)]
pub struct AccountCtx {
    pub user: User,
    pub membership: AccountUser,
}

impl AccountCtx {
    pub fn account_id(&self) -> i64 {
        self.membership.account_id
    }
    pub fn is_admin(&self) -> bool {
        self.membership.is_admin()
    }
    pub fn require_admin(&self) -> CoreResult<()> {
        if self.is_admin() {
            Ok(())
        } else {
            Err(CoreError::Unauthorized(
                "You are not authorized to do this action".into(),
            ))
        }
    }
}

/// A short-lived cache of resolved API tokens and account memberships, so
/// that a busy client does not pay four queries per request. Any local change
/// to users, tokens or memberships clears it; other nodes see a change within
/// `AUTH_CACHE_TTL`.
#[derive(Default)]
pub struct AuthCache {
    inner: std::sync::Mutex<AuthEntries>,
}

#[derive(Default)]
struct AuthEntries {
    tokens: std::collections::HashMap<String, (Principal, std::time::Instant)>,
    members: std::collections::HashMap<(i64, i64), (AccountUser, std::time::Instant)>,
}

pub const AUTH_CACHE_TTL: std::time::Duration = std::time::Duration::from_secs(5);
const AUTH_CACHE_MAX: usize = 10_000;

impl AuthCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, AuthEntries> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn token(&self, token: &str) -> Option<Principal> {
        let g = self.lock();
        g.tokens
            .get(token)
            .filter(|(_, at)| at.elapsed() < AUTH_CACHE_TTL)
            .map(|(p, _)| p.clone())
    }

    fn put_token(&self, token: &str, p: &Principal) {
        let mut g = self.lock();
        if g.tokens.len() >= AUTH_CACHE_MAX {
            g.tokens.clear();
        }
        g.tokens
            .insert(token.to_string(), (p.clone(), std::time::Instant::now()));
    }

    fn member(&self, account_id: i64, user_id: i64) -> Option<AccountUser> {
        let g = self.lock();
        g.members
            .get(&(account_id, user_id))
            .filter(|(_, at)| at.elapsed() < AUTH_CACHE_TTL)
            .map(|(m, _)| m.clone())
    }

    fn put_member(&self, m: &AccountUser) {
        let mut g = self.lock();
        if g.members.len() >= AUTH_CACHE_MAX {
            g.members.clear();
        }
        g.members
            .insert((m.account_id, m.user_id), (m.clone(), std::time::Instant::now()));
    }

    /// Forgets everything (after a change to users, tokens or memberships).
    pub fn clear(&self) {
        let mut g = self.lock();
        g.tokens.clear();
        g.members.clear();
    }
}

pub struct SignIn {
    pub user: User,
    pub client_id: String,
    pub token: String,
    pub expires_at: i64,
}

impl Core {
    /// The user owning an `api_access_token`.
    pub async fn authenticate_token(self: &Arc<Self>, token: &str) -> CoreResult<Principal> {
        let invalid = || CoreError::Unauthorized("Invalid Access Token".into());
        if token.is_empty() || token.len() > 256 {
            return Err(invalid());
        }
        if let Some(p) = self.auth_cache.token(token) {
            return Ok(p);
        }
        let mut tx = self.store.read().await?;
        let (owner_type, owner_id) = tx.find_access_token(token).await?.ok_or_else(invalid)?;
        if owner_type != OWNER_USER {
            return Err(invalid());
        }
        let user = tx.get_user(owner_id).await?.ok_or_else(invalid)?;
        let p = Principal { user };
        self.auth_cache.put_token(token, &p);
        Ok(p)
    }

    /// devise_token_auth headers: `access-token`, `client`, `uid`.
    pub async fn authenticate_session(self: &Arc<Self>, uid: &str, client: &str, token: &str) -> CoreResult<Principal> {
        let invalid = || CoreError::Unauthorized("Invalid Access Token".into());
        let mut tx = self.store.read().await?;
        let user = tx
            .find_user_by_email(&uid.trim().to_lowercase())
            .await?
            .ok_or_else(invalid)?;
        let session = tx.find_session(user.id, client).await?.ok_or_else(invalid)?;
        let now = now_micros();
        if session.expires_at < now
            || session.created_at < user.tokens_valid_after
            || !ct_eq(&sha256_hex(token), &session.token_hash)
        {
            return Err(invalid());
        }
        Ok(Principal { user })
    }

    /// Resolves the caller's membership of `account_id`; a foreign account
    /// answers like a missing one would for a resource (401 as Chatwoot).
    pub async fn account_ctx(self: &Arc<Self>, p: Principal, account_id: i64) -> CoreResult<AccountCtx> {
        if let Some(membership) = self.auth_cache.member(account_id, p.user.id) {
            return Ok(AccountCtx {
                user: p.user,
                membership,
            });
        }
        let mut tx = self.store.read().await?;
        let membership = tx
            .get_account_user(account_id, p.user.id)
            .await?
            .ok_or_else(|| CoreError::Unauthorized("You are not authorized to access this account".into()))?;
        let account = tx.require_account(account_id).await?;
        if account.status == switchboard_domain::AccountStatus::Suspended.code() {
            return Err(CoreError::Unauthorized("Account is suspended".into()));
        }
        self.auth_cache.put_member(&membership);
        Ok(AccountCtx {
            user: p.user,
            membership,
        })
    }

    /// Checks e-mail and password and opens a session. The caller rate-limits.
    pub async fn sign_in(self: &Arc<Self>, email: &str, password: &str) -> CoreResult<SignIn> {
        let bad = || CoreError::Unauthorized("Invalid login credentials. Please try again.".into());
        let email = email.trim().to_lowercase();
        let user = {
            let mut tx = self.store.read().await?;
            tx.find_user_by_email(&email).await?
        };
        let Some(user) = user else {
            // Spend the same time as a real check so timing does not reveal accounts.
            let _ = verify_password_off(password, dummy_hash()).await;
            return Err(bad());
        };
        if !verify_password_off(password, &user.password_hash).await? {
            return Err(bad());
        }
        self.open_session(user).await
    }

    /// A new sign-in session for `user`, whose identity the caller checked.
    pub async fn open_session(self: &Arc<Self>, user: User) -> CoreResult<SignIn> {
        let now = now_micros();
        let client_id = random_token(22);
        let token = random_token(32);
        let expires_at = now + SESSION_TTL_MICROS;
        let mut tx = self.store.write().await?;
        tx.insert_session(user.id, &client_id, &sha256_hex(&token), expires_at, now)
            .await?;
        tx.commit().await?;
        Ok(SignIn {
            user,
            client_id,
            token,
            expires_at,
        })
    }

    pub async fn sign_out(self: &Arc<Self>, user_id: i64, client: &str) -> CoreResult<()> {
        let mut tx = self.store.write().await?;
        if let Some(s) = tx.find_session(user_id, client).await? {
            tx.delete_session(s.id).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// After a change that ends a user's sessions or replaces their tokens:
    /// forget cached logins and close the user's sockets.
    pub fn sessions_revoked(&self, user_id: i64) {
        self.auth_cache.clear();
        self.publish_transient(vec![switchboard_domain::Event::new(
            switchboard_domain::EventKind::SessionsRevoked,
            0,
            serde_json::json!({ "user_id": user_id }),
        )]);
    }

    pub async fn access_token_of(self: &Arc<Self>, user_id: i64) -> CoreResult<String> {
        let mut tx = self.store.read().await?;
        Ok(tx.get_access_token(OWNER_USER, user_id).await?.unwrap_or_default())
    }
}

/// A hash of a random password, verified against when the e-mail is unknown
/// so that both paths cost the same time.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password(&random_token(32)).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip() {
        let h = hash_password("correct horse").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("wrong horse", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn tokens() {
        let t = random_token(24);
        assert_eq!(t.len(), 24);
        assert!(t.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(random_token(24), t);
        assert!(ct_eq("abc", "abc"));
        assert!(!ct_eq("abc", "abd"));
    }
}
