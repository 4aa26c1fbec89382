//! What the contact use cases take and give: request structs read from the
//! request's parameters ([`crate::request::parse`]) and view structs that
//! serialise to Chatwoot's contact shapes.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use switchboard_domain::time::unix_secs;
use switchboard_store::{Contact, ContactInbox, Inbox};

use crate::request::{Patch, lenient};
use crate::{CoreError, CoreResult, present};

/// `POST /contacts`: the contact's fields, and optionally an inbox (with
/// the source id) to reach it through.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewContact {
    #[serde(deserialize_with = "lenient::string")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub email: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub phone_number: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub identifier: Option<String>,
    #[serde(deserialize_with = "lenient::string")]
    pub avatar_url: Option<String>,
    /// Chatwoot's other name for `avatar_url` (it wins when both come).
    #[serde(deserialize_with = "lenient::string")]
    pub avatar: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub blocked: Option<bool>,
    #[serde(deserialize_with = "lenient::object")]
    pub additional_attributes: Option<Map<String, Value>>,
    #[serde(deserialize_with = "lenient::object")]
    pub custom_attributes: Option<Map<String, Value>>,
    #[serde(deserialize_with = "lenient::int")]
    pub inbox_id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub source_id: Option<String>,
}

impl NewContact {
    /// The contact's fields as changes to a blank contact (absent and null
    /// both leave the blank).
    pub fn fields(&mut self) -> ContactChanges {
        ContactChanges {
            name: self.name.take().into(),
            email: self.email.take().into(),
            phone_number: self.phone_number.take().into(),
            identifier: self.identifier.take().into(),
            avatar_url: self.avatar_url.take().into(),
            avatar: self.avatar.take().into(),
            blocked: self.blocked,
            additional_attributes: self.additional_attributes.take(),
            custom_attributes: self.custom_attributes.take(),
        }
    }
}

/// `PATCH /contacts/:id`: a field left out stays; a text field sent as
/// null (or blank) is cleared; attributes are merged into the stored ones.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactChanges {
    #[serde(deserialize_with = "lenient::patch_string")]
    pub name: Patch<String>,
    #[serde(deserialize_with = "lenient::patch_string")]
    pub email: Patch<String>,
    #[serde(deserialize_with = "lenient::patch_string")]
    pub phone_number: Patch<String>,
    #[serde(deserialize_with = "lenient::patch_string")]
    pub identifier: Patch<String>,
    #[serde(deserialize_with = "lenient::patch_string")]
    pub avatar_url: Patch<String>,
    #[serde(deserialize_with = "lenient::patch_string")]
    pub avatar: Patch<String>,
    /// Null leaves it as it is.
    #[serde(deserialize_with = "lenient::boolean")]
    pub blocked: Option<bool>,
    #[serde(deserialize_with = "lenient::object")]
    pub additional_attributes: Option<Map<String, Value>>,
    #[serde(deserialize_with = "lenient::object")]
    pub custom_attributes: Option<Map<String, Value>>,
}

/// `POST /contacts/:id/contact_inboxes`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct NewContactInbox {
    #[serde(deserialize_with = "lenient::int")]
    pub inbox_id: Option<i64>,
    #[serde(deserialize_with = "lenient::string")]
    pub source_id: Option<String>,
    #[serde(deserialize_with = "lenient::boolean")]
    pub hmac_verified: Option<bool>,
}

/// `POST /contacts/:id/labels`: the whole new list.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactLabels {
    #[serde(deserialize_with = "lenient::tags")]
    pub labels: Option<Vec<String>>,
}

/// `POST /contacts/:id/destroy_custom_attributes`. The keys are checked
/// by the use case after the contact is found (another account's contact
/// answers 404 whatever the body holds).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct AttributeKeys {
    pub custom_attributes: Option<Value>,
}

impl AttributeKeys {
    /// The keys: a list of strings, else 422.
    pub fn keys(self) -> CoreResult<Vec<String>> {
        let wrong = || {
            CoreError::invalid(
                "custom_attributes",
                "custom_attributes must be a list of attribute keys",
            )
        };
        match self.custom_attributes {
            Some(Value::Array(a)) => a
                .into_iter()
                .map(|k| match k {
                    Value::String(s) => Ok(s),
                    _ => Err(wrong()),
                })
                .collect(),
            _ => Err(wrong()),
        }
    }
}

/// `POST /actions/contact_merge`: both ids are required.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ContactMerge {
    #[serde(deserialize_with = "lenient::int")]
    pub base_contact_id: Option<i64>,
    #[serde(deserialize_with = "lenient::int")]
    pub mergee_contact_id: Option<i64>,
}

/// The contact shape of REST and of message senders.
#[derive(Debug, Clone, Serialize)]
pub struct ContactView {
    pub id: i64,
    pub name: String,
    pub email: Option<String>,
    pub phone_number: Option<String>,
    pub identifier: Option<String>,
    pub blocked: bool,
    pub thumbnail: String,
    pub availability_status: &'static str,
    pub additional_attributes: Value,
    pub custom_attributes: Value,
    /// Unix seconds.
    pub last_activity_at: Option<i64>,
    pub created_at: i64,
    #[serde(rename = "type")]
    pub kind: &'static str,
}

