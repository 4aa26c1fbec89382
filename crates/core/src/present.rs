//! The JSON shapes of Chatwoot's APIs, events and webhooks (compat §2, §3).
//! REST, ActionCable push data and webhook payloads differ in small ways;
//! each has its own function here so the differences stay explicit.

use serde_json::{Map, Value, json};
use switchboard_domain::time::{iso, unix_float, unix_secs};
use switchboard_domain::{Availability, ChannelType, ConversationStatus, MessageType, Role};
use switchboard_store::{
    Account, AccountUser, AgentBot, Contact, ContactInbox, Conversation, Inbox, Message, Team, User,
};

use crate::channels::Channels;
use crate::contact_types::{ContactView, ContactWithInboxes};
use crate::conversation_view::{ConversationMetaView, ConversationView};
use crate::message_types::{MessageView, UserSenderView};

fn secs_or_zero(t: Option<i64>) -> i64 {
    t.map(unix_secs).unwrap_or(0)
}

fn secs_or_null(t: Option<i64>) -> Value {
    t.map(|v| json!(unix_secs(v))).unwrap_or(Value::Null)
}

pub fn account(a: &Account) -> Value {
    json!({
        "id": a.id,
        "name": a.name,
        "locale": a.locale,
        "domain": a.domain,
        "support_email": a.support_email,
        "status": switchboard_domain::AccountStatus::from_code(a.status).map(|s| s.as_str()).unwrap_or("active"),
        "custom_attributes": a.custom_attributes,
        "settings": a.settings,
        "features": {},
        "created_at": iso(a.created_at),
    })
}

pub fn availability(au: Option<&AccountUser>) -> &'static str {
    au.and_then(|a| Availability::from_code(a.availability))
        .unwrap_or(Availability::Offline)
        .as_str()
}

/// The agent shape (`GET /agents`, assignee in meta).
pub fn agent(u: &User, au: Option<&AccountUser>) -> Value {
    json!({
        "id": u.id,
        "account_id": au.map(|a| a.account_id),
        "name": u.name,
        "available_name": u.available_name(),
        "display_name": u.display_name,
        "email": u.email,
        "role": au.map(|a| a.role().as_str()).unwrap_or(Role::Agent.as_str()),
        "availability_status": availability(au),
        "auto_offline": au.map(|a| a.auto_offline).unwrap_or(true),
        "confirmed": true,
        "provider": "email",
        "thumbnail": u.avatar_url.clone().unwrap_or_default(),
        "avatar_url": u.avatar_url.clone().unwrap_or_default(),
        "custom_attributes": u.custom_attributes,
    })
}

/// A user as a message sender.
pub fn user_sender(u: &User) -> Value {
    view_json(&UserSenderView::from(u))
}

/// The profile (`GET /api/v1/profile`, sign-in body).
pub fn profile(u: &User, token: &str, accounts: &[(Account, AccountUser)]) -> Value {
    let first = accounts.first();
    json!({
        "id": u.id,
        "uid": u.email,
        "provider": "email",
        "name": u.name,
        "display_name": u.display_name,
        "available_name": u.available_name(),
        "email": u.email,
        "avatar_url": u.avatar_url.clone().unwrap_or_default(),
        "thumbnail": u.avatar_url.clone().unwrap_or_default(),
        "access_token": token,
        "pubsub_token": u.pubsub_token,
        "account_id": first.map(|(a, _)| a.id),
        "role": first.map(|(_, au)| au.role().as_str()),
        "availability": first.map(|(_, au)| availability(Some(au))),
        "availability_status": first.map(|(_, au)| availability(Some(au))),
        "confirmed": true,
        "message_signature": u.message_signature,
        "ui_settings": u.ui_settings,
        "custom_attributes": u.custom_attributes,
        "accounts": accounts.iter().map(|(a, au)| json!({
            "id": a.id,
            "name": a.name,
            "status": "active",
            "active_at": au.active_at.map(iso),
            "role": au.role().as_str(),
            "permissions": [au.role().as_str()],
            "availability": availability(Some(au)),
            "availability_status": availability(Some(au)),
            "auto_offline": au.auto_offline,
            "locale": a.locale,
        })).collect::<Vec<_>>(),
    })
}

