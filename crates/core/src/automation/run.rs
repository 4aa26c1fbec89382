//! The automation listener: each event a rule may react to, against the
//! account's active rules for it; the matching rules' actions run in the
//! listener's unit of work, each rule's changes caused by that rule.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use serde_json::Value;
use switchboard_domain::event::{Cause, CauseKind};
use switchboard_domain::{ConversationStatus, Event, EventKind, MessageType, Priority};
use switchboard_store::{AutomationRule, Contact, Conversation, StoredEvent, Tx};

use crate::conversations::Actor;
use crate::jobs::JobFailure;
use crate::work::Work;
use crate::{Core, CoreResult};

/// Runs the account's rules on the events they name.
pub struct AutomationListener;

/// How deep a chain of rules reacting to rules may go: an event this many
/// steps from what a person, contact or channel did sets nothing off.
pub const MAX_DEPTH: u8 = 3;

/// Runs in a row with an action that could not be done before a rule is
/// switched off.
pub const FAILURE_LIMIT: i32 = 5;

/// Whether automation made the change: a rule, an agent bot, or another
/// step the system took on its own (events one step or more from what a
/// person, contact or channel did).
pub(crate) fn by_automation(c: Cause) -> bool {
    matches!(c.kind, CauseKind::Automation | CauseKind::Bot) || c.depth > 0
}

/// The rule event an event is, if any.
fn rule_event(kind: EventKind, data: &Value) -> Option<&'static str> {
    match kind {
        EventKind::ConversationCreated => Some("conversation_created"),
        EventKind::ConversationUpdated => Some("conversation_updated"),
        EventKind::ConversationStatusChanged => match data["status"].as_str() {
            Some("open") => Some("conversation_opened"),
            Some("resolved") => Some("conversation_resolved"),
            _ => None,
        },
        // Activity lines and templates are the system's own words.
        EventKind::MessageCreated => matches!(data["message_type"].as_i64(), Some(0 | 1)).then_some("message_created"),
        _ => None,
    }
}

impl crate::listen::Listener for AutomationListener {
    fn name(&self) -> &'static str {
        "automation"
    }

    fn wants(&self, event: &Event) -> bool {
        // What automation did sets off only rules that opt in, and not
        // beyond MAX_DEPTH.
        event.conversation_id.is_some()
            && rule_event(event.kind, &event.data).is_some()
            && event.cause.is_none_or(|c| !by_automation(c) || c.depth < MAX_DEPTH)
    }

    fn quiet<'a>(
        &'a self,
        core: &'a Core,
        tx: &'a mut dyn switchboard_store::Tx,
        events: &'a [&'a Event],
    ) -> BoxFuture<'a, CoreResult<Vec<bool>>> {
        // An account without active rules for an event (rules that react
        // to automation, for what automation did) has nothing to run
        // (which events have rules: cached, see `RuleEvents`).
        Box::pin(async move {
            let mut out = Vec::with_capacity(events.len());
            for e in events {
                let Some(name) = rule_event(e.kind, &e.data) else {
                    out.push(true);
                    continue;
                };
                let names = match core.rule_events.get(e.account_id) {
                    Some(n) => n,
                    None => {
                        let n = tx.active_rule_events(e.account_id).await?;
                        core.rule_events.put(e.account_id, n.clone());
                        n
                    }
                };
                let automated = e.cause.is_some_and(by_automation);
                out.push(!names.iter().any(|(n, reacts)| n == name && (*reacts || !automated)));
            }
            Ok(out)
        })
    }

    fn handle<'a>(&'a self, w: &'a mut Work, event: &'a StoredEvent) -> BoxFuture<'a, Result<(), JobFailure>> {
        Box::pin(async move {
            apply(w, event).await?;
            Ok(())
        })
    }
}

