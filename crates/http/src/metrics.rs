//! A tiny, dependency-free Prometheus metrics registry.
//!
//! [`Metrics`] holds counters, gauges and histograms keyed by metric name and
//! label set, and renders them in the Prometheus text exposition format
//! (version 0.0.4) with [`Metrics::render`].
//!
//! Design notes:
//!
//! * Metric and label names are `&'static str`: they come from code, never
//!   from input, and are not validated or escaped. Label *values* may be
//!   arbitrary strings and are escaped on output.
//! * Label sets are matched irrespective of order: `[("a", "1"), ("b", "2")]`
//!   and `[("b", "2"), ("a", "1")]` address the same series.
//! * Updating an existing series takes a shared read lock, hashes the name and
//!   labels and performs an atomic operation (histograms take a short,
//!   per-series mutex so that buckets, sum and count stay consistent). Only
//!   the first update of a new series allocates.
//! * A metric name has one [`Kind`], fixed by its first use or by
//!   [`Metrics::describe`]. Updates of a different kind are ignored (and
//!   logged once), since they would produce an invalid exposition.
//! * Label cardinality is the caller's responsibility: every distinct label
//!   set is kept for the lifetime of the registry, so never use unbounded
//!   values (user ids, raw paths) as label values.

use std::collections::HashMap;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher, RandomState};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError, RwLock};

/// Upper bounds (in seconds) of the histogram buckets used by
/// [`Metrics::observe`]; an implicit `+Inf` bucket follows.
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The type of a metric family, as written on its `# TYPE` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Counter,
    Gauge,
    Histogram,
}

impl Kind {
    /// The name used on the `# TYPE` line.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        }
    }
}

/// A thread-safe metrics registry; share it behind an `Arc`.
pub struct Metrics {
    hasher: RandomState,
    families: RwLock<HashMap<&'static str, Family>>,
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let families = self.families.read().unwrap_or_else(PoisonError::into_inner);
        f.debug_struct("Metrics").field("families", &families.len()).finish()
    }
}

/// All series sharing one metric name.
struct Family {
    kind: Kind,
    help: Option<&'static str>,
    /// Series keyed by the (order-independent) hash of their label set; the
    /// `Vec` resolves hash collisions by comparing the labels themselves.
    series: HashMap<u64, Vec<Series>, BuildHasherDefault<PrehashedHasher>>,
    /// Set once a kind mismatch has been logged, to avoid flooding the log.
    mismatch_logged: AtomicBool,
}

