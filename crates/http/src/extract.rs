//! Extractors: the caller (token or session), the caller inside an account,
//! path ids, a JSON body (or a request struct read from it) and a query
//! string, each failing with ApiError.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequest, FromRequestParts, RawPathParams, Request};
use axum::http::request::Parts;
use serde_json::Value;
use switchboard_core::auth::{AccountCtx, Principal};

use crate::AppState;
use crate::error::ApiError;

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The authenticated user: `api_access_token` header (as Chatwoot), a
/// bearer token, devise_token_auth's `access-token` + `client` + `uid`, or
/// the dashboard's `sb_session` cookie (writes need the CSRF header).
pub struct Authed(pub Principal);

impl FromRequestParts<Arc<AppState>> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        if let Some(p) = parts.extensions.get::<Principal>() {
            return Ok(Authed(p.clone()));
        }
        let token = header(parts, "api_access_token")
            .or_else(|| header(parts, "api-access-token"))
            .or_else(|| {
                header(parts, "authorization")
                    .and_then(|a| a.strip_prefix("Bearer "))
                    .map(str::trim)
            });
        let principal = if let Some(t) = token {
            state.core.authenticate_token(t).await?
        } else if let (Some(t), Some(c), Some(u)) = (
            header(parts, "access-token"),
            header(parts, "client"),
            header(parts, "uid"),
        ) {
            state.core.authenticate_session(u, c, t).await?
        } else if let Some(s) = crate::session::cookie(&parts.headers, crate::session::SESSION_COOKIE)
            .as_deref()
            .and_then(crate::session::decode)
        {
            let principal = state.core.authenticate_session(&s.uid, &s.client, &s.token).await?;
            if !crate::session::write_allowed(&parts.method, &parts.headers, state.core.public_url()) {
                return Err(ApiError::Core(switchboard_core::CoreError::Forbidden(
                    "Invalid CSRF token or origin".into(),
                )));
            }
            principal
        } else {
            return Err(ApiError::Core(switchboard_core::CoreError::Unauthorized(
                "You need to sign in or sign up before continuing.".into(),
            )));
        };
        parts.extensions.insert(principal.clone());
        Ok(Authed(principal))
    }
}

/// The caller inside the account named by the `{account_id}` path segment.
pub struct Acct(pub AccountCtx);

impl FromRequestParts<Arc<AppState>> for Acct {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let Authed(p) = Authed::from_request_parts(parts, state).await?;
        let ids = Ids::from_request_parts(parts, state).await?;
        let account_id = ids.get("account_id")?;
        Ok(Acct(state.core.account_ctx(p, account_id).await?))
    }
}

/// The caller of a route agent bots may use too: a person in the account,
/// or a bot of the account with its own access token.
pub enum Caller {
    Person(AccountCtx),
    Bot(switchboard_core::agent_bots::BotCtx),
}

impl FromRequestParts<Arc<AppState>> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let token = header(parts, "api_access_token")
            .or_else(|| header(parts, "api-access-token"))
            .map(str::to_string);
        match Acct::from_request_parts(parts, state).await {
            Ok(Acct(c)) => Ok(Caller::Person(c)),
            Err(person) => {
                let Some(token) = token else { return Err(person) };
                let ids = Ids::from_request_parts(parts, state).await?;
                match state.core.authenticate_bot(&token, ids.get("account_id")?).await {
                    Ok(b) => Ok(Caller::Bot(b)),
                    Err(_) => Err(person),
                }
            }
        }
    }
}

/// Numeric path parameters; a non-numeric id answers 404 like a missing one.
pub struct Ids(HashMap<String, i64>);

impl Ids {
    pub fn get(&self, key: &str) -> Result<i64, ApiError> {
        self.0.get(key).copied().ok_or_else(ApiError::not_found)
    }
}

impl FromRequestParts<Arc<AppState>> for Ids {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        let mut map = HashMap::new();
        for (k, v) in raw.iter() {
            let n: i64 = v.parse().map_err(|_| ApiError::not_found())?;
            map.insert(k.to_string(), n);
        }
        Ok(Ids(map))
    }
}

/// The request's parameters, as Rails gathers them: a JSON body, or an
/// `application/x-www-form-urlencoded` or `multipart/form-data` body with
/// Rails' nested names (`message[content]=...`, `labels[]=a`; a form's files
/// are read only by the routes that take files), with the query string's
/// parameters merged in (theirs win, as in Rails). An empty body is `{}`;
/// malformed JSON is 400; too large is 413.
pub struct JsonBody(pub Value);

/// A form's fields at most (a request's).
const MAX_FORM_FIELDS: usize = 200;

