//! The SQL of every storage operation, written once and compiled twice: this
//! file is a module of both `sqlite` and `postgres` (through `#[path]`), where
//! `DB` names the backend and the macros `for_update!`, `like!` and
//! `skip_locked!` supply the few dialect differences. Both backends accept
//! `$N` placeholders, `RETURNING`, `ON CONFLICT`, partial indexes and `->>`.
//!
//! This file holds what the entity files share (column lists, LIKE
//! patterns); each child module implements one per-entity trait of
//! `switchboard_store` for [`SqlTx`], and `filters` turns contact and
//! conversation filters into SQL. Child modules resolve relative to this
//! directory, so the `#[path]` inclusion carries them along. A driver error
//! becomes a `StoreError` through the `From` impl in `switchboard_store`, so
//! every query ends in `?`.

use async_trait::async_trait;

use sqlx::types::Json;
use sqlx::{QueryBuilder, Transaction};
use switchboard_store::*;

use super::{DB, FTS5, fold_ledger, push_json_text};

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
        "id, account_id, inbox_id, display_id, uuid, status, priority, assignee_id, assignee_agent_bot_id, team_id, contact_id, contact_inbox_id, muted, additional_attributes, custom_attributes, snoozed_until, waiting_since, first_reply_created_at, last_activity_at, agent_last_seen_at, assignee_last_seen_at, contact_last_seen_at, created_at, updated_at, assigned_at, sla_policy_id"
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
        "id, account_id, webhook_id, inbox_id, message_id, automation_rule_id, agent_bot_id, delivery_uuid, event, url, payload, state, attempts, last_status, last_error, created_at, updated_at"
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
macro_rules! agent_bot_cols {
    () => {
        "id, account_id, name, description, outgoing_url, bot_type, bot_config, avatar_url, secret, created_at, updated_at"
    };
}
macro_rules! macro_cols {
    () => {
        "id, account_id, name, visibility, created_by_id, updated_by_id, actions, created_at, updated_at"
    };
}
macro_rules! automation_rule_cols {
    () => {
        "id, account_id, name, description, event_name, conditions, actions, active, created_at, updated_at, secret, react_to_automation, failures, last_failure, disabled_reason"
    };
}
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
const DROP_EXPIRED_TWINS: &str = "DELETE FROM jobs WHERE state = 1 AND locked_until < $1 \
     AND unique_key IS NOT NULL AND EXISTS (SELECT 1 FROM jobs q WHERE q.unique_key = jobs.unique_key \
     AND q.state = 0 AND q.id <> jobs.id)";

/// Deletes the job `$1` if a twin with its unique key is queued (before the
/// job itself would go back to the queue).
const DROP_IF_TWIN_QUEUED: &str = "DELETE FROM jobs WHERE id = $1 AND unique_key IS NOT NULL \
     AND EXISTS (SELECT 1 FROM jobs q WHERE q.unique_key = jobs.unique_key AND q.state = 0 AND q.id <> jobs.id)";

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

mod account;
mod agent_bots;
mod attachment;
mod automation;
mod canned;
mod contact;
mod contact_inbox;
mod conversation;
mod count;
mod csat;
mod custom_attribute;
mod custom_filter;
mod data_import;
mod delivery;
mod event;
mod filters;
mod inbox;
mod invitation;
mod job;
mod macros;
mod sla;
pub(crate) use job::claim_jobs;
mod label;
mod message;
mod note;
mod notification;
mod participant;
mod routing;
mod routing_policy;
mod search;
mod team;
mod user;
mod webhook;

use filters::{contact_filter_where, conversation_filters};

#[async_trait]
impl Tx for SqlTx {
    async fn commit(self: Box<Self>) -> StoreResult<()> {
        Ok(self.tx.commit().await?)
    }

    async fn instance_secret(&mut self, name: &str, candidate: &str) -> StoreResult<String> {
        sqlx::query("INSERT INTO instance_secrets (name, value) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(name)
            .bind(candidate)
            .execute(&mut *self.tx)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM instance_secrets WHERE name = $1")
            .bind(name)
            .fetch_one(&mut *self.tx)
            .await?)
    }
}
