//! Per-target isolation for outbound calls: a concurrency limit and a
//! circuit breaker per target (a webhook's host:port, a platform inbox), so
//! one target that hangs or fails cannot take the job slots everyone shares.
//!
//! A job asks [`Targets::acquire`] before it calls out. When the target is
//! at its limit or its circuit is open, the answer is how long to wait, and
//! the job is put back in the queue for that long (its attempt not counted)
//! instead of waiting inside a job slot. After [`FAILURES_TO_OPEN`] failures
//! in a row (timeouts, connection errors, 5xx) spanning [`MIN_STREAK`] or
//! more, the circuit opens for the
//! cooldown (doubling while it keeps failing, up to 16 times); then one call
//! goes through as a probe and its outcome closes or reopens the circuit.
//!
//! The state is per process and bounded: at most [`MAX_TARGETS`] targets are
//! remembered, idle ones (nothing in flight, circuit closed) forgotten first;
//! a target that finds the map full of busy ones goes unguarded.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Failures in a row that open a target's circuit...
pub const FAILURES_TO_OPEN: u32 = 5;
/// ...when they span at least this long (a burst of errors within a moment,
/// say a deploy's, does not open it; a target that keeps failing does).
pub const MIN_STREAK: Duration = Duration::from_secs(1);
/// Targets remembered at most.
pub const MAX_TARGETS: usize = 10_000;
/// A call to a target whose calls usually take less than this may wait this
/// long in its job slot for the target's own limit to free up.
const SHORT_WAIT: Duration = Duration::from_millis(100);

struct Target {
    slots: Arc<Semaphore>,
    limit: usize,
    failures: u32,
    /// When the current run of failures began.
    streak_since: Option<Instant>,
    /// Consecutive openings (the cooldown doubles with each).
    opens: u32,
    open_until: Option<Instant>,
    /// A half-open probe is in flight.
    probing: bool,
    /// Moving average of call durations, in milliseconds.
    avg_ms: f64,
    last_used: Instant,
    /// Most calls in flight at once.
    peak: usize,
}

struct Inner {
    map: Mutex<HashMap<String, Target>>,
    limit: usize,
    cooldown: Duration,
}

/// The registry of targets (cheap to clone: shared).
#[derive(Clone)]
pub struct Targets {
    inner: Arc<Inner>,
}

/// Why a call must wait, and for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wait {
    pub after: Duration,
    pub reason: &'static str,
}

/// Leave to call a target; tell it how the call went.
pub struct TargetPermit {
    inner: Option<Arc<Inner>>,
    key: String,
    probe: bool,
    started: Instant,
    settled: bool,
    _slot: Option<OwnedSemaphorePermit>,
}

/// How a call went, as far as the target's health goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// The target answered (whatever it said, it is alive).
    Answered,
    /// Timed out, could not connect, or answered 5xx.
    Failed,
    /// Says nothing about the target (refused by us, told to slow down).
    Neutral,
}

/// How long a call to a busy target waits: about one call's time.
fn busy_wait(avg_ms: f64, bound: Duration) -> Duration {
    let estimate = if avg_ms > 0.0 {
        Duration::from_secs_f64(avg_ms / 1000.0)
    } else {
        (bound / 2).min(Duration::from_secs(1))
    };
    jitter(estimate.clamp(Duration::from_millis(50), bound.max(Duration::from_millis(50))))
}

fn jitter(d: Duration) -> Duration {
    d.mul_f64(rand::rng().random_range(0.8..=1.2))
}

impl Targets {
    /// `limit` calls in flight per target; a circuit opens for `cooldown`.
    pub fn new(limit: usize, cooldown: Duration) -> Targets {
        Targets {
            inner: Arc::new(Inner {
                map: Mutex::new(HashMap::new()),
                limit: limit.max(1),
                cooldown,
            }),
        }
    }

    /// Leave to call `key` now, or how long to wait first. `bound` is the
    /// longest the call may take (its timeout): a busy target whose calls
    /// have not been timed yet is asked again after half of it (at most 1 s).
    pub async fn acquire(&self, key: &str, bound: Duration) -> Result<TargetPermit, Wait> {
        self.acquire_with(key, self.inner.limit, bound).await
    }

