//! Joining an account and recovering a password. A person's credentials
//! and identity (password, e-mail, name, tokens) change only by that person:
//! an administrator invites an address, and the person behind it accepts
//! (signed in, or through the link), sets their own password (an invited
//! address without a user), or resets a forgotten one through a link mailed
//! to the address. Links carry a random token stored as its SHA-256; they
//! work once and expire.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::time::{iso, now_micros, unix_secs};
use switchboard_domain::{Availability, Role, validate};
use switchboard_store::{Invitation, NewUser, StoreError, Tx, User};

use crate::auth::{
    AccountCtx, OWNER_USER, Principal, hash_password_off, random_token, sha256_hex, validate_password,
    verify_password_off,
};
use crate::jobs::JobFailure;
use crate::mailer::MailError;
use crate::params::Params;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

/// An invitation link works for a week.
pub const INVITATION_TTL_MICROS: i64 = 7 * 24 * 3600 * 1_000_000;
/// A password-reset link works for two hours.
pub const RESET_TTL_MICROS: i64 = 2 * 3600 * 1_000_000;
/// Mails of the installation itself (invitations, password resets).
/// The `account_mail` job: an invitation or a password-reset mail. Each
/// attempt makes a fresh link (the earlier one, never delivered or not,
/// stops working), so no link is ever stored in a job.
#[derive(Debug, serde::Serialize, serde::Deserialize)]
#[serde(untagged)]
pub enum AccountMail {
    Invitation { invitation_id: i64, account_id: i64 },
    Reset { reset_email: String },
}

impl crate::job::BackgroundJob for AccountMail {
    const KIND: &'static str = "account_mail";

    fn unique_key(&self) -> Option<String> {
        Some(match self {
            AccountMail::Invitation { invitation_id, .. } => format!("invitation:{invitation_id}"),
            AccountMail::Reset { reset_email } => format!("reset:{}", sha256_hex(reset_email)),
        })
    }

    async fn run(self, core: Arc<Core>, _ctx: crate::job::JobContext) -> Result<(), JobFailure> {
        account_mail(&core, self).await
    }
}

fn link_invalid() -> CoreError {
    CoreError::invalid("token", "This link is invalid or has expired")
}

fn token_ok(token: &str) -> bool {
    !token.is_empty() && token.len() <= 128 && token.chars().all(|c| c.is_ascii_alphanumeric())
}

/// A name as typed by a person (control characters out), not blank.
pub fn required_name(attr: &str, raw: &str) -> CoreResult<String> {
    let n = validate::person_name(raw).map_err(|m| CoreError::invalid(attr, m))?;
    if n.is_empty() {
        return Err(CoreError::invalid(attr, "Name can't be blank"));
    }
    Ok(n)
}

/// A pending invitation in the shape of Chatwoot's agent (so clients that
/// create agents read it), `confirmed: false`, with the invitation beside it.
/// `id` is the invitation's: the person is no member (and has no user id in
/// this account) until they accept, and answering with a user id would tell
/// whether the address already had a user.
pub fn invitation_json(core: &Core, inv: &Invitation, token: Option<&str>) -> Value {
    let role = Role::from_code(inv.role).unwrap_or(Role::Agent);
    json!({
        "id": inv.id,
        "account_id": inv.account_id,
        "name": inv.name,
        "available_name": inv.name,
        "display_name": null,
        "email": inv.email,
        "role": role.as_str(),
        "availability_status": "offline",
        "auto_offline": inv.auto_offline,
        "confirmed": false,
        "provider": "email",
        "thumbnail": "",
        "avatar_url": "",
        "custom_attributes": {},
        "invitation": {
            "id": inv.id,
            "status": "pending",
            // "mail": the link goes by e-mail; "link": no mail server is
            // configured and the administrator passes the link on.
            "delivery": if core.mailer.configured() { "mail" } else { "link" },
            "mail_status": inv.mail_status,
            "created_at": unix_secs(inv.created_at),
            "expires_at": unix_secs(inv.expires_at),
            "invitation_url": token.map(|t| invitation_url(core, t)),
        },
    })
}

