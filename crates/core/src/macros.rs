//! Macros (Chatwoot's `/macros`): a named list of actions a person runs on
//! one or many conversations, as themselves. `personal` macros are their
//! author's alone (others get 404, not a hint that one exists); `global`
//! ones every member of the account sees and runs. Agents keep personal
//! macros only; the author edits and deletes a macro, and administrators
//! also edit and delete global ones (Chatwoot lets them delete a global
//! macro only once its author is gone).
//!
//! Running one (`execute`) goes through the same use cases as the person's
//! own clicks, one conversation after another: each action checks what the
//! person may do, writes its activity line "by <person>", and a
//! conversation the person may not see is passed over.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_store::{AccountUser, Macro, User};

use crate::auth::AccountCtx;
use crate::automation::{ActionSet, check_actions};
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

/// The actions a macro may take (Chatwoot's list).
pub const ACTIONS: &[&str] = &[
    "send_message",
    "add_private_note",
    "add_label",
    "remove_label",
    "assign_agent",
    "assign_team",
    "remove_assigned_agent",
    "remove_assigned_team",
    "change_status",
    "resolve_conversation",
    "snooze_conversation",
    "mute_conversation",
    "change_priority",
    "send_email_transcript",
    "send_attachment",
];

/// Chatwoot's macro actions this version does not run yet: refused on the
/// way in.
pub const NOT_YET: &[&str] = &["send_webhook_event"];

/// The most personal macros one person keeps, and global ones an account.
pub const MAX_PERSONAL: i64 = 200;
pub const MAX_GLOBAL: i64 = 500;
/// The most conversations one run takes.
pub const MAX_EXECUTE: usize = 100;

const NOT_ALLOWED: &str = "You are not authorized to do this action";

/// A macro as Chatwoot shows it (`created_by` / `updated_by` when that
/// person is still in the account).
fn macro_json(m: &Macro, people: &[(User, AccountUser)]) -> Value {
    let person = |id: Option<i64>| {
        id.and_then(|id| people.iter().find(|(u, _)| u.id == id))
            .map(|(u, au)| present::agent(u, Some(au)))
    };
    let mut v = json!({
        "id": m.id,
        "name": m.name,
        "visibility": m.visibility,
        "account_id": m.account_id,
        "actions": m.actions,
        "created_at": switchboard_domain::time::unix_secs(m.created_at),
        "updated_at": switchboard_domain::time::unix_secs(m.updated_at),
    });
    if let Some(p) = person(m.created_by_id) {
        v["created_by"] = p;
    }
    if let Some(p) = person(m.updated_by_id) {
        v["updated_by"] = p;
    }
    v
}

fn mine(ctx: &AccountCtx, m: &Macro) -> bool {
    m.created_by_id == Some(ctx.user.id)
}

/// Whether the caller sees the macro at all.
fn visible(ctx: &AccountCtx, m: &Macro) -> bool {
    m.visibility == "global" || mine(ctx, m)
}

/// Whether the caller may change or delete it.
fn may_change(ctx: &AccountCtx, m: &Macro) -> bool {
    mine(ctx, m) || (ctx.is_admin() && m.visibility == "global")
}

impl Core {
    /// The account's people among `ids` (one read of the account's team).
    async fn people(&self, account_id: i64, ids: &[Option<i64>]) -> CoreResult<Vec<(User, AccountUser)>> {
        let mut tx = self.store.read().await?;
        Ok(tx
            .list_account_users(account_id)
            .await?
            .into_iter()
            .filter(|(u, _)| ids.contains(&Some(u.id)))
            .collect())
    }

    async fn visible_macro(&self, ctx: &AccountCtx, id: i64) -> CoreResult<Macro> {
        let mut tx = self.store.read().await?;
        tx.get_macro(ctx.account_id(), id)
            .await?
            .filter(|m| visible(ctx, m))
            .ok_or(CoreError::NotFound)
    }

