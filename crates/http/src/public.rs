//! The Client (public) API: `/public/api/v1/inboxes/{inbox_identifier}/...`.
//! No account token: a contact is its contact inbox's source_id. Open to
//! any origin (CORS), with per-visitor and per-address rate limits.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, RawPathParams, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;
use switchboard_core::public::Visitor;

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::{JsonBody, QueryParams};
use crate::ratelimit::Decision;

type S = State<Arc<AppState>>;

pub fn routes(state: &AppState) -> Router<Arc<AppState>> {
    let upload_limit = crate::uploads::visitor_body_limit(state);
    let inbox = Router::new()
        .route("/", get(inbox_show))
        .route("/contacts", post(contact_create))
        .route(
            "/contacts/{contact_identifier}",
            get(contact_show).patch(contact_update).put(contact_update),
        )
        .route(
            "/contacts/{contact_identifier}/conversations",
            get(conversations).post(conversation_create),
        )
        .route(
            "/contacts/{contact_identifier}/conversations/{conversation_id}",
            get(conversation_show),
        )
        .route(
            "/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_status",
            post(resolve),
        )
        .route(
            "/contacts/{contact_identifier}/conversations/{conversation_id}/toggle_typing",
            post(typing),
        )
        .route(
            "/contacts/{contact_identifier}/conversations/{conversation_id}/update_last_seen",
            post(last_seen),
        )
        .route(
            "/contacts/{contact_identifier}/conversations/{conversation_id}/messages",
            get(messages)
                .post(message_create)
                .layer(axum::extract::DefaultBodyLimit::max(upload_limit)),
        )
        .route(
            "/contacts/{contact_identifier}/conversations/{conversation_id}/messages/{message_id}",
            axum::routing::patch(message_update).put(message_update),
        );
    Router::new()
        .nest("/public/api/v1/inboxes/{inbox_identifier}", inbox)
        // Before the CORS layer, so preflights still reach it.
        .method_not_allowed_fallback(crate::unrouted)
        .layer(middleware::from_fn(cors_any))
}

/// Public endpoints answer any origin; they take no cookies.
async fn cors_any(req: axum::extract::Request, next: Next) -> Response {
    let preflight = req.method() == Method::OPTIONS;
    let mut resp = if preflight {
        StatusCode::NO_CONTENT.into_response()
    } else {
        next.run(req).await
    };
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    if preflight {
        h.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST, PATCH, PUT, OPTIONS"),
        );
        h.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("content-type, x-auth-token"),
        );
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("86400"));
    }
    resp
}

/// Path parameters as strings; numeric ones parsed on demand (404 if not).
pub struct PathParams(HashMap<String, String>);

impl PathParams {
    pub fn str(&self, k: &str) -> Result<&str, ApiError> {
        self.0.get(k).map(String::as_str).ok_or_else(ApiError::not_found)
    }
    pub fn id(&self, k: &str) -> Result<i64, ApiError> {
        self.str(k)?.parse().map_err(|_| ApiError::not_found())
    }
}

impl FromRequestParts<Arc<AppState>> for PathParams {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let raw = RawPathParams::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::not_found())?;
        Ok(PathParams(
            raw.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ))
    }
}

async fn visitor(st: &AppState, p: &PathParams) -> ApiResult<Visitor> {
    Ok(st
        .core
        .visitor(p.str("inbox_identifier")?, p.str("contact_identifier")?)
        .await?)
}

/// Limits writes: per visitor (one person flooding) and, much looser, per
/// address (many people behind one office NAT share it).
pub fn limit_write(st: &AppState, visitor_key: &str, ip: std::net::IpAddr) -> ApiResult<()> {
    let now = Instant::now();
    for d in [
        st.limits.per_visitor.check_and_record(visitor_key, now),
        st.limits
            .per_ip
            .check_and_record(&crate::client_ip::limit_key(ip).to_string(), now),
    ] {
        if let Decision::Limited { retry_after } = d {
            return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
        }
    }
    Ok(())
}

pub fn limit_new_contact(st: &AppState, ip: std::net::IpAddr) -> ApiResult<()> {
    if let Decision::Limited { retry_after } = st
        .limits
        .new_contacts
        .check_and_record(&crate::client_ip::limit_key(ip).to_string(), Instant::now())
    {
        return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
    }
    Ok(())
}

fn ok(v: Value) -> Response {
    Json(v).into_response()
}

async fn inbox_show(State(st): S, p: PathParams) -> ApiResult<Response> {
    Ok(ok(st.core.public_inbox_info(p.str("inbox_identifier")?).await?))
}

async fn contact_create(
    State(st): S,
    ClientIp(client): ClientIp,
    p: PathParams,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    limit_new_contact(&st, client)?;
    Ok(ok(st
        .core
        .public_create_contact(p.str("inbox_identifier")?, &b)
        .await?))
}

async fn contact_show(State(st): S, p: PathParams) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(switchboard_core::present::contact_public(&v.contact, &v.ci)))
}

async fn contact_update(
    State(st): S,
    ClientIp(client): ClientIp,
    p: PathParams,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(ok(st.core.public_update_contact(&v, &b).await?))
}

async fn conversations(State(st): S, p: PathParams) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(st.core.public_conversations(&v).await?))
}

async fn conversation_create(
    State(st): S,
    ClientIp(client): ClientIp,
    p: PathParams,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    limit_write(&st, &v.ci.source_id, client)?;
    Ok(ok(st.core.public_create_conversation(&v, &b).await?))
}

async fn conversation_show(State(st): S, p: PathParams) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(st.core.public_conversation(&v, p.id("conversation_id")?).await?))
}

async fn resolve(State(st): S, p: PathParams) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(st.core.public_resolve(&v, p.id("conversation_id")?).await?))
}

async fn typing(State(st): S, p: PathParams, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    st.core.public_typing(&v, p.id("conversation_id")?, &b).await?;
    Ok(StatusCode::OK.into_response())
}

async fn last_seen(State(st): S, p: PathParams) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(st.core.public_last_seen(&v, p.id("conversation_id")?).await?))
}

async fn messages(State(st): S, p: PathParams, q: QueryParams) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(st
        .core
        .public_messages(&v, p.id("conversation_id")?, q.i64("before")?, q.i64("after")?)
        .await?))
}

async fn message_create(
    State(st): S,
    ClientIp(client): ClientIp,
    p: PathParams,
    req: axum::extract::Request,
) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    limit_write(&st, &v.ci.source_id, client)?;
    let (b, files) = crate::uploads::visitor_message_body(&st, req, &v).await?;
    Ok(ok(st
        .core
        .public_create_message(&v, p.id("conversation_id")?, &b, files)
        .await?))
}

async fn message_update(State(st): S, p: PathParams, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let v = visitor(&st, &p).await?;
    Ok(ok(st
        .core
        .public_update_message(&v, p.id("conversation_id")?, p.id("message_id")?, &b)
        .await?))
}
