//! Account resources: the account itself, profile, agents, teams, labels and
//! canned responses.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::time::{iso, now_micros};
use switchboard_domain::{Availability, Event, EventKind, Role, validate};
use switchboard_store::{CannedResponse, Label, StoreError, Team};

use crate::auth::{
    AccountCtx, OWNER_USER, Principal, hash_password_off, random_token, validate_password, verify_password_off,
};
use crate::inboxes::{MemberChange, dedup};
use crate::params::Params;
use crate::require::Require;
use crate::{Core, CoreError, CoreResult, present};

fn taken(attr: &'static str) -> impl Fn(StoreError) -> CoreError {
    move |e| match e {
        StoreError::Conflict(_) => CoreError::invalid(attr, format!("{} has already been taken", capitalise(attr))),
        e => e.into(),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

fn label_json(l: &Label) -> Value {
    json!({
        "id": l.id,
        "title": l.title,
        "description": l.description,
        "color": l.color,
        "show_on_sidebar": l.show_on_sidebar,
    })
}

fn canned_json(c: &CannedResponse) -> Value {
    json!({
        "id": c.id,
        "account_id": c.account_id,
        "short_code": c.short_code,
        "content": c.content,
        // Chatwoot renders the raw rows: ISO-8601 times.
        "created_at": iso(c.created_at),
        "updated_at": iso(c.updated_at),
    })
}

fn colour(p: &Params<'_>) -> CoreResult<Option<String>> {
    match p.str("color")? {
        None => Ok(None),
        Some(c)
            if c.starts_with('#')
                && (c.len() == 7 || c.len() == 4)
                && c[1..].chars().all(|x| x.is_ascii_hexdigit()) =>
        {
            Ok(Some(c))
        }
        Some(_) => Err(CoreError::invalid("color", "Color must be a hex colour like #1f93ff")),
    }
}

/// The largest avatar accepted.
pub const AVATAR_MAX_BYTES: i64 = 5 * 1024 * 1024;

/// The storage key inside one of our avatar URLs (`…/avatars/ab/abcd….png`).
pub fn avatar_key(url: &str) -> Option<String> {
    let tail = url.rsplit_once("/avatars/")?.1;
    let (key, ext) = tail.rsplit_once('.')?;
    (crate::files::FileStore::valid_key(key) && avatar_type(ext).is_some()).then(|| key.to_string())
}

/// Which of Chatwoot's per-account profile settings a call changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileSetting {
    Availability,
    AutoOffline,
    ActiveAccount,
}

impl Core {
    /// Whether `key.ext` is some user's current avatar: only those are served
    /// publicly at `/avatars/...` (attachments share the store, and their keys
    /// must not open them without a signed link).
    pub async fn avatar_served(self: &Arc<Self>, key: &str, ext: &str) -> CoreResult<bool> {
        if !crate::files::FileStore::valid_key(key) || avatar_type(ext).is_none() {
            return Ok(false);
        }
        let mut tx = self.store.read().await?;
        Ok(tx.avatar_in_use(&format!("/avatars/{key}.{ext}")).await?)
    }
}

/// The content type of an avatar by its extension; only pictures.
pub fn avatar_type(ext: &str) -> Option<&'static str> {
    match ext {
        "png" => Some("image/png"),
        "jpg" => Some("image/jpeg"),
        "gif" => Some("image/gif"),
        "webp" => Some("image/webp"),
        _ => None,
    }
}