    /// [`acquire`](Self::acquire) with `limit` calls in flight for this
    /// target instead of the default (set when the target is first seen).
    pub async fn acquire_with(&self, key: &str, limit: usize, bound: Duration) -> Result<TargetPermit, Wait> {
        let limit = limit.max(1);
        let now = Instant::now();
        let (slots, probe, avg_ms) = {
            let mut map = self.inner.map.lock().unwrap_or_else(|e| e.into_inner());
            if !map.contains_key(key) && map.len() >= MAX_TARGETS {
                map.retain(|_, t| t.slots.available_permits() < t.limit || t.open_until.is_some_and(|u| u > now));
            }
            if !map.contains_key(key) && map.len() >= MAX_TARGETS {
                return Ok(self.unguarded(key));
            }
            let t = map.entry(key.to_string()).or_insert_with(|| Target {
                slots: Arc::new(Semaphore::new(limit)),
                limit,
                failures: 0,
                streak_since: None,
                opens: 0,
                open_until: None,
                probing: false,
                avg_ms: 0.0,
                last_used: now,
                peak: 0,
            });
            t.last_used = now;
            let mut probe = false;
            if let Some(until) = t.open_until {
                if now < until {
                    return Err(Wait {
                        after: until - now,
                        reason: "the target's circuit is open after repeated failures",
                    });
                }
                if t.probing {
                    return Err(Wait {
                        after: busy_wait(t.avg_ms, bound),
                        reason: "the target's circuit is half-open and a probe is in flight",
                    });
                }
                t.probing = true;
                probe = true;
            }
            (t.slots.clone(), probe, t.avg_ms)
        };
        let slot = match slots.clone().try_acquire_owned() {
            Ok(s) => Some(s),
            // Calls known to be quick: wait a moment in the slot.
            Err(_) if avg_ms > 0.0 && Duration::from_secs_f64(avg_ms / 1000.0) < SHORT_WAIT => {
                tokio::time::timeout(SHORT_WAIT, slots.acquire_owned())
                    .await
                    .ok()
                    .and_then(Result::ok)
            }
            Err(_) => None,
        };
        let Some(slot) = slot else {
            if probe {
                self.with(key, |t| t.probing = false);
            }
            return Err(Wait {
                after: busy_wait(avg_ms, bound),
                reason: "the target's concurrency limit is reached",
            });
        };
        self.with(key, |t| t.peak = t.peak.max(t.limit - t.slots.available_permits()));
        Ok(TargetPermit {
            inner: Some(self.inner.clone()),
            key: key.to_string(),
            probe,
            started: Instant::now(),
            settled: false,
            _slot: Some(slot),
        })
    }

    fn unguarded(&self, key: &str) -> TargetPermit {
        TargetPermit {
            inner: None,
            key: key.to_string(),
            probe: false,
            started: Instant::now(),
            settled: false,
            _slot: None,
        }
    }

    fn with(&self, key: &str, f: impl FnOnce(&mut Target)) {
        with(&self.inner, key, f)
    }

    /// Closes `key`'s circuit (an operator retried by hand: the target is
    /// taken to be back; if not, five more failures open it again).
    pub fn close(&self, key: &str) {
        self.with(key, |t| {
            t.failures = 0;
            t.streak_since = None;
            t.opens = 0;
            t.open_until = None;
        });
    }

    /// Calls in flight to `key` now and at most so far, and whether its
    /// circuit is open (for metrics and tests).
    pub fn stats(&self, key: &str) -> Option<(usize, usize, bool)> {
        let map = self.inner.map.lock().unwrap_or_else(|e| e.into_inner());
        map.get(key).map(|t| {
            (
                t.limit - t.slots.available_permits(),
                t.peak,
                t.open_until.is_some_and(|u| u > Instant::now()),
            )
        })
    }

