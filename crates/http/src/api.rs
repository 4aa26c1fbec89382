//! The Application API (`/api/v1/...`) and sign-in. Handlers only translate
//! HTTP to use cases; every rule lives in `switchboard-core`.

use std::sync::Arc;
use std::time::Instant;

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};
use switchboard_core::contact_types::{AttributeKeys, ContactChanges, ContactLabels, NewContact, NewContactInbox};
use switchboard_core::contacts::ContactListParams;
use switchboard_core::conversation_types::{
    Assignment, ConversationLabels, CustomAttributes, NewConversation, PriorityChange, StatusToggle,
};
use switchboard_core::conversations::ListParams;
use switchboard_core::inboxes::MemberChange;
use switchboard_core::message_types::{MessageStatusChange, NewMessage};
use switchboard_core::params::Params;

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, Authed, Ids, JsonBody, Parsed, QueryParams};
use crate::ratelimit::Decision;

type S = State<Arc<AppState>>;

/// The routes inside `/api/v1/accounts/{account_id}`, with their paths
/// listed as they are added: the tenancy test calls every listed path with
/// another account's administrator and with an agent outside the inbox, so
/// a route added here is attacked without anyone remembering to add it.
#[derive(Default)]
pub struct AccountRoutes {
    router: Router<Arc<AppState>>,
    paths: Vec<&'static str>,
}

impl AccountRoutes {
    pub fn route(mut self, path: &'static str, mr: axum::routing::MethodRouter<Arc<AppState>>) -> Self {
        self.paths.push(path);
        self.router = self.router.route(path, mr);
        self
    }

    pub fn merge(mut self, other: AccountRoutes) -> Self {
        self.paths.extend(other.paths);
        self.router = self.router.merge(other.router);
        self
    }
}

/// Every path under `/api/v1/accounts/{account_id}` (for the tenancy test).
pub fn account_paths() -> Vec<&'static str> {
    account_routes().paths
}

