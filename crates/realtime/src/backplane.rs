//! Several nodes as one server: every node publishes the events it commits
//! to a Redis channel and dispatches what the other nodes publish, and
//! presence lives in Redis sorted sets scored by the time last seen. Redis
//! carries only what may be lost; the database stays the record.
//!
//! Redis may go away and come back. A keeper task holds the command
//! connection: it pings it every second and, once broken, reopens it with
//! capped, jittered backoff; the subscription does the same on its own
//! connection. While Redis is away nothing waits on it: publishing drops
//! (counted in `dropped`), presence answers from the last state it read,
//! and the outage is logged once when it starts and once when it ends.
//! When the subscription comes back after a break, or another node comes
//! back having dropped events, the receiver gets [`Remote::CatchUp`]: local
//! sockets may have missed events and should catch up over HTTP.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use futures_util::StreamExt;
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use serde::{Deserialize, Serialize};
use switchboard_domain::Event;
use tokio::sync::{Notify, mpsc};

use crate::presence::{PRESENCE_WINDOW, USER_MEMORY};

/// The longest any command may take before the link counts as broken.
const COMMAND_TIMEOUT: Duration = Duration::from_millis(500);
/// The longest opening a connection may take.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// How often an idle link is checked.
const HEALTH_EVERY: Duration = Duration::from_secs(1);
/// Reconnection backoff: from 100 ms, doubling, at most this (jittered).
const BACKOFF_CAP: Duration = Duration::from_secs(3);
/// Accounts whose last presence answer is kept for outages.
const PRESENCE_CACHE: usize = 10_000;

#[derive(Serialize, Deserialize)]
struct Envelope {
    node: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    event: Option<Event>,
    /// "I dropped events while Redis was away: your sockets should catch up."
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    catch_up: bool,
}

/// What the other nodes send.
#[derive(Debug)]
pub enum Remote {
    Event(Event),
    /// Events may have been missed (the subscription broke, or a node
    /// dropped what it published): sockets should catch up over HTTP.
    CatchUp,
}

struct Outage {
    since: Instant,
    dropped_before: u64,
}

pub struct RedisBackplane {
    client: redis::Client,
    namespace: String,
    node: String,
    /// The command connection and its generation; `None` while broken.
    conn: Mutex<Option<(u64, MultiplexedConnection)>>,
    generation: AtomicU64,
    /// Wakes the keeper to check or reopen the link at once.
    wake: Notify,
    subscribed: AtomicBool,
    outage: Mutex<Option<Outage>>,
    /// The last presence Redis answered, by (account, kind).
    last_presence: Mutex<HashMap<(i64, String), Vec<i64>>>,
    /// Events not published to the other nodes (Redis away or too slow).
    pub dropped: AtomicU64,
    /// Outages seen (the link broke).
    pub outages: AtomicU64,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// The wait before reconnection attempt `attempt` (1, 2, ...): exponential
/// from 100 ms, capped, then jittered down by up to half, so nodes that lost
/// Redis together do not come back in step.
fn backoff(attempt: u32) -> Duration {
    let base = Duration::from_millis(100)
        .saturating_mul(1u32 << attempt.saturating_sub(1).min(16))
        .min(BACKOFF_CAP);
    let half = base.as_millis() as u64 / 2;
    Duration::from_millis(half + rand_u64() % (half + 1))
}

impl RedisBackplane {
    /// Opens the backplane. Only a malformed URL is an error: an unreachable
    /// Redis is retried in the background (the node serves its own sockets
    /// meanwhile, and `/ready` says Redis is down).
    pub async fn connect(url: &str, namespace: &str) -> Result<Arc<Self>, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let node = format!("{:x}{:x}", now_ms(), rand_u64());
        let me = Arc::new(RedisBackplane {
            client,
            namespace: namespace.to_string(),
            node,
            conn: Mutex::new(None),
            generation: AtomicU64::new(0),
            wake: Notify::new(),
            subscribed: AtomicBool::new(false),
            outage: Mutex::new(None),
            last_presence: Mutex::new(HashMap::new()),
            dropped: AtomicU64::new(0),
            outages: AtomicU64::new(0),
        });
        if let Err(e) = me.open().await {
            me.went_down(&e);
        }
        tokio::spawn(keep(Arc::downgrade(&me)));
        Ok(me)
    }

