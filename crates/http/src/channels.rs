//! Platform webhooks: `POST /webhooks/{channel}/{key}` for every registered
//! channel (`/webhooks/telegram/{bot id}`, `/webhooks/whatsapp/{number}`,
//! `/webhooks/email/{token}` for a raw RFC 822 mail), and `GET` on the same
//! URL for a platform's subscription handshake (Meta's `hub.challenge`).
//! Answered 200 after what the request carried is stored; 401 when the
//! request is not signed for the inbox, 404 for an unknown channel or inbox.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::error::{ApiError, ApiResult};

fn lower_headers(h: &HeaderMap) -> HashMap<String, String> {
    h.iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
        .collect()
}

/// A platform's request: its body read up to the channel's own limit.
pub async fn webhook(
    State(st): State<Arc<AppState>>,
    Path((channel, key)): Path<(String, String)>,
    headers: HeaderMap,
    body: Body,
) -> ApiResult<Response> {
    let limit = st
        .core
        .channels
        .by_name(&channel)
        .map(|c| c.max_body())
        .ok_or(ApiError::Core(switchboard_core::CoreError::NotFound))?;
    let body = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| ApiError::PayloadTooLarge)?;
    st.core
        .channel_webhook(&channel, &key, &lower_headers(&headers), &body)
        .await?;
    Ok(axum::Json(serde_json::json!({ "ok": true })).into_response())
}

/// The subscription handshake: the channel's answer as plain text.
pub async fn handshake(
    State(st): State<Arc<AppState>>,
    Path((channel, key)): Path<(String, String)>,
    q: crate::extract::QueryParams,
) -> ApiResult<Response> {
    let answer = st.core.channel_handshake(&channel, &key, &q.to_map()).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        answer,
    )
        .into_response())
}
