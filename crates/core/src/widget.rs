//! The Widget API of website inboxes (`/api/v1/widget/...`). A visitor is
//! identified by a signed token (a JWT, HS256, carrying its source_id and
//! inbox, valid 180 days), which the widget keeps and sends back as
//! `X-Auth-Token`.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use switchboard_domain::time::{now_micros, unix_secs};
use switchboard_domain::{ChannelType, ConversationStatus, EventKind};
use switchboard_store::{Conversation, Inbox};

use crate::auth::random_token;
use crate::params::Params;
use crate::present;
use crate::public::{CLAIMED_EMAIL, CLAIMED_IDENTIFIER, CLAIMED_PHONE, Visitor, claim, identifier_hash_ok};
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, views};

/// How long a widget token is valid.
pub const WIDGET_TOKEN_SECS: i64 = 180 * 24 * 3600;

/// An HS256 JWT over `claims`.
pub fn jwt_encode(key: &[u8], claims: &Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let signing = format!("{header}.{payload}");
    let sig = match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(signing.as_bytes());
            URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    };
    format!("{signing}.{sig}")
}

/// The claims of a valid, unexpired HS256 JWT signed with `key`.
pub fn jwt_decode(key: &[u8], token: &str, now_secs: i64) -> Option<Value> {
    if token.len() > 4096 {
        return None;
    }
    let mut parts = token.split('.');
    let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(h).ok()?).ok()?;
    if header.get("alg")?.as_str()? != "HS256" {
        return None;
    }
    let sig = URL_SAFE_NO_PAD.decode(s).ok()?;
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(format!("{h}.{p}").as_bytes());
    mac.verify_slice(&sig).ok()?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(p).ok()?).ok()?;
    if claims
        .get("exp")
        .and_then(Value::as_i64)
        .is_some_and(|exp| exp <= now_secs)
    {
        return None;
    }
    Some(claims)
}

fn widget_contact_json(v: &Visitor) -> Value {
    json!({
        "id": v.contact.id,
        "name": v.contact.name,
        "email": present::visitor_detail(&v.contact, &v.contact.email, CLAIMED_EMAIL),
        "phone_number": present::visitor_detail(&v.contact, &v.contact.phone_number, CLAIMED_PHONE),
        "identifier": present::visitor_detail(&v.contact, &v.contact.identifier, CLAIMED_IDENTIFIER),
        "pubsub_token": v.ci.pubsub_token,
        "custom_attributes": v.contact.custom_attributes,
    })
}

fn cfg(i: &Inbox, key: &str, default: Value) -> Value {
    i.channel_config.get(key).cloned().unwrap_or(default)
}

fn setting(i: &Inbox, key: &str, default: Value) -> Value {
    i.settings.get(key).cloned().unwrap_or(default)
}

impl Core {
    pub(crate) async fn widget_key_init(self: &Arc<Self>) -> CoreResult<()> {
        self.widget_key().await.map(|_| ())
    }

    /// The key that signs widget tokens: generated once per installation.
    async fn widget_key(self: &Arc<Self>) -> CoreResult<&str> {
        let key = self
            .secret_key_base
            .get_or_try_init(|| async {
                let mut tx = self.store.write().await?;
                let k = tx.instance_secret("secret_key_base", &random_token(64)).await?;
                tx.commit().await?;
                Ok::<String, CoreError>(k)
            })
            .await?;
        Ok(key.as_str())
    }

    pub async fn widget_token(self: &Arc<Self>, v: &Visitor) -> CoreResult<String> {
        let now = unix_secs(now_micros());
        let claims =
            json!({ "source_id": v.ci.source_id, "inbox_id": v.inbox.id, "iat": now, "exp": now + WIDGET_TOKEN_SECS });
        Ok(jwt_encode(self.widget_key().await?.as_bytes(), &claims))
    }

