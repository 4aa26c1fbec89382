//! Automation rules (Chatwoot's `automation_rules`): on one event, when the
//! conditions hold, the actions run, as the "Automation System" (activity
//! lines say so; events carry the rule as their cause, one step deeper).
//!
//! This module keeps the rules (the API: list, show, create, update,
//! delete, clone, with every condition and action checked on the way in, so
//! nothing is stored that could not run); [`run`] is the listener that
//! applies them. Conditions read as written: `and` binds before `or`
//! (`a and b or c` is `(a and b) or c`). Rules do not react to what
//! automation did unless they opt in (`react_to_automation`), and then only
//! to a depth of [`run::MAX_DEPTH`] and never to their own changes, so no
//! chain of rules runs without end. A rule whose actions cannot be done
//! [`run::FAILURE_LIMIT`] runs in a row is switched off with the reason.
//! [`effects`] queues what rules send out (webhooks, mail).

pub mod effects;
pub mod run;

use std::sync::Arc;

use serde_json::{Map, Value, json};
use switchboard_domain::time::unix_secs;
use switchboard_domain::validate;
use switchboard_domain::{ConversationStatus, Priority};
use switchboard_store::{AutomationRule, Tx};

use crate::auth::{AccountCtx, random_token};
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

pub use run::AutomationListener;

/// The events a rule may react to.
pub const EVENTS: &[&str] = &[
    "conversation_created",
    "conversation_updated",
    "conversation_opened",
    "conversation_resolved",
    "message_created",
];

/// Condition operators.
pub const OPERATORS: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "contains",
    "does_not_contain",
    "starts_with",
    "is_present",
    "is_not_present",
];

/// The attributes a condition may name besides custom attributes (a name
/// not listed here is read from the conversation's custom attributes, then
/// the contact's).
pub const ATTRIBUTES: &[&str] = &[
    "status",
    "priority",
    "inbox_id",
    "team_id",
    "assignee_id",
    "labels",
    "browser_language",
    "referer",
    "mail_subject",
    "country_code",
    "email",
    "phone_number",
    "name",
    "message_type",
    "content",
];

/// The actions that run.
pub const ACTIONS: &[&str] = &[
    "add_label",
    "remove_label",
    "assign_agent",
    "assign_team",
    "change_status",
    "resolve_conversation",
    "open_conversation",
    "change_priority",
    "mute_conversation",
    "send_message",
    "add_private_note",
    "snooze_conversation",
    "send_webhook_event",
    "send_email_to_team",
    "send_email_transcript",
    "add_sla",
    "send_attachment",
];

/// Chatwoot's actions this version does not run yet: refused on the way in
/// rather than stored and silently skipped.
const NOT_YET: &[&str] = &[];

/// The most rules an account keeps.
pub const MAX_RULES: i64 = 500;
/// The most conditions, and actions, in one rule.
pub const MAX_ITEMS: usize = 20;
/// The most values one condition or action carries.
const MAX_VALUES: usize = 50;
/// A value's longest text (a message an action sends has its own limit).
const MAX_VALUE_CHARS: usize = 1_000;

/// How long this process trusts what it read of an account's rule events.
const RULE_EVENTS_TTL: std::time::Duration = std::time::Duration::from_secs(2);
/// Accounts remembered at most (then all are forgotten at once).
const RULE_EVENTS_MAX: usize = 10_000;

/// Which events each account has active rules for (each with whether one
/// of them reacts to automation), as this process last
/// read them: every change that raises such events asks (to queue the
/// automation listener only where a rule could run), and reading it each
/// time would add a statement to every message. Trusted for
/// [`RULE_EVENTS_TTL`]; this process's own rule changes forget the account
/// at once, another node's are seen within the TTL (a new rule starts on
/// the other nodes at most that much later). Stale in the other direction
/// (a rule gone) only queues a job that finds nothing to run.
#[derive(Default)]
pub struct RuleEvents(std::sync::Mutex<std::collections::HashMap<i64, (std::time::Instant, EventNames)>>);

/// An account's rule events, each with whether a rule for it reacts to
/// automation.
pub type EventNames = Vec<(String, bool)>;

impl RuleEvents {
    pub fn get(&self, account_id: i64) -> Option<EventNames> {
        let map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        map.get(&account_id)
            .filter(|(at, _)| at.elapsed() < RULE_EVENTS_TTL)
            .map(|(_, e)| e.clone())
    }

