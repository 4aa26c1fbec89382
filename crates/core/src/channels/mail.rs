//! Inbound mail, whichever channel brings it: which conversation a mail
//! belongs to (its `reply+uuid` recipient at the server's inbound domain,
//! our Message-IDs in its In-Reply-To or References, or a message it
//! answers), and taking it in there or in a new conversation it opens.
//! Threading needs the store, so it lives here rather than in a channel.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_store::Inbox;

use super::InboundMail;
use crate::{Core, CoreError, CoreResult};

/// The inbox's own address (its `email` setting), if it has one.
fn inbox_address(inbox: &Inbox) -> &str {
    inbox
        .channel_config
        .get("email")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// `conversation/{uuid}/messages/{id}@domain` or `account/{id}/conversation/{uuid}@domain`:
/// the conversation uuid one of our Message-IDs names.
pub fn uuid_in_message_id(id: &str) -> Option<String> {
    let local = id.split('@').next()?;
    let parts: Vec<&str> = local.split('/').collect();
    let uuid = match parts.as_slice() {
        ["conversation", uuid, "messages", _] => *uuid,
        ["account", _, "conversation", uuid] => *uuid,
        _ => return None,
    };
    uuid::Uuid::parse_str(uuid).ok().map(|u| u.to_string())
}

/// The uuid of a `reply+{uuid}@…` address.
pub fn uuid_in_reply_address(address: &str) -> Option<String> {
    let local = address.split('@').next()?;
    let uuid = local.strip_prefix("reply+")?;
    uuid::Uuid::parse_str(uuid).ok().map(|u| u.to_string())
}

impl Core {
    /// One inbound mail: de-duplicated by Message-ID, routed to its
    /// conversation or opening a new one, its files stored. True when it
    /// was new.
    pub(crate) async fn channel_mail(self: &Arc<Self>, inbox: &Inbox, mail: InboundMail) -> CoreResult<bool> {
        {
            let mut tx = self.store.read().await?;
            if tx.find_message_by_source(inbox.id, &mail.message_id).await?.is_some() {
                return Ok(false);
            }
        }
        // Our own mail coming back (a copy in the mailbox) is not a customer's.
        if mail.from_address.eq_ignore_ascii_case(inbox_address(inbox)) {
            return Ok(false);
        }
        let conv = self.mail_conversation(inbox, &mail).await?;
        // An auto-reply (out of office, a bounce) about nothing we sent opens
        // no conversation: two auto-responders would otherwise feed each other.
        if mail.auto_reply && matches!(conv, MailRoute::New(_)) {
            tracing::info!(inbox = inbox.id, from = %mail.from_address, "skipped an auto-reply outside any conversation");
            return Ok(false);
        }
        let mut files = Vec::new();
        let mut content_attributes = json!({ "email": mail.email.clone() });
        let max = switchboard_domain::rules::MAX_ATTACHMENTS;
        if mail.files.len() > max {
            content_attributes["media_error"] = json!(format!("only the first {max} attachments were kept"));
        }
        for f in mail.files.iter().take(max) {
            if f.bytes.len() as u64 > self.config.max_upload_bytes {
                content_attributes["media_error"] = json!("an attachment was larger than the upload limit");
                continue;
            }
            match self.files.store_bytes(&f.bytes, f.name.as_deref()).await {
                Ok(a) => files.push(a),
                Err(e) => tracing::warn!(error = %e, "storing a mail attachment failed"),
            }
        }
        let content = mail
            .content
            .clone()
            .or_else(|| files.is_empty().then(|| mail.subject.clone().unwrap_or_default()));
        let input = crate::messages::MessageInput {
            content,
            message_type: switchboard_domain::MessageType::Incoming,
            private: false,
            content_type: switchboard_domain::ContentType::IncomingEmail,
            content_attributes,
            echo_id: None,
            source_id: Some(mail.message_id.clone()),
            additional_attributes: json!({}),
        };
        let result = match conv {
            MailRoute::Existing(conv) => {
                let contact = {
                    let mut tx = self.store.read().await?;
                    tx.get_contact(conv.account_id, conv.contact_id).await?
                };
                let from = match contact {
                    Some(c) => crate::ingest::From::Contact(c),
                    None => crate::ingest::From::ConversationContact,
                };
                self.ingest(crate::ingest::Item {
                    account_id: conv.account_id,
                    display_id: conv.display_id,
                    member_of: None,
                    input,
                    from,
                    attachments: files.clone(),
                    cause: Some(switchboard_domain::event::Cause::channel(inbox.id)),
                })
                .await
                .map(|o| o.created)
            }
            MailRoute::New(visitor) => self.mail_new_conversation(&visitor, &mail, input, files.clone()).await,
        };
        match result {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.discard(&files).await;
                Ok(false)
            }
            Err(e) => {
                self.discard(&files).await;
                Err(e)
            }
        }
    }

    async fn mail_conversation(self: &Arc<Self>, inbox: &Inbox, mail: &InboundMail) -> CoreResult<MailRoute> {
        let mut tx = self.store.read().await?;
        // Reply addresses count only at the server's inbound domain (the
        // only place ours are handed out).
        let inbound = self.config.mail_inbound_domain.as_deref();
        let mut candidates: Vec<String> = mail
            .recipients
            .iter()
            .filter(|r| inbound.is_some_and(|d| r.rsplit_once('@').is_some_and(|(_, rd)| rd.eq_ignore_ascii_case(d))))
            .filter_map(|r| uuid_in_reply_address(r))
            .collect();
        for id in &mail.thread_ids {
            if let Some(u) = uuid_in_message_id(id) {
                candidates.push(u);
            }
        }
        for uuid in candidates {
            if let Some(c) = tx.find_conversation_by_uuid(&uuid).await?
                && c.inbox_id == inbox.id
                && c.account_id == inbox.account_id
            {
                return Ok(MailRoute::Existing(Box::new(c)));
            }
        }
        for id in &mail.thread_ids {
            if let Some(m) = tx.find_message_by_source(inbox.id, id).await?
                && let Some(c) = tx.get_conversation_by_id(m.conversation_id).await?
            {
                return Ok(MailRoute::Existing(Box::new(c)));
            }
        }
        drop(tx);
        let body = json!({
            "name": mail.from_name,
            "email": mail.from_address,
            "source_id": mail.from_address,
        });
        let visitor = self
            .channel_contact(inbox, &mail.from_address, body, &json!({}))
            .await?;
        Ok(MailRoute::New(Box::new(visitor)))
    }

    /// A conversation opened by a mail, written with the mail in one
    /// transaction under the contact's lock (a replayed mail finds it).
    async fn mail_new_conversation(
        self: &Arc<Self>,
        v: &crate::public::Visitor,
        mail: &InboundMail,
        input: crate::messages::MessageInput,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<bool> {
        let mut w = crate::work::Work::begin(self).await?;
        w.set_cause(switchboard_domain::event::Cause::channel(v.inbox.id));
        w.tx().lock_contact_inbox(v.ci.id).await?;
        if w.tx()
            .find_message_by_source(v.inbox.id, &mail.message_id)
            .await?
            .is_some()
        {
            w.commit().await?;
            return Ok(false);
        }
        let additional = json!({
            "source": "email",
            "mail_subject": mail.subject,
            "in_reply_to": mail.thread_ids.first(),
            "auto_reply": mail.auto_reply,
        });
        let conv = self.open_conversation(&mut w, v, json!({}), additional).await?;
        let contact = w
            .tx()
            .get_contact(v.contact.account_id, v.contact.id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let item = crate::ingest::Item {
            account_id: conv.account_id,
            display_id: conv.display_id,
            member_of: None,
            input,
            from: crate::ingest::From::Contact(contact),
            attachments: files,
            cause: Some(switchboard_domain::event::Cause::channel(v.inbox.id)),
        };
        let mut results = crate::ingest::process(self, &mut w, std::slice::from_ref(&item)).await?;
        let o = results
            .pop()
            .unwrap_or_else(|| Err(CoreError::Internal("no result".into())))?;
        w.commit().await?;
        Ok(o.created)
    }
}

enum MailRoute {
    Existing(Box<switchboard_store::Conversation>),
    New(Box<crate::public::Visitor>),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn our_message_ids_name_their_conversation() {
        let u = "7f2a1c3e-1b2d-4c5e-8f90-123456789abc";
        assert_eq!(
            uuid_in_message_id(&format!("conversation/{u}/messages/12@mail.example.com")).as_deref(),
            Some(u)
        );
        assert_eq!(
            uuid_in_message_id(&format!("account/3/conversation/{u}@mail.example.com")).as_deref(),
            Some(u)
        );
        assert_eq!(uuid_in_message_id("CAF=abc@mail.gmail.com"), None);
        assert_eq!(uuid_in_message_id("conversation/not-a-uuid/messages/1@x"), None);
        assert_eq!(
            uuid_in_reply_address(&format!("reply+{u}@in.example.com")).as_deref(),
            Some(u)
        );
        assert_eq!(uuid_in_reply_address("reply+nope@in.example.com"), None);
        assert_eq!(uuid_in_reply_address("support@example.com"), None);
    }
}
