//! Configuration: `switchboard.toml`, then `SWITCHBOARD_*` environment
//! variables, then command-line flags; the later wins. Every option is one
//! field here, documented once (clap shows the doc in `--help`; the binary's
//! commands flatten [`Options`] into theirs).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use serde::Deserialize;

/// Every server option. All are optional here; `Settings::resolve` applies
/// the file and the defaults.
#[derive(Debug, Clone, Default, Args, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Options {
    /// Address to listen on [default: 127.0.0.1:3000].
    #[arg(long, env = "SWITCHBOARD_LISTEN")]
    pub listen: Option<String>,
    /// URL users reach this server at; links and platform webhook URLs are built from it
    /// [default: http://<listen>].
    #[arg(long, env = "SWITCHBOARD_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// sqlite://path or postgres://... [default: sqlite://switchboard.db].
    #[arg(long, env = "SWITCHBOARD_DATABASE_URL")]
    pub database_url: Option<String>,
    /// Database connections (PostgreSQL pool, SQLite readers) [default: 8].
    #[arg(long, env = "SWITCHBOARD_DATABASE_CONNECTIONS")]
    pub database_connections: Option<u32>,
    /// SQLite: fsync every commit (survives power loss, slower) [default: false].
    #[arg(long, env = "SWITCHBOARD_SQLITE_FULL_SYNC")]
    pub sqlite_full_sync: Option<bool>,
    /// PostgreSQL: how long a request waits for a connection before it is
    /// answered 503, in milliseconds [default: 3000].
    #[arg(long, env = "SWITCHBOARD_DATABASE_ACQUIRE_TIMEOUT_MS")]
    pub database_acquire_timeout_ms: Option<u64>,
    /// Let webhooks reach loopback and private addresses [default: false].
    #[arg(long, env = "SWITCHBOARD_ALLOW_PRIVATE_TARGETS")]
    pub allow_private_targets: Option<bool>,
    /// Timeout of one outgoing webhook request, in seconds [default: 5].
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_TIMEOUT_SECS")]
    pub webhook_timeout_secs: Option<u64>,
    /// How long failing webhooks are retried, in seconds [default: 86400].
    #[arg(long, env = "SWITCHBOARD_WEBHOOK_RETRY_WINDOW_SECS")]
    pub webhook_retry_window_secs: Option<u64>,
    /// Calls in flight at once to one target (a webhook's host:port, a platform inbox) [default: 8].
    #[arg(long, env = "SWITCHBOARD_TARGET_CONCURRENCY")]
    pub target_concurrency: Option<usize>,
    /// Seconds a target's circuit stays open after 5 failures in a row over a second or more (doubling while it fails) [default: 30].
    #[arg(long, env = "SWITCHBOARD_TARGET_COOLDOWN_SECS")]
    pub target_cooldown_secs: Option<u64>,
    /// First retry delay in milliseconds; later delays double up to an hour [default: 5000].
    #[arg(long, env = "SWITCHBOARD_RETRY_BASE_MS")]
    pub retry_base_ms: Option<u64>,
    /// Seconds a claimed job is leased before another worker may retry it [default: 60].
    #[arg(long, env = "SWITCHBOARD_JOB_LEASE_SECS")]
    pub job_lease_secs: Option<u64>,
    /// Jobs run at once by this process [default: 64].
    #[arg(long, env = "SWITCHBOARD_JOB_CONCURRENCY")]
    pub job_concurrency: Option<usize>,
    /// Largest accepted request body in bytes [default: 2097152].
    #[arg(long, env = "SWITCHBOARD_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Messages per conversation per minute [default: 200].
    #[arg(long, env = "SWITCHBOARD_FLOOD_LIMIT")]
    pub flood_limit: Option<i64>,
    /// Redis for several nodes: real-time events and presence shared between
    /// them (redis://host:6379). Without it one node serves alone.
    #[arg(long, env = "SWITCHBOARD_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of this installation's Redis keys and channels [default: switchboard].
    #[arg(long, env = "SWITCHBOARD_REDIS_NAMESPACE")]
    pub redis_namespace: Option<String>,
    /// Directory for attachment files [default: storage].
    #[arg(long, env = "SWITCHBOARD_STORAGE_DIR")]
    pub storage_dir: Option<String>,
    /// S3-compatible endpoint for attachments, e.g. https://s3.eu-central-1.amazonaws.com
    /// or http://minio:9000 (path-style); without it files stay on disk.
    #[arg(long, env = "SWITCHBOARD_S3_ENDPOINT")]
    pub s3_endpoint: Option<String>,
    /// The bucket [required with an endpoint].
    #[arg(long, env = "SWITCHBOARD_S3_BUCKET")]
    pub s3_bucket: Option<String>,
    /// The bucket's region [default: us-east-1].
    #[arg(long, env = "SWITCHBOARD_S3_REGION")]
    pub s3_region: Option<String>,
    /// Access key id.
    #[arg(long, env = "SWITCHBOARD_S3_ACCESS_KEY")]
    pub s3_access_key: Option<String>,
    /// Secret access key.
    #[arg(long, env = "SWITCHBOARD_S3_SECRET_KEY", hide_env_values = true)]
    pub s3_secret_key: Option<String>,
    /// Largest attachment in megabytes [default: 40].
    #[arg(long, env = "SWITCHBOARD_MAX_UPLOAD_MB")]
    pub max_upload_mb: Option<u64>,
    /// Megabytes one visitor (Client or Widget API) may upload per hour [default: 100].
    #[arg(long, env = "SWITCHBOARD_VISITOR_UPLOAD_MB_PER_HOUR")]
    pub visitor_upload_mb_per_hour: Option<u64>,
    /// Megabytes the visitors of one inbox may upload per hour [default: 2048].
    #[arg(long, env = "SWITCHBOARD_INBOX_UPLOAD_MB_PER_HOUR")]
    pub inbox_upload_mb_per_hour: Option<u64>,
    /// Telegram Bot API base URL; a local Bot API server or a test double
    /// may stand in [default: https://api.telegram.org].
    #[arg(long, env = "SWITCHBOARD_TELEGRAM_API_URL")]
    pub telegram_api_url: Option<String>,
    /// WhatsApp Cloud API base URL [default: https://graph.facebook.com/v21.0].
    #[arg(long, env = "SWITCHBOARD_WHATSAPP_API_URL")]
    pub whatsapp_api_url: Option<String>,
    /// Twilio REST API base URL [default: https://api.twilio.com].
    #[arg(long, env = "SWITCHBOARD_TWILIO_API_URL")]
    pub twilio_api_url: Option<String>,
    /// Pace sends to each platform's published limits (Telegram: 30 a second
    /// per bot, one a second per chat) [default: true].
    #[arg(long, env = "SWITCHBOARD_CHANNEL_RATE_LIMITS")]
    pub channel_rate_limits: Option<bool>,
    /// The domain whose `reply+{conversation uuid}@` addresses reach this
    /// server (a catch-all mailbox read over IMAP, or a forwarding service
    /// posting to `/webhooks/email/{token}`). E-mail replies then carry
    /// such a Reply-To; without it they name the inbox's own address.
    #[arg(long, env = "SWITCHBOARD_MAIL_INBOUND_DOMAIN")]
    pub mail_inbound_domain: Option<String>,
    /// The installation's SMTP server for invitations and password resets:
    /// `smtp://user:password@host:587` (STARTTLS when offered; add
    /// `?tls=required` to insist) or `smtps://user:password@host:465`.
    /// Without it, invitation links are shown to the inviting administrator
    /// and "forgot password" cannot send anything.
    #[arg(long, env = "SWITCHBOARD_SMTP_URL")]
    pub smtp_url: Option<String>,
    /// The sender of those mails, e.g. `Acme Support <support@acme.com>`
    /// [default: Switchboard <noreply@host of the public URL>].
    #[arg(long, env = "SWITCHBOARD_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Seconds in which a user gets at most one notification mail per
    /// conversation; later notifications fold into the next mail [default: 300].
    #[arg(long, env = "SWITCHBOARD_NOTIFICATION_MAIL_WINDOW_SECONDS")]
    pub notification_mail_window_seconds: Option<u64>,
    /// The VAPID public key browser pushes are signed with (base64url, 65
    /// octets uncompressed); give it with the private key [default: a key
    /// pair generated at first start and kept in the database].
    #[arg(long, env = "SWITCHBOARD_VAPID_PUBLIC_KEY")]
    pub vapid_public_key: Option<String>,
    /// The VAPID private key (base64url, the 32-octet P-256 scalar).
    #[arg(long, env = "SWITCHBOARD_VAPID_PRIVATE_KEY", hide_env_values = true)]
    pub vapid_private_key: Option<String>,
    /// Who runs this server, for push services: a mailto: or https URL
    /// [default: mailto: the mail sender's address, else the public URL if
    /// https, else mailto:noreply@ its host].
    #[arg(long, env = "SWITCHBOARD_VAPID_SUBJECT")]
    pub vapid_subject: Option<String>,
    /// Seconds between reads of e-mail inboxes' IMAP mailboxes [default: 60].
    #[arg(long, env = "SWITCHBOARD_IMAP_POLL_SECONDS")]
    pub imap_poll_seconds: Option<u64>,
    /// Days stored events are kept [default: 7].
    #[arg(long, env = "SWITCHBOARD_EVENT_RETENTION_DAYS")]
    pub event_retention_days: Option<u64>,
    /// Seconds an agent whose dashboard went away still counts as present
    /// for routing (agents who go offline automatically) [default: 180].
    #[arg(long, env = "SWITCHBOARD_PRESENCE_GRACE_SECONDS")]
    pub presence_grace_seconds: Option<u64>,
    /// Days finished webhook deliveries and dead jobs are kept [default: 30].
    #[arg(long, env = "SWITCHBOARD_DELIVERY_RETENTION_DAYS")]
    pub delivery_retention_days: Option<u64>,
    /// Days a notification is kept after its last activity [default: 30].
    #[arg(long, env = "SWITCHBOARD_NOTIFICATION_RETENTION_DAYS")]
    pub notification_retention_days: Option<u64>,
    /// Open connections in all, WebSockets included; held below the open-file
    /// limit with room for the database, files and outgoing calls [default: 10000].
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,
    /// Open connections per client address (IPv6: per /64); trusted proxies
    /// are exempt [default: 256].
    #[arg(long, env = "SWITCHBOARD_MAX_CONNECTIONS_PER_IP")]
    pub max_connections_per_ip: Option<u32>,
    /// Open WebSockets (/cable) per client address [default: 128].
    #[arg(long, env = "SWITCHBOARD_MAX_WEBSOCKETS_PER_IP")]
    pub max_websockets_per_ip: Option<u32>,
    /// Seconds a client has to send a request's headers; also how long a
    /// kept-alive connection waits for its next request [default: 10].
    #[arg(long, env = "SWITCHBOARD_HEADER_READ_TIMEOUT_SECS")]
    pub header_read_timeout_secs: Option<u64>,
    /// Seconds a connection may pass with nothing read or written (slow
    /// bodies, stalled downloads, silent sockets) before it is closed [default: 60].
    #[arg(long, env = "SWITCHBOARD_IDLE_TIMEOUT_SECS")]
    pub idle_timeout_secs: Option<u64>,
    /// Proxies whose X-Forwarded-For names the client: comma-separated CIDRs or
    /// addresses, e.g. `10.0.0.0/8,192.0.2.7` [default: none; the header is ignored].
    #[arg(long, env = "SWITCHBOARD_TRUSTED_PROXIES")]
    pub trusted_proxies: Option<String>,
    /// Bearer token that opens /metrics to callers other than this machine's
    /// loopback [default: none; /metrics answers loopback only].
    #[arg(long, env = "SWITCHBOARD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Log as JSON lines instead of text [default: false].
    #[arg(long, env = "SWITCHBOARD_LOG_JSON")]
    pub log_json: Option<bool>,
    /// Log filter, e.g. `info` or `switchboard=debug` [default: info].
    #[arg(long, env = "SWITCHBOARD_LOG")]
    pub log: Option<String>,
}

