//! Use cases. Each public operation runs in one store transaction that
//! applies the domain rules, writes the rows, and records the events and jobs
//! that must follow (the transactional outbox). After commit, events go to
//! in-process listeners through a broadcast channel and the job runner is woken.

pub mod auth;
pub mod contacts;
pub mod conversations;
pub mod error;
pub mod inboxes;
pub mod ingest;
pub mod jobs;
pub mod messages;
pub mod params;
pub mod present;
pub mod public;
pub mod resources;
pub mod setup;
pub mod views;
pub mod webhooks;
pub mod widget;
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
}

impl Default for CoreConfig {
    fn default() -> Self {
        CoreConfig {
            public_url: "http://127.0.0.1:3000".into(),
            flood_limit: switchboard_domain::rules::FLOOD_LIMIT_PER_MINUTE,
            webhook_retry_window: Duration::from_secs(24 * 3600),
            retry_base: Duration::from_secs(5),
            retry_cap: Duration::from_secs(3600),
            job_lease: Duration::from_secs(60),
            job_concurrency: 16,
            job_poll_interval: Duration::from_millis(500),
            event_retention: Duration::from_secs(7 * 24 * 3600),
            delivery_retention: Duration::from_secs(30 * 24 * 3600),
        }
    }
}

pub struct Core {
    pub store: Arc<dyn Store>,
    pub config: CoreConfig,
    pub outbound: OutboundClient,
    events: broadcast::Sender<Arc<Event>>,
    jobs_ready: Arc<Notify>,
    pub job_counters: jobs::JobCounters,
    pub auth_cache: auth::AuthCache,
    ingest: ingest::Ingest,
    secret_key_base: tokio::sync::OnceCell<String>,
}

impl Core {
    pub fn new(store: Arc<dyn Store>, config: CoreConfig, outbound: OutboundClient) -> Arc<Self> {
        let (events, _) = broadcast::channel(4096);
        Arc::new(Core {
            store,
            config,
            outbound,
            events,
            jobs_ready: Arc::new(Notify::new()),
            job_counters: Default::default(),
            auth_cache: Default::default(),
            ingest: Default::default(),
            secret_key_base: tokio::sync::OnceCell::new(),
        })
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
