//! Platform webhooks: `POST /webhooks/telegram/{bot id}`,
//! `GET|POST /webhooks/whatsapp/{number}` and `POST /webhooks/email/{token}`
//! (a raw RFC 822 mail, from a forwarding service). Answered 200 after what the
//! request carried is stored; 401 when the request is not signed for the
//! inbox, 404 for an unknown inbox.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use switchboard_domain::ChannelType;

use crate::AppState;
use crate::error::ApiResult;

fn lower_headers(h: &HeaderMap) -> HashMap<String, String> {
    h.iter()
        .filter_map(|(k, v)| Some((k.as_str().to_ascii_lowercase(), v.to_str().ok()?.to_string())))
        .collect()
}

pub async fn telegram(
    State(st): State<Arc<AppState>>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    st.core
        .channel_webhook(ChannelType::Telegram, &key, &lower_headers(&headers), &body)
        .await?;
    Ok(axum::Json(serde_json::json!({ "ok": true })).into_response())
}

pub async fn whatsapp(
    State(st): State<Arc<AppState>>,
    Path(number): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let number = switchboard_core::channels::whatsapp::digits(&number);
    st.core
        .channel_webhook(ChannelType::Whatsapp, &number, &lower_headers(&headers), &body)
        .await?;
    Ok(axum::Json(serde_json::json!({ "ok": true })).into_response())
}

/// The subscription handshake: the challenge as plain text.
pub async fn whatsapp_verify(
    State(st): State<Arc<AppState>>,
    Path(number): Path<String>,
    q: crate::extract::QueryParams,
) -> ApiResult<Response> {
    let challenge = st
        .core
        .whatsapp_subscribe(
            &number,
            q.get("hub.mode").unwrap_or(""),
            q.get("hub.verify_token").unwrap_or(""),
            q.get("hub.challenge").unwrap_or(""),
        )
        .await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge,
    )
        .into_response())
}

/// A raw mail for the e-mail inbox whose secret token is in the path.
pub async fn email(
    State(st): State<Arc<AppState>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    st.core
        .channel_webhook(ChannelType::Email, &token, &lower_headers(&headers), &body)
        .await?;
    Ok(axum::Json(serde_json::json!({ "ok": true })).into_response())
}