async fn apply(w: &mut Work, event: &StoredEvent) -> CoreResult<()> {
    let Some(kind) = event.kind() else {
        return Ok(());
    };
    let Some(name) = rule_event(kind, &event.data) else {
        return Ok(());
    };
    let Some(conversation_id) = event.conversation_id else {
        return Ok(());
    };
    let cause = event.cause();
    let automated = by_automation(cause);
    if automated && cause.depth >= MAX_DEPTH {
        return Ok(());
    }
    let rules = w.tx().active_automation_rules(event.account_id, name).await?;
    let message = (kind == EventKind::MessageCreated).then_some(&event.data);
    for rule in rules {
        // What automation did: only rules that opt in, and never the rule
        // that did it (a rule does not answer itself).
        if automated
            && (!rule.react_to_automation || (cause.kind == CauseKind::Automation && cause.id == Some(rule.id)))
        {
            continue;
        }
        let Some(conv) = w.tx().get_conversation_by_id(conversation_id).await? else {
            return Ok(());
        };
        if conv.account_id != event.account_id {
            return Ok(());
        }
        if !judge(w.tx(), &rule, &conv, message, Some(&event.data)).await?.matched {
            continue;
        }
        w.set_cause(cause.then(CauseKind::Automation, Some(rule.id)));
        let failures = run_actions(w, &rule, conversation_id, event).await?;
        w.seal_cause();
        settle(w, &rule, &failures).await?;
    }
    Ok(())
}

/// Records how a rule's run went: a run with an action that could not be
/// done counts towards switching the rule off; a clean run starts the count
/// again.
async fn settle(w: &mut Work, rule: &AutomationRule, failures: &[String]) -> CoreResult<()> {
    match failures.last() {
        None if rule.failures > 0 => w.tx().rule_succeeded(rule.account_id, rule.id).await?,
        None => {}
        Some(last) => {
            let (core, now) = (w.core().clone(), w.now);
            rule_failed(&core, w.tx(), rule.account_id, rule.id, last, now).await?
        }
    }
    Ok(())
}

/// One more failed run of a rule (an action it could not do here, or later:
/// a webhook or e-mail it queued that was given up).
pub(crate) async fn rule_failed(
    core: &Core,
    tx: &mut dyn Tx,
    account_id: i64,
    rule_id: i64,
    failure: &str,
    now: i64,
) -> CoreResult<()> {
    let failure: String = failure.chars().take(500).collect();
    let reason = format!("Switched off after {FAILURE_LIMIT} runs in a row that failed; the last: {failure}");
    if tx
        .rule_failed(account_id, rule_id, &failure, FAILURE_LIMIT, &reason, now)
        .await?
    {
        tracing::warn!(account = account_id, rule = rule_id, %failure, "automation rule switched off");
        core.rule_events.forget(account_id);
    }
    Ok(())
}

async fn labels_of(tx: &mut dyn Tx, conversation_id: i64) -> CoreResult<Vec<String>> {
    Ok(tx
        .conversation_labels(&[conversation_id])
        .await?
        .into_iter()
        .map(|(_, l)| l)
        .collect())
}

/// What a condition reads: the values of one attribute (a list for labels).
/// What one rule's conditions read besides the conversation, each read at
/// most once however many conditions name it.
#[derive(Default)]
struct Facts {
    labels: Option<Vec<String>>,
    contact: Option<Option<Contact>>,
}

impl Facts {
    async fn labels(&mut self, tx: &mut dyn Tx, conv: &Conversation) -> CoreResult<Vec<String>> {
        if self.labels.is_none() {
            self.labels = Some(labels_of(tx, conv.id).await?);
        }
        Ok(self.labels.clone().unwrap_or_default())
    }

    async fn contact(&mut self, tx: &mut dyn Tx, conv: &Conversation) -> CoreResult<Option<Contact>> {
        if self.contact.is_none() {
            self.contact = Some(tx.get_contact(conv.account_id, conv.contact_id).await?);
        }
        Ok(self.contact.clone().flatten())
    }
}

