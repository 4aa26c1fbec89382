//! `POST /conversations/filter`: Chatwoot's filter payload, from an
//! allowlist of attributes, operators and values.

use std::sync::Arc;

use serde_json::Value;
use switchboard_domain::rules::CONVERSATIONS_PER_PAGE;
use switchboard_domain::time::{self as t};
use switchboard_domain::{ConversationStatus, Priority};
use switchboard_store::{FilterCondition, FilterField, FilterOp, FilterValue};

use crate::auth::AccountCtx;
use crate::conversation_view::{FilterCounts, FilteredConversations};
use crate::{Core, CoreError, CoreResult, views};

impl Core {
    /// `POST /conversations/filter`: Chatwoot's filter payload, from an allowlist.
    pub async fn filter_conversations(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        body: &Value,
        page: i64,
    ) -> CoreResult<FilteredConversations> {
        let conds = parse_filter(body)?;
        let mut q = self.base_query(ctx).await?;
        q.filter = conds;
        q.limit = CONVERSATIONS_PER_PAGE;
        q.offset = (page.max(1) - 1).saturating_mul(CONVERSATIONS_PER_PAGE);
        let mut tx = self.store.read().await?;
        let counts = tx.conversation_counts(&q).await?;
        let rows = tx.list_conversations(&q).await?;
        let views = views::conv_views(&self.channels, &mut *tx, ctx.account_id(), rows).await?;
        let payload = self.conversation_views(&mut *tx, &views).await?;
        Ok(FilteredConversations {
            meta: FilterCounts {
                mine_count: counts.mine_count,
                unassigned_count: counts.unassigned_count,
                all_count: counts.all_count,
            },
            payload,
        })
    }
}

/// Parses Chatwoot's filter payload into allowlisted conditions.
pub fn parse_filter(body: &Value) -> CoreResult<Vec<FilterCondition>> {
    let raw = crate::filter::raw_conditions(body)?;
    let mut out = Vec::with_capacity(raw.len());
    for r in raw {
        let key = r.key;
        let field = match key.as_str() {
            "status" => FilterField::Status,
            "priority" => FilterField::Priority,
            "assignee_id" => FilterField::AssigneeId,
            "inbox_id" => FilterField::InboxId,
            "team_id" => FilterField::TeamId,
            "display_id" | "id" => FilterField::DisplayId,
            "contact_id" => FilterField::ContactId,
            "created_at" => FilterField::CreatedAt,
            "last_activity_at" => FilterField::LastActivityAt,
            "waiting_since" => FilterField::WaitingSince,
            "labels" | "label_list" => FilterField::Labels,
            "browser_language" | "country_code" | "referer" | "conversation_language" | "mail_subject" => {
                FilterField::Additional(key.clone())
            }
            k if r.custom && crate::filter::is_attr_key(k) => FilterField::Custom(k.to_string()),
            _ => {
                return Err(CoreError::invalid(
                    "attribute_key",
                    format!("Invalid attribute key - [{key}]"),
                ));
            }
        };
        let op = match crate::filter::operator(&r.operator) {
            Some(op) if op != FilterOp::StartsWith => op,
            _ => {
                return Err(CoreError::invalid(
                    "filter_operator",
                    format!(
                        "Invalid operator. The allowed operators for {key} are [equal_to,not_equal_to,contains,does_not_contain,is_present,is_not_present,is_greater_than,is_less_than,days_before]."
                    ),
                ));
            }
        };
        let mut values = Vec::with_capacity(r.values.len());
        for v in r.values {
            values.push(filter_value(&field, op, &v)?);
        }
        out.push(FilterCondition {
            field,
            op,
            values,
            join: r.join,
        });
    }
    Ok(out)
}

/// Converts one filter value to the column's type (a status name to its
/// code, a date to micros, an id to an integer).
fn filter_value(field: &FilterField, op: FilterOp, v: &Value) -> CoreResult<FilterValue> {
    let bad = || CoreError::invalid("values", "Invalid value for this attribute");
    // Chatwoot's UI sends `{id, name}` objects for pickers.
    let v = match v {
        Value::Object(o) => o.get("id").cloned().ok_or_else(bad)?,
        other => other.clone(),
    };
    let as_int = |v: &Value| -> CoreResult<i64> {
        match v {
            Value::Number(n) => n.as_i64().ok_or_else(bad),
            Value::String(s) => s.trim().parse().map_err(|_| bad()),
            _ => Err(bad()),
        }
    };
    Ok(match field {
        FilterField::Status => {
            let code = ConversationStatus::from_json(&v).ok_or_else(bad)?.code();
            FilterValue::Int(code as i64)
        }
        FilterField::Priority => FilterValue::Int(Priority::from_json(&v).ok_or_else(bad)?.code() as i64),
        FilterField::AssigneeId
        | FilterField::InboxId
        | FilterField::TeamId
        | FilterField::DisplayId
        | FilterField::ContactId => FilterValue::Int(as_int(&v)?),
        FilterField::CreatedAt | FilterField::LastActivityAt | FilterField::WaitingSince => {
            if op == FilterOp::DaysBefore {
                let days = as_int(&v)?;
                if !(0..=36_500).contains(&days) {
                    return Err(bad());
                }
                FilterValue::Int(t::now_micros() - days * 86_400 * 1_000_000)
            } else {
                FilterValue::Int(t::filter_bound(&v, op == FilterOp::IsGreaterThan).ok_or_else(bad)?)
            }
        }
        FilterField::Labels | FilterField::Additional(_) | FilterField::Custom(_) => match v {
            Value::String(s) if s.len() <= 1500 => FilterValue::Text(s),
            Value::Number(n) => FilterValue::Text(n.to_string()),
            Value::Bool(b) => FilterValue::Text(b.to_string()),
            _ => return Err(bad()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn filter_allowlist() {
        let ok = json!({"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["open"],"query_operator":"AND"}]});
        let c = parse_filter(&ok).unwrap();
        assert_eq!(c[0].values, vec![FilterValue::Int(0)]);
        for bad in [
            json!({"payload":[{"attribute_key":"status; DROP TABLE x","filter_operator":"equal_to","values":["open"]}]}),
            json!({"payload":[{"attribute_key":"status","filter_operator":"= 1 OR 1=1 --","values":["open"]}]}),
            json!({"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["open' OR '1'='1"]}]}),
            json!({"payload":[{"attribute_key":"inbox_id","filter_operator":"equal_to","values":["1 OR 1=1"]}]}),
            json!({"payload":[{"attribute_key":"status","filter_operator":"equal_to","values":["open"],"query_operator":"UNION"}]}),
            json!({"payload":[]}),
            json!({"nope":1}),
        ] {
            assert!(parse_filter(&bad).is_err(), "{bad}");
        }
    }
}
