//! The SQL of every storage operation, written once and compiled twice: this
//! file is a module of both `sqlite` and `postgres` (through `#[path]`), where
//! `DB` names the backend and the macros `for_update!`, `like!` and
//! `skip_locked!` supply the few dialect differences. Both backends accept
//! `$N` placeholders, `RETURNING`, `ON CONFLICT`, partial indexes and `->>`.

use async_trait::async_trait;

use sqlx::types::Json;
use sqlx::{QueryBuilder, Transaction};
use switchboard_store::*;

use super::DB;

macro_rules! account_cols {
    () => {
        "id, name, locale, domain, support_email, status, custom_attributes, settings, created_at, updated_at"
    };
}
macro_rules! user_cols {
    () => {
        "id, name, display_name, email, password_hash, pubsub_token, avatar_url, ui_settings, custom_attributes, message_signature, tokens_valid_after, created_at, updated_at, confirmed_at"
    };
}
macro_rules! invitation_cols {
    () => {
        "id, account_id, user_id, name, email, role, availability, auto_offline, invited_by, token_hash, mail_status, created_at, expires_at"
    };
}
macro_rules! account_user_cols {
    () => {
        "id, account_id, user_id, role, availability, auto_offline, active_at, created_at"
    };
}
macro_rules! inbox_cols {
    () => {
        "id, account_id, name, channel_type, channel_key, hmac_token, secret, webhook_url, settings, channel_config, created_at, updated_at"
    };
}
macro_rules! contact_cols {
    () => {
        "id, account_id, name, email, phone_number, identifier, avatar_url, blocked, contact_type, additional_attributes, custom_attributes, last_activity_at, created_at, updated_at"
    };
}
macro_rules! contact_inbox_cols {
    () => {
        "id, account_id, contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at"
    };
}
macro_rules! conversation_cols {
    () => {
        "id, account_id, inbox_id, display_id, uuid, status, priority, assignee_id, assignee_agent_bot_id, team_id, contact_id, contact_inbox_id, muted, additional_attributes, custom_attributes, snoozed_until, waiting_since, first_reply_created_at, last_activity_at, agent_last_seen_at, assignee_last_seen_at, contact_last_seen_at, created_at, updated_at"
    };
}
macro_rules! message_cols {
    () => {
        "id, account_id, inbox_id, conversation_id, message_type, content, content_type, content_attributes, additional_attributes, private, status, source_id, echo_id, sender_type, sender_id, created_at, updated_at"
    };
}
macro_rules! team_cols {
    () => {
        "id, account_id, name, description, allow_auto_assign, created_at"
    };
}
macro_rules! label_cols {
    () => {
        "id, account_id, title, description, color, show_on_sidebar, created_at"
    };
}
macro_rules! canned_cols {
    () => {
        "id, account_id, short_code, content, created_at, updated_at"
    };
}
macro_rules! webhook_cols {
    () => {
        "id, account_id, inbox_id, name, url, webhook_type, subscriptions, secret, timeout_secs, created_at, updated_at"
    };
}
macro_rules! delivery_cols {
    () => {
        "id, account_id, webhook_id, inbox_id, message_id, delivery_uuid, event, url, payload, state, attempts, last_status, last_error, created_at, updated_at"
    };
}
macro_rules! attachment_cols {
    () => {
        "id, account_id, message_id, file_type, content_type, extension, file_name, file_size, width, height, storage_key, created_at"
    };
}
macro_rules! job_cols {
    () => {
        "id, kind, payload, run_at, attempts, max_attempts, deadline_at, last_error, created_at"
    };
}
pub(crate) use job_cols;
macro_rules! custom_filter_cols {
    () => {
        "id, account_id, user_id, name, filter_type, query, created_at, updated_at"
    };
}

macro_rules! data_import_cols {
    () => {
        "id, account_id, user_id, data_type, status, file_name, total_records, processed_records, created_records, updated_records, failed_records, failed_rows, cursor_byte, cursor_line, error, created_at, updated_at"
    };
}
macro_rules! attribute_definition_cols {
    () => {
        "id, account_id, attribute_model, attribute_key, attribute_display_name, attribute_display_type, \
         attribute_description, attribute_values, regex_pattern, regex_cue, default_value, created_at, updated_at"
    };
}

/// Deletes running jobs whose lease ran out (`$1` = now) and whose unique
/// key has a queued twin: the twin does the work, and the key is unique
/// among queued jobs, so the old one could not go back to the queue.
pub(crate) const DROP_EXPIRED_TWINS: &str = "DELETE FROM jobs WHERE state = 1 AND locked_until < $1 \
     AND unique_key IS NOT NULL AND EXISTS (SELECT 1 FROM jobs q WHERE q.unique_key = jobs.unique_key \
     AND q.state = 0 AND q.id <> jobs.id)";

/// Deletes the job `$1` if a twin with its unique key is queued (before the
/// job itself would go back to the queue).
const DROP_IF_TWIN_QUEUED: &str = "DELETE FROM jobs WHERE id = $1 AND unique_key IS NOT NULL \
     AND EXISTS (SELECT 1 FROM jobs q WHERE q.unique_key = jobs.unique_key AND q.state = 0 AND q.id <> jobs.id)";

pub(crate) fn map_err(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::RowNotFound => StoreError::NotFound,
        sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(
            d.constraint()
                .map(str::to_string)
                .unwrap_or_else(|| d.message().to_string()),
        ),
        // Deadlock detected, serialization failure.
        sqlx::Error::Database(d) if matches!(d.code().as_deref(), Some("40P01" | "40001")) => {
            StoreError::Contended(d.message().to_string())
        }
        _ => crate::outage(&e).unwrap_or_else(|| StoreError::Database(e.to_string())),
    }
}

pub struct SqlTx {
    pub(crate) tx: Transaction<'static, DB>,
}

impl SqlTx {
    pub fn boxed(tx: Transaction<'static, DB>) -> Box<dyn Tx> {
        Box::new(SqlTx { tx })
    }
}

/// Appends `(id1, id2, ...)` as bound values.
fn push_ids(qb: &mut QueryBuilder<DB>, ids: &[i64]) {
    qb.push("(");
    let mut sep = qb.separated(", ");
    for id in ids {
        sep.push_bind(*id);
    }
    sep.push_unseparated(")");
}

