//! Inboxes (API and website-widget channels) and their members.

use std::sync::Arc;

use serde_json::{Map, Value, json};
use switchboard_domain::Event;
use switchboard_domain::validate;
use switchboard_domain::{ChannelType, EventKind};
use switchboard_store::{Inbox, User};

use crate::auth::{AccountCtx, random_token};
use crate::params::Params;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

/// Inbox settings common to every channel, with the kind of value each takes.
const COMMON_SETTINGS: &[(&str, Kind)] = &[
    ("greeting_enabled", Kind::Bool),
    ("greeting_message", Kind::Text),
    ("enable_email_collect", Kind::Bool),
    ("csat_survey_enabled", Kind::Bool),
    ("csat_config", Kind::Object),
    ("enable_auto_assignment", Kind::Bool),
    ("auto_assignment_config", Kind::Object),
    ("working_hours_enabled", Kind::Bool),
    ("working_hours", Kind::Array),
    ("out_of_office_message", Kind::Text),
    ("timezone", Kind::Text),
    ("allow_messages_after_resolved", Kind::Bool),
    ("lock_to_single_conversation", Kind::Bool),
    ("sender_name_type", Kind::Text),
    ("business_name", Kind::Text),
    ("avatar_url", Kind::Text),
];

const API_FIELDS: &[(&str, Kind)] = &[("hmac_mandatory", Kind::Bool), ("additional_attributes", Kind::Object)];

const WIDGET_FIELDS: &[(&str, Kind)] = &[
    ("website_url", Kind::Text),
    ("widget_color", Kind::Text),
    ("welcome_title", Kind::Text),
    ("welcome_tagline", Kind::Text),
    ("reply_time", Kind::Text),
    ("pre_chat_form_enabled", Kind::Bool),
    ("pre_chat_form_options", Kind::Object),
    ("continuity_via_email", Kind::Bool),
    ("hmac_mandatory", Kind::Bool),
    ("allowed_domains", Kind::Text),
    ("selected_feature_flags", Kind::Array),
];

/// An e-mail inbox's mail servers (Chatwoot's names). Passwords are kept
/// when an update leaves them empty and are never shown back.
const EMAIL_FIELDS: &[(&str, Kind)] = &[
    ("imap_enabled", Kind::Bool),
    ("imap_address", Kind::Text),
    ("imap_port", Kind::Port),
    ("imap_login", Kind::Text),
    ("imap_password", Kind::Text),
    ("imap_enable_ssl", Kind::Bool),
    ("imap_folder", Kind::Text),
    ("smtp_enabled", Kind::Bool),
    ("smtp_address", Kind::Text),
    ("smtp_port", Kind::Port),
    ("smtp_login", Kind::Text),
    ("smtp_password", Kind::Text),
    ("smtp_domain", Kind::Text),
    ("smtp_enable_starttls_auto", Kind::Bool),
    ("smtp_enable_ssl_tls", Kind::Bool),
    ("smtp_authentication", Kind::Text),
    ("smtp_openssl_verify_mode", Kind::Text),
];

/// How a mailbox's reading went, for administrators.
fn mail_status(c: &switchboard_store::MailCursor) -> Value {
    json!({
        "polled_at": c.polled_at / 1_000_000,
        "last_error": c.last_error,
        "last_uid": c.last_uid,
    })
}

/// The settings that name the mailbox read over IMAP.
const MAILBOX_KEYS: &[&str] = &["imap_address", "imap_port", "imap_login", "imap_folder"];

