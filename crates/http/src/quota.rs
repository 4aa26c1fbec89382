//! Bytes visitors may store per hour: per visitor and per inbox, counted in
//! one-minute buckets over a sliding hour, in memory (per process).
//!
//! The map is bounded: at most `max_keys` keys per budget; when full, keys
//! whose buckets all expired are swept, then the least recently used
//! eighth is forgotten (forgetting is lenient, never stricter).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

const BUCKET: Duration = Duration::from_secs(60);

struct Budget {
    limit: u64,
    max_keys: usize,
    /// Per key: (bucket index, bytes), oldest first; at most one bucket per minute.
    keys: HashMap<String, VecDeque<(u64, u64)>>,
}

impl Budget {
    fn new(limit: u64, max_keys: usize) -> Self {
        Budget {
            limit,
            max_keys: max_keys.max(8),
            keys: HashMap::new(),
        }
    }

    fn used(&mut self, key: &str, now: u64, window: u64) -> u64 {
        let Some(b) = self.keys.get_mut(key) else { return 0 };
        while b.front().is_some_and(|(t, _)| t + window <= now) {
            b.pop_front();
        }
        if b.is_empty() {
            self.keys.remove(key);
            return 0;
        }
        b.iter().map(|(_, n)| n).sum()
    }

    fn add(&mut self, key: &str, now: u64, window: u64, bytes: u64) {
        if !self.keys.contains_key(key) && self.keys.len() >= self.max_keys {
            self.keys.retain(|_, b| b.back().is_some_and(|(t, _)| t + window > now));
            if self.keys.len() >= self.max_keys {
                let mut latest: Vec<u64> = self.keys.values().filter_map(|b| b.back().map(|(t, _)| *t)).collect();
                let cut = (self.max_keys / 8).max(1).min(latest.len());
                if cut > 0 {
                    let (_, &mut threshold, _) = latest.select_nth_unstable(cut - 1);
                    let mut left = cut;
                    self.keys.retain(|_, b| match b.back() {
                        Some((t, _)) if *t <= threshold && left > 0 => {
                            left -= 1;
                            false
                        }
                        _ => true,
                    });
                }
            }
        }
        let b = self.keys.entry(key.to_string()).or_default();
        match b.back_mut() {
            Some((t, n)) if *t == now => *n = n.saturating_add(bytes),
            _ => b.push_back((now, bytes)),
        }
    }
}

/// The hourly upload budgets of visitors and of inboxes.
pub struct UploadQuota {
    start: Instant,
    window: u64,
    inner: Mutex<(Budget, Budget)>,
}

/// What a visitor may still store now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remaining(pub u64);

impl UploadQuota {
    /// `per_visitor` and `per_inbox` bytes per hour.
    pub fn new(per_visitor: u64, per_inbox: u64) -> Self {
        Self::with_keys(per_visitor, per_inbox, 100_000, 10_000)
    }

    pub fn with_keys(per_visitor: u64, per_inbox: u64, max_visitors: usize, max_inboxes: usize) -> Self {
        UploadQuota {
            start: Instant::now(),
            window: 60,
            inner: Mutex::new((
                Budget::new(per_visitor, max_visitors),
                Budget::new(per_inbox, max_inboxes),
            )),
        }
    }

    fn bucket(&self, now: Instant) -> u64 {
        now.saturating_duration_since(self.start).as_secs() / BUCKET.as_secs()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Budget, Budget)> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Bytes `visitor` of `inbox` may still store this hour.
    pub fn remaining(&self, visitor: &str, inbox: &str, now: Instant) -> Remaining {
        let t = self.bucket(now);
        let mut g = self.lock();
        let (v, i) = &mut *g;
        let left_v = v.limit.saturating_sub(v.used(visitor, t, self.window));
        let left_i = i.limit.saturating_sub(i.used(inbox, t, self.window));
        Remaining(left_v.min(left_i))
    }

    /// Records `bytes` stored by `visitor` of `inbox` if both budgets allow
    /// them (checked and recorded at once); `false` records nothing.
    pub fn try_take(&self, visitor: &str, inbox: &str, bytes: u64, now: Instant) -> bool {
        let t = self.bucket(now);
        let mut g = self.lock();
        let (v, i) = &mut *g;
        let used_v = v.used(visitor, t, self.window);
        let used_i = i.used(inbox, t, self.window);
        if used_v.saturating_add(bytes) > v.limit || used_i.saturating_add(bytes) > i.limit {
            return false;
        }
        if bytes > 0 {
            v.add(visitor, t, self.window, bytes);
            i.add(inbox, t, self.window, bytes);
        }
        true
    }

    /// Keys tracked (visitors, inboxes), for tests.
    pub fn keys(&self) -> (usize, usize) {
        let g = self.lock();
        (g.0.keys.len(), g.1.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_per_visitor_and_inbox_over_a_sliding_hour() {
        let q = UploadQuota::new(100, 150);
        let t0 = Instant::now();
        assert!(q.try_take("a", "i", 60, t0));
        assert_eq!(q.remaining("a", "i", t0), Remaining(40));
        assert!(!q.try_take("a", "i", 41, t0), "visitor budget");
        assert!(q.try_take("b", "i", 80, t0));
        assert_eq!(q.remaining("c", "i", t0), Remaining(10), "inbox budget");
        assert!(!q.try_take("c", "i", 11, t0));
        assert!(q.try_take("c", "j", 11, t0), "another inbox");
        let later = t0 + Duration::from_secs(3601 + 60);
        assert_eq!(q.remaining("a", "i", later), Remaining(100));
        assert!(q.try_take("a", "i", 100, later));
    }

    #[test]
    fn the_map_stays_bounded() {
        let q = UploadQuota::with_keys(10, 1 << 40, 64, 8);
        let t0 = Instant::now();
        for n in 0..10_000 {
            assert!(q.try_take(&format!("v{n}"), &format!("i{}", n % 100), 1, t0));
        }
        let (v, i) = q.keys();
        assert!(v <= 64 && i <= 8, "{v} {i}");
    }
}
