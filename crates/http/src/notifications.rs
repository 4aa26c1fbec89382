//! A user's notifications and their settings (Chatwoot's `/notifications`
//! and `/notification_settings`). Rules live in `switchboard_core::notifications`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;

use crate::AppState;
use crate::api::AccountRoutes;
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, QueryParams};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/notifications", get(list))
        .route("/notifications/unread_count", get(unread_count))
        .route("/notifications/read_all", post(read_all))
        .route("/notifications/destroy_all", post(destroy_all))
        .route(
            "/notifications/{id}",
            axum::routing::patch(read).put(read).delete(destroy),
        )
        .route("/notifications/{id}/unread", post(unread))
        .route("/notifications/{id}/snooze", post(snooze))
        .route(
            "/notification_settings",
            get(settings).patch(settings_update).put(settings_update),
        )
}

async fn list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let mut query = json!({ "includes": q.all("includes") });
    if let Some(page) = q.get("page") {
        query["page"] = json!(page);
    }
    Ok(Json(st.core.notifications(&c, &query).await?).into_response())
}

async fn unread_count(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(Json(st.core.notifications_unread_count(&c).await?).into_response())
}

async fn read_all(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.read_all_notifications(&c, &b).await?;
    Ok(StatusCode::OK.into_response())
}

async fn destroy_all(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.delete_notifications(&c, &b).await?;
    Ok(StatusCode::OK.into_response())
}

async fn read(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.set_notification_read(&c, ids.get("id")?, true).await?).into_response())
}

async fn unread(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.set_notification_read(&c, ids.get("id")?, false).await?).into_response())
}

async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_notification(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn snooze(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.snooze_notification(&c, ids.get("id")?, &b).await?).into_response())
}

async fn settings(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(Json(st.core.notification_settings(&c).await?).into_response())
}

async fn settings_update(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.update_notification_settings(&c, &b).await?).into_response())
}
