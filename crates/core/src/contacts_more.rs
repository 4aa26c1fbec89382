//! Contacts beyond the basic resource: Chatwoot's filter endpoint, the
//! contacts online now, the inboxes through which a contact can be reached,
//! and merging two contacts into one.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::rules::CONTACTS_PER_PAGE;
use switchboard_domain::time as t;
use switchboard_domain::{ChannelType, Event, EventKind};
use switchboard_store::{
    Contact, ContactFilterCondition, ContactFilterField, ContactFilterQuery, FilterOp, FilterValue,
};

use crate::auth::AccountCtx;
use crate::contact_types::{ContactInboxView, ContactMerge, ContactView, ContactWithInboxes};
use crate::filter::{MAX_VALUE_LEN, RawCondition, is_attr_key, operator, operator_name, raw_conditions};
use crate::request::blank;
use crate::require::Require;
use crate::view::{Page, Payload};
use crate::work::Work;
use crate::{Core, CoreError, CoreResult, present};

/// Filter matches are counted up to this many, and pages end there: the
/// answer stays bounded however large the account.
pub const FILTER_COUNT_CAP: i64 = 10_000;
/// Online contacts considered by `GET /contacts/active` (lowest ids first).
pub const MAX_ACTIVE: usize = 5_000;

use FilterOp::*;

const TEXT_OPS: &[FilterOp] = &[EqualTo, NotEqualTo, Contains, DoesNotContain];
const EXACT_OPS: &[FilterOp] = &[EqualTo, NotEqualTo];
const PHONE_OPS: &[FilterOp] = &[EqualTo, NotEqualTo, Contains, DoesNotContain, StartsWith];
const LABEL_OPS: &[FilterOp] = &[EqualTo, NotEqualTo, IsPresent, IsNotPresent];
const DATE_OPS: &[FilterOp] = &[IsGreaterThan, IsLessThan, DaysBefore];
const CUSTOM_OPS: &[FilterOp] = &[EqualTo, NotEqualTo, Contains, DoesNotContain, IsPresent, IsNotPresent];

/// Chatwoot's contact filter keys (lib/filters/filter_keys.yml) and the
/// operators each allows.
fn contact_field(r: &RawCondition) -> CoreResult<(ContactFilterField, &'static [FilterOp])> {
    use ContactFilterField as F;
    Ok(match r.key.as_str() {
        "name" => (F::Name, TEXT_OPS),
        "email" => (F::Email, TEXT_OPS),
        "phone_number" => (F::PhoneNumber, PHONE_OPS),
        "identifier" => (F::Identifier, EXACT_OPS),
        "country_code" => (F::Additional("country_code"), EXACT_OPS),
        "city" => (F::Additional("city"), TEXT_OPS),
        "company" | "company_name" => (F::Additional("company_name"), TEXT_OPS),
        "labels" => (F::Labels, LABEL_OPS),
        "created_at" => (F::CreatedAt, DATE_OPS),
        "last_activity_at" => (F::LastActivityAt, DATE_OPS),
        "blocked" => (F::Blocked, EXACT_OPS),
        k if r.custom && is_attr_key(k) => (F::Custom(k.to_string()), CUSTOM_OPS),
        _ => {
            return Err(CoreError::invalid(
                "attribute_key",
                format!("Invalid attribute key - [{}]", r.key),
            ));
        }
    })
}

/// Parses a contact filter payload into allowlisted, typed conditions (the
/// request of [`Core::filter_contacts`]).
pub fn parse_contact_filter(body: &Value) -> CoreResult<Vec<ContactFilterCondition>> {
    let raw = raw_conditions(body)?;
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let (field, allowed) = contact_field(&r)?;
        let op = operator(&r.operator).filter(|op| allowed.contains(op)).ok_or_else(|| {
            let names: Vec<&str> = allowed.iter().map(|o| operator_name(*o)).collect();
            CoreError::invalid(
                "filter_operator",
                format!(
                    "Invalid operator. The allowed operators for {} are [{}].",
                    r.key,
                    names.join(",")
                ),
            )
        })?;
        let needs_value = !matches!(op, IsPresent | IsNotPresent);
        if needs_value && r.values.is_empty() {
            return Err(CoreError::invalid(
                "values",
                format!("values for {} can't be blank", r.key),
            ));
        }
        let mut values = Vec::with_capacity(r.values.len());
        if needs_value {
            for v in &r.values {
                values.push(contact_value(&field, op, v)?);
            }
        }
        out.push(ContactFilterCondition {
            field,
            op,
            values,
            join: r.join,
        });
    }
    Ok(out)
}

