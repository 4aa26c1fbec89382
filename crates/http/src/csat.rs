//! Customer satisfaction: the public survey (Chatwoot's
//! `/public/api/v1/csat_survey/{uuid}` and the page at
//! `/survey/responses/{uuid}` that every non-widget channel links to) and
//! the ratings for administrators (`/csat_survey_responses`, its
//! `metrics` and CSV `download`). The rules live in `switchboard_core::csat`.

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, JsonBody, QueryParams};
use crate::ratelimit::Decision;

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/csat_survey_responses", get(list))
        .route("/csat_survey_responses/metrics", get(metrics))
        .route("/csat_survey_responses/download", get(download))
}

/// The public survey: its API (any origin) and its page.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(
            "/public/api/v1/csat_survey/{uuid}",
            get(survey).put(answer).patch(answer),
        )
        .route("/survey/responses/{uuid}", get(page).layer(crate::compressed()))
        .route("/survey/{file}", get(asset).layer(crate::compressed()))
}

/// The query, `user_ids` repeated (`user_ids[]=1&user_ids[]=2`) joined.
fn query(q: &QueryParams) -> Value {
    let mut v = q.to_value();
    let ids = q.all("user_ids");
    if ids.len() > 1 {
        v["user_ids"] = Value::String(ids.join(","));
    }
    v
}

async fn list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.list_csat(&c, &query(&q)).await?))
}

async fn metrics(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.csat_metrics(&c, &query(&q)).await?))
}

async fn download(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let csv = st.core.csat_csv(&c, &query(&q)).await?;
    let mut resp = csv.into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"csat_survey_responses.csv\""),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

fn public(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

async fn survey(State(st): S, axum::extract::Path(uuid): axum::extract::Path<String>) -> ApiResult<Response> {
    Ok(public(ok(st.core.csat_survey(&uuid).await?)))
}

/// An answer; each address writes at most as often as the public API lets
/// visitors write.
async fn answer(
    State(st): S,
    ClientIp(ip): ClientIp,
    axum::extract::Path(uuid): axum::extract::Path<String>,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    if let Decision::Limited { retry_after } = st.limits.per_ip.check_and_record(&ip.to_string(), Instant::now()) {
        return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
    }
    Ok(public(ok(st.core.answer_csat_survey(&uuid, &b).await?)))
}

const PAGE: &str = include_str!("../../../web/survey/index.html");
const FILES: &[(&str, &str, &str)] = &[
    (
        "survey.js",
        "text/javascript; charset=utf-8",
        include_str!("../../../web/survey/survey.js"),
    ),
    (
        "survey.css",
        "text/css; charset=utf-8",
        include_str!("../../../web/survey/survey.css"),
    ),
];

fn static_response(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "no-referrer"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
                 connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
            ),
        ],
        body,
    )
        .into_response()
}

/// The survey page (the same for every survey: it reads its key from the
/// address and asks the API).
async fn page() -> Response {
    static_response("text/html; charset=utf-8", PAGE)
}

async fn asset(axum::extract::Path(file): axum::extract::Path<String>) -> Response {
    match FILES.iter().find(|(n, _, _)| *n == file) {
        Some((_, ct, body)) => static_response(ct, body),
        None => ApiError::not_found().into_response(),
    }
}
