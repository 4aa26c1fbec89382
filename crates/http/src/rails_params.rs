//! Rails' parameter names, as Chatwoot's clients send them in forms and
//! query strings: `a=1`, `a[b]=1` (a hash), `a[]=1&a[]=2` (an array),
//! `a[b][c]=1` and `a[b][]=1` (nested). Values stay strings; the use cases
//! read numbers and booleans from strings as Rails does.

use serde_json::{Map, Value};

/// How deep a name may nest (Rails' own limit is about as small).
const MAX_DEPTH: usize = 8;

/// The parts of a name: `a[b][]` -> `["a", "b", ""]`. `None` for names that
/// are not well formed (left out, as Rails would mostly do).
fn parts(name: &str) -> Option<Vec<&str>> {
    let (head, mut rest) = match name.find('[') {
        Some(i) => (&name[..i], &name[i..]),
        None => (name, ""),
    };
    if head.is_empty() {
        return None;
    }
    let mut out = vec![head];
    while !rest.is_empty() {
        let inner = rest.strip_prefix('[')?;
        let end = inner.find(']')?;
        out.push(&inner[..end]);
        rest = &inner[end + 1..];
        if out.len() > MAX_DEPTH {
            return None;
        }
    }
    Some(out)
}

/// Puts `value` at `name` in `params`. A name that clashes with what is
/// already there (a string where a hash is wanted) replaces it, as the later
/// parameter wins in Rails.
pub fn insert(params: &mut Map<String, Value>, name: &str, value: String) {
    let Some(parts) = parts(name) else {
        return;
    };
    let mut node = params;
    let last = parts.len() - 1;
    for (i, key) in parts.iter().enumerate() {
        let next_is_array = parts.get(i + 1).is_some_and(|k| k.is_empty());
        if i == last {
            node.insert((*key).to_string(), Value::String(value));
            return;
        }
        if next_is_array {
            // `key[]` (the array is the last part that means anything:
            // `a[][b]` is taken as `a[]`).
            let slot = node
                .entry((*key).to_string())
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            if let Value::Array(a) = slot {
                a.push(Value::String(value));
            }
            return;
        }
        let slot = node
            .entry((*key).to_string())
            .or_insert_with(|| Value::Object(Map::new()));
        if !slot.is_object() {
            *slot = Value::Object(Map::new());
        }
        let Value::Object(m) = slot else {
            return;
        };
        node = m;
    }
}

/// A query string or an `application/x-www-form-urlencoded` body.
pub fn parse_urlencoded(bytes: &[u8]) -> Map<String, Value> {
    let mut params = Map::new();
    for (k, v) in form_urlencoded::parse(bytes) {
        insert(&mut params, &k, v.into_owned());
    }
    params
}

/// Query parameters merged into body parameters as Rails merges them: the
/// query's win where both name the same key.
pub fn merge_query(body: &mut Map<String, Value>, query: Map<String, Value>) {
    for (k, v) in query {
        body.insert(k, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rails_names() {
        let p = parse_urlencoded(
            b"name=Ann&message[content]=Hi%20there&message[private]=true&labels[]=a&labels[]=b&a[b][]=1&a[b][]=2&a[c][d]=x&[bad]=1&x[=2",
        );
        assert_eq!(
            Value::Object(p),
            json!({
                "name": "Ann",
                "message": { "content": "Hi there", "private": "true" },
                "labels": ["a", "b"],
                "a": { "b": ["1", "2"], "c": { "d": "x" } },
            })
        );
    }

    #[test]
    fn clashes_and_depth() {
        let p = parse_urlencoded(b"a=1&a[b]=2&c[]=1&c=2");
        assert_eq!(Value::Object(p), json!({ "a": { "b": "2" }, "c": "2" }));
        let deep = format!("a{}=1", "[x]".repeat(20));
        assert!(parse_urlencoded(deep.as_bytes()).is_empty());
    }

    #[test]
    fn query_wins() {
        let mut body = parse_urlencoded(b"status=open&x=1");
        merge_query(&mut body, parse_urlencoded(b"status=pending"));
        assert_eq!(Value::Object(body), json!({ "status": "pending", "x": "1" }));
    }
}
