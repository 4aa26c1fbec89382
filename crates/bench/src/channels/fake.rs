//! A Telegram Bot API stand-in, and its raw rate as the deliveries'
//! baseline.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::Instant;

use serde_json::{Value, json};
use switchboard_domain::time::now_micros;
use tokio::task::JoinSet;

pub(super) const BOT_ID: i64 = 123_456_789;
pub(super) const BOT_TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1";
pub(super) const FIRST_CHAT: i64 = 700_000_000;

/// A Telegram Bot API stand-in: getMe names bot 123456789, setWebhook keeps
/// the secret, sendMessage answers with increasing message ids and notes
/// when each measured message (text `m<index>`) arrived.
pub(super) struct Fake {
    pub(super) base: String,
    epoch: Instant,
    next_id: AtomicI64,
    pub(super) sends: AtomicU64,
    /// Arrivals of texts `m<i>` (the throughput run).
    pub(super) measured: AtomicU64,
    /// Arrivals of texts `p<i>` (the paced run).
    pub(super) paced: AtomicU64,
    pub(super) other: AtomicU64,
    /// Nanoseconds after `epoch` (+1) each `m<i>` (slot i) and `p<i>` (slot
    /// `measured_slots + i`) arrived; 0 = not yet.
    pub(super) arrivals: Vec<AtomicU64>,
    measured_slots: usize,
    pub(super) secret: std::sync::Mutex<Option<String>>,
    server: std::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Fake {
    pub(super) async fn start(measured: usize, paced: usize) -> anyhow::Result<Arc<Fake>> {
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

    pub(super) fn now_nanos(&self) -> u64 {
        self.epoch.elapsed().as_nanos() as u64 + 1
    }

    pub(super) fn stop(&self) {
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
pub(super) async fn fake_baseline(fake: &Fake, clients: usize, requests: usize) -> anyhow::Result<f64> {
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
