//! `switchboard bench sla`: how late SLA misses are recorded when many
//! clocks run out together.
//!
//! Per backend: one API inbox and an SLA policy whose first reply is due
//! `--sla-seconds` after a conversation starts; an automation rule holds
//! every new conversation to it. `--messages` conversations are opened as
//! fast as `--concurrency` clients can (so their due times bunch into a
//! few seconds), nobody replies, and once every clock has run out the
//! store is read: for each miss, its `sla_events.created_at` minus the due
//! time it missed (how late the check recorded it), p50 / p99 / max, with
//! how many were missed and how tightly the due times bunched (the burst
//! the job runner met). The baseline is the same run's snooze wakes: as
//! many conversations snoozed until one instant, and how late the job that
//! reopens each ran (the same runner, a job that does the least work).

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};
use switchboard_app::config::{Options, Settings};

use crate::{BenchArgs, fresh_pg_schema, machine};

struct Figures {
    backend: &'static str,
    held: usize,
    missed: usize,
    due_spread: Duration,
    late_p50: Duration,
    late_p99: Duration,
    late_max: Duration,
    wake_p50: Duration,
    wake_p99: Duration,
    wake_max: Duration,
}

fn quantile(v: &[i64], p: f64) -> Duration {
    let i = ((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1));
    Duration::from_micros(v.get(i).copied().unwrap_or(0).max(0) as u64)
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    switchboard_outbound::install_crypto_provider();
    println!("machine: {}", machine());
    println!(
        "sla: {} conversations held to a {} s first-reply clock, opened by {} clients at once; then as many snoozed to one instant",
        args.messages, args.sla_seconds, args.concurrency
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
        "| backend | held | missed | due times spread over | miss recorded after due p50 / p99 / max | snooze wake after due p50 / p99 / max (baseline) |"
    );
    println!("|---|---|---|---|---|---|");
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    for f in &results {
        println!(
            "| {} | {} | {} | {:.1} s | {:.0} / {:.0} / {:.0} ms | {:.0} / {:.0} / {:.0} ms |",
            f.backend,
            f.held,
            f.missed,
            f.due_spread.as_secs_f64(),
            ms(f.late_p50),
            ms(f.late_p99),
            ms(f.late_max),
            ms(f.wake_p50),
            ms(f.wake_p99),
            ms(f.wake_max),
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
        json!({ "name": "Bench", "channel": { "type": "api" } }),
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
    let contact = call(
        reqwest::Method::POST,
        format!("{base}/contacts"),
        json!({ "name": "Customer", "inbox_id": inbox }),
    )
    .await?["payload"]["contact"]["id"]
        .as_i64()
        .unwrap_or(0);
    let policy = call(
        reqwest::Method::POST,
        format!("{base}/sla_policies"),
        json!({ "name": "Bench", "first_response_time_threshold": args.sla_seconds }),
    )
    .await?["payload"]["id"]
        .as_i64()
        .unwrap_or(0);
    call(
        reqwest::Method::POST,
        format!("{base}/automation_rules"),
        json!({
            "name": "Hold all", "event_name": "conversation_created", "conditions": [],
            "actions": [{ "action_name": "add_sla", "action_params": [policy] }],
        }),
    )
    .await?;

    // The conversations, as fast as the clients go.
    let opened = Instant::now();
    let convs: Vec<i64> = futures_util::stream::iter(0..args.messages)
        .map(|_| {
            let base = base.clone();
            let call = &call;
            async move {
                let v = call(
                    reqwest::Method::POST,
                    format!("{base}/conversations"),
                    json!({ "inbox_id": inbox, "contact_id": contact }),
                )
                .await?;
                Ok::<i64, anyhow::Error>(v["id"].as_i64().unwrap_or(0))
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<_>>()?;
    println!(
        "{name}: {} conversations opened in {:.1} s",
        convs.len(),
        opened.elapsed().as_secs_f64()
    );

    // Every clock run out and recorded (or a minute past the last).
    let mut ids = Vec::with_capacity(convs.len());
    {
        let mut tx = store.read().await?;
        for d in &convs {
            if let Some(c) = tx.get_conversation(account, *d).await? {
                ids.push(c.id);
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(args.sla_seconds as u64 + 60);
    let (applied, events) = loop {
        let mut tx = store.read().await?;
        let applied = tx.applied_slas_of(&ids).await?;
        let applied_ids: Vec<i64> = applied.iter().map(|a| a.id).collect();
        let events = tx.sla_events_of(&applied_ids).await?;
        drop(tx);
        if events.len() >= ids.len() || Instant::now() > deadline {
            break (applied, events);
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    };
    let dues: Vec<i64> = applied.iter().filter_map(|a| a.frt_due_at).collect();
    let spread = match (dues.iter().min(), dues.iter().max()) {
        (Some(a), Some(b)) => Duration::from_micros((b - a).max(0) as u64),
        _ => Duration::ZERO,
    };
    let mut late: Vec<i64> = events.iter().map(|e| e.created_at - e.due_at).collect();
    late.sort_unstable();

    // The baseline: as many snooze wakes due at one instant.
    let until = switchboard_domain::time::now_micros() + 5_000_000;
    let until_iso = switchboard_domain::time::iso(until);
    futures_util::stream::iter(convs.clone())
        .map(|d| {
            let base = base.clone();
            let call = &call;
            let until_iso = until_iso.clone();
            async move {
                call(
                    reqwest::Method::POST,
                    format!("{base}/conversations/{d}/toggle_status"),
                    json!({ "status": "snoozed", "snoozed_until": until_iso }),
                )
                .await
            }
        })
        .buffer_unordered(args.concurrency.max(1))
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<anyhow::Result<Vec<_>>>()?;
    let deadline = Instant::now() + Duration::from_secs(65);
    let woken = loop {
        let mut tx = store.read().await?;
        let list = tx.get_conversations_by_ids(&ids).await?;
        drop(tx);
        let open: Vec<i64> = list
            .iter()
            .filter(|c| c.snoozed_until.is_none() && c.updated_at >= until)
            .map(|c| c.updated_at)
            .collect();
        if open.len() >= ids.len() || Instant::now() > deadline {
            break open;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut wake: Vec<i64> = woken.iter().map(|t| t - until).collect();
    wake.sort_unstable();
    server.stop().await;
    Ok(Figures {
        backend: name,
        held: applied.len(),
        missed: events.len(),
        due_spread: spread,
        late_p50: quantile(&late, 0.5),
        late_p99: quantile(&late, 0.99),
        late_max: quantile(&late, 1.0),
        wake_p50: quantile(&wake, 0.5),
        wake_p99: quantile(&wake, 0.99),
        wake_max: quantile(&wake, 1.0),
    })
}
