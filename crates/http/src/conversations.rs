//! Conversations and their messages in the Application API: lists, meta,
//! search and filters, create, show, status, priority, assignment, labels,
//! custom attributes, read marks, typing, mute, bulk actions; messages
//! listed, sent (JSON or multipart), retried, updated and deleted. Rules
//! live in `switchboard_core::conversations` and `switchboard_core::messages`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use switchboard_core::conversation_types::{
    Assignment, ConversationLabels, CustomAttributes, NewConversation, PriorityChange, StatusToggle, TypingToggle,
};
use switchboard_core::conversations::ListParams;
use switchboard_core::message_types::{MessageStatusChange, NewMessage};

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Caller, Ids, JsonBody, Parsed, QueryParams};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/conversations", get(conversations_list).post(conversations_create))
        .route("/conversations/meta", get(conversations_meta))
        .route("/conversations/search", get(conversations_search))
        .route("/conversations/filter", post(conversations_filter))
        .route("/bulk_actions", post(bulk_actions))
        .route(
            "/conversations/{id}",
            get(conversations_show).patch(conversations_update),
        )
        .route("/conversations/{id}/toggle_status", post(conversations_toggle_status))
        .route(
            "/conversations/{id}/toggle_priority",
            post(conversations_toggle_priority),
        )
        .route("/conversations/{id}/assignments", post(conversations_assign))
        .route(
            "/conversations/{id}/labels",
            get(conversations_labels).post(conversations_labels_set),
        )
        .route(
            "/conversations/{id}/custom_attributes",
            post(conversations_custom_attributes),
        )
        .route("/conversations/{id}/update_last_seen", post(conversations_seen))
        .route("/conversations/{id}/toggle_typing_status", post(conversations_typing))
        .route("/conversations/{id}/unread", post(conversations_unread))
        .route("/conversations/{id}/mute", post(conversations_mute))
        .route("/conversations/{id}/unmute", post(conversations_unmute))
        .route(
            "/conversations/{id}/messages",
            get(messages_list)
                .post(messages_create)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route(
            "/conversations/{id}/messages/{message_id}",
            axum::routing::patch(messages_update).delete(messages_delete),
        )
        .route("/conversations/{id}/messages/{message_id}/retry", post(messages_retry))
}

fn list_params(q: &QueryParams) -> ApiResult<ListParams> {
    Ok(ListParams {
        status: q.get("status").map(str::to_string),
        assignee_type: q.get("assignee_type").map(str::to_string),
        inbox_id: q.i64("inbox_id")?,
        team_id: q.i64("team_id")?,
        labels: q.all("labels"),
        q: q.get("q").map(str::to_string),
        sort_by: q.get("sort_by").or_else(|| q.get("sort_order")).map(str::to_string),
        page: q.i64("page")?,
        source_id: q.get("source_id").map(str::to_string),
        updated_within: q.i64("updated_within")?,
        cursor: q.get("cursor").map(str::to_string),
        conversation_type: q.get("conversation_type").map(str::to_string),
    })
}

async fn conversations_list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.list_conversations(&c, &list_params(&q)?).await?))
}

async fn conversations_meta(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.conversation_meta(&c, &list_params(&q)?).await?))
}

async fn conversations_search(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let mut lp = list_params(&q)?;
    if lp.q.as_deref().is_none_or(|s| s.trim().is_empty()) {
        return Err(switchboard_core::CoreError::invalid("q", "Specify search string with parameter q").into());
    }
    lp.status = Some("all".into());
    let v = st.core.list_conversations(&c, &lp).await?;
    Ok(ok(v.data))
}

async fn conversations_filter(
    State(st): S,
    Acct(c): Acct,
    q: QueryParams,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .filter_conversations(&c, &b, q.i64("page")?.unwrap_or(1))
        .await?))
}

async fn conversations_create(
    State(st): S,
    Acct(c): Acct,
    Parsed(req): Parsed<NewConversation>,
) -> ApiResult<Response> {
    Ok(ok(st.core.create_conversation(&c, req).await?))
}

async fn conversations_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_conversation(&c, ids.get("id")?).await?))
}

async fn conversations_update(
    State(st): S,
    caller: Caller,
    ids: Ids,
    Parsed(change): Parsed<PriorityChange>,
) -> ApiResult<Response> {
    match caller {
        Caller::Person(c) => Ok(ok(st.core.set_priority(&c, ids.get("id")?, change).await?)),
        Caller::Bot(b) => Ok(ok(st.core.bot_update_conversation(&b, ids.get("id")?, change).await?)),
    }
}

