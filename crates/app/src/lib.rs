//! Wiring: configuration, the store, the use cases, the HTTP server, the job
//! runner and graceful shutdown. The `switchboard` binary is its command line,
//! and `switchboard-bench` starts servers through it too.

pub mod config;

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use switchboard_core::{Core, CoreConfig};
use switchboard_outbound::{OutboundClient, OutboundConfig};
use switchboard_store::Store;
use switchboard_store_sql::ConnectOptions;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use config::Settings;

pub async fn open_store(s: &Settings) -> anyhow::Result<Arc<dyn Store>> {
    let opts = ConnectOptions {
        max_connections: s.database_connections,
        sqlite_full_sync: s.sqlite_full_sync,
        acquire_timeout: s.database_acquire_timeout,
    };
    switchboard_store_sql::connect(&s.database_url, &opts)
        .await
        .with_context(|| format!("opening the database {}", redact(&s.database_url)))
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

pub fn build_core(s: &Settings, store: Arc<dyn Store>) -> anyhow::Result<Arc<Core>> {
    build_core_with(s, store, channels(s))
}

/// Like `build_core`, with the given channels.
pub fn build_core_with(
    s: &Settings,
    store: Arc<dyn Store>,
    channels: switchboard_core::channels::Channels,
) -> anyhow::Result<Arc<Core>> {
    let outbound = OutboundClient::new(OutboundConfig {
        allow_private_targets: s.allow_private_targets,
        timeout: s.webhook_timeout,
        user_agent: format!("Switchboard/{}", env!("CARGO_PKG_VERSION")),
    })
    .map_err(|e| anyhow::anyhow!("building the HTTP client: {e}"))?;
    let config = CoreConfig {
        public_url: s.public_url.clone(),
        flood_limit: s.flood_limit,
        webhook_retry_window: s.webhook_retry_window,
        webhook_timeout: s.webhook_timeout,
        target_concurrency: s.target_concurrency,
        target_cooldown: s.target_cooldown,
        retry_base: s.retry_base,
        job_lease: s.job_lease,
        job_concurrency: s.job_concurrency,
        event_retention: s.event_retention,
        presence_grace: s.presence_grace,
        delivery_retention: s.delivery_retention,
        notification_retention: s.notification_retention,
        storage_dir: s.storage_dir.clone().into(),
        max_upload_bytes: s.max_upload_bytes,
        visitor_upload_bytes_per_hour: s.visitor_upload_bytes_per_hour,
        inbox_upload_bytes_per_hour: s.inbox_upload_bytes_per_hour,
        s3: s.s3.clone(),
        channel_rate_limits: s.channel_rate_limits,
        mail_inbound_domain: s.mail_inbound_domain.clone(),
        smtp_url: s.smtp_url.clone(),
        mail_from: s.mail_from.clone(),
        notification_mail_window: s.notification_mail_window,
        vapid_public_key: s.vapid_public_key.clone(),
        vapid_private_key: s.vapid_private_key.clone(),
        vapid_subject: s.vapid_subject.clone(),
        ..CoreConfig::default()
    };
    Ok(Core::new(store, config, outbound, channels))
}

/// The messaging platforms this server runs, each configured from the
/// settings (its API base, its poll interval). A new platform is one crate
/// and one line here.
pub fn channels(s: &Settings) -> switchboard_core::channels::Channels {
    switchboard_core::channels::Channels::new()
        .with(switchboard_channel_email::Email::new(s.imap_poll_interval))
        .with(switchboard_channel_telegram::Telegram::new(s.telegram_api_url.clone()))
        .with(switchboard_channel_whatsapp::WhatsApp::new(s.whatsapp_api_url.clone()))
        .with(switchboard_channel_twilio::Twilio::new(s.twilio_api_url.clone()))
}

/// A running server.
pub struct Server {
    pub addr: SocketAddr,
    pub core: Arc<Core>,
    shutdown: watch::Sender<bool>,
    http: JoinHandle<()>,
    jobs: JoinHandle<()>,
}

impl Server {
    /// Stops accepting, finishes requests and running jobs, closes the database.
    pub async fn stop(self) {
        let _ = self.shutdown.send(true);
        let _ = self.http.await;
        let _ = self.jobs.await;
        self.core.store.close().await;
    }
}

/// Binds, starts the HTTP server and the job runner.
pub async fn start(s: &Settings, core: Arc<Core>) -> anyhow::Result<Server> {
    start_with(s, core, true).await
}

/// Like `start`; without `run_jobs` no job runner is started (benchmarks
/// measure ingest alone).
pub async fn start_with(s: &Settings, core: Arc<Core>, run_jobs: bool) -> anyhow::Result<Server> {
    let trusted_proxies = switchboard_http::client_ip::TrustedProxies::parse(&s.trusted_proxies)
        .map_err(|e| anyhow::anyhow!("trusted_proxies: {e}"))?;
    let file_limit = raise_file_limit();
    let reserve = file_reserve(s);
    let max_connections = connection_cap(s.max_connections, file_limit, reserve);
    if max_connections < s.max_connections {
        tracing::info!(
            max_connections,
            file_limit,
            reserve,
            "open connections held below the open-file limit"
        );
    }
    core.init().await.map_err(|e| anyhow::anyhow!("starting: {e}"))?;
    let listener = tokio::net::TcpListener::bind(&s.listen)
        .await
        .with_context(|| format!("listening on {}", s.listen))?;
    let addr = listener.local_addr()?;
    if !s.public_url_set {
        core.set_bound_url(format!("http://{addr}"));
    }
    let (shutdown, rx) = watch::channel(false);
    let hub = switchboard_realtime::Hub::new();
    let _ = core
        .presence
        .set(Arc::new(switchboard_http::cable::HubPresence(hub.clone())));
    let backplane = match &s.redis_url {
        Some(url) => {
            let b = switchboard_realtime::backplane::RedisBackplane::connect(url, &s.redis_namespace)
                .await
                .with_context(|| format!("connecting to Redis at {}", redact(url)))?;
            let _ = hub.shared.set(b.clone());
            Some(b)
        }
        None => None,
    };
    tokio::spawn(switchboard_http::cable::fan_out(core.clone(), hub.clone(), backplane));
    let config = switchboard_http::HttpConfig {
        max_body_bytes: s.max_body_bytes,
        trusted_proxies: trusted_proxies.clone(),
        metrics_token: s.metrics_token.clone(),
        max_websockets_per_ip: s.max_websockets_per_ip,
    };
    let state = switchboard_http::AppState::new(core.clone(), hub, rx.clone(), config);
    let app = switchboard_http::router(state);
    let limits = switchboard_http::server::ConnectionLimits {
        max_connections,
        max_per_ip: s.max_connections_per_ip,
        header_read_timeout: s.header_read_timeout,
        idle_timeout: s.idle_timeout,
    };
    let http = tokio::spawn(switchboard_http::server::serve(
        listener,
        app,
        limits,
        trusted_proxies,
        rx.clone(),
    ));
    let jobs = if run_jobs {
        tokio::spawn(switchboard_core::jobs::run(core.clone(), rx))
    } else {
        tokio::spawn(async {})
    };
    Ok(Server {
        addr,
        core,
        shutdown,
        http,
        jobs,
    })
}

/// Raises the soft open-file limit to the hard one (idle connections are
/// cheap, descriptors are the limit); returns the soft limit in force.
#[cfg(unix)]
pub fn raise_file_limit() -> Option<u64> {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes the limit into the struct it is given.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) } != 0 {
        return None;
    }
    if lim.rlim_cur < lim.rlim_max {
        let raised = libc::rlimit {
            rlim_cur: lim.rlim_max,
            rlim_max: lim.rlim_max,
        };
        // SAFETY: setrlimit reads the struct it is given.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } == 0 {
            lim.rlim_cur = lim.rlim_max;
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    Some(lim.rlim_cur as u64)
}

