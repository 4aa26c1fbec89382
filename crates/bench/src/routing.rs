//! `switchboard bench routing`: how fast routing gives waiting
//! conversations to agents, and how long a new conversation waits for one.
//!
//! Per backend: one API inbox, `--agents` agents (members, online, never
//! going offline automatically). First a backlog: `--messages`
//! conversations are opened while the inbox's auto-assignment is off, then
//! it is turned on and the time until all are assigned gives assignments
//! per second (each is its own transaction: the lock, the count, the
//! conversation change with its activity line and events). The baseline is
//! the same number of manual assignments through the API
//! (`POST .../assignments`, one at a time, as routing makes them). Then
//! the latency: conversations opened one at a time, 20 a second; from the
//! request that opens one to its `assignee.changed` event (routing
//! listener job, then a routing pass), p50 and p99. Last, capacity
//! freeing: every agent full and 100 conversations waiting, then one
//! agent's conversation resolved at a time; from the resolve request to a
//! waiting conversation's `assignee.changed`, p50 and p99.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use switchboard_app::config::{Options, Settings};
use switchboard_domain::EventKind;
use switchboard_store::NewUser;

use crate::{BenchArgs, fresh_pg_schema, machine};

struct Figures {
    backend: &'static str,
    assigned: usize,
    rate: f64,
    baseline: f64,
    p50: Duration,
    p99: Duration,
    samples: usize,
    /// Capacity freed (a resolve) -> the waiting conversation assigned.
    freed_p50: Duration,
    freed_p99: Duration,
    freed_samples: usize,
}