fn like_pattern(s: &str) -> String {
    let mut p = String::with_capacity(s.len() + 2);
    p.push('%');
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// `s%` with LIKE's wildcards in `s` escaped.
fn like_prefix(s: &str) -> String {
    let mut p = like_pattern(s);
    p.remove(0);
    p
}

#[async_trait]
impl Tx for SqlTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        self.tx.commit().await.map_err(map_err)
    }

    async fn instance_secret(&mut self, name: &str, candidate: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    // ---- accounts and users ----

    async fn count_accounts(&mut self) -> StoreResult<i64> {
        sqlx::query_scalar("SELECT COUNT(*) FROM accounts")
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn insert_account(&mut self, name: &str, locale: &str, now: i64) -> StoreResult<Account> {
        sqlx::query_as(concat!(
            "INSERT INTO accounts (name, locale, created_at, updated_at) VALUES ($1, $2, $3, $3) RETURNING ",
            account_cols!()
        ))
        .bind(name)
        .bind(locale)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_account(&mut self, id: i64) -> StoreResult<Option<Account>> {
        sqlx::query_as(concat!("SELECT ", account_cols!(), " FROM accounts WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
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
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn insert_user(&mut self, u: &NewUser, now: i64) -> StoreResult<User> {
        sqlx::query_as(concat!(
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
        .await
        .map_err(map_err)
    }

    async fn get_user(&mut self, id: i64) -> StoreResult<Option<User>> {
        sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn avatar_in_use(&mut self, suffix: &str) -> StoreResult<bool> {
        let n: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE avatar_url LIKE $1 LIMIT 1) a")
                .bind(format!("%{suffix}"))
                .fetch_one(&mut *self.tx)
                .await
                .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn find_user_by_email(&mut self, email: &str) -> StoreResult<Option<User>> {
        sqlx::query_as(concat!("SELECT ", user_cols!(), " FROM users WHERE email = $1"))
            .bind(email)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
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
        .await
        .map_err(map_err)?;
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
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn get_access_token(&mut self, owner_type: &str, owner_id: i64) -> StoreResult<Option<String>> {
        sqlx::query_scalar("SELECT token FROM access_tokens WHERE owner_type = $1 AND owner_id = $2")
            .bind(owner_type)
            .bind(owner_id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn find_access_token(&mut self, token: &str) -> StoreResult<Option<(String, i64)>> {
        sqlx::query_as("SELECT owner_type, owner_id FROM access_tokens WHERE token = $1")
            .bind(token)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn insert_session(
        &mut self,
        user_id: i64,
        client_id: &str,
        token_hash: &str,
        expires_at: i64,
        now: i64,
    ) -> StoreResult<Session> {
        sqlx::query_as(
            "INSERT INTO sessions (user_id, client_id, token_hash, expires_at, created_at) VALUES ($1, $2, $3, $4, $5) \
             RETURNING id, user_id, client_id, token_hash, expires_at, created_at",
        )
        .bind(user_id)
        .bind(client_id)
        .bind(token_hash)
        .bind(expires_at)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_session(&mut self, user_id: i64, client_id: &str) -> StoreResult<Option<Session>> {
        sqlx::query_as(
            "SELECT id, user_id, client_id, token_hash, expires_at, created_at FROM sessions \
             WHERE user_id = $1 AND client_id = $2",
        )
        .bind(user_id)
        .bind(client_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn delete_session(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_user_sessions(&mut self, user_id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(user_id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn insert_contact_note(&mut self, n: &ContactNote) -> StoreResult<ContactNote> {
        sqlx::query_as(
            "INSERT INTO contact_notes (account_id, contact_id, user_id, content, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5) \
             RETURNING id, account_id, contact_id, user_id, content, created_at, updated_at",
        )
        .bind(n.account_id)
        .bind(n.contact_id)
        .bind(n.user_id)
        .bind(&n.content)
        .bind(n.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_contact_notes(
        &mut self,
        account_id: i64,
        contact_id: i64,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<ContactNote>> {
        sqlx::query_as(
            "SELECT id, account_id, contact_id, user_id, content, created_at, updated_at FROM contact_notes \
             WHERE account_id = $1 AND contact_id = $2 ORDER BY id DESC LIMIT $3 OFFSET $4",
        )
        .bind(account_id)
        .bind(contact_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_contact_note(
        &mut self,
        account_id: i64,
        contact_id: i64,
        id: i64,
    ) -> StoreResult<Option<ContactNote>> {
        sqlx::query_as(
            "SELECT id, account_id, contact_id, user_id, content, created_at, updated_at FROM contact_notes \
             WHERE account_id = $1 AND contact_id = $2 AND id = $3",
        )
        .bind(account_id)
        .bind(contact_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn update_contact_note(&mut self, n: &ContactNote) -> StoreResult<()> {
        sqlx::query("UPDATE contact_notes SET content = $3, updated_at = $4 WHERE account_id = $1 AND id = $2")
            .bind(n.account_id)
            .bind(n.id)
            .bind(&n.content)
            .bind(n.updated_at)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn delete_contact_note(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM contact_notes WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn upsert_invitation(&mut self, i: &Invitation) -> StoreResult<Invitation> {
        sqlx::query_as(concat!(
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
        .await
        .map_err(map_err)
    }

    async fn get_invitation(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Invitation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_invitation_by_token(&mut self, token_hash: &str) -> StoreResult<Option<Invitation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_account_invitations(&mut self, account_id: i64, now: i64) -> StoreResult<Vec<Invitation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            invitation_cols!(),
            " FROM invitations WHERE account_id = $1 AND expires_at > $2 ORDER BY id"
        ))
        .bind(account_id)
        .bind(now)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
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
        .await
        .map_err(map_err)?;
        let names: Vec<(i64, String)> = sqlx::query_as(
            "SELECT id, name FROM accounts WHERE id IN (SELECT account_id FROM invitations WHERE user_id = $1)",
        )
        .bind(user_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)?;
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
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    async fn set_invitation_token(&mut self, id: i64, token_hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE invitations SET token_hash = $2 WHERE id = $1")
            .bind(id)
            .bind(token_hash)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn set_invitation_mail_status(&mut self, id: i64, status: &str) -> StoreResult<()> {
        sqlx::query("UPDATE invitations SET mail_status = $2 WHERE id = $1")
            .bind(id)
            .bind(status)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
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
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn take_password_reset(&mut self, token_hash: &str, now: i64) -> StoreResult<Option<i64>> {
        let row: Option<(i64, i64)> =
            sqlx::query_as("DELETE FROM password_resets WHERE token_hash = $1 RETURNING user_id, expires_at")
                .bind(token_hash)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(map_err)?;
        Ok(row
            .filter(|(_, expires_at)| *expires_at > now)
            .map(|(user_id, _)| user_id))
    }

    async fn upsert_account_user(
        &mut self,
        account_id: i64,
        user_id: i64,
        role: i16,
        now: i64,
    ) -> StoreResult<AccountUser> {
        sqlx::query_as(concat!(
            "INSERT INTO account_users (account_id, user_id, role, created_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role RETURNING ",
            account_user_cols!()
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(role)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<Option<AccountUser>> {
        sqlx::query_as(concat!(
            "SELECT ",
            account_user_cols!(),
            " FROM account_users WHERE account_id = $1 AND user_id = $2"
        ))
        .bind(account_id)
        .bind(user_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
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
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_account_user(&mut self, account_id: i64, user_id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM account_users WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        if r.rows_affected() > 0 {
            // Memberships of the account's inboxes and teams go with the seat.
            sqlx::query(
                "DELETE FROM inbox_members WHERE user_id = $2 AND inbox_id IN (SELECT id FROM inboxes WHERE account_id = $1)",
            )
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
            sqlx::query(
                "DELETE FROM team_members WHERE user_id = $2 AND team_id IN (SELECT id FROM teams WHERE account_id = $1)",
            )
            .bind(account_id)
            .bind(user_id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
            sqlx::query("UPDATE conversations SET assignee_id = NULL WHERE account_id = $1 AND assignee_id = $2")
                .bind(account_id)
                .bind(user_id)
                .execute(&mut *self.tx)
                .await
                .map_err(map_err)?;
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
        .await
        .map_err(map_err)?;
        let aus: Vec<AccountUser> = sqlx::query_as(concat!(
            "SELECT ",
            account_user_cols!(),
            " FROM account_users WHERE account_id = $1"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)?;
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
        .await
        .map_err(map_err)?;
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
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    // ---- inboxes ----

    async fn insert_inbox(&mut self, i: &Inbox) -> StoreResult<Inbox> {
        sqlx::query_as(concat!(
            "INSERT INTO inboxes (account_id, name, channel_type, channel_key, hmac_token, secret, webhook_url, \
             settings, channel_config, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING ",
            inbox_cols!()
        ))
        .bind(i.account_id)
        .bind(&i.name)
        .bind(i.channel_type)
        .bind(&i.channel_key)
        .bind(&i.hmac_token)
        .bind(&i.secret)
        .bind(&i.webhook_url)
        .bind(Json(&i.settings))
        .bind(Json(&i.channel_config))
        .bind(i.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Inbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inboxes WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_inbox_by_key(&mut self, channel_type: i16, key: &str) -> StoreResult<Option<Inbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inboxes WHERE channel_type = $1 AND channel_key = $2"
        ))
        .bind(channel_type)
        .bind(key)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_inboxes(&mut self, account_id: i64, member: Option<i64>) -> StoreResult<Vec<Inbox>> {
        match member {
            None => sqlx::query_as(concat!("SELECT ", inbox_cols!(), " FROM inboxes WHERE account_id = $1 ORDER BY id"))
                .bind(account_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(map_err),
            Some(user) => sqlx::query_as(concat!(
                "SELECT ",
                inbox_cols!(),
                " FROM inboxes WHERE account_id = $1 AND id IN (SELECT inbox_id FROM inbox_members WHERE user_id = $2) ORDER BY id"
            ))
            .bind(account_id)
            .bind(user)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err),
        }
    }

    async fn inboxes_of_type(&mut self, channel_type: i16) -> StoreResult<Vec<Inbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            inbox_cols!(),
            " FROM inboxes WHERE channel_type = $1 ORDER BY id"
        ))
        .bind(channel_type)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_mail_cursor(&mut self, inbox_id: i64) -> StoreResult<Option<MailCursor>> {
        sqlx::query_as(
            "SELECT inbox_id, uid_validity, last_uid, polled_at, last_error FROM mail_cursors WHERE inbox_id = $1",
        )
        .bind(inbox_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn set_mail_cursor(&mut self, c: &MailCursor) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO mail_cursors (inbox_id, uid_validity, last_uid, polled_at, last_error) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (inbox_id) DO UPDATE SET uid_validity = excluded.uid_validity, last_uid = excluded.last_uid, \
             polled_at = excluded.polled_at, last_error = excluded.last_error",
        )
        .bind(c.inbox_id)
        .bind(c.uid_validity)
        .bind(c.last_uid)
        .bind(c.polled_at)
        .bind(&c.last_error)
        .execute(&mut *self.tx)
        .await
        .map(|_| ())
        .map_err(map_err)
    }

    async fn update_inbox(&mut self, i: &Inbox) -> StoreResult<()> {
        sqlx::query(
            "UPDATE inboxes SET name = $3, webhook_url = $4, settings = $5, channel_config = $6, hmac_token = $7, \
             secret = $8, updated_at = $9 WHERE account_id = $1 AND id = $2",
        )
        .bind(i.account_id)
        .bind(i.id)
        .bind(&i.name)
        .bind(&i.webhook_url)
        .bind(Json(&i.settings))
        .bind(Json(&i.channel_config))
        .bind(&i.hmac_token)
        .bind(&i.secret)
        .bind(i.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_inbox(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM inboxes WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_inbox_members(&mut self, inbox_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT user_id FROM inbox_members WHERE inbox_id = $1 ORDER BY user_id")
            .bind(inbox_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn add_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64], now: i64) -> StoreResult<()> {
        for uid in user_ids {
            sqlx::query(
                "INSERT INTO inbox_members (inbox_id, user_id, created_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(inbox_id)
            .bind(*uid)
            .bind(now)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    async fn remove_inbox_members(&mut self, inbox_id: i64, user_ids: &[i64]) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM inbox_members WHERE inbox_id = ");
        qb.push_bind(inbox_id);
        qb.push(" AND user_id IN ");
        push_ids(&mut qb, user_ids);
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn is_inbox_member(&mut self, inbox_id: i64, user_id: i64) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM inbox_members WHERE inbox_id = $1 AND user_id = $2")
            .bind(inbox_id)
            .bind(user_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn user_inbox_ids(&mut self, account_id: i64, user_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar(
            "SELECT m.inbox_id FROM inbox_members m JOIN inboxes i ON i.id = m.inbox_id \
             WHERE i.account_id = $1 AND m.user_id = $2 ORDER BY m.inbox_id",
        )
        .bind(account_id)
        .bind(user_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    // ---- contacts ----

    async fn insert_contact(&mut self, c: &Contact) -> StoreResult<Contact> {
        sqlx::query_as(concat!(
            "INSERT INTO contacts (account_id, name, email, phone_number, identifier, avatar_url, blocked, contact_type, \
             additional_attributes, custom_attributes, last_activity_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING ",
            contact_cols!()
        ))
        .bind(c.account_id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.phone_number)
        .bind(&c.identifier)
        .bind(&c.avatar_url)
        .bind(c.blocked)
        .bind(c.contact_type)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.last_activity_at)
        .bind(c.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_contact(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Contact>> {
        sqlx::query_as(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND id IN ");
        push_ids(&mut qb, ids);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn find_contact_by(
        &mut self,
        account_id: i64,
        field: ContactKey,
        value: &str,
    ) -> StoreResult<Option<Contact>> {
        let sql = match field {
            ContactKey::Email => concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND email = $2"
            ),
            ContactKey::Identifier => {
                concat!(
                    "SELECT ",
                    contact_cols!(),
                    " FROM contacts WHERE account_id = $1 AND identifier = $2"
                )
            }
            ContactKey::Phone => concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND phone_number = $2 ORDER BY id LIMIT 1"
            ),
        };
        sqlx::query_as(sql)
            .bind(account_id)
            .bind(value)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn update_contact(&mut self, c: &Contact) -> StoreResult<()> {
        sqlx::query(
            "UPDATE contacts SET name = $3, email = $4, phone_number = $5, identifier = $6, avatar_url = $7, blocked = $8, \
             contact_type = $9, additional_attributes = $10, custom_attributes = $11, last_activity_at = $12, updated_at = $13 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(c.account_id)
        .bind(c.id)
        .bind(&c.name)
        .bind(&c.email)
        .bind(&c.phone_number)
        .bind(&c.identifier)
        .bind(&c.avatar_url)
        .bind(c.blocked)
        .bind(c.contact_type)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.last_activity_at)
        .bind(c.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_contact(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM contacts WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_contacts(&mut self, q: &ContactQuery) -> StoreResult<(Vec<Contact>, i64)> {
        fn filters(qb: &mut QueryBuilder<DB>, q: &ContactQuery) {
            qb.push(" FROM contacts WHERE account_id = ");
            qb.push_bind(q.account_id);
            if q.only_resolved {
                qb.push(" AND (email IS NOT NULL OR phone_number IS NOT NULL OR identifier IS NOT NULL)");
            }
            if let Some(s) = q.search.as_deref() {
                let pat = like_pattern(&s.to_lowercase());
                qb.push(" AND (LOWER(name) LIKE ");
                qb.push_bind(pat.clone());
                qb.push(" ESCAPE '\\' OR LOWER(email) LIKE ");
                qb.push_bind(pat.clone());
                qb.push(" ESCAPE '\\' OR phone_number LIKE ");
                qb.push_bind(pat.clone());
                qb.push(" ESCAPE '\\' OR LOWER(additional_attributes->>'company_name') LIKE ");
                qb.push_bind(pat);
                qb.push(" ESCAPE '\\' OR identifier = ");
                qb.push_bind(s.to_string());
                qb.push(")");
            }
            if !q.labels.is_empty() {
                qb.push(" AND id IN (SELECT contact_id FROM contact_labels WHERE account_id = ");
                qb.push_bind(q.account_id);
                qb.push(" AND label IN (");
                let mut sep = qb.separated(", ");
                for l in &q.labels {
                    sep.push_bind(l.clone());
                }
                qb.push("))");
            }
        }
        let mut count_qb = QueryBuilder::<DB>::new("SELECT COUNT(*)");
        filters(&mut count_qb, q);
        let count: i64 = count_qb
            .build_query_scalar()
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!()));
        filters(&mut qb, q);
        let col = match q.sort {
            ContactSort::Name => "LOWER(name)",
            ContactSort::Email => "email",
            ContactSort::Phone => "phone_number",
            ContactSort::LastActivityAt => "last_activity_at",
            ContactSort::CreatedAt => "created_at",
            ContactSort::Company => "additional_attributes->>'company_name'",
            ContactSort::City => "additional_attributes->>'city'",
            ContactSort::Country => "additional_attributes->>'country'",
        };
        let dir = if q.descending { " DESC" } else { " ASC" };
        // Missing values last in either direction, the same on both backends.
        qb.push(" ORDER BY (");
        qb.push(col);
        qb.push(" IS NULL), ");
        qb.push(col);
        qb.push(dir);
        qb.push(", id");
        qb.push(dir);
        qb.push(" LIMIT ");
        qb.push_bind(q.limit);
        qb.push(" OFFSET ");
        qb.push_bind(q.offset);
        let rows = qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)?;
        Ok((rows, count))
    }

    async fn insert_contact_inbox(&mut self, ci: &ContactInbox) -> StoreResult<Option<ContactInbox>> {
        sqlx::query_as(concat!(
            "INSERT INTO contact_inboxes (account_id, contact_id, inbox_id, source_id, hmac_verified, pubsub_token, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7) ON CONFLICT (inbox_id, source_id) DO NOTHING RETURNING ",
            contact_inbox_cols!()
        ))
        .bind(ci.account_id)
        .bind(ci.contact_id)
        .bind(ci.inbox_id)
        .bind(&ci.source_id)
        .bind(ci.hmac_verified)
        .bind(&ci.pubsub_token)
        .bind(ci.created_at)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_contact_inbox(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<ContactInbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE inbox_id = $1 AND source_id = $2"
        ))
        .bind(inbox_id)
        .bind(source_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_contact_inbox(&mut self, id: i64) -> StoreResult<Option<ContactInbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_contact_inbox_by_pubsub(&mut self, token: &str) -> StoreResult<Option<ContactInbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE pubsub_token = $1"
        ))
        .bind(token)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn set_contact_inbox_verified(&mut self, id: i64, verified: bool) -> StoreResult<()> {
        sqlx::query("UPDATE contact_inboxes SET hmac_verified = $2 WHERE id = $1")
            .bind(id)
            .bind(verified)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn find_contact_inbox_for(&mut self, contact_id: i64, inbox_id: i64) -> StoreResult<Option<ContactInbox>> {
        sqlx::query_as(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE contact_id = $1 AND inbox_id = $2 ORDER BY id DESC LIMIT 1"
        ))
        .bind(contact_id)
        .bind(inbox_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_contact_inboxes(&mut self, contact_ids: &[i64]) -> StoreResult<Vec<ContactInbox>> {
        if contact_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_inbox_cols!(),
            " FROM contact_inboxes WHERE contact_id IN "
        ));
        push_ids(&mut qb, contact_ids);
        qb.push(" ORDER BY id");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn contact_labels(&mut self, contact_id: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("SELECT label FROM contact_labels WHERE contact_id = $1 ORDER BY label")
            .bind(contact_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn set_contact_labels(&mut self, account_id: i64, contact_id: i64, labels: &[String]) -> StoreResult<()> {
        sqlx::query("DELETE FROM contact_labels WHERE contact_id = $1")
            .bind(contact_id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        for l in labels {
            sqlx::query(
                "INSERT INTO contact_labels (contact_id, account_id, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(contact_id)
            .bind(account_id)
            .bind(l)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    // ---- conversations ----

    async fn next_display_id(&mut self, account_id: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "UPDATE accounts SET last_display_id = last_display_id + 1 WHERE id = $1 RETURNING last_display_id",
        )
        .bind(account_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)?
        .ok_or(StoreError::NotFound)
    }

    async fn insert_conversation(&mut self, c: &Conversation) -> StoreResult<Conversation> {
        sqlx::query_as(concat!(
            "INSERT INTO conversations (account_id, inbox_id, display_id, uuid, status, priority, assignee_id, \
             assignee_agent_bot_id, team_id, contact_id, contact_inbox_id, muted, additional_attributes, custom_attributes, \
             snoozed_until, waiting_since, first_reply_created_at, last_activity_at, agent_last_seen_at, assignee_last_seen_at, \
             contact_last_seen_at, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
             $15, $16, $17, $18, $19, $20, $21, $22, $22) RETURNING ",
            conversation_cols!()
        ))
        .bind(c.account_id)
        .bind(c.inbox_id)
        .bind(c.display_id)
        .bind(&c.uuid)
        .bind(c.status)
        .bind(c.priority)
        .bind(c.assignee_id)
        .bind(c.assignee_agent_bot_id)
        .bind(c.team_id)
        .bind(c.contact_id)
        .bind(c.contact_inbox_id)
        .bind(c.muted)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.snoozed_until)
        .bind(c.waiting_since)
        .bind(c.first_reply_created_at)
        .bind(c.last_activity_at)
        .bind(c.agent_last_seen_at)
        .bind(c.assignee_last_seen_at)
        .bind(c.contact_last_seen_at)
        .bind(c.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = $1 AND display_id = $2"
        ))
        .bind(account_id)
        .bind(display_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_conversations_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Conversation>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id IN "
        ));
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn lock_conversation(&mut self, account_id: i64, display_id: i64) -> StoreResult<Option<Conversation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = $1 AND display_id = $2",
            for_update!()
        ))
        .bind(account_id)
        .bind(display_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn lock_contact_inbox(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query(concat!("SELECT id FROM contact_inboxes WHERE id = $1", for_update!()))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn lock_conversation_by_id(&mut self, id: i64) -> StoreResult<Option<Conversation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE id = $1",
            for_update!()
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn save_conversation(&mut self, c: &Conversation) -> StoreResult<()> {
        sqlx::query(
            "UPDATE conversations SET status = $2, priority = $3, assignee_id = $4, assignee_agent_bot_id = $5, team_id = $6, \
             muted = $7, additional_attributes = $8, custom_attributes = $9, snoozed_until = $10, waiting_since = $11, \
             first_reply_created_at = $12, last_activity_at = $13, agent_last_seen_at = $14, assignee_last_seen_at = $15, \
             contact_last_seen_at = $16, updated_at = $17 WHERE id = $1",
        )
        .bind(c.id)
        .bind(c.status)
        .bind(c.priority)
        .bind(c.assignee_id)
        .bind(c.assignee_agent_bot_id)
        .bind(c.team_id)
        .bind(c.muted)
        .bind(Json(&c.additional_attributes))
        .bind(Json(&c.custom_attributes))
        .bind(c.snoozed_until)
        .bind(c.waiting_since)
        .bind(c.first_reply_created_at)
        .bind(c.last_activity_at)
        .bind(c.agent_last_seen_at)
        .bind(c.assignee_last_seen_at)
        .bind(c.contact_last_seen_at)
        .bind(c.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn latest_conversation(
        &mut self,
        contact_inbox_id: i64,
        statuses: &[i16],
    ) -> StoreResult<Option<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE contact_inbox_id = "
        ));
        qb.push_bind(contact_inbox_id);
        if !statuses.is_empty() {
            qb.push(" AND status IN (");
            let mut sep = qb.separated(", ");
            for s in statuses {
                sep.push_bind(*s);
            }
            qb.push(")");
        }
        qb.push(" ORDER BY id DESC LIMIT 1");
        qb.build_query_as().fetch_optional(&mut *self.tx).await.map_err(map_err)
    }

    async fn list_conversations(&mut self, q: &ConversationQuery) -> StoreResult<Vec<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", conversation_cols!(), " FROM conversations c"));
        conversation_filters(&mut qb, q, true);
        if let Some((value, id)) = q.after {
            let col = match q.sort {
                ConversationSort::CreatedAt => "c.created_at",
                _ => "c.last_activity_at",
            };
            qb.push(" AND (");
            qb.push(col);
            qb.push(", c.id) ");
            qb.push(if q.descending { "< (" } else { "> (" });
            qb.push_bind(value);
            qb.push(", ");
            qb.push_bind(id);
            qb.push(")");
        }
        let (col, nulls_last) = match q.sort {
            ConversationSort::LastActivityAt => ("c.last_activity_at", false),
            ConversationSort::CreatedAt => ("c.created_at", false),
            ConversationSort::Priority => ("c.priority", true),
            ConversationSort::WaitingSince => ("c.waiting_since", true),
        };
        let dir = if q.descending { " DESC" } else { " ASC" };
        qb.push(" ORDER BY ");
        if nulls_last {
            // Portable NULLS LAST: rows without a value sort after the rest.
            qb.push("CASE WHEN ");
            qb.push(col);
            qb.push(" IS NULL THEN 1 ELSE 0 END, ");
        }
        qb.push(col);
        qb.push(dir);
        qb.push(", c.id");
        qb.push(dir);
        qb.push(" LIMIT ");
        qb.push_bind(q.limit);
        qb.push(" OFFSET ");
        qb.push_bind(q.offset);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn conversation_counts(&mut self, q: &ConversationQuery) -> StoreResult<ConversationCounts> {
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT COUNT(*), \
             COALESCE(SUM(CASE WHEN c.assignee_id = ",
        );
        qb.push_bind(q.user_id);
        qb.push(
            " THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN c.assignee_id IS NOT NULL THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN c.assignee_id IS NULL THEN 1 ELSE 0 END), 0) FROM conversations c",
        );
        conversation_filters(&mut qb, q, false);
        let (all, mine, assigned, unassigned): (i64, i64, i64, i64) =
            qb.build_query_as().fetch_one(&mut *self.tx).await.map_err(map_err)?;
        Ok(ConversationCounts {
            mine_count: mine,
            assigned_count: assigned,
            unassigned_count: unassigned,
            all_count: all,
        })
    }

    async fn contact_conversations(
        &mut self,
        account_id: i64,
        contact_id: i64,
        inbox_ids: Option<&[i64]>,
        limit: i64,
    ) -> StoreResult<Vec<Conversation>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND contact_id = ");
        qb.push_bind(contact_id);
        if let Some(ids) = inbox_ids {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            qb.push(" AND inbox_id IN ");
            push_ids(&mut qb, ids);
        }
        qb.push(" ORDER BY id DESC LIMIT ");
        qb.push_bind(limit);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn conversation_labels(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<(i64, String)>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<DB>::new("SELECT conversation_id, label FROM conversation_labels WHERE conversation_id IN ");
        push_ids(&mut qb, conversation_ids);
        qb.push(" ORDER BY conversation_id, label");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn set_conversation_labels(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        labels: &[String],
    ) -> StoreResult<()> {
        sqlx::query("DELETE FROM conversation_labels WHERE conversation_id = $1")
            .bind(conversation_id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        for l in labels {
            sqlx::query(
                "INSERT INTO conversation_labels (conversation_id, account_id, label) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(conversation_id)
            .bind(account_id)
            .bind(l)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    async fn unread_counts(&mut self, conversations: &[(i64, Option<i64>)], cap: i64) -> StoreResult<Vec<(i64, i64)>> {
        if conversations.is_empty() {
            return Ok(Vec::new());
        }
        // Per conversation, of its latest `cap` incoming messages, those newer
        // than the agent's last visit: bounded work each.
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT c.id, (SELECT COUNT(*) FROM (SELECT m.created_at FROM messages m WHERE m.conversation_id = c.id \
             AND m.message_type = 0 ORDER BY m.id DESC LIMIT ",
        );
        qb.push_bind(cap);
        qb.push(") r WHERE r.created_at > COALESCE(c.agent_last_seen_at, -1)) FROM conversations c WHERE c.id IN ");
        let ids: Vec<i64> = conversations.iter().map(|(id, _)| *id).collect();
        push_ids(&mut qb, &ids);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn last_messages(&mut self, conversation_ids: &[i64]) -> StoreResult<Vec<Message>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Per conversation, walk its index backwards to the first chat
        // message: bounded work however long the conversation is.
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE id IN (SELECT (SELECT x.id FROM messages x WHERE x.conversation_id = c.id \
             AND x.message_type <> 2 AND x.private = FALSE ORDER BY x.id DESC LIMIT 1) FROM conversations c WHERE c.id IN "
        ));
        push_ids(&mut qb, conversation_ids);
        qb.push(")");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn last_incoming_at(&mut self, conversation_id: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "SELECT created_at FROM messages WHERE conversation_id = $1 AND message_type = 0 ORDER BY id DESC LIMIT 1",
        )
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn last_incoming_message(&mut self, conversation_id: i64) -> StoreResult<Option<Message>> {
        sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND message_type = 0 ORDER BY id DESC LIMIT 1"
        ))
        .bind(conversation_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_conversation_by_uuid(&mut self, uuid: &str) -> StoreResult<Option<Conversation>> {
        sqlx::query_as(concat!(
            "SELECT ",
            conversation_cols!(),
            " FROM conversations WHERE uuid = $1"
        ))
        .bind(uuid)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    // ---- messages ----

    async fn insert_message(&mut self, m: &NewMessage) -> StoreResult<Option<Message>> {
        sqlx::query_as(concat!(
            "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, content_type, \
             content_attributes, additional_attributes, private, status, source_id, echo_id, sender_type, sender_id, \
             created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15) \
             ON CONFLICT DO NOTHING RETURNING ",
            message_cols!()
        ))
        .bind(m.account_id)
        .bind(m.inbox_id)
        .bind(m.conversation_id)
        .bind(m.message_type.code())
        .bind(&m.content)
        .bind(m.content_type.code())
        .bind(Json(&m.content_attributes))
        .bind(Json(&m.additional_attributes))
        .bind(m.private)
        .bind(m.status.code())
        .bind(&m.source_id)
        .bind(&m.echo_id)
        .bind(&m.sender_type)
        .bind(m.sender_id)
        .bind(m.created_at)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_message_by_source(&mut self, inbox_id: i64, source_id: &str) -> StoreResult<Option<Message>> {
        sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE inbox_id = $1 AND source_id = $2"
        ))
        .bind(inbox_id)
        .bind(source_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn find_message_by_echo(&mut self, conversation_id: i64, echo_id: &str) -> StoreResult<Option<Message>> {
        sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND echo_id = $2"
        ))
        .bind(conversation_id)
        .bind(echo_id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_message(&mut self, conversation_id: i64, id: i64) -> StoreResult<Option<Message>> {
        sqlx::query_as(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = $1 AND id = $2"
        ))
        .bind(conversation_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_message_by_id(&mut self, id: i64) -> StoreResult<Option<Message>> {
        sqlx::query_as(concat!("SELECT ", message_cols!(), " FROM messages WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn get_messages_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Message>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", message_cols!(), " FROM messages WHERE id IN "));
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn mark_messages_sent(&mut self, sent: &[(i64, String)], now: i64) -> StoreResult<Vec<Message>> {
        if sent.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("UPDATE messages SET source_id = v.column2, status = 0, updated_at = ");
        qb.push_bind(now);
        qb.push(" FROM (");
        qb.push_values(sent, |mut b, (id, source)| {
            b.push_bind(*id).push_bind(source.clone());
        });
        qb.push(concat!(
            ") AS v WHERE messages.id = v.column1 AND messages.source_id IS NULL RETURNING ",
            message_cols!()
        ));
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn update_message(&mut self, m: &Message) -> StoreResult<()> {
        sqlx::query(
            "UPDATE messages SET content = $2, content_type = $3, content_attributes = $4, additional_attributes = $5, \
             status = $6, source_id = $7, updated_at = $8 WHERE id = $1",
        )
        .bind(m.id)
        .bind(&m.content)
        .bind(m.content_type)
        .bind(Json(&m.content_attributes))
        .bind(Json(&m.additional_attributes))
        .bind(m.status)
        .bind(&m.source_id)
        .bind(m.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn count_messages_since(&mut self, conversation_id: i64, since: i64, cap: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND created_at > $2 LIMIT $3) recent",
        )
        .bind(conversation_id)
        .bind(since)
        .bind(cap)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_messages(&mut self, q: &MessageQuery) -> StoreResult<Vec<Message>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE conversation_id = "
        ));
        qb.push_bind(q.conversation_id);
        if q.public_only {
            qb.push(" AND private = FALSE AND message_type <> 2");
        }
        if let Some(b) = q.before {
            qb.push(" AND id < ");
            qb.push_bind(b);
        }
        if let Some(a) = q.after {
            qb.push(" AND id > ");
            qb.push_bind(a);
        }
        // With only `after`, take the oldest ones after the cursor; otherwise the newest.
        let ascending = q.after.is_some() && q.before.is_none();
        qb.push(if ascending {
            " ORDER BY id ASC LIMIT "
        } else {
            " ORDER BY id DESC LIMIT "
        });
        qb.push_bind(q.limit);
        let mut rows: Vec<Message> = qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)?;
        if !ascending {
            rows.reverse();
        }
        Ok(rows)
    }

    async fn search_messages(
        &mut self,
        account_id: i64,
        inboxes: Option<&[i64]>,
        needle: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<Message>> {
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            message_cols!(),
            " FROM messages WHERE account_id = "
        ));
        qb.push_bind(account_id);
        if let Some(ids) = inboxes {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            qb.push(" AND inbox_id IN ");
            push_ids(&mut qb, ids);
        }
        qb.push(" AND message_type IN (0, 1) AND LOWER(content) LIKE ");
        qb.push_bind(like_pattern(&needle.to_lowercase()));
        qb.push(" ESCAPE '\\' ORDER BY id DESC LIMIT ");
        qb.push_bind(limit);
        qb.push(" OFFSET ");
        qb.push_bind(offset);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn lock_conversations(&mut self, keys: &[(i64, i64)]) -> StoreResult<Vec<Conversation>> {
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", conversation_cols!(), " FROM conversations WHERE "));
        for (i, (account, display)) in keys.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("(account_id = ");
            qb.push_bind(*account);
            qb.push(" AND display_id = ");
            qb.push_bind(*display);
            qb.push(")");
        }
        qb.push(concat!(" ORDER BY id", for_update!()));
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn touch_conversations(&mut self, convs: &[Conversation]) -> StoreResult<()> {
        if convs.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "UPDATE conversations SET status = v.column2, snoozed_until = v.column3, waiting_since = v.column4, \
             first_reply_created_at = v.column5, last_activity_at = v.column6, updated_at = v.column7 FROM (",
        );
        qb.push_values(convs, |mut b, c| {
            b.push_bind(c.id)
                .push_bind(c.status)
                .push_bind(c.snoozed_until)
                .push_bind(c.waiting_since)
                .push_bind(c.first_reply_created_at)
                .push_bind(c.last_activity_at)
                .push_bind(c.updated_at);
        });
        qb.push(") AS v WHERE conversations.id = v.column1");
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn count_recent_messages(&mut self, conversation_ids: &[i64], since: i64) -> StoreResult<Vec<(i64, i64)>> {
        if conversation_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("SELECT conversation_id, COUNT(*) FROM messages WHERE created_at > ");
        qb.push_bind(since);
        qb.push(" AND conversation_id IN ");
        push_ids(&mut qb, conversation_ids);
        qb.push(" GROUP BY conversation_id");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn get_inboxes(&mut self, ids: &[i64]) -> StoreResult<Vec<Inbox>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", inbox_cols!(), " FROM inboxes WHERE id IN "));
        push_ids(&mut qb, ids);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn inbox_memberships(&mut self, pairs: &[(i64, i64)]) -> StoreResult<Vec<(i64, i64)>> {
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new("SELECT inbox_id, user_id FROM inbox_members WHERE ");
        for (i, (inbox, user)) in pairs.iter().enumerate() {
            if i > 0 {
                qb.push(" OR ");
            }
            qb.push("(inbox_id = ");
            qb.push_bind(*inbox);
            qb.push(" AND user_id = ");
            qb.push_bind(*user);
            qb.push(")");
        }
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn get_contacts_by_ids(&mut self, ids: &[i64]) -> StoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!(), " FROM contacts WHERE id IN "));
        push_ids(&mut qb, ids);
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn touch_contacts(&mut self, ids: &[i64], at: i64) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("UPDATE contacts SET last_activity_at = ");
        qb.push_bind(at);
        qb.push(", updated_at = ");
        qb.push_bind(at);
        qb.push(" WHERE id IN ");
        push_ids(&mut qb, ids);
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn insert_messages(&mut self, rows: &[NewMessage]) -> StoreResult<Vec<Message>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, content_type, \
             content_attributes, additional_attributes, private, status, source_id, echo_id, sender_type, sender_id, \
             created_at, updated_at) ",
        );
        qb.push_values(rows, |mut b, m| {
            b.push_bind(m.account_id)
                .push_bind(m.inbox_id)
                .push_bind(m.conversation_id)
                .push_bind(m.message_type.code())
                .push_bind(m.content.clone())
                .push_bind(m.content_type.code())
                .push_bind(Json(m.content_attributes.clone()))
                .push_bind(Json(m.additional_attributes.clone()))
                .push_bind(m.private)
                .push_bind(m.status.code())
                .push_bind(m.source_id.clone())
                .push_bind(m.echo_id.clone())
                .push_bind(m.sender_type.clone())
                .push_bind(m.sender_id)
                .push_bind(m.created_at)
                .push_bind(m.created_at);
        });
        qb.push(concat!(" ON CONFLICT DO NOTHING RETURNING ", message_cols!()));
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn insert_events(&mut self, events: &[switchboard_domain::Event], now: i64) -> StoreResult<()> {
        if events.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO events (account_id, name, inbox_id, conversation_id, contact_id, private, data, created_at) ",
        );
        qb.push_values(events, |mut b, e| {
            b.push_bind(e.account_id)
                .push_bind(e.kind.cable_name())
                .push_bind(e.inbox_id)
                .push_bind(e.conversation_id)
                .push_bind(e.contact_id)
                .push_bind(e.private)
                .push_bind(Json(e.data.clone()))
                .push_bind(now);
        });
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn insert_deliveries(&mut self, ds: &[NewDelivery], now: i64) -> StoreResult<Vec<Delivery>> {
        if ds.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO deliveries (account_id, webhook_id, inbox_id, message_id, delivery_uuid, event, url, payload, created_at, updated_at) ",
        );
        qb.push_values(ds, |mut b, d| {
            b.push_bind(d.account_id)
                .push_bind(d.webhook_id)
                .push_bind(d.inbox_id)
                .push_bind(d.message_id)
                .push_bind(d.delivery_uuid.clone())
                .push_bind(d.event.clone())
                .push_bind(d.url.clone())
                .push_bind(d.payload.clone())
                .push_bind(now)
                .push_bind(now);
        });
        qb.push(concat!(" RETURNING ", delivery_cols!()));
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn insert_jobs(&mut self, jobs: &[NewJob], now: i64) -> StoreResult<u64> {
        if jobs.is_empty() {
            return Ok(0);
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, deadline_at, unique_key, queue_key, created_at, updated_at) ",
        );
        qb.push_values(jobs, |mut b, j| {
            b.push_bind(j.kind.clone())
                .push_bind(Json(j.payload.clone()))
                .push_bind(0i16)
                .push_bind(j.run_at)
                .push_bind(j.max_attempts)
                .push_bind(j.deadline_at)
                .push_bind(j.unique_key.clone())
                .push_bind(j.queue_key.clone())
                .push_bind(now)
                .push_bind(now);
        });
        qb.push(" ON CONFLICT DO NOTHING");
        Ok(qb
            .build()
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?
            .rows_affected())
    }

    async fn insert_attachments(
        &mut self,
        account_id: i64,
        message_id: i64,
        files: &[NewAttachment],
        now: i64,
    ) -> StoreResult<Vec<Attachment>> {
        if files.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO attachments (account_id, message_id, file_type, content_type, extension, file_name, file_size, width, height, storage_key, created_at) ",
        );
        qb.push_values(files, |mut b, f| {
            b.push_bind(account_id)
                .push_bind(message_id)
                .push_bind(f.file_type)
                .push_bind(f.content_type.clone())
                .push_bind(f.extension.clone())
                .push_bind(f.file_name.clone())
                .push_bind(f.file_size)
                .push_bind(f.width)
                .push_bind(f.height)
                .push_bind(f.storage_key.clone())
                .push_bind(now);
        });
        qb.push(concat!(" RETURNING ", attachment_cols!()));
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn attachments_for(&mut self, message_ids: &[i64]) -> StoreResult<Vec<Attachment>> {
        if message_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE message_id IN "
        ));
        push_ids(&mut qb, message_ids);
        qb.push(" ORDER BY id");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn get_attachment(&mut self, id: i64) -> StoreResult<Option<Attachment>> {
        sqlx::query_as(concat!(
            "SELECT ",
            attachment_cols!(),
            " FROM attachments WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn delete_attachments(&mut self, message_id: i64) -> StoreResult<Vec<String>> {
        sqlx::query_scalar("DELETE FROM attachments WHERE message_id = $1 RETURNING storage_key")
            .bind(message_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn recent_replies(
        &mut self,
        conversation_id: i64,
        outgoing_since: i64,
        template_since: i64,
    ) -> StoreResult<(bool, bool)> {
        let (outgoing, template): (i64, i64) = sqlx::query_as(
            "SELECT \
             (SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND message_type = 1 AND private = FALSE AND created_at > $2 LIMIT 1) a), \
             (SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND message_type = 3 AND created_at > $3 LIMIT 1) b)",
        )
        .bind(conversation_id)
        .bind(outgoing_since)
        .bind(template_since)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok((outgoing > 0, template > 0))
    }

    async fn has_content_type(&mut self, conversation_id: i64, content_type: i16) -> StoreResult<bool> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM messages WHERE conversation_id = $1 AND content_type = $2 LIMIT 1) x",
        )
        .bind(conversation_id)
        .bind(content_type)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(n > 0)
    }

    async fn upsert_csat(&mut self, c: &NewCsat, now: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO csat_survey_responses (account_id, conversation_id, message_id, contact_id, assigned_agent_id, \
             rating, feedback_message, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (message_id) DO UPDATE SET rating = excluded.rating, feedback_message = excluded.feedback_message, \
             updated_at = excluded.updated_at",
        )
        .bind(c.account_id)
        .bind(c.conversation_id)
        .bind(c.message_id)
        .bind(c.contact_id)
        .bind(c.assigned_agent_id)
        .bind(c.rating)
        .bind(&c.feedback_message)
        .bind(now)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    // ---- teams, labels, canned responses ----

    async fn insert_team(&mut self, t: &Team) -> StoreResult<Team> {
        sqlx::query_as(concat!(
            "INSERT INTO teams (account_id, name, description, allow_auto_assign, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING ",
            team_cols!()
        ))
        .bind(t.account_id)
        .bind(&t.name)
        .bind(&t.description)
        .bind(t.allow_auto_assign)
        .bind(t.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_team(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Team>> {
        sqlx::query_as(concat!(
            "SELECT ",
            team_cols!(),
            " FROM teams WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_teams(&mut self, account_id: i64) -> StoreResult<Vec<Team>> {
        sqlx::query_as(concat!(
            "SELECT ",
            team_cols!(),
            " FROM teams WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
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
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_team(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM teams WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn list_team_members(&mut self, team_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
            .bind(team_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err)
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
            .await
            .map_err(map_err)?;
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
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn user_team_ids(&mut self, user_id: i64) -> StoreResult<Vec<i64>> {
        sqlx::query_scalar("SELECT team_id FROM team_members WHERE user_id = $1")
            .bind(user_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn insert_label(&mut self, l: &Label) -> StoreResult<Label> {
        sqlx::query_as(concat!(
            "INSERT INTO labels (account_id, title, description, color, show_on_sidebar, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ",
            label_cols!()
        ))
        .bind(l.account_id)
        .bind(&l.title)
        .bind(&l.description)
        .bind(&l.color)
        .bind(l.show_on_sidebar)
        .bind(l.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_label(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Label>> {
        sqlx::query_as(concat!(
            "SELECT ",
            label_cols!(),
            " FROM labels WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_labels(&mut self, account_id: i64) -> StoreResult<Vec<Label>> {
        sqlx::query_as(concat!(
            "SELECT ",
            label_cols!(),
            " FROM labels WHERE account_id = $1 ORDER BY title"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn update_label(&mut self, l: &Label) -> StoreResult<()> {
        sqlx::query(
            "UPDATE labels SET title = $3, description = $4, color = $5, show_on_sidebar = $6 WHERE account_id = $1 AND id = $2",
        )
        .bind(l.account_id)
        .bind(l.id)
        .bind(&l.title)
        .bind(&l.description)
        .bind(&l.color)
        .bind(l.show_on_sidebar)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_label(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM labels WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_canned(&mut self, c: &CannedResponse) -> StoreResult<CannedResponse> {
        sqlx::query_as(concat!(
            "INSERT INTO canned_responses (account_id, short_code, content, created_at, updated_at) VALUES ($1, $2, $3, $4, $4) RETURNING ",
            canned_cols!()
        ))
        .bind(c.account_id)
        .bind(&c.short_code)
        .bind(&c.content)
        .bind(c.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_canned(&mut self, account_id: i64, id: i64) -> StoreResult<Option<CannedResponse>> {
        sqlx::query_as(concat!(
            "SELECT ",
            canned_cols!(),
            " FROM canned_responses WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_canned(&mut self, account_id: i64, search: Option<&str>) -> StoreResult<Vec<CannedResponse>> {
        match search.filter(|s| !s.is_empty()) {
            None => sqlx::query_as(concat!(
                "SELECT ",
                canned_cols!(),
                " FROM canned_responses WHERE account_id = $1 ORDER BY short_code"
            ))
            .bind(account_id)
            .fetch_all(&mut *self.tx)
            .await
            .map_err(map_err),
            Some(s) => {
                // Short-code prefix matches first, then content matches (Chatwoot's order).
                let prefix = format!(
                    "{}%",
                    like_pattern(&s.to_lowercase())
                        .trim_start_matches('%')
                        .trim_end_matches('%')
                );
                sqlx::query_as(concat!(
                    "SELECT ",
                    canned_cols!(),
                    " FROM canned_responses WHERE account_id = $1 AND (LOWER(short_code) LIKE $2 ESCAPE '\\' OR LOWER(content) LIKE $3 ESCAPE '\\') \
                     ORDER BY CASE WHEN LOWER(short_code) LIKE $2 ESCAPE '\\' THEN 0 ELSE 1 END, short_code"
                ))
                .bind(account_id)
                .bind(prefix)
                .bind(like_pattern(&s.to_lowercase()))
                .fetch_all(&mut *self.tx)
                .await
                .map_err(map_err)
            }
        }
    }

    async fn update_canned(&mut self, c: &CannedResponse) -> StoreResult<()> {
        sqlx::query(
            "UPDATE canned_responses SET short_code = $3, content = $4, updated_at = $5 WHERE account_id = $1 AND id = $2",
        )
        .bind(c.account_id)
        .bind(c.id)
        .bind(&c.short_code)
        .bind(&c.content)
        .bind(c.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_canned(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM canned_responses WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() > 0)
    }

    // ---- webhooks and deliveries ----

    async fn insert_webhook(&mut self, w: &Webhook) -> StoreResult<Webhook> {
        sqlx::query_as(concat!(
            "INSERT INTO webhooks (account_id, inbox_id, name, url, webhook_type, subscriptions, secret, created_at, updated_at, timeout_secs) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) RETURNING ",
            webhook_cols!()
        ))
        .bind(w.account_id)
        .bind(w.inbox_id)
        .bind(&w.name)
        .bind(&w.url)
        .bind(w.webhook_type)
        .bind(Json(&w.subscriptions))
        .bind(&w.secret)
        .bind(w.created_at)
        .bind(w.timeout_secs)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Webhook>> {
        sqlx::query_as(concat!(
            "SELECT ",
            webhook_cols!(),
            " FROM webhooks WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_webhooks(&mut self, account_id: i64) -> StoreResult<Vec<Webhook>> {
        sqlx::query_as(concat!(
            "SELECT ",
            webhook_cols!(),
            " FROM webhooks WHERE account_id = $1 ORDER BY id"
        ))
        .bind(account_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn update_webhook(&mut self, w: &Webhook) -> StoreResult<()> {
        sqlx::query(
            "UPDATE webhooks SET inbox_id = $3, name = $4, url = $5, subscriptions = $6, secret = $7, updated_at = $8, \
             timeout_secs = $9 WHERE account_id = $1 AND id = $2",
        )
        .bind(w.account_id)
        .bind(w.id)
        .bind(w.inbox_id)
        .bind(&w.name)
        .bind(&w.url)
        .bind(Json(&w.subscriptions))
        .bind(&w.secret)
        .bind(w.updated_at)
        .bind(w.timeout_secs)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_webhook(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM webhooks WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() > 0)
    }

    async fn insert_delivery(&mut self, d: &NewDelivery, now: i64) -> StoreResult<Delivery> {
        sqlx::query_as(concat!(
            "INSERT INTO deliveries (account_id, webhook_id, inbox_id, message_id, delivery_uuid, event, url, payload, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING ",
            delivery_cols!()
        ))
        .bind(d.account_id)
        .bind(d.webhook_id)
        .bind(d.inbox_id)
        .bind(d.message_id)
        .bind(&d.delivery_uuid)
        .bind(&d.event)
        .bind(&d.url)
        .bind(&d.payload)
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_delivery(&mut self, id: i64) -> StoreResult<Option<Delivery>> {
        sqlx::query_as(concat!("SELECT ", delivery_cols!(), " FROM deliveries WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *self.tx)
            .await
            .map_err(map_err)
    }

    async fn update_delivery(&mut self, d: &Delivery) -> StoreResult<()> {
        sqlx::query(
            "UPDATE deliveries SET state = $2, attempts = $3, last_status = $4, last_error = $5, updated_at = $6 WHERE id = $1",
        )
        .bind(d.id)
        .bind(&d.state)
        .bind(d.attempts)
        .bind(d.last_status)
        .bind(&d.last_error)
        .bind(d.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn insert_delivery_attempt(&mut self, a: &DeliveryAttempt) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO delivery_attempts (delivery_id, attempt, status_code, error, duration_ms, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(a.delivery_id)
        .bind(a.attempt)
        .bind(a.status_code)
        .bind(&a.error)
        .bind(a.duration_ms)
        .bind(a.created_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn list_deliveries(
        &mut self,
        account_id: i64,
        webhook_id: i64,
        before_id: Option<i64>,
        limit: i64,
    ) -> StoreResult<Vec<Delivery>> {
        sqlx::query_as(concat!(
            "SELECT ",
            delivery_cols!(),
            " FROM deliveries WHERE account_id = $1 AND webhook_id = $2 AND id < $3 ORDER BY id DESC LIMIT $4"
        ))
        .bind(account_id)
        .bind(webhook_id)
        .bind(before_id.unwrap_or(i64::MAX))
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_delivery_attempts(&mut self, delivery_ids: &[i64]) -> StoreResult<Vec<DeliveryAttempt>> {
        if delivery_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "SELECT id, delivery_id, attempt, status_code, error, duration_ms, created_at FROM delivery_attempts WHERE delivery_id IN ",
        );
        push_ids(&mut qb, delivery_ids);
        qb.push(" ORDER BY delivery_id, id");
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    // ---- outbox: events and jobs ----

    async fn insert_event(&mut self, e: &switchboard_domain::Event, now: i64) -> StoreResult<i64> {
        sqlx::query_scalar(
            "INSERT INTO events (account_id, name, inbox_id, conversation_id, contact_id, private, data, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(e.account_id)
        .bind(e.kind.cable_name())
        .bind(e.inbox_id)
        .bind(e.conversation_id)
        .bind(e.contact_id)
        .bind(e.private)
        .bind(Json(&e.data))
        .bind(now)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn insert_job(&mut self, j: &NewJob, now: i64) -> StoreResult<Option<i64>> {
        sqlx::query_scalar(
            "INSERT INTO jobs (kind, payload, state, run_at, max_attempts, deadline_at, unique_key, queue_key, created_at, updated_at) \
             VALUES ($1, $2, 0, $3, $4, $5, $6, $8, $7, $7) ON CONFLICT DO NOTHING RETURNING id",
        )
        .bind(&j.kind)
        .bind(Json(&j.payload))
        .bind(j.run_at)
        .bind(j.max_attempts)
        .bind(j.deadline_at)
        .bind(&j.unique_key)
        .bind(now)
        .bind(&j.queue_key)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn complete_jobs(&mut self, ids: &[i64]) -> StoreResult<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM jobs WHERE id IN ");
        push_ids(&mut qb, ids);
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn complete_job(&mut self, id: i64) -> StoreResult<()> {
        sqlx::query("DELETE FROM jobs WHERE id = $1")
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn retry_job(&mut self, id: i64, run_at: i64, error: &str) -> StoreResult<()> {
        sqlx::query(DROP_IF_TWIN_QUEUED)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        sqlx::query("UPDATE jobs SET state = 0, run_at = $2, locked_until = NULL, last_error = $3, updated_at = $2 WHERE id = $1")
            .bind(id)
            .bind(run_at)
            .bind(error)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn defer_job(&mut self, id: i64, run_at: i64, reason: &str) -> StoreResult<()> {
        sqlx::query(DROP_IF_TWIN_QUEUED)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        sqlx::query(
            "UPDATE jobs SET state = 0, run_at = $2, locked_until = NULL, last_error = COALESCE(last_error, $3), \
             attempts = CASE WHEN attempts > 0 THEN attempts - 1 ELSE 0 END WHERE id = $1",
        )
        .bind(id)
        .bind(run_at)
        .bind(reason)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn release_jobs(&mut self, ids: &[(i64, i64)]) -> StoreResult<()> {
        // Each only while the claim is still ours (its lease as we set it).
        for (id, locked_until) in ids {
            sqlx::query(DROP_IF_TWIN_QUEUED)
                .bind(*id)
                .execute(&mut *self.tx)
                .await
                .map_err(map_err)?;
            sqlx::query(
                "UPDATE jobs SET state = 0, locked_until = NULL, attempts = attempts - 1 \
                 WHERE id = $1 AND state = 1 AND locked_until = $2",
            )
            .bind(*id)
            .bind(*locked_until)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        }
        Ok(())
    }

    async fn kill_job(&mut self, id: i64, error: &str, now: i64) -> StoreResult<()> {
        sqlx::query("UPDATE jobs SET state = 3, locked_until = NULL, last_error = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(error)
            .bind(now)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(())
    }

    async fn job_stats(&mut self) -> StoreResult<JobStats> {
        let (queued, running, dead): (i64, i64, i64) = sqlx::query_as(
            "SELECT COALESCE(SUM(CASE WHEN state = 0 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state = 1 THEN 1 ELSE 0 END), 0), \
             COALESCE(SUM(CASE WHEN state = 3 THEN 1 ELSE 0 END), 0) FROM jobs",
        )
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(JobStats { queued, running, dead })
    }

    async fn prune(&mut self, events_before: i64, deliveries_before: i64, limit: i64) -> StoreResult<u64> {
        let mut n = 0;
        for sql in [
            "DELETE FROM events WHERE id IN (SELECT id FROM events WHERE created_at < $1 ORDER BY id LIMIT $2)",
            "DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE created_at < $1 AND state <> 'pending' ORDER BY id LIMIT $2)",
            "DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE state = 3 AND updated_at < $1 ORDER BY id LIMIT $2)",
        ] {
            let cut = if sql.contains("FROM events") {
                events_before
            } else {
                deliveries_before
            };
            n += sqlx::query(sql)
                .bind(cut)
                .bind(limit)
                .execute(&mut *self.tx)
                .await
                .map_err(map_err)?
                .rows_affected();
        }
        Ok(n)
    }

    // ---- conversation participants and custom filters ----

    async fn conversation_participants(&mut self, conversation_id: i64) -> StoreResult<Vec<i64>> {
        let rows: Vec<(i64,)> =
            sqlx::query_as("SELECT user_id FROM conversation_participants WHERE conversation_id = $1 ORDER BY id")
                .bind(conversation_id)
                .fetch_all(&mut *self.tx)
                .await
                .map_err(map_err)?;
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    async fn add_conversation_participants(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO conversation_participants (account_id, conversation_id, user_id, created_at) ",
        );
        qb.push_values(user_ids, |mut b, uid| {
            b.push_bind(account_id)
                .push_bind(conversation_id)
                .push_bind(*uid)
                .push_bind(now);
        });
        qb.push(" ON CONFLICT (conversation_id, user_id) DO NOTHING");
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn remove_conversation_participants(&mut self, conversation_id: i64, user_ids: &[i64]) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new("DELETE FROM conversation_participants WHERE conversation_id = ");
        qb.push_bind(conversation_id);
        qb.push(" AND user_id IN ");
        push_ids(&mut qb, user_ids);
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn list_custom_filters(
        &mut self,
        account_id: i64,
        user_id: i64,
        filter_type: i16,
        limit: i64,
    ) -> StoreResult<Vec<CustomFilter>> {
        sqlx::query_as(concat!(
            "SELECT ",
            custom_filter_cols!(),
            " FROM custom_filters WHERE account_id = $1 AND user_id = $2 AND filter_type = $3 ORDER BY id LIMIT $4"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(filter_type)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn count_custom_filters(&mut self, account_id: i64, user_id: i64) -> StoreResult<i64> {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM custom_filters WHERE account_id = $1 AND user_id = $2")
            .bind(account_id)
            .bind(user_id)
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(n)
    }

    async fn get_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<Option<CustomFilter>> {
        sqlx::query_as(concat!(
            "SELECT ",
            custom_filter_cols!(),
            " FROM custom_filters WHERE account_id = $1 AND user_id = $2 AND id = $3"
        ))
        .bind(account_id)
        .bind(user_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn insert_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<CustomFilter> {
        sqlx::query_as(concat!(
            "INSERT INTO custom_filters (account_id, user_id, name, filter_type, query, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING ",
            custom_filter_cols!()
        ))
        .bind(f.account_id)
        .bind(f.user_id)
        .bind(&f.name)
        .bind(f.filter_type)
        .bind(Json(&f.query))
        .bind(f.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn update_custom_filter(&mut self, f: &CustomFilter) -> StoreResult<()> {
        sqlx::query(
            "UPDATE custom_filters SET name = $4, filter_type = $5, query = $6, updated_at = $7 \
             WHERE account_id = $1 AND user_id = $2 AND id = $3",
        )
        .bind(f.account_id)
        .bind(f.user_id)
        .bind(f.id)
        .bind(&f.name)
        .bind(f.filter_type)
        .bind(Json(&f.query))
        .bind(f.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_custom_filter(&mut self, account_id: i64, user_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM custom_filters WHERE account_id = $1 AND user_id = $2 AND id = $3")
            .bind(account_id)
            .bind(user_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }

    // ---- contacts CSV import and export ----
    async fn insert_data_import(&mut self, d: &DataImport, file: &[u8]) -> StoreResult<DataImport> {
        sqlx::query_as(concat!(
            "INSERT INTO data_imports (account_id, user_id, data_type, status, file_name, file, total_records, \
             cursor_byte, cursor_line, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) \
             RETURNING ",
            data_import_cols!()
        ))
        .bind(d.account_id)
        .bind(d.user_id)
        .bind(&d.data_type)
        .bind(d.status)
        .bind(&d.file_name)
        .bind(file)
        .bind(d.total_records)
        .bind(d.cursor_byte)
        .bind(d.cursor_line)
        .bind(d.created_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>> {
        sqlx::query_as(concat!(
            "SELECT ",
            data_import_cols!(),
            " FROM data_imports WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn lock_data_import(&mut self, account_id: i64, id: i64) -> StoreResult<Option<DataImport>> {
        sqlx::query_as(concat!(
            "SELECT ",
            data_import_cols!(),
            " FROM data_imports WHERE account_id = $1 AND id = $2",
            for_update!()
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn list_data_imports(&mut self, account_id: i64, limit: i64) -> StoreResult<Vec<DataImport>> {
        sqlx::query_as(concat!(
            "SELECT ",
            data_import_cols!(),
            " FROM data_imports WHERE account_id = $1 ORDER BY id DESC LIMIT $2"
        ))
        .bind(account_id)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn data_import_file(&mut self, account_id: i64, id: i64) -> StoreResult<Option<Vec<u8>>> {
        let row: Option<(Option<Vec<u8>>,)> =
            sqlx::query_as("SELECT file FROM data_imports WHERE account_id = $1 AND id = $2")
                .bind(account_id)
                .bind(id)
                .fetch_optional(&mut *self.tx)
                .await
                .map_err(map_err)?;
        Ok(row.and_then(|(f,)| f))
    }

    async fn update_data_import(&mut self, d: &DataImport) -> StoreResult<()> {
        sqlx::query(
            "UPDATE data_imports SET status = $3, processed_records = $4, created_records = $5, \
             updated_records = $6, failed_records = $7, failed_rows = $8, cursor_byte = $9, cursor_line = $10, \
             error = $11, updated_at = $12, total_records = $13, \
             file = CASE WHEN $3 >= 2 THEN NULL ELSE file END \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(d.account_id)
        .bind(d.id)
        .bind(d.status)
        .bind(d.processed_records)
        .bind(d.created_records)
        .bind(d.updated_records)
        .bind(d.failed_records)
        .bind(&d.failed_rows)
        .bind(d.cursor_byte)
        .bind(d.cursor_line)
        .bind(&d.error)
        .bind(d.updated_at)
        .bind(d.total_records)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn export_contacts_page(
        &mut self,
        account_id: i64,
        label: Option<&str>,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<Contact>> {
        match label {
            None => sqlx::query_as(concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND id > $2 ORDER BY id LIMIT $3"
            ))
            .bind(account_id)
            .bind(after_id)
            .bind(limit),
            Some(l) => sqlx::query_as(concat!(
                "SELECT ",
                contact_cols!(),
                " FROM contacts WHERE account_id = $1 AND id > $2 AND id IN (SELECT contact_id FROM contact_labels \
                 WHERE account_id = $1 AND label = $4 AND contact_id > $2) ORDER BY id LIMIT $3"
            ))
            .bind(account_id)
            .bind(after_id)
            .bind(limit)
            .bind(l),
        }
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    // ---- custom attribute definitions ----

    async fn list_attribute_definitions(
        &mut self,
        account_id: i64,
        model: Option<i16>,
        limit: i64,
    ) -> StoreResult<Vec<AttributeDefinition>> {
        sqlx::query_as(concat!(
            "SELECT ",
            attribute_definition_cols!(),
            " FROM custom_attribute_definitions WHERE account_id = $1 \
             AND ($2 IS NULL OR attribute_model = $2) ORDER BY id LIMIT $3"
        ))
        .bind(account_id)
        .bind(model)
        .bind(limit)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn get_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<Option<AttributeDefinition>> {
        sqlx::query_as(concat!(
            "SELECT ",
            attribute_definition_cols!(),
            " FROM custom_attribute_definitions WHERE account_id = $1 AND id = $2"
        ))
        .bind(account_id)
        .bind(id)
        .fetch_optional(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn count_attribute_definitions(&mut self, account_id: i64, model: i16) -> StoreResult<i64> {
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM custom_attribute_definitions WHERE account_id = $1 AND attribute_model = $2",
        )
        .bind(account_id)
        .bind(model)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn insert_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<AttributeDefinition> {
        sqlx::query_as(concat!(
            "INSERT INTO custom_attribute_definitions (account_id, attribute_model, attribute_key, \
             attribute_display_name, attribute_display_type, attribute_description, attribute_values, \
             regex_pattern, regex_cue, default_value, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING ",
            attribute_definition_cols!()
        ))
        .bind(d.account_id)
        .bind(d.attribute_model)
        .bind(&d.attribute_key)
        .bind(&d.attribute_display_name)
        .bind(d.attribute_display_type)
        .bind(&d.attribute_description)
        .bind(Json(&d.attribute_values))
        .bind(&d.regex_pattern)
        .bind(&d.regex_cue)
        .bind(Json(&d.default_value))
        .bind(d.created_at)
        .bind(d.updated_at)
        .fetch_one(&mut *self.tx)
        .await
        .map_err(map_err)
    }

    async fn update_attribute_definition(&mut self, d: &AttributeDefinition) -> StoreResult<()> {
        sqlx::query(
            "UPDATE custom_attribute_definitions SET attribute_model = $3, attribute_key = $4, \
             attribute_display_name = $5, attribute_display_type = $6, attribute_description = $7, \
             attribute_values = $8, regex_pattern = $9, regex_cue = $10, default_value = $11, updated_at = $12 \
             WHERE account_id = $1 AND id = $2",
        )
        .bind(d.account_id)
        .bind(d.id)
        .bind(d.attribute_model)
        .bind(&d.attribute_key)
        .bind(&d.attribute_display_name)
        .bind(d.attribute_display_type)
        .bind(&d.attribute_description)
        .bind(Json(&d.attribute_values))
        .bind(&d.regex_pattern)
        .bind(&d.regex_cue)
        .bind(Json(&d.default_value))
        .bind(d.updated_at)
        .execute(&mut *self.tx)
        .await
        .map_err(map_err)?;
        Ok(())
    }

    async fn delete_attribute_definition(&mut self, account_id: i64, id: i64) -> StoreResult<bool> {
        let r = sqlx::query("DELETE FROM custom_attribute_definitions WHERE account_id = $1 AND id = $2")
            .bind(account_id)
            .bind(id)
            .execute(&mut *self.tx)
            .await
            .map_err(map_err)?;
        Ok(r.rows_affected() == 1)
    }
    // ---- contacts: filter, active, contactable inboxes, merge ----

    async fn filter_contacts(&mut self, q: &ContactFilterQuery) -> StoreResult<(Vec<Contact>, i64)> {
        let mut count_qb = QueryBuilder::<DB>::new("SELECT COUNT(*) FROM (SELECT 1");
        contact_filter_where(&mut count_qb, q);
        count_qb.push(" LIMIT ");
        count_qb.push_bind(q.count_cap);
        count_qb.push(") t");
        let count: i64 = count_qb
            .build_query_scalar()
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
        let mut qb = QueryBuilder::<DB>::new(concat!("SELECT ", contact_cols!()));
        contact_filter_where(&mut qb, q);
        qb.push(" ORDER BY (c.last_activity_at IS NULL), c.last_activity_at DESC, c.id DESC LIMIT ");
        qb.push_bind(q.limit);
        qb.push(" OFFSET ");
        qb.push_bind(q.offset);
        let rows = qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)?;
        Ok((rows, count))
    }

    async fn contacts_among(
        &mut self,
        account_id: i64,
        ids: &[i64],
        limit: i64,
        offset: i64,
    ) -> StoreResult<(Vec<Contact>, i64)> {
        if ids.is_empty() {
            return Ok((Vec::new(), 0));
        }
        let mut count_qb = QueryBuilder::<DB>::new("SELECT COUNT(*) FROM contacts WHERE account_id = ");
        count_qb.push_bind(account_id);
        count_qb.push(" AND id IN ");
        push_ids(&mut count_qb, ids);
        let count: i64 = count_qb
            .build_query_scalar()
            .fetch_one(&mut *self.tx)
            .await
            .map_err(map_err)?;
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND id IN ");
        push_ids(&mut qb, ids);
        qb.push(" ORDER BY id LIMIT ");
        qb.push_bind(limit);
        qb.push(" OFFSET ");
        qb.push_bind(offset);
        let rows = qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)?;
        Ok((rows, count))
    }

    async fn contact_inboxes_in_use(&mut self, ids: &[i64]) -> StoreResult<Vec<i64>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb =
            QueryBuilder::<DB>::new("SELECT DISTINCT contact_inbox_id FROM conversations WHERE contact_inbox_id IN ");
        push_ids(&mut qb, ids);
        qb.build_query_scalar().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn lock_contacts(&mut self, account_id: i64, ids: &[i64]) -> StoreResult<Vec<Contact>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut qb = QueryBuilder::<DB>::new(concat!(
            "SELECT ",
            contact_cols!(),
            " FROM contacts WHERE account_id = "
        ));
        qb.push_bind(account_id);
        qb.push(" AND id IN ");
        push_ids(&mut qb, ids);
        qb.push(concat!(" ORDER BY id", for_update!()));
        qb.build_query_as().fetch_all(&mut *self.tx).await.map_err(map_err)
    }

    async fn move_contact_rows(&mut self, account_id: i64, from: i64, to: i64) -> StoreResult<()> {
        // The conversations first: the messages and ratings below are found
        // through them (indexed by conversation), never by an account scan.
        let statements = [
            "UPDATE conversations SET contact_id = $3 WHERE account_id = $1 AND contact_id = $2",
            "UPDATE contact_inboxes SET contact_id = $3 WHERE account_id = $1 AND contact_id = $2",
            "UPDATE contact_notes SET contact_id = $3 WHERE account_id = $1 AND contact_id = $2",
            "INSERT INTO contact_labels (contact_id, account_id, label) \
             SELECT CAST($3 AS BIGINT), account_id, label FROM contact_labels WHERE account_id = $1 AND contact_id = $2 \
             ON CONFLICT DO NOTHING",
            "UPDATE messages SET sender_id = $3 WHERE sender_type = 'Contact' AND sender_id = $2 \
             AND conversation_id IN (SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $3)",
            "UPDATE csat_survey_responses SET contact_id = $3 WHERE contact_id = $2 \
             AND conversation_id IN (SELECT id FROM conversations WHERE account_id = $1 AND contact_id = $3)",
        ];
        for sql in statements {
            sqlx::query(sql)
                .bind(account_id)
                .bind(from)
                .bind(to)
                .execute(&mut *self.tx)
                .await
                .map_err(map_err)?;
        }
        Ok(())
    }

    // ---- mentions ----

    async fn upsert_mentions(
        &mut self,
        account_id: i64,
        conversation_id: i64,
        message_id: i64,
        user_ids: &[i64],
        now: i64,
    ) -> StoreResult<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let mut qb = QueryBuilder::<DB>::new(
            "INSERT INTO mentions (account_id, conversation_id, user_id, message_id, mentioned_at) ",
        );
        qb.push_values(user_ids, |mut b, uid| {
            b.push_bind(account_id)
                .push_bind(conversation_id)
                .push_bind(*uid)
                .push_bind(message_id)
                .push_bind(now);
        });
        qb.push(
            " ON CONFLICT (conversation_id, user_id) DO UPDATE SET \
             message_id = excluded.message_id, mentioned_at = excluded.mentioned_at",
        );
        qb.build().execute(&mut *self.tx).await.map_err(map_err)?;
        Ok(())
    }

    async fn conversation_mentions(&mut self, conversation_id: i64) -> StoreResult<Vec<(i64, i64, i64)>> {
        sqlx::query_as(
            "SELECT user_id, message_id, mentioned_at FROM mentions WHERE conversation_id = $1 ORDER BY user_id",
        )
        .bind(conversation_id)
        .fetch_all(&mut *self.tx)
        .await
        .map_err(map_err)
    }
}

/// `FROM contacts c WHERE ...` of a contact filter: the account, then the
/// conditions joined as given (AND binding tighter than OR, as in SQL).
fn contact_filter_where(qb: &mut QueryBuilder<DB>, q: &ContactFilterQuery) {
    qb.push(" FROM contacts c WHERE c.account_id = ");
    qb.push_bind(q.account_id);
    if q.conditions.is_empty() {
        return;
    }
    qb.push(" AND (");
    for (i, cond) in q.conditions.iter().enumerate() {
        if i > 0 {
            qb.push(match q.conditions[i - 1].join {
                Join::And => " AND ",
                Join::Or => " OR ",
            });
        }
        push_contact_condition(qb, cond);
    }
    qb.push(")");
}

/// One contact filter condition. Columns and operators come from closed
/// enums; keys and values are always bound.
fn push_contact_condition(qb: &mut QueryBuilder<DB>, c: &ContactFilterCondition) {
    let text = |v: &FilterValue| match v {
        FilterValue::Text(t) => t.clone(),
        FilterValue::Int(i) => i.to_string(),
    };
    let int = |v: &FilterValue| match v {
        FilterValue::Int(i) => *i,
        FilterValue::Text(t) => t.parse().unwrap_or(0),
    };
    qb.push("(");
    match &c.field {
        ContactFilterField::Labels => {
            let negate = matches!(c.op, FilterOp::NotEqualTo | FilterOp::IsNotPresent);
            qb.push(if negate { "NOT EXISTS" } else { "EXISTS" });
            qb.push(" (SELECT 1 FROM contact_labels l WHERE l.contact_id = c.id");
            if matches!(c.op, FilterOp::EqualTo | FilterOp::NotEqualTo) {
                qb.push(" AND l.label IN (");
                let mut sep = qb.separated(", ");
                for v in &c.values {
                    sep.push_bind(text(v));
                }
                qb.push(")");
            }
            qb.push(")");
        }
        ContactFilterField::Blocked => {
            let want = c.values.first().map(int).unwrap_or(0) != 0;
            qb.push(if c.op == FilterOp::NotEqualTo {
                "c.blocked <> "
            } else {
                "c.blocked = "
            });
            qb.push_bind(want);
        }
        ContactFilterField::CreatedAt | ContactFilterField::LastActivityAt => {
            let col = if c.field == ContactFilterField::CreatedAt {
                "c.created_at"
            } else {
                "c.last_activity_at"
            };
            match c.values.first() {
                Some(v) => {
                    qb.push(col);
                    qb.push(if c.op == FilterOp::IsGreaterThan { " > " } else { " < " });
                    qb.push_bind(int(v));
                }
                None => {
                    qb.push("1 = 0");
                }
            }
        }
        field => {
            let (col, key): (&str, Option<String>) = match field {
                ContactFilterField::Name => ("c.name", None),
                ContactFilterField::Email => ("c.email", None),
                ContactFilterField::PhoneNumber => ("c.phone_number", None),
                ContactFilterField::Identifier => ("c.identifier", None),
                ContactFilterField::Additional(k) => ("c.additional_attributes", Some(k.to_string())),
                ContactFilterField::Custom(k) => ("c.custom_attributes", Some(k.clone())),
                _ => ("c.name", None),
            };
            let push_col = |qb: &mut QueryBuilder<DB>| {
                qb.push("LOWER(");
                match &key {
                    Some(k) => super::push_json_text(qb, col, k),
                    None => {
                        qb.push(col);
                    }
                }
                qb.push(")");
            };
            match c.op {
                FilterOp::EqualTo | FilterOp::NotEqualTo => {
                    push_col(qb);
                    qb.push(if c.op == FilterOp::EqualTo {
                        " IN ("
                    } else {
                        " NOT IN ("
                    });
                    let mut sep = qb.separated(", ");
                    for v in &c.values {
                        sep.push_bind(text(v));
                    }
                    qb.push(")");
                    if c.op == FilterOp::NotEqualTo {
                        qb.push(" OR ");
                        push_col(qb);
                        qb.push(" IS NULL");
                    }
                }
                FilterOp::Contains | FilterOp::DoesNotContain | FilterOp::StartsWith => {
                    let t = c.values.first().map(text).unwrap_or_default();
                    push_col(qb);
                    if c.op == FilterOp::DoesNotContain {
                        qb.push(" NOT LIKE ");
                    } else {
                        qb.push(" LIKE ");
                    }
                    qb.push_bind(if c.op == FilterOp::StartsWith {
                        like_prefix(&t)
                    } else {
                        like_pattern(&t)
                    });
                    qb.push(" ESCAPE '\\'");
                    if c.op == FilterOp::DoesNotContain {
                        qb.push(" OR ");
                        push_col(qb);
                        qb.push(" IS NULL");
                    }
                }
                FilterOp::IsPresent => {
                    push_col(qb);
                    qb.push(" IS NOT NULL AND ");
                    push_col(qb);
                    qb.push(" <> ''");
                }
                FilterOp::IsNotPresent => {
                    push_col(qb);
                    qb.push(" IS NULL OR ");
                    push_col(qb);
                    qb.push(" = ''");
                }
                FilterOp::IsGreaterThan | FilterOp::IsLessThan | FilterOp::DaysBefore => {
                    qb.push("1 = 0");
                }
            }
        }
    }
    qb.push(")");
}

/// The WHERE clause of a conversation list. `with_assignee` is false for the
/// counts, which Chatwoot takes before the assignee filter.
fn conversation_filters(qb: &mut QueryBuilder<DB>, q: &ConversationQuery, with_assignee: bool) {
    qb.push(" WHERE c.account_id = ");
    qb.push_bind(q.account_id);
    if let Some(ids) = &q.visible_inboxes {
        if ids.is_empty() {
            qb.push(" AND 1 = 0");
        } else {
            qb.push(" AND c.inbox_id IN ");
            push_ids(qb, ids);
        }
    }
    if let Some(statuses) = &q.statuses {
        qb.push(" AND c.status IN (");
        let mut sep = qb.separated(", ");
        for s in statuses {
            sep.push_bind(*s);
        }
        qb.push(")");
    }
    if let Some(id) = q.inbox_id {
        qb.push(" AND c.inbox_id = ");
        qb.push_bind(id);
    }
    if let Some(id) = q.team_id {
        qb.push(" AND c.team_id = ");
        qb.push_bind(id);
    }
    if let Some(id) = q.contact_id {
        qb.push(" AND c.contact_id = ");
        qb.push_bind(id);
    }
    if let Some(t) = q.updated_since {
        qb.push(" AND c.updated_at >= ");
        qb.push_bind(t);
    }
    if !q.labels.is_empty() {
        qb.push(" AND c.id IN (SELECT conversation_id FROM conversation_labels WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND label IN (");
        let mut sep = qb.separated(", ");
        for l in &q.labels {
            sep.push_bind(l.clone());
        }
        qb.push("))");
    }
    if let Some(user) = q.participant {
        qb.push(" AND c.id IN (SELECT conversation_id FROM conversation_participants WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND user_id = ");
        qb.push_bind(user);
        qb.push(")");
    }
    if let Some(user) = q.mentioned {
        qb.push(" AND c.id IN (SELECT conversation_id FROM mentions WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND user_id = ");
        qb.push_bind(user);
        qb.push(")");
    }
    if q.unattended {
        qb.push(" AND (c.first_reply_created_at IS NULL OR c.waiting_since IS NOT NULL)");
    }
    if let Some(s) = &q.source_id {
        qb.push(" AND c.contact_inbox_id IN (SELECT id FROM contact_inboxes WHERE source_id = ");
        qb.push_bind(s.clone());
        qb.push(")");
    }
    if let Some(text) = &q.q {
        qb.push(" AND c.id IN (SELECT conversation_id FROM messages WHERE account_id = ");
        qb.push_bind(q.account_id);
        qb.push(" AND message_type IN (0, 1) AND LOWER(content) LIKE ");
        qb.push_bind(like_pattern(&text.to_lowercase()));
        qb.push(" ESCAPE '\\')");
    }
    if let Some(text) = q.matching.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
        qb.push(" AND (");
        if let Ok(n) = text.trim_start_matches('#').parse::<i64>() {
            qb.push("c.display_id = ");
            qb.push_bind(n);
            qb.push(" OR ");
        }
        qb.push("c.contact_id IN (SELECT id FROM contacts WHERE account_id = ");
        qb.push_bind(q.account_id);
        let pattern = like_pattern(&text.to_lowercase());
        qb.push(" AND (LOWER(name) LIKE ");
        qb.push_bind(pattern.clone());
        qb.push(" ESCAPE '\\' OR LOWER(email) LIKE ");
        qb.push_bind(pattern.clone());
        qb.push(" ESCAPE '\\' OR phone_number LIKE ");
        qb.push_bind(pattern);
        qb.push(" ESCAPE '\\' OR identifier = ");
        qb.push_bind(text.to_string());
        qb.push(")))");
    }
    if with_assignee {
        match q.assignee {
            AssigneeFilter::All => {}
            AssigneeFilter::Me => {
                qb.push(" AND c.assignee_id = ");
                qb.push_bind(q.user_id);
            }
            AssigneeFilter::Unassigned => {
                qb.push(" AND c.assignee_id IS NULL");
            }
            AssigneeFilter::Assigned => {
                qb.push(" AND c.assignee_id IS NOT NULL");
            }
        }
    }
    if !q.filter.is_empty() {
        qb.push(" AND (");
        for (i, cond) in q.filter.iter().enumerate() {
            if i > 0 {
                let join = match q.filter[i - 1].join {
                    Join::And => " AND ",
                    Join::Or => " OR ",
                };
                qb.push(join);
            }
            push_condition(qb, cond, q.account_id);
        }
        qb.push(")");
    }
}

/// One filter condition. Columns and operators come from closed enums;
/// values are always bound.
fn push_condition(qb: &mut QueryBuilder<DB>, c: &FilterCondition, account_id: i64) {
    if c.field == FilterField::Labels {
        let negate = matches!(
            c.op,
            FilterOp::NotEqualTo | FilterOp::DoesNotContain | FilterOp::IsNotPresent
        );
        qb.push(if negate { "c.id NOT IN " } else { "c.id IN " });
        qb.push("(SELECT conversation_id FROM conversation_labels WHERE account_id = ");
        qb.push_bind(account_id);
        if matches!(
            c.op,
            FilterOp::EqualTo | FilterOp::NotEqualTo | FilterOp::Contains | FilterOp::DoesNotContain
        ) && !c.values.is_empty()
        {
            qb.push(" AND label IN (");
            let mut sep = qb.separated(", ");
            for v in &c.values {
                if let FilterValue::Text(t) = v {
                    sep.push_bind(t.clone());
                } else if let FilterValue::Int(i) = v {
                    sep.push_bind(i.to_string());
                }
            }
            qb.push(")");
        }
        qb.push(")");
        return;
    }
    let (col, json_key): (&str, Option<&str>) = match &c.field {
        FilterField::Status => ("c.status", None),
        FilterField::Priority => ("c.priority", None),
        FilterField::AssigneeId => ("c.assignee_id", None),
        FilterField::InboxId => ("c.inbox_id", None),
        FilterField::TeamId => ("c.team_id", None),
        FilterField::DisplayId => ("c.display_id", None),
        FilterField::ContactId => ("c.contact_id", None),
        FilterField::CreatedAt => ("c.created_at", None),
        FilterField::LastActivityAt => ("c.last_activity_at", None),
        FilterField::WaitingSince => ("c.waiting_since", None),
        FilterField::Additional(k) => ("c.additional_attributes", Some(k.as_str())),
        FilterField::Custom(k) => ("c.custom_attributes", Some(k.as_str())),
        FilterField::Labels => ("", None),
    };
    let push_col = |qb: &mut QueryBuilder<DB>| match json_key {
        Some(k) => super::push_json_text(qb, col, k),
        None => {
            qb.push(col);
        }
    };
    let bind_value = |qb: &mut QueryBuilder<DB>, v: &FilterValue| match (v, json_key) {
        (FilterValue::Int(i), None) => {
            qb.push_bind(*i);
        }
        (FilterValue::Int(i), Some(_)) => {
            qb.push_bind(i.to_string());
        }
        (FilterValue::Text(t), _) => {
            qb.push_bind(t.clone());
        }
    };
    qb.push("(");
    match c.op {
        FilterOp::EqualTo | FilterOp::NotEqualTo => {
            if c.values.is_empty() {
                qb.push(if c.op == FilterOp::EqualTo { "1 = 0" } else { "1 = 1" });
            } else {
                push_col(qb);
                qb.push(if c.op == FilterOp::EqualTo {
                    " IN ("
                } else {
                    " NOT IN ("
                });
                for (i, v) in c.values.iter().enumerate() {
                    if i > 0 {
                        qb.push(", ");
                    }
                    bind_value(qb, v);
                }
                qb.push(")");
                if c.op == FilterOp::NotEqualTo {
                    qb.push(" OR ");
                    push_col(qb);
                    qb.push(" IS NULL");
                }
            }
        }
        FilterOp::Contains | FilterOp::DoesNotContain => {
            let text = match c.values.first() {
                Some(FilterValue::Text(t)) => t.clone(),
                Some(FilterValue::Int(i)) => i.to_string(),
                None => String::new(),
            };
            qb.push("LOWER(");
            push_col(qb);
            qb.push(if c.op == FilterOp::Contains {
                ") LIKE "
            } else {
                ") NOT LIKE "
            });
            qb.push_bind(like_pattern(&text.to_lowercase()));
            qb.push(" ESCAPE '\\'");
        }
        FilterOp::StartsWith => {
            let text = match c.values.first() {
                Some(FilterValue::Text(t)) => t.clone(),
                Some(FilterValue::Int(i)) => i.to_string(),
                None => String::new(),
            };
            qb.push("LOWER(");
            push_col(qb);
            qb.push(") LIKE ");
            qb.push_bind(like_prefix(&text.to_lowercase()));
            qb.push(" ESCAPE '\\'");
        }
        FilterOp::IsPresent => {
            push_col(qb);
            qb.push(" IS NOT NULL");
        }
        FilterOp::IsNotPresent => {
            push_col(qb);
            qb.push(" IS NULL");
        }
        FilterOp::IsGreaterThan | FilterOp::IsLessThan | FilterOp::DaysBefore => match c.values.first() {
            Some(v) => {
                push_col(qb);
                qb.push(if c.op == FilterOp::IsGreaterThan { " > " } else { " < " });
                bind_value(qb, v);
            }
            None => {
                qb.push("1 = 0");
            }
        },
    }
    qb.push(")");
}
