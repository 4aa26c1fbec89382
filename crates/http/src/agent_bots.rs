//! Chatwoot's `/agent_bots` (list, show, create, update, delete,
//! `reset_access_token`) and an inbox's bot (`set_agent_bot`,
//! `agent_bot`), for administrators, and Switchboard's delivery log of what
//! was sent to a bot. What a bot may do with its own token is routed with
//! the conversation routes (`extract::Caller`); the rules live in
//! `switchboard_core::agent_bots`.

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
        .route("/agent_bots", get(list).post(create))
        .route("/agent_bots/{id}", get(show).patch(update).put(update).delete(destroy))
        .route("/agent_bots/{id}/reset_access_token", post(reset_token))
        .route("/agent_bots/{id}/deliveries", get(deliveries))
        .route("/inboxes/{id}/set_agent_bot", post(set_inbox_bot))
        .route("/inboxes/{id}/agent_bot", get(inbox_bot))
}

async fn list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_agent_bots(&c).await?))
}

async fn show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_agent_bot(&c, ids.get("id")?).await?))
}

async fn create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.create_agent_bot(&c, &b).await?))
}

async fn update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_agent_bot(&c, ids.get("id")?, &b).await?))
}

async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_agent_bot(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn reset_token(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.reset_agent_bot_token(&c, ids.get("id")?).await?))
}

async fn deliveries(State(st): S, Acct(c): Acct, ids: Ids, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .agent_bot_deliveries(&c, ids.get("id")?, q.i64("before")?)
        .await?))
}

async fn set_inbox_bot(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.set_inbox_agent_bot(&c, ids.get("id")?, &b).await?;
    Ok(StatusCode::OK.into_response())
}

async fn inbox_bot(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.inbox_agent_bot(&c, ids.get("id")?).await?))
}
