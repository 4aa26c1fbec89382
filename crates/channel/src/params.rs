//! Lenient reading of a request's settings, as Rails' strong parameters
//! are used by Chatwoot: numbers and booleans may arrive as strings, a
//! wrong type is an error naming the field, unknown keys are ignored.

use serde_json::Value;

use crate::ChannelError;

pub struct Params<'a>(pub &'a Value);

fn wrong(key: &str, what: &str) -> ChannelError {
    ChannelError::invalid(key, format!("{key} must be {what}"))
}

impl<'a> Params<'a> {
    pub fn new(v: &'a Value) -> Self {
        Params(v)
    }

    pub fn has(&self, key: &str) -> bool {
        self.0.get(key).is_some()
    }

    pub fn raw(&self, key: &str) -> Option<&'a Value> {
        self.0.get(key)
    }

    pub fn str(&self, key: &str) -> Result<Option<String>, ChannelError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(_) => Err(wrong(key, "a string")),
        }
    }

    pub fn req_str(&self, key: &str) -> Result<String, ChannelError> {
        self.str(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ChannelError::invalid(key, format!("{key} can't be blank")))
    }

    pub fn i64(&self, key: &str) -> Result<Option<i64>, ChannelError> {
        match self.0.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong(key, "an integer")),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| wrong(key, "an integer")),
            Some(_) => Err(wrong(key, "an integer")),
        }
    }

    pub fn bool(&self, key: &str) -> Result<Option<bool>, ChannelError> {
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
}