/// The `p` quantile of sorted `waits`.
fn quantile(waits: &[Duration], p: f64) -> Duration {
    waits
        .get(((waits.len() as f64 * p) as usize).min(waits.len().saturating_sub(1)))
        .copied()
        .unwrap_or_default()
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    switchboard_outbound::install_crypto_provider();
    println!("machine: {}", machine());
    println!(
        "routing: {} conversations waiting, {} agents (online, present, capacity {} each), then one at a time at 20/s",
        args.messages,
        args.agents,
        args.messages.div_ceil(args.agents.max(1))
    );
    let dir = std::env::temp_dir().join(format!("switchboard-bench-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut results = vec![backend("sqlite", &format!("sqlite://{}/bench.db", dir.display()), args).await?];
    match &args.postgres_url {
        Some(base) => results.push(backend("postgres", &fresh_pg_schema(base).await?, args).await?),
        None => println!("postgres: skipped (set --postgres-url or SWITCHBOARD_BENCH_POSTGRES_URL)"),
    }
    let _ = std::fs::remove_dir_all(&dir);
    println!();
    println!(
        "| backend | agents | backlog assigned | assignments/s by routing | manual assignments/s via API (baseline) | routing / baseline | opened -> assigned p50 / p99 (n) | capacity freed -> assigned p50 / p99 (n) |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    for f in &results {
        println!(
            "| {} | {} | {} | {:.0} | {:.0} | {:.2} | {:.1} ms / {:.1} ms ({}) | {:.1} ms / {:.1} ms ({}) |",
            f.backend,
            args.agents,
            f.assigned,
            f.rate,
            f.baseline,
            f.rate / f.baseline,
            f.p50.as_secs_f64() * 1e3,
            f.p99.as_secs_f64() * 1e3,
            f.samples,
            f.freed_p50.as_secs_f64() * 1e3,
            f.freed_p99.as_secs_f64() * 1e3,
            f.freed_samples
        );
    }
    Ok(())
}

async fn backend(name: &'static str, url: &str, args: &BenchArgs) -> anyhow::Result<Figures> {
    let opts = Options {
        listen: Some("127.0.0.1:0".into()),
        database_url: Some(url.to_string()),
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
    let account = created.account.id;
    let server = switchboard_app::start_with(&settings, core.clone(), true).await?;
    let base = format!("http://{}/api/v1/accounts/{account}", server.addr);
    let client = reqwest::Client::new();
    let token = created.access_token.clone();
    let call = |method: reqwest::Method, path: String, body: Value| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let r = client
                .request(method, path)
                .header("api_access_token", token)
                .json(&body)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "request failed: {}", r.status());
            Ok::<Value, anyhow::Error>(r.json().await.unwrap_or(Value::Null))
        }
    };
    let inbox = call(
        reqwest::Method::POST,
        format!("{base}/inboxes"),
        json!({ "name": "Bench", "channel": { "type": "api" }, "enable_auto_assignment": false }),
    )
    .await?["id"]
        .as_i64()
        .unwrap_or(0);
    call(
        reqwest::Method::PATCH,
        format!("{base}/inboxes/{inbox}"),
        json!({ "enable_auto_assignment": false }),
    )
    .await?;
    // The agents, written straight to the store (invitations would only
    // add set-up time): members, online, present without a dashboard.
    let capacity = args.messages.div_ceil(args.agents.max(1)) as i32;
    let mut agents = Vec::new();
    {
        let mut tx = store.write().await?;
        let now = switchboard_domain::time::now_micros();
        for i in 0..args.agents {
            let u = tx
                .insert_user(
                    &NewUser {
                        name: format!("Agent {i}"),
                        display_name: None,
                        email: format!("agent{i}@bench.test"),
                        password_hash: "-".into(),
                        pubsub_token: uuid::Uuid::new_v4().to_string(),
                        confirmed: true,
                    },
                    now,
                )
                .await?;
            let mut au = tx.upsert_account_user(account, u.id, 0, now).await?;
            au.availability = 0;
            au.auto_offline = false;
            tx.update_account_user(&au).await?;
            tx.set_agent_capacity(account, u.id, Some(capacity)).await?;
            agents.push(u.id);
        }
        tx.add_inbox_members(inbox, &agents, now).await?;
        tx.commit().await?;
    }
    core.auth_cache.clear();

    let open = |i: usize| {
        let base = base.clone();
        async move {
            let c = call(
                reqwest::Method::POST,
                format!("{base}/contacts"),
                json!({ "name": format!("Customer {i}"), "inbox_id": inbox }),
            )
            .await?;
            let conv = call(
                reqwest::Method::POST,
                format!("{base}/conversations"),
                json!({ "inbox_id": inbox, "contact_id": c["payload"]["contact"]["id"] }),
            )
            .await?;
            Ok::<i64, anyhow::Error>(conv["id"].as_i64().unwrap_or(0))
        }
    };
    let mut backlog = Vec::with_capacity(args.messages);
    for i in 0..args.messages {
        backlog.push(open(i).await?);
    }

    // Baseline: the backlog's first conversations assigned by hand, one at
    // a time, then unassigned again (not measured) so routing finds them waiting.
    let sample = backlog.len().min(300);
    let started = Instant::now();
    for (i, conv) in backlog.iter().take(sample).enumerate() {
        call(
            reqwest::Method::POST,
            format!("{base}/conversations/{conv}/assignments"),
            json!({ "assignee_id": agents[i % agents.len()] }),
        )
        .await?;
    }
    let baseline = sample as f64 / started.elapsed().as_secs_f64();
    for conv in backlog.iter().take(sample) {
        call(
            reqwest::Method::POST,
            format!("{base}/conversations/{conv}/assignments"),
            json!({ "assignee_id": null }),
        )
        .await?;
    }
    // Let the unassignments' routing passes (auto-assignment is off: no-ops) drain.
    wait_idle(&store).await?;

    // The backlog, routed.
    let started = Instant::now();
    call(
        reqwest::Method::PATCH,
        format!("{base}/inboxes/{inbox}"),
        json!({ "enable_auto_assignment": true }),
    )
    .await?;
    let deadline = Instant::now() + Duration::from_secs(600);
    let assigned = loop {
        let held: i64 = {
            let mut tx = store.read().await?;
            tx.open_loads(account).await?.iter().map(|(_, _, n)| n).sum()
        };
        if held as usize >= backlog.len() || Instant::now() > deadline {
            break held as usize;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    };
    let rate = assigned as f64 / started.elapsed().as_secs_f64();
    println!(
        "{name}: {assigned} of {} waiting conversations assigned by routing at {rate:.0}/s; manual assignments via the API {baseline:.0}/s",
        backlog.len()
    );

    // Latency: room for everyone, then one conversation at a time.
    {
        let mut tx = store.write().await?;
        for a in &agents {
            tx.set_agent_capacity(account, *a, None).await?;
        }
        tx.commit().await?;
    }
    wait_idle(&store).await?;
    let mut events = core.subscribe();
    let samples = 200;
    let mut opened: HashMap<i64, Instant> = HashMap::new();
    let mut waits = Vec::with_capacity(samples);
    let mut conv_ids: HashMap<i64, i64> = HashMap::new();
    for i in 0..samples {
        let t = Instant::now();
        let display = open(args.messages + i).await?;
        let id = {
            let mut tx = store.read().await?;
            tx.get_conversation(account, display).await?.map(|c| c.id).unwrap_or(0)
        };
        opened.insert(id, t);
        conv_ids.insert(id, display);
        let next = t + Duration::from_millis(50);
        loop {
            let left = next.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, events.recv()).await {
                Ok(Ok(e)) => {
                    if e.kind == EventKind::AssigneeChanged
                        && let Some(c) = e.conversation_id
                        && let Some(at) = opened.remove(&c)
                    {
                        waits.push(at.elapsed());
                    }
                }
                Ok(Err(_)) => {}
                Err(_) => break,
            }
        }
    }
    let until = Instant::now() + Duration::from_secs(10);
    while !opened.is_empty() && Instant::now() < until {
        if let Ok(Ok(e)) = tokio::time::timeout(Duration::from_millis(100), events.recv()).await
            && e.kind == EventKind::AssigneeChanged
            && let Some(c) = e.conversation_id
            && let Some(at) = opened.remove(&c)
        {
            waits.push(at.elapsed());
        }
    }
    waits.sort();
    let pct = |p: f64| quantile(&waits, p);
    println!(
        "{name}: opened -> assigned p50 {:.1} ms, p99 {:.1} ms over {} conversations ({} never assigned)",
        pct(0.5).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        waits.len(),
        opened.len()
    );

    // Capacity freed: every agent full (capacity = what they hold), 100
    // conversations waiting; then, one at a time, an agent's conversation
    // resolved, and the time until a waiting one is assigned (to them).
    let freed_samples = 100.min(conv_ids.len());
    {
        let loads = store.read().await?.open_loads(account).await?;
        let mut per: HashMap<i64, i64> = HashMap::new();
        for (user, _, n) in loads {
            *per.entry(user).or_default() += n;
        }
        let mut tx = store.write().await?;
        for a in &agents {
            let held = per.get(a).copied().unwrap_or(0).max(1);
            tx.set_agent_capacity(account, *a, Some(held as i32)).await?;
        }
        tx.commit().await?;
    }
    wait_idle(&store).await?;
    let mut waiting: std::collections::HashSet<i64> = Default::default();
    for i in 0..freed_samples {
        let display = open(args.messages + samples + i).await?;
        let mut tx = store.read().await?;
        if let Some(c) = tx.get_conversation(account, display).await? {
            waiting.insert(c.id);
        }
    }
    wait_idle(&store).await?;
    let mut freed = Vec::with_capacity(freed_samples);
    let mut events = core.subscribe();
    for display in conv_ids.values().take(freed_samples) {
        let t = Instant::now();
        call(
            reqwest::Method::POST,
            format!("{base}/conversations/{display}/toggle_status"),
            json!({ "status": "resolved" }),
        )
        .await?;
        let until = t + Duration::from_secs(10);
        while Instant::now() < until {
            match tokio::time::timeout(until.saturating_duration_since(Instant::now()), events.recv()).await {
                Ok(Ok(e))
                    if e.kind == EventKind::AssigneeChanged
                        && e.conversation_id.is_some_and(|c| waiting.remove(&c)) =>
                {
                    freed.push(t.elapsed());
                    break;
                }
                Ok(_) => {}
                Err(_) => break,
            }
        }
    }
    freed.sort();
    println!(
        "{name}: capacity freed -> assigned p50 {:.1} ms, p99 {:.1} ms over {} resolves",
        quantile(&freed, 0.5).as_secs_f64() * 1e3,
        quantile(&freed, 0.99).as_secs_f64() * 1e3,
        freed.len()
    );
    server.stop().await;
    Ok(Figures {
        backend: name,
        assigned,
        rate,
        baseline,
        p50: pct(0.5),
        p99: pct(0.99),
        samples: waits.len(),
        freed_p50: quantile(&freed, 0.5),
        freed_p99: quantile(&freed, 0.99),
        freed_samples: freed.len(),
    })
}

/// Waits until no job is queued or running.
async fn wait_idle(store: &std::sync::Arc<dyn switchboard_store::Store>) -> anyhow::Result<()> {
    let until = Instant::now() + Duration::from_secs(60);
    while Instant::now() < until {
        let s = store.read().await?.job_stats().await?;
        if s.queued == 0 && s.running == 0 {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}
