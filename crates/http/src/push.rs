//! Browser push subscriptions (Chatwoot's `/api/v1/notification_subscriptions`):
//! each person's own, outside any account. Rules live in
//! `switchboard_core::push`.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Authed, JsonBody};

type S = State<Arc<AppState>>;

/// Routes outside an account (merged at the root).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new().route(
        "/api/v1/notification_subscriptions",
        get(list).post(create).delete(destroy),
    )
}

async fn list(State(st): S, Authed(p): Authed) -> ApiResult<Response> {
    Ok(Json(st.core.push_subscriptions(&p).await?).into_response())
}

async fn create(State(st): S, Authed(p): Authed, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.subscribe_push(&p, &b).await?).into_response())
}

async fn destroy(State(st): S, Authed(p): Authed, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.unsubscribe_push(&p, &b).await?;
    Ok(StatusCode::OK.into_response())
}
