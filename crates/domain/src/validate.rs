//! Input validation shared by every API surface. Functions return a
//! human-readable message on failure; the HTTP layer turns it into Chatwoot's
//! 422 shape.

use serde_json::Value;

use crate::enums::ContentType;
use crate::event::ALLOWED_WEBHOOK_SUBSCRIPTIONS;

pub const MAX_URL_LEN: usize = 2048;
pub const MAX_NAME_LEN: usize = 255;
pub const MAX_ATTRIBUTE_STRING: usize = 1500;

/// Label titles are stored lower-case: letters, digits, `-` and `_`.
pub fn label_title(raw: &str) -> Result<String, String> {
    let t = raw.trim().to_lowercase();
    if t.is_empty() {
        return Err("Title can't be blank".into());
    }
    if t.chars().count() > MAX_NAME_LEN {
        return Err("Title is too long".into());
    }
    if !t.chars().all(|c| c.is_alphanumeric() || c == '-' || c == '_') {
        return Err("Title is invalid: only letters, digits, - and _ are allowed".into());
    }
    Ok(t)
}

/// Text made one line: control characters (CR, LF, tabs, NUL) and line or
/// paragraph separators become spaces, runs of spaces collapse, the ends
/// are trimmed. Safe in a mail header or a one-line label.
pub fn one_line(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut space = false;
    for c in raw.chars() {
        if c.is_control() || c.is_whitespace() || c == '\u{2028}' || c == '\u{2029}' {
            space = !out.is_empty();
            continue;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
    }
    out
}

/// A person's name as stored: [`one_line`], at most [`MAX_NAME_LEN`]
/// characters.
pub fn person_name(raw: &str) -> Result<String, String> {
    let out = one_line(raw);
    if out.chars().count() > MAX_NAME_LEN {
        return Err("Name is too long".into());
    }
    Ok(out)
}

/// A lower-cased e-mail address with one `@`, a non-empty local part and a dotted domain.
pub fn email(raw: &str) -> Result<String, String> {
    let e = raw.trim().to_lowercase();
    let ok = e.len() <= 320
        && e.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        })
        && !e.chars().any(|c| c.is_whitespace() || c.is_control());
    if ok { Ok(e) } else { Err("Email is invalid".into()) }
}

/// E.164: `+` then 1 to 15 digits, first not zero.
pub fn phone_number(raw: &str) -> Result<String, String> {
    let p = raw.trim();
    let digits = p.strip_prefix('+').unwrap_or("");
    let ok = !digits.is_empty()
        && digits.len() <= 15
        && digits.chars().all(|c| c.is_ascii_digit())
        && !digits.starts_with('0');
    if ok {
        Ok(p.to_string())
    } else {
        Err("Phone number should be in e164 format".into())
    }
}

/// An absolute http(s) URL of sensible length (no resolution happens here).
pub fn http_url(raw: &str) -> Result<String, String> {
    let u = raw.trim();
    if u.len() > MAX_URL_LEN {
        return Err("Url is too long".into());
    }
    let rest = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .ok_or_else(|| "Url is invalid".to_string())?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("Url is invalid".into());
    }
    Ok(u.to_string())
}

pub fn webhook_subscriptions(v: &[String]) -> Result<Vec<String>, String> {
    if v.is_empty() {
        return Err("Subscriptions Invalid events".into());
    }
    let mut out: Vec<String> = Vec::with_capacity(v.len());
    for s in v {
        if !ALLOWED_WEBHOOK_SUBSCRIPTIONS.contains(&s.as_str()) {
            return Err(format!("Subscriptions Invalid events: {s}"));
        }
        if !out.contains(s) {
            out.push(s.clone());
        }
    }
    Ok(out)
}

/// `content_attributes` as a JSON object (clients also send a JSON string).
pub fn content_attributes(v: Option<&Value>) -> Result<Value, String> {
    match v {
        None | Some(Value::Null) => Ok(Value::Object(Default::default())),
        Some(Value::Object(_)) => Ok(v.cloned().unwrap_or_default()),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(Value::Object(Default::default())),
        Some(Value::String(s)) => match serde_json::from_str::<Value>(s) {
            Ok(obj @ Value::Object(_)) => Ok(obj),
            _ => Err("Content attributes must be a JSON object".into()),
        },
        Some(_) => Err("Content attributes must be a JSON object".into()),
    }
}

/// Per-content-type validation of `content_attributes.items` (compat §2.3).
pub fn content_for_type(content_type: ContentType, attrs: &Value) -> Result<(), String> {
    let required: &[&str] = match content_type {
        ContentType::InputSelect => &["title", "value"],
        ContentType::Cards => &["title"],
        ContentType::Form => &["name", "type"],
        ContentType::Article => &["title", "link"],
        _ => return Ok(()),
    };
    let allowed: &[&str] = match content_type {
        ContentType::InputSelect => &["title", "value"],
        ContentType::Cards => &["title", "description", "media_url", "actions"],
        ContentType::Form => &[
            "type",
            "placeholder",
            "label",
            "name",
            "options",
            "default",
            "required",
            "pattern",
            "title",
            "pattern_error",
        ],
        _ => &["title", "description", "link"],
    };
    let items = attrs
        .get("items")
        .and_then(Value::as_array)
        .ok_or_else(|| format!("Content attributes items are required for {content_type}"))?;
    if items.is_empty() {
        return Err(format!("Content attributes items are required for {content_type}"));
    }
    for item in items {
        let obj = item
            .as_object()
            .ok_or_else(|| "Content attributes items must be objects".to_string())?;
        for key in obj.keys() {
            if !allowed.contains(&key.as_str()) {
                return Err(format!("Content attributes item has an unknown key: {key}"));
            }
        }
        for key in required {
            if obj.get(*key).is_none_or(|v| v.is_null()) {
                return Err(format!("Content attributes item is missing {key}"));
            }
        }
        if content_type == ContentType::Cards
            && let Some(actions) = obj.get("actions")
        {
            let arr = actions
                .as_array()
                .ok_or_else(|| "Card actions must be an array".to_string())?;
            for a in arr {
                let a = a
                    .as_object()
                    .ok_or_else(|| "Card actions must be objects".to_string())?;
                for key in a.keys() {
                    if !["text", "type", "payload", "uri"].contains(&key.as_str()) {
                        return Err(format!("Card action has an unknown key: {key}"));
                    }
                }
            }
        }
    }
    Ok(())
}

