//! Request structs read from the parameters http gathered (a JSON body, a
//! form, the query string, all merged into one JSON object), the way Rails'
//! strong parameters are used by Chatwoot: numbers may arrive as numeric
//! strings, booleans as `"true"`/`"1"`/`"false"`/`"0"`, a tag list as one
//! comma-separated string, an empty string stands for an absent number, and
//! unknown keys are ignored.
//!
//! A request struct derives `Deserialize` and gives each field one of the
//! readers in [`lenient`] with `#[serde(default, deserialize_with = ...)]`;
//! [`parse`] turns a value that does not fit into Chatwoot's 422 naming the
//! attribute ("name must be a string"). Whether a field is required, and
//! every rule about its value, stay with the use case.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::{CoreError, CoreResult};

/// Reads `T` from the request's parameters; a value of the wrong type is a
/// 422 naming its attribute (the innermost key of its path).
pub fn parse<T: DeserializeOwned>(params: &Value) -> CoreResult<T> {
    serde_path_to_error::deserialize(params).map_err(|e| {
        let key = e
            .path()
            .iter()
            .filter_map(|s| match s {
                serde_path_to_error::Segment::Map { key } => Some(key.as_str()),
                _ => None,
            })
            .next_back()
            .unwrap_or("params")
            .to_string();
        let reason = e.into_inner().to_string();
        // The readers below say what a value must be (or that it is not
        // one of a list's); anything else (a field without a reader, a body
        // that is no object) is named only.
        let message = if reason.starts_with("must ") || reason.starts_with("is not ") {
            format!("{key} {reason}")
        } else {
            format!("{key} is invalid")
        };
        CoreError::invalid(&key, message)
    })
}

/// Reads `T` from the object under `key` when there is one (Rails' nested
/// `{note: {content}}`), else from the parameters themselves.
pub fn parse_nested<T: DeserializeOwned>(params: &Value, key: &str) -> CoreResult<T> {
    match params.get(key) {
        Some(v @ Value::Object(_)) => parse(v),
        _ => parse(params),
    }
}

/// The 422 of a required attribute that is missing or blank.
pub fn blank(key: &str) -> CoreError {
    CoreError::invalid(key, format!("{key} can't be blank"))
}

/// A field of a partial update: left out, sent as `null` (clear it), or
/// sent with a value. Use with `#[serde(default, deserialize_with = ...)]`
/// and a `patch_*` reader, which only runs when the key is present.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Patch<T> {
    #[default]
    Absent,
    Null,
    Value(T),
}

impl<T> Patch<T> {
    pub fn is_absent(&self) -> bool {
        matches!(self, Patch::Absent)
    }

    /// `None` when absent; `Some(None)` when null.
    pub fn into_change(self) -> Option<Option<T>> {
        match self {
            Patch::Absent => None,
            Patch::Null => Some(None),
            Patch::Value(v) => Some(Some(v)),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// A create's field: absent and null both mean "not given".
    fn from(v: Option<T>) -> Self {
        v.map_or(Patch::Absent, Patch::Value)
    }
}

/// A value that must be one of a list (a wire enumeration's name or code),
/// read without judging it: a use case that finds rows first says "is not
/// included in the list" after them with [`Listed::known`], so an id the
/// caller may not see answers 404 whatever the body holds (as Rails finds
/// the record before it validates). Read with `lenient::listed_later`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Listed<T> {
    Known(T),
    Unknown,
}

impl<T> Listed<T> {
    /// The value, or the 422 naming `key`.
    pub fn known(self, key: &str) -> CoreResult<T> {
        match self {
            Listed::Known(v) => Ok(v),
            Listed::Unknown => Err(CoreError::invalid(key, format!("{key} is not included in the list"))),
        }
    }
}

/// What a parameter value is read as, one function per kind over a JSON
/// value (shared with [`crate::params::Params`], so both accept the same);
/// the error is what the value must be.
pub mod read {
    use super::*;

    pub type Read<T> = Result<Option<T>, &'static str>;