    async fn macro_answer(&self, ctx: &AccountCtx, m: &Macro) -> CoreResult<Value> {
        let people = self
            .people(ctx.account_id(), &[m.created_by_id, m.updated_by_id])
            .await?;
        Ok(json!({ "payload": macro_json(m, &people) }))
    }

    /// `GET /macros`: the account's global macros and the caller's own.
    pub async fn list_macros(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let list = tx
            .list_macros(ctx.account_id(), ctx.user.id, MAX_PERSONAL + MAX_GLOBAL)
            .await?;
        drop(tx);
        let ids: Vec<Option<i64>> = list.iter().flat_map(|m| [m.created_by_id, m.updated_by_id]).collect();
        let people = self.people(ctx.account_id(), &ids).await?;
        Ok(json!({ "payload": list.iter().map(|m| macro_json(m, &people)).collect::<Vec<_>>() }))
    }

    /// `GET /macros/{id}`.
    pub async fn get_macro(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let m = self.visible_macro(ctx, id).await?;
        self.macro_answer(ctx, &m).await
    }

    /// `POST /macros {name, visibility, actions}` (agents' are personal).
    pub async fn create_macro(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        let mut w = Work::by(self, ctx).await?;
        let mut m = read_macro(w.tx(), ctx, body, None).await?;
        let (own, global) = w.tx().count_macros(ctx.account_id(), ctx.user.id).await?;
        if m.visibility == "global" && global >= MAX_GLOBAL {
            return Err(CoreError::invalid(
                "base",
                format!("At most {MAX_GLOBAL} global macros"),
            ));
        }
        if m.visibility == "personal" && own >= MAX_PERSONAL {
            return Err(CoreError::invalid(
                "base",
                format!("At most {MAX_PERSONAL} personal macros"),
            ));
        }
        m.created_at = w.now;
        m.updated_at = w.now;
        let saved = w.tx().insert_macro(&m).await?;
        w.commit().await?;
        self.macro_answer(ctx, &saved).await
    }

    /// `PATCH /macros/{id}`: what the body names changes.
    pub async fn update_macro(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        let mut w = Work::by(self, ctx).await?;
        let base = w
            .tx()
            .get_macro(ctx.account_id(), id)
            .await?
            .filter(|m| visible(ctx, m))
            .ok_or(CoreError::NotFound)?;
        if !may_change(ctx, &base) {
            return Err(CoreError::Unauthorized(NOT_ALLOWED.into()));
        }
        let mut m = read_macro(w.tx(), ctx, body, Some(&base)).await?;
        m.updated_at = w.now;
        w.tx().update_macro(&m).await?;
        w.commit().await?;
        self.macro_answer(ctx, &m).await
    }

    /// `DELETE /macros/{id}`.
    pub async fn delete_macro(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        let mut w = Work::by(self, ctx).await?;
        let m = w
            .tx()
            .get_macro(ctx.account_id(), id)
            .await?
            .filter(|m| visible(ctx, m))
            .ok_or(CoreError::NotFound)?;
        if !may_change(ctx, &m) {
            return Err(CoreError::Unauthorized(NOT_ALLOWED.into()));
        }
        w.tx().delete_macro(ctx.account_id(), id).await?;
        w.commit().await
    }

