//! Domain events. Every state change records its events in the same
//! transaction as the change (the outbox); after commit they are handed to the
//! in-process listeners (real-time fan-out) and, where subscribed, turned into
//! webhook deliveries.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    MessageCreated,
    MessageUpdated,
    ConversationCreated,
    ConversationUpdated,
    ConversationStatusChanged,
    ConversationRead,
    AssigneeChanged,
    TeamChanged,
    FirstReplyCreated,
    ContactCreated,
    ContactUpdated,
    ContactDeleted,
    InboxCreated,
    InboxUpdated,
    ConversationTypingOn,
    ConversationTypingOff,
    WebwidgetTriggered,
    /// Memberships or roles in the account changed: clients refetch, the
    /// hub re-resolves who sees what.
    AccountCacheInvalidated,
    /// A user's credentials changed: their live sockets close. Never sent to clients.
    SessionsRevoked,
    /// Agents' availability changed: the account's agents get the presence map.
    PresenceUpdate,
    /// Two contacts became one (the base contact's push data).
    ContactMerged,
    /// A notification for one user (`recipient`): created, changed, deleted.
    NotificationCreated,
    NotificationUpdated,
    NotificationDeleted,
    /// The recipient was mentioned in a private note (the conversation).
    ConversationMentioned,
    /// An SLA clock of the conversation ran out (`sla_event` in the data).
    SlaMissed,
    /// An SLA clock of the conversation reached its warning (80 %).
    SlaWarning,
}

impl EventKind {
    pub const ALL: &'static [EventKind] = &[
        EventKind::MessageCreated,
        EventKind::MessageUpdated,
        EventKind::ConversationCreated,
        EventKind::ConversationUpdated,
        EventKind::ConversationStatusChanged,
        EventKind::ConversationRead,
        EventKind::AssigneeChanged,
        EventKind::TeamChanged,
        EventKind::FirstReplyCreated,
        EventKind::ContactCreated,
        EventKind::ContactUpdated,
        EventKind::ContactDeleted,
        EventKind::InboxCreated,
        EventKind::InboxUpdated,
        EventKind::ConversationTypingOn,
        EventKind::ConversationTypingOff,
        EventKind::WebwidgetTriggered,
        EventKind::AccountCacheInvalidated,
        EventKind::SessionsRevoked,
        EventKind::PresenceUpdate,
        EventKind::ContactMerged,
        EventKind::NotificationCreated,
        EventKind::NotificationUpdated,
        EventKind::NotificationDeleted,
        EventKind::ConversationMentioned,
        EventKind::SlaMissed,
        EventKind::SlaWarning,
    ];

    /// The ActionCable event name (`message.created`).
    pub fn cable_name(self) -> &'static str {
        match self {
            EventKind::MessageCreated => "message.created",
            EventKind::MessageUpdated => "message.updated",
            EventKind::ConversationCreated => "conversation.created",
            EventKind::ConversationUpdated => "conversation.updated",
            EventKind::ConversationStatusChanged => "conversation.status_changed",
            EventKind::ConversationRead => "conversation.read",
            EventKind::AssigneeChanged => "assignee.changed",
            EventKind::TeamChanged => "team.changed",
            EventKind::FirstReplyCreated => "first.reply.created",
            EventKind::ContactCreated => "contact.created",
            EventKind::ContactUpdated => "contact.updated",
            EventKind::ContactDeleted => "contact.deleted",
            EventKind::InboxCreated => "inbox.created",
            EventKind::InboxUpdated => "inbox.updated",
            EventKind::ConversationTypingOn => "conversation.typing_on",
            EventKind::ConversationTypingOff => "conversation.typing_off",
            EventKind::WebwidgetTriggered => "webwidget.triggered",
            EventKind::AccountCacheInvalidated => "account.cache_invalidated",
            EventKind::SessionsRevoked => "sessions.revoked",
            EventKind::PresenceUpdate => "presence.update",
            EventKind::ContactMerged => "contact.merged",
            EventKind::NotificationCreated => "notification.created",
            EventKind::NotificationUpdated => "notification.updated",
            EventKind::NotificationDeleted => "notification.deleted",
            EventKind::ConversationMentioned => "conversation.mentioned",
            EventKind::SlaMissed => "sla.missed",
            EventKind::SlaWarning => "sla.warning",
        }
    }

    /// The webhook event name (`message_created`), for the events a webhook
    /// may subscribe to.
    pub fn webhook_name(self) -> Option<&'static str> {
        Some(match self {
            EventKind::MessageCreated => "message_created",
            EventKind::MessageUpdated => "message_updated",
            EventKind::ConversationCreated => "conversation_created",
            EventKind::ConversationUpdated => "conversation_updated",
            EventKind::ConversationStatusChanged => "conversation_status_changed",
            EventKind::ContactCreated => "contact_created",
            EventKind::ContactUpdated => "contact_updated",
            EventKind::InboxCreated => "inbox_created",
            EventKind::InboxUpdated => "inbox_updated",
            EventKind::ConversationTypingOn => "conversation_typing_on",
            EventKind::ConversationTypingOff => "conversation_typing_off",
            EventKind::WebwidgetTriggered => "webwidget_triggered",
            _ => return None,
        })
    }

    pub fn parse_cable(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.cable_name() == name)
    }
}