    pub fn put(&self, account_id: i64, events: EventNames) {
        let mut map = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= RULE_EVENTS_MAX {
            map.clear();
        }
        map.insert(account_id, (std::time::Instant::now(), events));
    }

    pub fn forget(&self, account_id: i64) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).remove(&account_id);
    }
}

/// A rule as Chatwoot shows it.
pub fn rule_json(r: &AutomationRule) -> Value {
    json!({
        "id": r.id,
        "account_id": r.account_id,
        "name": r.name,
        "description": r.description,
        "event_name": r.event_name,
        "conditions": r.conditions,
        "actions": r.actions,
        "created_on": unix_secs(r.created_at),
        "active": r.active,
        "react_to_automation": r.react_to_automation,
        "secret": r.secret,
        "failures": r.failures,
        "last_failure": r.last_failure,
        "disabled_reason": r.disabled_reason,
    })
}

/// A rule's fields as a request gives them; `base` fills what it leaves
/// out (an update).
async fn read_rule(
    tx: &mut dyn Tx,
    account_id: i64,
    body: &Value,
    base: Option<&AutomationRule>,
) -> CoreResult<AutomationRule> {
    let p = Params::new(body).nested_or_self("automation_rule");
    let name = read_name(&p, base.map(|b| b.name.as_str()))?;
    let description = match p.raw("description") {
        Some(Value::Null) => None,
        Some(_) => p.str("description")?,
        None => base.and_then(|b| b.description.clone()),
    };
    if description.as_ref().is_some_and(|d| d.chars().count() > 2_000) {
        return Err(CoreError::invalid(
            "description",
            "Description is too long (maximum is 2000 characters)",
        ));
    }
    let event_name = match (p.str("event_name")?, base) {
        (Some(e), _) => e,
        (None, Some(b)) => b.event_name.clone(),
        (None, None) => return Err(CoreError::invalid("event_name", "Event name can't be blank")),
    };
    if !EVENTS.contains(&event_name.as_str()) {
        return Err(CoreError::invalid(
            "event_name",
            format!("Event name must be one of {}", EVENTS.join(", ")),
        ));
    }
    let active = p.bool("active")?.or(base.map(|b| b.active)).unwrap_or(true);
    let react_to_automation = p
        .bool("react_to_automation")?
        .or(base.map(|b| b.react_to_automation))
        .unwrap_or(false);
    // Switching a rule on gives it a clean slate.
    let fresh = base.is_none_or(|b| active && !b.active);
    let conditions = match (p.raw("conditions"), base) {
        (Some(v), _) => conditions(v, &event_name)?,
        // A rule moved to another event keeps conditions that still fit it.
        (None, Some(b)) => conditions(&b.conditions, &event_name)?,
        (None, None) => json!([]),
    };
    let actions = match (p.raw("actions"), base) {
        (Some(v), _) => actions(tx, account_id, v).await?,
        (None, Some(b)) => b.actions.clone(),
        (None, None) => return Err(CoreError::invalid("actions", "Actions can't be blank")),
    };
    Ok(AutomationRule {
        id: base.map_or(0, |b| b.id),
        account_id,
        name,
        description,
        event_name,
        conditions,
        actions,
        active,
        created_at: base.map_or(0, |b| b.created_at),
        updated_at: 0,
        secret: base.map_or_else(|| random_token(24), |b| b.secret.clone()),
        react_to_automation,
        failures: if fresh { 0 } else { base.map_or(0, |b| b.failures) },
        last_failure: if fresh {
            None
        } else {
            base.and_then(|b| b.last_failure.clone())
        },
        disabled_reason: if fresh {
            None
        } else {
            base.and_then(|b| b.disabled_reason.clone())
        },
    })
}

/// A rule's or macro's `name`: given (trimmed), or the one it had; never
/// blank, at most 255 characters.
pub(crate) fn read_name(p: &Params, had: Option<&str>) -> CoreResult<String> {
    let name = match (p.str("name")?, had) {
        (Some(n), _) => n.trim().to_string(),
        (None, Some(b)) => b.to_string(),
        (None, None) => String::new(),
    };
    if name.is_empty() {
        return Err(CoreError::invalid("name", "Name can't be blank"));
    }
    if name.chars().count() > 255 {
        return Err(CoreError::invalid(
            "name",
            "Name is too long (maximum is 255 characters)",
        ));
    }
    Ok(name)
}

