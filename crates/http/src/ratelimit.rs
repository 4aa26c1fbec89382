//! In-memory rate limiting for sign-in and other public endpoints.
//!
//! * [`SlidingWindow`] is a generic, sharded, memory-bounded sliding-window
//!   limiter keyed by string.
//! * [`SignInGuard`] combines several windows into a sign-in policy that
//!   slows down password guessing without letting an attacker lock a user
//!   out of their usual network.
//!
//! All functions take the current time as an explicit [`Instant`], which
//! keeps them deterministic and testable; callers pass `Instant::now()`.

use std::collections::{HashMap, VecDeque};
use std::hash::{BuildHasher, RandomState};
use std::net::IpAddr;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// The outcome of a rate-limit check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Decision {
    /// The request may proceed.
    Allowed,
    /// The request must be rejected; the caller may retry after the given
    /// duration (suitable for a `Retry-After` header, rounded up).
    Limited { retry_after: Duration },
}

impl Decision {
    /// `true` for [`Decision::Allowed`].
    pub fn is_allowed(&self) -> bool {
        matches!(self, Decision::Allowed)
    }

    /// The retry delay of a [`Decision::Limited`].
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Decision::Allowed => None,
            Decision::Limited { retry_after } => Some(*retry_after),
        }
    }
}

/// Number of independently locked shards of a [`SlidingWindow`].
const SHARDS: usize = 16;

/// Key capacity of a [`SlidingWindow`] built with [`SlidingWindow::new`].
pub const DEFAULT_MAX_KEYS: usize = 100_000;

/// A sliding-window rate limiter: at most `limit` events per key within any
/// period of length `window`.
///
/// Each key keeps the timestamps of its most recent (at most `limit`) events,
/// so decisions and `retry_after` values are exact. An event at `t` counts
/// while `now - t < window`.
///
/// Memory is bounded: keys are spread over 16 mutex-protected shards by hash,
/// each holding at most `ceil(max_keys / 16)` keys. When a shard is full (and
/// periodically, amortized over inserts) keys whose events have all expired
/// are swept; if it is still full, the least recently active eighth of the
/// shard is evicted. Eviction forgets history, so under a flood of distinct
/// keys limits are best-effort: size `max_keys` well above normal traffic.
///
/// A `limit` of zero rejects everything.
pub struct SlidingWindow {
    limit: u32,
    window: Duration,
    shard_cap: usize,
    hasher: RandomState,
    shards: Box<[Mutex<Shard>]>,
}

struct Shard {
    /// Event timestamps per key, oldest first; never empty, at most `limit`.
    entries: HashMap<String, VecDeque<Instant>>,
    /// New keys inserted since the last sweep of expired entries.
    inserts_since_sweep: usize,
}

impl std::fmt::Debug for SlidingWindow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SlidingWindow")
            .field("limit", &self.limit)
            .field("window", &self.window)
            .field("max_keys", &(self.shard_cap * self.shards.len()))
            .finish_non_exhaustive()
    }
}

impl SlidingWindow {
    /// A limiter allowing `limit` events per key per `window`, holding at
    /// most about [`DEFAULT_MAX_KEYS`] keys.
    pub fn new(limit: u32, window: Duration) -> Self {
        Self::with_max_keys(limit, window, DEFAULT_MAX_KEYS)
    }

    /// Like [`SlidingWindow::new`] with an explicit key capacity (rounded up
    /// to a multiple of the shard count, at least one key per shard).
    pub fn with_max_keys(limit: u32, window: Duration, max_keys: usize) -> Self {
        Self::with_shards(limit, window, max_keys, SHARDS)
    }

    fn with_shards(limit: u32, window: Duration, max_keys: usize, shards: usize) -> Self {
        let shards = shards.max(1);
        SlidingWindow {
            limit,
            window,
            shard_cap: max_keys.div_ceil(shards).max(1),
            hasher: RandomState::new(),
            shards: (0..shards)
                .map(|_| {
                    Mutex::new(Shard {
                        entries: HashMap::new(),
                        inserts_since_sweep: 0,
                    })
                })
                .collect(),
        }
    }