/// The contact shape of REST and of message senders ([`ContactView`]).
pub fn contact(c: &Contact) -> Value {
    view_json(&ContactView::from(c))
}

pub fn contact_with_inboxes(channels: &Channels, c: &Contact, cis: &[ContactInbox], inboxes: &[Inbox]) -> Value {
    view_json(&ContactWithInboxes::new(channels, c, cis, inboxes))
}

/// A view struct as JSON (views hold only JSON-shaped data, so this does
/// not fail).
fn view_json<T: serde::Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_default()
}

/// The contact payload of `contact_*` webhooks.
pub fn contact_webhook(c: &Contact, a: &Account) -> Value {
    json!({
        "id": c.id,
        "name": c.name,
        "email": c.email,
        "phone_number": c.phone_number,
        "identifier": c.identifier,
        "avatar": c.avatar_url.clone().unwrap_or_default(),
        "thumbnail": c.avatar_url.clone().unwrap_or_default(),
        "additional_attributes": c.additional_attributes,
        "custom_attributes": c.custom_attributes,
        "blocked": c.blocked,
        "type": "contact",
        "account": { "id": a.id, "name": a.name },
    })
}

/// Chatwoot's class name of a channel (`Channel::Api`, `Channel::Telegram`):
/// a built-in one's, or what its registered channel says.
pub fn class_name(channels: &Channels, channel: ChannelType) -> &'static str {
    channel
        .builtin_class_name()
        .or_else(|| channels.by_code(channel.code()).map(|c| c.class_name()))
        .unwrap_or("Channel::Unknown")
}

pub fn inbox_slim(channels: &Channels, i: &Inbox) -> Value {
    json!({
        "id": i.id,
        "avatar_url": i.settings.get("avatar_url").cloned().unwrap_or(json!("")),
        "channel_id": i.id,
        "name": i.name,
        "channel_type": class_name(channels, i.channel()),
        // The channel's provider where it has one (WhatsApp's `whatsapp_cloud`).
        "provider": i.channel_config.get("provider").cloned().unwrap_or(Value::Null),
    })
}

fn get_or(map: &Value, key: &str, default: Value) -> Value {
    map.get(key).cloned().unwrap_or(default)
}

