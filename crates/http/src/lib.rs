//! HTTP surfaces: the Application API, sign-in, operations endpoints. Every
//! handler maps HTTP onto a `switchboard-core` use case; errors render in
//! Chatwoot's shapes in one place (`error.rs`).

pub mod accounts;
pub mod agent_bots;
pub mod api;
pub mod automation;
pub mod cable;
pub mod channels;
pub mod client_ip;
mod contacts;
pub mod contacts_csv;
pub mod contacts_more;
pub mod conversation_extras;
mod conversations;
pub mod csat;
pub mod custom_attributes;
pub mod error;
pub mod extract;
pub mod macros;
pub mod metrics;
pub mod notifications;
pub mod ops;
pub mod public;
pub mod push;
pub mod quota;
pub mod rails_params;
pub mod ratelimit;
pub mod routing;
pub mod routing_policies;
pub mod sdk;
pub mod search;
pub mod server;
pub mod session;
pub mod sla;
pub mod uploads;
pub mod widget;
pub mod widget_attributes;

use std::sync::Arc;
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use switchboard_core::Core;

/// Rate limits of the public surfaces.
pub struct PublicLimits {
    /// Writes per visitor (contact inbox) per minute.
    pub per_visitor: ratelimit::SlidingWindow,
    /// Writes per client address per minute: loose, for offices behind one NAT.
    pub per_ip: ratelimit::SlidingWindow,
    /// New visitors per client address per hour.
    pub new_contacts: ratelimit::SlidingWindow,
    /// Bytes visitors store per hour, per visitor and per inbox.
    pub uploads: quota::UploadQuota,
}

impl PublicLimits {
    pub fn new(config: &switchboard_core::CoreConfig) -> Self {
        use std::time::Duration;
        PublicLimits {
            per_visitor: ratelimit::SlidingWindow::new(60, Duration::from_secs(60)),
            per_ip: ratelimit::SlidingWindow::new(1200, Duration::from_secs(60)),
            new_contacts: ratelimit::SlidingWindow::new(300, Duration::from_secs(3600)),
            uploads: quota::UploadQuota::new(config.visitor_upload_bytes_per_hour, config.inbox_upload_bytes_per_hour),
        }
    }
}

/// Settings of the HTTP surface.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Largest accepted request body.
    pub max_body_bytes: usize,
    /// Proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: client_ip::TrustedProxies,
    /// A bearer token that opens `/metrics` to callers other than loopback.
    pub metrics_token: Option<String>,
    /// Open WebSockets (`/cable`) per client address.
    pub max_websockets_per_ip: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            max_body_bytes: 2 * 1024 * 1024,
            trusted_proxies: client_ip::TrustedProxies::default(),
            metrics_token: None,
            max_websockets_per_ip: 128,
        }
    }
}

pub struct AppState {
    pub limits: PublicLimits,
    pub core: Arc<Core>,
    pub hub: Arc<switchboard_realtime::Hub>,
    pub socket_limits: switchboard_realtime::SocketLimits,
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    pub metrics: Arc<metrics::Metrics>,
    pub signin: ratelimit::SignInGuard,
    pub accounts: accounts::AccountLimits,
    /// Transcript mails per account per hour.
    pub transcripts: ratelimit::SlidingWindow,
    pub max_body_bytes: usize,
    pub trusted_proxies: client_ip::TrustedProxies,
    pub metrics_token: Option<String>,
    /// Open WebSockets per client address.
    pub websockets: Arc<server::OpenCounter>,
    pub started: Instant,
}

impl AppState {
    pub fn new(
        core: Arc<Core>,
        hub: Arc<switchboard_realtime::Hub>,
        shutdown: tokio::sync::watch::Receiver<bool>,
        config: HttpConfig,
    ) -> Arc<Self> {
        let metrics = Arc::new(metrics::Metrics::new());
        metrics.describe(
            "http_requests_total",
            metrics::Kind::Counter,
            "HTTP requests by method, route and status.",
        );
        metrics.describe(
            "http_request_duration_seconds",
            metrics::Kind::Histogram,
            "HTTP request latency by route.",
        );
        Arc::new(AppState {
            limits: PublicLimits::new(&core.config),
            core,
            hub,
            socket_limits: switchboard_realtime::SocketLimits::default(),
            shutdown,
            metrics,
            signin: ratelimit::SignInGuard::new(ratelimit::SignInLimits::default()),
            accounts: Default::default(),
            transcripts: conversation_extras::transcript_limiter(),
            max_body_bytes: config.max_body_bytes,
            trusted_proxies: config.trusted_proxies,
            metrics_token: config.metrics_token.filter(|t| !t.is_empty()),
            websockets: server::OpenCounter::new(usize::MAX, config.max_websockets_per_ip),
            started: Instant::now(),
        })
    }
}