/// A JSON object of custom or additional attributes.
/// The most keys an attributes object (custom or additional) may hold.
pub const MAX_ATTRIBUTE_KEYS: usize = 200;
/// The most bytes an attributes object may take as JSON.
pub const MAX_ATTRIBUTES_BYTES: usize = 64 * 1024;

/// Whether a whole attributes object is within bounds (merges add keys one
/// request at a time, so the result is checked, not only each request).
pub fn attributes_within_bounds(m: &serde_json::Map<String, Value>, what: &str) -> Result<(), String> {
    if m.len() > MAX_ATTRIBUTE_KEYS {
        return Err(format!("{what} may have at most {MAX_ATTRIBUTE_KEYS} keys"));
    }
    let bytes = serde_json::to_vec(m).map(|b| b.len()).unwrap_or(usize::MAX);
    if bytes > MAX_ATTRIBUTES_BYTES {
        return Err(format!("{what} may take at most {} KB", MAX_ATTRIBUTES_BYTES / 1024));
    }
    Ok(())
}

/// Merges `new` into the object `target` (Chatwoot's `merge!`), keeping the
/// result within bounds; `target` is unchanged when it would not be.
pub fn merge_attributes(target: &mut Value, new: serde_json::Map<String, Value>, what: &str) -> Result<(), String> {
    let mut merged = target.as_object().cloned().unwrap_or_default();
    merged.extend(new);
    attributes_within_bounds(&merged, what)?;
    *target = Value::Object(merged);
    Ok(())
}

pub fn attributes_object(v: &Value, what: &str) -> Result<serde_json::Map<String, Value>, String> {
    match v {
        Value::Object(m) => {
            attributes_within_bounds(m, what)?;
            for (k, val) in m {
                if k.len() > MAX_NAME_LEN {
                    return Err(format!("{what} key is too long"));
                }
                if let Value::String(s) = val
                    && s.chars().count() > MAX_ATTRIBUTE_STRING
                {
                    return Err(format!("{what} value for {k} is too long"));
                }
            }
            Ok(m.clone())
        }
        Value::Null => Ok(Default::default()),
        _ => Err(format!("{what} must be an object")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn person_names() {
        assert_eq!(
            person_name(" Ann\r\nBcc: x@evil.test ").as_deref(),
            Ok("Ann Bcc: x@evil.test")
        );
        assert_eq!(person_name("a\u{0}b\tc\u{2028}d").as_deref(), Ok("a b c d"));
        assert_eq!(person_name("Иван  Петров").as_deref(), Ok("Иван Петров"));
        assert_eq!(person_name("\n\n").as_deref(), Ok(""));
        assert!(person_name(&"x".repeat(256)).is_err());
    }

    #[test]
    fn labels() {
        assert_eq!(label_title(" Billing_2 ").as_deref(), Ok("billing_2"));
        assert!(label_title("has space").is_err());
        assert!(label_title("").is_err());
        assert!(label_title("x'; drop").is_err());
    }

    #[test]
    fn emails_and_phones() {
        assert_eq!(email("A@B.io").as_deref(), Ok("a@b.io"));
        assert!(email("a@b").is_err());
        assert!(email("@b.io").is_err());
        assert!(email("a b@c.io").is_err());
        assert!(phone_number("+4915112345678").is_ok());
        assert!(phone_number("015112345678").is_err());
        assert!(phone_number("+0123").is_err());
    }

    #[test]
    fn urls() {
        assert!(http_url("https://example.com/hook").is_ok());
        assert!(http_url("ftp://example.com").is_err());
        assert!(http_url("https:///x").is_err());
        assert!(http_url(&format!("https://e.com/{}", "a".repeat(3000))).is_err());
    }

    #[test]
    fn subscriptions() {
        assert!(webhook_subscriptions(&[]).is_err());
        assert!(webhook_subscriptions(&["message_created".into(), "nope".into()]).is_err());
        assert_eq!(
            webhook_subscriptions(&["message_created".into(), "message_created".into()]).map(|v| v.len()),
            Ok(1)
        );
    }

    #[test]
    fn content_attrs() {
        assert_eq!(content_attributes(Some(&json!("{\"a\":1}"))), Ok(json!({"a":1})));
        assert!(content_attributes(Some(&json!([1]))).is_err());
        assert!(content_attributes(Some(&json!("not json"))).is_err());
        let ok = json!({"items":[{"title":"Yes","value":"yes"}]});
        assert!(content_for_type(ContentType::InputSelect, &ok).is_ok());
        let bad = json!({"items":[{"title":"Yes","evil":"x"}]});
        assert!(content_for_type(ContentType::InputSelect, &bad).is_err());
        assert!(content_for_type(ContentType::InputSelect, &json!({})).is_err());
        assert!(content_for_type(ContentType::Text, &json!({})).is_ok());
        let card = json!({"items":[{"title":"T","actions":[{"text":"Go","type":"link","uri":"https://x.io"}]}]});
        assert!(content_for_type(ContentType::Cards, &card).is_ok());
    }
}
