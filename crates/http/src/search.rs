//! `GET /search?q=` and `GET /search/{conversations|messages|contacts}?q=&page=`.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use switchboard_core::search::SearchKind;

use crate::AppState;
use crate::error::ApiResult;
use crate::extract::{Acct, QueryParams};

pub async fn search(State(st): State<Arc<AppState>>, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let text = q.get("q").unwrap_or("");
    let page = q.i64("page")?.unwrap_or(1);
    Ok(Json(st.core.search(&c, text, None, page).await?).into_response())
}

async fn one_kind(
    st: &AppState,
    c: &switchboard_core::auth::AccountCtx,
    q: &QueryParams,
    kind: SearchKind,
) -> ApiResult<Response> {
    let text = q.get("q").unwrap_or("");
    let page = q.i64("page")?.unwrap_or(1);
    Ok(Json(st.core.search(c, text, Some(kind), page).await?).into_response())
}

pub async fn conversations(State(st): State<Arc<AppState>>, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    one_kind(&st, &c, &q, SearchKind::Conversations).await
}

pub async fn messages(State(st): State<Arc<AppState>>, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    one_kind(&st, &c, &q, SearchKind::Messages).await
}

pub async fn contacts(State(st): State<Arc<AppState>>, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    one_kind(&st, &c, &q, SearchKind::Contacts).await
}