struct Series {
    /// Label pairs, sorted by label name (then value) for rendering.
    labels: Box<[(&'static str, Box<str>)]>,
    value: Value,
}

enum Value {
    Counter(AtomicU64),
    /// The `f64` value's bit pattern.
    Gauge(AtomicU64),
    Histogram(Mutex<Histogram>),
}

struct Histogram {
    /// Non-cumulative counts per bucket of [`LATENCY_BUCKETS`]; observations
    /// above the last bound are only reflected in `count`.
    buckets: [u64; LATENCY_BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// The keys of [`Family::series`] are already hashes: pass them through.
#[derive(Default)]
struct PrehashedHasher(u64);

impl Hasher for PrehashedHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used for `u64` keys; fold anything else in so
        // the hasher stays correct if it ever is.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

impl Family {
    fn new(kind: Kind) -> Self {
        Family {
            kind,
            help: None,
            series: HashMap::default(),
            mismatch_logged: AtomicBool::new(false),
        }
    }

    fn find(&self, hash: u64, labels: &[(&'static str, &str)]) -> Option<&Series> {
        self.series.get(&hash)?.iter().find(|s| same_labels(&s.labels, labels))
    }

    fn insert(&mut self, hash: u64, labels: &[(&'static str, &str)]) -> &Series {
        let mut owned: Vec<(&'static str, Box<str>)> = labels.iter().map(|&(k, v)| (k, Box::from(v))).collect();
        owned.sort_unstable();
        let value = match self.kind {
            Kind::Counter => Value::Counter(AtomicU64::new(0)),
            Kind::Gauge => Value::Gauge(AtomicU64::new(0f64.to_bits())),
            Kind::Histogram => Value::Histogram(Mutex::new(Histogram {
                buckets: [0; LATENCY_BUCKETS.len()],
                count: 0,
                sum: 0.0,
            })),
        };
        let bucket = self.series.entry(hash).or_default();
        bucket.push(Series {
            labels: owned.into_boxed_slice(),
            value,
        });
        // Just pushed, so the slot is occupied.
        &bucket[bucket.len() - 1]
    }

    fn log_mismatch(&self, name: &'static str, used_as: Kind) {
        if !self.mismatch_logged.swap(true, Ordering::Relaxed) {
            tracing::warn!(
                metric = name,
                registered = self.kind.as_str(),
                used_as = used_as.as_str(),
                "metric used with a different kind; update ignored"
            );
        }
    }
}

/// Order-independent comparison of a stored label set with a caller's.
fn same_labels(stored: &[(&'static str, Box<str>)], given: &[(&'static str, &str)]) -> bool {
    stored.len() == given.len()
        && given
            .iter()
            .all(|&(k, v)| stored.iter().any(|(sk, sv)| *sk == k && **sv == *v))
}

impl Metrics {
    /// Creates an empty registry.
    pub fn new() -> Self {
        Metrics {
            hasher: RandomState::new(),
            families: RwLock::new(HashMap::new()),
        }
    }

    /// Adds `by` to the counter `name` with the given labels, creating the
    /// series at zero first if needed (`by == 0` just makes it visible).
    pub fn inc_counter(&self, name: &'static str, labels: &[(&'static str, &str)], by: u64) {
        self.with_series(name, Kind::Counter, labels, |value| {
            if let Value::Counter(c) = value {
                c.fetch_add(by, Ordering::Relaxed);
            }
        });
    }

    /// Sets the gauge `name` with the given labels to `value`.
    pub fn set_gauge(&self, name: &'static str, labels: &[(&'static str, &str)], value: f64) {
        self.with_series(name, Kind::Gauge, labels, |v| {
            if let Value::Gauge(g) = v {
                g.store(value.to_bits(), Ordering::Relaxed);
            }
        });
    }

    /// Records one observation (in seconds) in the histogram `name` with the
    /// given labels, using [`LATENCY_BUCKETS`]. NaN observations are ignored.
    pub fn observe(&self, name: &'static str, labels: &[(&'static str, &str)], seconds: f64) {
        if seconds.is_nan() {
            return;
        }
        self.with_series(name, Kind::Histogram, labels, |v| {
            if let Value::Histogram(h) = v {
                let mut h = h.lock().unwrap_or_else(PoisonError::into_inner);
                if let Some(i) = LATENCY_BUCKETS.iter().position(|&le| seconds <= le) {
                    h.buckets[i] += 1;
                }
                h.count += 1;
                h.sum += seconds;
            }
        });
    }

    /// Declares the kind and help text of `name`. Optional: undescribed
    /// metrics get a `# TYPE` line from their first use and no `# HELP`.
    ///
    /// If `name` already has series of another kind, the kind is kept and
    /// only the help text is updated.
    pub fn describe(&self, name: &'static str, kind: Kind, help: &'static str) {
        let mut families = self.families.write().unwrap_or_else(PoisonError::into_inner);
        let family = families.entry(name).or_insert_with(|| Family::new(kind));
        if family.kind != kind {
            if family.series.is_empty() {
                family.kind = kind;
            } else {
                family.log_mismatch(name, kind);
            }
        }
        family.help = Some(help);
    }

    /// Renders every metric that has at least one series in the Prometheus
    /// text exposition format 0.0.4. Families are sorted by name and series
    /// by label set, so the output is deterministic.
    pub fn render(&self) -> String {
        let families = self.families.read().unwrap_or_else(PoisonError::into_inner);
        let mut names: Vec<&'static str> = families
            .iter()
            .filter(|(_, f)| !f.series.is_empty())
            .map(|(name, _)| *name)
            .collect();
        names.sort_unstable();

        let mut out = String::with_capacity(256 * names.len());
        for name in names {
            let Some(family) = families.get(name) else {
                continue;
            };
            if let Some(help) = family.help {
                out.push_str("# HELP ");
                out.push_str(name);
                out.push(' ');
                escape_help(&mut out, help);
                out.push('\n');
            }
            out.push_str("# TYPE ");
            out.push_str(name);
            out.push(' ');
            out.push_str(family.kind.as_str());
            out.push('\n');

            let mut series: Vec<&Series> = family.series.values().flatten().collect();
            series.sort_unstable_by(|a, b| a.labels.cmp(&b.labels));
            for s in series {
                render_series(&mut out, name, s);
            }
        }
        out
    }

    /// Runs `f` on the series `(name, labels)`, creating it if needed.
    fn with_series(&self, name: &'static str, kind: Kind, labels: &[(&'static str, &str)], f: impl FnOnce(&Value)) {
        let hash = self.label_hash(labels);
        {
            let families = self.families.read().unwrap_or_else(PoisonError::into_inner);
            if let Some(family) = families.get(name) {
                if family.kind != kind {
                    family.log_mismatch(name, kind);
                    return;
                }
                if let Some(series) = family.find(hash, labels) {
                    f(&series.value);
                    return;
                }
            }
        }

        let mut families = self.families.write().unwrap_or_else(PoisonError::into_inner);
        let family = families.entry(name).or_insert_with(|| Family::new(kind));
        if family.kind != kind {
            family.log_mismatch(name, kind);
            return;
        }
        // Another thread may have created the series between the two locks.
        match family.find(hash, labels) {
            Some(series) => f(&series.value),
            None => f(&family.insert(hash, labels).value),
        }
    }

    /// Order-independent hash of a label set (sum of per-pair hashes).
    fn label_hash(&self, labels: &[(&'static str, &str)]) -> u64 {
        labels.iter().fold(labels.len() as u64, |acc, pair| {
            acc.wrapping_add(self.hasher.hash_one(pair))
        })
    }
}

fn render_series(out: &mut String, name: &str, series: &Series) {
    match &series.value {
        Value::Counter(c) => {
            sample(
                out,
                name,
                "",
                &series.labels,
                None,
                &c.load(Ordering::Relaxed).to_string(),
            );
        }
        Value::Gauge(g) => {
            let v = f64::from_bits(g.load(Ordering::Relaxed));
            sample(out, name, "", &series.labels, None, &format_float(v));
        }
        Value::Histogram(h) => {
            // Copy out under the lock so the three parts are consistent.
            let (buckets, count, sum) = {
                let h = h.lock().unwrap_or_else(PoisonError::into_inner);
                (h.buckets, h.count, h.sum)
            };
            let mut cumulative = 0u64;
            for (le, n) in LATENCY_BUCKETS.iter().zip(buckets) {
                cumulative += n;
                sample(
                    out,
                    name,
                    "_bucket",
                    &series.labels,
                    Some(&format_float(*le)),
                    &cumulative.to_string(),
                );
            }
            let count = count.to_string();
            sample(out, name, "_bucket", &series.labels, Some("+Inf"), &count);
            sample(out, name, "_sum", &series.labels, None, &format_float(sum));
            sample(out, name, "_count", &series.labels, None, &count);
        }
    }
}

/// Writes one sample line: `name{labels[,le="..."]} value`.
fn sample(
    out: &mut String,
    name: &str,
    suffix: &str,
    labels: &[(&'static str, Box<str>)],
    le: Option<&str>,
    value: &str,
) {
    out.push_str(name);
    out.push_str(suffix);
    if !labels.is_empty() || le.is_some() {
        out.push('{');
        let extra = le.map(|le| ("le", le));
        let pairs = labels.iter().map(|(k, v)| (*k, &**v)).chain(extra);
        for (i, (k, v)) in pairs.enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(k);
            out.push_str("=\"");
            escape_label_value(out, v);
            out.push('"');
        }
        out.push('}');
    }
    out.push(' ');
    out.push_str(value);
    out.push('\n');
}

/// Label values escape backslash, double quote and line feed.
fn escape_label_value(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Help text escapes backslash and line feed (quotes are literal).
fn escape_help(out: &mut String, help: &str) {
    for c in help.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

/// Formats a sample value or bucket bound the way Prometheus expects.
fn format_float(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v == f64::INFINITY {
        "+Inf".to_owned()
    } else if v == f64::NEG_INFINITY {
        "-Inf".to_owned()
    } else {
        // Rust's shortest round-trip representation, never in exponent form.
        v.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn counter_with_labels_renders_sorted_and_summed() {
        let m = Metrics::new();
        m.describe("http_requests_total", Kind::Counter, "HTTP requests.");
        m.inc_counter("http_requests_total", &[("method", "GET"), ("status", "200")], 1);
        m.inc_counter("http_requests_total", &[("method", "POST"), ("status", "201")], 1);
        m.inc_counter("http_requests_total", &[("method", "GET"), ("status", "200")], 2);
        // Same label set in a different order addresses the same series.
        m.inc_counter("http_requests_total", &[("status", "200"), ("method", "GET")], 4);
        m.inc_counter("a_total", &[], 3);

        let expected = "\
# TYPE a_total counter
a_total 3
# HELP http_requests_total HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method=\"GET\",status=\"200\"} 7
http_requests_total{method=\"POST\",status=\"201\"} 1
";
        assert_eq!(m.render(), expected);
        // Deterministic.
        assert_eq!(m.render(), expected);
    }

    #[test]
    fn label_values_and_help_are_escaped() {
        let m = Metrics::new();
        m.describe("x_total", Kind::Counter, "Line one\nback\\slash \"quoted\"");
        m.inc_counter("x_total", &[("v", "a\"b\\c\nd")], 1);
        let expected = "\
# HELP x_total Line one\\nback\\\\slash \"quoted\"
# TYPE x_total counter
x_total{v=\"a\\\"b\\\\c\\nd\"} 1
";
        assert_eq!(m.render(), expected);
    }

    #[test]
    fn histogram_buckets_are_cumulative_with_sum_and_count() {
        let m = Metrics::new();
        let labels = [("route", "/api")];
        // 2^-12 lands in the first bucket; 0.25 sits exactly on a bound
        // (inclusive); 20 only counts towards +Inf.
        for v in [0.000244140625, 0.25, 0.5, 0.5, 20.0] {
            m.observe("latency_seconds", &labels, v);
        }
        m.observe("latency_seconds", &labels, f64::NAN);

        let out = m.render();
        let expected = "\
# TYPE latency_seconds histogram
latency_seconds_bucket{route=\"/api\",le=\"0.0005\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.001\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.0025\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.005\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.01\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.025\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.05\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.1\"} 1
latency_seconds_bucket{route=\"/api\",le=\"0.25\"} 2
latency_seconds_bucket{route=\"/api\",le=\"0.5\"} 4
latency_seconds_bucket{route=\"/api\",le=\"1\"} 4
latency_seconds_bucket{route=\"/api\",le=\"2.5\"} 4
latency_seconds_bucket{route=\"/api\",le=\"5\"} 4
latency_seconds_bucket{route=\"/api\",le=\"10\"} 4
latency_seconds_bucket{route=\"/api\",le=\"+Inf\"} 5
latency_seconds_sum{route=\"/api\"} 21.250244140625
latency_seconds_count{route=\"/api\"} 5
";
        assert_eq!(out, expected);
    }

    #[test]
    fn histogram_without_labels_has_only_le() {
        let m = Metrics::new();
        m.observe("h", &[], 0.001);
        let out = m.render();
        assert!(out.contains("h_bucket{le=\"0.001\"} 1\n"), "{out}");
        assert!(out.contains("h_bucket{le=\"0.0005\"} 0\n"), "{out}");
        assert!(out.contains("h_sum 0.001\nh_count 1\n"), "{out}");
    }

    #[test]
    fn gauge_is_overwritten() {
        let m = Metrics::new();
        m.set_gauge("queue_depth", &[("queue", "mail")], 1.5);
        m.set_gauge("queue_depth", &[("queue", "mail")], -3.0);
        m.set_gauge("queue_depth", &[("queue", "hooks")], f64::INFINITY);
        let expected = "\
# TYPE queue_depth gauge
queue_depth{queue=\"hooks\"} +Inf
queue_depth{queue=\"mail\"} -3
";
        assert_eq!(m.render(), expected);
    }

    #[test]
    fn kind_mismatch_is_ignored_and_describe_alone_renders_nothing() {
        let m = Metrics::new();
        m.describe("only_described", Kind::Gauge, "Nothing yet.");
        m.inc_counter("c_total", &[], 1);
        m.set_gauge("c_total", &[], 9.0);
        m.observe("c_total", &[], 1.0);
        assert_eq!(m.render(), "# TYPE c_total counter\nc_total 1\n");

        // Describing before use fixes the kind; a describe with no series
        // yet may still change it.
        m.describe("only_described", Kind::Counter, "Now a counter.");
        m.inc_counter("only_described", &[], 2);
        m.set_gauge("only_described", &[], 5.0);
        assert!(
            m.render()
                .contains("# HELP only_described Now a counter.\n# TYPE only_described counter\nonly_described 2\n")
        );
    }

    #[test]
    fn concurrent_increments_are_not_lost() {
        let m = Arc::new(Metrics::new());
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let m = Arc::clone(&m);
                std::thread::spawn(move || {
                    let shard = if t % 2 == 0 { "even" } else { "odd" };
                    for _ in 0..1000 {
                        m.inc_counter("ops_total", &[("kind", shard)], 1);
                        m.observe("op_seconds", &[], 0.01);
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let out = m.render();
        assert!(out.contains("ops_total{kind=\"even\"} 4000\n"), "{out}");
        assert!(out.contains("ops_total{kind=\"odd\"} 4000\n"), "{out}");
        assert!(out.contains("op_seconds_count 8000\n"), "{out}");
        assert!(out.contains("op_seconds_bucket{le=\"+Inf\"} 8000\n"), "{out}");
    }

    #[test]
    fn different_label_sets_with_same_names_are_distinct() {
        let m = Metrics::new();
        m.inc_counter("c", &[("a", "1")], 1);
        m.inc_counter("c", &[("a", "1"), ("b", "2")], 1);
        m.inc_counter("c", &[("a", "2")], 1);
        let expected = "\
# TYPE c counter
c{a=\"1\"} 1
c{a=\"1\",b=\"2\"} 1
c{a=\"2\"} 1
";
        assert_eq!(m.render(), expected);
    }
}