/// Copies an e-mail inbox's server settings from `channel` into `config`.
fn email_fields(channel: &Value, config: &mut Map<String, Value>) -> CoreResult<()> {
    let mut incoming = channel.as_object().cloned().unwrap_or_default();
    for key in ["imap_password", "smtp_password"] {
        if incoming.get(key).and_then(Value::as_str) == Some("") && config.contains_key(key) {
            incoming.remove(key);
        }
    }
    copy_fields(&Value::Object(incoming), EMAIL_FIELDS, config)?;
    for key in ["imap_address", "smtp_address"] {
        if let Some(Value::String(h)) = config.get(key)
            && (h.len() > 253 || h.contains(['/', ' ', '@', ':']) && !h.starts_with('['))
        {
            return Err(CoreError::invalid(key, format!("{key} must be a host name")));
        }
    }
    if let Some(Value::String(m)) = config.get("smtp_openssl_verify_mode")
        && !["none", "peer", "client_once", "fail_if_no_peer_cert"].contains(&m.as_str())
    {
        return Err(CoreError::invalid(
            "smtp_openssl_verify_mode",
            "smtp_openssl_verify_mode is not included in the list",
        ));
    }
    let on = |k: &str| config.get(k).and_then(Value::as_bool) == Some(true);
    if on("imap_enabled") && config.get("imap_address").is_none() {
        return Err(CoreError::invalid(
            "imap_address",
            "imap_address can't be blank when IMAP is enabled",
        ));
    }
    if on("smtp_enabled") && config.get("smtp_address").is_none() {
        return Err(CoreError::invalid(
            "smtp_address",
            "smtp_address can't be blank when SMTP is enabled",
        ));
    }
    Ok(())
}

#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Text,
    Object,
    Array,
    /// A TCP port, 1-65535.
    Port,
}

const MAX_SETTING_TEXT: usize = 10_000;

fn copy_fields(src: &Value, fields: &[(&str, Kind)], into: &mut Map<String, Value>) -> CoreResult<()> {
    let p = Params::new(src);
    for (key, kind) in fields {
        if !p.has(key) {
            continue;
        }
        let v = match kind {
            Kind::Bool => p.bool(key)?.map(Value::Bool),
            Kind::Text => match p.str(key)? {
                Some(s) if s.chars().count() > MAX_SETTING_TEXT => {
                    return Err(CoreError::invalid(key, format!("{key} is too long")));
                }
                s => s.map(Value::String),
            },
            Kind::Object => match p.raw(key) {
                Some(Value::Null) | None => None,
                Some(o @ Value::Object(_)) => Some(o.clone()),
                Some(_) => return Err(CoreError::invalid(key, format!("{key} must be an object"))),
            },
            Kind::Array => match p.raw(key) {
                Some(Value::Null) | None => None,
                Some(a @ Value::Array(_)) => Some(a.clone()),
                Some(_) => return Err(CoreError::invalid(key, format!("{key} must be a list"))),
            },
            Kind::Port => match p.i64(key)? {
                None => None,
                Some(n) if (1..=65535).contains(&n) => Some(json!(n)),
                Some(_) => return Err(CoreError::invalid(key, format!("{key} must be a port from 1 to 65535"))),
            },
        };
        match v {
            Some(v) => into.insert(key.to_string(), v),
            None => into.remove(*key),
        };
    }
    if let Some(Value::String(tz)) = into.get("reply_time")
        && !["in_a_few_minutes", "in_a_few_hours", "in_a_day"].contains(&tz.as_str())
    {
        return Err(CoreError::invalid(
            "reply_time",
            "reply_time is not included in the list",
        ));
    }
    if let Some(hours) = into.get("working_hours") {
        let days: Vec<switchboard_domain::rules::WorkingDay> = serde_json::from_value(hours.clone())
            .map_err(|_| CoreError::invalid("working_hours", "working_hours must be a list of days"))?;
        let ok = days.iter().all(|d| {
            d.day_of_week <= 6
                && d.open_hour.is_none_or(|h| h <= 23)
                && d.close_hour.is_none_or(|h| h <= 24)
                && d.open_minutes.is_none_or(|m| m <= 59)
                && d.close_minutes.is_none_or(|m| m <= 59)
        });
        if !ok {
            return Err(CoreError::invalid(
                "working_hours",
                "working_hours has a day or time out of range",
            ));
        }
    }
    if let Some(Value::String(tz)) = into.get("timezone")
        && jiff::tz::TimeZone::get(tz).is_err()
    {
        return Err(CoreError::invalid("timezone", "timezone is not a known time zone"));
    }
    if let Some(Value::String(c)) = into.get("widget_color")
        && !(c.starts_with('#') && c.len() <= 9 && c[1..].chars().all(|x| x.is_ascii_hexdigit()))
    {
        return Err(CoreError::invalid(
            "widget_color",
            "widget_color must be a hex colour like #1f93ff",
        ));
    }
    Ok(())
}

