//! `switchboard bench deliveries` and `switchboard bench jobs`: the channel
//! delivery pipeline and the job queue under it.
//!
//! `deliveries`: outgoing replies on a Telegram inbox sent to a fake Bot API
//! (an axum server in this process answering getMe, setWebhook and
//! sendMessage), with the platform rate limits off. The server runs in this
//! process on a fresh database; contacts and conversations are seeded through
//! the Telegram webhook (signed with the secret the fake received in
//! setWebhook); replies are written through the Application API by
//! `--concurrency` clients. Each reply is one `channel_send` job (ordered per
//! chat); a delivery counts once the fake has the sendMessage call and the
//! job is gone (its message has the platform's id as source_id). Also: the
//! latency at 100 replies a second, a backlog drained by the runner alone,
//! and the statements per reply and per delivery. The baseline is the fake's
//! raw rate from a plain reqwest loop with as many clients as the job runner
//! runs jobs at once.
//!
//! `jobs`: the job queue's claim -> complete cycle with nothing executed, as
//! the runner drives it (one claim of up to the free permits, each job
//! completed in its own write transaction, `job_concurrency` at once), the
//! same over queue keys, the runner itself on `deliver` jobs whose delivery
//! row does not exist (execute = one read transaction, one SELECT by key),
//! the cost of one claim at a given queue depth, and two what-ifs sized
//! here without touching the store: completions grouped into one
//! transaction, and a claim that reads due jobs in index order. The runner
//! has no way to register a kind, so no true no-op kind runs through it.
//! The baseline is one-row insert + delete transactions on the same store.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use switchboard_domain::time::now_micros;
use switchboard_store::{NewJob, Store};
use tokio::sync::{Notify, Semaphore, watch};
use tokio::task::JoinSet;

use crate::config::{BenchArgs, Options, Settings};

const BOT_ID: i64 = 123_456_789;
const BOT_TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1";
const FIRST_CHAT: i64 = 700_000_000;

// ---------------------------------------------------------------- helpers

async fn fresh_pg_schema(base: &str) -> anyhow::Result<(String, String)> {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(base)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok((format!("{base}{sep}options=-c%20search_path%3D{schema}"), schema))
}

async fn drop_pg_schema(base: &str, schema: &str) {
    if let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(base).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut conn)
            .await;
    }
}