fn account_routes() -> AccountRoutes {
    AccountRoutes::default()
        .route("/", get(account_show).patch(account_update))
        .route("/agents", get(agents_list).post(agents_create))
        .route(
            "/agents/{id}",
            axum::routing::patch(agents_update).delete(agents_delete),
        )
        .route("/inboxes", get(inboxes_list).post(inboxes_create))
        .route(
            "/inboxes/{id}",
            get(inboxes_show).patch(inboxes_update).delete(inboxes_delete),
        )
        .route("/inboxes/{id}/sync_templates", post(inboxes_sync_templates))
        .route("/channels", get(channels_list))
        .route(
            "/inbox_members",
            post(inbox_members_add)
                .patch(inbox_members_set)
                .delete(inbox_members_remove),
        )
        .route("/inbox_members/{id}", get(inbox_members_list))
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
        .route("/teams", get(teams_list).post(teams_create))
        .route("/teams/{id}", get(teams_show).patch(teams_update).delete(teams_delete))
        .route(
            "/teams/{id}/team_members",
            get(team_members_list)
                .post(team_members_add)
                .patch(team_members_set)
                .delete(team_members_remove),
        )
        .route("/search", get(crate::search::search))
        .route("/search/conversations", get(crate::search::conversations))
        .route("/search/messages", get(crate::search::messages))
        .route("/search/contacts", get(crate::search::contacts))
        .route("/labels", get(labels_list).post(labels_create))
        .route(
            "/labels/{id}",
            get(labels_show).patch(labels_update).delete(labels_delete),
        )
        .route("/canned_responses", get(canned_list).post(canned_create))
        .route(
            "/canned_responses/{id}",
            axum::routing::patch(canned_update)
                .put(canned_update)
                .delete(canned_delete),
        )
        .route("/webhooks", get(webhooks_list).post(webhooks_create))
        .route(
            "/webhooks/{id}",
            axum::routing::patch(webhooks_update)
                .put(webhooks_update)
                .delete(webhooks_delete),
        )
        .route("/webhooks/{id}/deliveries", get(webhook_deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            post(webhook_redeliver),
        )
        .merge(crate::accounts::account_routes())
        .merge(crate::custom_attributes::account_routes())
        .merge(crate::contacts_more::account_routes())
        .merge(crate::contacts_csv::account_routes())
        .merge(crate::conversation_extras::account_routes())
        .merge(crate::routing::account_routes())
        .merge(crate::routing_policies::account_routes())
        .merge(crate::notifications::account_routes())
}

pub fn routes() -> Router<Arc<AppState>> {
    let account = account_routes().router;
    Router::new()
        .route("/auth/sign_in", post(sign_in))
        .route("/auth/sign_out", axum::routing::delete(sign_out))
        .route(
            "/api/v1/profile",
            get(profile)
                .put(profile_update)
                .patch(profile_update)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route("/api/v1/profile/reset_access_token", post(profile_reset_token))
        .route("/api/v1/profile/avatar", axum::routing::delete(profile_avatar_delete))
        .nest("/api/v1/accounts/{account_id}", account)
}

pub(crate) fn ok(v: impl serde::Serialize) -> Response {
    Json(v).into_response()
}

// ---- auth and profile ----

/// Signs in and sets the dashboard's cookies. A browser on another site must
/// not be able to sign its visitor in to an account of the attacker's (login
/// CSRF): the body must be JSON (a cross-site form cannot send that type
/// without the browser asking first) and an `Origin`, when sent, must be
/// ours. API clients send no `Origin` and are unaffected.
async fn sign_in(
    State(st): S,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(body): JsonBody,
) -> ApiResult<Response> {
    cookie_sign_in_allowed(&st, &headers)?;
    let p = Params::new(&body);
    let email = p.str("email")?.unwrap_or_default();
    let password = p.str("password")?.unwrap_or_default();
    let now = Instant::now();
    if let Decision::Limited { retry_after } = st.signin.check(&email, ip, now) {
        return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
    }
    match st.core.sign_in(&email, &password).await {
        Ok(s) => {
            st.signin.record_success(&email, ip, now);
            signed_in(&st, s).await
        }
        Err(switchboard_core::CoreError::Unauthorized(m)) => {
            st.signin.record_failure(&email, ip, now);
            // devise_token_auth's failure shape, which Chatwoot clients read.
            Ok((
                StatusCode::UNAUTHORIZED,
                Json(json!({ "success": false, "errors": [m] })),
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// devise_token_auth's sign-in answer: the profile as `data`, the session
/// in its headers and in the dashboard's cookie.
pub(crate) async fn signed_in(st: &AppState, s: switchboard_core::auth::SignIn) -> ApiResult<Response> {
    let principal = switchboard_core::auth::Principal { user: s.user.clone() };
    let data = st.core.profile(&principal).await?;
    let mut resp = Json(json!({ "data": data })).into_response();
    let h = resp.headers_mut();
    for (k, v) in [
        ("access-token", s.token.clone()),
        ("token-type", "Bearer".to_string()),
        ("client", s.client_id.clone()),
        ("uid", s.user.email.clone()),
        ("expiry", (s.expires_at / 1_000_000).to_string()),
    ] {
        if let Ok(v) = HeaderValue::from_str(&v) {
            h.insert(k, v);
        }
    }
    let ttl = (s.expires_at - switchboard_domain::time::now_micros()) / 1_000_000;
    crate::session::set(h, st.core.public_url(), &s.user.email, &s.client_id, &s.token, ttl);
    Ok(resp)
}

/// What every request that signs in (and sets cookies) must be: JSON, from
/// no site or ours.
pub(crate) fn cookie_sign_in_allowed(st: &AppState, headers: &HeaderMap) -> ApiResult<()> {
    if !crate::session::same_origin_or_none(headers, st.core.public_url()) {
        return Err(ApiError::Core(switchboard_core::CoreError::Forbidden(
            "Cross-origin sign-in refused".into(),
        )));
    }
    if !is_json(headers) {
        return Err(ApiError::UnsupportedMediaType);
    }
    Ok(())
}

/// `application/json` or `application/<something>+json`, parameters allowed.
fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .is_some_and(|v| v == "application/json" || (v.starts_with("application/") && v.ends_with("+json")))
}

async fn sign_out(State(st): S, Authed(p): Authed, headers: HeaderMap) -> ApiResult<Response> {
    let client = headers
        .get("client")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            crate::session::cookie(&headers, crate::session::SESSION_COOKIE)
                .as_deref()
                .and_then(crate::session::decode)
                .map(|s| s.client)
        });
    if let Some(client) = client {
        st.core.sign_out(p.user.id, &client).await?;
    }
    let mut resp = ok(json!({ "success": true }));
    crate::session::clear(resp.headers_mut(), st.core.public_url());
    Ok(resp)
}

async fn profile(State(st): S, Authed(p): Authed) -> ApiResult<Response> {
    Ok(ok(st.core.profile(&p).await?))
}

/// JSON, or a multipart form whose `profile[avatar]` file becomes the
/// avatar (its other fields update the profile as JSON would).
async fn profile_update(
    State(st): S,
    Authed(p): Authed,
    ClientIp(ip): ClientIp,
    req: axum::extract::Request,
) -> ApiResult<Response> {
    let max = switchboard_core::resources::AVATAR_MAX_BYTES as u64;
    let by_cookie = crate::session::cookie(req.headers(), crate::session::SESSION_COOKIE).is_some();
    let (b, mut files) = crate::uploads::form_body(&st, req, max).await?;
    if files.len() > 1 {
        st.core.discard(&files).await;
        return Err(switchboard_core::CoreError::invalid("avatar", "Send one picture").into());
    }
    // A password change checks the current password: throttled like
    // sign-in, so a stolen session cannot guess it at will.
    let changes_password = Params::new(&b).nested_or_self("profile").has("password");
    let now = Instant::now();
    if changes_password && let Decision::Limited { retry_after } = st.signin.check(&p.user.email, ip, now) {
        st.core.discard(&files).await;
        return Err(ApiError::RateLimited(retry_after.as_secs() + 1));
    }
    let has_fields = b.as_object().is_some_and(|m| !m.is_empty());
    let mut v = if has_fields || files.is_empty() {
        match st.core.update_profile(&p, &b).await {
            Ok(v) => v,
            Err(e) => {
                if let switchboard_core::CoreError::Invalid { attributes, .. } = &e
                    && attributes.iter().any(|a| a == "current_password")
                {
                    st.signin.record_failure(&p.user.email, ip, now);
                }
                st.core.discard(&files).await;
                return Err(e.into());
            }
        }
    } else {
        Value::Null
    };
    if let Some(file) = files.pop() {
        v = st.core.set_avatar(&p, Some(file)).await?;
    }
    let mut resp = ok(v);
    // A password change ends every session; the browser that made it gets
    // a fresh one, so only the others are signed out.
    let new_password = Params::new(&b).nested_or_self("profile").str("password")?;
    if let (true, Some(pw)) = (by_cookie, new_password) {
        let s = st.core.sign_in(&p.user.email, &pw).await?;
        let ttl = (s.expires_at - switchboard_domain::time::now_micros()) / 1_000_000;
        crate::session::set(
            resp.headers_mut(),
            st.core.public_url(),
            &s.user.email,
            &s.client_id,
            &s.token,
            ttl,
        );
    }
    Ok(resp)
}

async fn profile_avatar_delete(State(st): S, Authed(p): Authed) -> ApiResult<Response> {
    Ok(ok(st.core.set_avatar(&p, None).await?))
}

async fn profile_reset_token(State(st): S, Authed(p): Authed) -> ApiResult<Response> {
    Ok(ok(st.core.reset_access_token(&p).await?))
}

// ---- account and agents ----

async fn account_show(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.get_account(&c).await?))
}

async fn account_update(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_account(&c, &b).await?))
}

