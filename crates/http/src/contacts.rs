//! Contacts of the Application API: list, search, create, show, update,
//! delete, their notes, conversations, contact inboxes and labels. Rules
//! live in `switchboard_core::contacts`.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::json;
use switchboard_core::contact_types::{AttributeKeys, ContactChanges, ContactLabels, NewContact, NewContactInbox};
use switchboard_core::contacts::ContactListParams;

use crate::AppState;
use crate::api::{AccountRoutes, ok};
use crate::error::ApiResult;
use crate::extract::{Acct, Ids, JsonBody, Parsed, QueryParams};

type S = State<Arc<AppState>>;

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/contacts", get(contacts_list).post(contacts_create))
        .route("/contacts/search", get(contacts_search))
        .route(
            "/contacts/{id}",
            get(contacts_show)
                .put(contacts_update)
                .patch(contacts_update)
                .delete(contacts_delete),
        )
        .route("/contacts/{id}/conversations", get(contact_conversations))
        .route("/contacts/{id}/notes", get(contact_notes).post(contact_note_create))
        .route(
            "/contacts/{id}/notes/{note_id}",
            get(contact_note)
                .patch(contact_note_update)
                .put(contact_note_update)
                .delete(contact_note_delete),
        )
        .route("/contacts/{id}/contact_inboxes", post(contact_inboxes_create))
        .route("/contacts/{id}/labels", get(contact_labels).post(contact_labels_set))
        .route(
            "/contacts/{id}/destroy_custom_attributes",
            post(contacts_destroy_attributes),
        )
}

fn contact_params(q: &QueryParams, search: Option<String>) -> ApiResult<ContactListParams> {
    Ok(ContactListParams {
        page: q.i64("page")?.unwrap_or(1),
        sort: q.get("sort").map(str::to_string),
        search,
        labels: q.all("labels"),
        cursor: q.get("cursor").map(str::to_string),
    })
}

async fn contacts_list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.list_contacts(&c, contact_params(&q, None)?).await?))
}

async fn contacts_search(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    let term = q.get("q").unwrap_or("").to_string();
    if term.trim().is_empty() {
        return Err(switchboard_core::CoreError::invalid("q", "Specify search string with parameter q").into());
    }
    Ok(ok(st.core.list_contacts(&c, contact_params(&q, Some(term))?).await?))
}

async fn contacts_create(State(st): S, Acct(c): Acct, Parsed(req): Parsed<NewContact>) -> ApiResult<Response> {
    Ok(ok(st.core.create_contact(&c, req).await?))
}

async fn contacts_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_contact(&c, ids.get("id")?).await?))
}

async fn contacts_update(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(changes): Parsed<ContactChanges>,
) -> ApiResult<Response> {
    Ok(ok(st.core.update_contact(&c, ids.get("id")?, changes).await?))
}

async fn contacts_destroy_attributes(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<AttributeKeys>,
) -> ApiResult<Response> {
    Ok(ok(st.core.destroy_contact_attributes(&c, ids.get("id")?, req).await?))
}

async fn contacts_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_contact(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn contact_notes(State(st): S, Acct(c): Acct, ids: Ids, q: QueryParams) -> ApiResult<Response> {
    let page = q.i64("page")?.unwrap_or(1);
    Ok(ok(st.core.contact_notes(&c, ids.get("id")?, page).await?))
}

async fn contact_note(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .contact_note(&c, ids.get("id")?, ids.get("note_id")?)
        .await?))
}

async fn contact_note_create(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let req = switchboard_core::request::parse_nested(&b, "note")?;
    Ok(ok(st.core.create_contact_note(&c, ids.get("id")?, req).await?))
}

async fn contact_note_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let req = switchboard_core::request::parse_nested(&b, "note")?;
    Ok(ok(st
        .core
        .change_contact_note(&c, ids.get("id")?, ids.get("note_id")?, Some(req))
        .await?))
}

async fn contact_note_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core
        .change_contact_note(&c, ids.get("id")?, ids.get("note_id")?, None)
        .await?;
    Ok(StatusCode::OK.into_response())
}

async fn contact_conversations(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(
        json!({ "payload": st.core.contact_conversations(&c, ids.get("id")?).await? }),
    ))
}

async fn contact_inboxes_create(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<NewContactInbox>,
) -> ApiResult<Response> {
    Ok(ok(st.core.create_contact_inbox(&c, ids.get("id")?, req).await?))
}

async fn contact_labels(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(
        json!({ "payload": st.core.contact_labels(&c, ids.get("id")?).await? }),
    ))
}

async fn contact_labels_set(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<ContactLabels>,
) -> ApiResult<Response> {
    Ok(ok(
        json!({ "payload": st.core.set_contact_labels(&c, ids.get("id")?, req).await? }),
    ))
}