async fn attribute(
    tx: &mut dyn Tx,
    facts: &mut Facts,
    key: &str,
    conv: &Conversation,
    message: Option<&Value>,
) -> CoreResult<Vec<String>> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        other => Some(other.to_string()),
    };
    let one = |v: Option<String>| v.into_iter().filter(|s| !s.is_empty()).collect::<Vec<_>>();
    Ok(match key {
        "status" => one(Some(conv.status().as_str().to_string())),
        "priority" => one(conv.priority().map(|p| p.as_str().to_string())),
        "inbox_id" => one(Some(conv.inbox_id.to_string())),
        "team_id" => one(conv.team_id.map(|t| t.to_string())),
        "assignee_id" => one(conv.assignee_id.map(|a| a.to_string())),
        "labels" => facts.labels(tx, conv).await?,
        "browser_language" | "referer" | "mail_subject" | "country_code" => one(text(&conv.additional_attributes[key])),
        "message_type" => one(message.and_then(|m| m["message_type"].as_i64()).and_then(|c| {
            MessageType::ALL
                .iter()
                .find(|t| i64::from(t.code()) == c)
                .map(|t| t.as_str().to_string())
        })),
        "content" => one(message.and_then(|m| m["content"].as_str().map(str::to_string))),
        "email" | "phone_number" | "name" => {
            let contact = facts.contact(tx, conv).await?;
            one(contact.and_then(|c| match key {
                "email" => c.email,
                "phone_number" => c.phone_number,
                _ => Some(c.name),
            }))
        }
        custom => {
            let v = &conv.custom_attributes[custom];
            if !v.is_null() {
                one(text(v))
            } else {
                let contact = facts.contact(tx, conv).await?;
                one(contact.and_then(|c| text(&c.custom_attributes[custom])))
            }
        }
    })
}

/// One condition against the attribute's values (case does not matter).
fn holds(op: &str, have: &[String], want: &[String]) -> bool {
    let have: Vec<String> = have.iter().map(|s| s.to_lowercase()).collect();
    let want: Vec<String> = want.iter().map(|s| s.to_lowercase()).collect();
    let eq = || want.iter().any(|v| have.iter().any(|h| h == v));
    let contains = || want.iter().any(|v| have.iter().any(|h| h.contains(v.as_str())));
    match op {
        "equal_to" => eq(),
        "not_equal_to" => !eq(),
        "contains" => contains(),
        "does_not_contain" => !contains(),
        "starts_with" => want.iter().any(|v| have.iter().any(|h| h.starts_with(v.as_str()))),
        "is_present" => !have.is_empty(),
        "is_not_present" => have.is_empty(),
        _ => false,
    }
}

/// A rule's conditions against a conversation: each condition's verdict
/// with the values it read, and the whole (`and` binds before `or`; no
/// conditions always hold).
pub(crate) struct Judgement {
    pub matched: bool,
    pub conditions: Vec<(bool, Vec<String>)>,
}

pub(crate) async fn judge(
    tx: &mut dyn Tx,
    rule: &AutomationRule,
    conv: &Conversation,
    message: Option<&Value>,
    event: Option<&Value>,
) -> CoreResult<Judgement> {
    let conditions = rule.conditions.as_array().cloned().unwrap_or_default();
    let mut facts = Facts::default();
    let mut verdicts = Vec::with_capacity(conditions.len());
    for c in &conditions {
        let key = c["attribute_key"].as_str().unwrap_or("");
        let op = c["filter_operator"].as_str().unwrap_or("");
        if op == "attribute_changed" {
            verdicts.push(changed(event, key, &c["values"]));
            continue;
        }
        let want: Vec<String> = c["values"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
            .unwrap_or_default();
        let have = attribute(tx, &mut facts, key, conv, message).await?;
        verdicts.push((holds(op, &have, &want), have));
    }
    // Any group of and-joined conditions that all hold.
    let mut matched = conditions.is_empty();
    let mut group = true;
    for (i, c) in conditions.iter().enumerate() {
        group &= verdicts[i].0;
        if i + 1 == conditions.len() || c["query_operator"].as_str() == Some("or") {
            matched |= group;
            group = true;
        }
    }
    Ok(Judgement {
        matched,
        conditions: verdicts,
    })
}

/// `attribute_changed`: the update event moved `key` (a conversation
/// attribute, or one of its custom attributes) from one of `values.from`
/// to one of `values.to` (an empty list takes any value). What it read:
/// the previous and the current value.
fn changed(event: Option<&Value>, key: &str, values: &Value) -> (bool, Vec<String>) {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    };
    let Some(list) = event.and_then(|e| e["changed_attributes"].as_array()) else {
        return (false, Vec::new());
    };
    let mut moved = None;
    for entry in list {
        if let Some(ch) = entry.get(key) {
            moved = Some((text(&ch["previous_value"]), text(&ch["current_value"])));
        } else if let Some(ch) = entry.get("custom_attributes") {
            let (p, c) = (&ch["previous_value"][key], &ch["current_value"][key]);
            if p != c {
                moved = Some((text(p), text(c)));
            }
        }
    }
    let Some((from, to)) = moved else {
        return (false, Vec::new());
    };
    let fits = |side: &str, v: &str| {
        let want: Vec<String> = values[side]
            .as_array()
            .map(|a| a.iter().map(text).collect())
            .unwrap_or_default();
        want.is_empty() || want.iter().any(|w| w.eq_ignore_ascii_case(v))
    };
    let held = from != to && fits("from", &from) && fits("to", &to);
    (held, vec![from, to])
}

