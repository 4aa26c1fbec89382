//! Chatwoot's v4 routing policies: `/assignment_policies` (and the inboxes
//! attached to each, `/inboxes/{id}/assignment_policy`) and
//! `/agent_capacity_policies` (with their agents and per-inbox limits).
//! Rules live in `switchboard_core::routing::policies`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use switchboard_core::routing::policies::{IdParams, InboxLimitParams};

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, Parsed};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/assignment_policies", get(list).post(create))
        .route(
            "/assignment_policies/{id}",
            get(show).patch(update).put(update).delete(destroy),
        )
        .route("/assignment_policies/{id}/inboxes", get(inboxes).post(attach))
        .route(
            "/assignment_policies/{id}/inboxes/{inbox_id}",
            axum::routing::delete(detach),
        )
        .route(
            "/inboxes/{id}/assignment_policy",
            get(inbox_policy).post(inbox_attach).delete(inbox_detach),
        )
        .route("/agent_capacity_policies", get(capacity_list).post(capacity_create))
        .route(
            "/agent_capacity_policies/{id}",
            get(capacity_show)
                .patch(capacity_update)
                .put(capacity_update)
                .delete(capacity_destroy),
        )
        .route("/agent_capacity_policies/{id}/users", get(users).post(user_add))
        .route(
            "/agent_capacity_policies/{id}/users/{user_id}",
            axum::routing::delete(user_remove),
        )
        .route("/agent_capacity_policies/{id}/inbox_limits", post(limit_create))
        .route(
            "/agent_capacity_policies/{id}/inbox_limits/{limit_id}",
            patch(limit_update).put(limit_update).delete(limit_destroy),
        )
}

async fn list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_assignment_policies(&c).await?))
}

async fn show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.assignment_policy(&c, ids.get("id")?).await?))
}

async fn create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_assignment_policy(&c, None, &b).await?))
}

async fn update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_assignment_policy(&c, Some(ids.get("id")?), &b).await?))
}

async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_assignment_policy(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn inboxes(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    let list = st.core.assignment_policy_inboxes(&c, ids.get("id")?).await?;
    Ok(ok(serde_json::json!({ "inboxes": list })))
}

async fn attach(State(st): S, Acct(c): Acct, ids: Ids, Parsed(p): Parsed<IdParams>) -> ApiResult<Response> {
    let inbox = p.inbox_id.ok_or_else(|| switchboard_core::request::blank("inbox_id"))?;
    Ok(ok(st.core.attach_assignment_policy(&c, ids.get("id")?, inbox).await?))
}

async fn detach(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core
        .detach_assignment_policy(&c, Some(ids.get("id")?), ids.get("inbox_id")?)
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn inbox_policy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.inbox_assignment_policy(&c, ids.get("id")?).await?))
}

async fn inbox_attach(State(st): S, Acct(c): Acct, ids: Ids, Parsed(p): Parsed<IdParams>) -> ApiResult<Response> {
    let inbox = ids.get("id")?;
    let policy = p
        .assignment_policy_id
        .ok_or_else(|| switchboard_core::request::blank("assignment_policy_id"))?;
    st.core.attach_assignment_policy(&c, policy, inbox).await?;
    Ok(ok(st.core.inbox_assignment_policy(&c, inbox).await?))
}

async fn inbox_detach(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.detach_assignment_policy(&c, None, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn capacity_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_capacity_policies(&c).await?))
}

async fn capacity_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.capacity_policy(&c, ids.get("id")?).await?))
}

async fn capacity_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_capacity_policy(&c, None, &b).await?))
}

async fn capacity_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_capacity_policy(&c, Some(ids.get("id")?), &b).await?))
}

async fn capacity_destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_capacity_policy(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn users(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.capacity_policy_users(&c, ids.get("id")?).await?))
}

async fn user_add(State(st): S, Acct(c): Acct, ids: Ids, Parsed(p): Parsed<IdParams>) -> ApiResult<Response> {
    let user = p.user_id.ok_or_else(|| switchboard_core::request::blank("user_id"))?;
    Ok(ok(st
        .core
        .set_capacity_policy_user(&c, ids.get("id")?, user, true)
        .await?))
}

async fn user_remove(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core
        .set_capacity_policy_user(&c, ids.get("id")?, ids.get("user_id")?, false)
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn limit_create(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(p): Parsed<InboxLimitParams>,
) -> ApiResult<Response> {
    Ok(ok(st.core.save_inbox_limit(&c, ids.get("id")?, None, p).await?))
}

async fn limit_update(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(p): Parsed<InboxLimitParams>,
) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .save_inbox_limit(&c, ids.get("id")?, Some(ids.get("limit_id")?), p)
        .await?))
}

async fn limit_destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core
        .delete_inbox_limit(&c, ids.get("id")?, ids.get("limit_id")?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
