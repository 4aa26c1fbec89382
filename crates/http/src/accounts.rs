//! Joining accounts and recovering access: invitations (administrators
//! invite, people accept), "forgot password" (Chatwoot's `/auth/password`),
//! and "sign out everywhere". Rules live in `switchboard_core::invitations`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Value, json};
use switchboard_core::params::Params;

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::error::{ApiError, ApiResult};
use crate::extract::{Acct, Authed, Ids, JsonBody, QueryParams};
use crate::ratelimit::{Decision, SlidingWindow};

type S = State<Arc<AppState>>;

/// Limits of the anonymous account endpoints (every map bounded).
pub struct AccountLimits {
    /// Reset requests per client address per hour.
    pub reset_per_ip: SlidingWindow,
    /// Reset requests per e-mail per hour (no inbox flooded with links).
    pub reset_per_email: SlidingWindow,
    /// Invitation and reset link uses per client address per 10 minutes
    /// (each may run Argon2).
    pub links_per_ip: SlidingWindow,
}

impl Default for AccountLimits {
    fn default() -> Self {
        AccountLimits {
            reset_per_ip: SlidingWindow::with_max_keys(10, Duration::from_secs(3600), 50_000),
            reset_per_email: SlidingWindow::with_max_keys(3, Duration::from_secs(3600), 50_000),
            links_per_ip: SlidingWindow::with_max_keys(30, Duration::from_secs(600), 50_000),
        }
    }
}

/// Routes outside an account (merged at the root).
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/auth/password", post(password_forgot).put(password_reset))
        .route("/auth/invitation", get(invitation_show).post(invitation_accept))
        .route("/api/v1/profile/invitations", get(my_invitations))
        .route("/api/v1/profile/invitations/{id}", delete(my_invitation_decline))
        .route("/api/v1/profile/invitations/{id}/accept", post(my_invitation_accept))
        .route("/api/v1/profile/sessions", delete(sign_out_everywhere))
        .route("/api/v1/profile/availability", post(profile_availability))
        .route("/api/v1/profile/auto_offline", post(profile_auto_offline))
        .route(
            "/api/v1/profile/set_active_account",
            axum::routing::put(profile_active_account).post(profile_active_account),
        )
}

async fn profile_setting(
    st: &AppState,
    p: &switchboard_core::auth::Principal,
    b: &Value,
    setting: switchboard_core::resources::ProfileSetting,
) -> ApiResult<Response> {
    Ok(match st.core.profile_account_setting(p, b, setting).await? {
        Some(v) => Json(v).into_response(),
        None => axum::http::StatusCode::OK.into_response(),
    })
}

async fn profile_availability(State(st): S, Authed(p): Authed, JsonBody(b): JsonBody) -> ApiResult<Response> {
    profile_setting(&st, &p, &b, switchboard_core::resources::ProfileSetting::Availability).await
}

async fn profile_auto_offline(State(st): S, Authed(p): Authed, JsonBody(b): JsonBody) -> ApiResult<Response> {
    profile_setting(&st, &p, &b, switchboard_core::resources::ProfileSetting::AutoOffline).await
}

async fn profile_active_account(State(st): S, Authed(p): Authed, JsonBody(b): JsonBody) -> ApiResult<Response> {
    profile_setting(&st, &p, &b, switchboard_core::resources::ProfileSetting::ActiveAccount).await
}

/// Routes inside `/api/v1/accounts/{account_id}`.
pub fn account_routes() -> crate::api::AccountRoutes {
    crate::api::AccountRoutes::default()
        .route("/invitations", get(invitations_list))
        .route("/invitations/{id}", delete(invitations_revoke))
}

fn limited(d: Decision) -> ApiResult<()> {
    match d {
        Decision::Allowed => Ok(()),
        Decision::Limited { retry_after } => Err(ApiError::RateLimited(retry_after.as_secs() + 1)),
    }
}