/// Runs a rule's actions in order; returns what could not be done (each a
/// short reason), the rest going ahead.
async fn run_actions(
    w: &mut Work,
    rule: &AutomationRule,
    conversation_id: i64,
    event: &StoredEvent,
) -> CoreResult<Vec<String>> {
    let core: Arc<Core> = w.core().clone();
    let actor = Actor::automation(&rule.name);
    let mut failures = Vec::new();
    let Some(actions) = rule.actions.as_array() else {
        return Ok(failures);
    };
    for a in actions {
        let Some(before) = w.tx().get_conversation_by_id(conversation_id).await? else {
            return Ok(failures);
        };
        let raw = a["action_params"].as_array().cloned().unwrap_or_default();
        let params: Vec<String> = raw
            .iter()
            .map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect();
        let first = params.first().cloned().unwrap_or_default();
        let action = a["action_name"].as_str().unwrap_or("");
        let mut after = before.clone();
        match action {
            "add_label" | "remove_label" => {
                let old = labels_of(w.tx(), before.id).await?;
                let mut new = old.clone();
                if action == "add_label" {
                    for l in &params {
                        if !new.contains(l) {
                            new.push(l.clone());
                        }
                    }
                } else {
                    new.retain(|l| !params.contains(l));
                }
                if new != old {
                    w.tx()
                        .set_conversation_labels(before.account_id, before.id, &new)
                        .await?;
                    let new = labels_of(w.tx(), before.id).await?;
                    core.conversation_changed(w, &before, &before, &actor, Some((old, new)), true)
                        .await?;
                }
                continue;
            }
            "assign_agent" => {
                // Only someone who may see the inbox (checked now: the rule
                // was saved earlier).
                let Ok(id) = first.parse::<i64>() else { continue };
                let Some(au) = w.tx().get_account_user(before.account_id, id).await? else {
                    failures.push(format!("assign_agent: agent {id} is no longer in the account"));
                    continue;
                };
                if !au.is_admin() && w.tx().inbox_memberships(&[(before.inbox_id, id)]).await?.is_empty() {
                    failures.push(format!("assign_agent: agent {id} is not a member of the inbox"));
                    continue;
                }
                after.assignee_id = Some(id);
            }
            // As Chatwoot's: a conversation already held to a policy keeps
            // it (a rule firing again does not restart its clocks).
            "add_sla" => {
                let Ok(id) = first.parse::<i64>() else { continue };
                if before.sla_policy_id.is_some() {
                    continue;
                }
                if w.tx().get_sla_policy(before.account_id, id).await?.is_none() {
                    failures.push(format!("add_sla: SLA policy {id} no longer exists"));
                    continue;
                }
                after.sla_policy_id = Some(id);
            }
            "assign_team" => {
                let Ok(id) = first.parse::<i64>() else { continue };
                if w.tx().get_team(before.account_id, id).await?.is_none() {
                    failures.push(format!("assign_team: team {id} no longer exists"));
                    continue;
                }
                after.team_id = Some(id);
            }
            "change_status" => match ConversationStatus::parse(&first) {
                Some(
                    s @ (ConversationStatus::Open
                    | ConversationStatus::Resolved
                    | ConversationStatus::Pending
                    | ConversationStatus::Snoozed),
                ) => {
                    after.status = s.code();
                    after.snoozed_until = None;
                    if s == ConversationStatus::Resolved {
                        after.waiting_since = None;
                    }
                }
                _ => continue,
            },
            "resolve_conversation" => {
                after.status = ConversationStatus::Resolved.code();
                after.snoozed_until = None;
                after.waiting_since = None;
            }
            "open_conversation" => {
                after.status = ConversationStatus::Open.code();
                after.snoozed_until = None;
            }
            // Until the next reply, as Chatwoot's.
            "snooze_conversation" => {
                after.status = ConversationStatus::Snoozed.code();
                after.snoozed_until = None;
            }
            "change_priority" => after.priority = Priority::parse(&first).map(|p| p.code()),
            // As muting by hand: muted and resolved.
            "mute_conversation" => {
                after.muted = true;
                after.status = ConversationStatus::Resolved.code();
                after.snoozed_until = None;
                after.waiting_since = None;
            }
            "send_message" => {
                core.automation_message(w, &before, &first, false, rule.id).await?;
                continue;
            }
            "add_private_note" => {
                core.automation_message(w, &before, &first, true, rule.id).await?;
                continue;
            }
            "send_webhook_event" => {
                super::effects::webhook(w, rule, &first, event, &before).await?;
                continue;
            }
            "send_attachment" => {
                let mut uploads = Vec::new();
                for id in params.iter().filter_map(|p| p.parse::<i64>().ok()) {
                    match w.tx().get_upload(before.account_id, id).await? {
                        Some(u) => uploads.push(u),
                        None => failures.push(format!("send_attachment: file {id} no longer exists")),
                    }
                }
                if !uploads.is_empty() {
                    core.attachment_message(
                        w,
                        &before,
                        &uploads,
                        None,
                        serde_json::json!({ "automation_rule_id": rule.id }),
                    )
                    .await?;
                }
                continue;
            }
            "send_email_to_team" => {
                if let Some(f) = super::effects::team_email(w, rule, raw.first(), &before).await? {
                    failures.push(f);
                }
                continue;
            }
            "send_email_transcript" => {
                if let Some(f) = super::effects::transcripts(w, rule, &params, &before).await? {
                    failures.push(f);
                }
                continue;
            }
            _ => continue,
        }
        core.conversation_changed(w, &before, &after, &actor, None, true)
            .await?;
    }
    Ok(failures)
}

