//! What the message use cases take and give: request structs read from the
//! request's parameters ([`crate::request::parse`]) and view structs that
//! serialise to Chatwoot's message shapes.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};
use switchboard_domain::time::{iso, unix_float, unix_secs};
use switchboard_domain::{ContentType, MessageStatus, MessageType};
use switchboard_store::{Attachment, Conversation, Message, User};

use crate::contact_types::ContactView;
use crate::present::{ConvView, Sender};
use crate::request::{Listed, lenient};

/// `POST /conversations/:id/messages` (JSON or a form beside its files).
/// The enumerations take the wire name or the integer code; whether the
/// message may be made, and what its content must be, are the use case's.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewMessage {
    #[serde(deserialize_with = "lenient::string")]
    pub content: Option<String>,
    #[serde(deserialize_with = "message_type")]
    pub message_type: Option<MessageType>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub private: Option<bool>,
    #[serde(deserialize_with = "content_type")]
    pub content_type: Option<ContentType>,
    /// An object, or the text of one (a form sends it so); read by
    /// `validate::content_attributes`.
    pub content_attributes: Option<Value>,
    /// E-mail recipients, each a list or one string separated by `,` or `;`.
    #[serde(deserialize_with = "addresses")]
    pub cc_emails: Option<Vec<String>>,
    #[serde(deserialize_with = "addresses")]
    pub bcc_emails: Option<Vec<String>>,
    #[serde(deserialize_with = "addresses")]
    pub to_emails: Option<Vec<String>>,
    /// An e-mail reply's own HTML.
    #[serde(deserialize_with = "lenient::string")]
    pub email_html_content: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub echo_id: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub source_id: Option<String>,
    /// Kept when it is an object; anything else is ignored.
    #[serde(deserialize_with = "object_or_nothing")]
    pub template_params: Option<Map<String, Value>>,
}

/// `PATCH /conversations/:id/messages/:id` from an API inbox's platform.
/// The status is judged after the message is found (another account's
/// message answers 404 whatever the body holds).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct MessageStatusChange {
    #[serde(deserialize_with = "message_status")]
    pub status: Option<Listed<MessageStatus>>,
    #[serde(deserialize_with = "lenient::string")]
    pub external_error: Option<String>,
}

fn message_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<MessageType>, D::Error> {
    lenient::listed(d, MessageType::from_json)
}

fn content_type<'de, D: Deserializer<'de>>(d: D) -> Result<Option<ContentType>, D::Error> {
    lenient::listed(d, ContentType::from_json)
}

fn message_status<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Listed<MessageStatus>>, D::Error> {
    lenient::listed_later(d, MessageStatus::from_json)
}

/// The addresses as sent (blank entries included); each is checked by the
/// use case.
fn addresses<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    const E: &str = "must be e-mail addresses";
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.split([',', ';']).map(str::to_string).collect())),
        Value::Array(a) => a
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(serde::de::Error::custom(E)),
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        _ => Err(serde::de::Error::custom(E)),
    }
}

fn object_or_nothing<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Map<String, Value>>, D::Error> {
    match Value::deserialize(d)? {
        Value::Object(m) => Ok(Some(m)),
        _ => Ok(None),
    }
}

/// A user as the sender of a message (and the author of a note).
#[derive(Debug, Clone, Serialize)]
pub struct UserSenderView {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    pub avatar_url: String,
    pub thumbnail: String,
    pub availability_status: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl From<&User> for UserSenderView {
    fn from(u: &User) -> Self {
        UserSenderView {
            id: u.id,
            name: u.name.clone(),
            available_name: u.available_name().to_string(),
            avatar_url: u.avatar_url.clone().unwrap_or_default(),
            thumbnail: u.avatar_url.clone().unwrap_or_default(),
            availability_status: "online",
            kind: "user",
        }
    }
}

/// Who wrote a message: an agent or a contact (null when neither).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum SenderView {
    User(UserSenderView),
    Contact(ContactView),
    Bot(BotSenderView),
}

