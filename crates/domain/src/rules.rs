//! Pure business rules of conversations and messages (compat §6).

use crate::enums::{ConversationStatus, MessageType, SenderType};
use crate::time::Micros;

/// At most this many messages per conversation in any 60 seconds.
pub const FLOOD_LIMIT_PER_MINUTE: i64 = 200;
/// Message content limit, in characters (Unicode scalar values).
pub const MAX_CONTENT_CHARS: usize = 150_000;
/// At most this many attachments on one message.
pub const MAX_ATTACHMENTS: usize = 15;
/// `unread_count` counts at most the last this-many incoming messages.
pub const UNREAD_CAP: i64 = 10;
/// Conversations per page in lists.
pub const CONVERSATIONS_PER_PAGE: i64 = 25;
/// Contacts per page in lists.
pub const CONTACTS_PER_PAGE: i64 = 15;

/// One day of an inbox's working hours (`day_of_week` 0 = Sunday).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct WorkingDay {
    pub day_of_week: u8,
    #[serde(default)]
    pub closed_all_day: bool,
    #[serde(default)]
    pub open_all_day: bool,
    #[serde(default)]
    pub open_hour: Option<u8>,
    #[serde(default)]
    pub open_minutes: Option<u8>,
    #[serde(default)]
    pub close_hour: Option<u8>,
    #[serde(default)]
    pub close_minutes: Option<u8>,
}

/// Chatwoot's default week: Monday to Friday, 9:00 to 17:00.
pub fn default_working_week() -> Vec<WorkingDay> {
    (0..7)
        .map(|d| WorkingDay {
            day_of_week: d,
            closed_all_day: d == 0 || d == 6,
            open_all_day: false,
            open_hour: Some(9),
            open_minutes: Some(0),
            close_hour: Some(17),
            close_minutes: Some(0),
        })
        .collect()
}

/// Whether a local weekday (0 = Sunday) and minute of the day fall within
/// the working hours. A day missing from the list is closed.
pub fn within_working_hours(week: &[WorkingDay], weekday: u8, minute_of_day: u32) -> bool {
    let Some(day) = week.iter().find(|d| d.day_of_week == weekday) else {
        return false;
    };
    if day.closed_all_day {
        return false;
    }
    if day.open_all_day {
        return true;
    }
    let open = u32::from(day.open_hour.unwrap_or(0)) * 60 + u32::from(day.open_minutes.unwrap_or(0));
    let close = u32::from(day.close_hour.unwrap_or(24)) * 60 + u32::from(day.close_minutes.unwrap_or(0));
    open <= minute_of_day && minute_of_day < close
}

/// Status of a new conversation.
pub fn initial_status(
    requested: Option<ConversationStatus>,
    contact_blocked: bool,
    bot_active: bool,
) -> ConversationStatus {
    if contact_blocked {
        return ConversationStatus::Resolved;
    }
    match requested {
        Some(s) => s,
        None if bot_active => ConversationStatus::Pending,
        None => ConversationStatus::Open,
    }
}

/// What an incoming message does to the conversation's status, if anything.
pub fn status_on_incoming(current: ConversationStatus, muted: bool, bot_active: bool) -> Option<ConversationStatus> {
    if muted {
        return None;
    }
    match current {
        ConversationStatus::Snoozed => Some(ConversationStatus::Open),
        ConversationStatus::Resolved if bot_active => Some(ConversationStatus::Pending),
        ConversationStatus::Resolved => Some(ConversationStatus::Open),
        _ => None,
    }
}

/// The target of `toggle_status`: an explicit status, or with none the
/// open <-> resolved toggle (pending and snoozed become open).
pub fn toggle_target(current: ConversationStatus, requested: Option<ConversationStatus>) -> ConversationStatus {
    match requested {
        Some(s) => s,
        None => match current {
            ConversationStatus::Open => ConversationStatus::Resolved,
            _ => ConversationStatus::Open,
        },
    }
}

/// How a new message moves `waiting_since`.
pub fn waiting_since_after_message(
    current: Option<Micros>,
    message_type: MessageType,
    private: bool,
    sender: Option<SenderType>,
    created_at: Micros,
) -> Option<Micros> {
    match message_type {
        MessageType::Incoming => current.or(Some(created_at)),
        // A person's reply ends the wait (a bot's does not: after its
        // handoff the customer still waits for someone).
        MessageType::Outgoing if !private && sender == Some(SenderType::User) => None,
        _ => current,
    }
}

/// Whether this message is the conversation's first human reply.
pub fn is_first_reply(
    first_reply_created_at: Option<Micros>,
    message_type: MessageType,
    private: bool,
    sender: Option<SenderType>,
) -> bool {
    first_reply_created_at.is_none()
        && message_type == MessageType::Outgoing
        && !private
        && sender == Some(SenderType::User)
}

/// An activity line: its English text (the message's `content`, as
/// Chatwoot writes it) and what it says, as a key and its parameters
/// (`content_attributes.activity`), so an interface can show the line in
/// its own language. Keys ending in `_by` have an `actor`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Activity {
    pub text: String,
    pub key: &'static str,
    pub params: Vec<(&'static str, String)>,
}

