//! Contacts, their inboxes (source ids) and labels.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::Event;
use switchboard_domain::rules::CONTACTS_PER_PAGE;
use switchboard_domain::validate;
use switchboard_domain::{ChannelType, EventKind};
use switchboard_store::{Contact, ContactInbox, ContactKey, ContactQuery, ContactSort, StoreError};

use crate::auth::{AccountCtx, random_token};
use crate::contact_types::{
    AttributeKeys, ContactChanges, ContactInboxView, ContactLabels, ContactWithInboxes, CreatedContact, NewContact,
    NewContactInbox,
};
use crate::request::blank;
use crate::require::Require;
use crate::view::{Page, Payload};
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

pub struct ContactListParams {
    pub page: i64,
    pub sort: Option<String>,
    pub search: Option<String>,
    pub labels: Vec<String>,
    /// Keyset cursor from a previous page's `meta.next_cursor`.
    pub cursor: Option<String>,
}

/// A contacts-list cursor: `<sort value>.<id>`, the value `null` for a
/// contact without one.
fn parse_cursor(cursor: &str) -> Option<(Option<i64>, i64)> {
    let (v, id) = cursor.split_once('.')?;
    let v = match v {
        "null" => None,
        v => Some(v.parse().ok()?),
    };
    Some((v, id.parse().ok()?))
}

fn parse_sort(s: Option<&str>) -> CoreResult<(ContactSort, bool)> {
    let Some(s) = s.filter(|s| !s.is_empty()) else {
        return Ok((ContactSort::LastActivityAt, true));
    };
    let (desc, key) = match s.strip_prefix('-') {
        Some(k) => (true, k),
        None => (false, s),
    };
    let sort = match key {
        "name" => ContactSort::Name,
        "email" => ContactSort::Email,
        "phone_number" => ContactSort::Phone,
        "last_activity_at" => ContactSort::LastActivityAt,
        "created_at" => ContactSort::CreatedAt,
        "company" => ContactSort::Company,
        "city" => ContactSort::City,
        "country" => ContactSort::Country,
        _ => return Err(CoreError::invalid("sort", "sort is not included in the list")),
    };
    Ok((sort, desc))
}

/// A text change: cleared when null or blank, else checked by `check`.
fn text_change(
    change: Option<String>,
    key: &str,
    check: impl Fn(&str) -> Result<String, String>,
) -> CoreResult<Option<String>> {
    match change {
        Some(v) if !v.trim().is_empty() => check(&v).map(Some).map_err(|m| CoreError::invalid(key, m)),
        _ => Ok(None),
    }
}

/// Applies `f` onto `c`; attributes are merged into the stored ones when
/// `merge`, else replace them.
fn apply_fields(c: &mut Contact, f: ContactChanges, merge: bool) -> CoreResult<()> {
    if let Some(name) = f.name.into_change() {
        c.name = name.unwrap_or_default();
        if c.name.chars().count() > validate::MAX_NAME_LEN {
            return Err(CoreError::invalid("name", "Name is too long"));
        }
    }
    if let Some(email) = f.email.into_change() {
        c.email = text_change(email, "email", validate::email)?;
    }
    if let Some(phone) = f.phone_number.into_change() {
        c.phone_number = text_change(phone, "phone_number", validate::phone_number)?;
    }
    if let Some(identifier) = f.identifier.into_change() {
        c.identifier = identifier.filter(|s| !s.is_empty());
    }
    for (key, change) in [("avatar_url", f.avatar_url), ("avatar", f.avatar)] {
        if let Some(url) = change.into_change() {
            c.avatar_url = match url {
                Some(u) if !u.is_empty() => Some(validate::http_url(&u).map_err(|m| CoreError::invalid(key, m))?),
                _ => None,
            };
        }
    }
    if let Some(b) = f.blocked {
        c.blocked = b;
    }
    for (key, new, target) in [
        (
            "additional_attributes",
            f.additional_attributes,
            &mut c.additional_attributes,
        ),
        ("custom_attributes", f.custom_attributes, &mut c.custom_attributes),
    ] {
        if let Some(new) = new {
            let new = validate::attributes_object(&Value::Object(new), key).map_err(|m| CoreError::invalid(key, m))?;
            if merge {
                validate::merge_attributes(target, new, key).map_err(|m| CoreError::invalid(key, m))?;
            } else {
                *target = Value::Object(new);
            }
        }
    }
    Ok(())
}

