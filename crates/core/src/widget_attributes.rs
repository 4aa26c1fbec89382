//! What a site says about its visitor through the widget (Chatwoot's SDK
//! methods `deleteCustomAttribute`, `setConversationCustomAttributes`,
//! `deleteConversationCustomAttribute`, `setLabel`, `removeLabel`): the
//! visitor's contact attributes and its current conversation's attributes
//! and labels. Each change, with its events, is one transaction.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::time::unix_secs;
use switchboard_store::Conversation;

use crate::conversations::Actor;
use crate::params::Params;
use crate::public::Visitor;
use crate::require::Require;
use crate::work::Work;
use crate::{Core, CoreError, CoreResult};

/// At most this many keys are removed by one call.
const MAX_KEYS: usize = 100;

/// Attribute keys to remove: a list of strings (or one string).
fn keys(body: &Value, field: &str) -> CoreResult<Vec<String>> {
    let list: Vec<String> = match body.get(field) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) if a.iter().all(Value::is_string) => {
            a.iter().filter_map(|k| k.as_str().map(str::to_string)).collect()
        }
        _ => {
            return Err(CoreError::invalid(
                field,
                format!("{field} must be a list of attribute keys"),
            ));
        }
    };
    if list.len() > MAX_KEYS {
        return Err(CoreError::invalid(field, "Too many attribute keys"));
    }
    Ok(list)
}

fn conversation_json(c: &Conversation) -> Value {
    json!({
        "id": c.display_id,
        "inbox_id": c.inbox_id,
        "contact_last_seen_at": c.contact_last_seen_at.map(unix_secs).unwrap_or(0),
        "status": c.status().as_str(),
        "custom_attributes": c.custom_attributes,
    })
}

impl Core {
    /// The visitor's current conversation, locked in `w`; 404 when it has none.
    async fn widget_lock_current(self: &Arc<Self>, w: &mut Work, v: &Visitor) -> CoreResult<Conversation> {
        let current = w
            .tx()
            .latest_conversation(v.ci.id, &[])
            .await?
            .ok_or(CoreError::NotFound)?;
        w.tx()
            .lock_conversation_by_id(current.id)
            .await?
            .ok_or(CoreError::NotFound)
    }

    /// `POST /contact/destroy_custom_attributes {custom_attributes: [keys]}`.
    pub async fn widget_destroy_contact_attributes(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        let keys = keys(body, "custom_attributes")?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let mut c = w.tx().require_contact(v.contact.account_id, v.contact.id).await?;
        self.remove_contact_attributes(&mut w, &mut c, &keys).await?;
        w.commit().await?;
        let fresh = self.visitor_in(v.inbox.clone(), &v.ci.source_id).await?;
        Ok(self.widget_contact(&fresh))
    }

    /// `POST /conversations/set_custom_attributes {custom_attributes: {..}}`:
    /// merged into the current conversation's attributes.
    pub async fn widget_set_conversation_attributes(self: &Arc<Self>, v: &Visitor, body: &Value) -> CoreResult<Value> {
        let attrs = Params::new(body)
            .object("custom_attributes")?
            .ok_or_else(|| CoreError::invalid("custom_attributes", "custom_attributes is required"))?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let before = self.widget_lock_current(&mut w, v).await?;
        let mut after = before.clone();
        switchboard_domain::validate::merge_attributes(&mut after.custom_attributes, attrs, "custom_attributes")
            .map_err(|m| CoreError::invalid("custom_attributes", m))?;
        self.conversation_changed(&mut w, &before, &after, &Actor::system(), None, false)
            .await?;
        w.commit().await?;
        Ok(conversation_json(&after))
    }

    /// `POST /conversations/destroy_custom_attributes {custom_attribute: [keys]}`.
    pub async fn widget_destroy_conversation_attributes(
        self: &Arc<Self>,
        v: &Visitor,
        body: &Value,
    ) -> CoreResult<Value> {
        let keys = keys(body, "custom_attribute")?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let before = self.widget_lock_current(&mut w, v).await?;
        let mut after = before.clone();
        if let Some(o) = after.custom_attributes.as_object_mut() {
            for k in &keys {
                o.remove(k);
            }
        }
        self.conversation_changed(&mut w, &before, &after, &Actor::system(), None, false)
            .await?;
        w.commit().await?;
        Ok(conversation_json(&after))
    }

    /// `POST /labels {label}` adds one of the account's labels to the current
    /// conversation; `DELETE /labels/{label}` takes it off. As in Chatwoot,
    /// a label the account does not have, or no conversation yet, changes
    /// nothing.
    pub async fn widget_label(self: &Arc<Self>, v: &Visitor, label: &str, add: bool) -> CoreResult<()> {
        let title = switchboard_domain::validate::label_title(label).map_err(|m| CoreError::invalid("label", m))?;
        let mut w = Work::by_contact(self, v.contact.id).await?;
        let Some(current) = w.tx().latest_conversation(v.ci.id, &[]).await? else {
            return Ok(());
        };
        if add {
            let defined = w
                .tx()
                .list_labels(v.inbox.account_id)
                .await?
                .iter()
                .any(|l| l.title == title);
            if !defined {
                return Ok(());
            }
        }
        let conv = w.tx().require_locked_conversation_by_id(current.id).await?;
        let old: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        let mut new = old.clone();
        if add && !new.contains(&title) {
            new.push(title);
        } else if !add {
            new.retain(|l| *l != title);
        }
        if new == old {
            return Ok(());
        }
        w.tx()
            .set_conversation_labels(v.inbox.account_id, conv.id, &new)
            .await?;
        let stored: Vec<String> = w
            .tx()
            .conversation_labels(&[conv.id])
            .await?
            .into_iter()
            .map(|(_, l)| l)
            .collect();
        self.conversation_changed(&mut w, &conv, &conv, &Actor::system(), Some((old, stored)), false)
            .await?;
        w.commit().await
    }
}

#[cfg(test)]
mod tests {
    use super::keys;
    use serde_json::json;

    #[test]
    fn attribute_keys() {
        assert_eq!(keys(&json!({ "k": ["a", "b"] }), "k").unwrap(), vec!["a", "b"]);
        assert_eq!(keys(&json!({ "k": "a" }), "k").unwrap(), vec!["a"]);
        assert!(keys(&json!({ "k": [1] }), "k").is_err());
        assert!(keys(&json!({}), "k").is_err());
        let many: Vec<String> = (0..101).map(|i| i.to_string()).collect();
        assert!(keys(&json!({ "k": many }), "k").is_err());
    }
}
