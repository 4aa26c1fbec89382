//! Rows as the storage layer returns them. Times are microseconds since the
//! Unix epoch; enums are their integer codes; JSON columns are `Value`s.

use serde_json::Value;
use switchboard_domain::{ChannelType, ContentType, ConversationStatus, MessageStatus, MessageType, Priority, Role};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Account {
    pub id: i64,
    pub name: String,
    pub locale: String,
    pub domain: Option<String>,
    pub support_email: Option<String>,
    pub status: i16,
    #[sqlx(json)]
    pub custom_attributes: Value,
    #[sqlx(json)]
    pub settings: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub password_hash: String,
    pub pubsub_token: String,
    pub avatar_url: Option<String>,
    #[sqlx(json)]
    pub ui_settings: Value,
    #[sqlx(json)]
    pub custom_attributes: Value,
    pub message_signature: Option<String>,
    /// Sessions and sockets issued before this instant are no longer valid.
    pub tokens_valid_after: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the person proved they hold the address; `None` for an invited
    /// address whose invitation link has not been used yet.
    pub confirmed_at: Option<i64>,
}

impl User {
    pub fn available_name(&self) -> &str {
        self.display_name
            .as_deref()
            .filter(|d| !d.is_empty())
            .unwrap_or(&self.name)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AccountUser {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub role: i16,
    pub availability: i16,
    pub auto_offline: bool,
    pub active_at: Option<i64>,
    pub created_at: i64,
}

impl AccountUser {
    pub fn role(&self) -> Role {
        Role::from_code(self.role).unwrap_or(Role::Agent)
    }
    pub fn is_admin(&self) -> bool {
        self.role() == Role::Administrator
    }
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub display_name: Option<String>,
    pub email: String,
    pub password_hash: String,
    pub pubsub_token: String,
    /// The person holds the address (setup, first start); false for an
    /// invited address.
    pub confirmed: bool,
}

/// An administrator's invitation of a person to an account; the person is
/// not a member until they accept.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Invitation {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub name: String,
    pub email: String,
    pub role: i16,
    pub availability: i16,
    pub auto_offline: bool,
    pub invited_by: Option<i64>,
    pub token_hash: String,
    /// What became of the invitation e-mail (`sent`, `failed: ...`), or
    /// `None` while it is on its way or when no mail server is configured.
    pub mail_status: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Session {
    pub id: i64,
    pub user_id: i64,
    pub client_id: String,
    pub token_hash: String,
    pub expires_at: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Inbox {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub channel_type: i16,
    /// The channel's public key: an API inbox's identifier, a widget's
    /// website_token. Unique per channel type.
    pub channel_key: String,
    pub hmac_token: String,
    pub secret: String,
    pub webhook_url: Option<String>,
    #[sqlx(json)]
    pub settings: Value,
    #[sqlx(json)]
    pub channel_config: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Inbox {
    pub fn channel(&self) -> ChannelType {
        ChannelType::from_code(self.channel_type)
    }
    pub fn setting_bool(&self, key: &str, default: bool) -> bool {
        self.settings.get(key).and_then(Value::as_bool).unwrap_or(default)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Contact {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub avatar_url: Option<String>,
    pub blocked: bool,
    pub contact_type: i16,
    #[sqlx(json)]
    pub additional_attributes: Value,
    #[sqlx(json)]
    pub custom_attributes: Value,
    pub last_activity_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactInbox {
    pub id: i64,
    pub account_id: i64,
    pub contact_id: i64,
    pub inbox_id: i64,
    pub source_id: String,
    pub hmac_verified: bool,
    pub pubsub_token: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Conversation {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub display_id: i64,
    pub uuid: String,
    pub status: i16,
    pub priority: Option<i16>,
    pub assignee_id: Option<i64>,
    pub assignee_agent_bot_id: Option<i64>,
    pub team_id: Option<i64>,
    pub contact_id: i64,
    pub contact_inbox_id: i64,
    pub muted: bool,
    #[sqlx(json)]
    pub additional_attributes: Value,
    #[sqlx(json)]
    pub custom_attributes: Value,
    pub snoozed_until: Option<i64>,
    pub waiting_since: Option<i64>,
    pub first_reply_created_at: Option<i64>,
    pub last_activity_at: i64,
    pub agent_last_seen_at: Option<i64>,
    pub assignee_last_seen_at: Option<i64>,
    pub contact_last_seen_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the current assignee got the conversation (routing's clock for
    /// "left without a reply" starts here, not when the customer wrote).
    pub assigned_at: Option<i64>,
    /// The SLA policy the conversation is held to.
    pub sla_policy_id: Option<i64>,
}

impl Conversation {
    /// A new conversation row: waiting since now, everything else empty
    /// (the id and uuid are filled by the caller or the database).
    pub fn new(
        account_id: i64,
        inbox_id: i64,
        display_id: i64,
        contact_id: i64,
        contact_inbox_id: i64,
        status: i16,
        now: i64,
    ) -> Self {
        Conversation {
            id: 0,
            account_id,
            inbox_id,
            display_id,
            uuid: String::new(),
            status,
            priority: None,
            assignee_id: None,
            assignee_agent_bot_id: None,
            team_id: None,
            contact_id,
            contact_inbox_id,
            muted: false,
            additional_attributes: Value::Object(Default::default()),
            custom_attributes: Value::Object(Default::default()),
            snoozed_until: None,
            waiting_since: Some(now),
            first_reply_created_at: None,
            last_activity_at: now,
            agent_last_seen_at: None,
            assignee_last_seen_at: None,
            contact_last_seen_at: None,
            created_at: now,
            updated_at: now,
            assigned_at: None,
            sla_policy_id: None,
        }
    }

    pub fn status(&self) -> ConversationStatus {
        ConversationStatus::from_code(self.status).unwrap_or(ConversationStatus::Open)
    }
    pub fn priority(&self) -> Option<Priority> {
        self.priority.and_then(Priority::from_code)
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Message {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub conversation_id: i64,
    pub message_type: i16,
    pub content: Option<String>,
    pub content_type: i16,
    #[sqlx(json)]
    pub content_attributes: Value,
    #[sqlx(json)]
    pub additional_attributes: Value,
    pub private: bool,
    pub status: i16,
    pub source_id: Option<String>,
    pub echo_id: Option<String>,
    pub sender_type: Option<String>,
    pub sender_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Message {
    pub fn message_type(&self) -> MessageType {
        MessageType::from_code(self.message_type).unwrap_or(MessageType::Incoming)
    }
    pub fn content_type(&self) -> ContentType {
        ContentType::from_code(self.content_type).unwrap_or(ContentType::Text)
    }
    pub fn status(&self) -> MessageStatus {
        MessageStatus::from_code(self.status).unwrap_or(MessageStatus::Sent)
    }
}

/// A message to insert; `id`, `created_at` and `updated_at` are assigned.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub account_id: i64,
    pub inbox_id: i64,
    pub conversation_id: i64,
    pub message_type: MessageType,
    pub content: Option<String>,
    pub content_type: ContentType,
    pub content_attributes: Value,
    pub additional_attributes: Value,
    pub private: bool,
    pub status: MessageStatus,
    pub source_id: Option<String>,
    pub echo_id: Option<String>,
    pub sender_type: Option<String>,
    pub sender_id: Option<i64>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Team {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub allow_auto_assign: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Label {
    pub id: i64,
    pub account_id: i64,
    pub title: String,
    pub description: Option<String>,
    pub color: String,
    pub show_on_sidebar: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CannedResponse {
    pub id: i64,
    pub account_id: i64,
    pub short_code: String,
    pub content: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An agent's note on a contact.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ContactNote {
    pub id: i64,
    pub account_id: i64,
    pub contact_id: i64,
    pub user_id: Option<i64>,
    pub content: String,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Webhook {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: Option<i64>,
    pub name: Option<String>,
    pub url: String,
    pub webhook_type: i16,
    #[sqlx(json)]
    pub subscriptions: Value,
    pub secret: String,
    /// This webhook's request timeout in seconds; `None`: the installation's.
    pub timeout_secs: Option<i32>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Webhook {
    pub fn subscribed(&self, event: &str) -> bool {
        self.subscriptions
            .as_array()
            .is_some_and(|a| a.iter().any(|s| s.as_str() == Some(event)))
    }
}

/// One outgoing HTTP delivery (an account webhook or an API inbox's
/// webhook_url), retried by a job until delivered or given up.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Delivery {
    pub id: i64,
    pub account_id: i64,
    pub webhook_id: Option<i64>,
    pub inbox_id: Option<i64>,
    /// The message whose delivery this is (API inboxes): failing marks it failed.
    pub message_id: Option<i64>,
    /// The automation rule whose `send_webhook_event` this is.
    pub automation_rule_id: Option<i64>,
    /// The agent bot this goes to.
    pub agent_bot_id: Option<i64>,
    pub delivery_uuid: String,
    pub event: String,
    pub url: String,
    pub payload: String,
    /// pending, delivered, failed
    pub state: String,
    pub attempts: i32,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Whose deliveries a log lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryOwner {
    Webhook(i64),
    AutomationRule(i64),
    AgentBot(i64),
}

#[derive(Debug, Clone)]
pub struct NewDelivery {
    pub account_id: i64,
    pub webhook_id: Option<i64>,
    pub inbox_id: Option<i64>,
    pub message_id: Option<i64>,
    pub automation_rule_id: Option<i64>,
    pub agent_bot_id: Option<i64>,
    pub delivery_uuid: String,
    pub event: String,
    pub url: String,
    pub payload: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeliveryAttempt {
    pub id: i64,
    pub delivery_id: i64,
    pub attempt: i32,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub created_at: i64,
}

/// A stored event, as listeners read it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StoredEvent {
    pub id: i64,
    pub account_id: i64,
    /// The ActionCable name (`message.created`).
    pub name: String,
    pub inbox_id: Option<i64>,
    pub conversation_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub private: bool,
    #[sqlx(json)]
    pub data: Value,
    pub cause_kind: String,
    pub cause_id: Option<i64>,
    pub cause_depth: i32,
    pub webhook_name: Option<String>,
    pub webhook_inbox_id: Option<i64>,
    pub webhook_payload: Option<String>,
    pub created_at: i64,
}

impl StoredEvent {
    pub fn kind(&self) -> Option<switchboard_domain::EventKind> {
        switchboard_domain::EventKind::parse_cable(&self.name)
    }

    pub fn cause(&self) -> switchboard_domain::event::Cause {
        use switchboard_domain::event::{Cause, CauseKind};
        Cause {
            kind: CauseKind::parse(&self.cause_kind).unwrap_or(CauseKind::System),
            id: self.cause_id,
            depth: u8::try_from(self.cause_depth).unwrap_or(u8::MAX),
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Job {
    pub id: i64,
    pub kind: String,
    #[sqlx(json)]
    pub payload: Value,
    pub run_at: i64,
    pub attempts: i32,
    pub max_attempts: i32,
    pub deadline_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    pub payload: Value,
    pub run_at: i64,
    pub max_attempts: i32,
    pub deadline_at: Option<i64>,
    /// At most one queued job per key (e.g. one snooze wake-up per conversation).
    pub unique_key: Option<String>,
    /// Jobs with the same queue key run one at a time, in the order written
    /// (one chat's replies); other keys are not held up by them.
    pub queue_key: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Attachment {
    pub id: i64,
    pub account_id: i64,
    pub message_id: i64,
    pub file_type: i16,
    pub content_type: String,
    pub extension: Option<String>,
    pub file_name: String,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub storage_key: String,
    pub created_at: i64,
}

/// A stored file to attach to a message.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_type: i16,
    pub content_type: String,
    pub extension: Option<String>,
    pub file_name: String,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub storage_key: String,
}

/// A satisfaction rating answered from an input_csat message.
#[derive(Debug, Clone)]
pub struct NewCsat {
    pub account_id: i64,
    pub conversation_id: i64,
    pub message_id: i64,
    pub contact_id: i64,
    pub assigned_agent_id: Option<i64>,
    pub rating: i16,
    pub feedback_message: Option<String>,
}

/// How far IMAP polling of an e-mail inbox has read its mailbox.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MailCursor {
    pub inbox_id: i64,
    /// The mailbox's UIDVALIDITY when `last_uid` was read.
    pub uid_validity: i64,
    /// The highest UID imported.
    pub last_uid: i64,
    pub polled_at: i64,
    /// Why the last poll failed; `None` when it worked.
    pub last_error: Option<String>,
}

/// A user's saved filter (Chatwoot's custom filter): their own, per account.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CustomFilter {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub name: String,
    /// 0 conversation, 1 contact, 2 report.
    pub filter_type: i16,
    #[sqlx(json)]
    pub query: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An automation rule (Chatwoot's): on `event_name`, when `conditions`
/// hold, `actions` run. Both lists are stored as validated JSON.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AutomationRule {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub event_name: String,
    #[sqlx(json)]
    pub conditions: Value,
    #[sqlx(json)]
    pub actions: Value,
    pub active: bool,
    pub created_at: i64,
    pub updated_at: i64,
    /// Signs the rule's `send_webhook_event` deliveries.
    pub secret: String,
    /// Runs on what automation did too (other rules never do).
    pub react_to_automation: bool,
    /// Runs in a row in which an action could not be done.
    pub failures: i32,
    pub last_failure: Option<String>,
    /// Why the rule was switched off, when it was for failing.
    pub disabled_reason: Option<String>,
}

/// A contacts import from a CSV file (its file is read apart, by the job).
/// `status`: pending=0, processing=1, completed=2, failed=3 (Chatwoot's).
/// `failed_rows` is a JSON array of `{line, reason}`, bounded.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DataImport {
    pub id: i64,
    pub account_id: i64,
    pub user_id: Option<i64>,
    pub data_type: String,
    pub status: i16,
    pub file_name: String,
    pub total_records: i64,
    pub processed_records: i64,
    pub created_records: i64,
    pub updated_records: i64,
    pub failed_records: i64,
    pub failed_rows: String,
    /// The first byte of the file not yet imported (past the header).
    pub cursor_byte: i64,
    /// The line of the file `cursor_byte` is on (1 is the header).
    pub cursor_line: i64,
    pub error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A custom attribute definition: what a key of a contact's or a
/// conversation's `custom_attributes` means. `attribute_model` and
/// `attribute_display_type` are Chatwoot's integer codes.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AttributeDefinition {
    pub id: i64,
    pub account_id: i64,
    pub attribute_model: i16,
    pub attribute_key: String,
    pub attribute_display_name: String,
    pub attribute_display_type: i16,
    pub attribute_description: Option<String>,
    /// The choices of a list attribute: a JSON array of strings.
    #[sqlx(json)]
    pub attribute_values: Value,
    pub regex_pattern: Option<String>,
    pub regex_cue: Option<String>,
    /// A JSON scalar or null.
    #[sqlx(json)]
    pub default_value: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An agent's routing state in an account.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct RoutingAgent {
    pub account_id: i64,
    pub user_id: i64,
    /// When routing last gave them a conversation (0: never).
    pub last_routed_at: i64,
    /// How many open conversations they may hold in all (`None`: no limit
    /// of their own).
    pub capacity: Option<i32>,
    /// Their agent capacity policy (per-inbox limits), if any.
    pub agent_capacity_policy_id: Option<i64>,
}

/// Chatwoot's v4 assignment policy: how the inboxes attached to it route.
/// `assignment_order` 0 round robin, 1 balanced; `conversation_priority`
/// 0 earliest created, 1 longest waiting.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AssignmentPolicy {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub assignment_order: i32,
    pub conversation_priority: i32,
    pub fair_distribution_limit: i32,
    pub fair_distribution_window: i32,
    pub enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An inbox's link to its assignment policy (at most one per inbox).
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InboxAssignmentPolicy {
    pub id: i64,
    pub account_id: i64,
    pub inbox_id: i64,
    pub assignment_policy_id: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Chatwoot's agent capacity policy: agents on it hold at most
/// `conversation_limit` open conversations in each inbox it limits.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct AgentCapacityPolicy {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    #[sqlx(json)]
    pub exclusion_rules: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct InboxCapacityLimit {
    pub id: i64,
    pub account_id: i64,
    pub agent_capacity_policy_id: i64,
    pub inbox_id: i64,
    pub conversation_limit: i32,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A routing decision as it is written.
#[derive(Debug, Clone)]
pub struct NewRoutingDecision {
    pub account_id: i64,
    pub conversation_id: i64,
    /// `assigned`, `waiting`, `kept` or `requeued`.
    pub outcome: String,
    pub assignee_id: Option<i64>,
    /// The mode, the candidates skipped and why, a note.
    pub detail: Value,
    /// What identifies the decision's content, so a repeat is not logged.
    pub digest: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct RoutingDecision {
    pub id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    pub outcome: String,
    pub assignee_id: Option<i64>,
    #[sqlx(json)]
    pub detail: Value,
    pub digest: String,
    pub created_at: i64,
}

/// A user's notification in an account (Chatwoot's notification).
/// `notification_type`: Chatwoot's code (conversation_creation=1 ...);
/// `primary_actor_id` the conversation, `secondary_actor_id` the message
/// that caused it, if any.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub notification_type: i64,
    pub primary_actor_id: i64,
    pub secondary_actor_id: Option<i64>,
    pub read_at: Option<i64>,
    pub snoozed_until: Option<i64>,
    pub last_activity_at: i64,
    pub mailed_at: Option<i64>,
    #[sqlx(json)]
    pub meta: Value,
    pub created_at: i64,
}

/// A notification to write: `source_event` is the event it comes from, so
/// the same event never notifies the same user twice.
#[derive(Debug, Clone)]
pub struct NewNotification {
    pub account_id: i64,
    pub user_id: i64,
    pub notification_type: i64,
    pub primary_actor_id: i64,
    pub secondary_actor_id: Option<i64>,
    pub source_event: i64,
}

/// Which notification types a member gets by e-mail and by push
/// (Chatwoot's bit flags: bit n-1 for type n).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NotificationSetting {
    pub id: i64,
    pub account_id: i64,
    pub user_id: i64,
    pub email_flags: i64,
    pub push_flags: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A browser that takes a person's push notifications: the push service's
/// endpoint and the browser's keys (base64url), as it subscribed.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PushSubscription {
    pub id: i64,
    pub user_id: i64,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A macro: actions a person runs on conversations.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Macro {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    /// personal, global
    pub visibility: String,
    pub created_by_id: Option<i64>,
    pub updated_by_id: Option<i64>,
    #[sqlx(json)]
    pub actions: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An account's agent bot.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AgentBot {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub outgoing_url: Option<String>,
    pub bot_type: String,
    #[sqlx(json)]
    pub bot_config: Value,
    pub avatar_url: Option<String>,
    /// Signs what is sent to `outgoing_url`.
    pub secret: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// An SLA policy: thresholds in seconds (none: that clock is not kept).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlaPolicy {
    pub id: i64,
    pub account_id: i64,
    pub name: String,
    pub description: Option<String>,
    pub first_response_time_threshold: Option<i64>,
    pub next_response_time_threshold: Option<i64>,
    pub resolution_time_threshold: Option<i64>,
    pub only_during_business_hours: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A policy held against one conversation, with its armed clocks.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AppliedSla {
    pub id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    pub sla_policy_id: i64,
    pub inbox_id: i64,
    /// 0 active, 1 hit, 2 missed, 3 active_with_misses
    pub sla_status: i16,
    /// The creation or the last reopen: where the resolution clock starts.
    pub cycle_started_at: i64,
    pub frt_due_at: Option<i64>,
    pub nrt_due_at: Option<i64>,
    pub rt_due_at: Option<i64>,
    pub completed_at: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A missed threshold.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SlaEvent {
    pub id: i64,
    pub account_id: i64,
    pub applied_sla_id: i64,
    pub conversation_id: i64,
    pub inbox_id: i64,
    pub sla_policy_id: i64,
    /// 0 frt, 1 nrt, 2 rt
    pub event_type: i16,
    pub due_at: i64,
    #[sqlx(json)]
    pub meta: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which applied SLAs a list takes (`GET /applied_slas`).
#[derive(Debug, Clone, Default)]
pub struct AppliedSlaFilter {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    pub sla_policy_id: Option<i64>,
    pub assigned_agent_id: Option<i64>,
    pub label: Option<String>,
    /// Only these statuses (empty: any).
    pub statuses: Vec<i16>,
}

/// A satisfaction rating answered from a survey.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CsatResponse {
    pub id: i64,
    pub account_id: i64,
    pub conversation_id: i64,
    pub message_id: i64,
    pub contact_id: i64,
    pub assigned_agent_id: Option<i64>,
    pub rating: i16,
    pub feedback_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Which ratings a list takes (`GET /csat_survey_responses`).
#[derive(Debug, Clone, Default)]
pub struct CsatFilter {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub inbox_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Rated while assigned to one of these (empty: anyone).
    pub user_ids: Vec<i64>,
    pub rating: Option<i16>,
}

/// A file uploaded for rules and macros to send.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Upload {
    pub id: i64,
    pub account_id: i64,
    pub file_type: i16,
    pub content_type: String,
    pub extension: Option<String>,
    pub file_name: String,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub storage_key: String,
    pub created_by_id: Option<i64>,
    pub created_at: i64,
}

impl Upload {
    /// The attachment a message sending it gets (the same stored file).
    pub fn as_attachment(&self) -> NewAttachment {
        NewAttachment {
            file_type: self.file_type,
            content_type: self.content_type.clone(),
            extension: self.extension.clone(),
            file_name: self.file_name.clone(),
            file_size: self.file_size,
            width: self.width,
            height: self.height,
            storage_key: self.storage_key.clone(),
        }
    }
}
