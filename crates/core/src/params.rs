//! Typed access to JSON request bodies, the way Rails' strong parameters are
//! used by Chatwoot: a wrong type is a 422 naming the attribute, numbers may
//! arrive as numeric strings, and unknown keys are ignored.

use serde_json::{Map, Value};

use crate::{CoreError, CoreResult};

pub struct Params<'a>(pub &'a Value);

fn wrong(key: &str, what: &str) -> CoreError {
    CoreError::invalid(key, format!("{key} must be {what}"))
}

impl<'a> Params<'a> {
    pub fn new(v: &'a Value) -> Self {
        Params(v)
    }

    /// A nested object (`{webhook: {...}}`) or, if absent, the body itself.
    pub fn nested_or_self(&self, key: &str) -> Params<'a> {
        match self.0.get(key) {
            Some(v @ Value::Object(_)) => Params(v),
            _ => Params(self.0),
        }
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some()
    }

    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    pub fn is_null(&self, key: &str) -> bool {
        matches!(self.0.get(key), Some(Value::Null))
    }

    pub fn str(&self, key: &str) -> CoreResult<Option<String>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(wrong(key, "a string")),
        }
    }

    pub fn req_str(&self, key: &str) -> CoreResult<String> {
        self.str(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| CoreError::invalid(key, format!("{key} can't be blank")))
    }

    pub fn i64(&self, key: &str) -> CoreResult<Option<i64>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong(key, "an integer")),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| wrong(key, "an integer")),
            Some(_) => Err(wrong(key, "an integer")),
        }
    }

    pub fn bool(&self, key: &str) -> CoreResult<Option<bool>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(Value::String(s)) if s == "true" || s == "1" => Ok(Some(true)),
            Some(Value::String(s)) if s == "false" || s == "0" => Ok(Some(false)),
            Some(Value::Number(n)) if n.as_i64() == Some(1) => Ok(Some(true)),
            Some(Value::Number(n)) if n.as_i64() == Some(0) => Ok(Some(false)),
            Some(_) => Err(wrong(key, "a boolean")),
        }
    }

    pub fn object(&self, key: &str) -> CoreResult<Option<Map<String, Value>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => switchboard_domain::validate::attributes_object(v, key)
                .map(Some)
                .map_err(|m| CoreError::invalid(key, m)),
        }
    }

    pub fn i64_list(&self, key: &str) -> CoreResult<Option<Vec<i64>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| match v {
                    Value::Number(n) => n.as_i64().ok_or_else(|| wrong(key, "a list of integers")),
                    Value::String(s) => s.trim().parse().map_err(|_| wrong(key, "a list of integers")),
                    _ => Err(wrong(key, "a list of integers")),
                })
                .collect::<CoreResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(wrong(key, "a list of integers")),
        }
    }

    /// A list of strings, or (as acts_as_taggable takes a tag list) one
    /// string of comma-separated entries.
    pub fn str_list_or_csv(&self, key: &str) -> CoreResult<Option<Vec<String>>> {
        match self.0.get(key) {
            Some(Value::String(s)) => Ok(Some(
                s.split(',')
                    .map(str::trim)
                    .filter(|e| !e.is_empty())
                    .map(str::to_string)
                    .collect(),
            )),
            _ => self.str_list(key),
        }
    }

    pub fn str_list(&self, key: &str) -> CoreResult<Option<Vec<String>>> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| wrong(key, "a list of strings"))
                })
                .collect::<CoreResult<Vec<_>>>()
                .map(Some),
            Some(_) => Err(wrong(key, "a list of strings")),
        }
    }
}