/// One value, typed for its field: text lower-cased (the comparison is
/// case-insensitive), a date as micros, `blocked` as 0 or 1.
fn contact_value(field: &ContactFilterField, op: FilterOp, v: &Value) -> CoreResult<FilterValue> {
    let bad = || CoreError::invalid("values", "Invalid value for this attribute");
    Ok(match field {
        ContactFilterField::CreatedAt | ContactFilterField::LastActivityAt => {
            if op == DaysBefore {
                let days = match v {
                    Value::Number(n) => n.as_i64(),
                    Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                }
                .filter(|d| (0..=36_500).contains(d))
                .ok_or_else(bad)?;
                FilterValue::Int(t::now_micros() - days * 86_400 * 1_000_000)
            } else {
                FilterValue::Int(t::filter_bound(v, op == IsGreaterThan).ok_or_else(bad)?)
            }
        }
        ContactFilterField::Blocked => match v {
            Value::Bool(b) => FilterValue::Int(i64::from(*b)),
            Value::String(s) if s == "true" => FilterValue::Int(1),
            Value::String(s) if s == "false" => FilterValue::Int(0),
            _ => return Err(bad()),
        },
        ContactFilterField::Labels => match v {
            Value::String(s) if s.len() <= MAX_VALUE_LEN => FilterValue::Text(s.trim().to_lowercase()),
            _ => return Err(bad()),
        },
        ContactFilterField::PhoneNumber => {
            let s = match v {
                Value::String(s) if s.len() <= MAX_VALUE_LEN => s.trim().to_string(),
                Value::Number(n) => n.to_string(),
                _ => return Err(bad()),
            };
            // Stored numbers are E.164: a whole number or a prefix gets its
            // `+` (as Chatwoot does); a fragment is matched as typed.
            if matches!(op, EqualTo | NotEqualTo | StartsWith) {
                FilterValue::Text(format!("+{}", s.trim_start_matches('+')))
            } else {
                FilterValue::Text(s)
            }
        }
        _ => match v {
            Value::String(s) if s.len() <= MAX_VALUE_LEN => FilterValue::Text(s.to_lowercase()),
            Value::Number(n) => FilterValue::Text(n.to_string()),
            Value::Bool(b) if matches!(field, ContactFilterField::Custom(_)) => FilterValue::Text(b.to_string()),
            _ => return Err(bad()),
        },
    })
}

/// Fills `base`'s gaps (missing, null or empty values) from `other`,
/// recursing into objects both have; `base` wins everywhere else.
fn fill_gaps(base: &mut Value, other: &Value) {
    let (Some(b), Some(o)) = (base.as_object_mut(), other.as_object()) else {
        return;
    };
    for (k, ov) in o {
        match b.get_mut(k) {
            None => {
                b.insert(k.clone(), ov.clone());
            }
            Some(bv) if bv.is_null() || bv.as_str() == Some("") => *bv = ov.clone(),
            Some(bv) if bv.is_object() && ov.is_object() => fill_gaps(bv, ov),
            Some(_) => {}
        }
    }
}

fn fill(base: &mut Option<String>, other: &Option<String>) {
    if base.as_deref().is_none_or(|s| s.trim().is_empty()) {
        base.clone_from(other);
    }
}

impl Core {
    /// `POST /contacts/filter`: Chatwoot's filter payload over the account's
    /// contacts, most recently active first, with a bounded count.
    pub async fn filter_contacts(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        conditions: Vec<ContactFilterCondition>,
        page: i64,
    ) -> CoreResult<Page<ContactWithInboxes>> {
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(CONTACTS_PER_PAGE);
        let q = ContactFilterQuery {
            account_id: ctx.account_id(),
            conditions,
            limit: if offset >= FILTER_COUNT_CAP {
                0
            } else {
                CONTACTS_PER_PAGE
            },
            offset: offset.min(FILTER_COUNT_CAP),
            count_cap: FILTER_COUNT_CAP,
        };
        let mut tx = self.store.read().await?;
        let (rows, count) = tx.filter_contacts(&q).await?;
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let cis = tx.list_contact_inboxes(&ids).await?;
        let inboxes = tx.list_inboxes(ctx.account_id(), None).await?;
        let payload = rows
            .iter()
            .map(|c| ContactWithInboxes::new(&self.channels, c, &cis, &inboxes))
            .collect();
        Ok(Page::new(payload, count, page))
    }

