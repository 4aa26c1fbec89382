//! Chatwoot's further contact endpoints: `POST /contacts/filter`,
//! `GET /contacts/active`, `GET /contacts/{id}/contactable_inboxes` and
//! `POST /actions/contact_merge`. Rules live in `switchboard_core::contacts_more`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use switchboard_core::contact_types::ContactMerge;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, Parsed, QueryParams};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> crate::api::AccountRoutes {
    crate::api::AccountRoutes::default()
        .route("/contacts/filter", post(filter))
        .route("/contacts/active", get(active))
        .route("/contacts/{id}/contactable_inboxes", get(contactable_inboxes))
        .route("/actions/contact_merge", post(merge))
}

async fn filter(State(st): S, Acct(c): Acct, q: QueryParams, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let page = q.i64("page")?.unwrap_or(1);
    let conditions = switchboard_core::contacts_more::parse_contact_filter(&b)?;
    Ok(Json(st.core.filter_contacts(&c, conditions, page).await?).into_response())
}

async fn active(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let page = q.i64("page")?.unwrap_or(1);
    let online = st.hub.online_contacts(c.account_id()).await;
    Ok(Json(st.core.active_contacts(&c, online, page).await?).into_response())
}

async fn contactable_inboxes(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.contactable_inboxes(&c, ids.get("id")?).await?).into_response())
}

async fn merge(State(st): S, Acct(c): Acct, Parsed(req): Parsed<ContactMerge>) -> ApiResult<Response> {
    Ok(Json(st.core.merge_contacts(&c, req).await?).into_response())
}