impl FromRequest<Arc<AppState>> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let limit = state.max_body_bytes;
        let query = req
            .uri()
            .query()
            .map(|q| crate::rails_params::parse_urlencoded(q.as_bytes()))
            .unwrap_or_default();
        let kind = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(|v| v.trim().to_ascii_lowercase())
            .unwrap_or_default();
        let mut params = if kind == "multipart/form-data" {
            form_fields(req, state, limit).await?
        } else {
            let bytes = axum::body::to_bytes(req.into_body(), limit)
                .await
                .map_err(|_| ApiError::PayloadTooLarge)?;
            if kind == "application/x-www-form-urlencoded" {
                crate::rails_params::parse_urlencoded(&bytes)
            } else if bytes.iter().all(u8::is_ascii_whitespace) {
                serde_json::Map::new()
            } else {
                let v: Value =
                    serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest(format!("Malformed JSON: {e}")))?;
                match v {
                    Value::Object(m) => m,
                    _ => return Err(ApiError::BadRequest("The request body must be a JSON object".into())),
                }
            }
        };
        crate::rails_params::merge_query(&mut params, query);
        Ok(JsonBody(Value::Object(params)))
    }
}

/// The request's parameters (as [`JsonBody`] gathers them) read into a
/// core request struct; a value of the wrong type is Chatwoot's 422 naming
/// the attribute (`switchboard_core::request::parse`).
pub struct Parsed<T>(pub T);

impl<T: serde::de::DeserializeOwned> FromRequest<Arc<AppState>> for Parsed<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let JsonBody(params) = JsonBody::from_request(req, state).await?;
        Ok(Parsed(switchboard_core::request::parse(&params)?))
    }
}

/// A multipart form's text fields (its files are skipped), all together
/// within `limit` bytes.
async fn form_fields(
    req: Request,
    state: &Arc<AppState>,
    limit: usize,
) -> Result<serde_json::Map<String, Value>, ApiError> {
    let mut form = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| ApiError::BadRequest(format!("Malformed form: {e}")))?;
    let mut params = serde_json::Map::new();
    let (mut count, mut left) = (0usize, limit);
    while let Some(mut field) = form.next_field().await.map_err(form_error)? {
        count += 1;
        if count > MAX_FORM_FIELDS {
            return Err(ApiError::BadRequest("Too many form fields".into()));
        }
        let name = field.name().unwrap_or("").to_string();
        if field.file_name().is_some() {
            while field.chunk().await.map_err(form_error)?.is_some() {}
            continue;
        }
        let text = form_text(&mut field, &mut left).await?;
        crate::rails_params::insert(&mut params, &name, text);
    }
    Ok(params)
}

/// One text field of a form, taken from what the request may still hold
/// (`left` bytes, shared by all its text fields; past it: 413).
pub(crate) async fn form_text(
    field: &mut axum::extract::multipart::Field<'_>,
    left: &mut usize,
) -> Result<String, ApiError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(form_error)? {
        *left = left.checked_sub(chunk.len()).ok_or(ApiError::PayloadTooLarge)?;
        bytes.extend_from_slice(&chunk);
    }
    String::from_utf8(bytes).map_err(|_| ApiError::BadRequest("Form fields must be UTF-8".into()))
}

/// A form's parse error: 413 when the body passed its limit, else 400.
pub(crate) fn form_error(e: axum::extract::multipart::MultipartError) -> ApiError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge
    } else {
        ApiError::BadRequest(format!("Malformed form: {e}"))
    }
}

/// The query string, with repeated keys (`labels[]=a&labels[]=b`) kept.
pub struct QueryParams(Vec<(String, String)>);

impl QueryParams {
    /// Each key with its first value.
    pub fn to_map(&self) -> std::collections::HashMap<String, String> {
        let mut m = std::collections::HashMap::new();
        for (k, v) in &self.0 {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
        m
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }
    /// Each key with its first value, as a JSON object of strings (the
    /// core's readers take numbers as numeric strings).
    pub fn to_value(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.to_map()
                .into_iter()
                .map(|(k, v)| (k, serde_json::Value::String(v)))
                .collect(),
        )
    }
    pub fn all(&self, key: &str) -> Vec<String> {
        let bracket = format!("{key}[]");
        self.0
            .iter()
            .filter(|(k, _)| k == key || *k == bracket)
            .map(|(_, v)| v.clone())
            .collect()
    }
    pub fn i64(&self, key: &str) -> Result<Option<i64>, ApiError> {
        match self.get(key).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                ApiError::Core(switchboard_core::CoreError::invalid(
                    key,
                    format!("{key} must be an integer"),
                ))
            }),
        }
    }
}

impl<S: Send + Sync> FromRequestParts<S> for QueryParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let q = parts.uri.query().unwrap_or("");
        Ok(QueryParams(form_urlencoded::parse(q.as_bytes()).into_owned().collect()))
    }
}