#[cfg(not(unix))]
pub fn raise_file_limit() -> Option<u64> {
    None
}

/// Descriptors kept out of the connection cap: the database (SQLite keeps a
/// database, journal and shared-memory file per connection), outgoing calls
/// of running jobs, files being served, Redis, logs.
fn file_reserve(s: &Settings) -> usize {
    128 + 4 * s.database_connections as usize + s.job_concurrency
}

/// The configured connection cap, held below the open-file limit by the
/// reserve (half the limit when it is too small for that).
pub fn connection_cap(configured: usize, file_limit: Option<u64>, reserve: usize) -> usize {
    let Some(limit) = file_limit else {
        return configured;
    };
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let room = if limit > 2 * reserve {
        limit - reserve
    } else {
        limit / 2
    };
    configured.min(room).max(1)
}

/// Creates the first account and administrator when the database is empty
/// and returns what to print.
pub async fn bootstrap(core: &Arc<Core>, public_url: &str) -> anyhow::Result<Option<String>> {
    if !core.is_empty().await? {
        return Ok(None);
    }
    let password = switchboard_core::auth::random_token(16);
    let email = "admin@example.com";
    let created = core
        .create_account_with_admin("My Company", "Administrator", email, &password)
        .await
        .map_err(|e| anyhow::anyhow!("creating the first account: {e}"))?;
    Ok(Some(format!(
        "\nA first account was created (shown once; change the password after signing in):\n  sign in:   {public_url}/app (the API: POST {public_url}/auth/sign_in, or the API token as the api_access_token header)\n  e-mail:    {email}\n  password:  {password}\n  API token: {token}\n  account:   {account}\n  widget:    create a website inbox, then embed {public_url}/widget.js\n",
        token = created.access_token,
        account = created.account.id,
    )))
}

/// Resolves when SIGINT or SIGTERM arrives.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connections_stay_below_the_file_limit() {
        let reserve = file_reserve(&Settings::default());
        assert_eq!(reserve, 128 + 4 * 8 + 64);
        assert_eq!(connection_cap(10_000, Some(1024), reserve), 1024 - reserve);
        assert_eq!(connection_cap(10_000, Some(1_048_576), reserve), 10_000);
        assert_eq!(connection_cap(10_000, Some(300), reserve), 150);
        assert_eq!(connection_cap(10_000, None, reserve), 10_000);
        assert_eq!(connection_cap(10_000, Some(1), reserve), 1);
    }
}
