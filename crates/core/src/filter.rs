//! Chatwoot's filter payload, `{payload: [{attribute_key, filter_operator,
//! values, query_operator}, ...]}`, read the same way for every filter
//! endpoint: bounded in conditions, values and value length, the join
//! checked. Each endpoint then maps keys and operators through its own
//! allowlist; nothing from the payload reaches SQL except as a bound value.

use serde_json::Value;
use switchboard_store::{FilterOp, Join};

use crate::params::Params;
use crate::{CoreError, CoreResult};

/// Conditions in one filter.
pub const MAX_CONDITIONS: usize = 50;
/// Values in one condition.
pub const MAX_VALUES: usize = 100;
/// Bytes in one text value.
pub const MAX_VALUE_LEN: usize = 1500;

/// One condition as sent, before the endpoint's allowlist.
pub struct RawCondition {
    pub key: String,
    pub operator: String,
    pub values: Vec<Value>,
    pub join: Join,
    /// It names a custom attribute (`custom_attribute_type` or
    /// `attribute_model` say so).
    pub custom: bool,
}

pub fn raw_conditions(body: &Value) -> CoreResult<Vec<RawCondition>> {
    let items = body
        .get("payload")
        .and_then(Value::as_array)
        .ok_or_else(|| CoreError::invalid("payload", "payload must be a list of conditions"))?;
    if items.is_empty() || items.len() > MAX_CONDITIONS {
        return Err(CoreError::invalid(
            "payload",
            format!("payload must have between 1 and {MAX_CONDITIONS} conditions"),
        ));
    }
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        if !item.is_object() {
            return Err(CoreError::invalid("payload", "each condition must be an object"));
        }
        let p = Params::new(item);
        let key = p.req_str("attribute_key")?;
        let operator = p.req_str("filter_operator")?;
        let custom = item
            .get("custom_attribute_type")
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
            || matches!(
                item.get("attribute_model").and_then(Value::as_str),
                Some("customer_attributes" | "custom_attributes")
            );
        let join = match item
            .get("query_operator")
            .and_then(Value::as_str)
            .map(str::to_ascii_uppercase)
            .as_deref()
        {
            None | Some("AND") | Some("") => Join::And,
            Some("OR") => Join::Or,
            Some(_) => return Err(CoreError::invalid("query_operator", "query_operator must be AND or OR")),
        };
        let values: Vec<Value> = match item.get("values") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.clone(),
            Some(v) => vec![v.clone()],
        };
        if values.len() > MAX_VALUES {
            return Err(CoreError::invalid("values", "Too many values"));
        }
        out.push(RawCondition {
            key,
            operator,
            values,
            join,
            custom,
        });
    }
    Ok(out)
}

/// Chatwoot's operator names.
pub fn operator(name: &str) -> Option<FilterOp> {
    Some(match name {
        "equal_to" => FilterOp::EqualTo,
        "not_equal_to" => FilterOp::NotEqualTo,
        "contains" => FilterOp::Contains,
        "does_not_contain" => FilterOp::DoesNotContain,
        "is_present" => FilterOp::IsPresent,
        "is_not_present" => FilterOp::IsNotPresent,
        "is_greater_than" => FilterOp::IsGreaterThan,
        "is_less_than" => FilterOp::IsLessThan,
        "days_before" => FilterOp::DaysBefore,
        "starts_with" => FilterOp::StartsWith,
        _ => return None,
    })
}

pub fn operator_name(op: FilterOp) -> &'static str {
    match op {
        FilterOp::EqualTo => "equal_to",
        FilterOp::NotEqualTo => "not_equal_to",
        FilterOp::Contains => "contains",
        FilterOp::DoesNotContain => "does_not_contain",
        FilterOp::IsPresent => "is_present",
        FilterOp::IsNotPresent => "is_not_present",
        FilterOp::IsGreaterThan => "is_greater_than",
        FilterOp::IsLessThan => "is_less_than",
        FilterOp::DaysBefore => "days_before",
        FilterOp::StartsWith => "starts_with",
    }
}

/// A custom attribute key: letters, digits, `_` and `-`.
pub fn is_attr_key(k: &str) -> bool {
    !k.is_empty() && k.len() <= 100 && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}
