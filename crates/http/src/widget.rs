//! The Widget API of website inboxes: `/api/v1/widget/...?website_token=...`,
//! the visitor in the `X-Auth-Token` header. Only the inbox's allowed
//! domains may call it from a browser.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use switchboard_core::public::Visitor;
use switchboard_store::Inbox;

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Ids, JsonBody, QueryParams};
use crate::public::{limit_new_contact, limit_write};

type S = State<Arc<AppState>>;

pub fn routes(state: Arc<AppState>) -> Router<Arc<AppState>> {
    let upload_limit = crate::uploads::visitor_body_limit(&state);
    Router::new()
        .route("/api/v1/widget/config", post(config))
        .route("/api/v1/widget/contact", get(contact).patch(contact_update))
        .route(
            "/api/v1/widget/contact/set_user",
            axum::routing::patch(set_user).post(set_user),
        )
        .route(
            "/api/v1/widget/conversations",
            get(conversation).post(conversation_create),
        )
        .route("/api/v1/widget/conversations/update_last_seen", post(last_seen))
        .route("/api/v1/widget/conversations/toggle_typing", post(typing))
        .route("/api/v1/widget/conversations/toggle_status", get(resolve))
        .route(
            "/api/v1/widget/messages",
            get(messages)
                .post(message_create)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/api/v1/widget/messages/{id}",
            axum::routing::patch(message_update).put(message_update),
        )
        .route("/api/v1/widget/events", post(event))
        .route("/api/v1/widget/inbox_members", get(inbox_members))
        .merge(crate::widget_attributes::routes())
        // Before the CORS layer, so preflights still reach it.
        .method_not_allowed_fallback(crate::unrouted)
        .layer(middleware::from_fn_with_state(state, allowed_origins))
}

/// Whether `origin` (`https://host[:port]`) is one of the inbox's allowed
/// domains (`example.com`, `*.example.com`; any when none are set).
pub fn origin_allowed(allowed: &str, origin: &str) -> bool {
    let entries: Vec<&str> = allowed
        .split([',', ' ', '\n'])
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .collect();
    if entries.is_empty() {
        return true;
    }
    let host = origin
        .split("://")
        .nth(1)
        .unwrap_or(origin)
        .split(['/', ':'])
        .next()
        .unwrap_or("")
        .to_ascii_lowercase();
    entries.iter().any(|e| {
        let e = e
            .trim_start_matches("https://")
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_ascii_lowercase();
        let e = e.split(':').next().unwrap_or("");
        match e.strip_prefix("*.") {
            Some(base) => host == base || host.ends_with(&format!(".{base}")),
            None => host == e,
        }
    })
}

/// Whether `origin` is this server's own (the full-page chat at `/widget`),
/// judged by the `Host` the request was sent to.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let authority = origin.split("://").nth(1).unwrap_or("");
    host.is_some_and(|h| !h.is_empty() && h.eq_ignore_ascii_case(authority))
}

/// CORS for the widget: browsers on allowed domains (and our own pages) only.
async fn allowed_origins(State(st): State<Arc<AppState>>, req: axum::extract::Request, next: Next) -> Response {
    let origin = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let token = req.uri().query().and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "website_token")
            .map(|(_, v)| v.into_owned())
    });
    if let (Some(origin), Some(token)) = (&origin, &token)
        && let Ok(inbox) = st.core.widget_inbox(token).await
    {
        let allowed = inbox
            .channel_config
            .get("allowed_domains")
            .and_then(Value::as_str)
            .unwrap_or("");
        let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok());
        if !origin_allowed(allowed, origin) && !same_origin(origin, host) {
            return (
                StatusCode::FORBIDDEN,
                Json(json!({ "error": "This site is not allowed to use this widget" })),
            )
                .into_response();
        }
    }
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    if let Some(o) = origin
        && let Ok(v) = HeaderValue::from_str(&o)
    {
        let h = resp.headers_mut();
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(header::VARY, HeaderValue::from_static("Origin"));
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("x-auth-token"),
        );
        if preflight {
            h.insert(
                header::ACCESS_CONTROL_ALLOW_METHODS,
                HeaderValue::from_static("GET, POST, PATCH, PUT, DELETE, OPTIONS"),
            );
            h.insert(
                header::ACCESS_CONTROL_ALLOW_HEADERS,
                HeaderValue::from_static("content-type, x-auth-token"),
            );
            h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
        }
    }
    resp
}

/// The website inbox named by `?website_token=`.
pub struct WidgetInbox(pub Inbox);

impl FromRequestParts<Arc<AppState>> for WidgetInbox {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let q = QueryParams::from_request_parts(parts, st).await?;
        let token = q.get("website_token").unwrap_or("");
        Ok(WidgetInbox(st.core.widget_inbox(token).await?))
    }
}

fn auth_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get("x-auth-token")
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_string)
}

