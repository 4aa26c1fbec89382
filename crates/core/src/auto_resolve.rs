//! Auto-resolve (Chatwoot's account settings `auto_resolve_after`,
//! `auto_resolve_message`, `auto_resolve_ignore_waiting`,
//! `auto_resolve_label`): open conversations without activity for that many
//! minutes are resolved, with the account's message sent to the customer
//! and its label added first.
//!
//! The job runner sweeps every [`SWEEP_EVERY`] (Chatwoot every five
//! minutes), so a conversation resolves within a quarter of a minute of
//! its time. Each sweep reads, per account that sets it, at most [`BATCH`]
//! of its oldest idle open conversations through the index on
//! `(account_id, status, last_activity_at)`, and resolves each in its own
//! transaction after checking again under the lock (a reply meanwhile
//! keeps it open). Several nodes may sweep at once: the check under the
//! lock makes the second a no-op.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value, json};
use switchboard_domain::event::Cause;
use switchboard_domain::{ConversationStatus, MessageType};

use crate::conversations::Actor;
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

/// Chatwoot's bounds, in minutes: ten minutes to 999 days.
pub const MIN_MINUTES: i64 = 10;
pub const MAX_MINUTES: i64 = 1_439_856;
/// Conversations one sweep resolves per account at most (the next sweep
/// goes on).
pub const BATCH: i64 = 100;
/// How often the job runner sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(15);
const MAX_MESSAGE: usize = 10_000;

/// The account's auto-resolve, when it has one.
#[derive(Debug, Clone)]
pub struct AutoResolve {
    pub after_minutes: i64,
    pub message: Option<String>,
    pub ignore_waiting: bool,
    pub label: Option<String>,
}

impl AutoResolve {
    pub fn of(settings: &Value) -> Option<AutoResolve> {
        let after = settings.get("auto_resolve_after")?.as_i64()?;
        Some(AutoResolve {
            after_minutes: after,
            message: settings
                .get("auto_resolve_message")
                .and_then(Value::as_str)
                .filter(|m| !m.trim().is_empty())
                .map(str::to_string),
            ignore_waiting: settings
                .get("auto_resolve_ignore_waiting")
                .and_then(Value::as_bool)
                .unwrap_or(false),
            label: settings
                .get("auto_resolve_label")
                .and_then(Value::as_str)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        })
    }

    /// "2 days", "3 hours", "45 minutes", as the activity line says it.
    fn duration(&self) -> String {
        let m = self.after_minutes;
        let (n, unit) = if m % 1440 == 0 {
            (m / 1440, "day")
        } else if m % 60 == 0 {
            (m / 60, "hour")
        } else {
            (m, "minute")
        };
        format!("{n} {unit}{}", if n == 1 { "" } else { "s" })
    }
}

/// Reads the auto-resolve settings an account update names (top-level, as
/// Chatwoot's dashboard sends them, or under `settings`) into `settings`;
/// null or empty turns one off.
pub(crate) fn read_settings(body: &Value, settings: &mut Map<String, Value>) -> CoreResult<()> {
    let top = Params::new(body);
    let nested = body.get("settings").filter(|s| s.is_object());
    let pick = |key: &str| -> Option<&Value> { top.raw(key).or_else(|| nested.and_then(|n| n.get(key))) };
    if let Some(v) = pick("auto_resolve_after") {
        let wrap = json!({ "auto_resolve_after": v });
        match Params::new(&wrap).i64("auto_resolve_after")? {
            None => {
                settings.remove("auto_resolve_after");
            }
            Some(n) if (MIN_MINUTES..=MAX_MINUTES).contains(&n) => {
                settings.insert("auto_resolve_after".into(), json!(n));
            }
            Some(_) => {
                return Err(CoreError::invalid(
                    "auto_resolve_after",
                    format!("auto_resolve_after must be from {MIN_MINUTES} to {MAX_MINUTES} minutes"),
                ));
            }
        }
    }
    if let Some(v) = pick("auto_resolve_message") {
        match v {
            Value::Null => {
                settings.remove("auto_resolve_message");
            }
            Value::String(s) if s.chars().count() > MAX_MESSAGE => {
                return Err(CoreError::invalid(
                    "auto_resolve_message",
                    "auto_resolve_message is too long",
                ));
            }
            Value::String(s) => {
                settings.insert("auto_resolve_message".into(), json!(s));
            }
            _ => {
                return Err(CoreError::invalid(
                    "auto_resolve_message",
                    "auto_resolve_message must be a string",
                ));
            }
        }
    }
    if let Some(v) = pick("auto_resolve_ignore_waiting") {
        let wrap = json!({ "auto_resolve_ignore_waiting": v });
        let b = Params::new(&wrap).bool("auto_resolve_ignore_waiting")?.unwrap_or(false);
        settings.insert("auto_resolve_ignore_waiting".into(), json!(b));
    }
    if let Some(v) = pick("auto_resolve_label") {
        match v {
            Value::Null => {
                settings.remove("auto_resolve_label");
            }
            Value::String(s) if s.trim().is_empty() => {
                settings.remove("auto_resolve_label");
            }
            Value::String(s) => {
                let labels = crate::contacts::normalise_labels(std::slice::from_ref(s))?;
                match labels.as_slice() {
                    [one] => {
                        settings.insert("auto_resolve_label".into(), json!(one));
                    }
                    _ => {
                        return Err(CoreError::invalid(
                            "auto_resolve_label",
                            "auto_resolve_label must be one label",
                        ));
                    }
                }
            }
            _ => {
                return Err(CoreError::invalid(
                    "auto_resolve_label",
                    "auto_resolve_label must be a string",
                ));
            }
        }
    }
    Ok(())
}