    /// `POST /macros/{id}/execute {conversation_ids: [display ids]}`: the
    /// actions in order on each conversation, as the caller. Answers which
    /// conversations it ran on, which it passed over (not the caller's to
    /// see), and each action that could not be done there.
    pub async fn execute_macro(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        let m = self.visible_macro(ctx, id).await?;
        let mut ids = Params::new(body)
            .i64_list("conversation_ids")?
            .filter(|ids| !ids.is_empty())
            .ok_or_else(|| CoreError::invalid("conversation_ids", "conversation_ids can't be blank"))?;
        let mut seen = std::collections::HashSet::new();
        ids.retain(|id| seen.insert(*id));
        if ids.len() > MAX_EXECUTE {
            return Err(CoreError::invalid(
                "conversation_ids",
                format!("At most {MAX_EXECUTE} conversations at once"),
            ));
        }
        let actions = m.actions.as_array().cloned().unwrap_or_default();
        let (mut executed, mut skipped, mut errors) = (Vec::new(), Vec::new(), Vec::new());
        for display_id in ids {
            if self.visible_conversation(ctx, display_id).await.is_err() {
                skipped.push(display_id);
                continue;
            }
            for a in &actions {
                let name = a["action_name"].as_str().unwrap_or("");
                let params = a["action_params"].as_array().cloned().unwrap_or_default();
                match self.macro_action(ctx, display_id, name, &params).await {
                    Ok(()) => {}
                    // What the person may not do here is reported; a
                    // failure of the server is the request's.
                    Err(
                        e @ (CoreError::Internal(_)
                        | CoreError::StorageFull(_)
                        | CoreError::Unavailable(_)
                        | CoreError::Contended(_)),
                    ) => return Err(e),
                    Err(e) => errors.push(json!({
                        "conversation_id": display_id,
                        "action_name": name,
                        "error": e.to_string(),
                    })),
                }
            }
            executed.push(display_id);
        }
        Ok(json!({ "payload": { "executed": executed, "skipped": skipped, "errors": errors } }))
    }

