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

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use switchboard_domain::time::now_micros;
use switchboard_store::Store;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::fake::{BOT_ID, BOT_TOKEN, FIRST_CHAT, Fake, fake_baseline};
use super::sqlcount;
use super::{Cpu, direct, each_backend, ms, pct};
use crate::BenchArgs;
use switchboard_app::config::{Options, Settings};

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
    println!("machine: {}", crate::machine());
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
    let store = switchboard_app::open_store(&settings).await?;
    let core = switchboard_app::build_core(&settings, store.clone())?;
    let created = core
        .create_account_with_admin("Bench", "Bench", "bench@bench.test", "bench password 1")
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // The runner is started and stopped here, to time a backlog on its own too.
    let server = switchboard_app::start_with(&settings, core.clone(), false).await?;
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