#[cfg(test)]
mod tests {
    use super::{changed, holds};
    use serde_json::json;

    #[test]
    fn attribute_changed_reads_the_update() {
        let update = json!({ "changed_attributes": [
            { "status": { "previous_value": "open", "current_value": "pending" } },
            { "custom_attributes": { "previous_value": { "plan": "free" }, "current_value": { "plan": "pro", "seats": 3 } } },
        ]});
        let e = Some(&update);
        let (held, read) = changed(e, "status", &json!({ "from": ["OPEN"], "to": ["pending"] }));
        assert!(held);
        assert_eq!(read, ["open", "pending"]);
        assert!(
            changed(e, "status", &json!({ "to": ["pending"] })).0,
            "from left out: any"
        );
        assert!(!changed(e, "status", &json!({ "from": ["resolved"] })).0);
        assert!(changed(e, "plan", &json!({ "from": ["free"], "to": ["pro"] })).0);
        // Appeared: from nothing.
        assert!(changed(e, "seats", &json!({ "to": ["3"] })).0);
        assert!(!changed(e, "priority", &json!({})).0, "not changed");
        assert!(!changed(None, "status", &json!({})).0, "no update: nothing changed");
    }

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn operators_compare_without_case_and_any_value_matches() {
        assert!(holds("equal_to", &v(&["Open"]), &v(&["resolved", "open"])));
        assert!(!holds("equal_to", &v(&["open"]), &v(&["resolved"])));
        assert!(holds("not_equal_to", &v(&["open"]), &v(&["resolved"])));
        assert!(holds("contains", &v(&["I want a REFUND"]), &v(&["refund"])));
        assert!(!holds("does_not_contain", &v(&["I want a refund"]), &v(&["Refund"])));
        assert!(holds("starts_with", &v(&["+7 999"]), &v(&["+7"])));
        assert!(!holds("starts_with", &v(&["8 999"]), &v(&["+7"])));
        // Labels: any of the conversation's.
        assert!(holds("equal_to", &v(&["vip", "billing"]), &v(&["billing"])));
        assert!(holds("is_present", &v(&["x"]), &[]));
        assert!(holds("is_not_present", &[], &[]));
        assert!(!holds("is_present", &[], &[]));
        assert!(!holds("no_such_operator", &v(&["x"]), &v(&["x"])));
    }
}