    /// `GET /contacts/active`: the account's contacts among `online` (the
    /// presence tracker's answer), a page in id order.
    pub async fn active_contacts(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        mut online: Vec<i64>,
        page: i64,
    ) -> CoreResult<Page<ContactWithInboxes>> {
        online.sort_unstable();
        online.dedup();
        online.truncate(MAX_ACTIVE);
        let page = page.max(1);
        let offset = (page - 1).saturating_mul(CONTACTS_PER_PAGE);
        let mut tx = self.store.read().await?;
        let (rows, count) = tx
            .contacts_among(ctx.account_id(), &online, CONTACTS_PER_PAGE, offset)
            .await?;
        let ids: Vec<i64> = rows.iter().map(|c| c.id).collect();
        let cis = tx.list_contact_inboxes(&ids).await?;
        let inboxes = tx.list_inboxes(ctx.account_id(), None).await?;
        let payload = rows
            .iter()
            .map(|c| {
                let mut v = ContactWithInboxes::new(&self.channels, c, &cis, &inboxes);
                v.contact.availability_status = "online";
                v
            })
            .collect();
        Ok(Page::new(payload, count, page))
    }

    /// `GET /contacts/:id/contactable_inboxes`: the inboxes the caller may
    /// use through which the contact can be reached, each with the source
    /// id a new conversation would use (Chatwoot's ContactableInboxesService).
    pub async fn contactable_inboxes(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        contact_id: i64,
    ) -> CoreResult<Payload<Vec<ContactInboxView>>> {
        let mut tx = self.store.read().await?;
        let contact = tx.require_contact(ctx.account_id(), contact_id).await?;
        let member = if ctx.is_admin() { None } else { Some(ctx.user.id) };
        let inboxes = tx.list_inboxes(ctx.account_id(), member).await?;
        // The latest contact inbox per inbox (rows come in id order).
        let mut latest = HashMap::new();
        for ci in tx.list_contact_inboxes(&[contact.id]).await? {
            latest.insert(ci.inbox_id, ci);
        }
        let widget_cis: Vec<i64> = inboxes
            .iter()
            .filter(|i| i.channel() == ChannelType::WEB_WIDGET)
            .filter_map(|i| latest.get(&i.id).map(|ci| ci.id))
            .collect();
        let in_use = tx.contact_inboxes_in_use(&widget_cis).await?;
        let existing = |inbox_id: i64| latest.get(&inbox_id).map(|ci| ci.source_id.clone());
        let mut payload = Vec::new();
        for inbox in &inboxes {
            let source_id = match inbox.channel() {
                ChannelType::API => Some(existing(inbox.id).unwrap_or_else(|| uuid::Uuid::new_v4().to_string())),
                // A visitor's session, only while it has no conversation yet.
                ChannelType::WEB_WIDGET => latest
                    .get(&inbox.id)
                    .filter(|ci| !in_use.contains(&ci.id))
                    .map(|ci| ci.source_id.clone()),
                // A channel where an agent may start the chat offers the
                // contact's address there; elsewhere only the person can
                // start it, so only an existing chat is offered.
                other => match self.channels.by_code(other.code()) {
                    Some(c) if c.starts_chats() => c.default_source_id(crate::channels::contact_ref(&contact)),
                    _ => existing(inbox.id),
                },
            };
            if let Some(source_id) = source_id {
                payload.push(ContactInboxView {
                    source_id: Some(source_id),
                    inbox: self.present_inbox(inbox, ctx.is_admin()),
                });
            }
        }
        Ok(Payload::of(payload))
    }

    /// `POST /actions/contact_merge {base_contact_id, mergee_contact_id}`:
    /// in one transaction the mergee's conversations, contact inboxes,
    /// notes, messages, ratings and labels move to the base, the base's
    /// blanks are filled from the mergee, and the mergee is deleted.
    /// Administrators only: a merge deletes a contact.
    pub async fn merge_contacts(self: &Arc<Self>, ctx: &AccountCtx, req: ContactMerge) -> CoreResult<ContactView> {
        // A merge touches many rows of two contacts; on PostgreSQL it can
        // lose a deadlock to a message arriving for one of them, and is
        // then rolled back whole: run it again (a few times at most).
        let mut attempt = 0;
        loop {
            match self.merge_contacts_once(ctx, &req).await {
                Err(CoreError::Contended(_)) if attempt < 3 => attempt += 1,
                r => return r,
            }
        }
    }