/// The whole HTTP application.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        // The Application API answers a method it does not serve like a
        // missing route (the visitor-facing surfaces keep their CORS
        // preflights, which their layers answer).
        .merge(
            api::routes()
                .merge(accounts::routes())
                .merge(push::routes())
                .method_not_allowed_fallback(unrouted),
        )
        .merge(ops::routes())
        .merge(public::routes(&state))
        .merge(widget::routes(state.clone()))
        .merge(csat::routes())
        .route("/cable", axum::routing::get(cable::upgrade))
        .route("/attachments/{id}/{name}", axum::routing::get(uploads::download))
        .route("/avatars/{dir}/{file}", axum::routing::get(uploads::avatar))
        .route(
            "/webhooks/{channel}/{key}",
            axum::routing::get(channels::handshake)
                .post(channels::webhook)
                .layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .merge(sdk::routes())
        .route("/app", axum::routing::get(app_page).layer(compressed()))
        .route("/app/", axum::routing::get(app_page).layer(compressed()))
        .route("/app/{file}", axum::routing::get(app_file).layer(compressed()))
        .fallback(unrouted)
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .with_state(state)
}

/// Brotli or gzip, as the browser asks, for the static files (the dashboard,
/// the widget scripts and page). Only these: API answers carry tokens beside
/// what callers send, and compressing such answers invites length-based
/// guessing (BREACH); the files hold no secrets.
pub(crate) fn compressed() -> tower_http::compression::CompressionLayer {
    // Level 5: brotli smaller than gzip at about gzip's cost, per request.
    tower_http::compression::CompressionLayer::new()
        .br(true)
        .gzip(true)
        .quality(tower_http::CompressionLevel::Precise(5))
}

/// The dashboard's files: name, content type and the text embedded at build
/// time. Only these names are served.
const APP_FILES: &[(&str, &str, &str)] = &[
    ("index.html", HTML, include_str!("../../../web/app/index.html")),
    ("app.js", JS, include_str!("../../../web/app/app.js")),
    ("access.js", JS, include_str!("../../../web/app/access.js")),
    ("lib.js", JS, include_str!("../../../web/app/lib.js")),
    // The renderer shared with the widget, as a module.
    (
        "markdown.js",
        JS,
        concat!(
            include_str!("../../../web/shared/markdown.js"),
            "\nexport function markdown(text) {\n  return markdownNodes(text, document);\n}\n"
        ),
    ),
    // The widget's text colour for a brand colour, for the widget preview.
    (
        "contrast.js",
        JS,
        concat!(
            include_str!("../../../web/shared/contrast.js"),
            "\nexport { readableTextOn };\n"
        ),
    ),
    ("list.js", JS, include_str!("../../../web/app/list.js")),
    ("filters.js", JS, include_str!("../../../web/app/filters.js")),
    ("thread.js", JS, include_str!("../../../web/app/thread.js")),
    ("panel.js", JS, include_str!("../../../web/app/panel.js")),
    ("picker.js", JS, include_str!("../../../web/app/picker.js")),
    ("search.js", JS, include_str!("../../../web/app/search.js")),
    ("palette.js", JS, include_str!("../../../web/app/palette.js")),
    ("bell.js", JS, include_str!("../../../web/app/bell.js")),
    ("settings.js", JS, include_str!("../../../web/app/settings.js")),
    ("settings-kit.js", JS, include_str!("../../../web/app/settings-kit.js")),
    (
        "settings-inboxes.js",
        JS,
        include_str!("../../../web/app/settings-inboxes.js"),
    ),
    (
        "settings-inbox-flow.js",
        JS,
        include_str!("../../../web/app/settings-inbox-flow.js"),
    ),
    (
        "settings-inbox-forms.js",
        JS,
        include_str!("../../../web/app/settings-inbox-forms.js"),
    ),
    (
        "settings-inbox-widget.js",
        JS,
        include_str!("../../../web/app/settings-inbox-widget.js"),
    ),
    (
        "settings-agents.js",
        JS,
        include_str!("../../../web/app/settings-agents.js"),
    ),
    (
        "settings-teams.js",
        JS,
        include_str!("../../../web/app/settings-teams.js"),
    ),
    (
        "settings-labels.js",
        JS,
        include_str!("../../../web/app/settings-labels.js"),
    ),
    (
        "settings-canned.js",
        JS,
        include_str!("../../../web/app/settings-canned.js"),
    ),
    (
        "settings-webhooks.js",
        JS,
        include_str!("../../../web/app/settings-webhooks.js"),
    ),
    ("macros.js", JS, include_str!("../../../web/app/macros.js")),
    (
        "settings-bots.js",
        JS,
        include_str!("../../../web/app/settings-bots.js"),
    ),
    ("settings-sla.js", JS, include_str!("../../../web/app/settings-sla.js")),
    ("sla.js", JS, include_str!("../../../web/app/sla.js")),
    (
        "settings-csat.js",
        JS,
        include_str!("../../../web/app/settings-csat.js"),
    ),
    (
        "settings-account.js",
        JS,
        include_str!("../../../web/app/settings-account.js"),
    ),
    (
        "settings-automation.js",
        JS,
        include_str!("../../../web/app/settings-automation.js"),
    ),
    (
        "settings-routing.js",
        JS,
        include_str!("../../../web/app/settings-routing.js"),
    ),
    ("routing-text.js", JS, include_str!("../../../web/app/routing-text.js")),
    ("queue.js", JS, include_str!("../../../web/app/queue.js")),
    ("routing-log.js", JS, include_str!("../../../web/app/routing-log.js")),
    ("profile.js", JS, include_str!("../../../web/app/profile.js")),
    ("push.js", JS, include_str!("../../../web/app/push.js")),
    // The service worker; its scope may cover /app (Service-Worker-Allowed).
    ("sw.js", JS, include_str!("../../../web/app/sw.js")),
    ("contacts.js", JS, include_str!("../../../web/app/contacts.js")),
    ("attributes.js", JS, include_str!("../../../web/app/attributes.js")),
    (
        "settings-attributes.js",
        JS,
        include_str!("../../../web/app/settings-attributes.js"),
    ),
    ("app.css", CSS, include_str!("../../../web/app/app.css")),
    ("settings.css", CSS, include_str!("../../../web/app/settings.css")),
    ("pages.css", CSS, include_str!("../../../web/app/pages.css")),
];
const HTML: &str = "text/html; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// One of the dashboard's files, served with a policy that allows only our
/// own scripts, styles and connections, and never inside another site's frame.
/// Debug builds read the file from the source tree when it is there, so a
/// change to the dashboard shows on reload without rebuilding; release
/// builds serve only what was embedded.
/// Answered `304 Not Modified` when the browser already holds this version
/// (its `If-None-Match` names the content's hash).
fn app_asset(name: &str, headers: &axum::http::HeaderMap) -> Response {
    use axum::http::header;
    let Some(&(_, content_type, embedded)) = APP_FILES.iter().find(|(n, _, _)| *n == name) else {
        return error::ApiError::not_found().into_response();
    };
    let body: std::borrow::Cow<'static, str> = if cfg!(debug_assertions) {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../web/app/");
        std::fs::read_to_string(format!("{path}{name}"))
            .map(Into::into)
            .unwrap_or(embedded.into())
    } else {
        embedded.into()
    };
    // FNV-1a over the text: stable across restarts and builds of the same file.
    let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    let etag = format!("\"{hash:016x}\"");
    let fresh = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag));
    let status = if fresh {
        axum::http::StatusCode::NOT_MODIFIED
    } else {
        axum::http::StatusCode::OK
    };
    let mut response = (
        status,
        [
            (header::ETAG, etag.as_str()),
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "no-cache"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            (header::X_FRAME_OPTIONS, "DENY"),
            (header::REFERRER_POLICY, "same-origin"),
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
                 connect-src 'self' ws: wss:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
            ),
        ],
        if fresh { String::new() } else { body.into_owned() },
    )
        .into_response();
    if name == "sw.js" {
        // Registered with the scope /app, which covers /app itself (the
        // default scope of /app/sw.js, /app/, would not).
        response
            .headers_mut()
            .insert("service-worker-allowed", axum::http::HeaderValue::from_static("/app"));
    }
    response
}