/// The inbox shape. `admin` adds the secrets only administrators may see.
pub fn inbox(channels: &Channels, i: &Inbox, public_url: &str, admin: bool) -> Value {
    let s = &i.settings;
    let c = &i.channel_config;
    let mut v = json!({
        "id": i.id,
        "account_id": i.account_id,
        "avatar_url": get_or(s, "avatar_url", json!("")),
        "channel_id": i.id,
        "name": i.name,
        "channel_type": class_name(channels, i.channel()),
        "greeting_enabled": get_or(s, "greeting_enabled", json!(false)),
        "greeting_message": get_or(s, "greeting_message", Value::Null),
        "working_hours_enabled": get_or(s, "working_hours_enabled", json!(false)),
        "working_hours": get_or(s, "working_hours", json!([])),
        "business_hours": crate::business_hours::shown(s),
        "timezone": get_or(s, "timezone", json!("UTC")),
        "out_of_office_message": get_or(s, "out_of_office_message", Value::Null),
        "enable_email_collect": get_or(s, "enable_email_collect", json!(true)),
        "csat_survey_enabled": get_or(s, "csat_survey_enabled", json!(false)),
        "csat_config": get_or(s, "csat_config", json!({})),
        "enable_auto_assignment": get_or(s, "enable_auto_assignment", json!(true)),
        "auto_assignment_config": get_or(s, "auto_assignment_config", json!({})),
        "callback_webhook_url": Value::Null,
        "allow_messages_after_resolved": get_or(s, "allow_messages_after_resolved", json!(true)),
        "lock_to_single_conversation": get_or(s, "lock_to_single_conversation", json!(false)),
        "sender_name_type": get_or(s, "sender_name_type", json!("friendly")),
        "business_name": get_or(s, "business_name", Value::Null),
    });
    let Some(obj) = v.as_object_mut() else { return v };
    match i.channel() {
        ChannelType::API => {
            obj.insert("webhook_url".into(), json!(i.webhook_url));
            obj.insert("inbox_identifier".into(), json!(i.channel_key));
            obj.insert("hmac_mandatory".into(), get_or(c, "hmac_mandatory", json!(false)));
            obj.insert(
                "additional_attributes".into(),
                get_or(c, "additional_attributes", json!({})),
            );
        }
        ChannelType::WEB_WIDGET => {
            for (k, d) in [
                ("website_url", json!("")),
                ("widget_color", json!("#1f93ff")),
                ("welcome_title", json!("")),
                ("welcome_tagline", json!("")),
                ("reply_time", json!("in_a_few_minutes")),
                (
                    "selected_feature_flags",
                    json!(["attachments", "emoji_picker", "end_conversation"]),
                ),
                ("pre_chat_form_enabled", json!(false)),
                ("pre_chat_form_options", json!({})),
                ("continuity_via_email", json!(true)),
                ("hmac_mandatory", json!(false)),
                ("allowed_domains", json!("")),
            ] {
                obj.insert(k.into(), get_or(c, k, d));
            }
            obj.insert("website_token".into(), json!(i.channel_key));
            obj.insert(
                "web_widget_script".into(),
                json!(widget_script(public_url, &i.channel_key)),
            );
        }
        other => {
            if let Some(c) = channels.by_code(other.code()) {
                c.present(crate::channels::inbox_ref(i), public_url, admin, obj);
            }
        }
    }
    if admin {
        obj.insert("hmac_token".into(), json!(i.hmac_token));
        if i.channel() == ChannelType::API {
            obj.insert("secret".into(), json!(i.secret));
        }
    }
    v
}

pub fn widget_script(public_url: &str, token: &str) -> String {
    let base = public_url.trim_end_matches('/');
    format!("<script src=\"{base}/widget.js\" data-website-token=\"{token}\" async></script>")
}

pub fn team(t: &Team, is_member: bool) -> Value {
    json!({
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "allow_auto_assign": t.allow_auto_assign,
        "account_id": t.account_id,
        "is_member": is_member,
    })
}

pub fn contact_inbox_row(ci: &ContactInbox) -> Value {
    json!({
        "id": ci.id,
        "contact_id": ci.contact_id,
        "inbox_id": ci.inbox_id,
        "source_id": ci.source_id,
        "hmac_verified": ci.hmac_verified,
        "pubsub_token": ci.pubsub_token,
        "created_at": iso(ci.created_at),
        "updated_at": iso(ci.updated_at),
    })
}

/// A message's sender, resolved.
#[derive(Debug, Clone)]
pub enum Sender {
    User(User),
    Contact(Contact),
    Bot(AgentBot),
    None,
}

impl Sender {
    fn webhook(&self, a: &Account) -> Value {
        match self {
            Sender::User(u) => json!({"id": u.id, "name": u.name, "email": u.email, "type": "user"}),
            Sender::Contact(c) => contact_webhook(c, a),
            Sender::Bot(b) => json!({"id": b.id, "name": b.name, "avatar_url": b.avatar_url, "type": "agent_bot"}),
            Sender::None => Value::Null,
        }
    }
}

/// Everything needed to render one conversation in any shape.
#[derive(Debug, Clone)]
pub struct ConvView {
    pub conv: Conversation,
    /// The inbox's channel, as Chatwoot names its class.
    pub inbox_channel: &'static str,
    pub contact: Contact,
    pub contact_inbox: ContactInbox,
    pub assignee: Option<(User, Option<AccountUser>)>,
    /// The conversation's own agent bot, when one is assigned.
    pub bot: Option<AgentBot>,
    pub team: Option<Team>,
    pub labels: Vec<String>,
    pub last_message: Option<(Message, Sender)>,
    pub unread_count: i64,
    /// Whether a free-form reply can go out now (the platform's window).
    pub can_reply: bool,
    /// The SLA the conversation is held to, with its misses.
    pub sla: Option<crate::sla::SlaView>,
}

