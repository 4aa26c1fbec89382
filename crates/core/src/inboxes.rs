//! Inboxes and their members. The API and website-widget channels are
//! built in; every other channel's settings are checked, kept and shown
//! by its registered channel (`crate::channels`).

use std::sync::Arc;

use serde_json::{Map, Value, json};
use switchboard_domain::Event;
use switchboard_domain::validate;
use switchboard_domain::{ChannelType, EventKind};
use switchboard_store::{Inbox, User};

use crate::auth::{AccountCtx, random_token};
use crate::channels::Cursor;
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
    ("business_hours", Kind::Object),
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

#[derive(Clone, Copy)]
enum Kind {
    Bool,
    Text,
    Object,
    Array,
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
        };
        match v {
            Some(v) => into.insert(key.to_string(), v),
            None => into.remove(*key),
        };
    }
    crate::business_hours::reconcile(into, p.has("business_hours"), p.has("working_hours"))?;
    if let Some(config) = into.get("auto_assignment_config") {
        let config = crate::routing::settings::normalise_config(config)?;
        into.insert("auto_assignment_config".into(), config);
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

/// A store's poll cursor as channels see it.
fn channel_cursor(c: &switchboard_store::MailCursor) -> Cursor {
    Cursor {
        inbox_id: c.inbox_id,
        validity: c.uid_validity,
        position: c.last_uid,
        polled_at: c.polled_at,
        last_error: c.last_error.clone(),
    }
}

impl Core {
    /// The inbox shape (`admin` adds what only administrators see).
    pub fn present_inbox(&self, inbox: &Inbox, admin: bool) -> Value {
        present::inbox(&self.channels, inbox, self.public_url(), admin)
    }

    pub async fn list_inboxes(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        let member = if ctx.is_admin() { None } else { Some(ctx.user.id) };
        let list = tx.list_inboxes(ctx.account_id(), member).await?;
        Ok(list.iter().map(|i| self.present_inbox(i, ctx.is_admin())).collect())
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
        let mut v = self.present_inbox(&inbox, ctx.is_admin());
        // How the inbox's last poll went (a mailbox's), for administrators.
        if ctx.is_admin()
            && let Some(channel) = self.channel_of(&inbox)
            && !channel.periodic().is_empty()
        {
            let cursor = self.store.read().await?.get_mail_cursor(inbox.id).await?;
            if let Some((key, status)) = channel.poll_status(cursor.map(|c| channel_cursor(&c)).as_ref()) {
                v[key] = status;
            }
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
        let mut settings = Map::new();
        copy_fields(body, COMMON_SETTINGS, &mut settings)?;
        let mut config = Map::new();
        let secret = random_token(32);
        let (channel_type, key, hook) = match ChannelType::parse_builtin(&ctype) {
            Some(ChannelType::API) => {
                copy_fields(channel, API_FIELDS, &mut config)?;
                (ChannelType::API, random_token(24), webhook_url(&cp)?)
            }
            Some(builtin) => {
                copy_fields(channel, WIDGET_FIELDS, &mut config)?;
                (builtin, random_token(24), None)
            }
            None => {
                let Some(platform) = self.channels.by_name(&ctype) else {
                    return Err(CoreError::invalid("channel", format!("Invalid channel type: {ctype}")));
                };
                // The channel checks its settings with its platform before
                // anything is written; if that fails, nothing is kept.
                let new = crate::channels::NewInbox {
                    account_id: ctx.account_id(),
                    name: &name,
                    secret: &secret,
                };
                let created = platform.create(self.host(), new, channel).await?;
                config = created.config;
                let key = created.key.unwrap_or_else(|| random_token(24));
                (ChannelType::from_code(platform.code()), key, None)
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
                // Another request took a value the channel keeps unique
                // (an address) since it checked.
                switchboard_store::StoreError::Conflict(c) => self
                    .channels
                    .by_code(channel_type.code())
                    .and_then(|ch| ch.conflict(&c))
                    .map(CoreError::from)
                    .unwrap_or_else(|| switchboard_store::StoreError::Conflict(c).into()),
                e => e.into(),
            })?;
        let data = self.present_inbox(&inbox, false);
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
        Ok(self.present_inbox(&inbox, true))
    }

    pub async fn update_inbox(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body);
        // A platform channel tries its new settings before the transaction
        // (a mailbox that cannot be read is refused, and no lock waits on
        // the network).
        if let Some(channel) = body.get("channel").filter(|c| c.is_object()) {
            let mut preview = self.visible_inbox(ctx, id).await?;
            if let Some(platform) = self.channel_of(&preview) {
                let mut config = preview.channel_config.as_object().cloned().unwrap_or_default();
                platform.apply_update(channel, &mut config)?;
                preview.channel_config = Value::Object(config);
                platform
                    .check_update(self.host(), crate::channels::inbox_ref(&preview), channel)
                    .await?;
            }
        }
        let mut w = Work::by(self, ctx).await?;
        let mut inbox = w
            .tx()
            .get_inbox(ctx.account_id(), id)
            .await?
            .ok_or(CoreError::NotFound)?;
        let before = self.present_inbox(&inbox, false);
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
                ChannelType::API => {
                    copy_fields(channel, API_FIELDS, &mut config)?;
                    if Params::new(channel).has("webhook_url") {
                        inbox.webhook_url = webhook_url(&Params::new(channel))?;
                    }
                }
                ChannelType::WEB_WIDGET => copy_fields(channel, WIDGET_FIELDS, &mut config)?,
                other => {
                    if let Some(platform) = self.channels.by_code(other.code()) {
                        let updated = platform.apply_update(channel, &mut config)?;
                        if updated.reset_cursor {
                            let now = w.now;
                            w.tx()
                                .set_mail_cursor(&crate::channels::store_cursor(&Cursor {
                                    inbox_id: inbox.id,
                                    polled_at: now,
                                    ..Cursor::default()
                                }))
                                .await?;
                        }
                    }
                }
            }
            inbox.channel_config = Value::Object(config);
        }
        inbox.updated_at = w.now;
        w.tx().update_inbox(&inbox).await?;
        // Auto-assignment or its limits may have changed: route again.
        let now = w.now;
        w.job(crate::routing::route_job(inbox.account_id, now)).await?;
        let data = self.present_inbox(&inbox, false);
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
        let polled = self.channel_of(&inbox).filter(|c| !c.periodic().is_empty());
        let cursor = match polled {
            Some(_) => w.tx().get_mail_cursor(inbox.id).await?,
            None => None,
        };
        w.commit().await?;
        let mut v = self.present_inbox(&inbox, true);
        if let (Some(channel), Some(c)) = (polled, cursor)
            && let Some((key, status)) = channel.poll_status(Some(&channel_cursor(&c)))
        {
            v[key] = status;
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
        if let Some(channel) = self.channel_of(&inbox) {
            channel
                .disconnect(self.host(), crate::channels::inbox_ref(&inbox))
                .await;
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