impl Core {
    /// One sweep: every account's idle open conversations, up to [`BATCH`]
    /// each, resolved.
    pub async fn auto_resolve_sweep(self: &Arc<Self>) {
        let accounts = async {
            let mut tx = self.store.read().await?;
            Ok::<_, CoreError>(tx.accounts_with_setting("auto_resolve_after").await?)
        }
        .await;
        let accounts = match accounts {
            Ok(a) => a,
            Err(e) => {
                tracing::warn!(error = %e, "the auto-resolve sweep could not list accounts");
                return;
            }
        };
        for account in accounts {
            let Some(rule) = AutoResolve::of(&account.settings) else {
                continue;
            };
            let cutoff = switchboard_domain::time::now_micros() - rule.after_minutes * 60_000_000;
            let idle = async {
                let mut tx = self.store.read().await?;
                Ok::<_, CoreError>(
                    tx.stale_open_conversations(account.id, cutoff, rule.ignore_waiting, BATCH)
                        .await?,
                )
            }
            .await;
            let idle = match idle {
                Ok(list) => list,
                Err(e) => {
                    tracing::warn!(account_id = account.id, error = %e, "auto-resolve could not list conversations");
                    continue;
                }
            };
            for conv in idle {
                if let Err(e) = self.auto_resolve_one(&rule, conv.id, cutoff).await {
                    tracing::warn!(account_id = account.id, conversation_id = conv.id, error = %e, "auto-resolve failed");
                }
            }
        }
    }

    async fn auto_resolve_one(
        self: &Arc<Self>,
        rule: &AutoResolve,
        conversation_id: i64,
        cutoff: i64,
    ) -> CoreResult<()> {
        let mut w = Work::begin(self).await?;
        w.set_cause(Cause::SYSTEM);
        let Some(current) = w.tx().lock_conversation_by_id(conversation_id).await? else {
            return Ok(());
        };
        let idle = current.status() == ConversationStatus::Open
            && current.last_activity_at <= cutoff
            && !(rule.ignore_waiting && current.waiting_since.is_some());
        if !idle {
            return Ok(());
        }
        if let Some(text) = &rule.message {
            self.system_message(&mut w, &current, text, MessageType::Template)
                .await?;
        }
        // A system message leaves the conversation's row as it was.
        let before = current;
        let mut labels = None;
        if let Some(label) = &rule.label {
            let old: Vec<String> = w
                .tx()
                .conversation_labels(&[before.id])
                .await?
                .into_iter()
                .map(|(_, l)| l)
                .collect();
            if !old.contains(label) {
                let mut new = old.clone();
                new.push(label.clone());
                w.tx()
                    .set_conversation_labels(before.account_id, before.id, &new)
                    .await?;
                labels = Some((old, new));
            }
        }
        let mut after = before.clone();
        after.status = ConversationStatus::Resolved.code();
        after.snoozed_until = None;
        after.waiting_since = None;
        let actor = Actor {
            user: None,
            label: Some(format!("system due to {} of inactivity", rule.duration()).into()),
            bot: None,
        };
        self.conversation_changed(&mut w, &before, &after, &actor, labels, true)
            .await?;
        w.commit().await
    }
}