impl Core {
    pub async fn profile(self: &Arc<Self>, p: &Principal) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let accounts = tx.list_user_accounts(p.user.id).await?;
        let token = tx.get_access_token(OWNER_USER, p.user.id).await?.unwrap_or_default();
        Ok(present::profile(&p.user, &token, &accounts))
    }

    /// `PUT /profile`: name, display name, signature, availability, and a
    /// password change (which ends every other session). The current
    /// password is checked and the new one hashed before the write
    /// transaction opens: Argon2 runs on the blocking pool, never inside a
    /// transaction other writers wait on.
    pub async fn update_profile(self: &Arc<Self>, p: &Principal, body: &Value) -> CoreResult<Value> {
        let params = Params::new(body).nested_or_self("profile");
        let mut revoked = false;
        let new_password = match params.str("password")? {
            Some(new) => {
                let current = params.str("current_password")?.unwrap_or_default();
                let stored = {
                    let mut tx = self.store.read().await?;
                    tx.require_user(p.user.id).await?.password_hash
                };
                if !verify_password_off(&current, &stored).await? {
                    return Err(CoreError::invalid("current_password", "Current password is incorrect"));
                }
                if params.str("password_confirmation")?.is_some_and(|c| c != new) {
                    return Err(CoreError::invalid(
                        "password_confirmation",
                        "Password confirmation doesn't match Password",
                    ));
                }
                validate_password(&new)?;
                Some((hash_password_off(&new).await?, stored))
            }
            None => None,
        };
        let mut tx = self.store.write().await?;
        let mut user = tx.require_user(p.user.id).await?;
        if params.has("name") {
            user.name = crate::invitations::required_name("name", &params.req_str("name")?)?;
        }
        if params.has("display_name") {
            user.display_name = match params.str("display_name")? {
                Some(d) => Some(validate::person_name(&d).map_err(|m| CoreError::invalid("display_name", m))?)
                    .filter(|d| !d.is_empty()),
                None => None,
            };
        }
        if params.has("message_signature") {
            user.message_signature = params.str("message_signature")?;
        }
        if let Some(ui) = params.object("ui_settings")? {
            user.ui_settings = Value::Object(ui);
        }
        if let Some((hash, checked_against)) = new_password {
            // The password changed between the check and now (another tab).
            if user.password_hash != checked_against {
                return Err(CoreError::invalid("current_password", "Current password is incorrect"));
            }
            user.password_hash = hash;
            user.tokens_valid_after = now_micros();
            user.pubsub_token = random_token(24);
            tx.delete_user_sessions(user.id).await?;
            revoked = true;
        }
        let mut presence_in: Vec<i64> = Vec::new();
        if let Some(av) = params.str("availability")? {
            let av = Availability::parse(&av)
                .ok_or_else(|| CoreError::invalid("availability", "availability is not included in the list"))?;
            for (_, mut au) in tx.list_user_accounts(user.id).await? {
                au.availability = av.code();
                tx.update_account_user(&au).await?;
                presence_in.push(au.account_id);
            }
        }
        user.updated_at = now_micros();
        tx.update_user(&user).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        if revoked {
            self.sessions_revoked(user.id);
        }
        self.publish_transient(
            presence_in
                .iter()
                .map(|&a| Event::new(EventKind::PresenceUpdate, a, json!({ "account_id": a })))
                .collect(),
        );
        for a in presence_in {
            self.route_soon(a).await;
        }
        self.profile(&Principal { user }).await
    }

    /// Chatwoot's per-account profile settings, each `{profile: {account_id,
    /// ...}}`: `POST /profile/availability`, `POST /profile/auto_offline`
    /// (both answer the profile) and `PUT /profile/set_active_account`
    /// (answers nothing). An account the user is not a member of is 404.
    pub async fn profile_account_setting(
        self: &Arc<Self>,
        p: &Principal,
        body: &Value,
        setting: ProfileSetting,
    ) -> CoreResult<Option<Value>> {
        let params = Params::new(body).nested_or_self("profile");
        let account_id = params.i64("account_id")?.ok_or(CoreError::NotFound)?;
        let mut tx = self.store.write().await?;
        let mut au = tx.require_account_user(account_id, p.user.id).await?;
        match setting {
            ProfileSetting::Availability => {
                let av = params.req_str("availability")?;
                au.availability = Availability::parse(&av)
                    .ok_or_else(|| CoreError::invalid("availability", "availability is not included in the list"))?
                    .code();
            }
            ProfileSetting::AutoOffline => {
                au.auto_offline = params
                    .bool("auto_offline")?
                    .ok_or_else(|| CoreError::invalid("auto_offline", "auto_offline can't be blank"))?;
            }
            ProfileSetting::ActiveAccount => au.active_at = Some(now_micros()),
        }
        tx.update_account_user(&au).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        if setting == ProfileSetting::ActiveAccount {
            return Ok(None);
        }
        self.publish_transient(vec![Event::new(
            EventKind::PresenceUpdate,
            account_id,
            json!({ "account_id": account_id }),
        )]);
        self.route_soon(account_id).await;
        Ok(Some(self.profile(p).await?))
    }

    /// `PUT /profile` with a picture, or `DELETE /profile/avatar` (`None`):
    /// the user's avatar, served at `/avatars/<key>.<ext>` under the public
    /// URL. Only PNG, JPEG, GIF and WebP up to 5 MB; the previous picture is
    /// deleted once the new one is recorded.
    pub async fn set_avatar(
        self: &Arc<Self>,
        p: &Principal,
        file: Option<switchboard_store::NewAttachment>,
    ) -> CoreResult<Value> {
        let url = match &file {
            Some(f) => {
                let ext = match f.content_type.as_str() {
                    "image/png" => "png",
                    "image/jpeg" => "jpg",
                    "image/gif" => "gif",
                    "image/webp" => "webp",
                    _ => {
                        self.discard(std::slice::from_ref(f)).await;
                        return Err(CoreError::invalid(
                            "avatar",
                            "Avatar must be a PNG, JPEG, GIF or WebP picture",
                        ));
                    }
                };
                if f.file_size > AVATAR_MAX_BYTES {
                    self.discard(std::slice::from_ref(f)).await;
                    return Err(CoreError::invalid("avatar", "Avatar must be at most 5 MB"));
                }
                Some(format!("{}/avatars/{}.{ext}", self.public_url(), f.storage_key))
            }
            None => None,
        };
        let (user, old) = {
            let mut tx = self.store.write().await?;
            let mut user = tx.require_user(p.user.id).await?;
            let old = std::mem::replace(&mut user.avatar_url, url);
            user.updated_at = now_micros();
            tx.update_user(&user).await?;
            tx.commit().await?;
            (user, old)
        };
        self.auth_cache.clear();
        if let Some(key) = old.as_deref().and_then(avatar_key) {
            self.files.delete(&key).await;
        }
        self.profile(&Principal { user }).await
    }

    /// `POST /profile/reset_access_token`: a new API token and a new
    /// real-time token (a stolen one must not keep the live feed); sockets
    /// opened with the old ones close.
    pub async fn reset_access_token(self: &Arc<Self>, p: &Principal) -> CoreResult<Value> {
        self.rotate_tokens(p, false).await
    }

    /// `DELETE /profile/sessions` ("sign out everywhere"): ends every
    /// session, including the caller's, and rotates both tokens.
    pub async fn sign_out_everywhere(self: &Arc<Self>, p: &Principal) -> CoreResult<Value> {
        self.rotate_tokens(p, true).await
    }

    async fn rotate_tokens(self: &Arc<Self>, p: &Principal, sessions: bool) -> CoreResult<Value> {
        let now = now_micros();
        let mut tx = self.store.write().await?;
        let mut user = tx.require_user(p.user.id).await?;
        tx.set_access_token(OWNER_USER, user.id, &random_token(24), now).await?;
        user.pubsub_token = random_token(24);
        if sessions {
            user.tokens_valid_after = now;
            tx.delete_user_sessions(user.id).await?;
        }
        user.updated_at = now;
        tx.update_user(&user).await?;
        tx.commit().await?;
        self.sessions_revoked(user.id);
        self.profile(&Principal { user }).await
    }

    pub async fn get_account(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let a = tx.require_account(ctx.account_id()).await?;
        Ok(present::account(&a))
    }

    pub async fn update_account(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body);
        let mut tx = self.store.write().await?;
        let mut a = tx.require_account(ctx.account_id()).await?;
        if p.has("name") {
            a.name = p.req_str("name")?;
        }
        if let Some(l) = p.str("locale")? {
            a.locale = l;
        }
        if p.has("domain") {
            a.domain = p.str("domain")?;
        }
        if p.has("support_email") {
            a.support_email = match p.str("support_email")? {
                Some(e) if !e.is_empty() => {
                    Some(validate::email(&e).map_err(|m| CoreError::invalid("support_email", m))?)
                }
                _ => None,
            };
        }
        // Chatwoot merges custom attributes, and keeps its top-level
        // `industry`, `company_size` and `timezone` among them.
        let mut custom = p.object("custom_attributes")?.unwrap_or_default();
        for key in ["industry", "company_size", "timezone"] {
            if p.has(key) {
                custom.insert(key.to_string(), p.str(key)?.map(Value::String).unwrap_or(Value::Null));
            }
        }
        if !custom.is_empty() {
            validate::merge_attributes(&mut a.custom_attributes, custom, "custom_attributes")
                .map_err(|m| CoreError::invalid("custom_attributes", m))?;
        }
        let mut settings = a.settings.as_object().cloned().unwrap_or_default();
        crate::auto_resolve::read_settings(body, &mut settings)?;
        a.settings = Value::Object(settings);
        a.updated_at = now_micros();
        tx.update_account(&a).await?;
        tx.commit().await?;
        self.auth_cache.clear();
        Ok(present::account(&a))
    }

    // ---- agents ----

    pub async fn list_agents(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        Ok(tx
            .list_account_users(ctx.account_id())
            .await?
            .iter()
            .map(|(u, au)| present::agent(u, Some(au)))
            .collect())
    }

    pub async fn update_agent(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        // Rails wraps a JSON body under `agent`; either form is accepted.
        let p = Params::new(body).nested_or_self("agent");
        let mut tx = self.store.write().await?;
        let mut au = tx.require_account_user(ctx.account_id(), id).await?;
        let user = tx.require_user(id).await?;
        if let Some(r) = p.str("role")? {
            let role = Role::parse(&r).ok_or_else(|| CoreError::invalid("role", "role is not included in the list"))?;
            // Administrators cannot demote themselves: the account would be
            // left without the person who just locked themselves out.
            if id == ctx.user.id && role.code() != au.role {
                return Err(CoreError::invalid("role", "You cannot change your own role"));
            }
            au.role = role.code();
        }
        if let Some(a) = p.str("availability")? {
            au.availability = Availability::parse(&a)
                .ok_or_else(|| CoreError::invalid("availability", "availability is not included in the list"))?
                .code();
        }
        if let Some(ao) = p.bool("auto_offline")? {
            au.auto_offline = ao;
        }
        // The person (name, e-mail, password, tokens) is theirs to change;
        // an administrator manages only the membership. Values equal to the
        // current ones pass, as clients send back what they read.
        let current_email = user.email.to_lowercase();
        for (attr, current) in [
            ("name", Some(user.name.as_str())),
            ("display_name", user.display_name.as_deref()),
            ("email", Some(current_email.as_str())),
            ("password", None),
        ] {
            if !p.has(attr) {
                continue;
            }
            let given = p.str(attr)?.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
            let given = if attr == "email" {
                given.map(|e| e.to_lowercase())
            } else {
                given
            };
            if attr == "password" || given.as_deref() != current {
                return Err(CoreError::Forbidden(format!(
                    "An agent's {} is changed only by the agent, in their profile",
                    attr.replace('_', " ")
                )));
            }
        }
        tx.update_account_user(&au).await?;
        tx.commit().await?;
        self.membership_changed(ctx.account_id());
        Ok(present::agent(&user, Some(&au)))
    }

    /// After an account's memberships changed (someone joined, a role or an
    /// availability changed): forget cached memberships, and tell sockets to
    /// re-read who may see what and who is online.
    pub(crate) fn membership_changed(&self, account_id: i64) {
        self.auth_cache.clear();
        // Who may take which conversation may have changed: route again.
        if let Some(me) = self.me.upgrade() {
            tokio::spawn(async move { me.route_soon(account_id).await });
        }
        self.publish_transient(vec![
            Event::new(
                EventKind::AccountCacheInvalidated,
                account_id,
                json!({ "account_id": account_id }),
            ),
            Event::new(
                EventKind::PresenceUpdate,
                account_id,
                json!({ "account_id": account_id }),
            ),
        ]);
    }

    pub async fn delete_agent(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        if id == ctx.user.id {
            return Err(CoreError::invalid("id", "You cannot remove yourself from the account"));
        }
        let mut tx = self.store.write().await?;
        if !tx.delete_account_user(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        self.auth_cache.clear();
        self.publish_transient(vec![Event::new(
            EventKind::AccountCacheInvalidated,
            ctx.account_id(),
            json!({ "account_id": ctx.account_id() }),
        )]);
        Ok(())
    }

    // ---- teams ----

    pub async fn list_teams(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        let teams = tx.list_teams(ctx.account_id()).await?;
        let mine = tx.user_team_ids(ctx.user.id).await?;
        Ok(teams.iter().map(|t| present::team(t, mine.contains(&t.id))).collect())
    }

    pub async fn get_team(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let t = tx.require_team(ctx.account_id(), id).await?;
        let mine = tx.user_team_ids(ctx.user.id).await?;
        Ok(present::team(&t, mine.contains(&t.id)))
    }

    pub async fn save_team(self: &Arc<Self>, ctx: &AccountCtx, id: Option<i64>, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body).nested_or_self("team");
        let mut tx = self.store.write().await?;
        let mut team = match id {
            Some(id) => tx.require_team(ctx.account_id(), id).await?,
            None => Team {
                id: 0,
                account_id: ctx.account_id(),
                name: String::new(),
                description: None,
                allow_auto_assign: true,
                created_at: now_micros(),
            },
        };
        if id.is_none() || p.has("name") {
            let name = p.req_str("name")?.trim().to_lowercase();
            if name.chars().count() > validate::MAX_NAME_LEN {
                return Err(CoreError::invalid("name", "Name is too long"));
            }
            team.name = name;
        }
        if p.has("description") {
            team.description = p.str("description")?;
        }
        if let Some(a) = p.bool("allow_auto_assign")? {
            team.allow_auto_assign = a;
        }
        let team = match id {
            Some(_) => {
                tx.update_team(&team).await.map_err(taken("name"))?;
                team
            }
            None => tx.insert_team(&team).await.map_err(taken("name"))?,
        };
        tx.commit().await?;
        Ok(present::team(&team, false))
    }

    pub async fn delete_team(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_team(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    pub async fn team_members(self: &Arc<Self>, ctx: &AccountCtx, team_id: i64) -> CoreResult<Vec<Value>> {
        let mut tx = self.store.read().await?;
        let t = tx.require_team(ctx.account_id(), team_id).await?;
        let ids = tx.list_team_members(t.id).await?;
        let users = tx.list_account_users(ctx.account_id()).await?;
        Ok(users
            .iter()
            .filter(|(u, _)| ids.contains(&u.id))
            .map(|(u, au)| present::agent(u, Some(au)))
            .collect())
    }

    pub async fn change_team_members(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        team_id: i64,
        user_ids: &[i64],
        mode: MemberChange,
    ) -> CoreResult<Vec<Value>> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        let t = tx.require_team(ctx.account_id(), team_id).await?;
        let valid = tx.users_in_account(ctx.account_id(), user_ids).await?;
        if valid.len() != dedup(user_ids).len() {
            return Err(CoreError::NotFound);
        }
        let ids: Vec<i64> = valid.iter().map(|u| u.id).collect();
        let now = now_micros();
        match mode {
            MemberChange::Add => tx.add_team_members(t.id, &ids, now).await?,
            MemberChange::Remove => tx.remove_team_members(t.id, &ids).await?,
            MemberChange::Set => {
                let current = tx.list_team_members(t.id).await?;
                let gone: Vec<i64> = current.into_iter().filter(|c| !ids.contains(c)).collect();
                tx.remove_team_members(t.id, &gone).await?;
                tx.add_team_members(t.id, &ids, now).await?;
            }
        }
        let members = tx.list_team_members(t.id).await?;
        let users = tx.list_account_users(ctx.account_id()).await?;
        tx.commit().await?;
        Ok(users
            .iter()
            .filter(|(u, _)| members.contains(&u.id))
            .map(|(u, au)| present::agent(u, Some(au)))
            .collect())
    }

    // ---- labels ----

    pub async fn list_labels(self: &Arc<Self>, ctx: &AccountCtx) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let labels = tx.list_labels(ctx.account_id()).await?;
        Ok(json!({ "payload": labels.iter().map(label_json).collect::<Vec<_>>() }))
    }

    pub async fn get_label(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let l = tx.require_label(ctx.account_id(), id).await?;
        Ok(label_json(&l))
    }

    pub async fn save_label(self: &Arc<Self>, ctx: &AccountCtx, id: Option<i64>, body: &Value) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body).nested_or_self("label");
        let mut tx = self.store.write().await?;
        let mut l = match id {
            Some(id) => tx.require_label(ctx.account_id(), id).await?,
            None => Label {
                id: 0,
                account_id: ctx.account_id(),
                title: String::new(),
                description: None,
                color: "#1f93ff".into(),
                show_on_sidebar: true,
                created_at: now_micros(),
            },
        };
        if id.is_none() || p.has("title") {
            l.title = validate::label_title(&p.req_str("title")?).map_err(|m| CoreError::invalid("title", m))?;
        }
        if p.has("description") {
            l.description = p.str("description")?;
        }
        if let Some(c) = colour(&p)? {
            l.color = c;
        }
        if let Some(s) = p.bool("show_on_sidebar")? {
            l.show_on_sidebar = s;
        }
        let l = match id {
            Some(_) => {
                tx.update_label(&l).await.map_err(taken("title"))?;
                l
            }
            None => tx.insert_label(&l).await.map_err(taken("title"))?,
        };
        tx.commit().await?;
        Ok(label_json(&l))
    }

    pub async fn delete_label(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_label(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }

    // ---- canned responses ----

    pub async fn list_canned(self: &Arc<Self>, ctx: &AccountCtx, search: Option<&str>) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let list = tx.list_canned(ctx.account_id(), search).await?;
        Ok(Value::Array(list.iter().map(canned_json).collect()))
    }

    pub async fn save_canned(self: &Arc<Self>, ctx: &AccountCtx, id: Option<i64>, body: &Value) -> CoreResult<Value> {
        let p = Params::new(body).nested_or_self("canned_response");
        let mut tx = self.store.write().await?;
        let now = now_micros();
        let mut c = match id {
            Some(id) => tx.require_canned(ctx.account_id(), id).await?,
            None => CannedResponse {
                id: 0,
                account_id: ctx.account_id(),
                short_code: String::new(),
                content: String::new(),
                created_at: now,
                updated_at: now,
            },
        };
        if id.is_none() || p.has("short_code") {
            let code = p.req_str("short_code")?.trim().to_string();
            if code.chars().count() > validate::MAX_NAME_LEN || code.contains(char::is_whitespace) {
                return Err(CoreError::invalid(
                    "short_code",
                    "Short code must be one word of at most 255 characters",
                ));
            }
            c.short_code = code;
        }
        if id.is_none() || p.has("content") {
            let content = p.req_str("content")?;
            if content.chars().count() > switchboard_domain::rules::MAX_CONTENT_CHARS {
                return Err(CoreError::invalid("content", "Content is too long"));
            }
            c.content = content;
        }
        c.updated_at = now;
        let c = match id {
            Some(_) => {
                tx.update_canned(&c).await.map_err(taken("short_code"))?;
                c
            }
            None => tx.insert_canned(&c).await.map_err(taken("short_code"))?,
        };
        tx.commit().await?;
        Ok(canned_json(&c))
    }

    pub async fn delete_canned(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        let mut tx = self.store.write().await?;
        if !tx.delete_canned(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}
