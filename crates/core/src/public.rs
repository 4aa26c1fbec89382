//! The Client (public) API of API inboxes: a contact identified by its
//! contact inbox's source_id, no account token. What a contact may see is
//! the conversations of its own contact inbox, or, once its identity is
//! verified with the inbox's HMAC, every conversation of the contact in
//! that inbox. Private notes and activity lines never reach it.

use std::sync::Arc;

use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_domain::event::Performer;
use switchboard_domain::{ChannelType, ContentType, ConversationStatus, EventKind, MessageType, rules, validate};
use switchboard_store::{Contact, ContactInbox, ContactKey, Conversation, Inbox, MessageQuery};

use crate::conversations::Actor;
use crate::ingest::{From, Item};
use crate::messages::MessageInput;
use crate::params::Params;
use crate::present::{self, Sender};
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

/// A contact on a public surface: its inbox, contact inbox and contact.
#[derive(Debug, Clone)]
pub struct Visitor {
    pub inbox: Inbox,
    pub ci: ContactInbox,
    pub contact: Contact,
}

/// `hex(HMAC-SHA256(hmac_token, identifier))`, compared in constant time.
pub fn identifier_hash_ok(hmac_token: &str, identifier: &str, hash: &str) -> bool {
    let Ok(bytes) = hex::decode(hash.trim()) else {
        return false;
    };
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(hmac_token.as_bytes()) else {
        return false;
    };
    mac.update(identifier.as_bytes());
    mac.verify_slice(&bytes).is_ok()
}

/// Where a visitor's unproven details wait on its own contact (in
/// `additional_attributes`), for agents to see, when they cannot be its
/// own: the identifier without a valid hash, an e-mail or phone number
/// another contact already has.
pub const CLAIMED_IDENTIFIER: &str = "claimed_identifier";
pub const CLAIMED_EMAIL: &str = "claimed_email";
pub const CLAIMED_PHONE: &str = "claimed_phone_number";
/// The additional attributes a visitor may set on its contact (Chatwoot's
/// `setUser` profile fields).
pub const VISITOR_PROFILE_KEYS: &[&str] = &["description", "country_code", "city", "company_name", "social_profiles"];

/// Whether a visitor session proved who its contact is: verified with the
/// inbox's HMAC, for a contact that has an identifier. Only such a session
/// sees (and is sent) the contact's other conversations.
pub fn verified_for(ci: &ContactInbox, contact: &Contact) -> bool {
    ci.hmac_verified && contact.identifier.is_some()
}

/// Puts an e-mail or phone number a visitor gave on its own contact `c`;
/// when another contact of the account already has it, `c` keeps it as
/// claimed instead (another contact is never selected, merged or changed).
pub(crate) async fn claim(w: &mut Work, c: &mut Contact, key: ContactKey, value: String) -> CoreResult<()> {
    let (field, claimed) = match key {
        ContactKey::Email => (&c.email, CLAIMED_EMAIL),
        ContactKey::Phone => (&c.phone_number, CLAIMED_PHONE),
        ContactKey::Identifier => (&c.identifier, CLAIMED_IDENTIFIER),
    };
    if field.as_deref() == Some(value.as_str()) {
        return Ok(());
    }
    let taken = w
        .tx()
        .find_contact_by(c.account_id, key, &value)
        .await?
        .is_some_and(|other| other.id != c.id);
    if taken {
        present::set_key(&mut c.additional_attributes, claimed, json!(value));
        return Ok(());
    }
    if let Some(o) = c.additional_attributes.as_object_mut() {
        o.remove(claimed);
    }
    match key {
        ContactKey::Email => c.email = Some(value),
        ContactKey::Phone => c.phone_number = Some(value),
        ContactKey::Identifier => c.identifier = Some(value),
    }
    Ok(())
}

/// A unique e-mail or identifier taken between the check and the write (a
/// concurrent request): refused like Chatwoot, without saying whose.
fn taken(e: switchboard_store::StoreError) -> CoreError {
    match e {
        switchboard_store::StoreError::Conflict(_) => CoreError::invalid("email", "Email has already been taken"),
        e => e.into(),
    }
}

fn hmac_failed() -> CoreError {
    CoreError::Unauthorized("HMAC failed: Invalid Identifier Hash Provided".into())
}

