//! What the conversation use cases take (status, priority, assignments,
//! labels, custom attributes, new conversations; typing still reads
//! `Params`) and the small views they give. The conversation itself is
//! [`ConversationView`](crate::conversation_view::ConversationView); the
//! agent and team shapes inside it are still `present`'s functions.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use switchboard_domain::time::{self as t, Micros};
use switchboard_domain::{ConversationStatus, Priority};

use crate::request::{Patch, lenient, read};

/// `POST /conversations`: the inbox, and the contact by its source id in
/// that inbox or by id; optionally a status, an assignee, a team,
/// attributes and a first message.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewConversation {
    #[serde(deserialize_with = "lenient::int")]
    pub inbox_id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub source_id: Option<String>,
    #[serde(deserialize_with = "lenient::int")]
    pub contact_id: Option<i64>,
    #[serde(deserialize_with = "status_name")]
    pub status: Option<ConversationStatus>,
    /// `snoozed` needs the key, even null (Chatwoot's rule).
    #[serde(deserialize_with = "patch_time")]
    pub snoozed_until: Patch<Micros>,
    #[serde(deserialize_with = "lenient::int")]
    pub assignee_id: Option<i64>,
    #[serde(deserialize_with = "lenient::int")]
    pub team_id: Option<i64>,
    #[serde(deserialize_with = "lenient::object")]
    pub additional_attributes: Option<Map<String, Value>>,
    #[serde(deserialize_with = "lenient::object")]
    pub custom_attributes: Option<Map<String, Value>>,
    /// The first message, when it is an object (read with
    /// [`crate::request::parse`] into [`FirstMessage`]).
    pub message: Option<Value>,
}

/// A new conversation's first message: an outgoing text, or a WhatsApp
/// template that opens a conversation outside the reply window.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct FirstMessage {
    #[serde(deserialize_with = "lenient::string")]
    pub content: Option<String>,
    /// Kept when it is an object; anything else is ignored.
    pub template_params: Option<Value>,
}

/// `POST /conversations/:id/toggle_status`: a status by its name (none
/// toggles between open and resolved) and, for `snoozed`, until when.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct StatusToggle {
    #[serde(deserialize_with = "status_name")]
    pub status: Option<ConversationStatus>,
    /// Unix seconds or ISO-8601; empty is none.
    #[serde(deserialize_with = "time")]
    pub snoozed_until: Option<Micros>,
}

/// `POST /conversations/:id/toggle_priority` and `PATCH
/// /conversations/:id`: a priority by its name; null, `""` or `"none"`
/// clears it, and leaving it out changes nothing.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct PriorityChange {
    #[serde(deserialize_with = "priority_name")]
    pub priority: Patch<Priority>,
    /// The SLA policy the conversation is held to (null takes it off).
    #[serde(deserialize_with = "lenient::patch_int")]
    pub sla_policy_id: Patch<i64>,
}

/// `POST /conversations/:id/assignments`: an agent (`assignee_id`; null
/// or empty unassigns) or, when no agent is named, a team.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Assignment {
    #[serde(deserialize_with = "lenient::patch_int")]
    pub assignee_id: Patch<i64>,
    /// `AgentBot` is refused; anything else means an agent.
    #[serde(deserialize_with = "lenient::string")]
    pub assignee_type: Option<String>,
    #[serde(deserialize_with = "lenient::patch_int")]
    pub team_id: Patch<i64>,
    /// A transfer's private note to whoever takes over, written in the same
    /// transaction as the assignment (Switchboard's addition).
    #[serde(deserialize_with = "lenient::string")]
    pub handoff_note: Option<String>,
}

/// `POST /conversations/:id/labels`: the whole new list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ConversationLabels {
    #[serde(deserialize_with = "lenient::tags")]
    pub labels: Option<Vec<String>>,
}

/// `POST /conversations/:id/custom_attributes`: all of them (required).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct CustomAttributes {
    #[serde(deserialize_with = "lenient::object")]
    pub custom_attributes: Option<Map<String, Value>>,
}

/// `custom_attributes`' answer.
#[derive(Debug, Clone, Serialize)]
pub struct CustomAttributesView {
    pub custom_attributes: Value,
}

const NOT_LISTED: &str = "is not included in the list";

fn status_name<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ConversationStatus>, D::Error> {
    use serde::de::Error;
    match read::string(&Value::deserialize(d)?).map_err(D::Error::custom)? {
        None => Ok(None),
        Some(s) => ConversationStatus::parse(&s)
            .map(Some)
            .ok_or_else(|| D::Error::custom(NOT_LISTED)),
    }
}

fn time<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Micros>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) if s.is_empty() => Ok(None),
        v => t::from_json(&v).map(Some).ok_or_else(|| D::Error::custom("is invalid")),
    }
}

/// A time that is there (even null) or not; an empty string is invalid.
fn patch_time<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<Micros>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Null => Ok(Patch::Null),
        v => t::from_json(&v)
            .map(Patch::Value)
            .ok_or_else(|| D::Error::custom("is invalid")),
    }
}