impl ConvView {
    fn meta_view(&self) -> ConversationMetaView {
        ConversationMetaView {
            sender: ContactView::from(&self.contact),
            channel: self.inbox_channel,
            hmac_verified: self.contact_inbox.hmac_verified,
            team: self.team.as_ref().map(|t| team(t, false)),
            assignee: match (&self.assignee, &self.bot) {
                (Some((u, au)), _) => Some(agent(u, au.as_ref())),
                (None, Some(b)) => Some(crate::agent_bots::bot_assignee_json(b)),
                (None, None) => None,
            },
            assignee_type: match (&self.assignee, &self.bot) {
                (Some(_), _) => Some("User"),
                (None, Some(_)) => Some("AgentBot"),
                (None, None) => None,
            },
        }
    }

    fn meta(&self) -> Value {
        view_json(&self.meta_view())
    }

    fn common(&self) -> Map<String, Value> {
        let c = &self.conv;
        let mut m = Map::new();
        m.insert("id".into(), json!(c.display_id));
        m.insert("meta".into(), self.meta());
        m.insert("inbox_id".into(), json!(c.inbox_id));
        m.insert("status".into(), json!(c.status().as_str()));
        m.insert("priority".into(), json!(c.priority().map(|p| p.as_str())));
        m.insert("labels".into(), json!(self.labels));
        m.insert("can_reply".into(), json!(self.can_reply));
        m.insert("additional_attributes".into(), c.additional_attributes.clone());
        m.insert("custom_attributes".into(), c.custom_attributes.clone());
        m.insert("agent_last_seen_at".into(), json!(secs_or_zero(c.agent_last_seen_at)));
        m.insert(
            "contact_last_seen_at".into(),
            json!(secs_or_zero(c.contact_last_seen_at)),
        );
        m.insert("created_at".into(), json!(unix_secs(c.created_at)));
        m.insert("updated_at".into(), json!(unix_float(c.updated_at)));
        m.insert("timestamp".into(), json!(unix_secs(c.last_activity_at)));
        m.insert("last_activity_at".into(), json!(unix_secs(c.last_activity_at)));
        m.insert("waiting_since".into(), json!(secs_or_zero(c.waiting_since)));
        m.insert(
            "snoozed_until".into(),
            c.snoozed_until.map(|t| json!(iso(t))).unwrap_or(Value::Null),
        );
        m.insert("unread_count".into(), json!(self.unread_count));
        m.insert("sla_policy_id".into(), json!(c.sla_policy_id));
        m.insert(
            "applied_sla".into(),
            self.sla.as_ref().map(|s| s.applied_json()).unwrap_or(Value::Null),
        );
        m.insert(
            "sla_events".into(),
            json!(self.sla.as_ref().map(|s| s.events_json()).unwrap_or_default()),
        );
        m
    }