    fn channel(&self) -> String {
        format!("{}:events", self.namespace)
    }

    async fn open(&self) -> Result<(), String> {
        let config = redis::AsyncConnectionConfig::new()
            .set_connection_timeout(CONNECT_TIMEOUT)
            .set_response_timeout(COMMAND_TIMEOUT);
        match tokio::time::timeout(
            CONNECT_TIMEOUT,
            self.client.get_multiplexed_async_connection_with_config(&config),
        )
        .await
        {
            Ok(Ok(conn)) => {
                let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
                *self.conn.lock().unwrap_or_else(|e| e.into_inner()) = Some((generation, conn));
                Ok(())
            }
            Ok(Err(e)) => Err(e.to_string()),
            Err(_) => Err("connecting timed out".into()),
        }
    }

    fn current(&self) -> Option<(u64, MultiplexedConnection)> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A command on connection `generation` failed: drop that connection
    /// (not a newer one) and let the keeper reopen it.
    fn broken(&self, generation: u64, error: &str) {
        {
            let mut g = self.conn.lock().unwrap_or_else(|e| e.into_inner());
            if g.as_ref().is_some_and(|(n, _)| *n == generation) {
                *g = None;
            }
        }
        self.went_down(error);
        self.wake.notify_one();
    }

    /// Logs the start of an outage, once.
    fn went_down(&self, error: &str) {
        let mut g = self.outage.lock().unwrap_or_else(|e| e.into_inner());
        if g.is_none() {
            *g = Some(Outage {
                since: Instant::now(),
                dropped_before: self.dropped.load(Ordering::Relaxed),
            });
            self.outages.fetch_add(1, Ordering::Relaxed);
            tracing::warn!(
                error,
                "Redis backplane unreachable: events reach this node's sockets only, presence is the last known; reconnecting"
            );
        }
    }

    /// Ends the outage once both connections are back: logs it, and when
    /// this node dropped events meanwhile tells the other nodes to have
    /// their sockets catch up.
    async fn maybe_restored(&self) {
        if self.current().is_none() || !self.subscribed.load(Ordering::Relaxed) {
            return;
        }
        let Some(outage) = self.outage.lock().unwrap_or_else(|e| e.into_inner()).take() else {
            return;
        };
        let dropped = self
            .dropped
            .load(Ordering::Relaxed)
            .saturating_sub(outage.dropped_before);
        tracing::info!(
            after_ms = outage.since.elapsed().as_millis() as u64,
            dropped,
            "Redis backplane back"
        );
        if dropped > 0 {
            let envelope = Envelope {
                node: self.node.clone(),
                event: None,
                catch_up: true,
            };
            if let Ok(payload) = serde_json::to_string(&envelope) {
                self.send(payload).await;
            }
        }
    }

