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
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, Ids, JsonBody};
use crate::ratelimit::Decision;
use std::time::Instant;

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

/// Runs a macro; each transcript it would mail counts against the
/// account's transcript limit first (as `/conversations/{id}/transcript`):
/// a run that would pass it is refused with 429 before anything is done.
async fn execute(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let id = ids.get("id")?;
    let mails = st.core.macro_mail_count(&c, id, &b).await?;
    if mails > 0 {
        let key = c.account_id().to_string();
        let now = Instant::now();
        for _ in 0..mails {
            if let Decision::Limited { retry_after } = st.transcripts.check_and_record(&key, now) {
                return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
            }
        }
    }
    Ok(ok(st.core.execute_macro(&c, id, &b).await?))
}