/// Options with the file and defaults applied.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: String,
    pub public_url: String,
    /// Whether `public_url` was configured (otherwise it follows the bound address).
    pub public_url_set: bool,
    pub database_url: String,
    pub database_connections: u32,
    pub sqlite_full_sync: bool,
    pub database_acquire_timeout: Duration,
    pub allow_private_targets: bool,
    pub webhook_timeout: Duration,
    pub webhook_retry_window: Duration,
    pub target_concurrency: usize,
    pub target_cooldown: Duration,
    pub retry_base: Duration,
    pub job_lease: Duration,
    pub job_concurrency: usize,
    pub max_body_bytes: usize,
    pub flood_limit: i64,
    pub event_retention: Duration,
    pub delivery_retention: Duration,
    pub notification_retention: Duration,
    pub presence_grace: Duration,
    pub redis_url: Option<String>,
    pub redis_namespace: String,
    pub storage_dir: String,
    pub max_upload_bytes: u64,
    pub visitor_upload_bytes_per_hour: u64,
    pub inbox_upload_bytes_per_hour: u64,
    pub telegram_api_url: String,
    pub whatsapp_api_url: String,
    pub twilio_api_url: String,
    pub channel_rate_limits: bool,
    pub mail_inbound_domain: Option<String>,
    pub smtp_url: Option<String>,
    pub mail_from: Option<String>,
    pub notification_mail_window: Duration,
    pub vapid_public_key: Option<String>,
    pub vapid_private_key: Option<String>,
    pub vapid_subject: Option<String>,
    pub imap_poll_interval: Duration,
    pub s3: Option<switchboard_core::S3Config>,
    pub max_connections: usize,
    pub max_connections_per_ip: u32,
    pub max_websockets_per_ip: u32,
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
    /// Comma-separated CIDRs, checked when the server starts.
    pub trusted_proxies: String,
    pub metrics_token: Option<String>,
    pub log_json: bool,
    pub log: String,
}

