//! A user's saved filters (Chatwoot's `/custom_filters`): each user's own in
//! each account. Another user's filter answers 404 like a missing one, to
//! administrators too.

use std::sync::Arc;

use serde_json::{Value, json};
use switchboard_domain::time::{iso, now_micros};
use switchboard_store::CustomFilter;

use crate::auth::AccountCtx;
use crate::params::Params;
use crate::require::Require;
use crate::{Core, CoreError, CoreResult};

/// Filters one user keeps in one account, all types together (Chatwoot's
/// limit).
pub const MAX_FILTERS_PER_USER: i64 = 50;
/// The longest name, in characters.
pub const MAX_NAME_CHARS: usize = 255;
/// The largest query, as JSON text.
pub const MAX_QUERY_BYTES: usize = 16 * 1024;

const TYPES: [&str; 3] = ["conversation", "contact", "report"];

/// `conversation`, `contact` or `report` to its code.
pub fn filter_type_code(attr: &str, s: &str) -> CoreResult<i16> {
    TYPES
        .iter()
        .position(|t| *t == s)
        .map(|i| i as i16)
        .ok_or_else(|| CoreError::invalid(attr, format!("{attr} must be one of conversation, contact, report")))
}

fn filter_json(f: &CustomFilter) -> Value {
    json!({
        "id": f.id,
        "name": f.name,
        "filter_type": TYPES.get(f.filter_type as usize).copied().unwrap_or("conversation"),
        "query": f.query,
        "created_at": iso(f.created_at),
        "updated_at": iso(f.updated_at),
    })
}

/// What a create or update body says; `None` where it is silent.
struct Fields {
    name: Option<String>,
    filter_type: Option<i16>,
    query: Option<Value>,
}

fn fields(body: &Value) -> CoreResult<Fields> {
    let p = Params::new(body).nested_or_self("custom_filter");
    let name = match p.str("name")? {
        None => None,
        Some(n) => {
            let n = n.trim().to_string();
            if n.is_empty() {
                return Err(CoreError::invalid("name", "Name can't be blank"));
            }
            if n.chars().count() > MAX_NAME_CHARS || n.chars().any(char::is_control) {
                return Err(CoreError::invalid(
                    "name",
                    format!("Name must be one line of at most {MAX_NAME_CHARS} characters"),
                ));
            }
            Some(n)
        }
    };
    // Chatwoot's parameter is `filter_type`; its API document says `type`.
    let filter_type = match p.str("filter_type")?.or(p.str("type")?) {
        None => None,
        Some(t) => Some(filter_type_code("filter_type", &t)?),
    };
    let query = match p.raw("query") {
        None | Some(Value::Null) => None,
        Some(q @ Value::Object(_)) => {
            if serde_json::to_string(q).map(|s| s.len()).unwrap_or(usize::MAX) > MAX_QUERY_BYTES {
                return Err(CoreError::invalid(
                    "query",
                    format!("Query is too large (at most {} KB)", MAX_QUERY_BYTES / 1024),
                ));
            }
            Some(q.clone())
        }
        Some(_) => return Err(CoreError::invalid("query", "query must be an object")),
    };
    Ok(Fields {
        name,
        filter_type,
        query,
    })
}

impl Core {
    /// `GET /custom_filters?filter_type=` (conversation by default).
    pub async fn custom_filters(self: &Arc<Self>, ctx: &AccountCtx, filter_type: Option<&str>) -> CoreResult<Value> {
        let code = match filter_type.filter(|t| !t.is_empty()) {
            None => 0,
            Some(t) => filter_type_code("filter_type", t)?,
        };
        let mut tx = self.store.read().await?;
        let rows = tx
            .list_custom_filters(ctx.account_id(), ctx.user.id, code, MAX_FILTERS_PER_USER)
            .await?;
        Ok(Value::Array(rows.iter().map(filter_json).collect()))
    }

    pub async fn custom_filter(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<Value> {
        let mut tx = self.store.read().await?;
        let f = tx.require_custom_filter(ctx.account_id(), ctx.user.id, id).await?;
        Ok(filter_json(&f))
    }

    /// `POST /custom_filters {custom_filter: {name, filter_type, query}}`.
    pub async fn create_custom_filter(self: &Arc<Self>, ctx: &AccountCtx, body: &Value) -> CoreResult<Value> {
        let f = fields(body)?;
        let name = f
            .name
            .ok_or_else(|| CoreError::invalid("name", "Name can't be blank"))?;
        let query = f
            .query
            .ok_or_else(|| CoreError::invalid("query", "Query can't be blank"))?;
        let mut tx = self.store.write().await?;
        if tx.count_custom_filters(ctx.account_id(), ctx.user.id).await? >= MAX_FILTERS_PER_USER {
            return Err(CoreError::invalid(
                "account_id",
                format!(
                    "Limit reached. The maximum number of allowed custom filters for a user per account is {MAX_FILTERS_PER_USER}."
                ),
            ));
        }
        let now = now_micros();
        let row = tx
            .insert_custom_filter(&CustomFilter {
                id: 0,
                account_id: ctx.account_id(),
                user_id: ctx.user.id,
                name,
                filter_type: f.filter_type.unwrap_or(0),
                query,
                created_at: now,
                updated_at: now,
            })
            .await?;
        tx.commit().await?;
        Ok(filter_json(&row))
    }

    /// `PATCH /custom_filters/{id}`: changes what the body names.
    pub async fn update_custom_filter(self: &Arc<Self>, ctx: &AccountCtx, id: i64, body: &Value) -> CoreResult<Value> {
        let f = fields(body)?;
        let mut tx = self.store.write().await?;
        let mut row = tx.require_custom_filter(ctx.account_id(), ctx.user.id, id).await?;
        if let Some(n) = f.name {
            row.name = n;
        }
        if let Some(t) = f.filter_type {
            row.filter_type = t;
        }
        if let Some(q) = f.query {
            row.query = q;
        }
        row.updated_at = now_micros();
        tx.update_custom_filter(&row).await?;
        tx.commit().await?;
        Ok(filter_json(&row))
    }

    pub async fn delete_custom_filter(self: &Arc<Self>, ctx: &AccountCtx, id: i64) -> CoreResult<()> {
        let mut tx = self.store.write().await?;
        if !tx.delete_custom_filter(ctx.account_id(), ctx.user.id, id).await? {
            return Err(CoreError::NotFound);
        }
        tx.commit().await?;
        Ok(())
    }
}
