//! Custom attribute definitions (Chatwoot's `/custom_attribute_definitions`).
//! Rules live in `switchboard_core::custom_attributes`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, QueryParams};

type S = State<Arc<AppState>>;

pub fn account_routes() -> crate::api::AccountRoutes {
    crate::api::AccountRoutes::default()
        .route("/custom_attribute_definitions", get(list).post(create))
        .route(
            "/custom_attribute_definitions/{id}",
            get(show).patch(update).put(update).delete(destroy),
        )
}

async fn list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(Json(st.core.list_attribute_definitions(&c, q.get("attribute_model")).await?).into_response())
}

async fn show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.attribute_definition(&c, ids.get("id")?).await?).into_response())
}

async fn create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.save_attribute_definition(&c, None, &b).await?).into_response())
}

async fn update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.save_attribute_definition(&c, Some(ids.get("id")?), &b).await?).into_response())
}

/// Chatwoot answers `204 No Content`.
async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_attribute_definition(&c, ids.get("id")?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