async fn agents_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(Value::Array(st.core.list_agents(&c).await?)))
}

async fn agents_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.invite_agent(&c, &b).await?))
}

async fn agents_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_agent(&c, ids.get("id")?, &b).await?))
}

async fn agents_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_agent(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

// ---- inboxes ----

async fn inboxes_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(json!({ "payload": st.core.list_inboxes(&c).await? })))
}

async fn inboxes_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.create_inbox(&c, &b).await?))
}

async fn channels_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.channel_descriptors(&c)?))
}

async fn inboxes_sync_templates(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.sync_templates(&c, ids.get("id")?).await?))
}

async fn inboxes_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_inbox(&c, ids.get("id")?).await?))
}

async fn inboxes_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_inbox(&c, ids.get("id")?, &b).await?))
}

async fn inboxes_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_inbox(&c, ids.get("id")?).await?;
    Ok(ok(json!({ "message": "Inbox deleted" })))
}

async fn inbox_members_list(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(
        json!({ "payload": st.core.inbox_members(&c, ids.get("id")?).await? }),
    ))
}

async fn inbox_members_change(
    st: Arc<AppState>,
    c: switchboard_core::auth::AccountCtx,
    b: Value,
    mode: MemberChange,
) -> ApiResult<Response> {
    let p = Params::new(&b);
    let inbox_id = p
        .i64("inbox_id")?
        .ok_or_else(|| switchboard_core::CoreError::invalid("inbox_id", "inbox_id can't be blank"))?;
    let users = p.i64_list("user_ids")?.unwrap_or_default();
    Ok(ok(
        json!({ "payload": st.core.change_inbox_members(&c, inbox_id, &users, mode).await? }),
    ))
}

async fn inbox_members_add(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    inbox_members_change(st, c, b, MemberChange::Add).await
}

async fn inbox_members_set(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    inbox_members_change(st, c, b, MemberChange::Set).await
}

async fn inbox_members_remove(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    inbox_members_change(st, c, b, MemberChange::Remove).await
}

// ---- contacts ----