    /// The configured number of events per window.
    pub fn limit(&self) -> u32 {
        self.limit
    }

    /// The configured window length.
    pub fn window(&self) -> Duration {
        self.window
    }

    /// Whether one more event for `key` at `now` would be within the limit.
    /// Does not record anything.
    pub fn check(&self, key: &str, now: Instant) -> Decision {
        let mut shard = self.shard(key);
        self.decide(&mut shard, key, now)
    }

    /// Records an event for `key` at `now` regardless of the limit (e.g. a
    /// failed sign-in after it happened).
    pub fn record(&self, key: &str, now: Instant) {
        let mut shard = self.shard(key);
        self.record_locked(&mut shard, key, now);
    }

    /// Atomically checks and, if allowed, records an event. Rejected events
    /// are not recorded, so a client hammering a limited key does not push
    /// its own `retry_after` further out.
    pub fn check_and_record(&self, key: &str, now: Instant) -> Decision {
        let mut shard = self.shard(key);
        let decision = self.decide(&mut shard, key, now);
        if decision.is_allowed() {
            self.record_locked(&mut shard, key, now);
        }
        decision
    }

    /// Forgets all events of `key`.
    pub fn reset(&self, key: &str) {
        self.shard(key).entries.remove(key);
    }

    /// Removes every key whose events have all expired at `now`. Optional:
    /// this also happens automatically, amortized over inserts.
    pub fn purge_expired(&self, now: Instant) {
        for shard in self.shards.iter() {
            let mut shard = lock(shard);
            self.sweep(&mut shard, now);
        }
    }

    /// Number of keys currently tracked (including not yet swept ones).
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| lock(s).entries.len()).sum()
    }

    /// Whether no keys are tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn shard(&self, key: &str) -> MutexGuard<'_, Shard> {
        // Truncating the hash on 32-bit targets is fine for picking a shard.
        let i = (self.hasher.hash_one(key) as usize) % self.shards.len();
        lock(&self.shards[i])
    }

    fn in_window(&self, t: Instant, now: Instant) -> bool {
        now.saturating_duration_since(t) < self.window
    }

    fn decide(&self, shard: &mut Shard, key: &str, now: Instant) -> Decision {
        if self.limit == 0 {
            return Decision::Limited {
                retry_after: self.window,
            };
        }
        let Some(stamps) = shard.entries.get_mut(key) else {
            return Decision::Allowed;
        };
        while stamps.front().is_some_and(|&t| !self.in_window(t, now)) {
            stamps.pop_front();
        }
        let limit = self.limit as usize;
        if stamps.len() < limit {
            if stamps.is_empty() {
                shard.entries.remove(key);
            }
            return Decision::Allowed;
        }
        // The window frees up when the `limit`-th most recent event expires.
        match stamps.get(stamps.len() - limit) {
            Some(&oldest) => Decision::Limited {
                retry_after: self.window.saturating_sub(now.saturating_duration_since(oldest)),
            },
            None => Decision::Allowed,
        }
    }

    fn record_locked(&self, shard: &mut Shard, key: &str, now: Instant) {
        let limit = self.limit as usize;
        if limit == 0 {
            return;
        }
        if let Some(stamps) = shard.entries.get_mut(key) {
            // Keep timestamps ordered even if callers race with `now`s taken
            // slightly out of order.
            let at = stamps.partition_point(|&t| t <= now);
            stamps.insert(at, now);
            while stamps.len() > limit {
                stamps.pop_front();
            }
            return;
        }
        self.make_room(shard, now);
        let mut stamps = VecDeque::with_capacity(limit.min(4));
        stamps.push_back(now);
        shard.entries.insert(key.to_owned(), stamps);
    }

    /// Ensures the shard has room for one more key.
    fn make_room(&self, shard: &mut Shard, now: Instant) {
        shard.inserts_since_sweep += 1;
        if shard.entries.len() >= self.shard_cap || shard.inserts_since_sweep >= self.shard_cap {
            self.sweep(shard, now);
        }
        if shard.entries.len() >= self.shard_cap {
            // Evict in batches so a flood of new keys costs amortized O(1).
            let batch = (self.shard_cap / 8).max(1);
            evict_least_recent(shard, batch);
        }
    }

    fn sweep(&self, shard: &mut Shard, now: Instant) {
        shard.inserts_since_sweep = 0;
        shard
            .entries
            .retain(|_, stamps| stamps.back().is_some_and(|&t| self.in_window(t, now)));
    }
}