    /// The REST shape (`GET /conversations/:id`, list payload), without
    /// the last message's attachments (`Core::conversation_views` adds
    /// them).
    pub fn rest(&self) -> ConversationView {
        let c = &self.conv;
        let last = self
            .last_message
            .as_ref()
            .map(|(msg, s)| message_push(msg, s, c, &self.contact_inbox, self.unread_count));
        ConversationView {
            id: c.display_id,
            account_id: c.account_id,
            uuid: c.uuid.clone(),
            meta: self.meta_view(),
            inbox_id: c.inbox_id,
            status: c.status().as_str(),
            priority: c.priority().map(|p| p.as_str()),
            labels: self.labels.clone(),
            can_reply: self.can_reply,
            muted: c.muted,
            additional_attributes: c.additional_attributes.clone(),
            custom_attributes: c.custom_attributes.clone(),
            agent_last_seen_at: secs_or_zero(c.agent_last_seen_at),
            contact_last_seen_at: secs_or_zero(c.contact_last_seen_at),
            assignee_last_seen_at: secs_or_zero(c.assignee_last_seen_at),
            first_reply_created_at: secs_or_zero(c.first_reply_created_at),
            created_at: unix_secs(c.created_at),
            updated_at: unix_float(c.updated_at),
            timestamp: unix_secs(c.last_activity_at),
            last_activity_at: unix_secs(c.last_activity_at),
            waiting_since: secs_or_zero(c.waiting_since),
            snoozed_until: c.snoozed_until.map(iso),
            unread_count: self.unread_count,
            sla_policy_id: c.sla_policy_id,
            applied_sla: self.sla.as_ref().map(|s| s.applied_json()),
            sla_events: self.sla.as_ref().map(|s| s.events_json()).unwrap_or_default(),
            messages: last.iter().cloned().collect(),
            last_non_activity_message: last,
        }
    }

    /// The push / webhook shape (ActionCable data, `conversation_*` webhooks).
    pub fn push(&self) -> Value {
        let c = &self.conv;
        let mut m = self.common();
        m.insert("channel".into(), json!(self.inbox_channel));
        m.insert("contact_inbox".into(), contact_inbox_row(&self.contact_inbox));
        m.insert(
            "first_reply_created_at".into(),
            c.first_reply_created_at.map(|t| json!(iso(t))).unwrap_or(Value::Null),
        );
        let last = self
            .last_message
            .as_ref()
            .map(|(msg, s)| message_push(msg, s, c, &self.contact_inbox, self.unread_count));
        m.insert("messages".into(), json!(last.iter().collect::<Vec<_>>()));
        m.insert("account_id".into(), json!(c.account_id));
        Value::Object(m)
    }
}

/// The REST message shape ([`MessageView`] as JSON).
pub fn message_rest(m: &Message, sender: &Sender, display_id: i64) -> Value {
    view_json(&MessageView::new(m, sender, display_id))
}

/// The ActionCable push shape of a message.
pub fn message_push(m: &Message, sender: &Sender, conv: &Conversation, ci: &ContactInbox, unread: i64) -> Value {
    let mut v = message_rest(m, sender, conv.display_id);
    if let Some(o) = v.as_object_mut() {
        o.insert("account_id".into(), json!(m.account_id));
        o.insert("updated_at".into(), json!(iso(m.updated_at)));
        o.insert("additional_attributes".into(), m.additional_attributes.clone());
        o.insert("external_source_ids".into(), json!({}));
        o.insert("processed_message_content".into(), json!(m.content));
        o.insert("sentiment".into(), json!({}));
        o.insert(
            "conversation".into(),
            json!({
                "assignee_id": conv.assignee_id,
                "assignee_agent_bot_id": conv.assignee_agent_bot_id,
                "unread_count": unread,
                "last_activity_at": unix_secs(conv.last_activity_at),
                "contact_inbox": { "source_id": ci.source_id },
            }),
        );
    }
    v
}

/// The `message_created` / `message_updated` webhook payload.
pub fn message_webhook(
    event: &str,
    m: &Message,
    sender: &Sender,
    view: &ConvView,
    inbox: &Inbox,
    account: &Account,
) -> Value {
    json!({
        "event": event,
        "id": m.id,
        "content": m.content,
        "content_type": m.content_type().as_str(),
        "content_attributes": m.content_attributes,
        "message_type": m.message_type().as_str(),
        "private": m.private,
        "source_id": m.source_id,
        "created_at": iso(m.created_at),
        "additional_attributes": m.additional_attributes,
        "sender": sender.webhook(account),
        "conversation": view.push(),
        "inbox": { "id": inbox.id, "name": inbox.name },
        "account": { "id": account.id, "name": account.name },
        "attachments": [],
        "echo_id": m.echo_id,
    })
}