    pub fn string(v: &Value) -> Read<String> {
        match v {
            Value::Null => Ok(None),
            Value::String(s) => Ok(Some(s.clone())),
            Value::Number(n) => Ok(Some(n.to_string())),
            _ => Err("must be a string"),
        }
    }

    pub fn int(v: &Value) -> Read<i64> {
        const E: &str = "must be an integer";
        match v {
            Value::Null => Ok(None),
            Value::Number(n) => n.as_i64().map(Some).ok_or(E),
            Value::String(s) if s.is_empty() => Ok(None),
            Value::String(s) => s.trim().parse().map(Some).map_err(|_| E),
            _ => Err(E),
        }
    }

    pub fn boolean(v: &Value) -> Read<bool> {
        match v {
            Value::Null => Ok(None),
            Value::Bool(b) => Ok(Some(*b)),
            Value::String(s) if s == "true" || s == "1" => Ok(Some(true)),
            Value::String(s) if s == "false" || s == "0" => Ok(Some(false)),
            Value::Number(n) if n.as_i64() == Some(1) => Ok(Some(true)),
            Value::Number(n) if n.as_i64() == Some(0) => Ok(Some(false)),
            _ => Err("must be a boolean"),
        }
    }

    /// An object, its size and contents left to the use case's rules.
    pub fn object(v: &Value) -> Read<Map<String, Value>> {
        match v {
            Value::Null => Ok(None),
            Value::Object(m) => Ok(Some(m.clone())),
            _ => Err("must be an object"),
        }
    }

    pub fn ints(v: &Value) -> Read<Vec<i64>> {
        const E: &str = "must be a list of integers";
        match v {
            Value::Null => Ok(None),
            Value::Array(a) => a
                .iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_i64().ok_or(E),
                    Value::String(s) => s.trim().parse().map_err(|_| E),
                    _ => Err(E),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            _ => Err(E),
        }
    }

    pub fn strings(v: &Value) -> Read<Vec<String>> {
        match v {
            Value::Null => Ok(None),
            Value::Array(a) => a
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or("must be a list of strings"))
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            _ => Err("must be a list of strings"),
        }
    }

    /// A list of strings, or (as acts_as_taggable takes a tag list) one
    /// string of comma-separated entries.
    pub fn tags(v: &Value) -> Read<Vec<String>> {
        match v {
            Value::String(s) => Ok(Some(
                s.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
            )),
            _ => strings(v),
        }
    }
}

/// `deserialize_with` readers for request fields (each with
/// `#[serde(default)]`, so an absent key is `None` or `Patch::Absent`).
pub mod lenient {
    use serde::de::{Deserialize, Deserializer, Error};

    use super::{Patch, Value, read};

    fn with<'de, D: Deserializer<'de>, T>(d: D, f: fn(&Value) -> read::Read<T>) -> Result<Option<T>, D::Error> {
        f(&Value::deserialize(d)?).map_err(D::Error::custom)
    }