    async fn send(&self, payload: String) -> bool {
        let Some((generation, mut conn)) = self.current() else {
            return false;
        };
        match tokio::time::timeout(COMMAND_TIMEOUT, conn.publish::<_, _, ()>(self.channel(), payload)).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                self.broken(generation, &e.to_string());
                false
            }
            Err(_) => {
                self.broken(generation, "publishing timed out");
                false
            }
        }
    }

    /// Sends a committed event to the other nodes (best effort: while Redis
    /// is away it is dropped and counted at once, never queued).
    pub async fn publish(&self, event: &Event) {
        let Ok(payload) = serde_json::to_string(&Envelope {
            node: self.node.clone(),
            event: Some(event.clone()),
            catch_up: false,
        }) else {
            return;
        };
        if !self.send(payload).await {
            self.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Whether events flow both ways now: the subscription is live and the
    /// command connection answers a ping (within half a second).
    pub async fn ready(&self) -> bool {
        if !self.subscribed.load(Ordering::Relaxed) {
            return false;
        }
        let Some((generation, mut conn)) = self.current() else {
            return false;
        };
        self.ping(generation, &mut conn).await
    }

    async fn ping(&self, generation: u64, conn: &mut MultiplexedConnection) -> bool {
        match tokio::time::timeout(COMMAND_TIMEOUT, redis::cmd("PING").query_async::<String>(conn)).await {
            Ok(Ok(_)) => true,
            Ok(Err(e)) => {
                self.broken(generation, &e.to_string());
                false
            }
            Err(_) => {
                self.broken(generation, "ping timed out");
                false
            }
        }
    }

    /// Events the other nodes publish, for as long as the receiver lives;
    /// the subscription reconnects with backoff, and after a break the
    /// receiver gets [`Remote::CatchUp`].
    pub fn subscribe(self: &Arc<Self>) -> mpsc::Receiver<Remote> {
        let (tx, rx) = mpsc::channel(4096);
        let me = self.clone();
        tokio::spawn(async move {
            let mut attempt = 0u32;
            // Whether events may have been missed since the start: a
            // subscription broke, or none could be made (sockets opened
            // meanwhile heard only this node).
            let mut missed = false;
            loop {
                if tx.is_closed() {
                    return;
                }
                match me.listen(&tx, missed).await {
                    Listen::Closed => return,
                    Listen::Failed(e) => {
                        missed = true;
                        me.went_down(&e);
                    }
                    Listen::Broke(e) => {
                        missed = true;
                        attempt = 0;
                        me.went_down(&e);
                        me.wake.notify_one();
                    }
                }
                attempt = attempt.saturating_add(1);
                tokio::select! {
                    _ = tokio::time::sleep(backoff(attempt)) => {}
                    _ = tx.closed() => return,
                }
            }
        });
        rx
    }

    /// One subscription, until it breaks or the receiver goes away.
    async fn listen(&self, tx: &mpsc::Sender<Remote>, missed: bool) -> Listen {
        let pubsub = match tokio::time::timeout(CONNECT_TIMEOUT, self.client.get_async_pubsub()).await {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Listen::Failed(e.to_string()),
            Err(_) => return Listen::Failed("subscribing timed out".into()),
        };
        let (mut sink, mut stream) = pubsub.split();
        match tokio::time::timeout(COMMAND_TIMEOUT, sink.subscribe(self.channel())).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Listen::Failed(e.to_string()),
            Err(_) => return Listen::Failed("subscribing timed out".into()),
        }
        self.subscribed.store(true, Ordering::Relaxed);
        if missed && tx.send(Remote::CatchUp).await.is_err() {
            return Listen::Closed;
        }
        self.maybe_restored().await;
        let mut health = tokio::time::interval(HEALTH_EVERY);
        health.tick().await;
        let end = loop {
            tokio::select! {
                msg = stream.next() => {
                    let Some(msg) = msg else { break Listen::Broke("subscription closed".into()) };
                    let Ok(payload) = msg.get_payload::<String>() else { continue };
                    let Ok(env) = serde_json::from_str::<Envelope>(&payload) else { continue };
                    if env.node == self.node {
                        continue;
                    }
                    let remote = match (env.event, env.catch_up) {
                        (Some(event), _) => Remote::Event(event),
                        (None, true) => Remote::CatchUp,
                        (None, false) => continue,
                    };
                    if tx.send(remote).await.is_err() {
                        break Listen::Closed;
                    }
                }
                _ = health.tick() => {
                    match tokio::time::timeout(COMMAND_TIMEOUT, sink.ping::<redis::Value>()).await {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => break Listen::Broke(e.to_string()),
                        Err(_) => break Listen::Broke("subscription ping timed out".into()),
                    }
                }
                _ = tx.closed() => break Listen::Closed,
            }
        };
        self.subscribed.store(false, Ordering::Relaxed);
        end
    }

    fn key(&self, account_id: i64, what: &str) -> String {
        format!("{}:presence:{account_id}:{what}", self.namespace)
    }

    /// Marks `id` seen now; skipped while Redis is away.
    pub async fn touch(&self, account_id: i64, what: &str, id: i64) {
        let Some((generation, mut conn)) = self.current() else {
            return;
        };
        let key = self.key(account_id, what);
        let now = now_ms();
        // Agents are remembered for the longest grace period; contacts only
        // for the window (anyone may be a contact: their sets stay small).
        let keep = if what == "users" { USER_MEMORY } else { PRESENCE_WINDOW };
        let window = keep.as_millis() as i64;
        let r = tokio::time::timeout(
            COMMAND_TIMEOUT,
            redis::pipe()
                .zadd(&key, id, now)
                .ignore()
                .zrembyscore(&key, "-inf", now - window)
                .ignore()
                .expire(&key, 3600)
                .ignore()
                .query_async::<()>(&mut conn),
        )
        .await;
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => self.broken(generation, &e.to_string()),
            Err(_) => self.broken(generation, "presence timed out"),
        }
    }

    /// Who is online across nodes, or `None` when Redis did not answer.
    pub async fn online(&self, account_id: i64, what: &str) -> Option<Vec<i64>> {
        let (generation, mut conn) = self.current()?;
        let since = now_ms() - PRESENCE_WINDOW.as_millis() as i64;
        let r = tokio::time::timeout(
            COMMAND_TIMEOUT,
            conn.zrangebyscore::<_, _, _, Vec<i64>>(self.key(account_id, what), since, "+inf"),
        )
        .await;
        match r {
            Ok(Ok(ids)) => {
                let mut g = self.last_presence.lock().unwrap_or_else(|e| e.into_inner());
                if g.len() >= PRESENCE_CACHE && !g.contains_key(&(account_id, what.to_string())) {
                    g.clear();
                }
                g.insert((account_id, what.to_string()), ids.clone());
                Some(ids)
            }
            Ok(Err(e)) => {
                self.broken(generation, &e.to_string());
                None
            }
            Err(_) => {
                self.broken(generation, "presence timed out");
                None
            }
        }
    }

    /// Who was seen across nodes within `within`, with how long ago, or
    /// `None` when Redis did not answer.
    pub async fn seen(&self, account_id: i64, what: &str, within: Duration) -> Option<Vec<(i64, Duration)>> {
        let (generation, mut conn) = self.current()?;
        let now = now_ms();
        let since = now - within.as_millis() as i64;
        let r = tokio::time::timeout(
            COMMAND_TIMEOUT,
            conn.zrangebyscore_withscores::<_, _, _, Vec<(i64, i64)>>(self.key(account_id, what), since, "+inf"),
        )
        .await;
        match r {
            Ok(Ok(rows)) => Some(
                rows.into_iter()
                    .map(|(id, at)| (id, Duration::from_millis(now.saturating_sub(at).max(0) as u64)))
                    .collect(),
            ),
            Ok(Err(e)) => {
                self.broken(generation, &e.to_string());
                None
            }
            Err(_) => {
                self.broken(generation, "presence timed out");
                None
            }
        }
    }

    /// The last answer `online` got from Redis for this account.
    pub fn last_known(&self, account_id: i64, what: &str) -> Vec<i64> {
        self.last_presence
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&(account_id, what.to_string()))
            .cloned()
            .unwrap_or_default()
    }
}

