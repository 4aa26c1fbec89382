//! Use cases. Each public operation runs in one store transaction that
//! applies the domain rules, writes the rows, and records the events and jobs
//! that must follow (the transactional outbox). After commit, events go to
//! in-process listeners through a broadcast channel and the job runner is woken.

pub mod agent_bots;
pub mod auth;
pub mod auto_resolve;
pub mod automation;
pub mod bulk;
pub mod business_hours;
pub mod channels;
pub mod contact_types;
pub mod contacts;
pub mod contacts_csv;
pub mod contacts_more;
pub mod conversation_types;
pub mod conversation_view;
pub mod conversations;
pub mod csat;
pub mod custom_attributes;
pub mod custom_filters;
pub mod error;
pub mod files;
pub mod filter;
pub mod inboxes;
pub mod ingest;
pub mod invitations;
pub mod job;
pub mod jobs;
pub mod listen;
pub mod macros;
pub mod mailer;
pub mod mentions;
pub mod message_types;
pub mod messages;
pub mod notes;
pub mod notifications;
pub mod params;
pub mod participants;
pub mod present;
pub mod public;
pub mod push;
pub mod push_send;
pub mod request;
pub mod require;
pub mod resources;
pub mod routing;
pub mod search;
pub mod setup;
pub mod sla;
pub mod targets;
pub mod transcript;
pub mod uploads;
pub mod view;
pub mod views;
pub mod webhooks;
pub mod widget;
pub mod widget_attributes;
pub mod work;

use std::sync::Arc;
use std::time::Duration;

pub use error::{CoreError, CoreResult};
use switchboard_domain::Event;
use switchboard_outbound::OutboundClient;
use switchboard_store::Store;
use tokio::sync::{Notify, broadcast};

/// Settings of the use cases and the job runner.
#[derive(Debug, Clone)]
pub struct CoreConfig {
    /// Base URL users reach this server at (links, widget script).
    pub public_url: String,
    /// Messages per conversation per minute.
    pub flood_limit: i64,
    /// How long outgoing webhooks are retried.
    pub webhook_retry_window: Duration,
    /// Timeout of one webhook request unless the webhook sets its own.
    pub webhook_timeout: Duration,
    /// Calls in flight at once per target (a webhook's host:port, a
    /// platform inbox).
    pub target_concurrency: usize,
    /// How long a target's circuit stays open after repeated failures (it
    /// doubles while the target keeps failing).
    pub target_cooldown: Duration,
    /// First retry delay; later ones double up to `retry_cap`.
    pub retry_base: Duration,
    pub retry_cap: Duration,
    /// How long a claimed job is leased before another worker may take it.
    pub job_lease: Duration,
    pub job_concurrency: usize,
    pub job_poll_interval: Duration,
    /// Stored events are kept this long.
    pub event_retention: Duration,
    /// Finished webhook deliveries and dead jobs are kept this long.
    pub delivery_retention: Duration,
    /// How long a notification is kept after its last activity.
    pub notification_retention: Duration,
    /// Where attachment files are kept (and, with S3, where uploads wait).
    pub storage_dir: std::path::PathBuf,
    /// An S3-compatible bucket for attachments instead of the disk.
    pub s3: Option<S3Config>,
    /// Largest attachment, in bytes.
    pub max_upload_bytes: u64,
    /// Bytes one visitor, and the visitors of one inbox, may upload per hour.
    pub visitor_upload_bytes_per_hour: u64,
    pub inbox_upload_bytes_per_hour: u64,
    /// How long attachment links stay valid.
    pub attachment_url_ttl: Duration,
    /// Pace sends to each platform's published limits (off only for benches).
    pub channel_rate_limits: bool,
    /// The domain whose `reply+{uuid}@` addresses reach this server (through
    /// a mailbox or the raw-mail endpoint); without one, replies go to the
    /// inbox's own address and threading rests on In-Reply-To/References.
    pub mail_inbound_domain: Option<String>,
    /// The installation's SMTP server for invitations and password resets.
    pub smtp_url: Option<String>,
    /// The sender of those mails.
    pub mail_from: Option<String>,
    /// How long an agent who goes offline automatically still counts as
    /// present for routing after their last dashboard socket was seen.
    pub presence_grace: Duration,
    /// At most one notification mail per user and conversation in this
    /// long; later notifications fold into the next mail.
    pub notification_mail_window: Duration,
    /// The VAPID key pair browser push is signed with (base64url); without
    /// it, one is generated at first start and kept in the database.
    pub vapid_public_key: Option<String>,
    pub vapid_private_key: Option<String>,
    /// The contact push services see (`sub`): a mailto: or https URL.
    pub vapid_subject: Option<String>,
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            public_url: "http://127.0.0.1:3000".into(),
            flood_limit: switchboard_domain::rules::FLOOD_LIMIT_PER_MINUTE,
            webhook_retry_window: Duration::from_secs(24 * 3600),
            webhook_timeout: Duration::from_secs(5),
            target_concurrency: 8,
            target_cooldown: Duration::from_secs(30),
            retry_base: Duration::from_secs(5),
            retry_cap: Duration::from_secs(3600),
            job_lease: Duration::from_secs(60),
            job_concurrency: 64,
            job_poll_interval: Duration::from_millis(500),
            event_retention: Duration::from_secs(7 * 24 * 3600),
            delivery_retention: Duration::from_secs(30 * 24 * 3600),
            notification_retention: Duration::from_secs(30 * 24 * 3600),
            storage_dir: std::path::PathBuf::from("storage"),
            s3: None,
            max_upload_bytes: 40 * 1024 * 1024,
            visitor_upload_bytes_per_hour: 100 * 1024 * 1024,
            inbox_upload_bytes_per_hour: 2048 * 1024 * 1024,
            attachment_url_ttl: Duration::from_secs(7 * 24 * 3600),
            channel_rate_limits: true,
            mail_inbound_domain: None,
            smtp_url: None,
            mail_from: None,
            presence_grace: Duration::from_secs(180),
            notification_mail_window: Duration::from_secs(300),
            vapid_public_key: None,
            vapid_private_key: None,
            vapid_subject: None,
        }
    }
}