    fn patch_with<'de, D: Deserializer<'de>, T>(d: D, f: fn(&Value) -> read::Read<T>) -> Result<Patch<T>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(Patch::Null),
            v => Ok(f(&v).map_err(D::Error::custom)?.map_or(Patch::Null, Patch::Value)),
        }
    }

    /// A string; a number is taken as its digits.
    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        with(d, read::string)
    }

    /// An integer, or a string of one; an empty string is absent.
    pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        with(d, read::int)
    }

    /// `true`/`false`, `"true"`/`"1"`/`"false"`/`"0"`, or 1/0.
    pub fn boolean<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        with(d, read::boolean)
    }

    pub fn object<'de, D: Deserializer<'de>>(d: D) -> Result<Option<serde_json::Map<String, Value>>, D::Error> {
        with(d, read::object)
    }

    pub fn ints<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<i64>>, D::Error> {
        with(d, read::ints)
    }

    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        with(d, read::strings)
    }

    /// A list of strings or one comma-separated string.
    pub fn tags<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
        with(d, read::tags)
    }

    /// One of a list of values (a wire enumeration's name or code, read by
    /// `from_json`); anything else is "is not included in the list", as
    /// Rails' inclusion validation says.
    pub fn listed<'de, D: Deserializer<'de>, T>(
        d: D,
        from_json: fn(&Value) -> Option<T>,
    ) -> Result<Option<T>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            v => from_json(&v)
                .map(Some)
                .ok_or_else(|| D::Error::custom("is not included in the list")),
        }
    }

    /// As [`listed`], a value that is none of the list's kept as
    /// [`Listed::Unknown`] for the use case to refuse.
    pub fn listed_later<'de, D: Deserializer<'de>, T>(
        d: D,
        from_json: fn(&Value) -> Option<T>,
    ) -> Result<Option<super::Listed<T>>, D::Error> {
        match Value::deserialize(d)? {
            Value::Null => Ok(None),
            v => Ok(Some(from_json(&v).map_or(super::Listed::Unknown, super::Listed::Known))),
        }
    }

    /// An integer field of a partial update (an empty string is null).
    pub fn patch_int<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<i64>, D::Error> {
        patch_with(d, read::int)
    }

    /// A string field of a partial update.
    pub fn patch_string<'de, D: Deserializer<'de>>(d: D) -> Result<Patch<String>, D::Error> {
        patch_with(d, read::string)
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Deserialize, Debug, Default)]
    #[serde(default)]
    struct Sample {
        #[serde(deserialize_with = "lenient::string")]
        name: Option<String>,
        #[serde(deserialize_with = "lenient::int")]
        inbox_id: Option<i64>,
        #[serde(deserialize_with = "lenient::boolean")]
        blocked: Option<bool>,
        #[serde(deserialize_with = "lenient::tags")]
        labels: Option<Vec<String>>,
        #[serde(deserialize_with = "lenient::patch_string")]
        email: Patch<String>,
        #[serde(deserialize_with = "lenient::object")]
        custom_attributes: Option<serde_json::Map<String, Value>>,
    }

    fn message(e: CoreError) -> (String, Vec<String>) {
        match e {
            CoreError::Invalid { message, attributes } => (message, attributes),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn rails_leniency() {
        let s: Sample = parse(&json!({
            "name": 42, "inbox_id": " 7 ", "blocked": "1", "labels": "a, b,,c", "unknown": [1],
        }))
        .unwrap();
        assert_eq!(s.name.as_deref(), Some("42"));
        assert_eq!(s.inbox_id, Some(7));
        assert_eq!(s.blocked, Some(true));
        assert_eq!(s.labels, Some(vec!["a".into(), "b".into(), "c".into()]));
        assert_eq!(s.email, Patch::Absent);
        let s: Sample = parse(&json!({ "inbox_id": "", "blocked": 0, "labels": ["x"], "email": null })).unwrap();
        assert_eq!(s.inbox_id, None);
        assert_eq!(s.blocked, Some(false));
        assert_eq!(s.labels, Some(vec!["x".into()]));
        assert_eq!(s.email, Patch::Null);
        let s: Sample = parse(&json!({ "email": "a@b.c" })).unwrap();
        assert_eq!(s.email, Patch::Value("a@b.c".into()));
    }

    #[test]
    fn wrong_types_name_the_attribute() {
        for (body, key, text) in [
            (json!({ "name": ["a"] }), "name", "name must be a string"),
            (
                json!({ "inbox_id": { "id": 1 } }),
                "inbox_id",
                "inbox_id must be an integer",
            ),
            (
                json!({ "inbox_id": "seven" }),
                "inbox_id",
                "inbox_id must be an integer",
            ),
            (json!({ "blocked": "maybe" }), "blocked", "blocked must be a boolean"),
            (json!({ "labels": [1] }), "labels", "labels must be a list of strings"),
            (json!({ "email": true }), "email", "email must be a string"),
            (
                json!({ "custom_attributes": [] }),
                "custom_attributes",
                "custom_attributes must be an object",
            ),
        ] {
            let (m, attrs) = message(parse::<Sample>(&body).unwrap_err());
            assert_eq!(m, text, "{body}");
            assert_eq!(attrs, vec![key.to_string()]);
        }
        let (m, _) = message(parse::<Sample>(&json!("text")).unwrap_err());
        assert_eq!(m, "params is invalid");
    }
}
