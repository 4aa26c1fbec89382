//! `switchboard bench realtime`: the server runs as a child process (its
//! memory is its own: this same executable, the `switchboard` binary, run
//! as `setup` and `serve`), the load and the sockets come from this process.
//!
//! - latency: an incoming message posted through the API until the agent's
//!   socket gets its `message.created` frame, while background load posts
//!   about 1,000 messages a second; the API's own answer time is the baseline;
//! - fan-out: frames delivered per second to many subscribed sockets;
//! - idle sockets: the server's resident memory per connected, subscribed,
//!   idle socket, beside the idle server's own.

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::BenchArgs;

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

struct Child {
    proc: tokio::process::Child,
    base: String,
    token: String,
    account: i64,
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

async fn start_server(dir: &std::path::Path) -> anyhow::Result<Child> {
    let exe = std::env::current_exe()?;
    let db = format!("sqlite://{}/rt.db", dir.display());
    let out = tokio::process::Command::new(&exe)
        .args([
            "setup",
            "--account-name",
            "Bench",
            "--name",
            "Bench",
            "--email",
            "bench@bench.test",
            "--password",
            "bench password 1",
            "--json",
        ])
        .env("SWITCHBOARD_DATABASE_URL", &db)
        .env("SWITCHBOARD_LOG", "warn")
        .output()
        .await?;
    anyhow::ensure!(
        out.status.success(),
        "setup failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let created: Value = serde_json::from_slice(&out.stdout)?;
    let mut proc = tokio::process::Command::new(&exe)
        .arg("serve")
        .env("SWITCHBOARD_DATABASE_URL", &db)
        .env("SWITCHBOARD_LISTEN", "127.0.0.1:0")
        .env("SWITCHBOARD_STORAGE_DIR", dir.join("files"))
        .env("SWITCHBOARD_FLOOD_LIMIT", "1000000")
        // Every socket of the bench comes from one address.
        .env("SWITCHBOARD_MAX_CONNECTIONS", "1000000")
        .env("SWITCHBOARD_MAX_CONNECTIONS_PER_IP", "1000000")
        .env("SWITCHBOARD_MAX_WEBSOCKETS_PER_IP", "1000000")
        .env("SWITCHBOARD_LOG", "warn")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()?;
    let stdout = proc.stdout.take().context("server stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut base = None;
    while let Some(l) = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .context("server start")??
    {
        if let Some(rest) = l.split("listening on ").nth(1) {
            base = rest.split_whitespace().next().map(str::to_string);
            break;
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Ok(Child {
        proc,
        base: base.context("server address")?,
        token: created["access_token"].as_str().unwrap_or("").to_string(),
        account: created["account_id"].as_i64().unwrap_or(0),
    })
}

async fn socket(base: &str, identifier: &str) -> anyhow::Result<Ws> {
    let mut req = format!("{}/cable", base.replace("http://", "ws://")).into_client_request()?;
    req.headers_mut()
        .insert("Sec-WebSocket-Protocol", "actioncable-v1-json".parse()?);
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await?;
    ws.send(Message::Text(
        json!({ "command": "subscribe", "identifier": identifier })
            .to_string()
            .into(),
    ))
    .await?;
    // Until the subscription is confirmed.
    while let Some(m) = ws.next().await {
        if let Message::Text(t) = m? {
            if t.contains("confirm_subscription") {
                return Ok(ws);
            }
            anyhow::ensure!(!t.contains("reject_subscription"), "subscription rejected");
        }
    }
    anyhow::bail!("socket closed before confirmation")
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v.get(((v.len() as f64 * p) as usize).min(v.len().saturating_sub(1)))
        .map(|d| d.as_secs_f64() * 1e3)
        .unwrap_or(0.0)
}

pub async fn run(args: &BenchArgs) -> anyhow::Result<()> {
    println!("machine: {}", crate::machine());
    let dir = std::env::temp_dir().join(format!("switchboard-rt-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir)?;
    let mut child = start_server(&dir).await?;
    let pid = child.proc.id().unwrap_or(0);
    let client = reqwest::Client::new();
    let api = format!("{}/api/v1/accounts/{}", child.base, child.account);
    let post = |url: String, body: Value| {
        let client = client.clone();
        let token = child.token.clone();
        async move {
            let r = client
                .post(url)
                .header("api_access_token", token)
                .json(&body)
                .send()
                .await?;
            anyhow::ensure!(r.status().is_success(), "request failed: {}", r.status());
            Ok::<Value, anyhow::Error>(r.json().await?)
        }
    };
    let profile: Value = client
        .get(format!("{}/api/v1/profile", child.base))
        .header("api_access_token", &child.token)
        .send()
        .await?
        .json()
        .await?;
    let agent_id = json!({ "channel": "RoomChannel", "pubsub_token": profile["pubsub_token"], "account_id": child.account, "user_id": profile["id"] }).to_string();
    let inbox = post(
        format!("{api}/inboxes"),
        json!({ "name": "RT", "channel": { "type": "api" } }),
    )
    .await?;
    let mut convs = Vec::new();
    for i in 0..20 {
        let c = post(
            format!("{api}/contacts"),
            json!({ "name": format!("C{i}"), "inbox_id": inbox["id"] }),
        )
        .await?;
        let conv = post(
            format!("{api}/conversations"),
            json!({ "inbox_id": inbox["id"], "contact_id": c["payload"]["contact"]["id"] }),
        )
        .await?;
        convs.push(conv["id"].as_i64().unwrap_or(0));
    }
    let idle_rss = rss_kib(pid);

    // --- latency under ~1,000 msg/s of background load ---
    let mut ws = socket(&child.base, &agent_id).await?;
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let mut load = Vec::new();
    for w in 0..10 {
        let (stop, sent, client, api, token, convs) = (
            stop.clone(),
            sent.clone(),
            client.clone(),
            api.clone(),
            child.token.clone(),
            convs.clone(),
        );
        load.push(tokio::spawn(async move {
            // Ten senders at ~100 msg/s each.
            let mut tick = tokio::time::interval(Duration::from_millis(10));
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                tick.tick().await;
                let conv = convs[(w + i) % convs.len()];
                let _ = client
                    .post(format!("{api}/conversations/{conv}/messages"))
                    .header("api_access_token", &token)
                    .json(&json!({ "content": "background", "message_type": "incoming" }))
                    .send()
                    .await;
                sent.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let samples = args.messages.clamp(100, 2000);
    let mut frame_lat = Vec::with_capacity(samples);
    let mut api_lat = Vec::with_capacity(samples);
    let load_started = Instant::now();
    let sent_before = sent.load(Ordering::Relaxed);
    for i in 0..samples {
        let marker = format!("probe-{i}");
        let conv = convs[i % convs.len()];
        let t = Instant::now();
        post(
            format!("{api}/conversations/{conv}/messages"),
            json!({ "content": marker, "message_type": "incoming" }),
        )
        .await?;
        api_lat.push(t.elapsed());
        loop {
            let m = tokio::time::timeout(Duration::from_secs(5), ws.next())
                .await
                .context("frame wait")?
                .context("socket closed")??;
            if let Message::Text(txt) = m
                && txt.contains(&marker)
            {
                frame_lat.push(t.elapsed());
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let background_rate = (sent.load(Ordering::Relaxed) - sent_before) as f64 / load_started.elapsed().as_secs_f64();
    stop.store(true, Ordering::Relaxed);
    for l in load {
        let _ = l.await;
    }
    drop(ws);
    println!(
        "latency: API post -> agent frame p50 {:.2} ms, p99 {:.2} ms (API answer alone p50 {:.2} ms, p99 {:.2} ms) under {:.0} msg/s of background load, {} samples",
        pct(&mut frame_lat, 0.5),
        pct(&mut frame_lat, 0.99),
        pct(&mut api_lat, 0.5),
        pct(&mut api_lat, 0.99),
        background_rate,
        samples
    );

    // --- fan-out: many subscribed sockets, a burst of messages ---
    let fan_sockets = 500usize;
    let burst = 200usize;
    let received = Arc::new(AtomicU64::new(0));
    let mut readers = Vec::new();
    for _ in 0..fan_sockets {
        let mut ws = socket(&child.base, &agent_id).await?;
        let received = received.clone();
        readers.push(tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                if let Message::Text(t) = m
                    && t.contains("\"message.created\"")
                {
                    received.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    let expected = (fan_sockets * burst) as u64;
    let started = Instant::now();
    let mut posts = Vec::new();
    for i in 0..burst {
        let conv = convs[i % convs.len()];
        posts.push(post(
            format!("{api}/conversations/{conv}/messages"),
            json!({ "content": format!("fan {i}"), "message_type": "incoming" }),
        ));
    }
    futures_util::future::try_join_all(posts).await?;
    while received.load(Ordering::Relaxed) < expected && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let fan_time = started.elapsed().as_secs_f64();
    let got = received.load(Ordering::Relaxed);
    println!(
        "fan-out: {got} of {expected} frames to {fan_sockets} sockets in {fan_time:.2} s = {:.0} frames/s",
        got as f64 / fan_time
    );
    for r in readers {
        r.abort();
    }
    tokio::time::sleep(Duration::from_millis(500)).await;

    // --- idle sockets ---
    let n = args.sockets;
    let before = rss_kib(pid);
    let mut idle = Vec::with_capacity(n);
    let contact = post(
        format!(
            "{}/public/api/v1/inboxes/{}/contacts",
            child.base,
            inbox["inbox_identifier"].as_str().unwrap_or("")
        ),
        json!({ "name": "Idle" }),
    )
    .await?;
    let contact_id = json!({ "channel": "RoomChannel", "pubsub_token": contact["pubsub_token"] }).to_string();
    for i in 0..n {
        let id = if i % 10 == 0 { &agent_id } else { &contact_id };
        match socket(&child.base, id).await {
            Ok(ws) => idle.push(ws),
            Err(e) => {
                println!("idle sockets: stopped at {i}: {e}");
                break;
            }
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib(pid);
    let per = (after.saturating_sub(before)) as f64 * 1024.0 / idle.len().max(1) as f64;
    println!(
        "idle sockets: {} connected and subscribed; server RSS {:.1} MiB -> {:.1} MiB = {:.1} KiB per socket; idle server RSS before any socket {:.1} MiB",
        idle.len(),
        before as f64 / 1024.0,
        after as f64 / 1024.0,
        per / 1024.0,
        idle_rss as f64 / 1024.0
    );
    drop(idle);
    let _ = child.proc.start_kill();
    let _ = child.proc.wait().await;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