    /// How many transcripts a run would mail (addresses of its
    /// `send_email_transcript` actions times conversations), so the caller
    /// can hold it to the same limit as `/transcript`.
    pub async fn macro_mail_count(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<usize> {
        let m = self.visible_macro(ctx, id).await?;
        let conversations = Params::new(body)
            .i64_list("conversation_ids")?
            .map_or(0, |ids| ids.len().min(MAX_EXECUTE));
        let addresses: usize = m
            .actions
            .as_array()
            .map(|a| {
                a.iter()
                    .filter(|x| x["action_name"] == "send_email_transcript")
                    .map(|x| {
                        let texts: Vec<String> = x["action_params"]
                            .as_array()
                            .map(|p| p.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
                            .unwrap_or_default();
                        crate::automation::effects::split_addresses(&texts).len()
                    })
                    .sum()
            })
            .unwrap_or(0);
        Ok(addresses * conversations)
    }

    /// One macro action on one conversation, through the use case a person
    /// would use.
    async fn macro_action(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        name: &str,
        params: &[Value],
    ) -> CoreResult<()> {
        use crate::request::parse;
        let text = |i: usize| match params.get(i) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        };
        let texts: Vec<String> = (0..params.len()).map(text).collect();
        let status = |s: String| async move {
            self.toggle_status(ctx, display_id, parse(&json!({ "status": s }))?)
                .await
                .map(|_| ())
        };
        match name {
            "send_message" | "add_private_note" => {
                let req = parse(&json!({
                    "content": text(0),
                    "message_type": "outgoing",
                    "private": name == "add_private_note",
                }))?;
                self.create_message(ctx, display_id, req, Vec::new()).await?;
            }
            "send_attachment" => {
                let mut w = Work::by(self, ctx).await?;
                let conv = self.lock_visible(&mut w, ctx, display_id).await?;
                let mut uploads = Vec::new();
                for id in texts.iter().filter_map(|t| t.parse::<i64>().ok()) {
                    match w.tx().get_upload(ctx.account_id(), id).await? {
                        Some(u) => uploads.push(u),
                        None => {
                            return Err(CoreError::invalid(
                                "action_params",
                                format!("file {id} no longer exists"),
                            ));
                        }
                    }
                }
                self.attachment_message(&mut w, &conv, &uploads, Some(&ctx.user), json!({}))
                    .await?;
                w.commit().await?;
            }
            "add_label" | "remove_label" => {
                let mut labels = self.conversation_labels(ctx, display_id).await?.payload;
                if name == "add_label" {
                    for l in &texts {
                        if !labels.contains(l) {
                            labels.push(l.clone());
                        }
                    }
                } else {
                    labels.retain(|l| !texts.contains(l));
                }
                self.set_conversation_labels(ctx, display_id, &labels).await?;
            }
            "assign_agent" => {
                let who = match text(0).as_str() {
                    "self" => json!(ctx.user.id),
                    "nil" => Value::Null,
                    other => json!(other.parse::<i64>().ok()),
                };
                self.assign(ctx, display_id, parse(&json!({ "assignee_id": who }))?)
                    .await?;
            }
            "assign_team" => {
                let team = match text(0).as_str() {
                    "nil" | "0" => Value::Null,
                    other => json!(other.parse::<i64>().ok()),
                };
                self.assign(ctx, display_id, parse(&json!({ "team_id": team }))?)
                    .await?;
            }
            "remove_assigned_agent" => {
                self.assign(ctx, display_id, parse(&json!({ "assignee_id": null }))?)
                    .await?;
            }
            "remove_assigned_team" => {
                self.assign(ctx, display_id, parse(&json!({ "team_id": null }))?)
                    .await?;
            }
            "change_status" => status(text(0)).await?,
            "resolve_conversation" => status("resolved".into()).await?,
            "snooze_conversation" => status("snoozed".into()).await?,
            "mute_conversation" => self.set_muted(ctx, display_id, true).await?,
            "change_priority" => {
                let p = match text(0).as_str() {
                    "nil" => Value::Null,
                    other => json!(other),
                };
                self.set_priority(ctx, display_id, parse(&json!({ "priority": p }))?)
                    .await?;
            }
            "send_email_transcript" => {
                for a in crate::automation::effects::split_addresses(&texts) {
                    let (conv, email) = self.transcript_target(ctx, display_id, &json!({ "email": a })).await?;
                    self.queue_transcript(&conv, &email).await?;
                }
            }
            _ => {}
        }
        Ok(())
    }
}

/// A macro's fields as a request gives them; `base` fills what it leaves
/// out (an update).
async fn read_macro(
    tx: &mut dyn switchboard_store::Tx,
    ctx: &AccountCtx,
    body: &Value,
    base: Option<&Macro>,
) -> CoreResult<Macro> {
    let p = Params::new(body).nested_or_self("macro");
    let name = crate::automation::read_name(&p, base.map(|b| b.name.as_str()))?;
    let asked = p.str("visibility")?;
    let visibility = match asked.as_deref() {
        Some(v @ ("personal" | "global")) => v.to_string(),
        Some(other) => {
            return Err(CoreError::invalid(
                "visibility",
                format!("{other} is not personal or global"),
            ));
        }
        None => base.map_or_else(|| "personal".to_string(), |b| b.visibility.clone()),
    };
    // Agents keep personal macros only (as Chatwoot, which turns their
    // `global` into `personal`); an update that does not ask keeps what the
    // macro was (an author no longer an administrator renaming a global one).
    let visibility = if ctx.is_admin() || (asked.is_none() && base.is_some()) {
        visibility
    } else {
        "personal".to_string()
    };
    let actions = match (p.raw("actions"), base) {
        (Some(v), _) => check_actions(tx, ctx.account_id(), v, ActionSet::Macro).await?,
        (None, Some(b)) => b.actions.clone(),
        (None, None) => return Err(CoreError::invalid("actions", "Actions can't be blank")),
    };
    Ok(Macro {
        id: base.map_or(0, |b| b.id),
        account_id: ctx.account_id(),
        name,
        visibility,
        created_by_id: base.map_or(Some(ctx.user.id), |b| b.created_by_id),
        updated_by_id: Some(ctx.user.id),
        actions,
        created_at: base.map_or(0, |b| b.created_at),
        updated_at: 0,
    })
}