async fn app_page(headers: axum::http::HeaderMap) -> Response {
    app_asset("index.html", &headers)
}

async fn app_file(axum::extract::Path(file): axum::extract::Path<String>, headers: axum::http::HeaderMap) -> Response {
    app_asset(&file, &headers)
}

/// A path or a method we do not serve. Under the authenticated API the
/// caller is checked first (a stranger gets 401 everywhere, so cannot map
/// which routes exist; inside an account, a non-member too), then 404 in
/// Chatwoot's shape, never an empty 405.
pub(crate) async fn unrouted(State(st): State<Arc<AppState>>, req: Request) -> Response {
    use axum::extract::FromRequestParts;
    let (mut parts, _) = req.into_parts();
    let path = parts.uri.path().to_string();
    if path.starts_with("/api/v1/") && !path.starts_with("/api/v1/widget/") {
        let principal = match extract::Authed::from_request_parts(&mut parts, &st).await {
            Ok(extract::Authed(p)) => p,
            Err(e) => return e.into_response(),
        };
        let account = path
            .strip_prefix("/api/v1/accounts/")
            .and_then(|rest| rest.split('/').next())
            .map(|id| id.parse::<i64>().unwrap_or(0));
        if let Some(account_id) = account
            && let Err(e) = st.core.account_ctx(principal, account_id).await
        {
            return error::ApiError::from(e).into_response();
        }
    }
    error::ApiError::not_found().into_response()
}

/// The method as a metric label: the standard ones by name, anything a
/// client invents as `other`, so no caller can add series at will.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "other",
    }
}

/// Counts requests and measures latency per matched route. Every label is
/// bounded: the method by [`method_label`], the route is the route's
/// pattern (never the raw path), the status a three-digit code.
async fn track(State(st): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(req.method());
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let resp = next.run(req).await;
    let status = resp.status().as_u16().to_string();
    st.metrics.inc_counter(
        "http_requests_total",
        &[("method", method), ("route", &route), ("status", &status)],
        1,
    );
    st.metrics.observe(
        "http_request_duration_seconds",
        &[("route", &route)],
        started.elapsed().as_secs_f64(),
    );
    resp
}
