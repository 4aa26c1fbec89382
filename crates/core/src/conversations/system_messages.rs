//! Messages the system writes into a conversation: activity lines, the
//! satisfaction survey, templates such as the greeting.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Event;
use switchboard_domain::rules;
use switchboard_domain::{EventKind, MessageStatus, MessageType};
use switchboard_store::{Conversation, Message, NewMessage};

use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

/// What a system message is besides its text and type.
struct Shape {
    content_type: switchboard_domain::ContentType,
    content_attributes: Value,
    private: bool,
}

impl Shape {
    /// Text seen by whoever sees the conversation.
    fn text(content_attributes: Value) -> Self {
        Shape {
            content_type: switchboard_domain::ContentType::Text,
            content_attributes,
            private: false,
        }
    }
}

impl Core {
    /// An activity line in the conversation (agents only; no webhook): its
    /// English text as the content, and what it says in
    /// `content_attributes.activity` for interfaces in other languages.
    pub(crate) async fn activity_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        line: &rules::Activity,
    ) -> CoreResult<()> {
        self.write_system_message(
            w,
            conv,
            &line.text,
            MessageType::Activity,
            Shape::text(json!({ "activity": line.describe() })),
        )
        .await
        .map(|_| ())
    }

    /// The satisfaction survey (`input_csat`): shown in the widget, or sent
    /// through the contact's channel (`deliver`) with its link.
    pub(crate) async fn csat_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        text: &str,
        display_type: &str,
        deliver: bool,
    ) -> CoreResult<()> {
        let (m, ev) = self
            .write_system_message(
                w,
                conv,
                text,
                MessageType::Template,
                Shape {
                    content_type: switchboard_domain::ContentType::InputCsat,
                    content_attributes: json!({ "display_type": display_type }),
                    private: false,
                },
            )
            .await?;
        if deliver {
            self.deliver_system_message(w, conv, &m, ev).await?;
        }
        Ok(())
    }

    /// A message the system writes into a conversation: an activity line
    /// (agents only) or a template the contact sees too (the greeting);
    /// templates also reach webhooks.
    pub(crate) async fn system_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        text: &str,
        kind: MessageType,
    ) -> CoreResult<()> {
        let (m, ev) = self
            .write_system_message(w, conv, text, kind, Shape::text(json!({})))
            .await?;
        self.deliver_system_message(w, conv, &m, ev).await
    }

    /// What an automation rule writes: an outgoing message without a sender
    /// (`content_attributes.automation_rule_id`, as Chatwoot marks it), sent
    /// to the contact's platform, or a private note.
    pub(crate) async fn automation_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        text: &str,
        private: bool,
        rule_id: i64,
    ) -> CoreResult<()> {
        let (m, ev) = self
            .write_system_message(
                w,
                conv,
                text,
                MessageType::Outgoing,
                Shape {
                    private,
                    ..Shape::text(json!({ "automation_rule_id": rule_id }))
                },
            )
            .await?;
        if private {
            return Ok(());
        }
        self.deliver_system_message(w, conv, &m, ev).await
    }

    /// Files uploaded for rules and macros sent as one outgoing message (by
    /// `sender`, a person running a macro, or by no one for a rule), the
    /// stored files shared with their uploads.
    pub(crate) async fn attachment_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        uploads: &[switchboard_store::Upload],
        sender: Option<&switchboard_store::User>,
        content_attributes: Value,
    ) -> CoreResult<()> {
        let now = w.now;
        let m = w
            .tx()
            .insert_message(&NewMessage {
                account_id: conv.account_id,
                inbox_id: conv.inbox_id,
                conversation_id: conv.id,
                message_type: MessageType::Outgoing,
                content: None,
                content_type: switchboard_domain::ContentType::Text,
                content_attributes,
                additional_attributes: json!({}),
                private: false,
                status: MessageStatus::Sent,
                source_id: None,
                echo_id: None,
                sender_type: sender.map(|_| "User".to_string()),
                sender_id: sender.map(|u| u.id),
                created_at: now,
            })
            .await?
            .ok_or_else(|| CoreError::Internal("attachment message not written".into()))?;
        let files: Vec<switchboard_store::NewAttachment> = uploads.iter().map(|u| u.as_attachment()).collect();
        let atts = w.tx().insert_attachments(conv.account_id, m.id, &files, now).await?;
        let ci = w.tx().require_contact_inbox(conv.contact_inbox_id).await?;
        let who = match sender {
            Some(u) => present::Sender::User(u.clone()),
            None => present::Sender::None,
        };
        let mut data = present::message_push(&m, &who, conv, &ci, 0);
        self.with_attachments(&mut data, &atts);
        let ev = w
            .emit(
                Event::new(EventKind::MessageCreated, conv.account_id, data)
                    .inbox(Some(conv.inbox_id))
                    .conversation(Some(conv.id))
                    .contact(Some(conv.contact_id))
                    .contact_inbox(Some(conv.contact_inbox_id)),
            )
            .await?;
        self.deliver_system_message(w, conv, &m, ev).await
    }

    /// Queues a system message's send to the contact's platform and its
    /// `message_created` webhook (activity lines go nowhere).
    async fn deliver_system_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        m: &Message,
        ev: crate::work::EventRef,
    ) -> CoreResult<()> {
        let kind = m.message_type();
        if kind != MessageType::Activity {
            let inbox = w.tx().get_inbox(conv.account_id, conv.inbox_id).await?;
            if let Some(inbox) = &inbox
                && self.channel_of(inbox).is_some()
                && let Some(ci) = w.tx().get_contact_inbox(conv.contact_inbox_id).await?
            {
                crate::channels::queue_send(w, inbox, &ci.source_id, m).await?;
            }
            if let Some(inbox) = inbox
                && w.wants_webhook(conv.account_id, Some(&inbox), "message_created")
                    .await?
            {
                let account = w.tx().require_account(conv.account_id).await?;
                let view = views::conv_view(&self.channels, w.tx(), conv.clone()).await?;
                let payload =
                    present::message_webhook("message_created", m, &present::Sender::None, &view, &inbox, &account);
                w.webhook(ev, conv.account_id, Some(&inbox), "message_created", &payload, None)
                    .await?;
            }
        }
        Ok(())
    }

    /// Writes a message without a sender and emits `message.created` (private
    /// for activity lines, which contacts never see).
    async fn write_system_message(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        text: &str,
        kind: MessageType,
        shape: Shape,
    ) -> CoreResult<(Message, crate::work::EventRef)> {
        let Shape {
            content_type,
            content_attributes,
            private,
        } = shape;
        let now = w.now;
        let m = w
            .tx()
            .insert_message(&NewMessage {
                account_id: conv.account_id,
                inbox_id: conv.inbox_id,
                conversation_id: conv.id,
                message_type: kind,
                content: Some(text.to_string()),
                content_type,
                content_attributes,
                additional_attributes: json!({}),
                private,
                status: MessageStatus::Sent,
                source_id: None,
                echo_id: None,
                sender_type: None,
                sender_id: None,
                created_at: now,
            })
            .await?
            .ok_or_else(|| CoreError::Internal("system message not written".into()))?;
        let ci = w.tx().require_contact_inbox(conv.contact_inbox_id).await?;
        let data = present::message_push(&m, &present::Sender::None, conv, &ci, 0);
        let ev = w
            .emit(
                Event::new(EventKind::MessageCreated, conv.account_id, data)
                    .inbox(Some(conv.inbox_id))
                    .conversation(Some(conv.id))
                    .contact(Some(conv.contact_id))
                    .contact_inbox(Some(conv.contact_inbox_id))
                    .private(private || kind == MessageType::Activity),
            )
            .await?;
        Ok((m, ev))
    }
}
