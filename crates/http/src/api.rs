//! The Application API (`/api/v1/...`) and sign-in: the account scope's
//! router, which merges each area's routes (conversations.rs, contacts.rs,
//! routing.rs, ...), and the routes of the account itself, agents, inboxes,
//! teams, labels, canned responses and webhooks. Handlers only translate
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
use switchboard_core::inboxes::MemberChange;
use switchboard_core::params::Params;

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, Authed, Ids, JsonBody, QueryParams};
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
        .merge(crate::contacts::account_routes())
        .merge(crate::conversations::account_routes())
        .merge(crate::accounts::account_routes())
        .merge(crate::custom_attributes::account_routes())
        .merge(crate::contacts_more::account_routes())
        .merge(crate::contacts_csv::account_routes())
        .merge(crate::conversation_extras::account_routes())
        .merge(crate::routing::account_routes())
        .merge(crate::routing_policies::account_routes())
        .merge(crate::automation::account_routes())
        .merge(crate::macros::account_routes())
        .merge(crate::agent_bots::account_routes())
        .merge(crate::sla::account_routes())
        .merge(crate::csat::account_routes())
        .merge(crate::uploads::account_routes())
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