/// An agent bot as the sender of a message.
#[derive(Debug, Clone, Serialize)]
pub struct BotSenderView {
    pub id: i64,
    pub name: String,
    pub available_name: String,
    pub avatar_url: String,
    pub thumbnail: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl SenderView {
    pub fn of(s: &Sender) -> Option<SenderView> {
        match s {
            Sender::User(u) => Some(SenderView::User(UserSenderView::from(u))),
            Sender::Contact(c) => Some(SenderView::Contact(ContactView::from(c))),
            Sender::Bot(b) => Some(SenderView::Bot(BotSenderView {
                id: b.id,
                name: b.name.clone(),
                available_name: b.name.clone(),
                avatar_url: b.avatar_url.clone().unwrap_or_default(),
                thumbnail: b.avatar_url.clone().unwrap_or_default(),
                kind: "agent_bot",
            })),
            Sender::None => None,
        }
    }
}

/// Chatwoot's attachment shape; the links are signed by core
/// (`Core::attachment_view`).
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: i64,
    pub message_id: i64,
    pub file_type: &'static str,
    pub account_id: i64,
    pub extension: Option<String>,
    pub data_url: String,
    /// The link again for images, else empty.
    pub thumb_url: String,
    pub file_size: i64,
    pub width: Option<i32>,
    pub height: Option<i32>,
    pub file_name: String,
    pub content_type: String,
}

impl AttachmentView {
    pub fn new(a: &Attachment, url: String) -> Self {
        AttachmentView {
            id: a.id,
            message_id: a.message_id,
            file_type: match a.file_type {
                0 => "image",
                1 => "audio",
                2 => "video",
                _ => "file",
            },
            account_id: a.account_id,
            extension: a.extension.clone(),
            thumb_url: if a.file_type == 0 { url.clone() } else { String::new() },
            data_url: url,
            file_size: a.file_size,
            width: a.width,
            height: a.height,
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
        }
    }
}

/// The REST message shape (the agents' API, search results).
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub id: i64,
    pub content: Option<String>,
    pub inbox_id: i64,
    /// The conversation's display id.
    pub conversation_id: i64,
    /// The integer code.
    pub message_type: i16,
    pub content_type: &'static str,
    pub status: &'static str,
    pub content_attributes: Value,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds with a fraction.
    pub updated_at: f64,
    pub private: bool,
    pub source_id: Option<String>,
    pub sender: Option<SenderView>,
    pub sender_type: Option<String>,
    pub sender_id: Option<i64>,
    pub attachments: Vec<AttachmentView>,
    /// Only when the client gave one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub echo_id: Option<String>,
}

impl MessageView {
    /// Without attachments (`Core::message_view` adds them).
    pub fn new(m: &Message, sender: &Sender, display_id: i64) -> Self {
        MessageView {
            id: m.id,
            content: m.content.clone(),
            inbox_id: m.inbox_id,
            conversation_id: display_id,
            message_type: m.message_type,
            content_type: m.content_type().as_str(),
            status: m.status().as_str(),
            content_attributes: m.content_attributes.clone(),
            created_at: unix_secs(m.created_at),
            updated_at: unix_float(m.updated_at),
            private: m.private,
            source_id: m.source_id.clone(),
            sender: SenderView::of(sender),
            sender_type: m.sender_type.clone(),
            sender_id: m.sender_id,
            attachments: Vec::new(),
            echo_id: m.echo_id.clone(),
        }
    }
}

