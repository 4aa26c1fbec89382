//! Custom attribute definitions (Chatwoot's `/custom_attribute_definitions`):
//! the account's description of the keys in its contacts' and conversations'
//! `custom_attributes`, which the dashboard uses to show and edit them by
//! type. Every member reads them; administrators write them.
//!
//! The server stores a definition's `regex_pattern` and never evaluates it:
//! the dashboard checks values against it in the browser. Values stay on the
//! records when a definition changes or goes, as in Chatwoot.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::custom_attributes::{AttributeModel, DisplayType, attribute_key};
use switchboard_domain::time::{iso, now_micros};
use switchboard_store::{AttributeDefinition, StoreError};

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::require::Require;
use crate::{Core, CoreError, CoreResult};

/// Definitions per account and model.
pub const MAX_PER_MODEL: i64 = 200;
/// The longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// The longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 2_000;
/// Choices of a list attribute.
pub const MAX_VALUES: usize = 100;
/// The longest choice (and the longest string default), in characters.
pub const MAX_VALUE_CHARS: usize = 255;
/// The longest regex pattern, in characters.
pub const MAX_PATTERN_CHARS: usize = 500;
/// The longest regex cue, in characters.
pub const MAX_CUE_CHARS: usize = 255;

fn definition_json(d: &AttributeDefinition) -> Value {
    json!({
        "id": d.id,
        "attribute_display_name": d.attribute_display_name,
        "attribute_display_type": DisplayType::from_code(d.attribute_display_type).map(DisplayType::name),
        "attribute_description": d.attribute_description,
        "attribute_key": d.attribute_key,
        "regex_pattern": d.regex_pattern,
        "regex_cue": d.regex_cue,
        "attribute_values": d.attribute_values,
        "attribute_model": AttributeModel::from_code(d.attribute_model).map(AttributeModel::name),
        "default_value": d.default_value,
        // Chatwoot renders the raw rows: ISO-8601 times.
        "created_at": iso(d.created_at),
        "updated_at": iso(d.updated_at),
    })
}

/// A `?attribute_model=` filter: absent or empty lists every model.
pub fn model_filter(raw: Option<&str>) -> CoreResult<Option<AttributeModel>> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => AttributeModel::parse_str(s).map(Some).ok_or_else(|| {
            CoreError::invalid(
                "attribute_model",
                "Attribute model must be conversation_attribute (0) or contact_attribute (1)",
            )
        }),
    }
}

fn too_long(attr: &str, what: &str, max: usize) -> CoreError {
    CoreError::invalid(attr, format!("{what} is too long (maximum is {max} characters)"))
}

/// An optional text: blank is none; longer than `max` characters refused.
fn optional_text(p: &Params<'_>, attr: &str, what: &str, max: usize) -> CoreResult<Option<String>> {
    match p.str(attr)? {
        Some(s) if s.trim().is_empty() => Ok(None),
        Some(s) if s.chars().count() > max => Err(too_long(attr, what, max)),
        s => Ok(s),
    }
}

