//! Chatwoot's `/macros`: list, show, create, update and delete macros, and
//! run one on conversations (`/macros/{id}/execute`). The rules of who
//! sees and changes which live in `switchboard_core::macros`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/macros", get(list).post(create))
        .route("/macros/{id}", get(show).patch(update).put(update).delete(destroy))
        .route("/macros/{id}/execute", post(execute))
}

async fn list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_macros(&c).await?))
}

async fn show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_macro(&c, ids.get("id")?).await?))
}

async fn create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.create_macro(&c, &b).await?))
}

async fn update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_macro(&c, ids.get("id")?, &b).await?))
}

async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_macro(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn execute(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.execute_macro(&c, ids.get("id")?, &b).await?))
}