enum Listen {
    /// The receiver went away.
    Closed,
    /// No subscription was made.
    Failed(String),
    /// A subscription was made and then lost.
    Broke(String),
}

/// Keeps the command connection: checks it every second (or when a command
/// found it broken) and reopens it with backoff. Ends with the backplane.
async fn keep(weak: Weak<RedisBackplane>) {
    let mut attempt = 0u32;
    loop {
        let Some(me) = weak.upgrade() else { return };
        let wait = match me.current() {
            Some((generation, mut conn)) => {
                if !me.ping(generation, &mut conn).await {
                    continue;
                }
                me.maybe_restored().await;
                HEALTH_EVERY
            }
            None => match me.open().await {
                Ok(()) => {
                    attempt = 0;
                    me.maybe_restored().await;
                    continue;
                }
                Err(e) => {
                    me.went_down(&e);
                    attempt = attempt.saturating_add(1);
                    backoff(attempt)
                }
            },
        };
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = me.wake.notified() => {}
        }
    }
}

pub(crate) fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_is_capped_and_jittered() {
        for attempt in 1..40 {
            let d = backoff(attempt);
            assert!(d <= BACKOFF_CAP, "{attempt}: {d:?}");
        }
        let first = backoff(1);
        assert!(first >= Duration::from_millis(50) && first <= Duration::from_millis(100));
        assert!(backoff(30) >= BACKOFF_CAP / 2);
    }

    #[test]
    fn envelopes_stay_readable_both_ways() {
        // A catch-up notice has no event; an event envelope reads as before.
        let notice = serde_json::to_string(&Envelope {
            node: "a".into(),
            event: None,
            catch_up: true,
        })
        .unwrap();
        assert_eq!(notice, r#"{"node":"a","catch_up":true}"#);
        let back: Envelope = serde_json::from_str(&notice).unwrap();
        assert!(back.catch_up && back.event.is_none());
    }
}