/// The choices of a list: strings (or numbers), trimmed, blanks and repeats
/// dropped, at most [`MAX_VALUES`] of at most [`MAX_VALUE_CHARS`].
fn choices(v: &Value) -> CoreResult<Value> {
    let attr = "attribute_values";
    let items = match v {
        Value::Null => return Ok(json!([])),
        Value::Array(a) => a,
        _ => return Err(CoreError::invalid(attr, "attribute_values must be a list of strings")),
    };
    if items.len() > MAX_VALUES {
        return Err(CoreError::invalid(
            attr,
            format!("Attribute values are too many (maximum is {MAX_VALUES})"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(items.len());
    for item in items {
        let s = match item {
            Value::String(s) => s.trim().to_string(),
            Value::Number(n) => n.to_string(),
            _ => return Err(CoreError::invalid(attr, "attribute_values must be a list of strings")),
        };
        if s.chars().count() > MAX_VALUE_CHARS {
            return Err(too_long(attr, "An attribute value", MAX_VALUE_CHARS));
        }
        if !s.is_empty() && !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(json!(out))
}

/// A default value: a string, number or boolean, or null.
fn default_value(v: &Value) -> CoreResult<Value> {
    match v {
        Value::String(s) if s.chars().count() > MAX_VALUE_CHARS => {
            Err(too_long("default_value", "Default value", MAX_VALUE_CHARS))
        }
        Value::Null | Value::String(_) | Value::Number(_) | Value::Bool(_) => Ok(v.clone()),
        _ => Err(CoreError::invalid(
            "default_value",
            "default_value must be a string, a number or a boolean",
        )),
    }
}

fn required<T>(v: Option<T>, attr: &str, message: String) -> CoreResult<T> {
    v.ok_or_else(|| CoreError::invalid(attr, message))
}

impl Core {
    /// `GET /custom_attribute_definitions?attribute_model=`: oldest first.
    pub async fn list_attribute_definitions(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        model: Option<&str>,
    ) -> CoreResult<Value> {
        let model = model_filter(model)?;
        let mut tx = self.store.read().await?;
        let list = tx
            .list_attribute_definitions(ctx.account_id(), model.map(AttributeModel::code), 2 * MAX_PER_MODEL)
            .await?;
        Ok(Value::Array(list.iter().map(definition_json).collect()))
    }

    pub async fn attribute_definition(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let d = tx.require_attribute_definition(ctx.account_id(), id).await?;
        Ok(definition_json(&d))
    }

    /// Creates (`id` none) or changes a definition: administrators only.
    /// Fields absent from a change keep their values.
    pub async fn save_attribute_definition(
        self: &Arc<Self>,
        ctx: &AccountCtx,
        id: Option<i64>,
        body: &Value,
    ) -> CoreResult<Value> {
        ctx.require_admin()?;
        let p = Params::new(body).nested_or_self("custom_attribute_definition");
        let mut tx = self.store.write().await?;
        let now = now_micros();
        let mut d = match id {
            Some(id) => tx.require_attribute_definition(ctx.account_id(), id).await?,
            None => AttributeDefinition {
                id: 0,
                account_id: ctx.account_id(),
                attribute_model: AttributeModel::Conversation.code(),
                attribute_key: String::new(),
                attribute_display_name: String::new(),
                attribute_display_type: DisplayType::Text.code(),
                attribute_description: None,
                attribute_values: json!([]),
                regex_pattern: None,
                regex_cue: None,
                default_value: Value::Null,
                created_at: now,
                updated_at: now,
            },
        };
        let (old_model, old_key) = (d.attribute_model, d.attribute_key.clone());
        let creating = id.is_none();

        if creating || p.has("attribute_display_name") {
            let name = p.str("attribute_display_name")?.unwrap_or_default();
            let name = name.trim();
            if name.is_empty() {
                return Err(CoreError::invalid(
                    "attribute_display_name",
                    "Attribute display name can't be blank",
                ));
            }
            if name.chars().count() > MAX_NAME_CHARS {
                return Err(too_long(
                    "attribute_display_name",
                    "Attribute display name",
                    MAX_NAME_CHARS,
                ));
            }
            d.attribute_display_name = name.to_string();
        }
        if creating || p.has("attribute_key") {
            let raw = p
                .str("attribute_key")?
                .ok_or_else(|| CoreError::invalid("attribute_key", "Attribute key can't be blank"))?;
            d.attribute_key = attribute_key(&raw).map_err(|m| CoreError::invalid("attribute_key", m))?;
        }
        if let Some(v) = p.raw("attribute_model")
            && !(creating && v.is_null())
        {
            let m = required(
                AttributeModel::parse(v),
                "attribute_model",
                "Attribute model must be conversation_attribute (0) or contact_attribute (1)".into(),
            )?;
            d.attribute_model = m.code();
        }
        if let Some(v) = p.raw("attribute_display_type")
            && !(creating && v.is_null())
        {
            let t = required(
                DisplayType::parse(v),
                "attribute_display_type",
                "Attribute display type must be one of text, number, currency, percent, link, date, list, checkbox"
                    .into(),
            )?;
            d.attribute_display_type = t.code();
        }
        if p.has("attribute_description") {
            d.attribute_description = optional_text(
                &p,
                "attribute_description",
                "Attribute description",
                MAX_DESCRIPTION_CHARS,
            )?;
        }
        if let Some(v) = p.raw("attribute_values") {
            d.attribute_values = choices(v)?;
        }
        if p.has("regex_pattern") {
            d.regex_pattern = optional_text(&p, "regex_pattern", "Regex pattern", MAX_PATTERN_CHARS)?;
        }
        if p.has("regex_cue") {
            d.regex_cue = optional_text(&p, "regex_cue", "Regex cue", MAX_CUE_CHARS)?;
        }
        if let Some(v) = p.raw("default_value") {
            d.default_value = default_value(v)?;
        }

        let model = AttributeModel::from_code(d.attribute_model)
            .ok_or_else(|| CoreError::Internal("unknown attribute model".into()))?;
        if (creating || d.attribute_key != old_key || d.attribute_model != old_model)
            && model.standard_keys().contains(&d.attribute_key.as_str())
        {
            return Err(CoreError::invalid(
                "attribute_key",
                "Attribute key is taken by a standard attribute",
            ));
        }
        if (creating || d.attribute_model != old_model)
            && tx
                .count_attribute_definitions(ctx.account_id(), d.attribute_model)
                .await?
                >= MAX_PER_MODEL
        {
            return Err(CoreError::invalid(
                "attribute_model",
                format!("An account has at most {MAX_PER_MODEL} custom attributes of each model"),
            ));
        }
        let taken = |e: StoreError| match e {
            StoreError::Conflict(_) => CoreError::invalid("attribute_key", "Attribute key has already been taken"),
            e => e.into(),
        };
        d.updated_at = now;
        let d = if creating {
            tx.insert_attribute_definition(&d).await.map_err(taken)?
        } else {
            tx.update_attribute_definition(&d).await.map_err(taken)?;
            d
        };
        tx.commit().await?;
        Ok(definition_json(&d))
    }

    /// Deletes a definition: administrators only. The values stay on the
    /// records (shown as plain attributes).
    pub async fn delete_attribute_definition(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        ctx.require_admin()?;
        let mut tx = self.store.write().await?;
        if !tx.delete_attribute_definition(ctx.account_id(), id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}