impl Activity {
    fn new(key: &'static str, text: String, params: Vec<(&'static str, String)>) -> Self {
        Activity { text, key, params }
    }

    /// `{"key": ..., "params": {...}}`.
    pub fn describe(&self) -> serde_json::Value {
        let params: serde_json::Map<String, serde_json::Value> = self
            .params
            .iter()
            .map(|(k, v)| (k.to_string(), serde_json::Value::String(v.clone())))
            .collect();
        serde_json::json!({ "key": self.key, "params": params })
    }
}

fn with_actor(
    key: &'static str,
    key_by: &'static str,
    text: String,
    actor: Option<&str>,
    mut params: Vec<(&'static str, String)>,
) -> Activity {
    match actor {
        Some(a) => {
            params.push(("actor", a.to_string()));
            Activity::new(key_by, text, params)
        }
        None => Activity::new(key, text, params),
    }
}

/// Activity line for a status change made by `actor` (None = the system).
pub fn status_activity(status: ConversationStatus, actor: Option<&str>) -> Activity {
    let (key, key_by, what) = match status {
        ConversationStatus::Resolved => ("resolved", "resolved_by", "resolved"),
        ConversationStatus::Open => ("reopened", "reopened_by", "reopened"),
        ConversationStatus::Pending => ("pending", "pending_by", "marked as pending"),
        ConversationStatus::Snoozed => ("snoozed", "snoozed_by", "snoozed"),
    };
    let text = match actor {
        Some(a) => format!("Conversation was {what} by {a}"),
        None => format!("Conversation was {what}"),
    };
    with_actor(key, key_by, text, actor, Vec::new())
}

/// Chatwoot's lines for muting: new messages of a muted conversation do not
/// reopen it.
pub fn muted_activity(muted: bool, actor: Option<&str>) -> Activity {
    let who = actor.unwrap_or("System");
    let (key, text) = if muted {
        ("muted_by", format!("{who} has muted the conversation"))
    } else {
        ("unmuted_by", format!("{who} has unmuted the conversation"))
    };
    Activity::new(key, text, vec![("actor", who.to_string())])
}

pub fn assignee_activity(assignee: Option<&str>, actor: Option<&str>) -> Activity {
    match (assignee, actor) {
        (Some(a), Some(u)) if a == u => Activity::new(
            "self_assigned",
            format!("{u} self-assigned this conversation"),
            vec![("actor", u.to_string())],
        ),
        (Some(a), _) => with_actor(
            "assigned",
            "assigned_by",
            match actor {
                Some(u) => format!("Assigned to {a} by {u}"),
                None => format!("Assigned to {a}"),
            },
            actor,
            vec![("assignee", a.to_string())],
        ),
        (None, _) => with_actor(
            "unassigned",
            "unassigned_by",
            match actor {
                Some(u) => format!("Conversation unassigned by {u}"),
                None => "Conversation unassigned".to_string(),
            },
            actor,
            Vec::new(),
        ),
    }
}

pub fn team_activity(team: Option<&str>, previous: Option<&str>, actor: Option<&str>) -> Activity {
    let by = actor.map(|u| format!(" by {u}")).unwrap_or_default();
    match (team, previous) {
        (Some(t), _) => with_actor(
            "team_assigned",
            "team_assigned_by",
            format!("Assigned to {t}{by}"),
            actor,
            vec![("team", t.to_string())],
        ),
        (None, Some(p)) => with_actor(
            "team_removed",
            "team_removed_by",
            format!("Unassigned from {p}{by}"),
            actor,
            vec![("team", p.to_string())],
        ),
        (None, None) => with_actor(
            "team_none",
            "team_none_by",
            format!("Team unassigned{by}"),
            actor,
            Vec::new(),
        ),
    }
}

pub fn priority_activity(old: Option<&str>, new: Option<&str>, actor: Option<&str>) -> Activity {
    let who = actor.unwrap_or("System");
    let by = vec![("actor", who.to_string())];
    match (old, new) {
        (None, Some(n)) => {
            let mut p = by;
            p.push(("new", n.to_string()));
            Activity::new("priority_set_by", format!("{who} set the priority to {n}"), p)
        }
        (Some(o), Some(n)) => {
            let mut p = by;
            p.push(("old", o.to_string()));
            p.push(("new", n.to_string()));
            Activity::new(
                "priority_changed_by",
                format!("{who} changed the priority from {o} to {n}"),
                p,
            )
        }
        (_, None) => Activity::new("priority_removed_by", format!("{who} removed the priority"), by),
    }
}

pub fn labels_activity(added: &[String], removed: &[String], actor: Option<&str>) -> Vec<Activity> {
    let who = actor.unwrap_or("System");
    let mut out = Vec::new();
    for (key, list, verb) in [
        ("labels_added_by", added, "added"),
        ("labels_removed_by", removed, "removed"),
    ] {
        if !list.is_empty() {
            let labels = list.join(", ");
            out.push(Activity::new(
                key,
                format!("{who} {verb} {labels}"),
                vec![("actor", who.to_string()), ("labels", labels)],
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConversationStatus::*;

    #[test]
    fn reopen_on_incoming() {
        assert_eq!(status_on_incoming(Resolved, false, false), Some(Open));
        assert_eq!(status_on_incoming(Resolved, false, true), Some(Pending));
        assert_eq!(status_on_incoming(Snoozed, false, true), Some(Open));
        assert_eq!(status_on_incoming(Resolved, true, false), None);
        assert_eq!(status_on_incoming(Open, false, false), None);
        assert_eq!(status_on_incoming(Pending, false, false), None);
    }

    #[test]
    fn toggling() {
        assert_eq!(toggle_target(Open, None), Resolved);
        assert_eq!(toggle_target(Resolved, None), Open);
        assert_eq!(toggle_target(Pending, None), Open);
        assert_eq!(toggle_target(Snoozed, None), Open);
        assert_eq!(toggle_target(Open, Some(Snoozed)), Snoozed);
    }

    #[test]
    fn initial() {
        assert_eq!(initial_status(None, true, false), Resolved);
        assert_eq!(initial_status(Some(Open), true, false), Resolved);
        assert_eq!(initial_status(None, false, true), Pending);
        assert_eq!(initial_status(None, false, false), Open);
        assert_eq!(initial_status(Some(Pending), false, false), Pending);
    }

    #[test]
    fn waiting_since() {
        let t = 5;
        assert_eq!(
            waiting_since_after_message(None, MessageType::Incoming, false, Some(SenderType::Contact), t),
            Some(5)
        );
        assert_eq!(
            waiting_since_after_message(Some(1), MessageType::Incoming, false, Some(SenderType::Contact), t),
            Some(1)
        );
        assert_eq!(
            waiting_since_after_message(Some(1), MessageType::Outgoing, false, Some(SenderType::User), t),
            None
        );
        assert_eq!(
            waiting_since_after_message(Some(1), MessageType::Outgoing, true, Some(SenderType::User), t),
            Some(1)
        );
        assert_eq!(
            waiting_since_after_message(Some(1), MessageType::Activity, false, None, t),
            Some(1)
        );
        assert_eq!(
            waiting_since_after_message(Some(1), MessageType::Outgoing, false, Some(SenderType::AgentBot), t),
            Some(1),
            "a bot's reply does not end the wait for a person"
        );
    }

    #[test]
    fn first_reply() {
        assert!(is_first_reply(
            None,
            MessageType::Outgoing,
            false,
            Some(SenderType::User)
        ));
        assert!(!is_first_reply(
            None,
            MessageType::Outgoing,
            true,
            Some(SenderType::User)
        ));
        assert!(!is_first_reply(
            Some(1),
            MessageType::Outgoing,
            false,
            Some(SenderType::User)
        ));
        assert!(!is_first_reply(
            None,
            MessageType::Outgoing,
            false,
            Some(SenderType::AgentBot)
        ));
    }

    #[test]
    fn working_hours() {
        let week = default_working_week();
        assert!(within_working_hours(&week, 1, 9 * 60));
        assert!(within_working_hours(&week, 5, 16 * 60 + 59));
        assert!(!within_working_hours(&week, 5, 17 * 60));
        assert!(!within_working_hours(&week, 3, 8 * 60 + 59));
        assert!(!within_working_hours(&week, 0, 12 * 60), "Sunday is closed");
        let all = vec![WorkingDay {
            day_of_week: 6,
            closed_all_day: false,
            open_all_day: true,
            open_hour: None,
            open_minutes: None,
            close_hour: None,
            close_minutes: None,
        }];
        assert!(within_working_hours(&all, 6, 3 * 60));
        assert!(
            !within_working_hours(&all, 2, 12 * 60),
            "a day missing from the list is closed"
        );
    }

    #[test]
    fn activity_texts() {
        let resolved = status_activity(Resolved, Some("Anna"));
        assert_eq!(resolved.text, "Conversation was resolved by Anna");
        assert_eq!(
            resolved.describe(),
            serde_json::json!({ "key": "resolved_by", "params": { "actor": "Anna" } })
        );
        assert_eq!(status_activity(Resolved, None).key, "resolved");
        let assigned = assignee_activity(Some("Anna"), Some("Bob"));
        assert_eq!(assigned.text, "Assigned to Anna by Bob");
        assert_eq!(
            assigned.describe(),
            serde_json::json!({ "key": "assigned_by", "params": { "assignee": "Anna", "actor": "Bob" } })
        );
        assert_eq!(
            assignee_activity(Some("Anna"), Some("Anna")).text,
            "Anna self-assigned this conversation"
        );
        assert_eq!(
            assignee_activity(None, Some("Bob")).text,
            "Conversation unassigned by Bob"
        );
        assert_eq!(
            priority_activity(Some("low"), Some("high"), Some("Bob")).text,
            "Bob changed the priority from low to high"
        );
        let labels = labels_activity(&["a".into()], &[], Some("Bob"));
        assert_eq!(labels.len(), 1);
        assert_eq!(labels[0].text, "Bob added a");
        assert_eq!(team_activity(None, Some("Sales"), None).text, "Unassigned from Sales");
    }
}
