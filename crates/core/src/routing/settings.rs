//! An inbox's routing settings, as Chatwoot stores them:
//! `enable_auto_assignment` (on unless turned off) and
//! `auto_assignment_config` with `max_assignment_limit` (open conversations
//! one agent may hold in the inbox) and the fields of Chatwoot's v4
//! assignment policies: `assignment_order` (`round_robin` or `balanced`),
//! `conversation_priority` (`longest_waiting` or `earliest_created`),
//! `fair_distribution_limit` and `fair_distribution_window` (at most that
//! many conversations routed to one agent per window of seconds); and
//! Switchboard's `requeue_after_minutes` (an assigned conversation whose
//! customer waits that long without a reply goes back to the queue).

use std::time::Duration;

use serde_json::{Map, Value, json};
use switchboard_store::Inbox;

use crate::{CoreError, CoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentOrder {
    /// The agent routing gave a conversation to longest ago.
    RoundRobin,
    /// The agent with the fewest open conversations.
    Balanced,
}

impl AssignmentOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            AssignmentOrder::RoundRobin => "round_robin",
            AssignmentOrder::Balanced => "balanced",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "round_robin" => Some(AssignmentOrder::RoundRobin),
            "balanced" => Some(AssignmentOrder::Balanced),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct InboxRouting {
    pub enabled: bool,
    pub order: AssignmentOrder,
    /// Queue by creation rather than by how long the customer waits.
    pub earliest_created: bool,
    /// Open conversations one agent may hold in this inbox.
    pub max_per_agent: Option<i64>,
    /// At most this many conversations routed to one agent per window.
    pub fair_limit: Option<i64>,
    pub fair_window: Duration,
    /// An assigned conversation whose customer waits this long without a
    /// reply goes back to the queue (none: it stays).
    pub requeue_after: Option<Duration>,
}

impl InboxRouting {
    pub fn of(inbox: &Inbox) -> Self {
        let config = inbox.settings.get("auto_assignment_config");
        let get = |k: &str| config.and_then(|c| c.get(k));
        let positive = |k: &str| get(k).and_then(Value::as_i64).filter(|n| *n > 0);
        InboxRouting {
            enabled: inbox.setting_bool("enable_auto_assignment", true),
            order: get("assignment_order")
                .and_then(Value::as_str)
                .and_then(AssignmentOrder::parse)
                .unwrap_or(AssignmentOrder::RoundRobin),
            earliest_created: get("conversation_priority").and_then(Value::as_str) == Some("earliest_created"),
            max_per_agent: positive("max_assignment_limit"),
            fair_limit: positive("fair_distribution_limit"),
            fair_window: Duration::from_secs(positive("fair_distribution_window").unwrap_or(3600) as u64),
            requeue_after: positive("requeue_after_minutes").map(|m| Duration::from_secs(m as u64 * 60)),
        }
    }
}

impl InboxRouting {
    /// The inbox's routing under an enabled assignment policy: the
    /// policy's order, queue priority and fair distribution; the inbox
    /// keeps its on/off switch, its own capacity and re-queue settings.
    pub fn with_policy(mut self, p: &switchboard_store::AssignmentPolicy) -> Self {
        if !p.enabled {
            return self;
        }
        self.order = if p.assignment_order == 1 {
            AssignmentOrder::Balanced
        } else {
            AssignmentOrder::RoundRobin
        };
        self.earliest_created = p.conversation_priority == 0;
        self.fair_limit = Some(i64::from(p.fair_distribution_limit)).filter(|n| *n > 0);
        self.fair_window = Duration::from_secs(u64::try_from(p.fair_distribution_window).unwrap_or(3600).max(1));
        self
    }
}

/// Checks and normalises an `auto_assignment_config` given to an inbox:
/// known keys of the right types (numbers may come as strings, as Rails
/// reads them); unknown keys are kept as they are, as Chatwoot keeps them.
pub fn normalise_config(v: &Value) -> CoreResult<Value> {
    let Some(obj) = v.as_object() else {
        return Err(CoreError::invalid("auto_assignment_config", "must be an object"));
    };
    let mut out = Map::new();
    for (k, val) in obj {
        let norm = match k.as_str() {
            "max_assignment_limit"
            | "fair_distribution_limit"
            | "fair_distribution_window"
            | "requeue_after_minutes" => match val {
                Value::Null => Value::Null,
                Value::String(s) if s.trim().is_empty() => Value::Null,
                _ => {
                    let n = match val {
                        Value::Number(n) => n.as_i64(),
                        Value::String(s) => s.trim().parse::<i64>().ok(),
                        _ => None,
                    };
                    match n {
                        Some(n) if n > 0 && n <= 1_000_000 => json!(n),
                        _ => {
                            return Err(CoreError::invalid(
                                "auto_assignment_config",
                                format!("{k} must be a positive whole number"),
                            ));
                        }
                    }
                }
            },
            "assignment_order" => match val.as_str().and_then(AssignmentOrder::parse) {
                Some(o) => json!(o.as_str()),
                None => {
                    return Err(CoreError::invalid(
                        "auto_assignment_config",
                        "assignment_order must be round_robin or balanced",
                    ));
                }
            },
            "conversation_priority" => match val.as_str() {
                Some(p @ ("earliest_created" | "longest_waiting")) => json!(p),
                _ => {
                    return Err(CoreError::invalid(
                        "auto_assignment_config",
                        "conversation_priority must be earliest_created or longest_waiting",
                    ));
                }
            },
            _ => val.clone(),
        };
        out.insert(k.clone(), norm);
    }
    Ok(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_is_checked_and_normalised() {
        let v = normalise_config(&json!({"max_assignment_limit": "5", "assignment_order": "balanced", "x": 1}))
            .expect("valid");
        assert_eq!(
            v,
            json!({"max_assignment_limit": 5, "assignment_order": "balanced", "x": 1})
        );
        assert!(normalise_config(&json!({"max_assignment_limit": 0})).is_err());
        assert!(normalise_config(&json!({"max_assignment_limit": "many"})).is_err());
        assert!(normalise_config(&json!({"assignment_order": "random"})).is_err());
        assert!(normalise_config(&json!([1])).is_err());
        assert_eq!(
            normalise_config(&json!({"max_assignment_limit": null})).expect("valid"),
            json!({"max_assignment_limit": null})
        );
    }
}
