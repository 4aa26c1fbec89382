//! A channel's settings, described as data: the API serves the description
//! (`GET /api/v1/accounts/{id}/channels`), the dashboard renders a form from
//! it, and [`read_fields`] reads a request by it.

use serde_json::{Map, Value, json};

use crate::{ChannelError, Params};

/// The kind of value a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// Never shown back; left empty on an update, the kept one stays.
    Secret,
    Bool,
    /// A TCP port, 1-65535.
    Port,
    /// One of `options`.
    Select,
    Email,
    Phone,
}

impl FieldKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FieldKind::Text => "text",
            FieldKind::Secret => "secret",
            FieldKind::Bool => "boolean",
            FieldKind::Port => "port",
            FieldKind::Select => "select",
            FieldKind::Email => "email",
            FieldKind::Phone => "phone",
        }
    }
}

/// One setting. `name` is its key in the `channel` object of a request; a
/// dotted name (`provider_config.api_key`) is a key of a nested object.
#[derive(Debug, Clone, Copy)]
pub struct Field {
    pub name: &'static str,
    pub kind: FieldKind,
    pub label: &'static str,
    pub help: &'static str,
    pub required: bool,
    /// As the value would be written in a form (`"993"`, `"true"`).
    pub default: Option<&'static str>,
    pub options: &'static [&'static str],
    /// Asked when the inbox is made; it cannot change afterwards.
    pub create_only: bool,
    /// Shown in a group of related settings (`IMAP`), if any.
    pub group: Option<&'static str>,
}

impl Field {
    /// A text field, optional, with no default; change the rest with struct
    /// update syntax.
    pub const fn text(name: &'static str, label: &'static str) -> Field {
        Field {
            name,
            kind: FieldKind::Text,
            label,
            help: "",
            required: false,
            default: None,
            options: &[],
            create_only: false,
            group: None,
        }
    }

    pub fn is_secret(&self) -> bool {
        self.kind == FieldKind::Secret
    }

    /// The description the API serves.
    pub fn to_json(&self) -> Value {
        let default = self.default.map(|d| match self.kind {
            FieldKind::Bool => json!(d == "true"),
            FieldKind::Port => d.parse::<i64>().map(Value::from).unwrap_or_else(|_| json!(d)),
            _ => json!(d),
        });
        json!({
            "name": self.name,
            "type": self.kind.as_str(),
            "label": self.label,
            "help": self.help,
            "required": self.required,
            "secret": self.is_secret(),
            "default": default,
            "options": self.options,
            "create_only": self.create_only,
            "group": self.group,
        })
    }
}

/// Longest text setting.
const MAX_TEXT: usize = 10_000;

/// Copies the top-level `fields` that `input` has into `into`, each read as
/// its kind (a null removes it; an empty secret keeps the one kept).
pub fn read_fields(fields: &[Field], input: &Value, into: &mut Map<String, Value>) -> Result<(), ChannelError> {
    let p = Params::new(input);
    for f in fields.iter().filter(|f| !f.name.contains('.')) {
        let key = f.name;
        if !p.has(key) {
            continue;
        }
        let v = match f.kind {
            FieldKind::Bool => p.bool(key)?.map(Value::Bool),
            FieldKind::Port => match p.i64(key)? {
                None => None,
                Some(n) if (1..=65535).contains(&n) => Some(json!(n)),
                Some(_) => {
                    return Err(ChannelError::invalid(
                        key,
                        format!("{key} must be a port from 1 to 65535"),
                    ));
                }
            },
            FieldKind::Secret if p.str(key)?.as_deref() == Some("") && into.contains_key(key) => continue,
            FieldKind::Text | FieldKind::Secret | FieldKind::Select | FieldKind::Email | FieldKind::Phone => {
                match p.str(key)? {
                    Some(s) if s.chars().count() > MAX_TEXT => {
                        return Err(ChannelError::invalid(key, format!("{key} is too long")));
                    }
                    Some(s) if f.kind == FieldKind::Select && !f.options.contains(&s.as_str()) => {
                        return Err(ChannelError::invalid(key, format!("{key} is not included in the list")));
                    }
                    s => s.map(Value::String),
                }
            }
        };
        match v {
            Some(v) => into.insert(key.to_string(), v),
            None => into.remove(key),
        };
    }
    Ok(())
}

/// What the dashboard shows once an inbox of the channel is made (and in
/// its settings): a sentence whose `{key}`s are filled from the inbox as
/// the API shows it, and values to copy or count.
#[derive(Debug, Clone, Copy, Default)]
pub struct Ready {
    pub text: &'static str,
    pub shown: &'static [Shown],
}

/// A value of the inbox the dashboard shows, found by a JSON pointer.
#[derive(Debug, Clone, Copy)]
pub struct Shown {
    /// A name for it (the dashboard's class for the control).
    pub name: &'static str,
    pub label: &'static str,
    /// Where it is in the inbox's JSON (`/callback_webhook_url`).
    pub pointer: &'static str,
    /// How: a value to copy, or the length of a list.
    pub count: bool,
}

impl Ready {
    pub fn to_json(&self) -> Value {
        json!({
            "text": self.text,
            "shown": self.shown.iter().map(|s| json!({
                "name": s.name, "label": s.label, "pointer": s.pointer,
                "kind": if s.count { "count" } else { "copy" },
            })).collect::<Vec<_>>(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIELDS: &[Field] = &[
        Field {
            kind: FieldKind::Bool,
            ..Field::text("on", "On")
        },
        Field {
            kind: FieldKind::Port,
            default: Some("993"),
            ..Field::text("port", "Port")
        },
        Field {
            kind: FieldKind::Secret,
            ..Field::text("password", "Password")
        },
        Field {
            kind: FieldKind::Select,
            options: &["a", "b"],
            ..Field::text("mode", "Mode")
        },
        Field::text("nested.key", "Nested"),
    ];

    #[test]
    fn settings_are_read_by_their_kind() {
        let mut kept = Map::new();
        kept.insert("password".into(), json!("old"));
        let input = json!({ "on": "true", "port": "587", "password": "", "mode": "b", "nested.key": "x", "other": 1 });
        read_fields(FIELDS, &input, &mut kept).unwrap();
        assert_eq!(
            Value::Object(kept.clone()),
            json!({ "on": true, "port": 587, "password": "old", "mode": "b" }),
            "an empty secret keeps the kept one; nested and unknown keys are not read here"
        );
        let bad = |v: Value| read_fields(FIELDS, &v, &mut Map::new()).unwrap_err();
        assert_eq!(
            bad(json!({ "port": 70000 })),
            ChannelError::invalid("port", "port must be a port from 1 to 65535")
        );
        assert_eq!(
            bad(json!({ "mode": "c" })),
            ChannelError::invalid("mode", "mode is not included in the list")
        );
        assert_eq!(
            bad(json!({ "on": "maybe" })),
            ChannelError::invalid("on", "on must be a boolean")
        );
        read_fields(FIELDS, &json!({ "mode": null }), &mut kept).unwrap();
        assert!(!kept.contains_key("mode"), "null removes a setting");
    }

    #[test]
    fn descriptions_give_defaults_in_their_kind() {
        assert_eq!(FIELDS[1].to_json()["default"], json!(993));
        assert_eq!(FIELDS[2].to_json()["secret"], json!(true));
        assert_eq!(FIELDS[0].to_json()["default"], Value::Null);
    }
}