/// Removes the `count` keys whose latest event is oldest.
fn evict_least_recent(shard: &mut Shard, count: usize) {
    let mut latest: Vec<Instant> = shard.entries.values().filter_map(|s| s.back().copied()).collect();
    let count = count.min(latest.len());
    if count == 0 {
        return;
    }
    let (_, &mut threshold, _) = latest.select_nth_unstable(count - 1);
    let mut remaining = count;
    shard.entries.retain(|_, stamps| match stamps.back() {
        Some(&t) if t <= threshold && remaining > 0 => {
            remaining -= 1;
            false
        }
        Some(_) => true,
        None => false,
    });
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Thresholds for [`SignInGuard`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignInLimits {
    /// Sign-in attempts (any outcome) per client network per `window`.
    pub ip_limit: u32,
    /// Failed attempts per (email, client network) per `pair_window`.
    pub pair_failures: u32,
    /// Failed attempts per email, over all networks, per `email_window`.
    pub email_failures: u32,
    /// Length of the sliding window of the per-network limit.
    pub window: Duration,
    /// Length of the sliding window of the per-(email, network) limit.
    pub pair_window: Duration,
    /// Length of the sliding window of the per-email ceiling.
    pub email_window: Duration,
}

impl Default for SignInLimits {
    /// 30 attempts per network per 5 minutes; 5 failures per (email,
    /// network) per 15 minutes; 100 failures per email per hour.
    fn default() -> Self {
        SignInLimits {
            ip_limit: 30,
            pair_failures: 5,
            email_failures: 100,
            window: Duration::from_secs(5 * 60),
            pair_window: Duration::from_secs(15 * 60),
            email_window: Duration::from_secs(60 * 60),
        }
    }
}

/// How long a successful sign-in from a network keeps that network trusted
/// for the account.
pub const TRUSTED_NETWORK_TTL: Duration = Duration::from_secs(30 * 24 * 60 * 60);

/// A lockout-resistant sign-in rate-limiting policy.
///
/// Usage: call [`check`](Self::check) before verifying the password and
/// reject the attempt (HTTP 429 with `Retry-After`) unless it is
/// [`Decision::Allowed`]; afterwards call
/// [`record_failure`](Self::record_failure) or
/// [`record_success`](Self::record_success).
///
/// Rules, each over its own sliding window (see [`SignInLimits`]):
///
/// 1. **Per client network**: at most `ip_limit` attempts, whatever their
///    outcome. Every `check` from a network that is not itself limited
///    counts, including attempts then rejected by rules 2 and 3, so one
///    source probing locked accounts exhausts its own budget.
/// 2. **Per (email, network)**: at most `pair_failures` failed attempts.
///    A successful sign-in clears this counter.
/// 3. **Per email, over all networks**: at most `email_failures` failed
///    attempts. Once exceeded, attempts for that email are limited *except*
///    from a network that has successfully signed in to that account within
///    [`TRUSTED_NETWORK_TTL`] (30 days). An attacker spraying guesses from
///    many addresses therefore gets at most `email_failures` guesses per
///    `email_window` in total, yet cannot lock the real user out of their usual
///    network; that network is still bound by rules 1 and 2. A user on a new
///    network is limited until the window passes; success does not clear the
///    email's failures, since that would refill the attacker's budget.
///
/// Emails are compared case-insensitively (trimmed and lowercased). A
/// "network" is the client IP address; IPv4-mapped IPv6 addresses count as
/// their IPv4 address, and IPv6 addresses are grouped by /64 prefix, since a
/// single client usually controls a whole /64 and could otherwise rotate
/// addresses freely.
///
/// All state is in memory and bounded (see [`SlidingWindow`]); it is lost on
/// restart and not shared between processes.
#[derive(Debug)]
pub struct SignInGuard {
    by_network: SlidingWindow,
    by_pair: SlidingWindow,
    by_email: SlidingWindow,
    /// (email, network) pairs with a recent success. Implemented as a window
    /// with limit 1: a pair is trusted exactly when its check is limited.
    trusted: SlidingWindow,
}

impl SignInGuard {
    /// A guard with the given limits, each tracking at most about
    /// [`DEFAULT_MAX_KEYS`] keys.
    pub fn new(limits: SignInLimits) -> Self {
        Self::with_max_keys(limits, DEFAULT_MAX_KEYS)
    }

    /// Like [`SignInGuard::new`] with an explicit key capacity per table.
    pub fn with_max_keys(limits: SignInLimits, max_keys: usize) -> Self {
        SignInGuard {
            by_network: SlidingWindow::with_max_keys(limits.ip_limit, limits.window, max_keys),
            by_pair: SlidingWindow::with_max_keys(limits.pair_failures, limits.pair_window, max_keys),
            by_email: SlidingWindow::with_max_keys(limits.email_failures, limits.email_window, max_keys),
            trusted: SlidingWindow::with_max_keys(1, TRUSTED_NETWORK_TTL, max_keys),
        }
    }

    /// Decides whether a sign-in attempt for `email` from `ip` may proceed.
    /// Call before verifying the password; counts the attempt against the
    /// client network.
    pub fn check(&self, email: &str, ip: IpAddr, now: Instant) -> Decision {
        let email = normalize_email(email);
        let network = network_key(ip);

        let by_network = self.by_network.check_and_record(&network, now);
        if !by_network.is_allowed() {
            return by_network;
        }
        let pair = pair_key(&email, &network);
        let by_pair = self.by_pair.check(&pair, now);
        if !by_pair.is_allowed() {
            return by_pair;
        }
        let by_email = self.by_email.check(&email, now);
        if !by_email.is_allowed() && !self.is_trusted(&pair, now) {
            return by_email;
        }
        Decision::Allowed
    }

    /// Records a failed attempt (wrong password or unknown account).
    pub fn record_failure(&self, email: &str, ip: IpAddr, now: Instant) {
        let email = normalize_email(email);
        let pair = pair_key(&email, &network_key(ip));
        self.by_pair.record(&pair, now);
        self.by_email.record(&email, now);
    }

    /// Records a successful sign-in: clears the (email, network) failures
    /// and trusts the network for this email for [`TRUSTED_NETWORK_TTL`].
    pub fn record_success(&self, email: &str, ip: IpAddr, now: Instant) {
        let email = normalize_email(email);
        let pair = pair_key(&email, &network_key(ip));
        self.by_pair.reset(&pair);
        self.trusted.record(&pair, now);
    }

    fn is_trusted(&self, pair: &str, now: Instant) -> bool {
        !self.trusted.check(pair, now).is_allowed()
    }
}

fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// The rate-limiting identity of a client address.
fn network_key(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
    }
}

/// Network keys never contain a space, so this is unambiguous.
fn pair_key(email: &str, network: &str) -> String {
    format!("{network} {email}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::{Ipv4Addr, Ipv6Addr};

    fn secs(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    fn ip(n: u32) -> IpAddr {
        IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))
    }

    fn limited(d: Decision) -> bool {
        !d.is_allowed()
    }

    // ---- SlidingWindow -------------------------------------------------

    #[test]
    fn window_allows_limit_then_limits_with_exact_retry_after() {
        let w = SlidingWindow::new(3, secs(10));
        let t0 = Instant::now();
        assert_eq!(w.check_and_record("k", t0), Decision::Allowed);
        assert_eq!(w.check_and_record("k", t0 + secs(2)), Decision::Allowed);
        assert_eq!(w.check_and_record("k", t0 + secs(4)), Decision::Allowed);
        assert_eq!(
            w.check_and_record("k", t0 + secs(5)),
            Decision::Limited { retry_after: secs(5) }
        );
        // Other keys are independent.
        assert_eq!(w.check("other", t0 + secs(5)), Decision::Allowed);
        // Rejected attempts were not recorded: the first event expires at
        // t0 + 10 and frees exactly one slot.
        assert_eq!(w.check_and_record("k", t0 + secs(10)), Decision::Allowed);
        assert_eq!(w.check("k", t0 + secs(10)), Decision::Limited { retry_after: secs(2) });
        // Everything expires eventually.
        assert_eq!(w.check("k", t0 + secs(20)), Decision::Allowed);
    }

    #[test]
    fn check_does_not_record_and_record_does_not_check() {
        let w = SlidingWindow::new(2, secs(60));
        let t0 = Instant::now();
        for _ in 0..5 {
            assert_eq!(w.check("k", t0), Decision::Allowed);
        }
        assert!(w.is_empty());
        w.record("k", t0);
        assert_eq!(w.check("k", t0), Decision::Allowed);
        w.record("k", t0 + secs(1));
        assert_eq!(w.check("k", t0 + secs(1)), Decision::Limited { retry_after: secs(59) });
        // Recording past the limit keeps only the newest events.
        w.record("k", t0 + secs(30));
        assert_eq!(w.check("k", t0 + secs(30)), Decision::Limited { retry_after: secs(31) });
    }

    #[test]
    fn out_of_order_records_are_kept_sorted() {
        let w = SlidingWindow::new(2, secs(10));
        let t0 = Instant::now();
        w.record("k", t0 + secs(5));
        w.record("k", t0);
        assert_eq!(w.check("k", t0 + secs(6)), Decision::Limited { retry_after: secs(4) });
        assert_eq!(w.check("k", t0 + secs(10)), Decision::Allowed);
    }

    #[test]
    fn reset_forgets_key() {
        let w = SlidingWindow::new(1, secs(60));
        let t0 = Instant::now();
        w.record("k", t0);
        assert!(limited(w.check("k", t0)));
        w.reset("k");
        assert_eq!(w.check("k", t0), Decision::Allowed);
        assert!(w.is_empty());
    }

    #[test]
    fn zero_limit_rejects_everything() {
        let w = SlidingWindow::new(0, secs(7));
        let t0 = Instant::now();
        assert_eq!(w.check_and_record("k", t0), Decision::Limited { retry_after: secs(7) });
        w.record("k", t0);
        assert!(w.is_empty());
    }

    #[test]
    fn key_count_is_bounded() {
        let w = SlidingWindow::with_max_keys(1, secs(60), 64);
        let t0 = Instant::now();
        for i in 0..10_000u32 {
            w.record(&format!("key-{i}"), t0 + Duration::from_millis(u64::from(i)));
        }
        assert!(w.len() <= 64, "len = {}", w.len());
        // The most recent key survives eviction.
        assert!(limited(w.check("key-9999", t0 + secs(10))));
        assert!(w.len() <= 64);
    }

    #[test]
    fn expired_keys_are_evicted_before_live_ones() {
        let w = SlidingWindow::with_shards(1, secs(10), 3, 1);
        let t0 = Instant::now();
        w.record("a", t0);
        w.record("b", t0 + secs(1));
        w.record("c", t0 + secs(2));
        assert_eq!(w.len(), 3);
        // Full when "d" arrives: the sweep drops the expired "a" and "b"
        // (plain least-recent eviction would have dropped only "a").
        let now = t0 + Duration::from_millis(11_500);
        w.record("d", now);
        assert_eq!(w.len(), 2);
        assert!(limited(w.check("c", now)));
        assert!(limited(w.check("d", now)));
    }

    #[test]
    fn least_recently_active_key_is_evicted_when_full() {
        let w = SlidingWindow::with_shards(1, secs(100), 3, 1);
        let t0 = Instant::now();
        w.record("a", t0);
        w.record("b", t0 + secs(1));
        w.record("c", t0 + secs(2));
        // "a" is refreshed, so "b" is now the least recently active.
        w.record("a", t0 + secs(3));
        w.record("d", t0 + secs(4));
        assert_eq!(w.len(), 3);
        let now = t0 + secs(5);
        assert!(w.check("b", now).is_allowed());
        assert!(limited(w.check("a", now)));
        assert!(limited(w.check("c", now)));
        assert!(limited(w.check("d", now)));
    }

    #[test]
    fn purge_expired_removes_only_expired() {
        let w = SlidingWindow::new(3, secs(10));
        let t0 = Instant::now();
        w.record("old", t0);
        w.record("new", t0 + secs(8));
        w.purge_expired(t0 + secs(12));
        assert_eq!(w.len(), 1);
    }

    // ---- SignInGuard ---------------------------------------------------

    fn loose() -> SignInLimits {
        SignInLimits {
            ip_limit: 1000,
            pair_failures: 1000,
            email_failures: 1000,
            window: secs(300),
            pair_window: secs(300),
            email_window: secs(300),
        }
    }

    #[test]
    fn default_limits() {
        let d = SignInLimits::default();
        assert_eq!((d.ip_limit, d.pair_failures, d.email_failures), (30, 5, 100));
        assert_eq!(
            (d.window, d.pair_window, d.email_window),
            (secs(300), secs(900), secs(3600))
        );
    }

    #[test]
    fn ip_limit_counts_every_attempt() {
        let g = SignInGuard::new(SignInLimits { ip_limit: 3, ..loose() });
        let t0 = Instant::now();
        for i in 0..3 {
            let email = format!("user{i}@x");
            assert!(g.check(&email, ip(1), t0).is_allowed());
            g.record_success(&email, ip(1), t0);
        }
        assert_eq!(
            g.check("someone@x", ip(1), t0 + secs(100)),
            Decision::Limited { retry_after: secs(200) }
        );
        // Another IP is unaffected, and the window expires.
        assert!(g.check("someone@x", ip(2), t0).is_allowed());
        assert!(g.check("someone@x", ip(1), t0 + secs(300)).is_allowed());
    }

    #[test]
    fn pair_failures_limit_only_that_pair() {
        let g = SignInGuard::new(SignInLimits {
            pair_failures: 2,
            ..loose()
        });
        let t0 = Instant::now();
        for _ in 0..2 {
            assert!(g.check("a@x", ip(1), t0).is_allowed());
            g.record_failure("a@x", ip(1), t0);
        }
        assert!(limited(g.check("a@x", ip(1), t0 + secs(1))));
        assert!(limited(g.check("A@X", ip(1), t0 + secs(1))));
        assert!(g.check("a@x", ip(2), t0 + secs(1)).is_allowed());
        assert!(g.check("b@x", ip(1), t0 + secs(1)).is_allowed());
        assert!(g.check("a@x", ip(1), t0 + secs(300)).is_allowed());
    }

    #[test]
    fn success_clears_pair_failures() {
        let g = SignInGuard::new(SignInLimits {
            pair_failures: 2,
            ..loose()
        });
        let t0 = Instant::now();
        g.record_failure("a@x", ip(1), t0);
        g.record_success("a@x", ip(1), t0);
        g.record_failure("a@x", ip(1), t0);
        assert!(g.check("a@x", ip(1), t0).is_allowed());
        g.record_failure("a@x", ip(1), t0);
        assert!(limited(g.check("a@x", ip(1), t0)));
    }

    #[test]
    fn spray_from_many_ips_cannot_lock_out_trusted_network() {
        let d = SignInLimits::default();
        let g = SignInGuard::new(d);
        let t0 = Instant::now();
        let home = ip(1);
        assert!(g.check("Victim@X", home, t0).is_allowed());
        g.record_success("Victim@X", home, t0);

        let spray_start = t0 + secs(3600);
        let mut guesses = 0;
        for n in 100..300 {
            let now = spray_start + Duration::from_millis(u64::from(n));
            if g.check("victim@x", ip(n), now).is_allowed() {
                guesses += 1;
                g.record_failure("victim@x", ip(n), now);
            }
        }
        // The attacker got exactly the email budget, no more.
        assert_eq!(guesses, d.email_failures);

        let now = spray_start + secs(1);
        // The victim's usual network still gets in (case-insensitively).
        assert!(g.check("victim@x", home, now).is_allowed());
        assert!(g.check("VICTIM@x", home, now).is_allowed());
        // A network never used by the victim is limited until the window
        // after the spray passes.
        assert!(limited(g.check("victim@x", ip(5000), now)));
        let later = spray_start + Duration::from_millis(300) + d.email_window;
        assert!(g.check("victim@x", ip(5000), later).is_allowed());
        // Other accounts are unaffected.
        assert!(g.check("other@x", ip(5001), now).is_allowed());
    }

    #[test]
    fn trusted_network_is_still_bound_by_pair_failures() {
        let g = SignInGuard::new(SignInLimits {
            pair_failures: 2,
            email_failures: 1,
            ..loose()
        });
        let t0 = Instant::now();
        g.record_success("v@x", ip(1), t0);
        g.record_failure("v@x", ip(9), t0);
        assert!(limited(g.check("v@x", ip(10), t0)));
        assert!(g.check("v@x", ip(1), t0).is_allowed());
        g.record_failure("v@x", ip(1), t0);
        g.record_failure("v@x", ip(1), t0);
        assert!(limited(g.check("v@x", ip(1), t0)));
    }

    #[test]
    fn trust_expires_after_thirty_days() {
        let g = SignInGuard::new(SignInLimits {
            email_failures: 1,
            ..loose()
        });
        let t0 = Instant::now();
        g.record_success("v@x", ip(1), t0);
        let later = t0 + TRUSTED_NETWORK_TTL + secs(1);
        g.record_failure("v@x", ip(9), later);
        assert!(limited(g.check("v@x", ip(1), later)));
    }

    #[test]
    fn ipv6_grouped_by_64_and_mapped_ipv4_canonicalized() {
        let g = SignInGuard::new(SignInLimits { ip_limit: 2, ..loose() });
        let t0 = Instant::now();
        let a = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 0, 0, 0, 1));
        let b = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 2, 9, 9, 9, 9));
        let other = IpAddr::V6(Ipv6Addr::new(0x2001, 0xdb8, 1, 3, 0, 0, 0, 1));
        assert!(g.check("a@x", a, t0).is_allowed());
        assert!(g.check("a@x", b, t0).is_allowed());
        assert!(limited(g.check("a@x", a, t0)));
        assert!(g.check("a@x", other, t0).is_allowed());

        let v4 = Ipv4Addr::new(192, 0, 2, 1);
        assert!(g.check("a@x", IpAddr::V4(v4), t0).is_allowed());
        assert!(g.check("a@x", IpAddr::V6(v4.to_ipv6_mapped()), t0).is_allowed());
        assert!(limited(g.check("a@x", IpAddr::V4(v4), t0)));
    }
}