pub fn invitation_url(core: &Core, token: &str) -> String {
    format!("{}/app/#/invitation/{token}", core.public_url())
}

pub fn reset_url(core: &Core, token: &str) -> String {
    format!("{}/app/#/reset-password/{token}", core.public_url())
}

/// Makes the invited person a member (the invitation is used up); false
/// when the invitation was already used.
async fn join(tx: &mut dyn Tx, inv: &Invitation, now: i64) -> CoreResult<bool> {
    if !tx.delete_invitation(inv.id).await? {
        return Ok(false);
    }
    if tx.get_account_user(inv.account_id, inv.user_id).await?.is_none() {
        let mut au = tx
            .upsert_account_user(inv.account_id, inv.user_id, inv.role, now)
            .await?;
        au.availability = inv.availability;
        au.auto_offline = inv.auto_offline;
        tx.update_account_user(&au).await?;
    }
    Ok(true)
}

impl Core {
    /// `POST /agents`: invites the address. An address that already has a
    /// user gets a pending invitation; a new address gets a user without an
    /// account or a known password, and the same invitation, whose link lets
    /// them choose a password. With a mail server configured the link is
    /// mailed; without one it is in the answer, for the administrator to pass
    /// on. Either way the answer does not tell whether the address had a user.
    pub async fn invite_agent(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        // Rails wraps a JSON body under `agent`; either form is accepted.
        let p = Params::new(body).nested_or_self("agent");
        let name = required_name("name", &p.req_str("name")?)?;
        let email = validate::email(&p.req_str("email")?).map_err(|m| CoreError::invalid("email", m))?;
        let role = match p.str("role")? {
            None => Role::Agent,
            Some(r) => Role::parse(&r).ok_or_else(|| CoreError::invalid("role", "role is not included in the list"))?,
        };
        let availability = match p.str("availability")? {
            None => Availability::Online,
            Some(a) => Availability::parse(&a)
                .ok_or_else(|| CoreError::invalid("availability", "availability is not included in the list"))?,
        };
        let auto_offline = p.bool("auto_offline")?.unwrap_or(true);
        if p.has("password") {
            return Err(CoreError::invalid(
                "password",
                "Agents choose their own password through the invitation",
            ));
        }
        let token = random_token(32);
        // Spent whether or not the address has a user, so the time taken
        // does not tell either.
        let unknown_password = hash_password_off(&random_token(32)).await?;
        let mailed = self.mailer.configured();
        let mut w = Work::by(self, ctx).await?;
        let now = w.now;
        let user = match w.tx().find_user_by_email(&email).await? {
            Some(u) => {
                if w.tx().get_account_user(ctx.account_id(), u.id).await?.is_some() {
                    return Err(CoreError::invalid("email", "Email has already been taken"));
                }
                u
            }
            None => {
                let u = w
                    .tx()
                    .insert_user(
                        &NewUser {
                            name: name.clone(),
                            display_name: None,
                            email: email.clone(),
                            password_hash: unknown_password,
                            pubsub_token: random_token(24),
                            confirmed: false,
                        },
                        now,
                    )
                    .await
                    .map_err(|e| match e {
                        StoreError::Conflict(_) => CoreError::invalid("email", "Email has already been taken"),
                        e => e.into(),
                    })?;
                w.tx()
                    .set_access_token(OWNER_USER, u.id, &random_token(24), now)
                    .await?;
                u
            }
        };
        let inv = w
            .tx()
            .upsert_invitation(&Invitation {
                id: 0,
                account_id: ctx.account_id(),
                user_id: user.id,
                name,
                email,
                role: role.code(),
                availability: availability.code(),
                auto_offline,
                invited_by: Some(ctx.user.id),
                token_hash: sha256_hex(&token),
                mail_status: None,
                created_at: now,
                expires_at: now + INVITATION_TTL_MICROS,
            })
            .await?;
        if mailed {
            let mail = AccountMail::Invitation {
                invitation_id: inv.id,
                account_id: inv.account_id,
            };
            w.job(crate::job::new_job(&mail, now, 12, Some(now + 24 * 3600 * 1_000_000)))
                .await?;
        }
        w.commit().await?;
        Ok(invitation_json(self, &inv, (!mailed).then_some(token.as_str())))
    }