/// Runs a bench on a fresh SQLite file and, with `--postgres-url`, in a
/// throwaway PostgreSQL schema (dropped afterwards, whatever the outcome).
async fn each_backend<T, F, Fut>(name: &str, args: &BenchArgs, run: F) -> anyhow::Result<Vec<T>>
where
    F: Fn(&'static str, String, std::path::PathBuf) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let dir = std::env::temp_dir().join(format!("switchboard-{name}-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut results = Vec::new();
    let sqlite_url = format!("sqlite://{}/bench.db", dir.display());
    results.push(run("sqlite", sqlite_url, dir.clone()).await?);
    match &args.postgres_url {
        Some(base) => {
            let (url, schema) = fresh_pg_schema(base).await?;
            let r = run("postgres", url, dir.clone()).await;
            drop_pg_schema(base, &schema).await;
            results.push(r?);
        }
        None => println!("postgres: skipped (set --postgres-url or SWITCHBOARD_BENCH_POSTGRES_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    Ok(results)
}

fn pct(v: &mut [Duration], p: f64) -> Duration {
    v.sort();
    v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// CPU use over an interval: the whole machine's (from /proc/stat) and this
/// process's (from /proc/self/stat), in cores.
struct Cpu {
    at: Instant,
    busy: u64,
    total: u64,
    own: u64,
}

impl Cpu {
    fn now() -> Cpu {
        let (busy, total) = std::fs::read_to_string("/proc/stat")
            .ok()
            .and_then(|s| {
                let line = s.lines().next()?.to_string();
                let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|x| x.parse().ok()).collect();
                let total: u64 = v.iter().sum();
                // idle + iowait
                let idle = v.get(3).copied().unwrap_or(0) + v.get(4).copied().unwrap_or(0);
                Some((total - idle, total))
            })
            .unwrap_or((0, 0));
        let own = std::fs::read_to_string("/proc/self/stat")
            .ok()
            .and_then(|s| {
                let rest = s.rsplit_once(") ")?.1.to_string();
                let f: Vec<&str> = rest.split_whitespace().collect();
                Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
            })
            .unwrap_or(0);
        Cpu {
            at: Instant::now(),
            busy,
            total,
            own,
        }
    }

    /// "machine X of N cores busy, this process Y cores".
    fn since(&self) -> String {
        let now = Cpu::now();
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1) as f64;
        let machine = (now.busy - self.busy) as f64 / (now.total - self.total).max(1) as f64 * cores;
        // Clock ticks are 100 a second on Linux.
        let own = (now.own - self.own) as f64 / 100.0 / self.at.elapsed().as_secs_f64().max(1e-9);
        format!("CPU: machine {machine:.2} of {cores:.0} cores busy, this process {own:.2} cores")
    }
}

// ------------------------------------------------------ statement counter

/// Counts the statements sqlx runs (its `sqlx::query` events) while
/// switched on, by verb and table, with the time each took in the driver.
mod sqlcount {
    use super::*;
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
}

// ------------------------------------------------------------ fake platform

/// A Telegram Bot API stand-in: getMe names bot 123456789, setWebhook keeps
/// the secret, sendMessage answers with increasing message ids and notes
/// when each measured message (text `m<index>`) arrived.
struct Fake {
    base: String,
    epoch: Instant,
    next_id: AtomicI64,
    sends: AtomicU64,
    /// Arrivals of texts `m<i>` (the throughput run).
    measured: AtomicU64,
    /// Arrivals of texts `p<i>` (the paced run).
    paced: AtomicU64,
    other: AtomicU64,
    /// Nanoseconds after `epoch` (+1) each `m<i>` (slot i) and `p<i>` (slot
    /// `measured_slots + i`) arrived; 0 = not yet.
    arrivals: Vec<AtomicU64>,
    measured_slots: usize,
    secret: std::sync::Mutex<Option<String>>,
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Fake {
    async fn start(measured: usize, paced: usize) -> anyhow::Result<Arc<Fake>> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let fake = Arc::new(Fake {
            base: format!("http://{addr}"),
            epoch: Instant::now(),
            next_id: AtomicI64::new(1),
            sends: AtomicU64::new(0),
            measured: AtomicU64::new(0),
            paced: AtomicU64::new(0),
            other: AtomicU64::new(0),
            arrivals: (0..measured + paced).map(|_| AtomicU64::new(0)).collect(),
            measured_slots: measured,
            secret: std::sync::Mutex::new(None),
            server: std::sync::Mutex::new(None),
        });
        let app = axum::Router::new()
            .route("/{bot}/{method}", axum::routing::post(fake_method))
            .with_state(fake.clone());
        let handle = tokio::spawn(async move {
            use axum::serve::ListenerExt;
            let listener = listener.tap_io(|tcp| {
                let _ = tcp.set_nodelay(true);
            });
            let _ = axum::serve(listener, app).await;
        });
        *fake.server.lock().unwrap_or_else(|p| p.into_inner()) = Some(handle);
        Ok(fake)
    }

    fn now_nanos(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64 + 1
    }

    fn stop(&self) {
        if let Some(h) = self.server.lock().unwrap_or_else(|p| p.into_inner()).take() {
            h.abort();
        }
    }
}

async fn fake_method(
    axum::extract::State(f): axum::extract::State<Arc<Fake>>,
    axum::extract::Path((bot, method)): axum::extract::Path<(String, String)>,
    body: axum::body::Bytes,
) -> axum::Json<Value> {
    if bot.strip_prefix("bot") != Some(BOT_TOKEN) {
        return axum::Json(json!({ "ok": false, "error_code": 401, "description": "Unauthorized" }));
    }
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    axum::Json(match method.as_str() {
        "getMe" => {
            json!({ "ok": true, "result": { "id": BOT_ID, "is_bot": true, "first_name": "Bench", "username": "bench_bot" } })
        }
        "setWebhook" => {
            *f.secret.lock().unwrap_or_else(|p| p.into_inner()) =
                v.get("secret_token").and_then(Value::as_str).map(str::to_string);
            json!({ "ok": true, "result": true, "description": "Webhook was set" })
        }
        "deleteWebhook" => json!({ "ok": true, "result": true }),
        "sendMessage" => {
            let id = f.next_id.fetch_add(1, Ordering::Relaxed);
            f.sends.fetch_add(1, Ordering::Relaxed);
            let text = v.get("text").and_then(Value::as_str).unwrap_or_default();
            let slot = |prefix: char, offset: usize, len: usize| {
                text.strip_prefix(prefix)
                    .and_then(|i| i.parse::<usize>().ok())
                    .filter(|i| *i < len)
                    .and_then(|i| f.arrivals.get(offset + i))
            };
            let paced_len = f.arrivals.len() - f.measured_slots;
            let (slot, counter) = match (slot('m', 0, f.measured_slots), slot('p', f.measured_slots, paced_len)) {
                (Some(s), _) => (Some(s), &f.measured),
                (None, Some(s)) => (Some(s), &f.paced),
                (None, None) => (None, &f.other),
            };
            match slot {
                Some(slot) => {
                    if slot
                        .compare_exchange(0, f.now_nanos(), Ordering::Relaxed, Ordering::Relaxed)
                        .is_ok()
                    {
                        counter.fetch_add(1, Ordering::Relaxed);
                    }
                }
                None => {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            json!({ "ok": true, "result": {
                "message_id": id,
                "date": now_micros() / 1_000_000,
                "chat": { "id": v.get("chat_id"), "type": "private" },
                "text": text,
            } })
        }
        _ => json!({ "ok": false, "error_code": 404, "description": "Not Found: method not found" }),
    })
}

/// The fake's raw rate: `requests` sendMessage calls from `clients` tasks
/// over keep-alive connections.
async fn fake_baseline(fake: &Fake, clients: usize, requests: usize) -> anyhow::Result<f64> {
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;
    let url = format!("{}/bot{BOT_TOKEN}/sendMessage", fake.base);
    let per = requests / clients.max(1);
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for w in 0..clients.max(1) {
        let (client, url) = (client.clone(), url.clone());
        tasks.spawn(async move {
            for i in 0..per {
                let r = client
                    .post(&url)
                    .json(&json!({ "chat_id": FIRST_CHAT + w as i64, "text": format!("b{w}-{i}") }))
                    .send()
                    .await?;
                let body: Value = r.json().await?;
                anyhow::ensure!(body["ok"] == json!(true), "the fake refused");
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    Ok((per * clients.max(1)) as f64 / started.elapsed().as_secs_f64())
}

// -------------------------------------------------------------- deliveries

/// Replies sent at a steady pace for the light-load latency.
const PACED: usize = 300;
/// Longest wait for one phase's sends; a phase cut short says so.
const PHASE_LIMIT: Duration = Duration::from_secs(30);

struct DeliveryFigures {
    backend: &'static str,
    messages: usize,
    delivered: u64,
    conversations: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
    paced: (Duration, Duration),
    write_rate: f64,
    drain_rate: f64,
    baseline: f64,
}

pub async fn deliveries(args: &BenchArgs) -> anyhow::Result<()> {
    switchboard_outbound::install_crypto_provider();
    let counting = sqlcount::install();
    let runner = switchboard_core::CoreConfig::default().job_concurrency;
    println!("machine: {}", crate::bench::machine());
    println!(
        "deliveries: {} replies per backend written through the API by {} clients to a Telegram inbox, sent to a fake Bot API on 127.0.0.1 (rate limits off), job runner at {} jobs at once",
        args.messages, args.concurrency, runner
    );
    let results = each_backend("deliveries", args, |backend, url, dir| async move {
        deliveries_backend(backend, &url, &dir, args, counting).await
    })
    .await?;
    println!();
    println!(
        "| backend | replies | chats | deliveries/s (first write -> all sent, source_id kept) | write -> platform p50 / p99 | same at 100 replies/s | API writes/s meanwhile | deliveries/s from a backlog (runner alone) | fake platform raw req/s, {runner} clients (baseline) | deliveries / baseline |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in &results {
        println!(
            "| {} | {}{} | {} | {:.0} | {:.0} ms / {:.0} ms | {:.1} ms / {:.1} ms | {:.0} | {:.0} | {:.0} | {:.3} |",
            f.backend,
            f.messages,
            if (f.delivered as usize) < f.messages {
                format!(" ({} sent within {} s)", f.delivered, PHASE_LIMIT.as_secs())
            } else {
                String::new()
            },
            f.conversations,
            f.rate,
            ms(f.p50),
            ms(f.p99),
            ms(f.paced.0),
            ms(f.paced.1),
            f.write_rate,
            f.drain_rate,
            f.baseline,
            f.rate / f.baseline
        );
    }
    Ok(())
}

/// Replies written by `clients` tasks through the API: reply `i` (text
/// `<tag><i>`) goes to `convs[i % len]`. Returns when each was written
/// (nanoseconds after the fake's epoch, indexed by `i`).
#[allow(clippy::too_many_arguments)]
async fn write_replies(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    convs: &Arc<Vec<i64>>,
    clients: usize,
    total: usize,
    tag: char,
    fake: &Arc<Fake>,
) -> anyhow::Result<Vec<u64>> {
    let clients = clients.max(1);
    let mut tasks = JoinSet::new();
    for w in 0..clients {
        let (client, base, token, convs, fake) = (
            client.clone(),
            base.to_string(),
            token.to_string(),
            convs.clone(),
            fake.clone(),
        );
        tasks.spawn(async move {
            let mut out = Vec::new();
            let mut i = w;
            while i < total {
                let conv = convs[i % convs.len()];
                let t = fake.now_nanos();
                post_reply(&client, &base, &token, conv, &format!("{tag}{i}")).await?;
                out.push((i, t));
                i += clients;
            }
            Ok::<_, anyhow::Error>(out)
        });
    }
    let mut at = vec![0u64; total];
    while let Some(r) = tasks.join_next().await {
        for (i, t) in r?? {
            at[i] = t;
        }
    }
    Ok(at)
}

async fn post_reply(client: &reqwest::Client, base: &str, token: &str, conv: i64, text: &str) -> anyhow::Result<()> {
    let r = client
        .post(format!("{base}/conversations/{conv}/messages"))
        .header("api_access_token", token)
        .json(&json!({ "content": text, "message_type": "outgoing" }))
        .send()
        .await?;
    let status = r.status();
    let _ = r.bytes().await?;
    anyhow::ensure!(status.is_success(), "POST reply failed: {status}");
    Ok(())
}

/// Waits until `counter` reaches `target` and no job is queued or running,
/// or `limit` passes. Whether it got there, and the dead jobs.
async fn wait_sent(
    store: &Arc<dyn Store>,
    counter: &AtomicU64,
    target: u64,
    limit: Duration,
) -> anyhow::Result<(bool, i64)> {
    let started = Instant::now();
    loop {
        if counter.load(Ordering::Relaxed) >= target {
            let mut tx = store.read().await?;
            let s = tx.job_stats().await?;
            drop(tx);
            if s.queued + s.running == 0 {
                return Ok((true, s.dead));
            }
        }
        if started.elapsed() >= limit {
            return Ok((false, 0));
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Outgoing replies whose text starts with `tag` and that have a source id.
async fn count_sent(url: &str, tag: char) -> anyhow::Result<i64> {
    let sql = format!(
        "SELECT COUNT(*) FROM messages WHERE message_type = 1 AND source_id IS NOT NULL AND content LIKE '{tag}%'"
    );
    if url.starts_with("postgres") {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await?)
    } else {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?;
        Ok(sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .fetch_one(&mut conn)
            .await?)
    }
}

async fn deliveries_backend(
    backend: &'static str,
    url: &str,
    dir: &std::path::Path,
    args: &BenchArgs,
    counting: bool,
) -> anyhow::Result<DeliveryFigures> {
    let clients = args.concurrency.max(1);
    let total = args.messages.max(1);
    let pg = url.starts_with("postgres");
    let fake = Fake::start(total, PACED).await?;
    let opts = Options {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(url.to_string()),
        flood_limit: Some(i64::MAX / 2),
        log: Some("warn".into()),
        database_connections: Some(16),
        storage_dir: Some(dir.join(format!("files-{backend}")).display().to_string()),
        telegram_api_url: Some(fake.base.clone()),
        channel_rate_limits: Some(false),
        ..Options::default()
    };
    let settings = Settings::resolve(opts, Options::default());
    let store = crate::open_store(&settings).await?;
    let core = crate::build_core(&settings, store.clone())?;
    let created = core
        .create_account_with_admin("Bench", "Bench", "bench@bench.test", "bench password 1")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The runner is started and stopped here, to time a backlog on its own too.
    let server = crate::start_with(&settings, core.clone(), false).await?;
    let (stop_runner, rx) = watch::channel(false);
    let runner = tokio::spawn(switchboard_core::jobs::run(core.clone(), rx));
    let root = format!("http://{}", server.addr);
    let base = format!("{root}/api/v1/accounts/{}", created.account.id);
    let token = created.access_token.clone();
    let client = reqwest::Client::builder().pool_max_idle_per_host(clients).build()?;

    let r = client
        .post(format!("{base}/inboxes"))
        .header("api_access_token", &token)
        .json(&json!({ "name": "Bench bot", "channel": { "type": "telegram", "bot_token": BOT_TOKEN } }))
        .send()
        .await?;
    anyhow::ensure!(r.status().is_success(), "creating the Telegram inbox: {}", r.status());
    let inbox: Value = r.json().await?;
    let inbox_id = inbox["id"].as_i64().context("inbox id")?;
    let secret = fake
        .secret
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .context("the fake got no setWebhook secret")?;

    // One chat per conversation, each opened by a contact's first message
    // through the Telegram webhook.
    let chats = clients * 4;
    let seeded = Instant::now();
    let mut seeds = JoinSet::new();
    for w in 0..clients {
        let (client, root, secret) = (client.clone(), root.clone(), secret.clone());
        seeds.spawn(async move {
            let mut i = w;
            while i < chats {
                let chat = FIRST_CHAT + i as i64;
                let update = json!({
                    "update_id": 1000 + i,
                    "message": {
                        "message_id": 1,
                        "date": now_micros() / 1_000_000,
                        "chat": { "id": chat, "type": "private", "first_name": format!("Customer {i}") },
                        "from": { "id": chat, "is_bot": false, "first_name": "Customer", "last_name": i.to_string(), "language_code": "en" },
                        "text": "Hello",
                    }
                });
                let r = client
                    .post(format!("{root}/webhooks/telegram/{BOT_ID}"))
                    .header("X-Telegram-Bot-Api-Secret-Token", &secret)
                    .json(&update)
                    .send()
                    .await?;
                anyhow::ensure!(r.status().is_success(), "Telegram update refused: {}", r.status());
                i += clients;
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(r) = seeds.join_next().await {
        r??;
    }
    let mut convs = Vec::with_capacity(chats);
    {
        let mut tx = store.read().await?;
        for i in 0..chats {
            let ci = tx
                .find_contact_inbox(inbox_id, &(FIRST_CHAT + i as i64).to_string())
                .await?
                .context("seeded contact")?;
            let conv = tx
                .latest_conversation(ci.id, &[])
                .await?
                .context("seeded conversation")?;
            convs.push(conv.display_id);
        }
    }
    let convs = Arc::new(convs);
    println!(
        "{backend}: {chats} chats seeded through the Telegram webhook in {:.2} s",
        seeded.elapsed().as_secs_f64()
    );

    // Warm-up: connections and caches.
    let warm = clients * 4;
    let before = fake.other.load(Ordering::Relaxed);
    write_replies(&client, &base, &token, &convs, clients, warm, 'w', &fake).await?;
    let (ok, _) = wait_sent(&store, &fake.other, before + warm as u64, PHASE_LIMIT).await?;
    anyhow::ensure!(ok, "the warm-up replies were not all sent");

    // Measured: writes and deliveries at once.
    let cpu = Cpu::now();
    let wall = Instant::now();
    let written = write_replies(&client, &base, &token, &convs, clients, total, 'm', &fake).await?;
    let write_secs = wall.elapsed().as_secs_f64();
    let (all, dead) = wait_sent(&store, &fake.measured, total as u64, PHASE_LIMIT).await?;
    let secs = wall.elapsed().as_secs_f64();
    let cpu_line = cpu.since();
    let delivered = fake.measured.load(Ordering::Relaxed);
    let mut lat: Vec<Duration> = (0..total)
        .filter_map(|i| {
            let at = fake.arrivals[i].load(Ordering::Relaxed);
            (at > 0).then(|| Duration::from_nanos(at.saturating_sub(written[i])))
        })
        .collect();
    let (p50, p99) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99));
    let rate = delivered as f64 / secs;
    let write_rate = total as f64 / write_secs;
    let recorded = count_sent(url, 'm').await?;
    println!(
        "{backend}: {delivered} of {total} replies delivered in {secs:.2} s{} = {rate:.0}/s (writes took {write_secs:.2} s = {write_rate:.0}/s); write -> platform p50 {:.1} ms, p99 {:.1} ms; {recorded} have their source_id, {dead} dead jobs, {} sendMessage calls in all; {cpu_line}",
        if all { "" } else { " (stopped waiting)" },
        ms(p50),
        ms(p99),
        fake.sends.load(Ordering::Relaxed),
    );
    let _ = stop_runner.send(true);
    let _ = runner.await;
    if all {
        anyhow::ensure!(recorded as usize == total, "not every reply has its source_id");
    } else {
        // What is left would slow every later phase: dropped (this is the
        // bench's own database).
        let mut tx = store.read().await?;
        let left = tx.job_stats().await?;
        drop(tx);
        direct(url, "DELETE FROM jobs").await?;
        println!(
            "{backend}: {} queued and {} running sends dropped to go on",
            left.queued, left.running
        );
    }
    let paced = {
        // Light load: one reply every 10 ms, runner on.
        let (stop_runner, rx) = watch::channel(false);
        let runner = tokio::spawn(switchboard_core::jobs::run(core.clone(), rx));
        let mut tick = tokio::time::interval(Duration::from_millis(10));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut at = Vec::with_capacity(PACED);
        for i in 0..PACED {
            tick.tick().await;
            at.push(fake.now_nanos());
            post_reply(&client, &base, &token, convs[i % convs.len()], &format!("p{i}")).await?;
        }
        let (ok, _) = wait_sent(&store, &fake.paced, PACED as u64, PHASE_LIMIT).await?;
        let mut lat: Vec<Duration> = (0..PACED)
            .filter_map(|i| {
                let got = fake.arrivals[total + i].load(Ordering::Relaxed);
                (got > 0).then(|| Duration::from_nanos(got.saturating_sub(at[i])))
            })
            .collect();
        let (a, b) = (pct(&mut lat, 0.5), pct(&mut lat, 0.99));
        println!(
            "{backend}: at 100 replies/s: write -> platform p50 {:.1} ms, p99 {:.1} ms ({} of {PACED} sent{})",
            ms(a),
            ms(b),
            lat.len(),
            if ok { "" } else { ", stopped waiting" }
        );
        let _ = stop_runner.send(true);
        let _ = runner.await;
        (a, b)
    };

    // A backlog with the runner alone: replies written with the runner off,
    // then the runner started and timed until the queue is empty.
    let drain_rate = {
        let backlog = total;
        let before = fake.other.load(Ordering::Relaxed);
        write_replies(&client, &base, &token, &convs, clients, backlog, 'n', &fake).await?;
        if pg {
            // Current statistics (the server may run without autovacuum).
            direct(url, "VACUUM ANALYZE jobs").await?;
        }
        let (stop_runner, rx) = watch::channel(false);
        let cpu = Cpu::now();
        let wall = Instant::now();
        let runner = tokio::spawn(switchboard_core::jobs::run(core.clone(), rx));
        let (ok, _) = wait_sent(&store, &fake.other, before + backlog as u64, PHASE_LIMIT).await?;
        let drain_secs = wall.elapsed().as_secs_f64();
        let drained = fake.other.load(Ordering::Relaxed) - before;
        let r = drained as f64 / drain_secs;
        println!(
            "{backend}: a backlog of {backlog} sends: {drained} drained by the runner alone in {drain_secs:.2} s{} = {r:.0}/s{}; {}",
            if ok { "" } else { " (stopped waiting)" },
            if pg {
                " (jobs table vacuumed and analyzed first)"
            } else {
                ""
            },
            cpu.since()
        );
        let _ = stop_runner.send(true);
        let _ = runner.await;

        // Statements: per reply written (runner off), per delivery (runner alone).
        if counting && ok {
            let n = (total / 10).clamp(200, 2000);
            let before = fake.other.load(Ordering::Relaxed);
            sqlcount::start();
            write_replies(&client, &base, &token, &convs, clients, n, 'x', &fake).await?;
            let writes = sqlcount::stop();
            let (stop_runner, rx) = watch::channel(false);
            sqlcount::start();
            let wall = Instant::now();
            let runner = tokio::spawn(switchboard_core::jobs::run(core.clone(), rx));
            wait_sent(&store, &fake.other, before + n as u64, PHASE_LIMIT).await?;
            let counted_secs = wall.elapsed().as_secs_f64();
            let sends = sqlcount::stop();
            println!(
                "{backend}: per reply written through the API: {}",
                sqlcount::describe(&writes, n, "reply")
            );
            println!(
                "{backend}: per delivery (runner alone, {n} sends, {counted_secs:.2} s with counting on): {}",
                sqlcount::describe(&sends, n, "delivery")
            );
            let _ = stop_runner.send(true);
            let _ = runner.await;
        }
        r
    };

    let baseline = fake_baseline(&fake, settings.job_concurrency, total).await?;
    println!(
        "{backend}: fake Bot API alone: {baseline:.0} sendMessage/s from {} reqwest clients",
        settings.job_concurrency
    );
    server.stop().await;
    fake.stop();
    Ok(DeliveryFigures {
        backend,
        messages: total,
        delivered,
        conversations: chats,
        rate,
        p50,
        p99,
        paced,
        write_rate,
        drain_rate,
        baseline,
    })
}

// -------------------------------------------------------------------- jobs

struct JobFigures {
    backend: &'static str,
    jobs: usize,
    cycle: f64,
    grouped: f64,
    keyed: (u64, f64, bool),
    runner: f64,
    near_noop: f64,
    baseline: f64,
    insert: f64,
}

/// Runs the production runner over `n` jobs made by `make` until all are
/// done; prints and returns jobs per second (with statement counts when
/// counting).
async fn runner_on(
    core: &Arc<switchboard_core::Core>,
    store: &Arc<dyn Store>,
    url: &str,
    n: usize,
    make: fn(usize, usize) -> NewJob,
    counting: bool,
    label: &str,
) -> anyhow::Result<f64> {
    insert_jobs(store, n, 0, make).await?;
    if url.starts_with("postgres") {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let base = core.job_counters.completed.load(Ordering::Relaxed) as usize;
    let cpu = Cpu::now();
    let started = Instant::now();
    let (stop, rx) = watch::channel(false);
    let runner = tokio::spawn(switchboard_core::jobs::run(core.clone(), rx));
    while (core.job_counters.completed.load(Ordering::Relaxed) as usize) < base + n {
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(300),
            "the runner did not finish"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    let rate = n as f64 / started.elapsed().as_secs_f64();
    let used = cpu.since();
    if counting {
        let m = (n / 10).clamp(200, 2000);
        let before = core.job_counters.completed.load(Ordering::Relaxed) as usize;
        sqlcount::start();
        insert_jobs(store, m, 0, make).await?;
        while (core.job_counters.completed.load(Ordering::Relaxed) as usize) < before + m {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let v = sqlcount::stop();
        println!(
            "{label}: {rate:.0} jobs/s; {used}; {} (the one multi-row INSERT inserted them)",
            sqlcount::describe(&v, m, "job")
        );
    } else {
        println!("{label}: {rate:.0} jobs/s; {used}");
    }
    let _ = stop.send(true);
    let _ = runner.await;
    Ok(rate)
}

pub async fn jobs(args: &BenchArgs) -> anyhow::Result<()> {
    let counting = sqlcount::install();
    let concurrency = switchboard_core::CoreConfig::default().job_concurrency;
    println!("machine: {}", crate::bench::machine());
    println!(
        "jobs: {} jobs per backend and pass, {concurrency} at once (the runner's default), nothing executed",
        args.messages
    );
    let results = each_backend("jobs", args, |backend, url, dir| async move {
        jobs_backend(backend, &url, &dir, args, counting).await
    })
    .await?;
    println!();
    println!(
        "| backend | jobs | claim -> complete jobs/s (runner's loop, no-op) | runner on no-op jobs/s | runner on near-no-op jobs/s | same cycle over 128 queue keys | completions grouped (what-if) | insert + delete tx/s (baseline) | cycle / baseline | multi-row insert jobs/s |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for f in &results {
        let (done, rate, capped) = f.keyed;
        println!(
            "| {} | {} | {:.0} | {:.0} | {:.0} | {:.0}{} | {:.0} | {:.0} | {:.2} | {:.0} |",
            f.backend,
            f.jobs,
            f.cycle,
            f.runner,
            f.near_noop,
            rate,
            if capped {
                format!(" ({done} done when stopped)")
            } else {
                String::new()
            },
            f.grouped,
            f.baseline,
            f.cycle / f.baseline,
            f.insert
        );
    }
    Ok(())
}

fn noop_job(i: usize, keys: usize) -> NewJob {
    NewJob {
        kind: <switchboard_core::jobs::Noop as switchboard_core::job::BackgroundJob>::KIND.into(),
        payload: json!({ "n": i }),
        run_at: now_micros(),
        max_attempts: 25,
        deadline_at: None,
        unique_key: None,
        queue_key: (keys > 0).then(|| format!("bench:{}", i % keys)),
    }
}

/// Inserts `n` jobs in multi-row statements of 1,000, one transaction each.
async fn insert_jobs(
    store: &Arc<dyn Store>,
    n: usize,
    keys: usize,
    make: fn(usize, usize) -> NewJob,
) -> anyhow::Result<f64> {
    let started = Instant::now();
    let mut i = 0;
    while i < n {
        let chunk: Vec<NewJob> = (i..(i + 1000).min(n)).map(|j| make(j, keys)).collect();
        let mut tx = store.write().await?;
        tx.insert_jobs(&chunk, now_micros()).await?;
        tx.commit().await?;
        i += chunk.len();
    }
    Ok(n as f64 / started.elapsed().as_secs_f64())
}

/// Runs `sql` on the bench's own database, beside the store.
async fn direct(url: &str, sql: &str) -> anyhow::Result<()> {
    if url.starts_with("postgres") {
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await?;
    } else {
        let mut conn = <sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?;
        sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&mut conn)
            .await?;
    }
    Ok(())
}

#[derive(Default)]
struct Cycle {
    done: u64,
    secs: f64,
    claims: u64,
    claimed: u64,
    claim_time: Duration,
    commits: u64,
    acquire_time: Duration,
    complete_time: Duration,
}

impl Cycle {
    fn rate(&self) -> f64 {
        self.done as f64 / self.secs.max(1e-9)
    }

    fn describe(&self) -> String {
        let n = self.done.max(1) as f64;
        format!(
            "{} claims of {:.1} jobs on average, {:.2} ms each ({:.0}% of the run waiting on claims); {} completing transactions ({:.1} jobs each), per job: write connection + BEGIN {:.3} ms, DELETE + COMMIT {:.3} ms",
            self.claims,
            self.claimed as f64 / self.claims.max(1) as f64,
            ms(self.claim_time) / self.claims.max(1) as f64,
            self.claim_time.as_secs_f64() / self.secs.max(1e-9) * 100.0,
            self.commits,
            n / self.commits.max(1) as f64,
            ms(self.acquire_time) / n,
            ms(self.complete_time) / n,
        )
    }
}

/// The runner's loop with nothing executed: claim up to the free permits
/// (one statement), hand each claimed job to a task holding a permit, go
/// again at once when the claim filled every free permit, else wait for a
/// finished job. Each job is completed as the runner does it, in its own
/// write transaction (DELETE + COMMIT); or, with `grouped`, by one
/// completer that deletes every finished job waiting in one transaction.
/// Stops claiming after `limit`.
async fn claim_complete(
    store: &Arc<dyn Store>,
    n: usize,
    concurrency: usize,
    grouped: bool,
    limit: Duration,
) -> anyhow::Result<Cycle> {
    let lease = Duration::from_secs(60).as_micros() as i64;
    let sem = Arc::new(Semaphore::new(concurrency));
    let wake = Arc::new(Notify::new());
    let done = Arc::new(AtomicU64::new(0));
    let commits = Arc::new(AtomicU64::new(0));
    let acquire_ns = Arc::new(AtomicU64::new(0));
    let complete_ns = Arc::new(AtomicU64::new(0));
    let (finished, mut finished_rx) =
        tokio::sync::mpsc::unbounded_channel::<(i64, tokio::sync::OwnedSemaphorePermit)>();
    let completer = {
        let (store, wake, done, commits, acquire_ns, complete_ns) = (
            store.clone(),
            wake.clone(),
            done.clone(),
            commits.clone(),
            acquire_ns.clone(),
            complete_ns.clone(),
        );
        tokio::spawn(async move {
            let mut batch = Vec::new();
            while let Some(first) = finished_rx.recv().await {
                batch.push(first);
                while batch.len() < 512 {
                    match finished_rx.try_recv() {
                        Ok(x) => batch.push(x),
                        Err(_) => break,
                    }
                }
                let t = Instant::now();
                let mut tx = store.write().await?;
                let t2 = Instant::now();
                for (id, _) in &batch {
                    tx.complete_job(*id).await?;
                }
                tx.commit().await?;
                acquire_ns.fetch_add((t2 - t).as_nanos() as u64, Ordering::Relaxed);
                complete_ns.fetch_add(t2.elapsed().as_nanos() as u64, Ordering::Relaxed);
                commits.fetch_add(1, Ordering::Relaxed);
                done.fetch_add(batch.len() as u64, Ordering::Relaxed);
                batch.clear();
                wake.notify_one();
            }
            Ok::<(), anyhow::Error>(())
        })
    };
    let mut running = JoinSet::new();
    let mut c = Cycle::default();
    let started = Instant::now();
    while (done.load(Ordering::Relaxed) as usize) < n && started.elapsed() < limit {
        while let Some(r) = running.try_join_next() {
            r??;
        }
        let free = sem.available_permits();
        let mut claimed = 0;
        if free > 0 {
            let t = Instant::now();
            let jobs = store.claim_jobs(now_micros(), free as i64, lease).await?;
            c.claim_time += t.elapsed();
            c.claims += 1;
            claimed = jobs.len();
            c.claimed += claimed as u64;
            for job in jobs {
                let permit = sem.clone().acquire_owned().await?;
                let (store, wake, done, commits, acquire_ns, complete_ns, finished) = (
                    store.clone(),
                    wake.clone(),
                    done.clone(),
                    commits.clone(),
                    acquire_ns.clone(),
                    complete_ns.clone(),
                    finished.clone(),
                );
                running.spawn(async move {
                    // (the job would run here)
                    if grouped {
                        let _ = finished.send((job.id, permit));
                        return Ok(());
                    }
                    let t = Instant::now();
                    let mut tx = store.write().await?;
                    let t2 = Instant::now();
                    tx.complete_job(job.id).await?;
                    tx.commit().await?;
                    acquire_ns.fetch_add((t2 - t).as_nanos() as u64, Ordering::Relaxed);
                    complete_ns.fetch_add(t2.elapsed().as_nanos() as u64, Ordering::Relaxed);
                    commits.fetch_add(1, Ordering::Relaxed);
                    done.fetch_add(1, Ordering::Relaxed);
                    drop(permit);
                    wake.notify_one();
                    Ok::<(), anyhow::Error>(())
                });
            }
        }
        if claimed > 0 && claimed == free {
            continue;
        }
        tokio::select! {
            _ = wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_millis(500)) => {}
        }
    }
    while let Some(r) = running.join_next().await {
        r??;
    }
    drop(finished);
    completer.await??;
    c.secs = started.elapsed().as_secs_f64();
    c.done = done.load(Ordering::Relaxed);
    c.commits = commits.load(Ordering::Relaxed);
    c.acquire_time = Duration::from_nanos(acquire_ns.load(Ordering::Relaxed));
    c.complete_time = Duration::from_nanos(complete_ns.load(Ordering::Relaxed));
    Ok(c)
}

/// One claim of up to 16 with `depth` jobs queued (the faster of two). On
/// PostgreSQL the empty table is vacuumed and analyzed first (an idle queue
/// as autovacuum leaves it), and with `analyze` analyzed again once filled.
async fn claim_probe(
    store: &Arc<dyn Store>,
    url: &str,
    depth: usize,
    keys: usize,
    analyze: bool,
) -> anyhow::Result<(Duration, Duration)> {
    let pg = url.starts_with("postgres");
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    insert_jobs(store, depth, keys, noop_job).await?;
    if pg && analyze {
        direct(url, "ANALYZE jobs").await?;
    }
    let lease = Duration::from_secs(60).as_micros() as i64;
    let mut best = Duration::MAX;
    for _ in 0..2 {
        let t = Instant::now();
        let got = store.claim_jobs(now_micros(), 16, lease).await?;
        best = best.min(t.elapsed());
        anyhow::ensure!(!got.is_empty(), "nothing claimed");
    }
    // What-if: the same claim without the expired-lease arm, so the due
    // jobs are read in the order of the `(state, run_at)` index and the
    // scan stops at the limit (expired leases would be a second query).
    let sql = format!(
        "UPDATE jobs SET state = 1, locked_until = $2, attempts = attempts + 1, updated_at = $1 WHERE id IN (\
         SELECT id FROM jobs j WHERE state = 0 AND run_at <= $1 \
         AND (queue_key IS NULL OR NOT EXISTS (SELECT 1 FROM jobs p WHERE p.queue_key = j.queue_key \
         AND p.id < j.id AND p.state IN (0, 1))) ORDER BY run_at LIMIT 16{}) RETURNING id",
        if pg { " FOR UPDATE SKIP LOCKED" } else { "" }
    );
    let mut alt = Duration::MAX;
    // One connection for both tries: the second runs a prepared statement,
    // as the store's own connections do.
    let mut pg_conn = None;
    let mut lite_conn = None;
    if pg {
        pg_conn = Some(<sqlx::PgConnection as sqlx::Connection>::connect(url).await?);
    } else {
        lite_conn = Some(<sqlx::SqliteConnection as sqlx::Connection>::connect(url).await?);
    }
    for _ in 0..2 {
        let now = now_micros();
        let t = Instant::now();
        let got: Vec<i64> = if let Some(c) = pg_conn.as_mut() {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(now + lease)
                .fetch_all(c)
                .await?
        } else if let Some(c) = lite_conn.as_mut() {
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
                .bind(now)
                .bind(now + lease)
                .fetch_all(c)
                .await?
        } else {
            Vec::new()
        };
        alt = alt.min(t.elapsed());
        anyhow::ensure!(!got.is_empty(), "nothing claimed (what-if)");
    }
    drop((pg_conn, lite_conn));
    direct(url, "DELETE FROM jobs").await?;
    Ok((best, alt))
}

async fn jobs_backend(
    backend: &'static str,
    url: &str,
    dir: &std::path::Path,
    args: &BenchArgs,
    counting: bool,
) -> anyhow::Result<JobFigures> {
    let n = args.messages.max(1);
    let pg = url.starts_with("postgres");
    let opts = Options {
        database_url: Some(url.to_string()),
        log: Some("warn".into()),
        database_connections: Some(16),
        storage_dir: Some(dir.join(format!("files-{backend}")).display().to_string()),
        ..Options::default()
    };
    let settings = Settings::resolve(opts, Options::default());
    let concurrency = settings.job_concurrency;
    let store = crate::open_store(&settings).await?;
    let forever = Duration::from_secs(3600);

    // 1. What one claim costs with a queue behind it. On PostgreSQL first
    //    with the statistics of the empty table (an idle queue hit by a
    //    burst), then after ANALYZE of the filled one.
    let mut probes = Vec::new();
    for analyze in if pg { vec![false, true] } else { vec![false] } {
        for depth in [1_000usize, 10_000] {
            for keys in [0usize, 128] {
                let (d, alt) = claim_probe(&store, url, depth, keys, analyze).await?;
                probes.push(format!(
                    "{depth} queued{}{}: {:.2} ms (index-ordered what-if {:.2} ms)",
                    if keys > 0 { " over 128 keys" } else { "" },
                    if analyze { " (analyzed)" } else { "" },
                    ms(d),
                    ms(alt)
                ));
            }
        }
    }
    println!("{backend}: one claim of 16 with ... {}", probes.join("; "));
    // On PostgreSQL the passes below start on a vacuumed table with current
    // statistics (the test server may run without autovacuum).

    // 2. The runner's claim -> complete cycle, no queue key.
    let insert = insert_jobs(&store, n, 0, noop_job).await?;
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let cpu = Cpu::now();
    let cycle = claim_complete(&store, n, concurrency, false, forever).await?;
    println!(
        "{backend}: claim -> complete, {n} jobs, one transaction per job (as the runner): {:.0} jobs/s; {}; {}",
        cycle.rate(),
        cycle.describe(),
        cpu.since()
    );
    if counting {
        let m = (n / 10).clamp(200, 2000);
        insert_jobs(&store, m, 0, noop_job).await?;
        sqlcount::start();
        claim_complete(&store, m, concurrency, false, forever).await?;
        let v = sqlcount::stop();
        println!("{backend}: claim -> complete: {}", sqlcount::describe(&v, m, "job"));
    }

    // 3. What-if: the same with completions grouped into one transaction.
    insert_jobs(&store, n, 0, noop_job).await?;
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let cpu = Cpu::now();
    let grouped = claim_complete(&store, n, concurrency, true, forever).await?;
    println!(
        "{backend}: claim -> complete, {n} jobs, finished jobs deleted together (what-if): {:.0} jobs/s; {}; {}",
        grouped.rate(),
        grouped.describe(),
        cpu.since()
    );

    // 4. Queue keys, as channel sends carry them (128 chats); stopped after 20 s.
    insert_jobs(&store, n, 128, noop_job).await?;
    if pg {
        direct(url, "VACUUM ANALYZE jobs").await?;
    }
    let cpu = Cpu::now();
    let keyed = claim_complete(&store, n, concurrency, false, Duration::from_secs(20)).await?;
    let capped = (keyed.done as usize) < n;
    println!(
        "{backend}: claim -> complete, {n} jobs over 128 queue keys: {} done in {:.2} s = {:.0} jobs/s{}; {}; {}",
        keyed.done,
        keyed.secs,
        keyed.rate(),
        if capped { " (stopped at 20 s)" } else { "" },
        keyed.describe(),
        cpu.since()
    );
    direct(url, "DELETE FROM jobs").await?;

    // 5. The runner itself: on `noop` jobs (claimed, run, deleted: the
    //    runner's own cost), then on `deliver` jobs whose delivery does not
    //    exist (each also runs a read transaction, one SELECT by key).
    let core = crate::build_core(&settings, store.clone())?;
    let deliver = |i: usize, _: usize| NewJob {
        kind: "deliver".into(),
        payload: json!({ "delivery_id": -(i as i64) - 1 }),
        run_at: now_micros(),
        max_attempts: 25,
        deadline_at: None,
        unique_key: None,
        queue_key: None,
    };
    let runner_rate = runner_on(
        &core,
        &store,
        url,
        n,
        noop_job,
        counting,
        &format!("{backend}: runner on `noop` jobs"),
    )
    .await?;
    let near_noop = runner_on(
        &core,
        &store,
        url,
        n,
        deliver,
        counting,
        &format!("{backend}: runner on `deliver` jobs without a delivery row"),
    )
    .await?;

    // 6. Baseline: one-row insert + delete transactions, same concurrency.
    let per = n / concurrency.max(1);
    let cpu = Cpu::now();
    let started = Instant::now();
    let mut tasks = JoinSet::new();
    for w in 0..concurrency.max(1) {
        let store = store.clone();
        tasks.spawn(async move {
            for i in 0..per {
                let mut tx = store.write().await?;
                let id = tx
                    .insert_job(&noop_job(w * per + i, 0), now_micros())
                    .await?
                    .context("inserted job")?;
                tx.complete_job(id).await?;
                tx.commit().await?;
            }
            Ok::<(), anyhow::Error>(())
        });
    }
    while let Some(r) = tasks.join_next().await {
        r??;
    }
    let baseline = (per * concurrency.max(1)) as f64 / started.elapsed().as_secs_f64();
    let mut tx = store.read().await?;
    let left = tx.job_stats().await?;
    drop(tx);
    println!(
        "{backend}: baseline {baseline:.0} insert + delete transactions/s ({concurrency} at once); {}; jobs left: {} queued, {} running, {} dead",
        cpu.since(),
        left.queued,
        left.running,
        left.dead
    );
    store.close().await;
    Ok(JobFigures {
        backend,
        jobs: n,
        cycle: cycle.rate(),
        grouped: grouped.rate(),
        keyed: (keyed.done, keyed.rate(), capped),
        runner: runner_rate,
        near_noop,
        baseline,
        insert,
    })
}