/// `GET /conversations/:id/messages`: the conversation's context and a
/// page of its messages.
#[derive(Debug, Clone, Serialize)]
pub struct MessageList {
    pub meta: MessageListMeta,
    pub payload: Vec<MessageView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MessageListMeta {
    pub labels: Vec<String>,
    pub additional_attributes: Value,
    pub contact: ContactView,
    /// The agent shape (`present::agent`), or null.
    pub assignee: Option<Value>,
    /// ISO-8601 or null (raw datetimes in Chatwoot's view).
    pub agent_last_seen_at: Option<String>,
    pub assignee_last_seen_at: Option<String>,
}

impl MessageListMeta {
    pub fn new(conv: &Conversation, view: &ConvView) -> Self {
        MessageListMeta {
            labels: view.labels.clone(),
            additional_attributes: conv.additional_attributes.clone(),
            contact: ContactView::from(&view.contact),
            assignee: view
                .assignee
                .as_ref()
                .map(|(u, au)| crate::present::agent(u, au.as_ref())),
            agent_last_seen_at: conv.agent_last_seen_at.map(iso),
            assignee_last_seen_at: conv.assignee_last_seen_at.map(iso),
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
    fn a_new_message_as_clients_send_it() {
        let m: NewMessage = parse(&json!({
            "content": 42, "message_type": "1", "private": "true", "content_type": "input_select",
            "cc_emails": "a@x.com; b@y.com", "bcc_emails": ["c@z.com"], "template_params": "ignored",
            "echo_id": "e1",
        }))
        .unwrap();
        assert_eq!(m.content.as_deref(), Some("42"));
        assert_eq!(m.message_type, Some(MessageType::Outgoing));
        assert_eq!(m.private, Some(true));
        assert_eq!(m.content_type, Some(ContentType::InputSelect));
        assert_eq!(m.cc_emails, Some(vec!["a@x.com".into(), " b@y.com".into()]));
        assert_eq!(m.bcc_emails, Some(vec!["c@z.com".into()]));
        assert!(m.template_params.is_none());
        let m: NewMessage = parse(&json!({ "message_type": null, "template_params": { "name": "t" } })).unwrap();
        assert_eq!(m.message_type, None);
        assert_eq!(m.template_params, json!({ "name": "t" }).as_object().cloned());
        for (body, text) in [
            (
                json!({ "message_type": "shout" }),
                "message_type is not included in the list",
            ),
            (
                json!({ "content_type": 99 }),
                "content_type is not included in the list",
            ),
            (json!({ "cc_emails": 5 }), "cc_emails must be e-mail addresses"),
            (json!({ "to_emails": [1] }), "to_emails must be e-mail addresses"),
            (json!({ "content": ["a"] }), "content must be a string"),
        ] {
            assert_eq!(invalid(parse::<NewMessage>(&body).unwrap_err()), text, "{body}");
        }
        let s: MessageStatusChange = parse(&json!({ "status": "failed", "external_error": "no" })).unwrap();
        assert_eq!(s.status, Some(Listed::Known(MessageStatus::Failed)));
        let s: MessageStatusChange = parse(&json!({ "status": "lost" })).unwrap();
        assert_eq!(
            invalid(s.status.unwrap().known("status").unwrap_err()),
            "status is not included in the list"
        );
    }

    #[test]
    fn the_message_shape() {
        let m = Message {
            id: 9,
            account_id: 1,
            inbox_id: 2,
            conversation_id: 30,
            message_type: 1,
            content: Some("hi".into()),
            content_type: 0,
            content_attributes: json!({}),
            additional_attributes: json!({}),
            private: false,
            status: 0,
            source_id: None,
            echo_id: None,
            sender_type: None,
            sender_id: None,
            created_at: 1_700_000_000_000_000,
            updated_at: 1_700_000_000_500_000,
        };
        assert_eq!(
            serde_json::to_value(MessageView::new(&m, &Sender::None, 3)).unwrap(),
            json!({
                "id": 9, "content": "hi", "inbox_id": 2, "conversation_id": 3, "message_type": 1,
                "content_type": "text", "status": "sent", "content_attributes": {},
                "created_at": 1_700_000_000, "updated_at": 1_700_000_000.5, "private": false,
                "source_id": null, "sender": null, "sender_type": null, "sender_id": null,
                "attachments": [],
            })
        );
    }
}