/// `POST /auth/password {email}`: the same answer whether or not the
/// address has a user (devise_token_auth's shape).
async fn password_forgot(State(st): S, ClientIp(ip): ClientIp, JsonBody(b): JsonBody) -> ApiResult<Response> {
    let now = Instant::now();
    let email = Params::new(&b).str("email")?.unwrap_or_default().trim().to_lowercase();
    limited(st.accounts.reset_per_ip.check_and_record(&ip.to_string(), now))?;
    let message = "If this address has a login, a link to choose a new password is on its way.";
    // Over the per-address limit the answer is the same, and nothing is sent.
    if st.accounts.reset_per_email.check_and_record(&email, now).is_allowed() {
        st.core.request_password_reset(&email).await?;
    }
    Ok(Json(json!({ "success": true, "message": message })).into_response())
}

/// `PUT /auth/password {reset_password_token, password, password_confirmation}`.
async fn password_reset(State(st): S, ClientIp(ip): ClientIp, JsonBody(b): JsonBody) -> ApiResult<Response> {
    limited(
        st.accounts
            .links_per_ip
            .check_and_record(&ip.to_string(), Instant::now()),
    )?;
    st.core.reset_password(&b).await?;
    Ok(Json(json!({
        "success": true,
        "message": "Your password has been changed. Sign in with it.",
    }))
    .into_response())
}

async fn invitation_show(State(st): S, ClientIp(ip): ClientIp, q: QueryParams) -> ApiResult<Response> {
    limited(
        st.accounts
            .links_per_ip
            .check_and_record(&ip.to_string(), Instant::now()),
    )?;
    let token = q.get("token").unwrap_or("");
    Ok(Json(st.core.invitation_info(token).await?).into_response())
}

/// `POST /auth/invitation {token, password, name?}`: accepts and signs in,
/// so another site may not post it (the same rules as sign-in).
async fn invitation_accept(
    State(st): S,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonBody(b): JsonBody,
) -> ApiResult<Response> {
    crate::api::cookie_sign_in_allowed(&st, &headers)?;
    limited(
        st.accounts
            .links_per_ip
            .check_and_record(&ip.to_string(), Instant::now()),
    )?;
    let user = st.core.accept_invitation_by_link(&b).await?;
    let session = st.core.open_session(user).await?;
    crate::api::signed_in(&st, session).await
}

async fn my_invitations(State(st): S, Authed(p): Authed) -> ApiResult<Response> {
    Ok(Json(Value::Array(st.core.my_invitations(&p).await?)).into_response())
}

async fn my_invitation_accept(State(st): S, Authed(p): Authed, ids: Ids) -> ApiResult<Response> {
    Ok(Json(st.core.accept_invitation(&p, ids.get("id")?).await?).into_response())
}

async fn my_invitation_decline(State(st): S, Authed(p): Authed, ids: Ids) -> ApiResult<Response> {
    st.core.decline_invitation(&p, ids.get("id")?).await?;
    Ok(Json(json!({ "success": true })).into_response())
}

/// Ends every session (this one too) and rotates the API and real-time
/// tokens: what to do after a device is lost or a token leaked.
async fn sign_out_everywhere(State(st): S, Authed(p): Authed) -> ApiResult<Response> {
    st.core.sign_out_everywhere(&p).await?;
    let mut resp = Json(json!({ "success": true })).into_response();
    crate::session::clear(resp.headers_mut(), st.core.public_url());
    Ok(resp)
}

async fn invitations_list(State(st): S, Acct(c): Acct) -> ApiResult<Response> {
    Ok(Json(json!({ "payload": st.core.list_invitations(&c).await? })).into_response())
}

async fn invitations_revoke(State(st): S, Acct(c): Acct, ids: Ids) -> ApiResult<Response> {
    st.core.revoke_invitation(&c, ids.get("id")?).await?;
    Ok(Json(json!({ "success": true })).into_response())
}
