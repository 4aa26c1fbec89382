//! `switchboard bench`: figures for BENCHMARKS.md. Each figure is printed
//! beside a baseline measured in the same run on the same machine, because
//! shared machines drift.
//!
//! `ingest`: incoming messages posted through the Application API
//! (`POST .../conversations/{id}/messages`, `message_type: incoming`, a
//! unique `source_id` each) to an API inbox whose webhook_url makes every
//! message also queue a delivery job, by `--concurrency` clients over
//! keep-alive connections. The baseline is the raw rate of one-row insert
//! transactions into the same `messages` table, through the same store.
//!
//! `deliveries` (channel sends to a fake Telegram Bot API) and `jobs` (the
//! job queue's claim -> complete cycle) are in `channels/`, `realtime` (the
//! binary serving idle sockets and a burst of events) in `realtime.rs`,
//! `routing` (assignments per second, opened -> assigned) in `routing.rs`,
//! `sla` in `sla.rs`, `scale` (lists, counts, contacts and search over a
//! seeded history of a given size) in `scale.rs`.

mod channels;
mod realtime;
mod routing;
mod scale;
mod sla;

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};
use switchboard_app::config::{Options, Settings};
use switchboard_domain::{ContentType, MessageStatus, MessageType};
use switchboard_store::NewMessage;

/// `switchboard bench`'s arguments.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// What to measure: `ingest`, `realtime`, `deliveries` (outgoing messages to a fake
    /// Telegram), `jobs` (the job queue's claim and complete cycle), `routing`
    /// (assignments per second, and how long a new conversation waits for an agent)
    /// `sla` (how late SLA misses are recorded when many clocks run out together)
    /// or `scale` (the daily screens and searches over a seeded history).
    pub what: String,
    /// Messages to send per backend.
    #[arg(long, default_value_t = 20_000)]
    pub messages: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 32)]
    pub concurrency: usize,
    /// Idle WebSocket connections to open (realtime).
    #[arg(long, default_value_t = 10_000)]
    pub sockets: usize,
    /// Agents to route to (routing).
    #[arg(long, default_value_t = 100)]
    pub agents: usize,
    /// The first-reply threshold the conversations are held to (sla), seconds.
    #[arg(long, default_value_t = 20)]
    pub sla_seconds: i64,
    /// History sizes to seed, in conversations, comma-separated (scale).
    #[arg(long, default_value = "10000,100000")]
    pub sizes: String,
    /// Messages per seeded conversation (scale).
    #[arg(long, default_value_t = 5)]
    pub per_conversation: usize,
    /// Sequential requests per endpoint (scale).
    #[arg(long, default_value_t = 100)]
    pub requests: usize,
    /// PostgreSQL to measure beside SQLite (skipped when absent).
    #[arg(long, env = "SWITCHBOARD_BENCH_POSTGRES_URL")]
    pub postgres_url: Option<String>,
}

/// Runs the benchmark `args.what` and prints its figures.
pub async fn run(args: BenchArgs) -> anyhow::Result<()> {
    match args.what.as_str() {
        "ingest" => ingest(&args).await,
        "realtime" => realtime::run(&args).await,
        "deliveries" => channels::deliveries(&args).await,
        "jobs" => channels::jobs(&args).await,
        "routing" => routing::run(&args).await,
        "sla" => sla::run(&args).await,
        "scale" => scale::run(&args).await,
        other => {
            anyhow::bail!(
                "unknown benchmark {other:?} (available: ingest, realtime, deliveries, jobs, routing, sla, scale)"
            )
        }
    }
}

struct Figures {
    backend: &'static str,
    messages: usize,
    rate: f64,
    p50: Duration,
    p99: Duration,
    baseline_rate: f64,
}

pub fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .next()
                .map(|l| l.split_whitespace().nth(1).unwrap_or("0").to_string())
        })
        .and_then(|kb| kb.parse::<u64>().ok())
        .map(|kb| format!("{:.1} GiB", kb as f64 / 1024.0 / 1024.0))
        .unwrap_or_else(|| "unknown".into());
    format!(
        "{cpu}, {cores} cores, {mem} RAM, {} {}",
        std::env::consts::OS,
        std::env::consts::ARCH
    )
}