/// Webhook subscriptions a webhook gets when it names none (Chatwoot's default).
pub const DEFAULT_WEBHOOK_SUBSCRIPTIONS: &[&str] = &[
    "conversation_status_changed",
    "conversation_updated",
    "conversation_created",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
];

/// Every subscription a webhook may name.
pub const ALLOWED_WEBHOOK_SUBSCRIPTIONS: &[&str] = &[
    "conversation_status_changed",
    "conversation_updated",
    "conversation_created",
    "contact_created",
    "contact_updated",
    "message_created",
    "message_updated",
    "webwidget_triggered",
    "inbox_created",
    "inbox_updated",
    "conversation_typing_on",
    "conversation_typing_off",
];

impl Serialize for EventKind {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.cable_name())
    }
}

impl<'de> Deserialize<'de> for EventKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        EventKind::parse_cable(&name).ok_or_else(|| serde::de::Error::custom(format!("unknown event {name}")))
    }
}

/// One event: what happened, where, and the push data clients receive.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    pub kind: EventKind,
    pub account_id: i64,
    pub inbox_id: Option<i64>,
    /// Internal conversation id (not the display id).
    pub conversation_id: Option<i64>,
    pub contact_id: Option<i64>,
    /// The contact inbox (visitor session) whose conversation this is: a
    /// contact's socket receives only its own session's conversations
    /// unless that session is verified.
    #[serde(default)]
    pub contact_inbox_id: Option<i64>,
    /// Private notes and activity lines never reach contacts.
    pub private: bool,
    /// The user (or contact) that caused it; typing events skip the typer.
    pub performer: Option<Performer>,
    /// The one user an event is for (notifications, mentions): only their
    /// sockets in the account receive it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient: Option<i64>,
    /// The ActionCable push data (`data` of the frame).
    pub data: Value,
    /// Why it happened; unset, the unit of work that writes it decides (its
    /// own cause, else the performer's, else the system).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cause: Option<Cause>,
    /// The outgoing webhook this event raises (its name and Chatwoot's
    /// payload, taken when the change was made), for the webhook listener.
    /// Stored with the event; never sent to clients or other nodes.
    #[serde(skip)]
    pub webhook: Option<Box<WebhookPayload>>,
}

/// A webhook event name and its payload.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookPayload {
    pub name: String,
    /// The inbox whose inbox-scoped webhooks may receive it (none: only
    /// account-wide webhooks).
    pub inbox_id: Option<i64>,
    /// The JSON body, serialised once.
    pub body: String,
}

/// What caused a change: a person (an agent through the API or the
/// dashboard, a contact through the widget or the Client API), a platform
/// delivering a message, an automation rule, a bot, or the system itself
/// (timers, imports, retention). `depth` counts how many automatic steps
/// led here: a user's change is 0, a rule reacting to it 1, a rule reacting
/// to that rule 2; automation stops at a bounded depth so nothing loops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cause {
    pub kind: CauseKind,
    /// The user, contact, inbox, rule or bot; none for the system.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    #[serde(default)]
    pub depth: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CauseKind {
    User,
    Contact,
    Channel,
    Automation,
    Bot,
    System,
}