    /// The website inbox with this `website_token`.
    pub async fn widget_inbox(self: &Arc<Self>, website_token: &str) -> CoreResult<Inbox> {
        if website_token.is_empty() || website_token.len() > 128 {
            return Err(CoreError::NotFound);
        }
        let mut tx = self.store.read().await?;
        tx.find_inbox_by_key(ChannelType::WEB_WIDGET.code(), website_token)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// The visitor a widget token names (404 for a bad or foreign token, as Chatwoot).
    pub async fn widget_visitor(self: &Arc<Self>, inbox: Inbox, token: &str) -> CoreResult<Visitor> {
        let claims = jwt_decode(self.widget_key().await?.as_bytes(), token, unix_secs(now_micros()))
            .ok_or(CoreError::NotFound)?;
        if claims.get("inbox_id").and_then(Value::as_i64) != Some(inbox.id) {
            return Err(CoreError::NotFound);
        }
        let sid = claims
            .get("source_id")
            .and_then(Value::as_str)
            .ok_or(CoreError::NotFound)?
            .to_string();
        self.visitor_in(inbox, &sid).await
    }

    /// `POST /config`: the widget's settings, and the visitor (created when
    /// the widget brings no valid token).
    pub async fn widget_config(self: &Arc<Self>, inbox: Inbox, token: Option<&str>) -> CoreResult<Value> {
        let existing = match token {
            Some(t) if !t.is_empty() => self.widget_visitor(inbox.clone(), t).await.ok(),
            _ => None,
        };
        let v = match existing {
            Some(v) => v,
            None => {
                let (contact, ci) = self.enroll_visitor(&inbox, &json!({}), true).await?;
                Visitor {
                    inbox: inbox.clone(),
                    ci,
                    contact,
                }
            }
        };
        let auth_token = self.widget_token(&v).await?;
        let i = &inbox;
        Ok(json!({
            "website_channel_config": {
                "auth_token": auth_token,
                "website_token": i.channel_key,
                "website_name": i.name,
                "avatar_url": setting(i, "avatar_url", json!("")),
                "widget_color": cfg(i, "widget_color", json!("#1f93ff")),
                "welcome_title": cfg(i, "welcome_title", json!("")),
                "welcome_tagline": cfg(i, "welcome_tagline", json!("")),
                "reply_time": cfg(i, "reply_time", json!("in_a_few_minutes")),
                "enabled_features": cfg(i, "selected_feature_flags", json!(["attachments", "emoji_picker", "end_conversation"])),
                "pre_chat_form_enabled": cfg(i, "pre_chat_form_enabled", json!(false)),
                "pre_chat_form_options": cfg(i, "pre_chat_form_options", json!({})),
                "hmac_mandatory": cfg(i, "hmac_mandatory", json!(false)),
                "working_hours_enabled": setting(i, "working_hours_enabled", json!(false)),
                "working_hours": setting(i, "working_hours", json!([])),
                "timezone": setting(i, "timezone", json!("UTC")),
                "out_of_office_message": setting(i, "out_of_office_message", Value::Null),
                "greeting_enabled": setting(i, "greeting_enabled", json!(false)),
                "greeting_message": setting(i, "greeting_message", Value::Null),
                "csat_survey_enabled": setting(i, "csat_survey_enabled", json!(false)),
                "allow_messages_after_resolved": setting(i, "allow_messages_after_resolved", json!(true)),
            },
            "contact": widget_contact_json(&v),
            "global_config": { "brand_name": "Switchboard" },
        }))
    }

    pub fn widget_contact(&self, v: &Visitor) -> Value {
        widget_contact_json(v)
    }

    pub async fn widget_update_contact(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        self.public_update_contact(v, body).await?;
        let fresh = self.visitor_in(v.inbox.clone(), &v.ci.source_id).await?;
        Ok(widget_contact_json(&fresh))
    }

    /// `PATCH /contact/set_user`: the site tells who its visitor is. With a
    /// hash (mandatory when the inbox says so) the identity is verified: the
    /// visitor joins the contact with that identifier (a new contact inbox
    /// and token) or its own contact takes it. Without one the identifier
    /// is only claimed on the visitor's own contact, which never joins
    /// another. Naming a different identifier than before starts a new
    /// contact and token (another person on the same browser).
    pub async fn widget_set_user(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        let ident = p.req_str("identifier")?;
        if ident.is_empty() || ident.len() > 255 {
            return Err(CoreError::invalid("identifier", "identifier is invalid"));
        }
        let hash = p.str("identifier_hash")?.filter(|s| !s.is_empty());
        let mandatory = v
            .inbox
            .channel_config
            .get("hmac_mandatory")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let verified = match &hash {
            Some(h) if identifier_hash_ok(&v.inbox.hmac_token, &ident, h) => true,
            Some(_) => {
                return Err(CoreError::Unauthorized(
                    "HMAC failed: Invalid Identifier Hash Provided".into(),
                ));
            }
            None if mandatory => {
                return Err(CoreError::Unauthorized(
                    "HMAC failed: Invalid Identifier Hash Provided".into(),
                ));
            }
            None => false,
        };
        let current = v.contact.identifier.clone().or_else(|| {
            v.contact
                .additional_attributes
                .get(CLAIMED_IDENTIFIER)
                .and_then(Value::as_str)
                .map(str::to_string)
        });
        let owner = if verified {
            let mut tx = self.store.read().await?;
            tx.find_contact_by(v.inbox.account_id, switchboard_store::ContactKey::Identifier, &ident)
                .await?
        } else {
            None
        };
        let switch = match (&owner, &current) {
            (Some(o), _) => o.id != v.contact.id,
            (None, Some(c)) => *c != ident,
            (None, None) => false,
        };
        if switch {
            let (contact, ci) = self.enroll_visitor(&v.inbox, body, false).await?;
            let nv = Visitor {
                inbox: v.inbox.clone(),
                ci,
                contact,
            };
            let mut out = widget_contact_json(&nv);
            out["widget_auth_token"] = json!(self.widget_token(&nv).await?);
            return Ok(out);
        }
        let mut update = body.clone();
        if let Some(o) = update.as_object_mut() {
            o.remove("identifier_hash");
        }
        self.public_update_contact(v, &update).await?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let mut c = w.tx().require_contact(v.contact.account_id, v.contact.id).await?;
        if c.identifier.is_none() {
            let before = present::contact(&c);
            if verified {
                claim(&mut w, &mut c, switchboard_store::ContactKey::Identifier, ident).await?;
            } else {
                present::set_key(&mut c.additional_attributes, CLAIMED_IDENTIFIER, json!(ident));
            }
            c.updated_at = w.now;
            w.tx().update_contact(&c).await?;
            let changed = crate::inboxes::changed_keys(&before, &present::contact(&c));
            if changed.as_array().is_some_and(|a| !a.is_empty()) {
                self.contact_events(&mut w, &c, EventKind::ContactUpdated, Some(changed))
                    .await?;
            }
        }
        if verified && !v.ci.hmac_verified {
            w.tx().set_contact_inbox_verified(v.ci.id, true).await?;
        }
        w.commit().await?;
        let fresh = self.visitor_in(v.inbox.clone(), &v.ci.source_id).await?;
        Ok(widget_contact_json(&fresh))
    }

    /// The visitor's latest conversation in this inbox, if any.
    async fn widget_current(self: &Arc<Self>, v: &Visitor) -> CoreResult<Option<Conversation>> {
        let mut tx = self.store.read().await?;
        Ok(tx.latest_conversation(v.ci.id, &[]).await?)
    }

    async fn widget_current_or_404(self: &Arc<Self>, v: &Visitor) -> CoreResult<Conversation> {
        self.widget_current(v).await?.ok_or(CoreError::NotFound)
    }

    pub async fn widget_conversation(self: &Arc<Self>, v: &Visitor) -> CoreResult<Value> {
        Ok(match self.widget_current(v).await? {
            Some(c) => json!({
                "id": c.display_id,
                "inbox_id": c.inbox_id,
                "contact_last_seen_at": c.contact_last_seen_at.map(unix_secs).unwrap_or(0),
                "status": c.status().as_str(),
            }),
            None => json!({}),
        })
    }

    /// `POST /conversations`: a conversation started from the widget, with
    /// the pre-chat details and a first message.
    pub async fn widget_create_conversation(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body);
        if let Some(c) = body.get("contact").filter(|c| c.is_object()) {
            self.public_update_contact(v, c).await?;
        }
        let custom = p
            .object("custom_attributes")?
            .map(Value::Object)
            .unwrap_or_else(|| json!({}));
        let message = body
            .get("message")
            .filter(|m| m.is_object())
            .cloned()
            .unwrap_or_else(|| json!({}));
        let referer = Params::new(&message).str("referer_url")?.filter(|u| u.len() <= 2048);
        let additional = json!({ "referer": referer });
        let conv = self.start_conversation(v, custom, additional).await?;
        if Params::new(&message)
            .str("content")?
            .is_some_and(|c| !c.trim().is_empty())
        {
            self.visitor_message(v, &conv, &message, Vec::new()).await?;
        }
        // Chatwoot's answer to this call also carries the conversation's
        // messages (its widget reads the first one) and a few more keys.
        let Some(c) = self.widget_current(v).await? else {
            return Err(CoreError::NotFound);
        };
        let messages = self.visitor_message_page(&c, None, None).await?;
        Ok(json!({
            "id": c.display_id,
            "inbox_id": c.inbox_id,
            "contact_last_seen_at": c.contact_last_seen_at.map(unix_secs).unwrap_or(0),
            "status": c.status().as_str(),
            "muted": c.muted,
            "timestamp": unix_secs(c.last_activity_at),
            "messages": messages,
        }))
    }