    /// `GET /invitations`: the account's pending invitations (administrators).
    pub async fn list_invitations(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<Value>> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        Ok(tx
            .list_account_invitations(ctx.account_id(), now_micros())
            .await?
            .iter()
            .map(|i| invitation_json(self, i, None))
            .collect())
    }

    /// `DELETE /invitations/{id}`: withdraws an invitation; its link stops working.
    pub async fn revoke_invitation(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        let inv = tx.require_invitation(ctx.account_id(), id).await?;
        tx.delete_invitation(inv.id).await?;
        tx.commit().await?;
        Ok(())
    }

    /// `GET /profile/invitations`: the caller's pending invitations.
    pub async fn my_invitations(self: &Arc<Self>, p: &Principal) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        let list = tx.list_user_invitations(p.user.id, now_micros()).await?;
        Ok(list
            .iter()
            .map(|(i, account_name)| {
                json!({
                    "id": i.id,
                    "account_id": i.account_id,
                    "account_name": account_name,
                    "role": Role::from_code(i.role).unwrap_or(Role::Agent).as_str(),
                    "created_at": unix_secs(i.created_at),
                    "expires_at": unix_secs(i.expires_at),
                })
            })
            .collect())
    }

    /// The caller's pending invitation `id` (another person's answers 404).
    async fn my_invitation(tx: &mut dyn Tx, user_id: i64, id: i64) -> CoreResult<Invitation> {
        tx.list_user_invitations(user_id, now_micros())
            .await?
            .into_iter()
            .map(|(i, _)| i)
            .find(|i| i.id == id)
            .ok_or(CoreError::NotFound)
    }

    /// `POST /profile/invitations/{id}/accept` (signed in).
    pub async fn accept_invitation(self: &Arc<Self>, p: &Principal, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.write().await?;
        let inv = Self::my_invitation(&mut *tx, p.user.id, id).await?;
        if !join(&mut *tx, &inv, now_micros()).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        self.membership_changed(inv.account_id);
        self.profile(p).await
    }

    /// `DELETE /profile/invitations/{id}`: declines.
    pub async fn decline_invitation(self: &Arc<Self>, p: &Principal, id: i64) -> CoreResult<()> {
        let mut tx = self.store.write().await?;
        let inv = Self::my_invitation(&mut *tx, p.user.id, id).await?;
        tx.delete_invitation(inv.id).await?;
        tx.commit().await?;
        Ok(())
    }

    async fn invitation_by_token(self: &Arc<Self>, token: &str) -> CoreResult<(Invitation, User)> {
        if !token_ok(token) {
            return Err(link_invalid());
        }
        let mut tx = self.store.read().await?;
        let inv = tx
            .find_invitation_by_token(&sha256_hex(token))
            .await?
            .filter(|i| i.expires_at > now_micros())
            .ok_or_else(link_invalid)?;
        let user = tx.get_user(inv.user_id).await?.ok_or_else(link_invalid)?;
        Ok((inv, user))
    }

    /// `GET /auth/invitation?token=`: what the link invites to, for its
    /// page. It says nothing of whether the address has a password: the page
    /// asks for "your password, or a new one" either way.
    pub async fn invitation_info(self: &Arc<Self>, token: &str) -> CoreResult<Value> {
        let (inv, _) = self.invitation_by_token(token).await?;
        let mut tx = self.store.read().await?;
        let account = tx.get_account(inv.account_id).await?.ok_or_else(link_invalid)?;
        Ok(json!({
            "account_name": account.name,
            "email": inv.email,
            "name": inv.name,
            "role": Role::from_code(inv.role).unwrap_or(Role::Agent).as_str(),
            "expires_at": unix_secs(inv.expires_at),
        }))
    }

    /// `POST /auth/invitation {token, password, name}`: accepts through the
    /// link. A person who already has a password proves it (the link alone
    /// does not sign anyone in); an invited address without one chooses it
    /// here. Answers the user, whom the caller signs in.
    pub async fn accept_invitation_by_link(self: &Arc<Self>, body: &Value) -> CoreResult<User> {
        let p = Params::new(body);
        let token = p.str("token")?.unwrap_or_default();
        let password = p.str("password")?.unwrap_or_default();
        let (inv, mut user) = self.invitation_by_token(&token).await?;
        let new_hash = if user.confirmed_at.is_none() {
            validate_password(&password)?;
            if p.str("password_confirmation")?.is_some_and(|c| c != password) {
                return Err(CoreError::invalid(
                    "password_confirmation",
                    "Password confirmation doesn't match Password",
                ));
            }
            Some(hash_password_off(&password).await?)
        } else {
            if !verify_password_off(&password, &user.password_hash).await? {
                return Err(CoreError::Unauthorized(
                    "Invalid login credentials. Please try again.".into(),
                ));
            }
            None
        };
        let now = now_micros();
        let mut tx = self.store.write().await?;
        if !join(&mut *tx, &inv, now).await? {
            return Err(link_invalid());
        }
        if let Some(hash) = new_hash {
            // Re-read: the user row may have changed since the check above.
            user = tx.get_user(inv.user_id).await?.ok_or_else(link_invalid)?;
            if user.confirmed_at.is_some() {
                // Another invitation's link set a password meanwhile.
                return Err(link_invalid());
            }
            if let Some(n) = p.str("name")?.filter(|n| !n.trim().is_empty()) {
                user.name = required_name("name", &n)?;
            }
            user.password_hash = hash;
            user.confirmed_at = Some(now);
            user.tokens_valid_after = now;
            user.updated_at = now;
            tx.delete_user_sessions(user.id).await?;
            tx.update_user(&user).await?;
        }
        tx.commit().await?;
        self.membership_changed(inv.account_id);
        Ok(user)
    }

    /// `POST /auth/password {email}`: mails a reset link when the address
    /// has a user. The caller answers the same whatever happens here, and
    /// this does the same work either way (one queued job), so neither the
    /// answer nor its time tells whether the address exists.
    pub async fn request_password_reset(self: &Arc<Self>, email: &str) -> CoreResult<()> {
        let Ok(email) = validate::email(email) else {
            return Ok(());
        };
        if !self.mailer.configured() {
            tracing::warn!("a password reset was asked for, but no mail server is configured (SWITCHBOARD_SMTP_URL)");
            return Ok(());
        }
        let mut w = Work::begin(self).await?;
        let now = w.now;
        let mail = AccountMail::Reset {
            reset_email: email.to_string(),
        };
        w.job(crate::job::new_job(&mail, now, 8, Some(now + RESET_TTL_MICROS)))
            .await?;
        w.commit().await
    }

    /// `PUT /auth/password {reset_password_token, password,
    /// password_confirmation}`: sets a new password through a reset link
    /// (once). Every session and socket of the user ends; the real-time token
    /// changes. Answers the user, whom the caller signs in.
    pub async fn reset_password(self: &Arc<Self>, body: &Value) -> CoreResult<User> {
        let p = Params::new(body);
        let token = p.str("reset_password_token")?.or(p.str("token")?).unwrap_or_default();
        if !token_ok(&token) {
            return Err(link_invalid());
        }
        let password = p.str("password")?.unwrap_or_default();
        validate_password(&password)?;
        if p.str("password_confirmation")?.is_some_and(|c| c != password) {
            return Err(CoreError::invalid(
                "password_confirmation",
                "Password confirmation doesn't match Password",
            ));
        }
        let hash = hash_password_off(&password).await?;
        let now = now_micros();
        let mut tx = self.store.write().await?;
        let user_id = tx
            .take_password_reset(&sha256_hex(&token), now)
            .await?
            .ok_or_else(link_invalid)?;
        let mut user = tx.get_user(user_id).await?.ok_or_else(link_invalid)?;
        user.password_hash = hash;
        user.confirmed_at = user.confirmed_at.or(Some(now));
        user.tokens_valid_after = now;
        user.pubsub_token = random_token(24);
        user.updated_at = now;
        tx.delete_user_sessions(user.id).await?;
        tx.update_user(&user).await?;
        tx.commit().await?;
        self.sessions_revoked(user.id);
        Ok(user)
    }
}

