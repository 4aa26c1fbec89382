//! Chatwoot's `POST /bulk_actions` for conversations: a status (with a
//! snooze time), an assignee, a team and labels to add or remove, applied
//! to up to [`MAX_BULK_IDS`] conversations the caller may see. Each
//! conversation changes through the same use case (and transaction, events
//! and activity lines) as a single change; conversations the caller cannot
//! see are passed over, as Chatwoot's job does.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::{Core, CoreError, CoreResult};

/// The most conversations one request changes.
pub const MAX_BULK_IDS: usize = 100;

/// What a bulk request asks, read and checked before anything changes.
struct BulkChange {
    ids: Vec<i64>,
    status: Option<Value>,
    /// `{team_id}` and `{assignee_id}`, applied one after the other (the
    /// assignments endpoint takes one of them at a time).
    assignments: Vec<Value>,
    add: Vec<String>,
    remove: Vec<String>,
}

fn read(body: &Value) -> CoreResult<BulkChange> {
    let p = Params::new(body);
    match p.str("type")?.as_deref() {
        Some("Conversation") | None => {}
        Some(_) => return Err(CoreError::invalid("type", "type must be Conversation")),
    }
    let mut ids = p
        .i64_list("ids")?
        .filter(|ids| !ids.is_empty())
        .ok_or_else(|| CoreError::invalid("ids", "ids can't be blank"))?;
    ids.sort_unstable();
    ids.dedup();
    if ids.len() > MAX_BULK_IDS {
        return Err(CoreError::invalid(
            "ids",
            format!("At most {MAX_BULK_IDS} conversations at once"),
        ));
    }
    let fields = p.object("fields")?.unwrap_or_default();
    let f = Value::Object(fields.clone());
    let fp = Params::new(&f);
    let status = match fp.str("status")? {
        Some(s) => {
            let mut b = Map::new();
            b.insert("status".into(), json!(s));
            if let Some(until) = fields.get("snoozed_until").filter(|v| !v.is_null()) {
                b.insert("snoozed_until".into(), until.clone());
            }
            Some(Value::Object(b))
        }
        None => None,
    };
    let mut assignments = Vec::new();
    for key in ["team_id", "assignee_id"] {
        if let Some(v) = fields.get(key) {
            // Checked as a number (or null) here, so a bad value changes nothing.
            fp.i64(key)?;
            assignments.push(json!({ key: v }));
        }
    }
    let labels = p.object("labels")?.unwrap_or_default();
    let l = Value::Object(labels);
    let lp = Params::new(&l);
    let add = lp.str_list_or_csv("add")?.unwrap_or_default();
    let remove = lp.str_list_or_csv("remove")?.unwrap_or_default();
    if status.is_none() && assignments.is_empty() && add.is_empty() && remove.is_empty() {
        return Err(CoreError::invalid("fields", "Nothing to change"));
    }
    Ok(BulkChange {
        ids,
        status,
        assignments,
        add,
        remove,
    })
}

impl Core {
    /// `POST /bulk_actions {type: "Conversation", ids, fields: {status,
    /// snoozed_until, assignee_id, team_id}, labels: {add, remove}}`.
    /// Answers how many conversations it changed.
    pub async fn bulk_actions(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        let change = read(body)?;
        let mut changed = 0;
        for id in &change.ids {
            match self.bulk_one(ctx, *id, &change).await {
                Ok(()) => changed += 1,
                // Not the caller's to see: passed over.
                Err(CoreError::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(json!({ "changed": changed }))
    }

    async fn bulk_one(self: &Arc<Self>, ctx: &AccountCtx, id: i64, change: &BulkChange) -> CoreResult<()> {
        // Each use case checks visibility before it writes, so an id the
        // caller may not see fails the first one (404) with nothing changed.
        for a in &change.assignments {
            self.assign(ctx, id, crate::request::parse(a)?).await?;
        }
        if !change.add.is_empty() || !change.remove.is_empty() {
            let mut labels = self.conversation_labels(ctx, id).await?.payload;
            let removing: Vec<String> = change.remove.iter().map(|l| l.trim().to_lowercase()).collect();
            labels.retain(|l| !removing.contains(l));
            labels.extend(change.add.iter().cloned());
            self.set_conversation_labels(ctx, id, &labels).await?;
        }
        if let Some(s) = &change.status {
            self.toggle_status(ctx, id, crate::request::parse(s)?).await?;
        }
        Ok(())
    }
}
