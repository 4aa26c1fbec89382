//! Routing's endpoints: a conversation's decision log, the account's queue
//! and agents' capacities. Rules live in `switchboard_core::routing`.

use std::sync::Arc;

use axum::extract::State;
use axum::response::Response;
use axum::routing::{get, patch};
use switchboard_core::routing::views::CapacityChange;

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, Parsed};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/conversations/{id}/routing", get(decisions))
        .route("/routing/queue", get(queue))
        .route("/routing/agents/{id}", patch(capacity).put(capacity))
}

async fn decisions(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.conversation_routing(&c, ids.get("id")?).await?))
}

async fn queue(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.routing_queue_view(&c).await?))
}

async fn capacity(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(change): Parsed<CapacityChange>,
) -> ApiResult<Response> {
    Ok(ok(st.core.set_agent_capacity(&c, ids.get("id")?, change).await?))
}
