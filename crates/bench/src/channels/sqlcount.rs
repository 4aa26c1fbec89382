//! Counts the statements sqlx runs (its `sqlx::query` events) while
//! switched on, by verb and table, with the time each took in the driver.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};

use tracing::field::{Field, Visit};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata};
use tracing_subscriber::layer::{Context, Layer};

static ON: AtomicBool = AtomicBool::new(false);
static INSTALLED: AtomicBool = AtomicBool::new(false);
static TALLY: std::sync::Mutex<BTreeMap<String, (u64, f64)>> = std::sync::Mutex::new(BTreeMap::new());

struct Count;

#[derive(Default)]
struct Fields {
    summary: String,
    statement: String,
    elapsed: f64,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" => self.summary = value.to_string(),
            "db.statement" => self.statement = value.to_string(),
            _ => {}
        }
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        if field.name() == "elapsed_secs" {
            self.elapsed = value;
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "summary" if self.summary.is_empty() => self.summary = format!("{value:?}").trim_matches('"').into(),
            _ => {}
        }
    }
}

impl<S: tracing::Subscriber> Layer<S> for Count {
    fn register_callsite(&self, m: &'static Metadata<'static>) -> Interest {
        if m.target() == "sqlx::query" {
            Interest::sometimes()
        } else {
            Interest::never()
        }
    }
    fn enabled(&self, m: &Metadata<'_>, _: Context<'_, S>) -> bool {
        m.target() == "sqlx::query" && ON.load(Ordering::Relaxed)
    }
    fn on_event(&self, e: &Event<'_>, _: Context<'_, S>) {
        let mut f = Fields::default();
        e.record(&mut f);
        let sql = if f.statement.trim().is_empty() {
            &f.summary
        } else {
            &f.statement
        };
        let key = kind(sql);
        let mut t = TALLY.lock().unwrap_or_else(|p| p.into_inner());
        let entry = t.entry(key).or_default();
        entry.0 += 1;
        entry.1 += f.elapsed;
    }
}

fn kind(sql: &str) -> String {
    let words: Vec<&str> = sql.split_whitespace().collect();
    let verb = words.first().map(|w| w.to_ascii_uppercase()).unwrap_or_default();
    let after = |w: &str| {
        words
            .iter()
            .position(|x| x.eq_ignore_ascii_case(w))
            .and_then(|p| words.get(p + 1))
    };
    let table = match verb.as_str() {
        "INSERT" => after("INTO"),
        "UPDATE" => words.get(1),
        "SELECT" | "DELETE" | "WITH" => after("FROM"),
        _ => None,
    };
    if table.is_some_and(|t| t.trim_start_matches('(').eq_ignore_ascii_case("SELECT")) {
        return format!("{verb} (subquery)");
    }
    match table {
        Some(t) => format!(
            "{verb} {}",
            t.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        ),
        None => verb,
    }
}

/// Installs the counter as the process's subscriber (the bench command
/// sets up no logging); false if another subscriber is in place.
pub fn install() -> bool {
    if INSTALLED.load(Ordering::Relaxed) {
        return true;
    }
    use tracing_subscriber::layer::SubscriberExt;
    let ok = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(Count)).is_ok();
    INSTALLED.store(ok, Ordering::Relaxed);
    ok
}

pub fn start() {
    TALLY.lock().unwrap_or_else(|p| p.into_inner()).clear();
    ON.store(true, Ordering::Relaxed);
}

/// Stops counting; (statement kind, count, seconds in the driver).
pub fn stop() -> Vec<(String, u64, f64)> {
    ON.store(false, Ordering::Relaxed);
    let t = TALLY.lock().unwrap_or_else(|p| p.into_inner());
    let mut v: Vec<_> = t.iter().map(|(k, (n, s))| (k.clone(), *n, *s)).collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1));
    v
}

/// One line: statements per unit, by kind.
pub fn describe(v: &[(String, u64, f64)], units: usize, unit: &str) -> String {
    let units = units.max(1) as f64;
    // The background WAL checkpoints (SQLite) are not the work measured.
    let v: Vec<_> = v.iter().filter(|x| x.0 != "PRAGMA").collect();
    let total: u64 = v.iter().map(|x| x.1).sum();
    let secs: f64 = v.iter().map(|x| x.2).sum();
    let parts: Vec<String> = v
        .iter()
        .map(|(k, n, s)| format!("{k} {:.2} ({:.0} µs)", *n as f64 / units, s / *n as f64 * 1e6))
        .collect();
    format!(
        "{:.1} statements per {unit} ({:.0} µs of driver time per {unit}): {}",
        total as f64 / units,
        secs / units * 1e6,
        parts.join(", ")
    )
}