/// The visitor of the `X-Auth-Token`.
pub struct WidgetVisitor(pub Visitor);

impl FromRequestParts<Arc<AppState>> for WidgetVisitor {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, st: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let WidgetInbox(inbox) = WidgetInbox::from_request_parts(parts, st).await?;
        let token = auth_token(&parts.headers).ok_or_else(ApiError::not_found)?;
        Ok(WidgetVisitor(st.core.widget_visitor(inbox, &token).await?))
    }
}

fn ok(v: Value) -> Response {
    Json(v).into_response()
}

async fn config(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetInbox(inbox): WidgetInbox,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let token = auth_token(&headers);
    let known = match &token {
        Some(t) => st.core.widget_visitor(inbox.clone(), t).await.is_ok(),
        None => false,
    };
    if !known {
        limit_new_contact(&st, client)?;
    }
    Ok(ok(st.core.widget_config(inbox, token.as_deref()).await?))
}

async fn contact(State(st): S, WidgetVisitor(v): WidgetVisitor) -> ApiResult<Response> {
    Ok(ok(st.core.widget_contact(&v)))
}

async fn contact_update(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(ok(st.core.widget_update_contact(&v, &b).await?))
}

async fn set_user(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(ok(st.core.widget_set_user(&v, &b).await?))
}

async fn conversation(State(st): S, WidgetVisitor(v): WidgetVisitor) -> ApiResult<Response> {
    Ok(ok(st.core.widget_conversation(&v).await?))
}

async fn conversation_create(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(ok(st.core.widget_create_conversation(&v, &b).await?))
}

async fn last_seen(State(st): S, WidgetVisitor(v): WidgetVisitor) -> ApiResult<Response> {
    st.core.widget_last_seen(&v).await?;
    Ok(StatusCode::OK.into_response())
}

async fn typing(State(st): S, WidgetVisitor(v): WidgetVisitor, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.widget_typing(&v, &b).await?;
    Ok(StatusCode::OK.into_response())
}

async fn resolve(State(st): S, WidgetVisitor(v): WidgetVisitor) -> ApiResult<Response> {
    Ok(ok(st.core.widget_resolve(&v).await?))
}

async fn messages(State(st): S, WidgetVisitor(v): WidgetVisitor, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .widget_messages(&v, q.i64("before")?, q.i64("after")?)
        .await?))
}

async fn message_create(
    State(st): S,
    ClientIp(client): ClientIp,
    WidgetVisitor(v): WidgetVisitor,
    req: axum::extract::Request,
) -> ApiResult<Response> {
    limit_write(&st, &v.ci.source_id, client)?;
    let (b, files) = crate::uploads::visitor_message_body(&st, req, &v).await?;
    Ok(ok(st.core.widget_create_message(&v, &b, files).await?))
}

async fn message_update(
    State(st): S,
    WidgetVisitor(v): WidgetVisitor,
    ids: Ids,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    Ok(ok(st.core.widget_update_message(&v, ids.get("id")?, &b).await?))
}

async fn inbox_members(State(st): S, WidgetVisitor(v): WidgetVisitor) -> ApiResult<Response> {
    Ok(ok(st.core.widget_inbox_members(&v).await?))
}

async fn event(State(st): S, WidgetVisitor(v): WidgetVisitor, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.widget_event(&v, &b).await?;
    Ok(StatusCode::OK.into_response())
}

#[cfg(test)]
mod tests {
    use super::{origin_allowed, same_origin};

    #[test]
    fn own_origin() {
        assert!(same_origin("http://127.0.0.1:3000", Some("127.0.0.1:3000")));
        assert!(same_origin("https://Support.Example.com", Some("support.example.com")));
        assert!(!same_origin("https://evil.example", Some("support.example.com")));
        assert!(!same_origin(
            "https://support.example.com.evil.io",
            Some("support.example.com")
        ));
        assert!(!same_origin("null", Some("")));
        assert!(!same_origin("https://support.example.com", None));
    }

    #[test]
    fn origins() {
        assert!(origin_allowed("", "https://anything.example"));
        assert!(origin_allowed("shop.example.com", "https://shop.example.com"));
        assert!(origin_allowed("shop.example.com", "http://shop.example.com:8080"));
        assert!(!origin_allowed("shop.example.com", "https://evil.example.com"));
        assert!(!origin_allowed("shop.example.com", "https://shop.example.com.evil.io"));
        assert!(origin_allowed("*.example.com", "https://a.b.example.com"));
        assert!(origin_allowed("*.example.com", "https://example.com"));
        assert!(!origin_allowed("*.example.com", "https://badexample.com"));
        assert!(origin_allowed("a.io, https://b.io/", "https://b.io"));
        assert!(origin_allowed("127.0.0.1:5000", "http://127.0.0.1:5000"));
    }
}