/// One value of a list: text (numbers and booleans as Rails would read
/// them), bounded.
fn value_text(attr: &str, v: &Value) -> CoreResult<String> {
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => return Err(CoreError::invalid(attr, format!("{attr} must hold text or numbers"))),
    };
    if s.chars().count() > MAX_VALUE_CHARS {
        return Err(CoreError::invalid(
            attr,
            format!("A value in {attr} is too long (maximum is {MAX_VALUE_CHARS} characters)"),
        ));
    }
    Ok(s)
}

fn list<'a>(attr: &str, v: &'a Value) -> CoreResult<&'a Vec<Value>> {
    v.as_array()
        .ok_or_else(|| CoreError::invalid(attr, format!("{attr} must be an array")))
}

/// `attribute_changed` (on conversation_updated only): `values` is
/// `{from: [...], to: [...]}` (either may be left out: any value).
fn changed_condition(p: &Params, key: &str, event_name: &str) -> CoreResult<Value> {
    if event_name != "conversation_updated" {
        return Err(CoreError::invalid(
            "filter_operator",
            "attribute_changed works on conversation_updated only",
        ));
    }
    if !matches!(key, "status" | "priority" | "assignee_id" | "team_id") && ATTRIBUTES.contains(&key) {
        return Err(CoreError::invalid(
            "attribute_key",
            format!("attribute_changed does not follow {key}"),
        ));
    }
    let mut values = Map::new();
    let raw = p.raw("values").cloned().unwrap_or(Value::Null);
    if !(raw.is_object() || raw.is_null()) {
        return Err(CoreError::invalid(
            "values",
            "attribute_changed takes values {from: [...], to: [...]}",
        ));
    }
    for side in ["from", "to"] {
        let list: Vec<String> = match &raw[side] {
            Value::Null => Vec::new(),
            Value::Array(a) if a.len() <= MAX_VALUES => {
                a.iter().map(|x| value_text("values", x)).collect::<CoreResult<_>>()?
            }
            Value::Array(_) => return Err(CoreError::invalid("values", format!("At most {MAX_VALUES} values"))),
            x => vec![value_text("values", x)?],
        };
        values.insert(side.into(), json!(list));
    }
    let query_operator = query_operator(p)?;
    Ok(json!({
        "attribute_key": key,
        "filter_operator": "attribute_changed",
        "values": values,
        "query_operator": query_operator,
    }))
}

fn query_operator(p: &Params) -> CoreResult<Option<&'static str>> {
    Ok(match p.str("query_operator")? {
        None => None,
        Some(q) if q.eq_ignore_ascii_case("and") => Some("and"),
        Some(q) if q.eq_ignore_ascii_case("or") => Some("or"),
        Some(q) => return Err(CoreError::invalid("query_operator", format!("{q} is not and / or"))),
    })
}

/// Checks conditions and returns them in their stored form.
fn conditions(v: &Value, event_name: &str) -> CoreResult<Value> {
    let items = list("conditions", v)?;
    if items.len() > MAX_ITEMS {
        return Err(CoreError::invalid(
            "conditions",
            format!("At most {MAX_ITEMS} conditions"),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for c in items {
        let p = Params::new(c);
        if !c.is_object() {
            return Err(CoreError::invalid("conditions", "Each condition must be an object"));
        }
        let key = p.req_str("attribute_key")?;
        let custom = !ATTRIBUTES.contains(&key.as_str());
        if custom
            && (key.is_empty() || key.len() > 100 || !key.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_'))
        {
            return Err(CoreError::invalid(
                "attribute_key",
                format!("{key} is not an attribute"),
            ));
        }
        let op = p.req_str("filter_operator")?;
        if op == "attribute_changed" {
            out.push(changed_condition(&p, &key, event_name)?);
            continue;
        }
        if !OPERATORS.contains(&op.as_str()) {
            return Err(CoreError::invalid(
                "filter_operator",
                format!("{op} is not an operator"),
            ));
        }
        let values: Vec<String> = match p.raw("values") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => {
                if a.len() > MAX_VALUES {
                    return Err(CoreError::invalid("values", format!("At most {MAX_VALUES} values")));
                }
                a.iter().map(|x| value_text("values", x)).collect::<CoreResult<_>>()?
            }
            Some(x) => vec![value_text("values", x)?],
        };
        if values.is_empty() && !matches!(op.as_str(), "is_present" | "is_not_present") {
            return Err(CoreError::invalid("values", format!("{op} needs values")));
        }
        let query_operator = query_operator(&p)?;
        let mut m = Map::new();
        m.insert("attribute_key".into(), json!(key));
        m.insert("filter_operator".into(), json!(op));
        m.insert("values".into(), json!(values));
        m.insert("query_operator".into(), json!(query_operator));
        if let Some(t) = p.str("custom_attribute_type")? {
            m.insert("custom_attribute_type".into(), json!(t));
        }
        out.push(Value::Object(m));
    }
    Ok(Value::Array(out))
}

/// Whose actions are checked: a rule's, or a macro's (which may name the
/// person running it, `self`, and unassign with `nil`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum ActionSet {
    Rule,
    Macro,
}

impl ActionSet {
    fn allowed(self) -> &'static [&'static str] {
        match self {
            ActionSet::Rule => ACTIONS,
            ActionSet::Macro => crate::macros::ACTIONS,
        }
    }
    fn not_yet(self) -> &'static [&'static str] {
        match self {
            ActionSet::Rule => NOT_YET,
            ActionSet::Macro => crate::macros::NOT_YET,
        }
    }
}