impl From<&Contact> for ContactView {
    fn from(c: &Contact) -> Self {
        ContactView {
            id: c.id,
            name: c.name.clone(),
            email: c.email.clone(),
            phone_number: c.phone_number.clone(),
            identifier: c.identifier.clone(),
            blocked: c.blocked,
            thumbnail: c.avatar_url.clone().unwrap_or_default(),
            availability_status: "offline",
            additional_attributes: c.additional_attributes.clone(),
            custom_attributes: c.custom_attributes.clone(),
            last_activity_at: c.last_activity_at.map(unix_secs),
            created_at: unix_secs(c.created_at),
            kind: "contact",
        }
    }
}

/// A contact inbox as the contact endpoints show it: the source id and the
/// inbox (both null in a creation's answer when no inbox was named).
#[derive(Debug, Clone, Serialize)]
pub struct ContactInboxView {
    pub source_id: Option<String>,
    pub inbox: Value,
}

impl ContactInboxView {
    /// With the inbox's short shape.
    pub fn slim(channels: &crate::channels::Channels, ci: &ContactInbox, inbox: &Inbox) -> Self {
        ContactInboxView {
            source_id: Some(ci.source_id.clone()),
            inbox: present::inbox_slim(channels, inbox),
        }
    }

    pub fn none() -> Self {
        ContactInboxView {
            source_id: None,
            inbox: Value::Null,
        }
    }
}

/// A contact with the inboxes it can be reached through (lists, show).
#[derive(Debug, Clone, Serialize)]
pub struct ContactWithInboxes {
    #[serde(flatten)]
    pub contact: ContactView,
    pub contact_inboxes: Vec<ContactInboxView>,
}

impl ContactWithInboxes {
    /// `cis` may hold other contacts' rows (a page's), and `inboxes` the
    /// account's: each contact takes its own, in the order of `cis`.
    pub fn new(channels: &crate::channels::Channels, c: &Contact, cis: &[ContactInbox], inboxes: &[Inbox]) -> Self {
        ContactWithInboxes {
            contact: ContactView::from(c),
            contact_inboxes: cis
                .iter()
                .filter(|ci| ci.contact_id == c.id)
                .filter_map(|ci| {
                    let inbox = inboxes.iter().find(|i| i.id == ci.inbox_id)?;
                    Some(ContactInboxView::slim(channels, ci, inbox))
                })
                .collect(),
        }
    }
}

/// `POST /contacts`' answer inside its payload.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedContact {
    pub contact: ContactWithInboxes,
    pub contact_inbox: ContactInboxView,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::request::parse;

    #[test]
    fn changes_tell_absent_from_null() {
        let c: ContactChanges = parse(&json!({
            "name": null, "email": "", "phone_number": 15550001, "blocked": "0",
            "custom_attributes": { "plan": "gold" }, "inbox_id": "ignored here",
        }))
        .unwrap();
        assert_eq!(c.name, Patch::Null);
        assert_eq!(c.email, Patch::Value(String::new()));
        assert_eq!(c.phone_number, Patch::Value("15550001".into()));
        assert_eq!(c.identifier, Patch::Absent);
        assert_eq!(c.blocked, Some(false));
        assert_eq!(c.custom_attributes, json!({ "plan": "gold" }).as_object().cloned());
        assert!(c.additional_attributes.is_none());
        let mut n: NewContact = parse(&json!({ "name": "Ann", "inbox_id": "3", "source_id": 77 })).unwrap();
        assert_eq!((n.inbox_id, n.source_id.as_deref()), (Some(3), Some("77")));
        let f = n.fields();
        assert_eq!(f.name, Patch::Value("Ann".into()));
        assert_eq!(f.email, Patch::Absent);
    }

    #[test]
    fn attribute_keys_are_strings() {
        let keys = |v: Value| parse::<AttributeKeys>(&v).unwrap().keys();
        assert_eq!(
            keys(json!({ "custom_attributes": ["a", "b"] })).unwrap(),
            vec!["a", "b"]
        );
        for bad in [
            json!({}),
            json!({ "custom_attributes": null }),
            json!({ "custom_attributes": [1] }),
        ] {
            assert!(keys(bad).is_err());
        }
    }

    #[test]
    fn the_contact_shape() {
        let c = Contact {
            id: 5,
            account_id: 1,
            name: "Ann".into(),
            email: Some("ann@example.com".into()),
            phone_number: None,
            identifier: None,
            avatar_url: None,
            blocked: false,
            contact_type: 0,
            additional_attributes: json!({ "city": "Oslo" }),
            custom_attributes: json!({}),
            last_activity_at: None,
            created_at: 1_700_000_000_000_000,
            updated_at: 1_700_000_000_000_000,
        };
        assert_eq!(
            serde_json::to_value(ContactWithInboxes::new(&crate::channels::Channels::new(), &c, &[], &[])).unwrap(),
            json!({
                "id": 5, "name": "Ann", "email": "ann@example.com", "phone_number": null,
                "identifier": null, "blocked": false, "thumbnail": "", "availability_status": "offline",
                "additional_attributes": { "city": "Oslo" }, "custom_attributes": {},
                "last_activity_at": null, "created_at": 1_700_000_000, "type": "contact",
                "contact_inboxes": [],
            })
        );
        assert_eq!(
            serde_json::to_value(ContactInboxView::none()).unwrap(),
            json!({ "source_id": null, "inbox": null })
        );
    }
}