    /// Targets remembered.
    pub fn len(&self) -> usize {
        self.inner.map.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn with(inner: &Inner, key: &str, f: impl FnOnce(&mut Target)) {
    let mut map = inner.map.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(t) = map.get_mut(key) {
        f(t);
    }
}

impl TargetPermit {
    /// Records how the call went (once; dropping without it counts as
    /// neutral).
    pub fn settle(mut self, health: Health) {
        self.settled = true;
        let Some(inner) = self.inner.clone() else {
            return;
        };
        let elapsed = self.started.elapsed().as_secs_f64() * 1000.0;
        let probe = self.probe;
        let cooldown = inner.cooldown;
        with(&inner, &self.key, |t| {
            if health != Health::Neutral {
                t.avg_ms = if t.avg_ms == 0.0 {
                    elapsed
                } else {
                    t.avg_ms * 0.8 + elapsed * 0.2
                };
            }
            if probe {
                t.probing = false;
            }
            match health {
                Health::Answered => {
                    t.failures = 0;
                    t.streak_since = None;
                    t.opens = 0;
                    t.open_until = None;
                }
                Health::Failed => {
                    t.failures = t.failures.saturating_add(1);
                    let since = *t.streak_since.get_or_insert_with(Instant::now);
                    let open_now = t.open_until.is_some_and(|u| u > Instant::now());
                    let streak = t.failures >= FAILURES_TO_OPEN && since.elapsed() >= MIN_STREAK;
                    if !open_now && (probe || streak) {
                        let factor = 1u32 << t.opens.min(4);
                        t.open_until = Some(Instant::now() + jitter(cooldown * factor));
                        t.opens = t.opens.saturating_add(1);
                        tracing::warn!(target_key = %self.key, failures = t.failures, "a target's circuit opened");
                    }
                }
                Health::Neutral => {}
            }
        });
    }
}

impl Drop for TargetPermit {
    fn drop(&mut self) {
        if !self.settled
            && self.probe
            && let Some(inner) = &self.inner
        {
            with(inner, &self.key, |t| t.probing = false);
        }
    }
}

/// The target a URL's calls are counted against: `host:port`.
pub fn target_key(url: &str) -> String {
    match reqwest::Url::parse(url) {
        Ok(u) => format!(
            "{}:{}",
            u.host_str().unwrap_or(""),
            u.port_or_known_default().unwrap_or(0)
        ),
        Err(_) => url.chars().take(200).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const B: Duration = Duration::from_secs(2);

    #[tokio::test]
    async fn limit_then_wait() {
        let t = Targets::new(2, Duration::from_secs(30));
        let a = t.acquire("h:1", B).await.unwrap();
        let _b = t.acquire("h:1", B).await.unwrap();
        // Nothing measured yet: told to wait at once.
        let w = t.acquire("h:1", B).await.err().unwrap();
        assert_eq!(w.reason, "the target's concurrency limit is reached");
        assert!(t.acquire("other:1", B).await.is_ok(), "other targets are not affected");
        a.settle(Health::Answered);
        assert!(t.acquire("h:1", B).await.is_ok());
        assert_eq!(t.stats("h:1").map(|s| s.1), Some(2));
    }

    #[tokio::test]
    async fn breaker_opens_then_probes() {
        let t = Targets::new(8, Duration::from_millis(100));
        for _ in 0..FAILURES_TO_OPEN {
            t.acquire("h:1", B).await.unwrap().settle(Health::Failed);
        }
        assert!(
            t.acquire("h:1", B).await.is_ok(),
            "a burst within a moment does not open it"
        );
        tokio::time::sleep(MIN_STREAK).await;
        t.acquire("h:1", B).await.unwrap().settle(Health::Failed);
        let w = t.acquire("h:1", B).await.err().unwrap();
        assert!(w.after <= Duration::from_millis(120), "{w:?}");
        assert!(t.stats("h:1").unwrap().2);
        tokio::time::sleep(Duration::from_millis(130)).await;
        let probe = t.acquire("h:1", B).await.unwrap();
        assert!(t.acquire("h:1", B).await.is_err(), "one probe at a time");
        probe.settle(Health::Failed);
        let w = t.acquire("h:1", B).await.err().unwrap();
        assert!(w.after > Duration::from_millis(120), "the cooldown doubles: {w:?}");
        tokio::time::sleep(w.after + Duration::from_millis(10)).await;
        t.acquire("h:1", B).await.unwrap().settle(Health::Answered);
        assert!(t.acquire("h:1", B).await.is_ok());
        assert!(!t.stats("h:1").unwrap().2);
    }

    #[tokio::test]
    async fn bounded() {
        let t = Targets::new(1, Duration::from_secs(1));
        for i in 0..MAX_TARGETS + 10 {
            drop(t.acquire(&format!("h{i}:1"), B).await);
        }
        assert!(t.len() <= MAX_TARGETS);
    }

    #[test]
    fn keys() {
        assert_eq!(target_key("https://example.com/a?b"), "example.com:443");
        assert_eq!(target_key("http://127.0.0.1:8080/x"), "127.0.0.1:8080");
    }
}