async fn actions(tx: &mut dyn Tx, account_id: i64, v: &Value) -> CoreResult<Value> {
    check_actions(tx, account_id, v, ActionSet::Rule).await
}

/// Checks actions (their teams, agents and labels belong to the account)
/// and returns them in their stored form.
pub(crate) async fn check_actions(tx: &mut dyn Tx, account_id: i64, v: &Value, set: ActionSet) -> CoreResult<Value> {
    let items = list("actions", v)?;
    if items.is_empty() {
        return Err(CoreError::invalid("actions", "Actions can't be blank"));
    }
    if items.len() > MAX_ITEMS {
        return Err(CoreError::invalid("actions", format!("At most {MAX_ITEMS} actions")));
    }
    let mut out = Vec::with_capacity(items.len());
    for a in items {
        if !a.is_object() {
            return Err(CoreError::invalid("actions", "Each action must be an object"));
        }
        let p = Params::new(a);
        let name = p.req_str("action_name")?;
        if set.not_yet().contains(&name.as_str()) {
            return Err(CoreError::invalid(
                "action_name",
                format!("{name} is not available yet"),
            ));
        }
        if !set.allowed().contains(&name.as_str()) {
            return Err(CoreError::invalid("action_name", format!("{name} is not an action")));
        }
        let raw: Vec<Value> = match p.raw("action_params") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(x)) => x.clone(),
            Some(x) => vec![x.clone()],
        };
        if raw.len() > MAX_VALUES {
            return Err(CoreError::invalid(
                "action_params",
                format!("At most {MAX_VALUES} values"),
            ));
        }
        let params: Value = match name.as_str() {
            "add_label" | "remove_label" => {
                let texts: Vec<String> = raw
                    .iter()
                    .map(|x| value_text("action_params", x))
                    .collect::<CoreResult<_>>()?;
                let labels = crate::contacts::normalise_labels(&texts)?;
                if labels.is_empty() {
                    return Err(CoreError::invalid("action_params", format!("{name} needs labels")));
                }
                json!(labels)
            }
            "assign_agent" | "assign_team"
                if set == ActionSet::Macro
                    && matches!(raw.as_slice(), [Value::String(s)] if s == "nil" || (s == "self" && name == "assign_agent")) =>
            {
                json!(raw)
            }
            "assign_agent" => {
                let id = one_id(&raw, &name)?;
                if tx.get_account_user(account_id, id).await?.is_none() {
                    return Err(CoreError::invalid("action_params", "The agent is not in this account"));
                }
                json!([id])
            }
            "assign_team" => {
                let id = one_id(&raw, &name)?;
                if tx.get_team(account_id, id).await?.is_none() {
                    return Err(CoreError::invalid("action_params", "The team is not in this account"));
                }
                json!([id])
            }
            "send_attachment" => {
                let ids: Vec<i64> = raw
                    .iter()
                    .map(|v| match v {
                        Value::Number(n) => n.as_i64(),
                        Value::String(s) => s.trim().parse().ok(),
                        _ => None,
                    })
                    .collect::<Option<_>>()
                    .filter(|ids: &Vec<i64>| !ids.is_empty() && ids.len() <= switchboard_domain::rules::MAX_ATTACHMENTS)
                    .ok_or_else(|| {
                        CoreError::invalid("action_params", "send_attachment takes 1 to 15 ids of uploaded files")
                    })?;
                for id in &ids {
                    if tx.get_upload(account_id, *id).await?.is_none() {
                        return Err(CoreError::invalid(
                            "action_params",
                            "The file is not uploaded to this account",
                        ));
                    }
                }
                json!(ids)
            }
            "add_sla" => {
                let id = one_id(&raw, &name)?;
                crate::Core::require_sla_policy(tx, account_id, id, "action_params").await?;
                json!([id])
            }
            "change_status" => {
                let s = one_text(&raw, &name)?;
                match ConversationStatus::parse(&s) {
                    Some(
                        ConversationStatus::Open
                        | ConversationStatus::Resolved
                        | ConversationStatus::Pending
                        | ConversationStatus::Snoozed,
                    ) => json!([s]),
                    _ => {
                        return Err(CoreError::invalid(
                            "action_params",
                            "change_status takes open, resolved, pending or snoozed",
                        ));
                    }
                }
            }
            "change_priority" => {
                let s = one_text(&raw, &name)?;
                if s != "nil" && Priority::parse(&s).is_none() {
                    return Err(CoreError::invalid(
                        "action_params",
                        "change_priority takes low, medium, high, urgent or nil",
                    ));
                }
                json!([s])
            }
            "send_message" | "add_private_note" => {
                let s = match raw.first() {
                    Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
                    _ => return Err(CoreError::invalid("action_params", format!("{name} needs a message"))),
                };
                if s.chars().count() > switchboard_domain::rules::MAX_CONTENT_CHARS {
                    return Err(CoreError::invalid("action_params", "The message is too long"));
                }
                json!([s])
            }
            "send_webhook_event" => {
                let url = one_text(&raw, &name)?;
                let url = validate::http_url(url.trim()).map_err(|m| CoreError::invalid("action_params", m))?;
                json!([url])
            }
            "send_email_to_team" => effects::check_team_email(tx, account_id, &raw).await?,
            "send_email_transcript" => {
                let texts: Vec<String> = raw
                    .iter()
                    .map(|x| value_text("action_params", x))
                    .collect::<CoreResult<_>>()?;
                let addresses = effects::split_addresses(&texts);
                if addresses.is_empty() || addresses.len() > effects::MAX_TRANSCRIPT_ADDRESSES {
                    return Err(CoreError::invalid(
                        "action_params",
                        format!(
                            "send_email_transcript takes 1 to {} addresses",
                            effects::MAX_TRANSCRIPT_ADDRESSES
                        ),
                    ));
                }
                let mut checked = Vec::with_capacity(addresses.len());
                for a in &addresses {
                    checked.push(validate::email(a).map_err(|m| CoreError::invalid("action_params", m))?);
                }
                json!(checked)
            }
            // resolve_conversation, open_conversation, mute_conversation,
            // snooze_conversation, remove_assigned_agent / _team.
            _ => json!([]),
        };
        out.push(json!({ "action_name": name, "action_params": params }));
    }
    Ok(Value::Array(out))
}

