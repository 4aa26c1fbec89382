//! Messages: create (with every rule that follows a message), list, status
//! updates from API channels, retry, soft delete. What they take and give
//! is in `message_types.rs`.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Event;
use switchboard_domain::rules::MAX_CONTENT_CHARS;
use switchboard_domain::validate;
use switchboard_domain::{ChannelType, ContentType, EventKind, MessageStatus, MessageType};
use switchboard_store::{Conversation, Inbox, Message, MessageQuery};

use crate::auth::AccountCtx;
use crate::message_types::{MessageList, MessageListMeta, MessageStatusChange, MessageView, NewMessage};
use crate::present::Sender;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present, views};

/// A validated message to add.
#[derive(Debug, Clone)]
pub struct MessageInput {
    pub content: Option<String>,
    pub message_type: MessageType,
    pub private: bool,
    pub content_type: ContentType,
    pub content_attributes: Value,
    pub echo_id: Option<String>,
    pub source_id: Option<String>,
    pub additional_attributes: Value,
}

/// A message from the agent API checked by the rules that follow from
/// what it is (its type, content type, recipients, files).
pub fn message_input(req: NewMessage, has_files: bool) -> CoreResult<MessageInput> {
    let content = req.content;
    if let Some(c) = &content
        && c.chars().count() > MAX_CONTENT_CHARS
    {
        return Err(CoreError::invalid(
            "content",
            format!("Content is too long (maximum is {MAX_CONTENT_CHARS} characters)"),
        ));
    }
    let message_type = req.message_type.unwrap_or(MessageType::Outgoing);
    if message_type == MessageType::Activity {
        return Err(CoreError::invalid(
            "message_type",
            "Activity messages cannot be created through the API",
        ));
    }
    let content_type = req.content_type.unwrap_or(ContentType::Text);
    let mut content_attributes = validate::content_attributes(req.content_attributes.as_ref())
        .map_err(|m| CoreError::invalid("content_attributes", m))?;
    // E-mail recipients (used by e-mail inboxes, kept on the message).
    for (key, sent) in [
        ("cc_emails", req.cc_emails),
        ("bcc_emails", req.bcc_emails),
        ("to_emails", req.to_emails),
    ] {
        if let Some(sent) = sent {
            let list = check_addresses(sent, key)?;
            if !list.is_empty() {
                crate::present::set_key(&mut content_attributes, key, json!(list));
            }
        }
    }
    // An e-mail reply's own HTML (sanitised; the text goes as the plain part).
    if let Some(html) = req.email_html_content.filter(|h| !h.trim().is_empty()) {
        if html.chars().count() > MAX_CONTENT_CHARS {
            return Err(CoreError::invalid(
                "email_html_content",
                format!("email_html_content is too long (maximum is {MAX_CONTENT_CHARS} characters)"),
            ));
        }
        let clean = switchboard_channel::sanitize_html(&html);
        crate::present::set_key(
            &mut content_attributes,
            "email",
            json!({ "html_content": { "full": clean } }),
        );
    }
    validate::content_for_type(content_type, &content_attributes)
        .map_err(|m| CoreError::invalid("content_attributes", m))?;
    if content.as_deref().is_none_or(|c| c.trim().is_empty()) && content_type == ContentType::Text && !has_files {
        return Err(CoreError::invalid("content", "Content can't be blank"));
    }
    let echo_id = req.echo_id.filter(|s| !s.is_empty());
    if echo_id.as_ref().is_some_and(|e| e.len() > 255) {
        return Err(CoreError::invalid("echo_id", "echo_id is too long"));
    }
    let source_id = req.source_id.filter(|s| !s.is_empty());
    if source_id.as_ref().is_some_and(|e| e.len() > 255) {
        return Err(CoreError::invalid("source_id", "source_id is too long"));
    }
    let mut additional = json!({});
    if let Some(tp) = req.template_params {
        additional["template_params"] = Value::Object(tp);
    }
    Ok(MessageInput {
        content,
        message_type,
        private: req.private.unwrap_or(false),
        content_type,
        content_attributes,
        echo_id,
        source_id,
        additional_attributes: additional,
    })
}