impl CauseKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CauseKind::User => "user",
            CauseKind::Contact => "contact",
            CauseKind::Channel => "channel",
            CauseKind::Automation => "automation",
            CauseKind::Bot => "bot",
            CauseKind::System => "system",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "user" => CauseKind::User,
            "contact" => CauseKind::Contact,
            "channel" => CauseKind::Channel,
            "automation" => CauseKind::Automation,
            "bot" => CauseKind::Bot,
            "system" => CauseKind::System,
            _ => return None,
        })
    }
}

impl Cause {
    pub const SYSTEM: Cause = Cause {
        kind: CauseKind::System,
        id: None,
        depth: 0,
    };

    /// What the system does on its own schedule (routing's passes): a step
    /// removed from any person, so automation rules treat it as automation
    /// (only rules that opt in react, and chains stay bounded).
    pub const ON_ITS_OWN: Cause = Cause {
        kind: CauseKind::System,
        id: None,
        depth: 1,
    };

    pub fn user(id: i64) -> Self {
        Cause {
            kind: CauseKind::User,
            id: Some(id),
            depth: 0,
        }
    }

    pub fn contact(id: i64) -> Self {
        Cause {
            kind: CauseKind::Contact,
            id: Some(id),
            depth: 0,
        }
    }

    /// A platform (the inbox) delivered it.
    pub fn channel(inbox_id: i64) -> Self {
        Cause {
            kind: CauseKind::Channel,
            id: Some(inbox_id),
            depth: 0,
        }
    }

    /// A change made in reaction to this one by `kind` (a rule, a bot):
    /// one step deeper.
    pub fn then(self, kind: CauseKind, id: Option<i64>) -> Self {
        Cause {
            kind,
            id,
            depth: self.depth.saturating_add(1),
        }
    }

    /// The cause of a change its performer made by hand.
    pub fn of_performer(p: Option<Performer>) -> Self {
        match p {
            Some(Performer::User(id)) => Cause::user(id),
            Some(Performer::Contact(id)) => Cause::contact(id),
            Some(Performer::AgentBot(id)) => Cause {
                kind: CauseKind::Bot,
                id: Some(id),
                depth: 0,
            },
            None => Cause::SYSTEM,
        }
    }
}

impl Event {
    /// An account-wide event; narrow it with the builder methods.
    pub fn new(kind: EventKind, account_id: i64, data: Value) -> Self {
        Event {
            kind,
            account_id,
            inbox_id: None,
            conversation_id: None,
            contact_id: None,
            contact_inbox_id: None,
            private: false,
            performer: None,
            recipient: None,
            data,
            cause: None,
            webhook: None,
        }
    }
    pub fn inbox(mut self, inbox_id: Option<i64>) -> Self {
        self.inbox_id = inbox_id;
        self
    }
    pub fn conversation(mut self, conversation_id: Option<i64>) -> Self {
        self.conversation_id = conversation_id;
        self
    }
    pub fn contact(mut self, contact_id: Option<i64>) -> Self {
        self.contact_id = contact_id;
        self
    }
    pub fn contact_inbox(mut self, contact_inbox_id: Option<i64>) -> Self {
        self.contact_inbox_id = contact_inbox_id;
        self
    }
    pub fn private(mut self, private: bool) -> Self {
        self.private = private;
        self
    }
    pub fn by(mut self, performer: Option<Performer>) -> Self {
        self.performer = performer;
        self
    }
    /// For one user only.
    pub fn to_user(mut self, user_id: i64) -> Self {
        self.recipient = Some(user_id);
        self
    }
    pub fn caused_by(mut self, cause: Cause) -> Self {
        self.cause = Some(cause);
        self
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Performer {
    User(i64),
    Contact(i64),
    AgentBot(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for k in EventKind::ALL {
            assert!(seen.insert(k.cable_name()));
            assert_eq!(EventKind::parse_cable(k.cable_name()), Some(*k));
        }
        for s in DEFAULT_WEBHOOK_SUBSCRIPTIONS {
            assert!(ALLOWED_WEBHOOK_SUBSCRIPTIONS.contains(s));
        }
    }
}
