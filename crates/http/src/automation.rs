//! Chatwoot's `/automation_rules`: list, show, create, update, delete and
//! clone an account's rules (administrators), and Switchboard's dry run
//! (`/automation_rules/{id}/test`) and delivery log
//! (`/automation_rules/{id}/deliveries`). The rules and the listener
//! that runs them live in `switchboard_core::automation`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, QueryParams};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/automation_rules", get(list).post(create))
        .route(
            "/automation_rules/{id}",
            get(show).patch(update).put(update).delete(destroy),
        )
        .route("/automation_rules/{id}/clone", post(clone))
        .route("/automation_rules/{id}/test", post(test))
        .route("/automation_rules/{id}/deliveries", get(deliveries))
}

async fn deliveries(State(st): S, Acct(c): Acct, ids: Ids, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .automation_rule_deliveries(&c, ids.get("id")?, q.i64("before")?)
        .await?))
}

async fn list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_automation_rules(&c).await?))
}

async fn show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_automation_rule(&c, ids.get("id")?).await?))
}

async fn create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.create_automation_rule(&c, &b).await?))
}

async fn update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_automation_rule(&c, ids.get("id")?, &b).await?))
}

async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_automation_rule(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn clone(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.clone_automation_rule(&c, ids.get("id")?).await?))
}

async fn test(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.test_automation_rule(&c, ids.get("id")?, &b).await?))
}
