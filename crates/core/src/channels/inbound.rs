//! The inbound path: a platform's request checked and parsed by its
//! channel, then each event applied (contact, conversation, de-duplicated
//! message with its files; edits; receipts).

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_store::Inbox;

use super::{Channel, Inbound, InboundMessage, inbox_ref};
use crate::{Core, CoreError, CoreResult};

impl Core {
    /// The inbox of channel `name` that a webhook path names by `key`, with
    /// its channel.
    async fn webhook_inbox(self: &Arc<Self>, name: &str, key: &str) -> CoreResult<(&dyn Channel, Inbox)> {
        let channel = self.channels.by_name(name).ok_or(CoreError::NotFound)?;
        let key = channel.webhook_key(key);
        if key.is_empty() || key.len() > 128 {
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.read().await?;
        let inbox = tx
            .find_inbox_by_key(channel.code(), &key)
            .await?
            .ok_or(CoreError::NotFound)?;
        Ok((channel, inbox))
    }

    /// A request from a platform to the inbox it names by `key`
    /// (`POST /webhooks/{channel}/{key}`): checked, parsed, and each event
    /// applied. Answers after the durable writes.
    pub async fn channel_webhook(
        self: &Arc<Self>,
        name: &str,
        key: &str,
        headers: &HashMap<String, String>,
        body: &[u8],
    ) -> CoreResult<()> {
        let (channel, inbox) = self.webhook_inbox(name, key).await?;
        if body.len() > channel.max_body() {
            return Err(CoreError::invalid("body", "The request is too large"));
        }
        let url = format!("{}/webhooks/{name}/{key}", self.public_url());
        if !channel.verify_at(inbox_ref(&inbox), &url, headers, body) {
            return Err(CoreError::Unauthorized(
                "The request is not signed for this inbox".into(),
            ));
        }
        for event in channel.parse(inbox_ref(&inbox), body)? {
            self.channel_event(&inbox, event).await?;
        }
        Ok(())
    }

    /// A `GET` to a webhook URL (`GET /webhooks/{channel}/{key}`): the
    /// platform's subscription handshake, answered by the channel.
    pub async fn channel_handshake(
        self: &Arc<Self>,
        name: &str,
        key: &str,
        query: &HashMap<String, String>,
    ) -> CoreResult<String> {
        let (channel, inbox) = self.webhook_inbox(name, key).await?;
        Ok(channel.handshake(inbox_ref(&inbox), query)?)
    }

    /// Applies one inbound event to its inbox: true when it added a message.
    pub(crate) async fn channel_event(self: &Arc<Self>, inbox: &Inbox, event: Inbound) -> CoreResult<bool> {
        match event {
            Inbound::Message(m) => {
                let channel = self.channel_of(inbox).ok_or(CoreError::NotFound)?;
                self.channel_message(channel, inbox, m).await
            }
            Inbound::Mail(m) => self.channel_mail(inbox, *m).await,
            Inbound::Edit { external_id, content } => {
                self.channel_edit(inbox, &external_id, content).await?;
                Ok(false)
            }
            Inbound::Choice {
                external_id,
                sender_id,
                index,
                ack,
            } => {
                let r = self.channel_choice(inbox, &external_id, &sender_id, index).await;
                if let (Some(a), Some(channel)) = (ack, self.channel_of(inbox)) {
                    channel.acknowledge(self.host(), inbox_ref(inbox), &a).await;
                }
                r?;
                Ok(false)
            }
            Inbound::Status {
                external_id,
                status,
                error,
            } => {
                self.channel_status(inbox, &external_id, status, error).await?;
                Ok(false)
            }
        }
    }

    async fn channel_message(
        self: &Arc<Self>,
        channel: &dyn Channel,
        inbox: &Inbox,
        m: InboundMessage,
    ) -> CoreResult<bool> {
        // Seen before: nothing to fetch or write.
        {
            let mut tx = self.store.read().await?;
            if tx.find_message_by_source(inbox.id, &m.external_id).await?.is_some() {
                return Ok(false);
            }
        }
        let mut body = json!({ "name": m.name, "source_id": m.sender_id });
        if let Some(p) = &m.phone {
            body["phone_number"] = json!(p);
        }
        let visitor = self
            .channel_contact(inbox, &m.sender_id, body, &m.contact_attributes)
            .await?;
        // The open conversation, or a new one (any latest one where the inbox
        // keeps a single conversation per contact).
        let open = [
            switchboard_domain::ConversationStatus::Open.code(),
            switchboard_domain::ConversationStatus::Pending.code(),
            switchboard_domain::ConversationStatus::Snoozed.code(),
        ];
        let reuse: &[i16] = if inbox.setting_bool("lock_to_single_conversation", false) {
            &[]
        } else {
            &open
        };
        let conv = self
            .conversation_for(&visitor, Some(reuse), json!({}), json!({}))
            .await?;
        let mut files = Vec::new();
        let mut content_attributes = m.content_attributes.clone();
        for media in &m.media {
            match channel.fetch_media(self.host(), inbox_ref(inbox), media).await {
                Ok((bytes, name)) => match self.files.store_bytes(&bytes, name.as_deref()).await {
                    Ok(f) => files.push(f),
                    Err(e) => tracing::warn!(error = %e, "storing an inbound file failed"),
                },
                Err(e) => {
                    tracing::warn!(error = %e, "fetching an inbound file failed");
                    content_attributes["media_error"] = json!(e);
                }
            }
        }
        if let Some(r) = &m.reply_to {
            let mut tx = self.store.read().await?;
            if let Some(orig) = tx.find_message_by_source(inbox.id, r).await? {
                content_attributes["in_reply_to"] = json!(orig.id);
            }
            content_attributes["in_reply_to_external_id"] = json!(r);
        }
        if m.content.is_none() && files.is_empty() {
            // Nothing we can show (a sticker we could not fetch, say): keep a line.
            content_attributes["unsupported"] = json!(true);
        }
        let content = m
            .content
            .clone()
            .or_else(|| (files.is_empty()).then(|| "This message is not supported here".to_string()));
        let item = crate::ingest::Item {
            account_id: conv.account_id,
            display_id: conv.display_id,
            member_of: None,
            input: crate::messages::MessageInput {
                content,
                message_type: switchboard_domain::MessageType::Incoming,
                private: false,
                content_type: switchboard_domain::ContentType::Text,
                content_attributes,
                echo_id: None,
                source_id: Some(m.external_id.clone()),
                additional_attributes: json!({}),
            },
            from: crate::ingest::From::Contact(visitor.contact.clone()),
            attachments: files.clone(),
            cause: Some(switchboard_domain::event::Cause::channel(inbox.id)),
        };
        let number = m
            .content
            .as_deref()
            .map(str::trim)
            .and_then(|t| t.strip_suffix('.').unwrap_or(t).parse::<usize>().ok())
            .filter(|n| (1..=10).contains(n));
        match self.ingest(item).await {
            Ok(o) => {
                if !o.created {
                    self.discard(&files).await;
                }
                // A number answering our numbered options.
                if let (true, Some(n)) = (o.created, number) {
                    self.numbered_choice(inbox, o.message.conversation_id, o.message.id, &m.sender_id, n)
                        .await?;
                }
                Ok(o.created)
            }
            Err(e) => {
                self.discard(&files).await;
                Err(e)
            }
        }
    }

    /// The contact a platform message comes from: found by its address in
    /// the inbox, or enrolled from `body` (name, phone, e-mail; a concurrent
    /// first message wins the race and this one reads what it wrote).
    pub(crate) async fn channel_contact(
        self: &Arc<Self>,
        inbox: &Inbox,
        sender_id: &str,
        body: Value,
        attributes: &Value,
    ) -> CoreResult<crate::public::Visitor> {
        if let Ok(v) = self.visitor_in(inbox.clone(), sender_id).await {
            self.refresh_contact_attributes(&v, attributes).await?;
            return Ok(v);
        }
        match self.enroll_visitor(inbox, &body, true).await {
            Ok(_) => {}
            Err(e) => {
                if self.visitor_in(inbox.clone(), sender_id).await.is_err() {
                    return Err(e);
                }
            }
        }
        let v = self.visitor_in(inbox.clone(), sender_id).await?;
        self.refresh_contact_attributes(&v, attributes).await?;
        Ok(v)
    }

    async fn refresh_contact_attributes(
        self: &Arc<Self>,
        v: &crate::public::Visitor,
        attributes: &Value,
    ) -> CoreResult<()> {
        let Some(new) = attributes.as_object().filter(|o| !o.is_empty()) else {
            return Ok(());
        };
        let current = v.contact.additional_attributes.as_object();
        if new.iter().all(|(k, val)| current.and_then(|c| c.get(k)) == Some(val)) {
            return Ok(());
        }
        let mut w = crate::work::Work::begin(self).await?;
        w.set_cause(switchboard_domain::event::Cause::channel(v.inbox.id));
        let Some(mut c) = w.tx().get_contact(v.contact.account_id, v.contact.id).await? else {
            return Ok(());
        };
        if !c.additional_attributes.is_object() {
            c.additional_attributes = json!({});
        }
        if let Some(o) = c.additional_attributes.as_object_mut() {
            for (k, val) in new {
                o.insert(k.clone(), val.clone());
            }
        }
        c.updated_at = w.now;
        w.tx().update_contact(&c).await?;
        w.commit().await
    }

    /// The contact edited a message: the text changes, the earlier text is kept.
    /// The contact answered with a number: when our latest message before
    /// it (within the last 20) offered options, the number picks one.
    async fn numbered_choice(
        self: &Arc<Self>,
        inbox: &Inbox,
        conversation_id: i64,
        reply_id: i64,
        sender_id: &str,
        n: usize,
    ) -> CoreResult<()> {
        let ours = {
            let mut tx = self.store.read().await?;
            let before = tx
                .list_messages(&switchboard_store::MessageQuery {
                    conversation_id,
                    before: Some(reply_id),
                    after: None,
                    limit: 20,
                    public_only: true,
                })
                .await?;
            // Our latest message (the customer may have written meanwhile).
            before.into_iter().rev().find(|m| {
                matches!(
                    m.message_type(),
                    switchboard_domain::MessageType::Outgoing | switchboard_domain::MessageType::Template
                )
            })
        };
        let Some(ours) = ours else {
            return Ok(());
        };
        // (Typed rather than tapped where there are buttons: taken too.)
        let offered = super::send::offered_options(&ours.content_attributes).len();
        if ours.content_type() != switchboard_domain::ContentType::InputSelect || n > offered {
            return Ok(());
        }
        self.answer_choice(inbox, conversation_id, ours.id, sender_id, n - 1)
            .await
    }

    /// The contact picked option `index` of one of our messages (a button
    /// on the platform): its `submitted_values`, as an answer in the widget
    /// sets them, and `message_updated`. Only the conversation's own contact
    /// answers, once.
    async fn channel_choice(
        self: &Arc<Self>,
        inbox: &Inbox,
        external_id: &str,
        sender_id: &str,
        index: usize,
    ) -> CoreResult<()> {
        let found = {
            let mut tx = self.store.read().await?;
            tx.find_message_by_source(inbox.id, external_id).await?
        };
        match found {
            Some(f) => {
                self.answer_choice(inbox, f.conversation_id, f.id, sender_id, index)
                    .await
            }
            None => Ok(()),
        }
    }

    async fn answer_choice(
        self: &Arc<Self>,
        inbox: &Inbox,
        conversation_id: i64,
        message_id: i64,
        sender_id: &str,
        index: usize,
    ) -> CoreResult<()> {
        let mut w = crate::work::Work::begin(self).await?;
        w.set_cause(switchboard_domain::event::Cause::channel(inbox.id));
        let Some(conv) = w.tx().lock_conversation_by_id(conversation_id).await? else {
            return Ok(());
        };
        let Some(ci) = w.tx().get_contact_inbox(conv.contact_inbox_id).await? else {
            return Ok(());
        };
        if ci.source_id != sender_id {
            return Ok(());
        }
        let Some(mut msg) = w.tx().get_message(conv.id, message_id).await? else {
            return Ok(());
        };
        if msg.content_type() != switchboard_domain::ContentType::InputSelect
            || !msg.content_attributes["submitted_values"].is_null()
        {
            return Ok(());
        }
        let Some((title, value)) = super::send::offered_options(&msg.content_attributes)
            .into_iter()
            .nth(index)
        else {
            return Ok(());
        };
        let answer = json!([{ "title": title, "value": value }]);
        crate::present::set_key(&mut msg.content_attributes, "submitted_values", answer);
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, inbox, &msg).await?;
        w.commit().await
    }

