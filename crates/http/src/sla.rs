//! Chatwoot's SLA endpoints: `/sla_policies` (listed by every member,
//! changed by administrators) and `/applied_slas` with its `metrics` and
//! CSV `download` (administrators). The rules live in
//! `switchboard_core::sla`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, QueryParams};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/sla_policies", get(list).post(create))
        .route(
            "/sla_policies/{id}",
            get(show).patch(update).put(update).delete(destroy),
        )
        .route("/applied_slas", get(applied))
        .route("/applied_slas/metrics", get(metrics))
        .route("/applied_slas/download", get(download))
}

async fn list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_sla_policies(&c).await?))
}

async fn show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_sla_policy(&c, ids.get("id")?).await?))
}

async fn create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.create_sla_policy(&c, &b).await?))
}

async fn update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_sla_policy(&c, ids.get("id")?, &b).await?))
}

async fn destroy(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_sla_policy(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn applied(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.list_applied_slas(&c, &q.to_value()).await?))
}

async fn metrics(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.applied_sla_metrics(&c, &q.to_value()).await?))
}

async fn download(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let csv = st.core.applied_slas_csv(&c, &q.to_value()).await?;
    let mut resp = csv.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"breached_conversation.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}