    /// `POST /messages`: into the current conversation, or a new one when
    /// there is none or it was resolved.
    pub async fn widget_create_message(
        self: &Arc<Self>,
        v: &Visitor,
        body: &Value,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<Value> {
        let r = self.widget_create_message_inner(v, body, files.clone()).await;
        if r.is_err() {
            self.discard(&files).await;
        }
        r
    }

    async fn widget_create_message_inner(
        self: &Arc<Self>,
        v: &Visitor,
        body: &Value,
        files: Vec<switchboard_store::NewAttachment>,
    ) -> CoreResult<Value> {
        crate::messages::check_files(&files, true)?;
        let message = body
            .get("message")
            .filter(|m| m.is_object())
            .cloned()
            .unwrap_or_else(|| body.clone());
        let current = self.widget_current(v).await?;
        let conv = match current {
            Some(c)
                if c.status() != ConversationStatus::Resolved
                    || v.inbox.setting_bool("lock_to_single_conversation", false) =>
            {
                c
            }
            _ => {
                let referer = Params::new(&message).str("referer_url")?.filter(|u| u.len() <= 2048);
                self.start_conversation(v, json!({}), json!({ "referer": referer }))
                    .await?
            }
        };
        self.visitor_message(v, &conv, &message, files).await
    }

    pub async fn widget_messages(
        self: &Arc<Self>,
        v: &Visitor,
        before: Option<i64>,
        after: Option<i64>,
    ) -> CoreResult<Value> {
        let Some(c) = self.widget_current(v).await? else {
            return Ok(json!({ "payload": [] }));
        };
        Ok(json!({ "payload": self.visitor_message_page(&c, before, after).await? }))
    }

    pub async fn widget_update_message(
        self: &Arc<Self>,
        v: &Visitor,
        message_id: i64,
        body: &Value,
    ) -> CoreResult<Value> {
        let c = self.widget_current_or_404(v).await?;
        self.public_update_message(v, c.display_id, message_id, body).await
    }

    pub async fn widget_last_seen(self: &Arc<Self>, v: &Visitor) -> CoreResult<()> {
        let c = self.widget_current_or_404(v).await?;
        self.public_last_seen(v, c.display_id).await.map(|_| ())
    }

    pub async fn widget_typing(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<()> {
        let c = self.widget_current_or_404(v).await?;
        self.public_typing(v, c.display_id, body).await
    }

    /// Ending the conversation from the widget (only with the `end_conversation` feature).
    pub async fn widget_resolve(self: &Arc<Self>, v: &Visitor) -> CoreResult<Value> {
        let enabled = v
            .inbox
            .channel_config
            .get("selected_feature_flags")
            .and_then(Value::as_array)
            .map(|a| a.iter().any(|f| f == "end_conversation"))
            .unwrap_or(true);
        if !enabled {
            return Err(CoreError::forbidden());
        }
        let c = self.widget_current_or_404(v).await?;
        self.public_resolve(v, c.display_id).await?;
        self.widget_conversation(v).await
    }

    /// The inbox's agents as the widget shows them (name, avatar, availability).
    pub async fn widget_inbox_members(self: &Arc<Self>, v: &Visitor) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let ids = tx.list_inbox_members(v.inbox.id).await?;
        let users = tx.list_account_users(v.inbox.account_id).await?;
        let list: Vec<Value> = users
            .iter()
            .filter(|(u, _)| ids.contains(&u.id))
            .map(|(u, au)| {
                json!({
                    "id": u.id,
                    "name": u.available_name(),
                    "avatar_url": u.avatar_url.clone().unwrap_or_default(),
                    "availability_status": present::availability(Some(au)),
                })
            })
            .collect();
        Ok(json!({ "payload": list }))
    }

    /// `POST /events {name: "webwidget.triggered", event_info}` reaches webhooks.
    pub async fn widget_event(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<()> {
        let p = Params::new(body);
        let name = p.req_str("name")?;
        if name != "webwidget.triggered" {
            return Err(CoreError::invalid("name", "Unknown event"));
        }
        let info = match p.raw("event_info") {
            Some(o @ Value::Object(_)) if o.to_string().len() <= 8192 => o.clone(),
            None | Some(Value::Null) => json!({}),
            _ => {
                return Err(CoreError::invalid(
                    "event_info",
                    "event_info must be an object of at most 8 KiB",
                ));
            }
        };
        let current = self.widget_current(v).await?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let ev = w
            .emit(
                switchboard_domain::Event::new(
                    EventKind::WebwidgetTriggered,
                    v.inbox.account_id,
                    // Never sent to clients (its audience is nobody): what
                    // the inbox's bot hears of it.
                    json!({
                        "source_id": v.ci.source_id,
                        "contact_inbox_id": v.ci.id,
                        "event_info": info,
                        "current_conversation_id": current.as_ref().map(|c| c.id),
                    }),
                )
                .inbox(Some(v.inbox.id))
                .contact(Some(v.contact.id))
                .private(true),
            )
            .await?;
        if w.wants_webhook(v.inbox.account_id, Some(&v.inbox), "webwidget_triggered")
            .await?
        {
            let account = w.tx().require_account(v.inbox.account_id).await?;
            let current_conversation = match current {
                Some(c) => views::conv_view(&self.channels, w.tx(), c).await?.push(),
                None => Value::Null,
            };
            let payload = json!({
                "event": "webwidget_triggered",
                "id": v.ci.id,
                "contact": present::contact_webhook(&v.contact, &account),
                "inbox": { "id": v.inbox.id, "name": v.inbox.name },
                "account": { "id": account.id, "name": account.name },
                "current_conversation": current_conversation,
                "source_id": v.ci.source_id,
                "event_info": info,
            });
            w.webhook(
                ev,
                v.inbox.account_id,
                Some(&v.inbox),
                "webwidget_triggered",
                &payload,
                None,
            )
            .await?;
        }
        w.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jwt_round_trip_and_tampering() {
        let key = b"k";
        let t = jwt_encode(key, &json!({ "source_id": "s", "inbox_id": 1, "exp": 2_000 }));
        assert_eq!(jwt_decode(key, &t, 1_000).unwrap()["source_id"], "s");
        assert!(jwt_decode(key, &t, 2_000).is_none(), "expired");
        assert!(jwt_decode(b"other", &t, 1_000).is_none(), "wrong key");
        let mut parts: Vec<&str> = t.split('.').collect();
        let forged = URL_SAFE_NO_PAD.encode(json!({ "source_id": "victim", "inbox_id": 1, "exp": 2_000 }).to_string());
        parts[1] = &forged;
        assert!(jwt_decode(key, &parts.join("."), 1_000).is_none(), "payload swapped");
        let none_alg = format!("{}.{}.", URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#), forged);
        assert!(jwt_decode(key, &none_alg, 1_000).is_none(), "alg none");
        assert!(jwt_decode(key, "a.b", 1_000).is_none());
        assert!(jwt_decode(key, "", 1_000).is_none());
    }
}