/// An S3-compatible bucket.
#[derive(Debug, Clone)]
pub struct S3Config {
    pub endpoint: String,
    pub bucket: String,
    pub region: String,
    pub access_key: String,
    pub secret_key: String,
}

pub struct Core {
    pub store: Arc<dyn Store>,
    pub config: CoreConfig,
    pub outbound: OutboundClient,
    events: broadcast::Sender<Arc<Event>>,
    jobs_ready: Arc<Notify>,
    /// The soonest time (µs) this process put a job back for (a retry or a
    /// deferral), so the runner wakes for it rather than at its next poll.
    next_due: std::sync::atomic::AtomicI64,
    pub job_counters: jobs::JobCounters,
    pub auth_cache: auth::AuthCache,
    /// Which events each account has automation rules for (a cache).
    pub rule_events: automation::RuleEvents,
    pub inbox_bots: agent_bots::InboxBots,
    pub automation_mail: automation::effects::MailBudget,
    ingest: ingest::Ingest,
    secret_key_base: tokio::sync::OnceCell<String>,
    pub files: files::FileStore,
    /// Calls to the messaging platforms (their API bases are settings, not
    /// user input, so this client is not behind the webhook SSRF guard).
    pub platform: reqwest::Client,
    pub channel_limiter: channels::Limiter,
    /// The messaging platforms this server runs (registered by the binary).
    pub channels: channels::Channels,
    /// This core itself, for what it hands out by reference (the channels'
    /// host) and must reach again as an `Arc`.
    me: std::sync::Weak<Core>,
    /// Per-target concurrency limits and circuit breakers (webhooks and
    /// platform sends).
    pub targets: targets::Targets,
    send_batches: channels::SendBatches,
    bound_url: std::sync::OnceLock<String>,
    /// The installation's own mail (invitations, password resets).
    pub mailer: mailer::Mailer,
    /// What reacts to committed events (webhooks first).
    pub listeners: listen::Listeners,
    /// Who is online (the real-time hub, set by the binary); without one,
    /// only agents who never go offline automatically count as present.
    pub presence: std::sync::OnceLock<Arc<dyn routing::PresenceSource>>,
    /// The key browser pushes are signed with (loaded by `init`).
    vapid: std::sync::OnceLock<switchboard_outbound::webpush::VapidKey>,
}