impl Core {
    /// `POST /conversations/:id/messages` as an agent, with any files
    /// already stored (deleted again when no message is made).
    pub async fn create_message(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        req: NewMessage,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<MessageView> {
        let input = match check_files(&files, false).and_then(|_| message_input(req, !files.is_empty())) {
            Ok(i) => i,
            Err(e) => {
                self.discard(&files).await;
                return Err(e);
            }
        };
        let from = if input.message_type == MessageType::Incoming {
            crate::ingest::From::ConversationContact
        } else {
            crate::ingest::From::User(ctx.user.clone())
        };
        let item = crate::ingest::Item {
            account_id: ctx.account_id(),
            display_id,
            member_of: if ctx.is_admin() { None } else { Some(ctx.user.id) },
            input,
            from,
            attachments: files.clone(),
            cause: None,
        };
        // A refused message (outside WhatsApp's window, say) keeps no files.
        let o = match self.ingest(item).await {
            Ok(o) => o,
            Err(e) => {
                self.discard(&files).await;
                return Err(e);
            }
        };
        Ok(self.message_view(&o.message, &o.sender, o.display_id, &o.attachments))
    }

    /// Deletes stored files of a request that will not become a message.
    pub async fn discard(&self, files: &[switchboard_store::NewAttachment]) {
        for f in files {
            self.files.delete(&f.storage_key).await;
        }
    }

    pub async fn list_messages(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        before: Option<i64>,
        after: Option<i64>,
    ) -> CoreResult<MessageList> {
        let conv = self.visible_conversation(ctx, display_id).await?;
        let limit = match (before, after) {
            (Some(_), Some(_)) => 1000,
            (None, Some(_)) => 100,
            _ => 20,
        };
        let mut tx = self.store.read().await?;
        let msgs = tx
            .list_messages(&MessageQuery {
                conversation_id: conv.id,
                before,
                after,
                limit,
                public_only: false,
            })
            .await?;
        let senders = views::senders(&mut *tx, ctx.account_id(), &msgs).await?;
        let atts = tx
            .attachments_for(&msgs.iter().map(|m| m.id).collect::<Vec<_>>())
            .await?;
        let view = views::conv_view(&self.channels, &mut *tx, conv.clone()).await?;
        Ok(MessageList {
            meta: MessageListMeta::new(&conv, &view),
            payload: msgs
                .iter()
                .zip(senders.iter())
                .map(|(m, s)| self.message_view(m, s, conv.display_id, &atts))
                .collect(),
        })
    }

    /// `PATCH /messages/:id {status, external_error}`: API inboxes only.
    pub async fn update_message_status(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        message_id: i64,
        change: MessageStatusChange,
    ) -> CoreResult<MessageView> {
        let mut w = Work::by(self, ctx).await?;
        let conv = self.lock_visible(&mut w, ctx, display_id).await?;
        let inbox = w.tx().require_inbox(ctx.account_id(), conv.inbox_id).await?;
        if inbox.channel() != ChannelType::API {
            return Err(CoreError::forbidden());
        }
        let mut msg = w.tx().require_message(conv.id, message_id).await?;
        let status = change
            .status
            .ok_or_else(|| CoreError::invalid("status", "status is required"))?
            .known("status")?;
        let external_error = change.external_error;
        msg.status = status.code();
        if status == MessageStatus::Failed {
            present::set_key(
                &mut msg.content_attributes,
                "external_error",
                json!(external_error.unwrap_or_else(|| "failed".into())),
            );
        }
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, &inbox, &msg).await?;
        let senders = views::senders(w.tx(), ctx.account_id(), std::slice::from_ref(&msg)).await?;
        w.commit().await?;
        let sender = senders.into_iter().next().unwrap_or(Sender::None);
        Ok(MessageView::new(&msg, &sender, conv.display_id))
    }

