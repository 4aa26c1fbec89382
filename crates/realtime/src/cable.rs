//! ActionCable frames (the `actioncable-v1-json` subprotocol).

use serde_json::{Value, json};

pub const PROTOCOL: &str = "actioncable-v1-json";

pub fn welcome() -> String {
    json!({ "type": "welcome" }).to_string()
}

pub fn ping(unix_secs: i64) -> String {
    json!({ "type": "ping", "message": unix_secs }).to_string()
}

pub fn confirm(identifier: &str) -> String {
    json!({ "identifier": identifier, "type": "confirm_subscription" }).to_string()
}

pub fn reject(identifier: &str) -> String {
    json!({ "identifier": identifier, "type": "reject_subscription" }).to_string()
}

pub fn disconnect(reason: &str, reconnect: bool) -> String {
    json!({ "type": "disconnect", "reason": reason, "reconnect": reconnect }).to_string()
}

/// The `message` part of an event frame, serialised once per event:
/// `{"event": ..., "data": ...}`.
pub fn event_body(event: &str, data: &Value) -> String {
    json!({ "event": event, "data": data }).to_string()
}

/// A message frame for one subscription: the identifier (already a JSON
/// string literal) and a pre-serialised body, joined without re-encoding.
pub fn message_frame(identifier_literal: &str, body: &str) -> String {
    let mut s = String::with_capacity(identifier_literal.len() + body.len() + 28);
    s.push_str("{\"identifier\":");
    s.push_str(identifier_literal);
    s.push_str(",\"message\":");
    s.push_str(body);
    s.push('}');
    s
}

/// A command a client sends.
#[derive(Debug, PartialEq)]
pub enum Command {
    Subscribe { identifier: String },
    Unsubscribe { identifier: String },
    Message { identifier: String, data: Value },
}

/// Parses a client frame; `None` for anything that is not a well-formed command.
pub fn parse_command(text: &str) -> Option<Command> {
    let v: Value = serde_json::from_str(text).ok()?;
    let identifier = v.get("identifier")?.as_str()?.to_string();
    match v.get("command")?.as_str()? {
        "subscribe" => Some(Command::Subscribe { identifier }),
        "unsubscribe" => Some(Command::Unsubscribe { identifier }),
        "message" => {
            // `data` is a JSON string holding an object (as ActionCable sends it).
            let data = match v.get("data") {
                Some(Value::String(s)) => serde_json::from_str(s).ok()?,
                Some(o @ Value::Object(_)) => o.clone(),
                _ => return None,
            };
            Some(Command::Message { identifier, data })
        }
        _ => None,
    }
}

/// The parsed identifier of a RoomChannel subscription.
#[derive(Debug, Clone, PartialEq)]
pub struct RoomIdentifier {
    pub pubsub_token: String,
    pub account_id: Option<i64>,
    pub user_id: Option<i64>,
}

fn as_i64(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// `{"channel":"RoomChannel","pubsub_token":...,"account_id":...,"user_id":...}`.
pub fn parse_identifier(identifier: &str) -> Option<RoomIdentifier> {
    let v: Value = serde_json::from_str(identifier).ok()?;
    if v.get("channel")?.as_str()? != "RoomChannel" {
        return None;
    }
    let token = v.get("pubsub_token")?.as_str()?.to_string();
    if token.is_empty() || token.len() > 128 {
        return None;
    }
    Some(RoomIdentifier {
        pubsub_token: token,
        account_id: as_i64(v.get("account_id")),
        user_id: as_i64(v.get("user_id")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands() {
        let id = r#"{"channel":"RoomChannel","pubsub_token":"abc","account_id":1,"user_id":"2"}"#;
        let sub = json!({ "command": "subscribe", "identifier": id }).to_string();
        assert_eq!(
            parse_command(&sub),
            Some(Command::Subscribe {
                identifier: id.to_string()
            })
        );
        let msg =
            json!({ "command": "message", "identifier": id, "data": "{\"action\":\"update_presence\"}" }).to_string();
        assert!(
            matches!(parse_command(&msg), Some(Command::Message { data, .. }) if data["action"] == "update_presence")
        );
        assert_eq!(parse_command("nope"), None);
        assert_eq!(parse_command(r#"{"command":"explode","identifier":"x"}"#), None);
        let r = parse_identifier(id).unwrap();
        assert_eq!((r.account_id, r.user_id), (Some(1), Some(2)));
        assert_eq!(parse_identifier(r#"{"channel":"Other","pubsub_token":"a"}"#), None);
        assert_eq!(parse_identifier(r#"{"channel":"RoomChannel"}"#), None);
    }

    #[test]
    fn frames_are_json() {
        let id = r#"{"channel":"RoomChannel","pubsub_token":"a\"b"}"#;
        let literal = serde_json::to_string(id).unwrap();
        let frame = message_frame(&literal, &event_body("message.created", &json!({"id": 1})));
        let v: Value = serde_json::from_str(&frame).unwrap();
        assert_eq!(v["identifier"], id);
        assert_eq!(v["message"]["event"], "message.created");
        assert_eq!(v["message"]["data"]["id"], 1);
    }
}