impl Default for Settings {
    fn default() -> Self {
        Settings::resolve(Options::default(), Options::default())
    }
}

impl Settings {
    /// `cli` (flags and environment, as clap read them) over `file` over defaults.
    pub fn resolve(cli: Options, file: Options) -> Settings {
        macro_rules! pick {
            ($f:ident, $d:expr) => {
                cli.$f.clone().or(file.$f.clone()).unwrap_or($d)
            };
        }
        let listen = pick!(listen, "127.0.0.1:3000".to_string());
        let public_url_set = cli.public_url.is_some() || file.public_url.is_some();
        let public_url = pick!(public_url, format!("http://{listen}"));
        Settings {
            public_url_set,
            public_url: public_url.trim_end_matches('/').to_string(),
            database_url: pick!(database_url, "sqlite://switchboard.db".to_string()),
            database_connections: pick!(database_connections, 8),
            sqlite_full_sync: pick!(sqlite_full_sync, false),
            database_acquire_timeout: Duration::from_millis(pick!(database_acquire_timeout_ms, 3_000).max(100)),
            allow_private_targets: pick!(allow_private_targets, false),
            webhook_timeout: Duration::from_secs(pick!(webhook_timeout_secs, 5).max(1)),
            webhook_retry_window: Duration::from_secs(pick!(webhook_retry_window_secs, 86_400)),
            target_concurrency: pick!(target_concurrency, 8).max(1),
            target_cooldown: Duration::from_secs(pick!(target_cooldown_secs, 30).max(1)),
            retry_base: Duration::from_millis(pick!(retry_base_ms, 5_000).max(1)),
            job_lease: Duration::from_secs(pick!(job_lease_secs, 60).max(1)),
            job_concurrency: pick!(job_concurrency, 64).max(1),
            max_body_bytes: pick!(max_body_bytes, 2 * 1024 * 1024),
            flood_limit: pick!(flood_limit, 200).max(1),
            redis_url: cli
                .redis_url
                .clone()
                .or(file.redis_url.clone())
                .filter(|u| !u.is_empty()),
            redis_namespace: pick!(redis_namespace, "switchboard".to_string()),
            storage_dir: pick!(storage_dir, "storage".to_string()),
            max_upload_bytes: pick!(max_upload_mb, 40).max(1) * 1024 * 1024,
            visitor_upload_bytes_per_hour: pick!(visitor_upload_mb_per_hour, 100).saturating_mul(1024 * 1024),
            inbox_upload_bytes_per_hour: pick!(inbox_upload_mb_per_hour, 2048).saturating_mul(1024 * 1024),
            telegram_api_url: pick!(
                telegram_api_url,
                switchboard_channel_telegram::DEFAULT_API_URL.to_string()
            )
            .trim_end_matches('/')
            .to_string(),
            twilio_api_url: pick!(twilio_api_url, switchboard_channel_twilio::DEFAULT_API_URL.to_string()),
            whatsapp_api_url: pick!(
                whatsapp_api_url,
                switchboard_channel_whatsapp::DEFAULT_API_URL.to_string()
            )
            .trim_end_matches('/')
            .to_string(),
            channel_rate_limits: pick!(channel_rate_limits, true),
            mail_inbound_domain: cli
                .mail_inbound_domain
                .clone()
                .or(file.mail_inbound_domain.clone())
                .map(|d| d.trim().trim_start_matches('@').to_lowercase())
                .filter(|d| !d.is_empty()),
            smtp_url: cli
                .smtp_url
                .clone()
                .or(file.smtp_url.clone())
                .filter(|u| !u.trim().is_empty()),
            mail_from: cli
                .mail_from
                .clone()
                .or(file.mail_from.clone())
                .filter(|u| !u.trim().is_empty()),
            notification_mail_window: Duration::from_secs(pick!(notification_mail_window_seconds, 300)),
            vapid_public_key: cli
                .vapid_public_key
                .clone()
                .or(file.vapid_public_key.clone())
                .filter(|k| !k.trim().is_empty()),
            vapid_private_key: cli
                .vapid_private_key
                .clone()
                .or(file.vapid_private_key.clone())
                .filter(|k| !k.trim().is_empty()),
            vapid_subject: cli
                .vapid_subject
                .clone()
                .or(file.vapid_subject.clone())
                .filter(|k| !k.trim().is_empty()),
            imap_poll_interval: Duration::from_secs(
                pick!(
                    imap_poll_seconds,
                    switchboard_channel_email::DEFAULT_POLL_INTERVAL.as_secs()
                )
                .max(1),
            ),
            s3: match (
                cli.s3_endpoint.clone().or(file.s3_endpoint.clone()),
                cli.s3_bucket.clone().or(file.s3_bucket.clone()),
            ) {
                (Some(endpoint), Some(bucket)) if !endpoint.is_empty() => Some(switchboard_core::S3Config {
                    endpoint,
                    bucket,
                    region: pick!(s3_region, "us-east-1".to_string()),
                    access_key: pick!(s3_access_key, String::new()),
                    secret_key: pick!(s3_secret_key, String::new()),
                }),
                _ => None,
            },
            event_retention: Duration::from_secs(pick!(event_retention_days, 7).max(1) * 86_400),
            delivery_retention: Duration::from_secs(pick!(delivery_retention_days, 30).max(1) * 86_400),
            notification_retention: Duration::from_secs(pick!(notification_retention_days, 30).max(1) * 86_400),
            presence_grace: Duration::from_secs(pick!(presence_grace_seconds, 180).min(3600)),
            max_connections: pick!(max_connections, 10_000).max(1),
            max_connections_per_ip: pick!(max_connections_per_ip, 256).max(1),
            max_websockets_per_ip: pick!(max_websockets_per_ip, 128),
            header_read_timeout: Duration::from_secs(pick!(header_read_timeout_secs, 10).max(1)),
            idle_timeout: Duration::from_secs(pick!(idle_timeout_secs, 60).max(1)),
            trusted_proxies: pick!(trusted_proxies, String::new()),
            metrics_token: cli
                .metrics_token
                .clone()
                .or(file.metrics_token.clone())
                .filter(|t| !t.is_empty()),
            log_json: pick!(log_json, false),
            log: pick!(log, "info".to_string()),
            listen,
        }
    }
}

/// Reads the configuration file: the one named, else ./switchboard.toml if present.
pub fn load_file(path: Option<&Path>) -> anyhow::Result<Options> {
    let (path, required) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from("switchboard.toml"), false),
    };
    match std::fs::read_to_string(&path) {
        Ok(text) => toml::from_str(&text).with_context(|| format!("reading {}", path.display())),
        Err(e) if !required && e.kind() == std::io::ErrorKind::NotFound => Ok(Options::default()),
        Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn later_sources_win() {
        let file: Options = toml::from_str("listen = \"0.0.0.0:9000\"\nflood_limit = 5\nlog_json = true").unwrap();
        let cli = Options {
            flood_limit: Some(7),
            ..Default::default()
        };
        let s = Settings::resolve(cli, file);
        assert_eq!(s.listen, "0.0.0.0:9000");
        assert_eq!(s.public_url, "http://0.0.0.0:9000");
        assert_eq!(s.flood_limit, 7);
        assert!(s.log_json);
        assert_eq!(s.database_url, "sqlite://switchboard.db");
    }

    #[test]
    fn unknown_keys_are_errors() {
        assert!(toml::from_str::<Options>("lisen = \"x\"").is_err());
    }
}
