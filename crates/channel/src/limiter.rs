//! Sending pace: what a platform allows, and the buckets that keep to it.

use std::collections::HashMap;
use std::time::Duration;

/// How fast a platform lets us send: `(per second, burst)` for all of an
/// inbox's sends (one bot, one number) and for one destination (one chat).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Limits {
    pub per_inbox: Option<(f64, f64)>,
    pub per_destination: Option<(f64, f64)>,
}

/// Token buckets by key, reserving ahead: each send takes a token now and
/// waits for as long as the bucket is in debt, so queued sends leave at the
/// platform's pace in order instead of failing and retrying.
#[derive(Debug, Default)]
pub struct Limiter {
    buckets: std::sync::Mutex<HashMap<String, (f64, std::time::Instant)>>,
}

impl Limiter {
    /// Takes one token from `key`'s bucket (`rate` per second, up to
    /// `burst` saved) and says how long to wait before using it.
    pub fn reserve(&self, key: &str, rate: f64, burst: f64) -> Duration {
        if rate <= 0.0 {
            return Duration::ZERO;
        }
        let now = std::time::Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            // Forget full buckets (idle destinations) so the map stays small.
            buckets.retain(|_, (tokens, at)| *tokens + now.duration_since(*at).as_secs_f64() * rate < burst);
        }
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((burst, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(burst) - 1.0;
        *at = now;
        if *tokens >= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-*tokens / rate)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_lets_a_burst_through_then_paces() {
        let l = Limiter::default();
        for _ in 0..3 {
            assert_eq!(l.reserve("chat", 1.0, 3.0), Duration::ZERO);
        }
        let fourth = l.reserve("chat", 1.0, 3.0);
        assert!(
            fourth > Duration::from_millis(900) && fourth <= Duration::from_secs(1),
            "{fourth:?}"
        );
        let fifth = l.reserve("chat", 1.0, 3.0);
        assert!(
            fifth > Duration::from_millis(1900),
            "queued sends wait in turn: {fifth:?}"
        );
        assert_eq!(l.reserve("other chat", 1.0, 3.0), Duration::ZERO, "keys are separate");
        assert_eq!(l.reserve("chat", 0.0, 0.0), Duration::ZERO, "no limit");
    }
}