    async fn channel_edit(
        self: &Arc<Self>,
        inbox: &Inbox,
        external_id: &str,
        content: Option<String>,
    ) -> CoreResult<()> {
        let mut w = crate::work::Work::begin(self).await?;
        w.set_cause(switchboard_domain::event::Cause::channel(inbox.id));
        let Some(found) = w.tx().find_message_by_source(inbox.id, external_id).await? else {
            return Ok(());
        };
        let Some(conv) = w.tx().lock_conversation_by_id(found.conversation_id).await? else {
            return Ok(());
        };
        let Some(mut msg) = w.tx().get_message(conv.id, found.id).await? else {
            return Ok(());
        };
        if msg.content == content {
            return Ok(());
        }
        if !msg.content_attributes.is_object() {
            msg.content_attributes = json!({});
        }
        msg.content_attributes["previous_content"] = json!(msg.content);
        msg.content_attributes["edited"] = json!(true);
        msg.content = content;
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, inbox, &msg).await?;
        w.commit().await
    }

    /// A receipt: sent -> delivered -> read only move forward; failed says why.
    async fn channel_status(
        self: &Arc<Self>,
        inbox: &Inbox,
        external_id: &str,
        status: switchboard_domain::MessageStatus,
        error: Option<String>,
    ) -> CoreResult<()> {
        use switchboard_domain::MessageStatus as S;
        let mut w = crate::work::Work::begin(self).await?;
        w.set_cause(switchboard_domain::event::Cause::channel(inbox.id));
        let Some(found) = w.tx().find_message_by_source(inbox.id, external_id).await? else {
            return Ok(());
        };
        let Some(conv) = w.tx().lock_conversation_by_id(found.conversation_id).await? else {
            return Ok(());
        };
        let Some(mut msg) = w.tx().get_message(conv.id, found.id).await? else {
            return Ok(());
        };
        let rank = |s: S| match s {
            S::Sent => 0,
            S::Delivered => 1,
            S::Read => 2,
            S::Failed => 3,
        };
        if rank(status) <= rank(msg.status()) {
            return Ok(());
        }
        msg.status = status.code();
        if status == S::Failed {
            crate::present::set_key(
                &mut msg.content_attributes,
                "external_error",
                json!(error.unwrap_or_else(|| "failed".into())),
            );
        }
        msg.updated_at = w.now;
        w.tx().update_message(&msg).await?;
        self.message_updated(&mut w, &conv, inbox, &msg).await?;
        w.commit().await
    }
}