async fn ingest(args: &BenchArgs) -> anyhow::Result<()> {
    switchboard_outbound::install_crypto_provider();
    println!("machine: {}", machine());
    println!(
        "ingest: {} incoming messages per backend, {} concurrent clients, each message stored + evented + a delivery job queued",
        args.messages, args.concurrency
    );
    let mut results = Vec::new();
    let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let sqlite_url = format!("sqlite://{}/bench.db", dir.display());
    results.push(ingest_backend("sqlite", &sqlite_url, args).await?);
    match &args.postgres_url {
        Some(base) => {
            let url = fresh_pg_schema(base).await?;
            results.push(ingest_backend("postgres", &url, args).await?);
        }
        None => println!("postgres: skipped (set --postgres-url or SWITCHBOARD_BENCH_POSTGRES_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!();
    println!("| backend | messages | msg/s via API | p50 | p99 | raw insert tx/s (baseline) | API / baseline |");
    println!("|---|---|---|---|---|---|---|");
    for f in &results {
        println!(
            "| {} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.0} | {:.2} |",
            f.backend,
            f.messages,
            f.rate,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.baseline_rate,
            f.rate / f.baseline_rate
        );
    }
    Ok(())
}

pub(crate) async fn fresh_pg_schema(base: &str) -> anyhow::Result<String> {
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(base)
        .await
        .context("connecting to PostgreSQL")?;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut conn)
        .await?;
    let sep = if base.contains('?') { '&' } else { '?' };
    Ok(format!("{base}{sep}options=-c%20search_path%3D{schema}"))
}

async fn ingest_backend(backend: &'static str, url: &str, args: &BenchArgs) -> anyhow::Result<Figures> {
    let opts = Options {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(url.to_string()),
        flood_limit: Some(i64::MAX / 2),
        log: Some("warn".into()),
        database_connections: Some(16),
        ..Options::default()
    };
    let settings = Settings::resolve(opts, Options::default());
    let store = switchboard_app::open_store(&settings).await?;
    let core = switchboard_app::build_core(&settings, store.clone())?;
    let created = core
        .create_account_with_admin("Bench", "Bench", "bench@bench.test", "bench password 1")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let server = switchboard_app::start_with(&settings, core.clone(), false).await?;
    let base = format!("http://{}/api/v1/accounts/{}", server.addr, created.account.id);
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.concurrency)
        .build()?;
    let token = created.access_token.clone();
    let post = |path: String, body: Value| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let r = client
                .post(path)
                .header("api_access_token", token)
                .json(&body)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "setup request failed: {}", r.status());
            Ok::<Value, anyhow::Error>(r.json().await?)
        }
    };
    // The webhook target is never called: the job runner is off while measuring.
    let inbox = post(
        format!("{base}/inboxes"),
        json!({ "name": "Bench", "channel": { "type": "api", "webhook_url": "https://hooks.invalid/bench" } }),
    )
    .await?;
    let conversations = args.concurrency.max(1) * 4;
    let mut conv_ids = Vec::with_capacity(conversations);
    for i in 0..conversations {
        let c = post(
            format!("{base}/contacts"),
            json!({ "name": format!("Customer {i}"), "inbox_id": inbox["id"] }),
        )
        .await?;
        let conv = post(
            format!("{base}/conversations"),
            json!({ "inbox_id": inbox["id"], "contact_id": c["payload"]["contact"]["id"] }),
        )
        .await?;
        conv_ids.push((conv["id"].as_i64().unwrap_or(0), 0i64));
    }
    let internal_ids: Vec<(i64, i64)> = {
        let mut tx = store.read().await?;
        let mut v = Vec::new();
        for (display, _) in &conv_ids {
            if let Some(c) = tx.get_conversation(created.account.id, *display).await? {
                v.push((c.id, c.inbox_id));
            }
        }
        v
    };

    // Warm-up, then the measured run.
    run_clients(
        &client,
        &base,
        &token,
        &conv_ids,
        args.concurrency,
        args.concurrency * 10,
        "warm",
    )
    .await?;
    let started = Instant::now();
    let mut lat = run_clients(&client, &base, &token, &conv_ids, args.concurrency, args.messages, "m").await?;
    let elapsed = started.elapsed();
    lat.sort();
    let pct = |p: f64| {
        lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let rate = args.messages as f64 / elapsed.as_secs_f64();

    // Baseline: one-row insert transactions into messages, same concurrency.
    let account_id = created.account.id;
    let per = args.messages / args.concurrency.max(1);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..args.concurrency.max(1) {
        let store = store.clone();
        let (conv, inbox_id) = internal_ids[w % internal_ids.len()];
        tasks.push(tokio::spawn(async move {
            for i in 0..per {
                let mut tx = store.write().await?;
                tx.insert_message(&NewMessage {
                    account_id,
                    inbox_id,
                    conversation_id: conv,
                    message_type: MessageType::Incoming,
                    content: Some(format!("baseline {w}-{i}")),
                    content_type: ContentType::Text,
                    content_attributes: json!({}),
                    additional_attributes: json!({}),
                    private: false,
                    status: MessageStatus::Sent,
                    source_id: Some(format!("b-{w}-{i}")),
                    echo_id: None,
                    sender_type: None,
                    sender_id: None,
                    created_at: switchboard_domain::time::now_micros(),
                })
                .await?;
                tx.commit().await?;
            }
            Ok::<(), anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    let baseline_rate = (per * args.concurrency.max(1)) as f64 / started.elapsed().as_secs_f64();
    let queued = store.read().await?.job_stats().await?.queued;
    println!(
        "{backend}: {rate:.0} msg/s, p50 {:.2} ms, p99 {:.2} ms, baseline {baseline_rate:.0} tx/s, {queued} delivery jobs queued",
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
    server.stop().await;
    Ok(Figures {
        backend,
        messages: args.messages,
        rate,
        p50: pct(0.50),
        p99: pct(0.99),
        baseline_rate,
    })
}

/// `total` messages from `clients` tasks; returns each request's latency.
async fn run_clients(
    client: &reqwest::Client,
    base: &str,
    token: &str,
    convs: &[(i64, i64)],
    clients: usize,
    total: usize,
    tag: &str,
) -> anyhow::Result<Vec<Duration>> {
    let clients = clients.max(1);
    let per = total / clients;
    let convs = Arc::new(convs.to_vec());
    let mut tasks = Vec::new();
    for w in 0..clients {
        let client = client.clone();
        let base = base.to_string();
        let token = token.to_string();
        let convs = convs.clone();
        let tag = tag.to_string();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::with_capacity(per);
            for i in 0..per {
                let (conv, _) = convs[(w + i * clients) % convs.len()];
                let body = json!({ "content": format!("Message {i} from client {w}"), "message_type": "incoming", "source_id": format!("{tag}-{w}-{i}") });
                let t = Instant::now();
                let r = client
                    .post(format!("{base}/conversations/{conv}/messages"))
                    .header("api_access_token", &token)
                    .json(&body)
                    .send()
                    .await?;
                let status = r.status();
                let _ = r.bytes().await?;
                anyhow::ensure!(status.is_success(), "POST message failed: {status}");
                lat.push(t.elapsed());
            }
            Ok::<Vec<Duration>, anyhow::Error>(lat)
        }));
    }
    let mut all = Vec::with_capacity(total);
    for t in tasks {
        all.extend(t.await??);
    }
    Ok(all)
}

/// A server on a fresh database with one account, its administrator's
/// token and a client: what every benchmark that drives the API starts
/// from.
pub(crate) struct Harness {
    pub core: Arc<switchboard_core::Core>,
    pub server: switchboard_app::Server,
    /// The account's API base: `http://addr/api/v1/accounts/{id}`.
    pub base: String,
    pub account: i64,
    pub token: String,
    pub client: reqwest::Client,
}

impl Harness {
    /// Starts the binary's server on `url` with `tweak` applied to the
    /// options (jobs run).
    pub async fn start(url: &str, tweak: impl FnOnce(&mut Options)) -> anyhow::Result<Harness> {
        let mut opts = Options {
            listen: Some("127.0.0.1:0".into()),
            database_url: Some(url.to_string()),
            log: Some("warn".into()),
            database_connections: Some(16),
            ..Options::default()
        };
        tweak(&mut opts);
        let settings = Settings::resolve(opts, Options::default());
        let store = switchboard_app::open_store(&settings).await?;
        let core = switchboard_app::build_core(&settings, store)?;
        let created = core
            .create_account_with_admin("Bench", "Bench", "bench@bench.test", "bench password 1")
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let server = switchboard_app::start_with(&settings, core.clone(), true).await?;
        let account = created.account.id;
        Ok(Harness {
            core,
            base: format!("http://{}/api/v1/accounts/{account}", server.addr),
            server,
            account,
            token: created.access_token.clone(),
            client: reqwest::Client::new(),
        })
    }

    /// A request to `path` under the account's base as the administrator;
    /// an error unless it succeeds.
    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut r = self
            .client
            .request(method, format!("{}{path}", self.base))
            .header("api_access_token", &self.token);
        if let Some(b) = body {
            r = r.json(&b);
        }
        let r = r.send().await?;
        anyhow::ensure!(r.status().is_success(), "{path}: {}", r.status());
        Ok(r.json().await.unwrap_or(Value::Null))
    }
}

/// The `p` quantile (0..1) of sorted durations.
pub(crate) fn quantile_of(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 * p) as usize).min(sorted.len().saturating_sub(1));
    sorted.get(i).copied().unwrap_or_default()
}