fn webhook_url(p: &Params<'_>) -> CoreResult<Option<String>> {
    match p.str("webhook_url")? {
        None => Ok(None),
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) => validate::http_url(&s)
            .map(Some)
            .map_err(|m| CoreError::invalid("webhook_url", m)),
    }
}

impl Core {
    pub async fn list_inboxes(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        let member = if ctx.is_admin() { None } else { Some(ctx.user.id) };
        let list = tx.list_inboxes(ctx.account_id(), member).await?;
        Ok(list
            .iter()
            .map(|i| present::inbox(i, self.public_url(), ctx.is_admin()))
            .collect())
    }

    /// An inbox the caller may see (agents: only inboxes they are a member of).
    pub async fn visible_inbox(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Inbox> {
        let mut tx = self.store.read().await?;
        let inbox = tx.get_inbox(ctx.account_id(), id).await?.ok_or(CoreError::NotFound)?;
        if !ctx.is_admin() && !tx.is_inbox_member(inbox.id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        Ok(inbox)
    }

    pub async fn get_inbox(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let inbox = self.visible_inbox(ctx, id).await?;
        let mut v = present::inbox(&inbox, self.public_url(), ctx.is_admin());
        // How the mailbox's last read went, for administrators to see.
        if inbox.channel() == ChannelType::Email && ctx.is_admin() {
            let cursor = self.store.read().await?.get_mail_cursor(inbox.id).await?;
            v["imap_status"] = cursor.as_ref().map(mail_status).unwrap_or(Value::Null);
        }
        Ok(v)
    }

    pub async fn create_inbox(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body);
        let name = p.req_str("name")?;
        if name.chars().count() > validate::MAX_NAME_LEN {
            return Err(CoreError::invalid("name", "name is too long"));
        }
        let channel = body
            .get("channel")
            .filter(|c| c.is_object())
            .ok_or_else(|| CoreError::invalid("channel", "channel can't be blank"))?;
        let cp = Params::new(channel);
        let ctype = cp.req_str("type")?;
        let channel_type = ChannelType::parse(&ctype)
            .ok_or_else(|| CoreError::invalid("channel", format!("Invalid channel type: {ctype}")))?;
        let mut settings = Map::new();
        copy_fields(body, COMMON_SETTINGS, &mut settings)?;
        let mut config = Map::new();
        let secret = random_token(32);
        let (key, hook) = match channel_type {
            ChannelType::Api => {
                copy_fields(channel, API_FIELDS, &mut config)?;
                (random_token(24), webhook_url(&cp)?)
            }
            ChannelType::WebWidget => {
                copy_fields(channel, WIDGET_FIELDS, &mut config)?;
                (random_token(24), None)
            }
            ChannelType::Telegram => {
                // The token is checked with Telegram before anything is written;
                // the webhook is set once the inbox exists (below).
                let token = cp.req_str("bot_token")?.trim().to_string();
                if !crate::channels::telegram::valid_token(&token) {
                    return Err(CoreError::invalid("bot_token", "bot_token is not a Telegram bot token"));
                }
                let (bot_id, bot_name, username) = crate::channels::telegram::get_me(self, &token).await?;
                {
                    let mut tx = self.store.read().await?;
                    if tx
                        .find_inbox_by_key(ChannelType::Telegram.code(), &bot_id.to_string())
                        .await?
                        .is_some()
                    {
                        return Err(CoreError::invalid(
                            "bot_token",
                            "This bot is already connected to an inbox",
                        ));
                    }
                }
                // Telegram is told where to send before anything is written (no
                // transaction waits on it); if it refuses, nothing is kept.
                let url = format!("{}/webhooks/telegram/{bot_id}", self.public_url());
                crate::channels::telegram::set_webhook(self, &token, &url, &secret).await?;
                config.insert("bot_token".into(), json!(token));
                config.insert("bot_name".into(), json!(bot_name));
                config.insert("bot_username".into(), json!(username));
                (bot_id.to_string(), None)
            }
            ChannelType::Whatsapp => {
                let number = crate::channels::whatsapp::digits(&cp.req_str("phone_number")?);
                if !(6..=16).contains(&number.len()) {
                    return Err(CoreError::invalid("phone_number", "phone_number is not a phone number"));
                }
                let provider = cp.str("provider")?.unwrap_or_else(|| "whatsapp_cloud".into());
                if provider != "whatsapp_cloud" {
                    return Err(CoreError::invalid(
                        "provider",
                        "Only the WhatsApp Cloud API (whatsapp_cloud) is available",
                    ));
                }
                let pc = channel
                    .get("provider_config")
                    .filter(|p| p.is_object())
                    .ok_or_else(|| CoreError::invalid("provider_config", "provider_config can't be blank"))?;
                let pp = Params::new(pc);
                let api_key = pp.req_str("api_key")?;
                let phone_number_id = pp.req_str("phone_number_id")?;
                let business_account_id = pp.req_str("business_account_id")?;
                let app_secret = pp.req_str("app_secret")?;
                for (k, v) in [
                    ("phone_number_id", &phone_number_id),
                    ("business_account_id", &business_account_id),
                ] {
                    if v.is_empty() || v.len() > 64 || !v.bytes().all(|b| b.is_ascii_digit()) {
                        return Err(CoreError::invalid(k, format!("{k} must be Meta's numeric id")));
                    }
                }
                let verify = pp
                    .str("webhook_verify_token")?
                    .filter(|t| !t.is_empty())
                    .unwrap_or_else(|| random_token(24));
                {
                    let mut tx = self.store.read().await?;
                    if tx
                        .find_inbox_by_key(ChannelType::Whatsapp.code(), &number)
                        .await?
                        .is_some()
                    {
                        return Err(CoreError::invalid(
                            "phone_number",
                            "This number is already connected to an inbox",
                        ));
                    }
                }
                // Listing the templates checks the credentials, and keeps them.
                let templates =
                    crate::channels::whatsapp::fetch_templates(self, &api_key, &business_account_id).await?;
                config.insert("phone_number".into(), json!(format!("+{number}")));
                config.insert("provider".into(), json!("whatsapp_cloud"));
                config.insert(
                    "provider_config".into(),
                    json!({
                        "api_key": api_key,
                        "phone_number_id": phone_number_id,
                        "business_account_id": business_account_id,
                        "app_secret": app_secret,
                        "webhook_verify_token": verify,
                    }),
                );
                config.insert("message_templates".into(), json!(templates));
                config.insert(
                    "message_templates_last_updated".into(),
                    json!(switchboard_domain::time::now_micros() / 1_000_000),
                );
                (number, None)
            }
            ChannelType::Email => {
                let email = validate::email(&cp.req_str("email")?).map_err(|m| CoreError::invalid("email", m))?;
                {
                    let mut tx = self.store.read().await?;
                    let taken = tx
                        .inboxes_of_type(ChannelType::Email.code())
                        .await?
                        .iter()
                        .any(|i| crate::channels::email::inbox_address(i) == email);
                    if taken {
                        return Err(CoreError::invalid("email", "Email has already been taken"));
                    }
                }
                config.insert("email".into(), json!(email));
                config.insert("provider".into(), json!("other"));
                email_fields(channel, &mut config)?;
                let preview = Inbox {
                    id: 0,
                    account_id: ctx.account_id(),
                    name: name.clone(),
                    channel_type: channel_type.code(),
                    channel_key: String::new(),
                    hmac_token: String::new(),
                    secret: String::new(),
                    webhook_url: None,
                    settings: json!({}),
                    channel_config: Value::Object(config.clone()),
                    created_at: 0,
                    updated_at: 0,
                };
                // A mailbox that cannot be read is refused before anything is kept.
                if preview.channel_config.get("imap_enabled").and_then(Value::as_bool) == Some(true) {
                    self.check_imap(&preview).await?;
                }
                (random_token(24), None)
            }
            other => {
                return Err(CoreError::invalid(
                    "channel",
                    format!("Channel type {other} is not available on this server yet"),
                ));
            }
        };
        let mut w = Work::by(self, ctx).await?;
        let now = w.now;
        let inbox = w
            .tx()
            .insert_inbox(&Inbox {
                id: 0,
                account_id: ctx.account_id(),
                name,
                channel_type: channel_type.code(),
                channel_key: key,
                hmac_token: random_token(24),
                secret,
                webhook_url: hook,
                settings: Value::Object(settings),
                channel_config: Value::Object(config),
                created_at: now,
                updated_at: now,
            })
            .await
            .map_err(|e| match e {
                // Another request took the address since the check above.
                switchboard_store::StoreError::Conflict(c) if c.contains("inboxes_email_address") => {
                    CoreError::invalid("email", "Email has already been taken")
                }
                e => e.into(),
            })?;
        let data = present::inbox(&inbox, self.public_url(), false);
        let ev = w
            .emit(
                Event::new(EventKind::InboxCreated, inbox.account_id, data.clone())
                    .inbox(Some(inbox.id))
                    .private(true),
            )
            .await?;
        if w.wants_webhook(inbox.account_id, None, "inbox_created").await? {
            let mut payload = data;
            payload["event"] = json!("inbox_created");
            w.webhook(ev, inbox.account_id, None, "inbox_created", &payload, None)
                .await?;
        }
        w.commit().await?;
        Ok(present::inbox(&inbox, self.public_url(), true))
    }

    pub async fn update_inbox(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body);
        // New IMAP settings are tried before the transaction (a mailbox that
        // cannot be read is refused, and no lock waits on the network).
        if let Some(channel) = body.get("channel").filter(|c| c.is_object()) {
            let mut preview = self.visible_inbox(ctx, id).await?;
            if preview.channel() == ChannelType::Email {
                let mut config = preview.channel_config.as_object().cloned().unwrap_or_default();
                email_fields(channel, &mut config)?;
                let imap_changed = channel
                    .as_object()
                    .is_some_and(|o| o.keys().any(|k| k.starts_with("imap_")));
                preview.channel_config = Value::Object(config);
                if imap_changed && preview.channel_config.get("imap_enabled").and_then(Value::as_bool) == Some(true) {
                    self.check_imap(&preview).await?;
                }
            }
        }
        let mut w = Work::by(self, ctx).await?;
        let mut inbox = w
            .tx()
            .get_inbox(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let before = present::inbox(&inbox, self.public_url(), false);
        if p.has("name") {
            inbox.name = p.req_str("name")?;
            if inbox.name.chars().count() > validate::MAX_NAME_LEN {
                return Err(CoreError::invalid("name", "name is too long"));
            }
        }
        let mut settings = inbox.settings.as_object().cloned().unwrap_or_default();
        copy_fields(body, COMMON_SETTINGS, &mut settings)?;
        inbox.settings = Value::Object(settings);
        if let Some(channel) = body.get("channel").filter(|c| c.is_object()) {
            let mut config = inbox.channel_config.as_object().cloned().unwrap_or_default();
            match inbox.channel() {
                ChannelType::Api => {
                    copy_fields(channel, API_FIELDS, &mut config)?;
                    if Params::new(channel).has("webhook_url") {
                        inbox.webhook_url = webhook_url(&Params::new(channel))?;
                    }
                }
                ChannelType::WebWidget => copy_fields(channel, WIDGET_FIELDS, &mut config)?,
                ChannelType::Email => {
                    let before: Vec<Option<Value>> = MAILBOX_KEYS.iter().map(|k| config.get(*k).cloned()).collect();
                    email_fields(channel, &mut config)?;
                    // Another mailbox: its UIDs mean nothing to the old
                    // cursor, so it is read again from the start (Message-IDs
                    // keep what was imported from coming twice).
                    if MAILBOX_KEYS
                        .iter()
                        .zip(&before)
                        .any(|(k, b)| config.get(*k) != b.as_ref())
                    {
                        let now = w.now;
                        w.tx()
                            .set_mail_cursor(&switchboard_store::MailCursor {
                                inbox_id: inbox.id,
                                uid_validity: 0,
                                last_uid: 0,
                                polled_at: now,
                                last_error: None,
                            })
                            .await?;
                    }
                }
                _ => {}
            }
            inbox.channel_config = Value::Object(config);
        }
        inbox.updated_at = w.now;
        w.tx().update_inbox(&inbox).await?;
        let data = present::inbox(&inbox, self.public_url(), false);
        let changed = changed_keys(&before, &data);
        let ev = w
            .emit(
                Event::new(EventKind::InboxUpdated, inbox.account_id, data.clone())
                    .inbox(Some(inbox.id))
                    .private(true),
            )
            .await?;
        if w.wants_webhook(inbox.account_id, None, "inbox_updated").await? {
            let mut payload = data;
            payload["event"] = json!("inbox_updated");
            payload["changed_attributes"] = changed;
            w.webhook(ev, inbox.account_id, None, "inbox_updated", &payload, None)
                .await?;
        }
        let cursor = if inbox.channel() == ChannelType::Email {
            w.tx().get_mail_cursor(inbox.id).await?
        } else {
            None
        };
        w.commit().await?;
        let mut v = present::inbox(&inbox, self.public_url(), true);
        if let Some(c) = cursor {
            v["imap_status"] = mail_status(&c);
        }
        Ok(v)
    }

    pub async fn delete_inbox(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        let inbox = tx.get_inbox(ctx.account_id(), id).await?.ok_or(CoreError::NotFound)?;
        if !tx.delete_inbox(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        // The platform stops sending to an inbox that is gone.
        if inbox.channel() == ChannelType::Telegram
            && let Some(token) = inbox.channel_config.get("bot_token").and_then(Value::as_str)
        {
            crate::channels::telegram::delete_webhook(self, token).await;
        }
        Ok(())
    }

    pub async fn inbox_members(self: &Arc<Self>, ctx: &AccountCtx, inbox_id: i64) -> CoreResult<Vec<Value>> {
        let inbox = self.visible_inbox(ctx, inbox_id).await?;
        let mut tx = self.store.read().await?;
        let ids = tx.list_inbox_members(inbox.id).await?;
        let users = tx.list_account_users(ctx.account_id()).await?;
        Ok(users
            .iter()
            .filter(|(u, _)| ids.contains(&u.id))
            .map(|(u, au)| present::agent(u, Some(au)))
            .collect())
    }

    /// `mode`: add the users, remove them, or make them the whole list.
    pub async fn change_inbox_members(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        inbox_id: i64,
        user_ids: &[i64],
        mode: MemberChange,
    ) -> CoreResult<Vec<Value>> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let inbox = w
            .tx()
            .get_inbox(ctx.account_id(), inbox_id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let valid: Vec<User> = w.tx().users_in_account(ctx.account_id(), user_ids).await?;
        if valid.len() != dedup(user_ids).len() {
            return Err(CoreError::NotFound);
        }
        let ids: Vec<i64> = valid.iter().map(|u| u.id).collect();
        let now = w.now;
        match mode {
            MemberChange::Add => w.tx().add_inbox_members(inbox.id, &ids, now).await?,
            MemberChange::Remove => w.tx().remove_inbox_members(inbox.id, &ids).await?,
            MemberChange::Set => {
                let current = w.tx().list_inbox_members(inbox.id).await?;
                let gone: Vec<i64> = current.into_iter().filter(|c| !ids.contains(c)).collect();
                w.tx().remove_inbox_members(inbox.id, &gone).await?;
                w.tx().add_inbox_members(inbox.id, &ids, now).await?;
            }
        }
        let members = w.tx().list_inbox_members(inbox.id).await?;
        let users = w.tx().list_account_users(ctx.account_id()).await?;
        w.commit().await?;
        self.publish_transient(vec![switchboard_domain::Event::new(
            switchboard_domain::EventKind::AccountCacheInvalidated,
            ctx.account_id(),
            json!({ "account_id": ctx.account_id() }),
        )]);
        Ok(users
            .iter()
            .filter(|(u, _)| members.contains(&u.id))
            .map(|(u, au)| present::agent(u, Some(au)))
            .collect())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberChange {
    Add,
    Remove,
    Set,
}

pub(crate) fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// `[{key: {previous_value, current_value}}]` for the keys that differ.
pub(crate) fn changed_keys(before: &Value, after: &Value) -> Value {
    let mut out = Vec::new();
    if let (Some(b), Some(a)) = (before.as_object(), after.as_object()) {
        for (k, av) in a {
            let bv = b.get(k).unwrap_or(&Value::Null);
            if bv != av {
                out.push(json!({ k.clone(): { "previous_value": bv, "current_value": av } }));
            }
        }
    }
    Value::Array(out)
}
