//! The values that cross between a channel and core.

use std::time::Duration;

use serde_json::{Map, Value};

/// An inbox as a channel sees it.
#[derive(Debug, Clone, Copy)]
pub struct InboxRef<'a> {
    pub id: i64,
    pub account_id: i64,
    pub name: &'a str,
    /// The key webhooks name it by (a bot id, a number, a token).
    pub key: &'a str,
    /// The inbox's own secret (Telegram echoes it in a header).
    pub secret: &'a str,
    /// What the channel keeps (`channel_config`).
    pub config: &'a Value,
    /// The settings common to every inbox (business name, sender names).
    pub settings: &'a Value,
    /// When it was made (microseconds).
    pub created_at: i64,
}

impl<'a> InboxRef<'a> {
    /// A non-empty string setting.
    pub fn str(&self, key: &str) -> Option<&'a str> {
        self.config.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
    }

    pub fn bool(&self, key: &str, default: bool) -> bool {
        self.config.get(key).and_then(Value::as_bool).unwrap_or(default)
    }
}

/// A contact, for its default address on a channel.
#[derive(Debug, Clone, Copy)]
pub struct ContactRef<'a> {
    pub email: Option<&'a str>,
    pub phone: Option<&'a str>,
}

/// A new inbox, before it is written.
#[derive(Debug, Clone, Copy)]
pub struct NewInbox<'a> {
    pub account_id: i64,
    pub name: &'a str,
    /// The secret the inbox will have (for the platform to echo).
    pub secret: &'a str,
}

/// What a channel keeps of a new inbox.
#[derive(Debug, Clone, Default)]
pub struct Created {
    /// The key webhooks will name it by; `None` for a random token.
    pub key: Option<String>,
    pub config: Map<String, Value>,
}

/// What an update means besides the settings kept.
#[derive(Debug, Clone, Copy, Default)]
pub struct Updated {
    /// The inbox now names another mailbox or feed: its poll cursor starts over.
    pub reset_cursor: bool,
}

/// Work an inbox needs on a schedule: `kind` is the stored job kind (payload
/// `{inbox_id}`, at most one queued or running per inbox), queued for every
/// inbox of the channel that `wanted` picks, every `every`.
#[derive(Clone, Copy)]
pub struct Periodic {
    pub kind: &'static str,
    pub every: Duration,
    pub wanted: fn(&InboxRef<'_>) -> bool,
}

/// What a periodic task did.
#[derive(Debug, Clone, Default)]
pub struct TaskDone {
    /// Items taken in (mails imported).
    pub taken: usize,
    /// Settings to keep (merged into the inbox's).
    pub config: Option<Map<String, Value>>,
}

/// Why a channel refused.
#[derive(Debug, Clone, PartialEq)]
pub enum ChannelError {
    /// A field is wrong (422 naming it).
    Invalid { field: String, message: String },
    /// The request is not signed for the inbox (401).
    Unauthorized(String),
    /// Not for this inbox (403).
    Forbidden,
    /// No such inbox or action (404).
    NotFound,
}

impl ChannelError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        ChannelError::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ChannelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ChannelError::Invalid { message, .. } => f.write_str(message),
            ChannelError::Unauthorized(m) => f.write_str(m),
            ChannelError::Forbidden => f.write_str("forbidden"),
            ChannelError::NotFound => f.write_str("not found"),
        }
    }
}

/// Why a send did not go through.
#[derive(Debug, Clone, PartialEq)]
pub enum SendError {
    /// Worth trying again (timeouts, 5xx, 429), after `after` if the
    /// platform said how long to wait.
    Retry { reason: String, after: Option<Duration> },
    /// Will never go through (blocked by the user, no such chat); the
    /// platform's reason is shown on the message.
    Permanent(String),
    /// Not tried: the inbox's platform calls are at their limit or failing
    /// (its circuit open); the job waits in the queue for `after`.
    Defer { reason: String, after: Duration },
}

impl SendError {
    /// The reason, whatever the kind.
    pub fn reason(&self) -> &str {
        match self {
            SendError::Retry { reason, .. } | SendError::Defer { reason, .. } => reason,
            SendError::Permanent(reason) => reason,
        }
    }
}

/// One file of a message, read from the store for sending.
#[derive(Debug, Clone)]
pub struct OutgoingFile {
    pub file_name: String,
    pub content_type: String,
    /// Chatwoot's kind: image, audio, video or file.
    pub kind: &'static str,
    pub bytes: Vec<u8>,
}