    async fn merge_contacts_once(self: &Arc<Self>, ctx: &AccountCtx, req: &ContactMerge) -> CoreResult<ContactView> {
        ctx.require_admin()?;
        let base_id = req.base_contact_id.ok_or_else(|| blank("base_contact_id"))?;
        let mergee_id = req.mergee_contact_id.ok_or_else(|| blank("mergee_contact_id"))?;
        let account_id = ctx.account_id();
        let mut w = Work::by(self, ctx).await?;
        let locked = w.tx().lock_contacts(account_id, &[base_id, mergee_id]).await?;
        let mut base = locked
            .iter()
            .find(|c| c.id == base_id)
            .cloned()
            .ok_or(CoreError::NotFound)?;
        // Chatwoot answers a merge of a contact with itself with the contact, unchanged.
        if base_id == mergee_id {
            return Ok(ContactView::from(&base));
        }
        let mergee: Contact = locked
            .iter()
            .find(|c| c.id == mergee_id)
            .cloned()
            .ok_or(CoreError::NotFound)?;
        let before = present::contact(&base);
        w.tx().move_contact_rows(account_id, mergee.id, base.id).await?;
        w.tx().delete_contact(account_id, mergee.id).await?;
        if base.name.trim().is_empty() {
            base.name.clone_from(&mergee.name);
        }
        fill(&mut base.email, &mergee.email);
        fill(&mut base.phone_number, &mergee.phone_number);
        fill(&mut base.identifier, &mergee.identifier);
        fill(&mut base.avatar_url, &mergee.avatar_url);
        fill_gaps(&mut base.additional_attributes, &mergee.additional_attributes);
        fill_gaps(&mut base.custom_attributes, &mergee.custom_attributes);
        base.last_activity_at = base.last_activity_at.max(mergee.last_activity_at);
        base.updated_at = w.now;
        w.tx().update_contact(&base).await?;

        w.emit(
            Event::new(
                EventKind::ContactDeleted,
                account_id,
                json!({ "id": mergee.id, "account_id": account_id }),
            )
            .contact(Some(mergee.id))
            .private(true),
        )
        .await?;
        let mut data = present::contact(&base);
        data["account_id"] = json!(account_id);
        w.emit(
            Event::new(EventKind::ContactMerged, account_id, data)
                .contact(Some(base.id))
                .private(true),
        )
        .await?;
        let changed = crate::inboxes::changed_keys(&before, &present::contact(&base));
        if changed.as_array().is_some_and(|a| !a.is_empty()) {
            self.contact_events(&mut w, &base, EventKind::ContactUpdated, Some(changed))
                .await?;
        }
        w.commit().await?;
        Ok(ContactView::from(&base))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_filter_allowlist() {
        let ok = json!({"payload":[
            {"attribute_key":"name","filter_operator":"contains","values":["ANN"],"query_operator":"or"},
            {"attribute_key":"phone_number","filter_operator":"starts_with","values":["1555"]},
            {"attribute_key":"blocked","filter_operator":"equal_to","values":[true]},
            {"attribute_key":"plan","filter_operator":"equal_to","values":["Gold"],"attribute_model":"custom_attributes"},
        ]});
        let c = parse_contact_filter(&ok).unwrap();
        assert_eq!(c[0].values, vec![FilterValue::Text("ann".into())]);
        assert_eq!(c[1].values, vec![FilterValue::Text("+1555".into())]);
        assert_eq!(c[2].values, vec![FilterValue::Int(1)]);
        assert_eq!(c[3].field, ContactFilterField::Custom("plan".into()));
        for bad in [
            json!({"payload":[{"attribute_key":"name; DROP TABLE contacts","filter_operator":"equal_to","values":["x"]}]}),
            json!({"payload":[{"attribute_key":"identifier","filter_operator":"contains","values":["x"]}]}),
            json!({"payload":[{"attribute_key":"name","filter_operator":"starts_with","values":["x"]}]}),
            json!({"payload":[{"attribute_key":"created_at","filter_operator":"is_greater_than","values":["soon"]}]}),
            json!({"payload":[{"attribute_key":"blocked","filter_operator":"equal_to","values":["maybe"]}]}),
            json!({"payload":[{"attribute_key":"name","filter_operator":"equal_to","values":[{"a":1}]}]}),
            json!({"payload":[{"attribute_key":"name","filter_operator":"equal_to","values":[]}]}),
            json!({"payload":[{"attribute_key":"plan","filter_operator":"equal_to","values":["x"]}]}),
            json!({"payload":[{"attribute_key":"a b","filter_operator":"equal_to","values":["x"],"attribute_model":"custom_attributes"}]}),
            json!({"payload":[]}),
            json!({"payload":"name"}),
        ] {
            assert!(parse_contact_filter(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn gaps_are_filled_and_the_base_wins() {
        let mut base = json!({"city": "Paris", "company_name": "", "social": {"x": "b"}});
        fill_gaps(
            &mut base,
            &json!({"city": "Rome", "company_name": "Acme", "country": "IT", "social": {"x": "m", "y": "m"}}),
        );
        assert_eq!(
            base,
            json!({"city": "Paris", "company_name": "Acme", "country": "IT", "social": {"x": "b", "y": "m"}})
        );
    }
}