fn conflict_message(e: &StoreError) -> Option<CoreError> {
    match e {
        StoreError::Conflict(c) if c.contains("email") => {
            Some(CoreError::invalid("email", "Email has already been taken"))
        }
        StoreError::Conflict(c) if c.contains("identifier") => {
            Some(CoreError::invalid("identifier", "Identifier has already been taken"))
        }
        _ => None,
    }
}

impl Core {
    pub async fn list_contacts(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        lp: ContactListParams,
    ) -> CoreResult<Page<ContactWithInboxes>> {
        let (sort, descending) = parse_sort(lp.sort.as_deref())?;
        let page = lp.page.max(1);
        let keyed = matches!(sort, ContactSort::LastActivityAt | ContactSort::CreatedAt);
        let after = match lp.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => None,
            Some(_) if !keyed => {
                return Err(CoreError::invalid(
                    "cursor",
                    "cursor works with sort last_activity_at or created_at",
                ));
            }
            Some(c) => Some(parse_cursor(c).ok_or_else(|| CoreError::invalid("cursor", "cursor is invalid"))?),
        };
        let q = ContactQuery {
            account_id: ctx.account_id(),
            search: lp.search.filter(|s| !s.trim().is_empty()),
            labels: lp.labels,
            sort,
            descending,
            only_resolved: true,
            limit: CONTACTS_PER_PAGE,
            offset: if after.is_some() {
                0
            } else {
                (page - 1).saturating_mul(CONTACTS_PER_PAGE)
            },
            after,
        };
        let mut tx = self.store.read().await?;
        let (rows, count) = tx.list_contacts(&q).await?;
        let next_cursor = match rows.last() {
            Some(last) if keyed && rows.len() as i64 == CONTACTS_PER_PAGE => {
                let value = match sort {
                    ContactSort::CreatedAt => Some(last.created_at),
                    _ => last.last_activity_at,
                };
                Some(format!(
                    "{}.{}",
                    value.map_or_else(|| "null".to_string(), |v| v.to_string()),
                    last.id
                ))
            }
            _ => None,
        };
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let cis = tx.list_contact_inboxes(&ids).await?;
        let inboxes = tx.list_inboxes(ctx.account_id(), None).await?;
        let payload = rows
            .iter()
            .map(|c| ContactWithInboxes::new(&self.channels, c, &cis, &inboxes))
            .collect();
        let mut page = Page::new(payload, count, page);
        page.meta.next_cursor = next_cursor;
        Ok(page)
    }

    pub async fn get_contact(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Payload<ContactWithInboxes>> {
        let mut tx = self.store.read().await?;
        let c = tx.require_contact(ctx.account_id(), id).await?;
        let cis = tx.list_contact_inboxes(&[c.id]).await?;
        let inboxes = tx.list_inboxes(ctx.account_id(), None).await?;
        Ok(Payload::of(ContactWithInboxes::new(&self.channels, &c, &cis, &inboxes)))
    }

    pub async fn create_contact(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        mut req: NewContact,
    ) -> CoreResult<Payload<CreatedContact>> {
        let mut w = Work::by(self, ctx).await?;
        let mut c = Contact {
            id: 0,
            account_id: ctx.account_id(),
            name: String::new(),
            email: None,
            phone_number: None,
            identifier: None,
            avatar_url: None,
            blocked: false,
            contact_type: 0,
            additional_attributes: json!({}),
            custom_attributes: json!({}),
            last_activity_at: None,
            created_at: w.now,
            updated_at: w.now,
        };
        apply_fields(&mut c, req.fields(), false)?;
        let inbox = match req.inbox_id {
            Some(id) => {
                let inbox = w.tx().require_inbox(ctx.account_id(), id).await?;
                if !ctx.is_admin() && !w.tx().is_inbox_member(inbox.id, ctx.user.id).await? {
                    return Err(CoreError::NotFound);
                }
                Some(inbox)
            }
            None => None,
        };
        let contact = match w.tx().insert_contact(&c).await {
            Ok(c) => c,
            Err(e) => return Err(conflict_message(&e).unwrap_or(e.into())),
        };
        // Chatwoot answers `contact_inbox` as an object whose keys are null
        // when no inbox was named, and the contact with its contact inboxes.
        let mut contact_inbox = ContactInboxView::none();
        let mut cis = Vec::new();
        if let Some(inbox) = &inbox {
            let source_id = req
                .source_id
                .unwrap_or_else(|| default_source_id(&self.channels, inbox.channel(), &contact));
            let ci = self
                .add_contact_inbox(&mut w, &contact, inbox.id, &source_id, false)
                .await?;
            contact_inbox = ContactInboxView::slim(&self.channels, &ci, inbox);
            cis.push(ci);
        }
        self.contact_events(&mut w, &contact, EventKind::ContactCreated, None)
            .await?;
        w.commit().await?;
        let inboxes: Vec<_> = inbox.into_iter().collect();
        Ok(Payload::of(CreatedContact {
            contact: ContactWithInboxes::new(&self.channels, &contact, &cis, &inboxes),
            contact_inbox,
        }))
    }

    pub(crate) async fn add_contact_inbox(
        self: &Arc<Self>,
        w: &mut Work,
        contact: &Contact,
        inbox_id: i64,
        source_id: &str,
        hmac_verified: bool,
    ) -> CoreResult<ContactInbox> {
        if source_id.is_empty() || source_id.len() > 255 {
            return Err(CoreError::invalid("source_id", "source_id is invalid"));
        }
        let now = w.now;
        let ci = ContactInbox {
            id: 0,
            account_id: contact.account_id,
            contact_id: contact.id,
            inbox_id,
            source_id: source_id.to_string(),
            hmac_verified,
            pubsub_token: random_token(24),
            created_at: now,
            updated_at: now,
        };
        w.tx()
            .insert_contact_inbox(&ci)
            .await?
            .ok_or_else(|| CoreError::invalid("source_id", "source_id should be unique"))
    }

    pub(crate) async fn contact_events(
        self: &Arc<Self>,
        w: &mut Work,
        c: &Contact,
        kind: EventKind,
        changed: Option<Value>,
    ) -> CoreResult<()> {
        let mut data = present::contact(c);
        data["account_id"] = json!(c.account_id);
        let ev = w
            .emit(Event::new(kind, c.account_id, data).contact(Some(c.id)).private(true))
            .await?;
        let Some(name) = kind.webhook_name() else { return Ok(()) };
        if w.wants_webhook(c.account_id, None, name).await? {
            let account = w.tx().require_account(c.account_id).await?;
            let mut payload = present::contact_webhook(c, &account);
            payload["event"] = json!(name);
            if let Some(ch) = changed {
                payload["changed_attributes"] = ch;
            }
            w.webhook(ev, c.account_id, None, name, &payload, None).await?;
        }
        Ok(())
    }

    pub async fn update_contact(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: i64,
        changes: ContactChanges,
    ) -> CoreResult<Payload<ContactWithInboxes>> {
        let mut w = Work::by(self, ctx).await?;
        let mut c = w.tx().require_contact(ctx.account_id(), id).await?;
        let before = present::contact(&c);
        apply_fields(&mut c, changes, true)?;
        c.updated_at = w.now;
        if let Err(e) = w.tx().update_contact(&c).await {
            return Err(conflict_message(&e).unwrap_or(e.into()));
        }
        let changed = crate::inboxes::changed_keys(&before, &present::contact(&c));
        if changed.as_array().is_some_and(|a| !a.is_empty()) {
            self.contact_events(&mut w, &c, EventKind::ContactUpdated, Some(changed))
                .await?;
        }
        w.commit().await?;
        self.get_contact(ctx, id).await
    }

    /// `POST /contacts/:id/destroy_custom_attributes {custom_attributes: [keys]}`.
    pub async fn destroy_contact_attributes(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: i64,
        req: AttributeKeys,
    ) -> CoreResult<Payload<ContactWithInboxes>> {
        let mut w = Work::by(self, ctx).await?;
        let mut c = w.tx().require_contact(ctx.account_id(), id).await?;
        let keys = req.keys()?;
        self.remove_contact_attributes(&mut w, &mut c, &keys).await?;
        w.commit().await?;
        self.get_contact(ctx, id).await
    }

    /// Takes `keys` off the contact's custom attributes; when that changed
    /// anything, saves it with its `contact.updated` event. Shared by the
    /// agents' endpoint and the website SDK's.
    pub(crate) async fn remove_contact_attributes(
        self: &Arc<Self>,
        w: &mut Work,
        c: &mut Contact,
        keys: &[String],
    ) -> CoreResult<()> {
        let before = present::contact(c);
        if let Some(attrs) = c.custom_attributes.as_object_mut() {
            for k in keys {
                attrs.remove(k);
            }
        }
        let changed = crate::inboxes::changed_keys(&before, &present::contact(c));
        if changed.as_array().is_some_and(|a| !a.is_empty()) {
            c.updated_at = w.now;
            w.tx().update_contact(c).await?;
            self.contact_events(w, c, EventKind::ContactUpdated, Some(changed))
                .await?;
        }
        Ok(())
    }

    /// Administrators only, as in Chatwoot.
    pub async fn delete_contact(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut w = Work::by(self, ctx).await?;
        let c = w.tx().require_contact(ctx.account_id(), id).await?;
        // The contact's conversations go with it: lock them first, in id
        // order, as every conversation change does before it touches the
        // contact (a message moves its last activity), so the two cannot
        // deadlock on PostgreSQL.
        w.tx().lock_contact_conversations(ctx.account_id(), id).await?;
        w.tx().delete_contact(ctx.account_id(), id).await?;
        let data = json!({ "id": c.id, "account_id": c.account_id });
        w.emit(
            Event::new(EventKind::ContactDeleted, c.account_id, data)
                .contact(Some(c.id))
                .private(true),
        )
        .await?;
        w.commit().await
    }

    pub async fn create_contact_inbox(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        req: NewContactInbox,
    ) -> CoreResult<ContactInboxView> {
        let inbox_id = req.inbox_id.ok_or_else(|| blank("inbox_id"))?;
        let mut w = Work::by(self, ctx).await?;
        let contact = w.tx().require_contact(ctx.account_id(), contact_id).await?;
        let inbox = w.tx().require_inbox(ctx.account_id(), inbox_id).await?;
        if !ctx.is_admin() && !w.tx().is_inbox_member(inbox.id, ctx.user.id).await? {
            return Err(CoreError::NotFound);
        }
        let source_id = req
            .source_id
            .unwrap_or_else(|| default_source_id(&self.channels, inbox.channel(), &contact));
        let verified = req.hmac_verified.unwrap_or(false);
        let ci = self
            .add_contact_inbox(&mut w, &contact, inbox.id, &source_id, verified)
            .await?;
        w.commit().await?;
        Ok(ContactInboxView::slim(&self.channels, &ci, &inbox))
    }

    pub async fn contact_labels(self: &Arc<Self>, ctx: &AccountCtx, contact_id: i64) -> CoreResult<Vec<String>> {
        let mut tx = self.store.read().await?;
        tx.require_contact(ctx.account_id(), contact_id).await?;
        Ok(tx.contact_labels(contact_id).await?)
    }

    pub async fn set_contact_labels(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
        req: ContactLabels,
    ) -> CoreResult<Vec<String>> {
        let labels = normalise_labels(&req.labels.unwrap_or_default())?;
        let mut tx = self.store.write().await?;
        tx.require_contact(ctx.account_id(), contact_id).await?;
        tx.set_contact_labels(ctx.account_id(), contact_id, &labels).await?;
        let out = tx.contact_labels(contact_id).await?;
        tx.commit().await?;
        Ok(out)
    }

    pub async fn find_contact_by_key(
        self: &Arc<Self>,
        account_id: i64,
        key: ContactKey,
        value: &str,
    ) -> CoreResult<Option<Contact>> {
        let mut tx = self.store.read().await?;
        Ok(tx.find_contact_by(account_id, key, value).await?)
    }
}

