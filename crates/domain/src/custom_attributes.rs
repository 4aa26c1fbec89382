//! Custom attribute definitions: which record they describe, how the value is
//! shown, and what a key may look like. Chatwoot's integer codes and wire
//! names; parsing accepts either, as Rails' enums do.

use serde_json::Value;

/// The record a definition describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeModel {
    Conversation = 0,
    Contact = 1,
}

impl AttributeModel {
    pub fn code(self) -> i16 {
        self as i16
    }

    pub fn from_code(c: i16) -> Option<Self> {
        match c {
            0 => Some(Self::Conversation),
            1 => Some(Self::Contact),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Conversation => "conversation_attribute",
            Self::Contact => "contact_attribute",
        }
    }

    /// `0`, `1`, `"0"`, `"1"`, `"conversation_attribute"` or `"contact_attribute"`.
    pub fn parse(v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) => n.as_i64().and_then(|c| i16::try_from(c).ok()).and_then(Self::from_code),
            Value::String(s) => Self::parse_str(s),
            _ => None,
        }
    }

    pub fn parse_str(s: &str) -> Option<Self> {
        match s.trim() {
            "0" | "conversation_attribute" => Some(Self::Conversation),
            "1" | "contact_attribute" => Some(Self::Contact),
            _ => None,
        }
    }

    /// Keys Chatwoot reserves for the record's own fields: a definition may
    /// not take them.
    pub fn standard_keys(self) -> &'static [&'static str] {
        match self {
            Self::Conversation => &[
                "status",
                "priority",
                "assignee_id",
                "inbox_id",
                "team_id",
                "display_id",
                "campaign_id",
                "labels",
                "browser_language",
                "country_code",
                "referer",
                "created_at",
                "last_activity_at",
            ],
            Self::Contact => &[
                "name",
                "email",
                "phone_number",
                "identifier",
                "country_code",
                "city",
                "company_name",
                "created_at",
                "last_activity_at",
                "referer",
                "blocked",
            ],
        }
    }
}

/// How a value is shown and edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisplayType {
    Text = 0,
    Number = 1,
    Currency = 2,
    Percent = 3,
    Link = 4,
    Date = 5,
    List = 6,
    Checkbox = 7,
}

const DISPLAY_TYPES: [DisplayType; 8] = [
    DisplayType::Text,
    DisplayType::Number,
    DisplayType::Currency,
    DisplayType::Percent,
    DisplayType::Link,
    DisplayType::Date,
    DisplayType::List,
    DisplayType::Checkbox,
];

impl DisplayType {
    pub fn code(self) -> i16 {
        self as i16
    }

    pub fn from_code(c: i16) -> Option<Self> {
        usize::try_from(c).ok().and_then(|i| DISPLAY_TYPES.get(i).copied())
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Currency => "currency",
            Self::Percent => "percent",
            Self::Link => "link",
            Self::Date => "date",
            Self::List => "list",
            Self::Checkbox => "checkbox",
        }
    }

    /// A code (`0`..`7`, as a number or a string) or a name (`"list"`).
    pub fn parse(v: &Value) -> Option<Self> {
        match v {
            Value::Number(n) => n.as_i64().and_then(|c| i16::try_from(c).ok()).and_then(Self::from_code),
            Value::String(s) => {
                let s = s.trim();
                DISPLAY_TYPES
                    .iter()
                    .copied()
                    .find(|t| t.name() == s)
                    .or_else(|| s.parse::<i16>().ok().and_then(Self::from_code))
            }
            _ => None,
        }
    }
}

/// The longest attribute key, in bytes (a key of a record's attributes).
pub const MAX_KEY_LEN: usize = 255;

/// A definition's key, trimmed: letters, digits, `_`, `.` and `-` (Chatwoot's
/// format), at most [`MAX_KEY_LEN`] bytes.
pub fn attribute_key(raw: &str) -> Result<String, &'static str> {
    let k = raw.trim();
    if k.is_empty() {
        return Err("Attribute key can't be blank");
    }
    if k.len() > MAX_KEY_LEN {
        return Err("Attribute key is too long");
    }
    if !k
        .chars()
        .all(|c| c.is_alphabetic() || c.is_numeric() || matches!(c, '_' | '.' | '-'))
    {
        return Err("Attribute key may contain only letters, numbers, underscores, dots and hyphens");
    }
    Ok(k.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn models_parse_from_codes_and_names() {
        for v in [json!(0), json!("0"), json!("conversation_attribute")] {
            assert_eq!(AttributeModel::parse(&v), Some(AttributeModel::Conversation), "{v}");
        }
        for v in [json!(1), json!(" 1"), json!("contact_attribute")] {
            assert_eq!(AttributeModel::parse(&v), Some(AttributeModel::Contact), "{v}");
        }
        for v in [
            json!(2),
            json!("company_attribute"),
            json!(true),
            json!(null),
            json!(-1),
            json!(1.5),
        ] {
            assert_eq!(AttributeModel::parse(&v), None, "{v}");
        }
    }

    #[test]
    fn display_types_round_trip() {
        for c in 0..8 {
            let t = DisplayType::from_code(c).unwrap();
            assert_eq!(t.code(), c);
            assert_eq!(DisplayType::parse(&json!(t.name())), Some(t));
            assert_eq!(DisplayType::parse(&json!(c)), Some(t));
            assert_eq!(DisplayType::parse(&json!(c.to_string())), Some(t));
        }
        for v in [
            json!(8),
            json!(-1),
            json!("LIST"),
            json!("radio"),
            json!([]),
            json!(70000),
        ] {
            assert_eq!(DisplayType::parse(&v), None, "{v}");
        }
    }

    #[test]
    fn keys() {
        assert_eq!(attribute_key(" plan_tier ").as_deref(), Ok("plan_tier"));
        assert_eq!(attribute_key("заказ-1.2").as_deref(), Ok("заказ-1.2"));
        for bad in ["", "  ", "a b", "a/b", "a$", "<x>"] {
            assert!(attribute_key(bad).is_err(), "{bad:?}");
        }
        assert!(attribute_key(&"k".repeat(255)).is_ok());
        assert!(attribute_key(&"k".repeat(256)).is_err());
    }
}