    /// `POST /messages/:id/retry`: a reply whose delivery failed goes out
    /// again: to its platform through a new send job, or, for an API inbox,
    /// to the inbox's webhook. The message is `sent` again until that answers.
    pub async fn retry_message(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        message_id: i64,
    ) -> CoreResult<MessageView> {
        let mut w = Work::by(self, ctx).await?;
        let conv = self.lock_visible(&mut w, ctx, display_id).await?;
        let inbox = w.tx().require_inbox(ctx.account_id(), conv.inbox_id).await?;
        let mut msg = w.tx().require_message(conv.id, message_id).await?;
        if msg.message_type() != MessageType::Outgoing || msg.private || msg.status() != MessageStatus::Failed {
            return Err(CoreError::invalid("status", "Only a failed reply can be retried"));
        }
        if msg.content_attributes.get("deleted").and_then(Value::as_bool) == Some(true) {
            return Err(CoreError::invalid("status", "A deleted message cannot be retried"));
        }
        msg.status = MessageStatus::Sent.code();
        if let Some(attrs) = msg.content_attributes.as_object_mut() {
            attrs.remove("external_error");
        }
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, &inbox, &msg).await?;
        let senders = views::senders(w.tx(), ctx.account_id(), std::slice::from_ref(&msg)).await?;
        let sender = senders.into_iter().next().unwrap_or(Sender::None);
        let view = views::conv_view(&self.channels, w.tx(), conv.clone()).await?;
        let account = w.tx().require_account(conv.account_id).await?;
        let atts = w.tx().attachments_for(&[msg.id]).await?;
        let mut payload = present::message_webhook("message_created", &msg, &sender, &view, &inbox, &account);
        self.with_attachments(&mut payload, &atts);
        if self.channel_of(&inbox).is_some() {
            let ci = w.tx().require_contact_inbox(conv.contact_inbox_id).await?;
            crate::channels::queue_send(&mut w, &inbox, &ci.source_id, &msg).await?;
        } else if !w
            .inbox_delivery(
                conv.account_id,
                &inbox,
                "message_created",
                payload.to_string(),
                Some(msg.id),
            )
            .await?
        {
            return Err(CoreError::invalid(
                "status",
                "This inbox has nowhere to deliver the reply to",
            ));
        }
        w.commit().await?;
        // Retried by hand: the target is taken to be back (in this process).
        if self.channel_of(&inbox).is_some() {
            self.targets.close(&format!("send:inbox:{}", inbox.id));
        } else if let Some(url) = &inbox.webhook_url {
            self.targets.close(&crate::targets::target_key(url));
        }
        Ok(self.message_view(&msg, &sender, conv.display_id, &atts))
    }

    /// Soft delete: the content is replaced, `deleted: true` is recorded.
    pub async fn delete_message(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        display_id: i64,
        message_id: i64,
    ) -> CoreResult<MessageView> {
        let mut w = Work::by(self, ctx).await?;
        let conv = self.lock_visible(&mut w, ctx, display_id).await?;
        let inbox = w.tx().require_inbox(ctx.account_id(), conv.inbox_id).await?;
        let mut msg = w.tx().require_message(conv.id, message_id).await?;
        if msg.message_type() == MessageType::Activity {
            return Err(CoreError::forbidden());
        }
        msg.content = Some("This message was deleted".into());
        msg.content_attributes = json!({ "deleted": true });
        let mut removed = w.tx().delete_attachments(msg.id).await?;
        // A file a rule or macro sends is shared with its upload and the
        // other messages that sent it: kept while anything names it.
        let in_use = w.tx().storage_keys_in_use(&removed).await?;
        removed.retain(|k| !in_use.contains(k));
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, &inbox, &msg).await?;
        let senders = views::senders(w.tx(), ctx.account_id(), std::slice::from_ref(&msg)).await?;
        w.commit().await?;
        for key in removed {
            self.files.delete(&key).await;
        }
        let sender = senders.into_iter().next().unwrap_or(Sender::None);
        Ok(MessageView::new(&msg, &sender, conv.display_id))
    }

    pub(crate) async fn message_updated(
        self: &Arc<Self>,
        w: &mut Work,
        conv: &Conversation,
        inbox: &Inbox,
        msg: &Message,
    ) -> CoreResult<()> {
        let senders = views::senders(w.tx(), conv.account_id, std::slice::from_ref(msg)).await?;
        let sender = senders.into_iter().next().unwrap_or(Sender::None);
        let view = views::conv_view(&self.channels, w.tx(), conv.clone()).await?;
        self.message_updated_in(w, &view, inbox, msg, &sender).await
    }

    /// `message.updated` for a message whose conversation view and sender
    /// are at hand: the event, and the webhook where one is subscribed.
    pub(crate) async fn message_updated_in(
        self: &Arc<Self>,
        w: &mut Work,
        view: &present::ConvView,
        inbox: &Inbox,
        msg: &Message,
        sender: &Sender,
    ) -> CoreResult<()> {
        let conv = &view.conv;
        let data = present::message_push(msg, sender, conv, &view.contact_inbox, view.unread_count);
        let private = msg.private || msg.message_type() == MessageType::Activity;
        let ev = w
            .emit(
                Event::new(EventKind::MessageUpdated, conv.account_id, data)
                    .inbox(Some(conv.inbox_id))
                    .conversation(Some(conv.id))
                    .contact(Some(conv.contact_id))
                    .contact_inbox(Some(conv.contact_inbox_id))
                    .private(private),
            )
            .await?;
        if msg.message_type() != MessageType::Activity
            && w.wants_webhook(conv.account_id, Some(inbox), "message_updated").await?
        {
            let account = w.tx().require_account(conv.account_id).await?;
            let payload = present::message_webhook("message_updated", msg, sender, view, inbox, &account);
            w.webhook(ev, conv.account_id, Some(inbox), "message_updated", &payload, None)
                .await?;
        }
        Ok(())
    }

    /// Marks an API-inbox message failed after its delivery gave up.
    pub async fn fail_message(self: &Arc<Self>, message_id: i64, reason: &str) -> CoreResult<()> {
        let mut w = Work::begin(self).await?;
        let Some(found) = w.tx().get_message_by_id(message_id).await? else {
            return Ok(());
        };
        let conv_id = found.conversation_id;
        let Some(conv) = w.tx().lock_conversation_by_id(conv_id).await? else {
            return Ok(());
        };
        let Some(mut msg) = w.tx().get_message(conv.id, message_id).await? else {
            return Ok(());
        };
        let Some(inbox) = w.tx().get_inbox(conv.account_id, conv.inbox_id).await? else {
            return Ok(());
        };
        msg.status = MessageStatus::Failed.code();
        present::set_key(&mut msg.content_attributes, "external_error", json!(reason));
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, &inbox, &msg).await?;
        w.commit().await
    }
}