/// A `conversation_*` webhook payload: push data + event (+ changed_attributes).
pub fn conversation_webhook(
    event: &str,
    view: &ConvView,
    account: &Account,
    inbox: &Inbox,
    changed: Option<&Value>,
) -> Value {
    let mut v = view.push();
    if let Some(o) = v.as_object_mut() {
        o.insert("event".into(), json!(event));
        o.insert("inbox".into(), json!({ "id": inbox.id, "name": inbox.name }));
        o.insert("account".into(), json!({ "id": account.id, "name": account.name }));
        if let Some(ch) = changed {
            o.insert("changed_attributes".into(), ch.clone());
        } else if event == "conversation_status_changed" {
            o.insert("changed_attributes".into(), Value::Null);
        }
    }
    v
}

/// Whether a message type may be seen by the contact.
pub fn contact_visible(m: &Message) -> bool {
    !m.private && m.message_type() != MessageType::Activity
}

pub fn status_str(s: i16) -> &'static str {
    ConversationStatus::from_code(s).map(|s| s.as_str()).unwrap_or("open")
}

pub fn secs_opt(t: Option<i64>) -> Value {
    secs_or_null(t)
}

/// Sets `key` on a JSON object, turning anything else into an object first
/// (indexing a non-object `Value` mutably would panic).
pub fn set_key(v: &mut Value, key: &str, val: Value) {
    if !v.is_object() {
        *v = Value::Object(Map::new());
    }
    if let Some(o) = v.as_object_mut() {
        o.insert(key.to_string(), val);
    }
}

/// A message as the Client and Widget APIs show it to the contact.
pub fn message_public(m: &Message, sender: &Sender, display_id: i64) -> Value {
    let mut v = json!({
        "id": m.id,
        "content": m.content,
        "message_type": m.message_type,
        "content_type": m.content_type().as_str(),
        "content_attributes": m.content_attributes,
        "created_at": unix_secs(m.created_at),
        "conversation_id": display_id,
        "status": m.status().as_str(),
        "attachments": [],
        "sender": match sender {
            Sender::User(u) => json!({ "id": u.id, "name": u.available_name(), "available_name": u.available_name(), "avatar_url": u.avatar_url.clone().unwrap_or_default(), "thumbnail": u.avatar_url.clone().unwrap_or_default(), "type": "user" }),
            Sender::Contact(c) => json!({ "id": c.id, "name": c.name, "email": c.email, "phone_number": c.phone_number, "thumbnail": c.avatar_url.clone().unwrap_or_default(), "type": "contact" }),
            Sender::Bot(b) => json!({ "id": b.id, "name": b.name, "available_name": b.name, "avatar_url": b.avatar_url.clone().unwrap_or_default(), "thumbnail": b.avatar_url.clone().unwrap_or_default(), "type": "agent_bot" }),
            Sender::None => Value::Null,
        },
    });
    if let Some(e) = &m.echo_id {
        v["echo_id"] = json!(e);
    }
    v
}

/// The contact as the Client API returns it.
pub fn contact_public(c: &Contact, ci: &ContactInbox) -> Value {
    json!({
        "id": c.id,
        "source_id": ci.source_id,
        "pubsub_token": ci.pubsub_token,
        "name": c.name,
        "email": visitor_detail(c, &c.email, crate::public::CLAIMED_EMAIL),
        "phone_number": visitor_detail(c, &c.phone_number, crate::public::CLAIMED_PHONE),
        "identifier": visitor_detail(c, &c.identifier, crate::public::CLAIMED_IDENTIFIER),
        "custom_attributes": c.custom_attributes,
    })
}

/// A detail of a visitor's contact as the visitor sees it: the contact's
/// own, else what the visitor claimed (it gave it; the contact could not
/// take it because it is unproven or another contact's).
pub fn visitor_detail(c: &Contact, own: &Option<String>, claimed: &str) -> Value {
    match own {
        Some(v) => json!(v),
        None => c.additional_attributes.get(claimed).cloned().unwrap_or(Value::Null),
    }
}