impl Core {
    pub fn new(
        store: Arc<dyn Store>,
        config: CoreConfig,
        outbound: OutboundClient,
        channels: channels::Channels,
    ) -> Arc<Self> {
        let (events, _) = broadcast::channel(4096);
        let files = match &config.s3 {
            Some(s3) => files::FileStore::S3(files::S3Store {
                client: reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(60))
                    .build()
                    .unwrap_or_default(),
                endpoint: s3.endpoint.trim_end_matches('/').to_string(),
                bucket: s3.bucket.clone(),
                region: s3.region.clone(),
                access_key: s3.access_key.clone(),
                secret_key: s3.secret_key.clone(),
                temp: config.storage_dir.join("tmp"),
            }),
            None => files::FileStore::Disk(files::DiskStore::new(config.storage_dir.clone())),
        };
        let mailer = mailer::Mailer::new(
            config.smtp_url.as_deref(),
            config.mail_from.as_deref(),
            &config.public_url,
        );
        let targets = targets::Targets::new(config.target_concurrency, config.target_cooldown);
        Arc::new_cyclic(|me| Core {
            me: me.clone(),
            mailer,
            store,
            config,
            outbound,
            events,
            jobs_ready: Arc::new(Notify::new()),
            next_due: std::sync::atomic::AtomicI64::new(i64::MAX),
            job_counters: Default::default(),
            auth_cache: Default::default(),
            rule_events: Default::default(),
            inbox_bots: Default::default(),
            automation_mail: Default::default(),
            ingest: Default::default(),
            secret_key_base: tokio::sync::OnceCell::new(),
            files,
            platform: reqwest::Client::builder()
                .connect_timeout(std::time::Duration::from_secs(10))
                .timeout(std::time::Duration::from_secs(60))
                .user_agent(concat!("Switchboard/", env!("CARGO_PKG_VERSION")))
                .build()
                .unwrap_or_default(),
            channel_limiter: Default::default(),
            channels,
            targets,
            send_batches: Default::default(),
            bound_url: std::sync::OnceLock::new(),
            listeners: Default::default(),
            presence: std::sync::OnceLock::new(),
            vapid: std::sync::OnceLock::new(),
        })
    }

    /// Loads what the server needs before it answers: the signing key.
    pub async fn init(self: &Arc<Self>) -> CoreResult<()> {
        self.mailer.check().map_err(CoreError::Internal)?;
        self.widget_key_init().await?;
        self.vapid_init().await?;
        tokio::fs::create_dir_all(self.files.temp_dir())
            .await
            .map_err(|e| CoreError::Internal(format!("creating {}: {e}", self.files.temp_dir().display())))?;
        Ok(())
    }

    /// The URL users reach this server at: the configured one, or the
    /// address the server bound when none was configured.
    pub fn public_url(&self) -> &str {
        self.bound_url
            .get()
            .map(String::as_str)
            .unwrap_or(&self.config.public_url)
    }

    /// Records the bound address as the public URL (when none was configured).
    pub fn set_bound_url(&self, url: String) {
        let _ = self.bound_url.set(url);
    }

    /// The installation's signing key (loaded by `init`).
    pub fn signing_key(&self) -> &str {
        self.secret_key_base.get().map(String::as_str).unwrap_or("")
    }

    /// A signed, expiring link to an attachment.
    pub fn attachment_url(&self, a: &switchboard_store::Attachment) -> String {
        let expires = switchboard_domain::time::unix_secs(switchboard_domain::time::now_micros())
            + self.config.attachment_url_ttl.as_secs() as i64;
        let sig = attachment_signature(self.signing_key(), a.id, expires);
        let name: String = form_urlencoded::byte_serialize(a.file_name.as_bytes()).collect();
        format!(
            "{}/attachments/{}/{}?expires={expires}&signature={sig}",
            self.public_url(),
            a.id,
            name
        )
    }

    /// Whether a link to attachment `id` is genuine and unexpired.
    pub fn attachment_url_ok(&self, id: i64, expires: i64, signature: &str) -> bool {
        let now = switchboard_domain::time::unix_secs(switchboard_domain::time::now_micros());
        expires > now && auth::ct_eq(&attachment_signature(self.signing_key(), id, expires), signature)
    }

    /// Chatwoot's attachment shape, its link signed.
    pub fn attachment_view(&self, a: &switchboard_store::Attachment) -> message_types::AttachmentView {
        message_types::AttachmentView::new(a, self.attachment_url(a))
    }

    pub fn attachment_json(&self, a: &switchboard_store::Attachment) -> serde_json::Value {
        serde_json::to_value(self.attachment_view(a)).unwrap_or_default()
    }

    /// A message's REST view with its attachments (`atts` may hold other
    /// messages' too).
    pub fn message_view(
        &self,
        m: &switchboard_store::Message,
        sender: &present::Sender,
        display_id: i64,
        atts: &[switchboard_store::Attachment],
    ) -> message_types::MessageView {
        let mut v = message_types::MessageView::new(m, sender, display_id);
        v.attachments = atts
            .iter()
            .filter(|a| a.message_id == m.id)
            .map(|a| self.attachment_view(a))
            .collect();
        v
    }

    /// Puts each message's attachments into its JSON (`id` keys the message).
    pub fn with_attachments(&self, json: &mut serde_json::Value, atts: &[switchboard_store::Attachment]) {
        let Some(id) = json.get("id").and_then(serde_json::Value::as_i64) else {
            return;
        };
        let list: Vec<serde_json::Value> = atts
            .iter()
            .filter(|a| a.message_id == id)
            .map(|a| self.attachment_json(a))
            .collect();
        present::set_key(json, "attachments", serde_json::Value::Array(list));
    }

    /// Subscribe to committed events (the real-time layer listens here).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    pub(crate) fn publish(&self, events: Vec<Event>) {
        for e in events {
            // No listener is not an error: events are also stored.
            let _ = self.events.send(Arc::new(e));
        }
    }

    /// Publishes events that change no state (typing, cache invalidations);
    /// they are not stored.
    pub fn publish_transient(&self, events: Vec<Event>) {
        self.publish(events);
    }

    pub(crate) fn wake_jobs(&self) {
        self.jobs_ready.notify_one();
    }
}

fn attachment_signature(key: &str, id: i64, expires: i64) -> String {
    use hmac::Mac;
    match hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()) {
        Ok(mut mac) => {
            mac.update(format!("attachment:{id}:{expires}").as_bytes());
            hex::encode(mac.finalize().into_bytes())
        }
        Err(_) => String::new(),
    }
}