fn priority_name<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<Priority>, D::Error> {
    use serde::de::Error;
    match read::string(&Value::deserialize(d)?)
        .map_err(D::Error::custom)?
        .as_deref()
    {
        None | Some("none") | Some("") => Ok(Patch::Null),
        Some(s) => Priority::parse(s)
            .map(Patch::Value)
            .ok_or_else(|| D::Error::custom(NOT_LISTED)),
    }
}

/// `toggle_status`' answer: `{"meta": {}, "payload": {...}}`.
#[derive(Debug, Clone, Serialize)]
pub struct StatusToggled {
    pub meta: Map<String, Value>,
    pub payload: StatusToggledPayload,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatusToggledPayload {
    pub success: bool,
    pub conversation_id: i64,
    pub current_status: &'static str,
    /// ISO-8601 (a datetime in Chatwoot's view, as on the conversation).
    pub snoozed_until: Option<String>,
}

impl StatusToggled {
    pub fn new(display_id: i64, status: ConversationStatus, snoozed_until: Option<Micros>) -> Self {
        StatusToggled {
            meta: Map::new(),
            payload: StatusToggledPayload {
                success: true,
                conversation_id: display_id,
                current_status: status.as_str(),
                snoozed_until: snoozed_until.map(t::iso),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::request::parse;

    fn invalid(e: crate::CoreError) -> String {
        match e {
            crate::CoreError::Invalid { message, .. } => message,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn status_and_priority_as_sent() {
        let s: StatusToggle = parse(&json!({ "status": "snoozed", "snoozed_until": "1700000000" })).unwrap();
        assert_eq!(s.status, Some(ConversationStatus::Snoozed));
        assert_eq!(s.snoozed_until, Some(1_700_000_000_000_000));
        let s: StatusToggle = parse(&json!({ "snoozed_until": "" })).unwrap();
        assert_eq!((s.status, s.snoozed_until), (None, None));
        for (body, text) in [
            (json!({ "status": 1 }), "status is not included in the list"),
            (json!({ "status": ["open"] }), "status must be a string"),
            (json!({ "snoozed_until": "soon" }), "snoozed_until is invalid"),
        ] {
            assert_eq!(invalid(parse::<StatusToggle>(&body).unwrap_err()), text, "{body}");
        }
        let p = |v: Value| parse::<PriorityChange>(&v).map(|c| c.priority);
        assert_eq!(p(json!({})).unwrap(), Patch::Absent);
        assert_eq!(p(json!({ "priority": null })).unwrap(), Patch::Null);
        assert_eq!(p(json!({ "priority": "none" })).unwrap(), Patch::Null);
        assert_eq!(p(json!({ "priority": "high" })).unwrap(), Patch::Value(Priority::High));
        assert_eq!(
            invalid(p(json!({ "priority": "hot" })).unwrap_err()),
            "priority is not included in the list"
        );
    }

    #[test]
    fn a_new_conversation_as_sent() {
        let c: NewConversation = parse(&json!({
            "inbox_id": "1", "contact_id": 2, "status": "snoozed", "snoozed_until": null,
            "message": { "content": "hi" },
        }))
        .unwrap();
        assert_eq!((c.inbox_id, c.contact_id), (Some(1), Some(2)));
        assert_eq!(c.snoozed_until, Patch::Null);
        let m: FirstMessage = parse(&c.message.unwrap()).unwrap();
        assert_eq!(m.content.as_deref(), Some("hi"));
        assert_eq!(
            invalid(parse::<NewConversation>(&json!({ "snoozed_until": "" })).unwrap_err()),
            "snoozed_until is invalid"
        );
        assert_eq!(
            invalid(parse::<FirstMessage>(&json!({ "content": {} })).unwrap_err()),
            "content must be a string"
        );
    }

    #[test]
    fn assignments_tell_absent_from_null() {
        let a: Assignment = parse(&json!({ "assignee_id": "7", "team_id": null })).unwrap();
        assert_eq!((a.assignee_id, a.team_id), (Patch::Value(7), Patch::Null));
        let a: Assignment = parse(&json!({ "assignee_id": "" })).unwrap();
        assert_eq!((a.assignee_id, a.team_id), (Patch::Null, Patch::Absent));
        assert_eq!(
            invalid(parse::<Assignment>(&json!({ "assignee_id": "bob" })).unwrap_err()),
            "assignee_id must be an integer"
        );
    }

    #[test]
    fn the_toggle_answer() {
        assert_eq!(
            serde_json::to_value(StatusToggled::new(4, ConversationStatus::Open, None)).unwrap(),
            json!({ "meta": {}, "payload": {
                "success": true, "conversation_id": 4, "current_status": "open", "snoozed_until": null,
            } })
        );
    }
}

/// `POST /conversations/{id}/toggle_typing_status`: `typing_status` on or
/// off, `is_private` when the agent types a private note.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct TypingToggle {
    #[serde(deserialize_with = "lenient::string")]
    pub typing_status: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub is_private: Option<bool>,
}