async fn account_mail(core: &Arc<Core>, mail: AccountMail) -> Result<(), JobFailure> {
    let limit = core.config.job_lease / 2;
    if let AccountMail::Invitation {
        invitation_id: id,
        account_id,
    } = mail
    {
        let token = random_token(32);
        let (inv, account_name, inviter) = {
            let mut tx = core.store.write().await?;
            let Some(inv) = tx.get_invitation(account_id, id).await? else {
                return Ok(()); // accepted, declined or withdrawn meanwhile
            };
            if inv.expires_at <= now_micros() {
                return Ok(());
            }
            tx.set_invitation_token(id, &sha256_hex(&token)).await?;
            let account = tx.get_account(account_id).await?;
            let inviter = match inv.invited_by {
                Some(u) => tx.get_user(u).await?.map(|u| u.available_name().to_string()),
                None => None,
            };
            tx.commit().await?;
            (inv, account.map(|a| a.name).unwrap_or_default(), inviter)
        };
        let account_name = validate::person_name(&account_name).unwrap_or_default();
        let inviter = inviter.and_then(|n| validate::person_name(&n).ok()).unwrap_or_default();
        let role = Role::from_code(inv.role).unwrap_or(Role::Agent).as_str();
        let who = if inviter.is_empty() {
            "You have been".to_string()
        } else {
            format!("{inviter} has")
        };
        let text = format!(
            "Hello {name},\n\n{who} invited you to join {account_name} on Switchboard as an {role}.\n\n\
             Accept the invitation:\n{url}\n\n\
             If you already use Switchboard, sign in with your password there; otherwise choose one.\n\
             The link works once and expires on {expires}. If you did not expect this mail, ignore it.\n",
            name = inv.name,
            url = invitation_url(core, &token),
            expires = iso(inv.expires_at),
        );
        let subject = format!("Join {account_name} on Switchboard");
        let result = core.mailer.send(&inv.email, &subject, text, limit).await;
        let status = match &result {
            Ok(()) => "sent".to_string(),
            Err(MailError::Permanent(e)) => format!("failed: {e}"),
            Err(MailError::Retry(e)) => format!("retrying: {e}"),
        };
        {
            let mut tx = core.store.write().await?;
            tx.set_invitation_mail_status(id, &status).await?;
            tx.commit().await?;
        }
        return mail_outcome(result);
    }
    if let AccountMail::Reset { reset_email } = &mail {
        let email = reset_email.as_str();
        let token = random_token(32);
        let now = now_micros();
        let user = {
            let mut tx = core.store.write().await?;
            let Some(user) = tx.find_user_by_email(email).await? else {
                return Ok(()); // nobody to tell; the request answered the same
            };
            tx.put_password_reset(user.id, &sha256_hex(&token), now, now + RESET_TTL_MICROS)
                .await?;
            tx.commit().await?;
            user
        };
        let text = format!(
            "Hello {name},\n\nSomeone asked to reset the password of your Switchboard login ({email}).\n\n\
             Choose a new password:\n{url}\n\n\
             The link works once and expires in two hours. If it was not you, ignore this mail: \
             your password stays as it is.\n",
            name = validate::person_name(&user.name).unwrap_or_default(),
            url = reset_url(core, &token),
        );
        return mail_outcome(
            core.mailer
                .send(email, "Reset your Switchboard password", text, limit)
                .await,
        );
    }
    Err(JobFailure::Permanent("account_mail job without a mail to send".into()))
}

fn mail_outcome(r: Result<(), MailError>) -> Result<(), JobFailure> {
    match r {
        Ok(()) => Ok(()),
        Err(MailError::Permanent(e)) => Err(JobFailure::Permanent(e)),
        Err(MailError::Retry(e)) => Err(JobFailure::Retry { error: e, after: None }),
    }
}