/// What to send.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// The contact's address on the platform (its contact inbox source id).
    pub to: String,
    pub content: Option<String>,
    pub files: Vec<OutgoingFile>,
    /// The platform's id of the message this one answers.
    pub reply_to: Option<String>,
    /// A pre-approved template and its parameters (`template_params`), for
    /// platforms that require one outside their reply window.
    pub template: Option<Value>,
    /// The contact's additional attributes (what a platform noted about the
    /// chat, such as Telegram's business connection).
    pub contact_attributes: Value,
    /// The conversation around the message, for channels that thread
    /// (`Channel::wants_thread`).
    pub thread: Option<Thread>,
    /// Options the message offers (a bot's buttons), for channels that show
    /// them (`Channel::max_choices`); elsewhere they are numbered in the
    /// text.
    pub choices: Vec<Choice>,
}

/// One option a message offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub title: String,
    pub value: String,
}

/// The conversation around an outgoing message.
#[derive(Debug, Clone, Default)]
pub struct Thread {
    pub message_id: i64,
    pub account_id: i64,
    pub conversation_uuid: String,
    pub display_id: i64,
    /// The conversation's additional attributes (a mail subject).
    pub conversation_attributes: Value,
    /// The message's own content attributes (recipients, its HTML).
    pub message_attributes: Value,
    /// The content attributes of the contact's last message.
    pub last_incoming_attributes: Option<Value>,
    /// The agent's name.
    pub sender_name: Option<String>,
}

/// A file the platform holds for an inbound message.
#[derive(Debug, Clone, PartialEq)]
pub struct MediaRef {
    pub file_ref: String,
    pub file_name: Option<String>,
    pub mime: Option<String>,
}

/// A new message from a contact.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMessage {
    /// The platform's id of the message (stored as its source_id).
    pub external_id: String,
    /// The contact's address (its contact inbox source id).
    pub sender_id: String,
    pub name: String,
    pub phone: Option<String>,
    /// Kept in the contact's additional attributes (username, language).
    pub contact_attributes: Value,
    pub content: Option<String>,
    /// Locations, contact cards and the like.
    pub content_attributes: Value,
    pub media: Vec<MediaRef>,
    /// The platform's id of the message this one answers.
    pub reply_to: Option<String>,
}

/// A whole mail: core threads it into its conversation by its ids.
#[derive(Debug, Clone, PartialEq)]
pub struct InboundMail {
    /// Without angle brackets; unique per inbox (the message's source id).
    pub message_id: String,
    pub from_address: String,
    pub from_name: String,
    /// Every address the mail was for (To, Cc, Delivered-To, X-Original-To).
    pub recipients: Vec<String>,
    /// In-Reply-To first, then References, newest first, without brackets.
    pub thread_ids: Vec<String>,
    pub subject: Option<String>,
    /// What the conversation shows: the new text without quoted history
    /// or signature.
    pub content: Option<String>,
    /// `content_attributes.email`: headers, full text and sanitised HTML.
    pub email: Value,
    pub files: Vec<MailFile>,
    /// An auto-reply (out of office, bounce): kept in its conversation, but
    /// it opens none.
    pub auto_reply: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailFile {
    pub name: Option<String>,
    pub bytes: Vec<u8>,
}

/// What an inbound request carried.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    Message(InboundMessage),
    /// The contact edited a message.
    Edit {
        external_id: String,
        content: Option<String>,
    },
    /// A whole mail (threading decides its conversation).
    Mail(Box<InboundMail>),
    /// The contact picked an option of one of our messages (a button).
    Choice {
        /// The platform's id of the message with the options.
        external_id: String,
        /// Who picked (the contact's address).
        sender_id: String,
        /// Which option, from 0.
        index: usize,
        /// What to acknowledge on the platform (`Channel::acknowledge`).
        ack: Option<String>,
    },
    /// A receipt for one of our messages.
    Status {
        external_id: String,
        status: switchboard_domain::MessageStatus,
        error: Option<String>,
    },
}

/// A downloaded inbound file: its bytes and, when known, its name.
pub type Fetched = Result<(Vec<u8>, Option<String>), String>;

/// Constant-time comparison of secrets.
pub fn ct_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// A random token of `len` letters and digits (secrets, verify tokens).
pub fn random_token(len: usize) -> String {
    use rand::Rng;
    rand::rng()
        .sample_iter(&rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}