/// At most 15 files; visitors only the types a website may send.
pub fn check_files(files: &[switchboard_store::NewAttachment], visitor: bool) -> CoreResult<()> {
    if files.len() > switchboard_domain::rules::MAX_ATTACHMENTS {
        return Err(CoreError::invalid("attachments", "At most 15 attachments per message"));
    }
    if visitor
        && let Some(f) = files
            .iter()
            .find(|f| !crate::files::visitor_may_upload(&f.content_type))
    {
        return Err(CoreError::invalid(
            "attachments",
            format!("Files of type {} are not accepted", f.content_type),
        ));
    }
    Ok(())
}

/// Checks e-mail addresses as sent (a message's `to_emails`, `cc_emails`,
/// `bcc_emails`): blank entries are skipped, each other one must be an
/// address, repeats are dropped, at most 50 remain.
pub fn check_addresses(sent: Vec<String>, field: &str) -> CoreResult<Vec<String>> {
    let mut out = Vec::new();
    for i in sent {
        if i.trim().is_empty() {
            continue;
        }
        let e = switchboard_domain::validate::email(&i)
            .map_err(|_| CoreError::invalid(field, format!("{field} has an address that is not an e-mail: {i}")))?;
        if !out.contains(&e) {
            out.push(e);
        }
    }
    if out.len() > 50 {
        return Err(CoreError::invalid(field, format!("{field} has more than 50 addresses")));
    }
    Ok(out)
}

#[cfg(test)]
mod address_tests {
    use serde_json::json;

    use super::*;

    fn addresses(v: Value) -> CoreResult<Vec<String>> {
        let req: NewMessage = crate::request::parse(&json!({ "cc_emails": v }))?;
        check_addresses(req.cc_emails.unwrap_or_default(), "cc_emails")
    }

    #[test]
    fn address_lists_are_checked() {
        assert_eq!(
            addresses(json!("a@x.com, B@Y.com;a@x.com")).unwrap(),
            vec!["a@x.com", "b@y.com"]
        );
        assert_eq!(addresses(json!(["a@x.com"])).unwrap(), vec!["a@x.com"]);
        assert!(addresses(json!("not an address")).is_err());
        assert!(addresses(json!(5)).is_err());
        assert!(addresses(Value::Null).unwrap().is_empty());
    }
}
