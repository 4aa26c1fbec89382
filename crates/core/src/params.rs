//! Typed access to JSON request bodies, the way Rails' strong parameters are
//! used by Chatwoot: a wrong type is a 422 naming the attribute, numbers may
//! arrive as numeric strings, and unknown keys are ignored.

use serde_json::{Map, Value};

use crate::request::read;
use crate::{CoreError, CoreResult};

/// The untyped reader, for use cases not yet moved to request structs
/// ([`crate::request`]); both accept the same values.
pub struct Params<'a>(pub &'a Value);

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

    /// Reads `key` with one of the request layer's readers, naming it in
    /// the error.
    fn read<T>(&self, key: &str, f: fn(&Value) -> read::Read<T>) -> CoreResult<Option<T>> {
        match self.0.get(key) {
            None => Ok(None),
            Some(v) => f(v).map_err(|m| CoreError::invalid(key, format!("{key} {m}"))),
        }
    }

    pub fn str(&self, key: &str) -> CoreResult<Option<String>> {
        self.read(key, read::string)
    }

    pub fn req_str(&self, key: &str) -> CoreResult<String> {
        self.str(key)?
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| crate::request::blank(key))
    }

    pub fn i64(&self, key: &str) -> CoreResult<Option<i64>> {
        self.read(key, read::int)
    }

    pub fn bool(&self, key: &str) -> CoreResult<Option<bool>> {
        self.read(key, read::boolean)
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
        self.read(key, read::ints)
    }

    /// A list of strings, or (as acts_as_taggable takes a tag list) one
    /// string of comma-separated entries.
    pub fn str_list_or_csv(&self, key: &str) -> CoreResult<Option<Vec<String>>> {
        self.read(key, read::tags)
    }

    pub fn str_list(&self, key: &str) -> CoreResult<Option<Vec<String>>> {
        self.read(key, read::strings)
    }
}