async fn room_for_a_rule(tx: &mut dyn Tx, account_id: i64) -> CoreResult<()> {
    if tx.count_automation_rules(account_id).await? >= MAX_RULES {
        return Err(CoreError::invalid(
            "base",
            format!("At most {MAX_RULES} automation rules"),
        ));
    }
    Ok(())
}

fn one_text(raw: &[Value], name: &str) -> CoreResult<String> {
    match raw {
        [v] => value_text("action_params", v),
        _ => Err(CoreError::invalid("action_params", format!("{name} takes one value"))),
    }
}

fn one_id(raw: &[Value], name: &str) -> CoreResult<i64> {
    one_text(raw, name)?
        .trim()
        .parse::<i64>()
        .map_err(|_| CoreError::invalid("action_params", format!("{name} takes one id")))
}

impl Core {
    /// `GET /automation_rules`.
    pub async fn list_automation_rules(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let rules = tx.list_automation_rules(ctx.account_id(), MAX_RULES).await?;
        Ok(json!({ "payload": rules.iter().map(rule_json).collect::<Vec<_>>() }))
    }

    /// `GET /automation_rules/{id}`.
    pub async fn get_automation_rule(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        let r = tx
            .get_automation_rule(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok(json!({ "payload": rule_json(&r) }))
    }

    /// `POST /automation_rules`.
    pub async fn create_automation_rule(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let mut r = read_rule(w.tx(), ctx.account_id(), body, None).await?;
        room_for_a_rule(w.tx(), ctx.account_id()).await?;
        r.created_at = w.now;
        let saved = w.tx().insert_automation_rule(&r).await?;
        w.commit().await?;
        self.rule_events.forget(ctx.account_id());
        // Chatwoot answers a create with the rule itself (no `payload`, unlike
        // its other rule answers, and its API document); both readings work.
        let mut out = rule_json(&saved);
        out["payload"] = rule_json(&saved);
        Ok(out)
    }

    /// `GET /automation_rules/{id}/deliveries?before=`: the webhooks the
    /// rule's `send_webhook_event` sent, newest first, 50 a page, with
    /// their attempts.
    pub async fn automation_rule_deliveries(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: i64,
        before: Option<i64>,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut tx = self.store.read().await?;
        tx.get_automation_rule(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        crate::webhooks::deliveries_page(
            &mut *tx,
            ctx.account_id(),
            switchboard_store::DeliveryOwner::AutomationRule(id),
            before,
        )
        .await
    }

    /// `PATCH /automation_rules/{id}`: what the body names changes.
    pub async fn update_automation_rule(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: i64,
        body: &Value,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let base = w
            .tx()
            .lock_automation_rule(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let mut r = read_rule(w.tx(), ctx.account_id(), body, Some(&base)).await?;
        r.updated_at = w.now;
        w.tx().update_automation_rule(&r).await?;
        w.commit().await?;
        self.rule_events.forget(ctx.account_id());
        Ok(json!({ "payload": rule_json(&r) }))
    }

    /// `DELETE /automation_rules/{id}`.
    pub async fn delete_automation_rule(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        if !w.tx().delete_automation_rule(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        w.commit().await?;
        self.rule_events.forget(ctx.account_id());
        Ok(())
    }

    /// `POST /automation_rules/{id}/test {conversation_id}` (the display
    /// id): a dry run on that conversation as it is now (for message rules,
    /// its latest message): each condition with the values it read and
    /// whether it held, whether the rule would run and which actions it
    /// would take. Nothing changes.
    pub async fn test_automation_rule(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let display_id = Params::new(body)
            .i64("conversation_id")?
            .ok_or_else(|| CoreError::invalid("conversation_id", "conversation_id can't be blank"))?;
        let mut tx = self.store.read().await?;
        let rule = tx
            .get_automation_rule(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let conv = tx
            .get_conversation(ctx.account_id(), display_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let message = if rule.event_name == "message_created" {
            tx.last_messages(&[conv.id])
                .await?
                .into_iter()
                .find(|m| matches!(m.message_type, 0 | 1))
                .map(|m| json!({ "id": m.id, "content": m.content, "message_type": m.message_type }))
        } else {
            None
        };
        let verdict = run::judge(&mut *tx, &rule, &conv, message.as_ref(), None).await?;
        let conditions: Vec<Value> = rule
            .conditions
            .as_array()
            .map(|cs| {
                cs.iter()
                    .zip(&verdict.conditions)
                    .map(|(c, (held, read))| {
                        let mut c = c.clone();
                        c["held"] = json!(held);
                        c["found"] = json!(read);
                        c
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(json!({
            "payload": {
                "matched": verdict.matched,
                "conversation_id": conv.display_id,
                "message_id": message.as_ref().map(|m| m["id"].clone()),
                "conditions": conditions,
                "actions": if verdict.matched { rule.actions.clone() } else { json!([]) },
            }
        }))
    }

    /// `POST /automation_rules/{id}/clone`: a copy named "<name> (copy)".
    pub async fn clone_automation_rule(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let base = w
            .tx()
            .get_automation_rule(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        room_for_a_rule(w.tx(), ctx.account_id()).await?;
        let name: String = format!("{} (copy)", base.name).chars().take(255).collect();
        let copy = AutomationRule {
            name,
            created_at: w.now,
            secret: random_token(24),
            failures: 0,
            last_failure: None,
            disabled_reason: None,
            ..base
        };
        let saved = w.tx().insert_automation_rule(&copy).await?;
        w.commit().await?;
        self.rule_events.forget(ctx.account_id());
        Ok(json!({ "payload": rule_json(&saved) }))
    }
}