impl Core {
    /// The API inbox with this public identifier.
    pub async fn public_inbox(self: &Arc<Self>, identifier: &str) -> CoreResult<Inbox> {
        if identifier.is_empty() || identifier.len() > 128 {
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.read().await?;
        tx.find_inbox_by_key(ChannelType::API.code(), identifier)
            .await?
            .ok_or(CoreError::NotFound)
    }

    pub async fn public_inbox_info(self: &Arc<Self>, identifier: &str) -> CoreResult<Value> {
        let i = self.public_inbox(identifier).await?;
        let s = &i.settings;
        Ok(json!({
            "identifier": i.channel_key,
            "identity_validation_enabled": i.channel_config.get("hmac_mandatory").and_then(Value::as_bool).unwrap_or(false),
            "name": i.name,
            "timezone": s.get("timezone").cloned().unwrap_or(json!("UTC")),
            "working_hours": s.get("working_hours").cloned().unwrap_or(json!([])),
            "working_hours_enabled": s.get("working_hours_enabled").cloned().unwrap_or(json!(false)),
            "csat_survey_enabled": s.get("csat_survey_enabled").cloned().unwrap_or(json!(false)),
            "greeting_enabled": s.get("greeting_enabled").cloned().unwrap_or(json!(false)),
            "greeting_message": s.get("greeting_message").cloned().unwrap_or(Value::Null),
        }))
    }

    /// The visitor behind `source_id` in the inbox `identifier`.
    pub async fn visitor(self: &Arc<Self>, identifier: &str, source_id: &str) -> CoreResult<Visitor> {
        let inbox = self.public_inbox(identifier).await?;
        self.visitor_in(inbox, source_id).await
    }

    pub(crate) async fn visitor_in(self: &Arc<Self>, inbox: Inbox, source_id: &str) -> CoreResult<Visitor> {
        if source_id.is_empty() || source_id.len() > 255 {
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.read().await?;
        let ci = tx
            .find_contact_inbox(inbox.id, source_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let contact = tx.require_contact(inbox.account_id, ci.contact_id).await?;
        Ok(Visitor { inbox, ci, contact })
    }

    /// `POST /contacts`: a new contact inbox for a new contact, or, with a
    /// valid identifier hash (required when the inbox says so), for the
    /// contact with that identifier.
    pub async fn public_create_contact(self: &Arc<Self>, identifier: &str, body: &Value) -> CoreResult<Value> {
        let inbox = self.public_inbox(identifier).await?;
        let (contact, ci) = self.enroll_visitor(&inbox, body, false).await?;
        Ok(present::contact_public(&contact, &ci))
    }

    /// Gives a visitor a fresh contact inbox in `inbox`: on the contact with
    /// its identifier when the hash proves it, else on a new contact of its
    /// own (an unproven identifier, e-mail or phone never selects one). `anonymous_ok`: a visitor without an
    /// identifier is welcome even where identities must be verified (the
    /// widget identifies later, through `set_user`).
    pub(crate) async fn enroll_visitor(
        self: &Arc<Self>,
        inbox: &Inbox,
        body: &Value,
        anonymous_ok: bool,
    ) -> CoreResult<(Contact, ContactInbox)> {
        let p = Params::new(body);
        let ident = p.str("identifier")?.filter(|s| !s.is_empty());
        let hash = p.str("identifier_hash")?.filter(|s| !s.is_empty());
        let mandatory = inbox
            .channel_config
            .get("hmac_mandatory")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let verified = match (&ident, &hash) {
            (Some(i), Some(h)) => {
                if !identifier_hash_ok(&inbox.hmac_token, i, h) {
                    return Err(hmac_failed());
                }
                true
            }
            (_, Some(_)) => return Err(hmac_failed()),
            (None, None) if anonymous_ok => false,
            _ if mandatory => return Err(hmac_failed()),
            _ => false,
        };
        let email = match p.str("email")? {
            Some(e) if !e.trim().is_empty() => Some(validate::email(&e).map_err(|m| CoreError::invalid("email", m))?),
            _ => None,
        };
        let phone = match p.str("phone_number")? {
            Some(e) if !e.trim().is_empty() => {
                Some(validate::phone_number(&e).map_err(|m| CoreError::invalid("phone_number", m))?)
            }
            _ => None,
        };
        let name = p.str("name")?.unwrap_or_default();
        if name.chars().count() > validate::MAX_NAME_LEN {
            return Err(CoreError::invalid("name", "Name is too long"));
        }
        let custom = p.object("custom_attributes")?;
        let avatar = match p.str("avatar_url")? {
            Some(u) if !u.is_empty() => Some(validate::http_url(&u).map_err(|m| CoreError::invalid("avatar_url", m))?),
            _ => None,
        };
        let source_id = match p.str("source_id")? {
            Some(s) if !s.is_empty() && s.len() <= 255 => s,
            _ => uuid::Uuid::new_v4().to_string(),
        };
        let mut w = Work::begin(self).await?;
        let account = inbox.account_id;
        // Only a proven identifier names an existing contact: an unverified
        // identifier, e-mail or phone number selects nobody.
        let existing = match (&ident, verified) {
            (Some(i), true) => w.tx().find_contact_by(account, ContactKey::Identifier, i).await?,
            _ => None,
        };
        let now = w.now;
        let contact = match existing {
            Some(mut c) => {
                if !name.is_empty() && c.name.is_empty() {
                    c.name = name.clone();
                }
                if let Some(extra) = custom {
                    validate::merge_attributes(&mut c.custom_attributes, extra, "custom_attributes")
                        .map_err(|m| CoreError::invalid("custom_attributes", m))?;
                }
                // Details fill only what the contact lacks, and never take
                // another contact's e-mail or phone.
                if let Some(e) = email.filter(|_| c.email.is_none()) {
                    claim(&mut w, &mut c, ContactKey::Email, e).await?;
                }
                if let Some(ph) = phone.filter(|_| c.phone_number.is_none()) {
                    claim(&mut w, &mut c, ContactKey::Phone, ph).await?;
                }
                c.updated_at = now;
                w.tx().update_contact(&c).await.map_err(taken)?;
                c
            }
            None => {
                let mut c = Contact {
                    id: 0,
                    account_id: account,
                    name: if name.is_empty() { random_visitor_name() } else { name },
                    email: None,
                    phone_number: None,
                    identifier: None,
                    avatar_url: avatar,
                    blocked: false,
                    contact_type: 0,
                    additional_attributes: json!({}),
                    custom_attributes: custom.map(Value::Object).unwrap_or_else(|| json!({})),
                    last_activity_at: None,
                    created_at: now,
                    updated_at: now,
                };
                match ident {
                    Some(i) if verified => c.identifier = Some(i),
                    Some(i) => present::set_key(&mut c.additional_attributes, CLAIMED_IDENTIFIER, json!(i)),
                    None => {}
                }
                if let Some(e) = email {
                    claim(&mut w, &mut c, ContactKey::Email, e).await?;
                }
                if let Some(ph) = phone {
                    claim(&mut w, &mut c, ContactKey::Phone, ph).await?;
                }
                let c = w.tx().insert_contact(&c).await.map_err(taken)?;
                self.contact_events(&mut w, &c, EventKind::ContactCreated, None).await?;
                c
            }
        };
        let ci = self
            .add_contact_inbox(&mut w, &contact, inbox.id, &source_id, verified)
            .await?;
        w.commit().await?;
        Ok((contact, ci))
    }

    pub async fn public_update_contact(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let mut c = w.tx().require_contact(v.contact.account_id, v.contact.id).await?;
        let before = present::contact(&c);
        if let Some(n) = p.str("name")? {
            if n.chars().count() > validate::MAX_NAME_LEN {
                return Err(CoreError::invalid("name", "Name is too long"));
            }
            c.name = n;
        }
        // A visitor's e-mail or phone goes on its own contact, or, when
        // another contact has it, waits there as claimed: it never merges,
        // and the answer does not tell whether someone else has it.
        if let Some(e) = p.str("email")?.filter(|e| !e.trim().is_empty()) {
            let e = validate::email(&e).map_err(|m| CoreError::invalid("email", m))?;
            claim(&mut w, &mut c, ContactKey::Email, e).await?;
        }
        if let Some(e) = p.str("phone_number")?.filter(|e| !e.trim().is_empty()) {
            let e = validate::phone_number(&e).map_err(|m| CoreError::invalid("phone_number", m))?;
            claim(&mut w, &mut c, ContactKey::Phone, e).await?;
        }
        if let Some(extra) = p.object("custom_attributes")? {
            validate::merge_attributes(&mut c.custom_attributes, extra, "custom_attributes")
                .map_err(|m| CoreError::invalid("custom_attributes", m))?;
        }
        if let Some(u) = p.str("avatar_url")?.filter(|u| !u.trim().is_empty()) {
            c.avatar_url = Some(validate::http_url(&u).map_err(|m| CoreError::invalid("avatar_url", m))?);
        }
        // The profile a site tells (Chatwoot's setUser): only these keys, so
        // a visitor never writes the ones kept for the contact's own record.
        if let Some(extra) = p.object("additional_attributes")? {
            let profile = extra
                .into_iter()
                .filter(|(k, _)| VISITOR_PROFILE_KEYS.contains(&k.as_str()))
                .collect();
            validate::merge_attributes(&mut c.additional_attributes, profile, "additional_attributes")
                .map_err(|m| CoreError::invalid("additional_attributes", m))?;
        }
        c.updated_at = w.now;
        w.tx().update_contact(&c).await.map_err(taken)?;
        let changed = crate::inboxes::changed_keys(&before, &present::contact(&c));
        if changed.as_array().is_some_and(|a| !a.is_empty()) {
            self.contact_events(&mut w, &c, EventKind::ContactUpdated, Some(changed))
                .await?;
        }
        w.commit().await?;
        Ok(present::contact_public(&c, &v.ci))
    }

    /// The conversations a visitor may see in its inbox, newest first.
    async fn visitor_conversations(self: &Arc<Self>, v: &Visitor) -> CoreResult<Vec<Conversation>> {
        let mut tx = self.store.read().await?;
        let list = tx
            .contact_conversations(v.inbox.account_id, v.contact.id, Some(&[v.inbox.id]), 100)
            .await?;
        Ok(list
            .into_iter()
            .filter(|c| verified_for(&v.ci, &v.contact) || c.contact_inbox_id == v.ci.id)
            .collect())
    }

    pub(crate) async fn visitor_conversation(
        self: &Arc<Self>,
        v: &Visitor,
        display_id: i64,
    ) -> CoreResult<Conversation> {
        let mut tx = self.store.read().await?;
        let c = tx.require_conversation(v.inbox.account_id, display_id).await?;
        let mine = c.inbox_id == v.inbox.id
            && (c.contact_inbox_id == v.ci.id || (verified_for(&v.ci, &v.contact) && c.contact_id == v.contact.id));
        if mine { Ok(c) } else { Err(CoreError::NotFound) }
    }

    /// A conversation as the contact sees it, with its recent public messages.
    async fn public_conversation_json(self: &Arc<Self>, v: &Visitor, c: &Conversation) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let msgs = tx
            .list_messages(&MessageQuery {
                conversation_id: c.id,
                before: None,
                after: None,
                limit: 20,
                public_only: true,
            })
            .await?;
        let senders = views::senders(&mut *tx, c.account_id, &msgs).await?;
        let atts = tx
            .attachments_for(&msgs.iter().map(|m| m.id).collect::<Vec<_>>())
            .await?;
        Ok(json!({
            "id": c.display_id,
            "uuid": c.uuid,
            "inbox_id": c.inbox_id,
            "status": c.status().as_str(),
            "contact_last_seen_at": c.contact_last_seen_at.map(switchboard_domain::time::unix_secs).unwrap_or(0),
            "agent_last_seen_at": c.agent_last_seen_at.map(switchboard_domain::time::unix_secs).unwrap_or(0),
            "messages": msgs.iter().zip(senders.iter()).map(|(m, s)| { let mut j = present::message_public(m, s, c.display_id); self.with_attachments(&mut j, &atts); j }).collect::<Vec<_>>(),
            "contact": present::contact_public(&v.contact, &v.ci),
        }))
    }

    pub async fn public_conversations(self: &Arc<Self>, v: &Visitor) -> CoreResult<Value> {
        let list = self.visitor_conversations(v).await?;
        let mut out = Vec::with_capacity(list.len());
        for c in &list {
            out.push(self.public_conversation_json(v, c).await?);
        }
        Ok(Value::Array(out))
    }

    pub async fn public_conversation(self: &Arc<Self>, v: &Visitor, display_id: i64) -> CoreResult<Value> {
        let c = self.visitor_conversation(v, display_id).await?;
        self.public_conversation_json(v, &c).await
    }

    /// A new conversation started by the contact.
    pub async fn public_create_conversation(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        let custom = p
            .object("custom_attributes")?
            .map(Value::Object)
            .unwrap_or_else(|| json!({}));
        let c = self.start_conversation(v, custom, json!({})).await?;
        self.public_conversation_json(v, &c).await
    }

    /// Opens a conversation for a visitor (or, on an inbox locked to a single
    /// conversation, returns its latest one).
    pub(crate) async fn start_conversation(
        self: &Arc<Self>,
        v: &Visitor,
        custom: Value,
        additional: Value,
    ) -> CoreResult<Conversation> {
        let reuse: Option<&[i16]> = v
            .inbox
            .setting_bool("lock_to_single_conversation", false)
            .then_some(&[]);
        self.conversation_for(v, reuse, custom, additional).await
    }

    /// The visitor's latest conversation in one of `reuse`'s statuses (any
    /// status for an empty list), else a new one. The contact inbox is held
    /// while deciding, so concurrent first messages open one conversation.
    pub(crate) async fn conversation_for(
        self: &Arc<Self>,
        v: &Visitor,
        reuse: Option<&[i16]>,
        custom: Value,
        additional: Value,
    ) -> CoreResult<Conversation> {
        let mut w = Work::by_contact(self, v.contact.id).await?;
        w.tx().lock_contact_inbox(v.ci.id).await?;
        if let Some(statuses) = reuse
            && let Some(existing) = w.tx().latest_conversation(v.ci.id, statuses).await?
        {
            w.commit().await?;
            return Ok(existing);
        }
        let conv = self.open_conversation(&mut w, v, custom, additional).await?;
        w.commit().await?;
        Ok(conv)
    }

    /// A new conversation of the visitor's, inside `w` (the caller holds
    /// the contact inbox's lock): evented, and greeted when the inbox says so.
    pub(crate) async fn open_conversation(
        self: &Arc<Self>,
        w: &mut Work,
        v: &Visitor,
        custom: Value,
        additional: Value,
    ) -> CoreResult<Conversation> {
        let contact = w.tx().require_contact(v.contact.account_id, v.contact.id).await?;
        let bot = self.inbox_bot(w.tx(), v.inbox.id).await?.is_some();
        let status = rules::initial_status(None, contact.blocked, bot);
        let display_id = w.tx().next_display_id(v.inbox.account_id).await?;
        let now = w.now;
        let conv = w
            .tx()
            .insert_conversation(&Conversation {
                uuid: uuid::Uuid::new_v4().to_string(),
                additional_attributes: additional,
                custom_attributes: custom,
                ..Conversation::new(
                    v.inbox.account_id,
                    v.inbox.id,
                    display_id,
                    contact.id,
                    v.ci.id,
                    status.code(),
                    now,
                )
            })
            .await?;
        self.conversation_created(w, &conv, &Actor::system()).await?;
        // The inbox's greeting opens every conversation a visitor starts.
        if v.inbox.setting_bool("greeting_enabled", false)
            && let Some(text) = v
                .inbox
                .settings
                .get("greeting_message")
                .and_then(Value::as_str)
                .filter(|t| !t.trim().is_empty())
        {
            self.system_message(w, &conv, text, MessageType::Template).await?;
        }
        Ok(conv)
    }

    /// The contact resolves its conversation.
    pub async fn public_resolve(self: &Arc<Self>, v: &Visitor, display_id: i64) -> CoreResult<Value> {
        let c = self.visitor_conversation(v, display_id).await?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let before = w.tx().require_locked_conversation_by_id(c.id).await?;
        let mut after = before.clone();
        after.status = ConversationStatus::Resolved.code();
        after.snoozed_until = None;
        after.waiting_since = None;
        self.conversation_changed(&mut w, &before, &after, &Actor::system(), None, true)
            .await?;
        w.commit().await?;
        self.public_conversation_json(v, &after).await
    }

    pub async fn public_typing(self: &Arc<Self>, v: &Visitor, display_id: i64, body: &Value) -> CoreResult<()> {
        let p = Params::new(body);
        let kind = match p.req_str("typing_status")?.as_str() {
            "on" => EventKind::ConversationTypingOn,
            "off" => EventKind::ConversationTypingOff,
            _ => return Err(CoreError::invalid("typing_status", "typing_status must be on or off")),
        };
        let c = self.visitor_conversation(v, display_id).await?;
        let user = json!({ "id": v.contact.id, "name": v.contact.name, "type": "contact" });
        self.typing(c, kind, user, false, Performer::Contact(v.contact.id))
            .await
    }

    pub async fn public_last_seen(self: &Arc<Self>, v: &Visitor, display_id: i64) -> CoreResult<Value> {
        let c = self.visitor_conversation(v, display_id).await?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let mut conv = w.tx().require_locked_conversation_by_id(c.id).await?;
        conv.contact_last_seen_at = Some(w.now);
        w.tx().save_conversation(&conv).await?;
        w.commit().await?;
        self.public_conversation_json(v, &conv).await
    }

    /// Public messages of a conversation, oldest first; `before` pages back.
    pub async fn public_messages(
        self: &Arc<Self>,
        v: &Visitor,
        display_id: i64,
        before: Option<i64>,
        after: Option<i64>,
    ) -> CoreResult<Value> {
        let c = self.visitor_conversation(v, display_id).await?;
        Ok(Value::Array(self.visitor_message_page(&c, before, after).await?))
    }

    /// What a contact sees of a conversation's messages: public ones only,
    /// the latest 20 (or 20 before `before`, or up to 100 after `after`),
    /// oldest first, with attachments. Shared by the Client and Widget APIs.
    pub(crate) async fn visitor_message_page(
        self: &Arc<Self>,
        c: &Conversation,
        before: Option<i64>,
        after: Option<i64>,
    ) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        let limit = if after.is_some() { 100 } else { 20 };
        let msgs = tx
            .list_messages(&MessageQuery {
                conversation_id: c.id,
                before,
                after,
                limit,
                public_only: true,
            })
            .await?;
        let senders = views::senders(&mut *tx, c.account_id, &msgs).await?;
        let atts = tx
            .attachments_for(&msgs.iter().map(|m| m.id).collect::<Vec<_>>())
            .await?;
        Ok(msgs
            .iter()
            .zip(senders.iter())
            .map(|(m, s)| {
                let mut j = present::message_public(m, s, c.display_id);
                self.with_attachments(&mut j, &atts);
                j
            })
            .collect())
    }

    /// A message from the contact.
    pub async fn public_create_message(
        self: &Arc<Self>,
        v: &Visitor,
        display_id: i64,
        body: &Value,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<Value> {
        let r = self
            .public_create_message_inner(v, display_id, body, files.clone())
            .await;
        if r.is_err() {
            self.discard(&files).await;
        }
        r
    }

    async fn public_create_message_inner(
        self: &Arc<Self>,
        v: &Visitor,
        display_id: i64,
        body: &Value,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<Value> {
        crate::messages::check_files(&files, true)?;
        let c = self.visitor_conversation(v, display_id).await?;
        let message = body.get("message").filter(|m| m.is_object()).unwrap_or(body);
        self.visitor_message(v, &c, message, files).await
    }

    /// A visitor's message (`content`, `echo_id`, `reply_to`, files) into
    /// one of its conversations, through the batch writers.
    pub(crate) async fn visitor_message(
        self: &Arc<Self>,
        v: &Visitor,
        conv: &Conversation,
        message: &Value,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<Value> {
        let p = Params::new(message);
        let content = p.str("content")?;
        if content.as_deref().is_none_or(|s| s.trim().is_empty()) && files.is_empty() {
            return Err(CoreError::invalid("content", "Content can't be blank"));
        }
        if content
            .as_ref()
            .is_some_and(|s| s.chars().count() > rules::MAX_CONTENT_CHARS)
        {
            return Err(CoreError::invalid(
                "content",
                "Content is too long (maximum is 150000 characters)",
            ));
        }
        let mut content_attributes = json!({});
        if let Some(reply_to) = p.i64("reply_to")? {
            content_attributes["in_reply_to"] = json!(reply_to);
        }
        let o = self
            .ingest(Item {
                account_id: conv.account_id,
                display_id: conv.display_id,
                member_of: None,
                input: MessageInput {
                    content,
                    message_type: MessageType::Incoming,
                    private: false,
                    content_type: ContentType::Text,
                    content_attributes,
                    echo_id: p.str("echo_id")?.filter(|e| !e.is_empty() && e.len() <= 255),
                    source_id: None,
                    additional_attributes: json!({}),
                },
                from: From::Contact(v.contact.clone()),
                attachments: files,
                cause: None,
            })
            .await?;
        let mut out = present::message_public(&o.message, &o.sender, o.display_id);
        self.with_attachments(&mut out, &o.attachments);
        Ok(out)
    }

    /// `PATCH .../messages/:id {submitted_values}`: a form or option answered.
    pub async fn public_update_message(
        self: &Arc<Self>,
        v: &Visitor,
        display_id: i64,
        message_id: i64,
        body: &Value,
    ) -> CoreResult<Value> {
        let c = self.visitor_conversation(v, display_id).await?;
        let p = Params::new(body).nested_or_self("message");
        // An e-mail asked for (input_email): `submitted_email`, or the
        // first of `submitted_values`.
        let email = match p.str("submitted_email")? {
            Some(e) => Some(e),
            None => p
                .raw("submitted_values")
                .and_then(|s| s.get(0).and_then(|a| a.get("value")).or_else(|| s.get("email")))
                .and_then(Value::as_str)
                .map(str::to_string),
        };
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let conv = w.tx().require_locked_conversation_by_id(c.id).await?;
        let mut m = w.tx().require_message(conv.id, message_id).await?;
        if m.content_type() == ContentType::InputEmail && present::contact_visible(&m) {
            return self.answer_input_email(w, v, &conv, m, email).await;
        }
        let submitted = p
            .raw("submitted_values")
            .cloned()
            .ok_or_else(|| CoreError::invalid("submitted_values", "submitted_values is required"))?;
        if !(submitted.is_array() || submitted.is_object()) || submitted.to_string().len() > 16_384 {
            return Err(CoreError::invalid(
                "submitted_values",
                "submitted_values must be a list or an object of at most 16 KiB",
            ));
        }
        if !present::contact_visible(&m)
            || !matches!(
                m.content_type(),
                ContentType::InputSelect
                    | ContentType::Form
                    | ContentType::InputEmail
                    | ContentType::InputCsat
                    | ContentType::Cards
                    | ContentType::InputText
                    | ContentType::InputTextarea
            )
        {
            return Err(CoreError::invalid("message", "This message takes no answers"));
        }
        // Options and forms are answered once.
        if matches!(m.content_type(), ContentType::InputSelect | ContentType::Form)
            && !m.content_attributes["submitted_values"].is_null()
        {
            return Err(CoreError::invalid(
                "submitted_values",
                "This message was answered already",
            ));
        }
        // A choice is one of the options offered (a bot trusts what comes
        // back to be its own), kept with the option's own title.
        let mut submitted = submitted;
        if m.content_type() == ContentType::InputSelect {
            let offered = crate::channels::send::offered_options(&m.content_attributes);
            let picked: Option<Vec<Value>> = submitted.as_array().filter(|a| !a.is_empty()).and_then(|a| {
                a.iter()
                    .map(|x| {
                        offered
                            .iter()
                            .find(|(_, v)| *v == x["value"])
                            .map(|(t, v)| json!({ "title": t, "value": v }))
                    })
                    .collect()
            });
            let Some(picked) = picked else {
                return Err(CoreError::invalid(
                    "submitted_values",
                    "submitted_values must name options the message offers",
                ));
            };
            submitted = Value::Array(picked);
        }
        // A form's answers: `[{name, value}]` for fields it has, text, and
        // every required field filled.
        if m.content_type() == ContentType::Form {
            let fields: Vec<&Value> = m.content_attributes["items"]
                .as_array()
                .map(|a| a.iter().collect())
                .unwrap_or_default();
            let answers = submitted.as_array().cloned().unwrap_or_default();
            // A select's answer is one of its options.
            let allowed = |f: &Value, v: &str| match f["options"].as_array() {
                Some(opts) if f["type"] == "select" => opts.iter().any(|o| {
                    let ov = if o.is_object() { &o["value"] } else { o };
                    ov.as_str() == Some(v) || ov.as_i64().map(|n| n.to_string()).as_deref() == Some(v)
                }),
                _ => true,
            };
            let fits = !answers.is_empty()
                && answers.iter().all(|a| {
                    a["value"].as_str().is_some_and(|v| {
                        v.chars().count() <= 2_000
                            && fields
                                .iter()
                                .any(|f| f["name"] == a["name"] && a["name"].is_string() && allowed(f, v))
                    })
                })
                && fields.iter().filter(|f| f["required"] == true).all(|f| {
                    answers
                        .iter()
                        .any(|a| a["name"] == f["name"] && a["value"].as_str().is_some_and(|v| !v.trim().is_empty()))
                });
            if !fits {
                return Err(CoreError::invalid(
                    "submitted_values",
                    "submitted_values must answer the form's fields ([{name, value}], required ones filled)",
                ));
            }
        }
        if m.content_type() == ContentType::InputCsat {
            let r = submitted.get("csat_survey_response").cloned().unwrap_or(Value::Null);
            let rating = r.get("rating").and_then(Value::as_i64).filter(|n| (1..=5).contains(n));
            let Some(rating) = rating else {
                return Err(CoreError::invalid(
                    "submitted_values",
                    "csat_survey_response.rating must be 1 to 5",
                ));
            };
            let feedback = r
                .get("feedback_message")
                .and_then(Value::as_str)
                .map(|f| f.chars().take(2000).collect::<String>());
            crate::csat::keep_rating(&mut w, &conv, &m, rating as i16, feedback).await?;
        }
        present::set_key(&mut m.content_attributes, "submitted_values", submitted);
        m.updated_at = w.now;
        w.tx().update_message(&m).await?;
        self.message_updated(&mut w, &conv, &v.inbox, &m).await?;
        w.commit().await?;
        let sender = views::senders(
            &mut *self.store.read().await?,
            conv.account_id,
            std::slice::from_ref(&m),
        )
        .await?
        .pop()
        .unwrap_or(Sender::None);
        Ok(present::message_public(&m, &sender, conv.display_id))
    }
}

impl Core {
    /// A bot's `input_email` answered: kept on the message once
    /// (`submitted_email`, and `submitted_values: [{name: "email", value}]`
    /// as forms are), and given to the contact when it has no address and
    /// no other contact of the account has this one (an address alone
    /// never joins or reveals another contact).
    async fn answer_input_email(
        self: &Arc<Self>,
        mut w: Work,
        v: &Visitor,
        conv: &switchboard_store::Conversation,
        mut m: switchboard_store::Message,
        email: Option<String>,
    ) -> CoreResult<Value> {
        if !m.content_attributes["submitted_email"].is_null() {
            return Err(CoreError::invalid(
                "submitted_email",
                "This message was answered already",
            ));
        }
        let email = email
            .ok_or_else(|| CoreError::invalid("submitted_email", "submitted_email is required"))
            .and_then(|e| validate::email(e.trim()).map_err(|msg| CoreError::invalid("submitted_email", msg)))?;
        present::set_key(&mut m.content_attributes, "submitted_email", json!(email));
        present::set_key(
            &mut m.content_attributes,
            "submitted_values",
            json!([{ "name": "email", "value": email }]),
        );
        m.updated_at = w.now;
        w.tx().update_message(&m).await?;
        let mut contact = w
            .tx()
            .get_contact(conv.account_id, conv.contact_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let free = w
            .tx()
            .find_contact_by(conv.account_id, ContactKey::Email, &email)
            .await?
            .is_none();
        if contact.email.is_none() && free {
            let before = present::contact(&contact);
            contact.email = Some(email.clone());
            contact.updated_at = w.now;
            w.tx().update_contact(&contact).await?;
            let changed = crate::inboxes::changed_keys(&before, &present::contact(&contact));
            self.contact_events(&mut w, &contact, EventKind::ContactUpdated, Some(changed))
                .await?;
        }
        self.message_updated(&mut w, conv, &v.inbox, &m).await?;
        w.commit().await?;
        let sender = views::senders(
            &mut *self.store.read().await?,
            conv.account_id,
            std::slice::from_ref(&m),
        )
        .await?
        .pop()
        .unwrap_or(Sender::None);
        Ok(present::message_public(&m, &sender, conv.display_id))
    }
}

fn random_visitor_name() -> String {
    let n: u32 = rand::random::<u32>() % 10_000;
    format!("Visitor {n:04}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifier_hashes() {
        // python3 -c "import hmac,hashlib;print(hmac.new(b'secret',b'user-42',hashlib.sha256).hexdigest())"
        let known = "e286b7b944100ab478fe553b39122922de0000aee1d04087dc3e96eefc3a8d47";
        assert!(identifier_hash_ok("secret", "user-42", known));
        assert!(identifier_hash_ok("secret", "user-42", &known.to_uppercase()));
        assert!(!identifier_hash_ok("secret", "user-43", known));
        assert!(!identifier_hash_ok("other", "user-42", known));
        assert!(!identifier_hash_ok("secret", "user-42", "zz"));
        assert!(!identifier_hash_ok("secret", "user-42", ""));
    }
}