pub(crate) fn normalise_labels(labels: &[String]) -> CoreResult<Vec<String>> {
    let mut out: Vec<String> = Vec::with_capacity(labels.len());
    // Blank entries (a form's empty `labels[]`) are passed over, as
    // Chatwoot does.
    for l in labels.iter().filter(|l| !l.trim().is_empty()) {
        let t = validate::label_title(l).map_err(|m| CoreError::invalid("labels", m))?;
        if !out.contains(&t) {
            out.push(t);
        }
    }
    if out.len() > 100 {
        return Err(CoreError::invalid("labels", "Too many labels"));
    }
    Ok(out)
}

/// The source id a contact gets in an inbox when none is given: its
/// address on the inbox's channel (an e-mail, a phone), else a new uuid.
pub fn default_source_id(channels: &crate::channels::Channels, channel: ChannelType, c: &Contact) -> String {
    channels
        .by_code(channel.code())
        .and_then(|ch| ch.default_source_id(crate::channels::contact_ref(c)))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string())
}

impl Core {
    /// The latest 20 conversations of a contact the caller may see.
    pub async fn contact_conversations(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
    ) -> CoreResult<Vec<crate::conversation_view::ConversationView>> {
        let mut tx = self.store.read().await?;
        tx.require_contact(ctx.account_id(), contact_id).await?;
        let visible = if ctx.is_admin() {
            None
        } else {
            Some(tx.user_inbox_ids(ctx.account_id(), ctx.user.id).await?)
        };
        let convs = tx
            .contact_conversations(ctx.account_id(), contact_id, visible.as_deref(), 20)
            .await?;
        let views = crate::views::conv_views(&self.channels, &mut *tx, ctx.account_id(), convs).await?;
        self.conversation_views(&mut *tx, &views).await
    }
}