fn contact_params(q: &QueryParams, search: Option<String>) -> ApiResult<ContactListParams> {
    Ok(ContactListParams {
        page: q.i64("page")?.unwrap_or(1),
        sort: q.get("sort").map(str::to_string),
        search,
        labels: q.all("labels"),
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

// ---- conversations ----

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
    Ok(ok(v.get("data").cloned().unwrap_or(v)))
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
    Acct(c): Acct,
    ids: Ids,
    Parsed(change): Parsed<PriorityChange>,
) -> ApiResult<Response> {
    Ok(ok(st.core.set_priority(&c, ids.get("id")?, change).await?))
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
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<StatusToggle>,
) -> ApiResult<Response> {
    Ok(ok(st.core.toggle_status(&c, ids.get("id")?, req).await?))
}

async fn conversations_toggle_priority(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(change): Parsed<PriorityChange>,
) -> ApiResult<Response> {
    st.core.set_priority(&c, ids.get("id")?, change).await?;
    Ok(StatusCode::OK.into_response())
}

async fn bulk_actions(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.bulk_actions(&c, &b).await?))
}

async fn conversations_assign(
    State(st): S,
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<Assignment>,
) -> ApiResult<Response> {
    Ok(ok(st.core.assign(&c, ids.get("id")?, req).await?))
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
    Acct(c): Acct,
    ids: Ids,
    Parsed(req): Parsed<CustomAttributes>,
) -> ApiResult<Response> {
    Ok(ok(st.core.set_custom_attributes(&c, ids.get("id")?, req).await?))
}

async fn conversations_typing(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    st.core.toggle_typing(&c, ids.get("id")?, &b).await?;
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
async fn messages_create(State(st): S, Acct(c): Acct, ids: Ids, req: axum::extract::Request) -> ApiResult<Response> {
    let id = ids.get("id")?;
    let (new, files) = crate::uploads::message_request::<NewMessage>(&st, req).await?;
    Ok(ok(st.core.create_message(&c, id, new, files).await?))
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

// ---- teams ----

async fn teams_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(Value::Array(st.core.list_teams(&c).await?)))
}

async fn teams_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_team(&c, None, &b).await?))
}

async fn teams_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_team(&c, ids.get("id")?).await?))
}

async fn teams_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_team(&c, Some(ids.get("id")?), &b).await?))
}

async fn teams_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_team(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn team_members_list(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(Value::Array(st.core.team_members(&c, ids.get("id")?).await?)))
}

async fn team_members_change(
    st: Arc<AppState>,
    c: switchboard_core::auth::AccountCtx,
    ids: Ids,
    b: Value,
    mode: MemberChange,
) -> ApiResult<Response> {
    let users = Params::new(&b).i64_list("user_ids")?.unwrap_or_default();
    Ok(ok(Value::Array(
        st.core.change_team_members(&c, ids.get("id")?, &users, mode).await?,
    )))
}

async fn team_members_add(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    team_members_change(st, c, ids, b, MemberChange::Add).await
}

async fn team_members_set(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    team_members_change(st, c, ids, b, MemberChange::Set).await
}

async fn team_members_remove(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    team_members_change(st, c, ids, b, MemberChange::Remove).await
}

// ---- labels ----

async fn labels_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_labels(&c).await?))
}

async fn labels_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_label(&c, None, &b).await?))
}

async fn labels_show(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st.core.get_label(&c, ids.get("id")?).await?))
}

async fn labels_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_label(&c, Some(ids.get("id")?), &b).await?))
}

async fn labels_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_label(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

// ---- canned responses ----

async fn canned_list(State(st): S, Acct(c): Acct, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st.core.list_canned(&c, q.get("search")).await?))
}

async fn canned_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_canned(&c, None, &b).await?))
}

async fn canned_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.save_canned(&c, Some(ids.get("id")?), &b).await?))
}

async fn canned_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_canned(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

// ---- webhooks ----

async fn webhooks_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(ok(st.core.list_webhooks(&c).await?))
}

async fn webhooks_create(State(st): S, Acct(c): Acct, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.create_webhook(&c, &b).await?))
}

async fn webhooks_update(State(st): S, Acct(c): Acct, ids: Ids, JsonBody(b): JsonBody) -> ApiResult<Response> {
    Ok(ok(st.core.update_webhook(&c, ids.get("id")?, &b).await?))
}

async fn webhooks_delete(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.delete_webhook(&c, ids.get("id")?).await?;
    Ok(StatusCode::OK.into_response())
}

async fn webhook_deliveries(State(st): S, Acct(c): Acct, ids: Ids, q: QueryParams) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .webhook_deliveries(&c, ids.get("id")?, q.i64("before")?)
        .await?))
}

async fn webhook_redeliver(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    Ok(ok(st
        .core
        .redeliver(&c, ids.get("id")?, ids.get("delivery_id")?)
        .await?))
}
