//! Conversation transcripts, participants and the users' saved filters
//! (Chatwoot's `/conversations/{id}/transcript`, `/conversations/{id}/participants`
//! and `/custom_filters`). Rules live in `switchboard_core::{transcript,
//! participants, custom_filters}`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use switchboard_core::participants::ParticipantChange;

use crate::AppState;
use crate::api::AccountRoutes;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, Ids, JsonBody, QueryParams};
use crate::ratelimit::{Decision, SlidingWindow};

type S = State<Arc<AppState>>;

/// Transcripts one account may send per hour (per server process).
pub const TRANSCRIPTS_PER_HOUR: u32 = 30;

pub fn transcript_limiter() -> SlidingWindow {
    SlidingWindow::with_max_keys(TRANSCRIPTS_PER_HOUR, Duration::from_secs(3600), 50_000)
}

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/conversations/{id}/transcript", post(transcript))
        .route(
            "/conversations/{id}/participants",
            get(participants)
                .post(participants_add)
                .patch(participants_set)
                .put(participants_set)
                .delete(participants_remove),
        )
        .route("/custom_filters", get(filters_list).post(filters_create))
        .route(
            "/custom_filters/{id}",
            get(filters_show)
                .patch(filters_update)
                .put(filters_update)
                .delete(filters_delete),
        )
}

/// `POST /conversations/{id}/transcript {email}`: empty 200 once queued.
async fn transcript(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let (conv, email) = st.core.transcript_target(&c, ids.get("id")?, &b).await?;
    let key = c.account_id().to_string();
    if let Decision::Limited { retry_after } = st.transcripts.check_and_record(&key, Instant::now()) {
        return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
    }
    st.core.queue_transcript(&conv, &email).await?;
    Ok(StatusCode::OK.into_response())
}

async fn participants(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.conversation_participants(&c, ids.get("id")?).await?).into_response())
}

async fn change(
    st: &AppState,
    c: &switchboard_core::auth::AccountCtx,
    id: i64,
    b: &serde_json::Value,
    how: ParticipantChange,
) -> ApiResult<Response> {
    let v = st.core.change_participants(c, id, b, how).await?;
    Ok(match how {
        ParticipantChange::Remove => StatusCode::OK.into_response(),
        _ => Json(v).into_response(),
    })
}

async fn participants_add(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    change(&st, &c, ids.get("id")?, &b, ParticipantChange::Add).await
}

async fn participants_set(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    change(&st, &c, ids.get("id")?, &b, ParticipantChange::Set).await
}

async fn participants_remove(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    change(&st, &c, ids.get("id")?, &b, ParticipantChange::Remove).await
}

async fn filters_list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let t = q.get("filter_type").or_else(|| q.get("type"));
    Ok(Json(st.core.custom_filters(&c, t).await?).into_response())
}

async fn filters_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.custom_filter(&c, ids.get("id")?).await?).into_response())
}

async fn filters_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.create_custom_filter(&c, &b).await?).into_response())
}

async fn filters_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(Json(st.core.update_custom_filter(&c, ids.get("id")?, &b).await?).into_response())
}

async fn filters_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_custom_filter(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}