/// Chatwoot answers these with an empty 200.
async fn conversations_mute(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.set_muted(&c, ids.get("id")?, true).await?;
    Ok(StatusCode::OK.into_response())
}

async fn conversations_unmute(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.set_muted(&c, ids.get("id")?, false).await?;
    Ok(StatusCode::OK.into_response())
}

async fn conversations_toggle_status(
    State(st): S,
    caller: Caller,
    ids: Ids,
    Parsed(req): Parsed<StatusToggle>,
) -> ApiResult<Response> {
    match caller {
        Caller::Person(c) => Ok(ok(st.core.toggle_status(&c, ids.get("id")?, req).await?)),
        Caller::Bot(b) => Ok(ok(st.core.bot_toggle_status(&b, ids.get("id")?, req).await?)),
    }
}

async fn conversations_toggle_priority(
    State(st): S,
    caller: Caller,
    ids: Ids,
    Parsed(change): Parsed<PriorityChange>,
) -> ApiResult<Response> {
    match caller {
        Caller::Person(c) => {
            st.core.set_priority(&c, ids.get("id")?, change).await?;
        }
        Caller::Bot(b) => st.core.bot_set_priority(&b, ids.get("id")?, change).await?,
    }
    Ok(StatusCode::OK.into_response())
}

async fn bulk_actions(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.bulk_actions(&c, &b).await?))
}

async fn conversations_assign(
    State(st): S,
    caller: Caller,
    ids: Ids,
    Parsed(req): Parsed<Assignment>,
) -> ApiResult<Response> {
    match caller {
        Caller::Person(c) => Ok(ok(st.core.assign(&c, ids.get("id")?, req).await?)),
        Caller::Bot(b) => Ok(ok(st.core.bot_assign(&b, ids.get("id")?, req).await?)),
    }
}

async fn conversations_labels(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.conversation_labels(&c, ids.get("id")?).await?))
}

async fn conversations_labels_set(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<ConversationLabels>,
) -> ApiResult<Response> {
    let labels = req.labels.unwrap_or_default();
    Ok(ok(st.core.set_conversation_labels(&c, ids.get("id")?, &labels).await?))
}

async fn conversations_custom_attributes(
    State(st): S,
    caller: Caller,
    ids: Ids,
    Parsed(req): Parsed<CustomAttributes>,
) -> ApiResult<Response> {
    match caller {
        Caller::Person(c) => Ok(ok(st.core.set_custom_attributes(&c, ids.get("id")?, req).await?)),
        Caller::Bot(b) => Ok(ok(st.core.bot_set_custom_attributes(&b, ids.get("id")?, req).await?)),
    }
}

async fn conversations_typing(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<TypingToggle>,
) -> ApiResult<Response> {
    st.core.toggle_typing(&c, ids.get("id")?, req).await?;
    Ok(StatusCode::OK.into_response())
}

async fn conversations_seen(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.mark_seen(&c, ids.get("id")?, false).await?))
}

async fn conversations_unread(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.mark_seen(&c, ids.get("id")?, true).await?))
}

// ---- messages ----

async fn messages_list(State(st): S, Acct(c): Acct, ids: Ids, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .list_messages(&c, ids.get("id")?, q.i64("before")?, q.i64("after")?)
        .await?))
}

/// JSON, or a multipart form with `attachments[]` (streamed to the store,
/// each file checked against the size limit as it arrives).
async fn messages_create(State(st): S, caller: Caller, ids: Ids, req: axum::extract::Request) -> ApiResult<Response> {
    let id = ids.get("id")?;
    let (new, files) = crate::uploads::message_request::<NewMessage>(&st, req).await?;
    match caller {
        Caller::Person(c) => Ok(ok(st.core.create_message(&c, id, new, files).await?)),
        Caller::Bot(b) => {
            // Bots send text and interactive content; files are people's.
            if !files.is_empty() {
                st.core.discard(&files).await;
                return Err(switchboard_core::CoreError::invalid("attachments", "A bot sends no files").into());
            }
            Ok(ok(st.core.create_bot_message(&b, id, new).await?))
        }
    }
}

async fn messages_retry(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .retry_message(&c, ids.get("id")?, ids.get("message_id")?)
        .await?))
}

async fn messages_update(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(change): Parsed<MessageStatusChange>,
) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .update_message_status(&c, ids.get("id")?, ids.get("message_id")?, change)
        .await?))
}

async fn messages_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .delete_message(&c, ids.get("id")?, ids.get("message_id")?)
        .await?))
}
