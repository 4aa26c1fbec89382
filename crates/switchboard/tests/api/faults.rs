//! Faults: the database full or unreachable. What was acknowledged is
//! stored, outages answer quickly with a reason, and writing resumes by
//! itself.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::helpers::{Db, TestApp, eventually};

/// These tests post many messages to one conversation on purpose.
fn no_flood_limit(o: &mut switchboard::config::Options) {
    o.flood_limit = Some(1_000_000);
}

/// Every message id of a conversation, read through the API page by page.
async fn stored_ids(app: &TestApp, conv: i64) -> BTreeSet<i64> {
    let path = app.acc(&format!("/conversations/{conv}/messages"));
    let mut ids = BTreeSet::new();
    let mut before: Option<i64> = None;
    for _ in 0..1000 {
        let url = match before {
            Some(b) => format!("{path}?before={b}"),
            None => path.clone(),
        };
        let page = app.ok(Method::GET, &url, None).await;
        let got: Vec<i64> = page["payload"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m["id"].as_i64())
            .collect();
        if got.is_empty() {
            return ids;
        }
        before = got.iter().min().copied();
        ids.extend(got);
    }
    panic!("too many pages");
}

/// The SQLite file behind a `sqlite://` URL.
fn sqlite_path(url: &str) -> String {
    url.trim_start_matches("sqlite://").to_string()
}

async fn sqlite_pages(url: &str) -> u64 {
    let mut c = sqlx::SqliteConnection::connect(&format!("{url}?mode=ro"))
        .await
        .unwrap();
    let (n,): (i64,) = sqlx::query_as("PRAGMA page_count").fetch_one(&mut c).await.unwrap();
    n as u64
}

async fn integrity_ok(url: &str) {
    let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", sqlite_path(url)))
        .await
        .unwrap();
    let (r,): (String,) = sqlx::query_as("PRAGMA integrity_check")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(r, "ok");
}

async fn ready(app: &TestApp) -> (StatusCode, Value) {
    let r = app.client.get(format!("{}/ready", app.base)).send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// A message of `len` characters; varied text, so sizes on disk vary too.
fn body(i: usize, len: usize) -> Value {
    let text: String = format!("m{i} ").chars().cycle().take(len).collect();
    json!({ "content": text, "message_type": "incoming" })
}

/// Disk full on SQLite (provoked with `max_page_count` on the writer): the
/// first failures answer 507 with Retry-After, `/ready` says the database is
/// full, and once space is back every write answered 200 is stored: read
/// through the API at once, and after a restart on the same file. Rounds
/// with different margins and sizes make the failure land in different
/// statements (messages, conversations, events, the job queue).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_disk_full_loses_nothing_acknowledged() {
    let app = TestApp::spawn_with(Db::Sqlite, no_flood_limit).await.unwrap();
    let (_, _, conv) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{conv}/messages"));
    let mut acked = BTreeSet::new();
    let mut n = 0usize;
    for (round, (margin, size)) in [(2u64, 300usize), (5, 3000), (1, 9000), (8, 1200)]
        .into_iter()
        .enumerate()
    {
        let pages = sqlite_pages(&app.database_url).await;
        app.core().store.limit_pages(Some(pages + margin)).await.unwrap();
        // Fill until the first failure, then a few more attempts while full.
        let mut failures = 0;
        for _ in 0..2000 {
            n += 1;
            let (s, v) = app.post(&path, body(n, size + (n * 37) % 500)).await;
            if s == StatusCode::OK {
                acked.insert(v["id"].as_i64().unwrap());
                continue;
            }
            assert_eq!(s, StatusCode::INSUFFICIENT_STORAGE, "round {round}: {v}");
            assert!(v["error"].as_str().unwrap().contains("storage is full"), "{v}");
            failures += 1;
            if failures == 6 {
                break;
            }
        }
        assert_eq!(failures, 6, "round {round}: the limit was never reached");
        // Other use cases while full: one refused by validation inside its
        // transaction (dropped, not committed), one writing a contact.
        let (s, _) = app
            .post(&path, json!({ "content": "x", "message_type": "nonsense" }))
            .await;
        assert!(s.is_client_error(), "{s}");
        let (s, _) = app
            .post(
                &app.acc("/contacts"),
                json!({ "name": format!("full-{round}-{}", "x".repeat(size.min(200))) }),
            )
            .await;
        assert!(s == StatusCode::INSUFFICIENT_STORAGE || s == StatusCode::OK, "{s}");
        // `/ready` reuses its write probe for a second.
        let v = eventually(5, "/ready to say full", || async {
            let (s, v) = ready(&app).await;
            (s == StatusCode::SERVICE_UNAVAILABLE).then_some(v)
        })
        .await;
        assert!(v["failing"]["database"].as_str().unwrap().contains("full"), "{v}");
        assert_eq!(acked, stored_ids(&app, conv).await, "round {round}: while full");

        app.core().store.limit_pages(None).await.unwrap();
        for _ in 0..20 {
            n += 1;
            let (s, v) = app.post(&path, body(n, size)).await;
            assert_eq!(s, StatusCode::OK, "round {round}: after space came back: {v}");
            acked.insert(v["id"].as_i64().unwrap());
        }
        eventually(10, "ready again", || async {
            (ready(&app).await.0 == StatusCode::OK).then_some(())
        })
        .await;
        assert_eq!(
            acked,
            stored_ids(&app, conv).await,
            "round {round}: after space came back"
        );
        integrity_ok(&app.database_url).await;
    }
    let url = app.database_url.clone();
    let app = app.restart(no_flood_limit).await;
    let stored = stored_ids(&app, conv).await;
    assert_eq!(acked, stored, "after a restart");
    eprintln!(
        "sqlite disk full: {n} posts in 4 rounds, {} acknowledged, {} stored after a restart, 24 refused with 507",
        acked.len(),
        stored.len()
    );
    integrity_ok(&url).await;
    app.stop().await;
}

/// A PostgreSQL server of the test's own (initdb + pg_ctl, on a free
/// loopback port), so the test can stop and start it. Run as the
/// `postgres` user when the test runs as root (initdb refuses root).
struct OwnPostgres {
    dir: std::path::PathBuf,
    port: u16,
    as_postgres: bool,
}

impl OwnPostgres {
    /// None (the test is skipped) when initdb is not installed, except
    /// under CI=true, where that is a failure.
    fn init() -> Option<OwnPostgres> {
        let found = std::process::Command::new("initdb").arg("--version").output().is_ok();
        if !found {
            assert!(
                !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
                "CI=true but initdb is not on PATH"
            );
            eprintln!("initdb not found; skipping the PostgreSQL outage test");
            return None;
        }
        let dir = std::env::temp_dir().join(format!("sb-pg-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let as_postgres = std::process::Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
        if as_postgres {
            let ok = std::process::Command::new("chown")
                .args(["postgres:", &dir.display().to_string()])
                .status()
                .unwrap()
                .success();
            assert!(ok, "chown the data directory to postgres");
        }
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let pg = OwnPostgres { dir, port, as_postgres };
        let data = pg.data();
        pg.run("initdb", &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"]);
        pg.start();
        Some(pg)
    }

    fn data(&self) -> String {
        self.dir.join("data").display().to_string()
    }

    fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    fn run(&self, program: &str, args: &[&str]) {
        let out = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--", program])
                .args(args)
                .output()
        } else {
            std::process::Command::new(program).args(args).output()
        }
        .unwrap();
        assert!(
            out.status.success(),
            "{program}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn start(&self) {
        let opts = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log").display().to_string();
        self.run("pg_ctl", &["-D", &self.data(), "-o", &opts, "-l", &log, "-w", "start"]);
    }

    fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }
}

impl Drop for OwnPostgres {
    fn drop(&mut self) {
        let data = self.data();
        let args = ["-D", data.as_str(), "-m", "immediate", "stop"];
        let _ = if self.as_postgres {
            std::process::Command::new("runuser")
                .args(["-u", "postgres", "--", "pg_ctl"])
                .args(args)
                .output()
        } else {
            std::process::Command::new("pg_ctl").args(args).output()
        };
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// PostgreSQL stopped under load: `/ready` answers 503 naming the database
/// within a second, writes answer 503 with Retry-After within the acquire
/// timeout (not the old 30 s), and once the database is back writes
/// succeed on their own; every acknowledged message is stored.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_fails_fast_and_recovers() {
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, Instant};

    let Some(pg) = OwnPostgres::init() else { return };
    let app = Arc::new(TestApp::spawn_at(pg.url(), None, no_flood_limit).await);
    let (_, _, conv) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{conv}/messages"));

    // Load: four posters until told to stop, each write's answer recorded.
    let acked = Arc::new(Mutex::new(BTreeSet::new()));
    let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut posters = Vec::new();
    for p in 0..4 {
        let (app, path, acked, refused, stop) =
            (app.clone(), path.clone(), acked.clone(), refused.clone(), stop.clone());
        posters.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) && i < 100_000 {
                i += 1;
                let (s, v) = app.post(&path, body(p * 1_000_000 + i, 100)).await;
                if s == StatusCode::OK {
                    acked.lock().unwrap().insert(v["id"].as_i64().unwrap());
                } else {
                    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
                    refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let before = acked.lock().unwrap().len();
    assert!(before > 0, "writes went through before the outage");

    let stopped = Instant::now();
    tokio::task::block_in_place(|| pg.stop());
    let mut time_to_503 = None;
    for _ in 0..20 {
        let t = Instant::now();
        let (s, v) = ready(&app).await;
        assert!(
            t.elapsed() < Duration::from_millis(1000),
            "/ready took {:?}",
            t.elapsed()
        );
        if s == StatusCode::SERVICE_UNAVAILABLE {
            assert!(v["failing"]["database"].is_string(), "{v}");
            time_to_503 = Some(stopped.elapsed());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let time_to_503 = time_to_503.expect("/ready turned 503");
    let t = Instant::now();
    let r = app
        .client
        .post(format!("{}{}", app.base, path))
        .header("api_access_token", &app.token)
        .json(&body(0, 10))
        .send()
        .await
        .unwrap();
    let write_503 = t.elapsed();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let v: Value = r.json().await.unwrap();
    assert!(v["error"].as_str().unwrap().contains("database is unavailable"), "{v}");
    assert!(write_503 < Duration::from_secs(5), "a write waited {write_503:?}");

    tokio::time::sleep(Duration::from_secs(2)).await;
    let restarted = Instant::now();
    tokio::task::block_in_place(|| pg.start());
    let during = acked.lock().unwrap().len();
    let recovered = eventually(30, "writes to succeed again", || async {
        let (s, v) = app.post(&path, body(1, 10)).await;
        if s == StatusCode::OK {
            acked.lock().unwrap().insert(v["id"].as_i64().unwrap());
            Some(restarted.elapsed())
        } else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            None
        }
    })
    .await;
    eventually(10, "/ready again", || async {
        (ready(&app).await.0 == StatusCode::OK).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for p in posters {
        p.await.unwrap();
    }
    let acked = acked.lock().unwrap().clone();
    let stored = stored_ids(&app, conv).await;
    assert!(
        acked.is_subset(&stored),
        "acknowledged but not stored: {:?}",
        acked.difference(&stored)
    );
    eprintln!(
        "postgres outage: acknowledged {} (before stop {before}, until restart {during}), stored {}, refused {}, \
         /ready 503 after {time_to_503:?}, a write answered 503 in {write_503:?}, writes back {recovered:?} after restart",
        acked.len(),
        stored.len(),
        refused.load(std::sync::atomic::Ordering::Relaxed),
    );
    if let Ok(app) = Arc::try_unwrap(app) {
        app.stop().await;
    }
}

/// A webhook receiver that records each request when it arrives and, while
/// `gate` is closed, answers only once it opens (at most 1.5 s later).
async fn gated_sink() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::{Arc, Mutex};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let closed = Arc::new(AtomicBool::new(false));
    let (s, c) = (seen.clone(), closed.clone());
    let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
        let (s, c) = (s.clone(), c.clone());
        async move {
            let id = req
                .headers()
                .get("x-chatwoot-delivery")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string();
            s.lock().unwrap().push(id);
            for _ in 0..15 {
                if !c.load(Ordering::SeqCst) {
                    break;
                }
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            axum::http::StatusCode::OK
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, seen, closed)
}

/// The database goes away while a webhook delivery is in flight and comes
/// back within the job's lease: the runner keeps trying to record the
/// result, so the lease does not run out and the delivery is not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_outage_during_a_job_does_not_repeat_it() {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    let Some(pg) = OwnPostgres::init() else { return };
    let app = TestApp::spawn_at(pg.url(), None, |o| o.job_lease_secs = Some(8)).await;
    let (url, seen, closed) = gated_sink().await;
    let (_, _, conv) = app.setup_conversation(Some(&url)).await;
    let settled = |n: usize| {
        let seen = seen.clone();
        async move { (seen.lock().unwrap().len() >= n).then_some(()) }
    };
    eventually(10, "the setup's deliveries", || settled(1)).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = seen.lock().unwrap().len();

    closed.store(true, Ordering::SeqCst);
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(body(1, 10)),
    )
    .await;
    eventually(10, "the message's delivery to arrive", || settled(before + 1)).await;
    tokio::task::block_in_place(|| pg.stop());
    closed.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    tokio::task::block_in_place(|| pg.start());
    // Past the lease: a job whose result was not recorded would run again.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let seen = seen.lock().unwrap().clone();
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert!(seen.len() > before, "the message's delivery arrived");
    assert_eq!(seen.len(), unique.len(), "a delivery went out twice: {seen:?}");
    app.stop().await;
}

/// A small tmpfs of the test's own: a real filesystem that fills up. Needs
/// root (mount); skipped elsewhere, except under CI=true, where CI runs as
/// root and a failure to mount is a failure.
struct SmallFs {
    dir: std::path::PathBuf,
}

impl SmallFs {
    fn mount(bytes: u64) -> Option<SmallFs> {
        let dir = std::env::temp_dir().join(format!("sb-full-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs"])
            .arg(&dir)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(SmallFs { dir }),
            other => {
                let _ = std::fs::remove_dir_all(&dir);
                let why = match other {
                    Ok(o) => String::from_utf8_lossy(&o.stderr).to_string(),
                    Err(e) => e.to_string(),
                };
                assert!(
                    !std::env::var("CI").is_ok_and(|v| v == "true" || v == "1"),
                    "CI=true but a tmpfs cannot be mounted: {why}"
                );
                eprintln!("cannot mount a tmpfs ({why}); skipping the full-filesystem test");
                None
            }
        }
    }

    /// Bytes free on the filesystem.
    fn free(&self) -> u64 {
        let out = std::process::Command::new("df")
            .args(["--output=avail", "-B1"])
            .arg(&self.dir)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .nth(1)
            .and_then(|l| l.trim().parse().ok())
            .unwrap()
    }

    /// Fills the filesystem until `leave` bytes are free (a ballast file).
    fn fill_leaving(&self, leave: u64) {
        let n = self.free().saturating_sub(leave);
        let ballast = self.dir.join("ballast");
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&ballast)
            .unwrap();
        use std::io::Write;
        let chunk = vec![0u8; 4096];
        let mut left = n;
        while left > 0 {
            let k = left.min(chunk.len() as u64) as usize;
            if f.write_all(&chunk[..k]).is_err() {
                break;
            }
            left -= k as u64;
        }
        let _ = f.sync_all();
    }

    /// Frees what the ballast held.
    fn make_room(&self) {
        let _ = std::fs::remove_file(self.dir.join("ballast"));
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg("-l").arg(&self.dir).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Disk full for real: the database on a small tmpfs that the test fills.
/// In WAL mode a transaction's pages reach the disk when it commits (the
/// WAL append) and the main file at a checkpoint, so here the failures
/// land there, where `max_page_count` cannot reach. Rounds leave different
/// room and write different sizes; every write answered 200 is stored (at
/// once, after space returns, and after a restart), and the file is sound.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_full_filesystem_loses_nothing_acknowledged() {
    let Some(fs) = SmallFs::mount(24 * 1024 * 1024) else {
        return;
    };
    let url = format!("sqlite://{}/full.db", fs.dir.display());
    let app = TestApp::spawn_at(url.clone(), None, no_flood_limit).await;
    let (_, _, conv) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{conv}/messages"));
    let mut acked = BTreeSet::new();
    let (mut n, mut refused) = (0usize, 0usize);
    for (round, (leave, size)) in [
        (64 * 1024u64, 2000usize),
        (300 * 1024, 6000),
        (16 * 1024, 500),
        (1024 * 1024, 20_000),
    ]
    .into_iter()
    .enumerate()
    {
        fs.fill_leaving(leave);
        let mut failures = 0;
        for _ in 0..5000 {
            n += 1;
            let (s, v) = app.post(&path, body(n, size + (n * 53) % 700)).await;
            if s == StatusCode::OK {
                acked.insert(v["id"].as_i64().unwrap());
                continue;
            }
            assert!(
                s == StatusCode::INSUFFICIENT_STORAGE || s == StatusCode::SERVICE_UNAVAILABLE,
                "round {round}: {s} {v}"
            );
            failures += 1;
            refused += 1;
            if failures == 6 {
                break;
            }
        }
        assert_eq!(failures, 6, "round {round}: the filesystem never filled");
        assert_eq!(acked, stored_ids(&app, conv).await, "round {round}: while full");
        fs.make_room();
        // Writing resumes by itself once there is room.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        loop {
            n += 1;
            let (s, v) = app.post(&path, body(n, size)).await;
            if s == StatusCode::OK {
                acked.insert(v["id"].as_i64().unwrap());
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "round {round}: no write succeeded within 10 s of room: {s} {v}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        for _ in 0..20 {
            n += 1;
            let (s, v) = app.post(&path, body(n, size)).await;
            assert_eq!(s, StatusCode::OK, "round {round}: after room was made: {v}");
            acked.insert(v["id"].as_i64().unwrap());
        }
        assert_eq!(
            acked,
            stored_ids(&app, conv).await,
            "round {round}: after room was made"
        );
        integrity_ok(&url).await;
    }
    let app = app.restart(no_flood_limit).await;
    let stored = stored_ids(&app, conv).await;
    assert_eq!(acked, stored, "after a restart");
    eprintln!(
        "sqlite full filesystem: {n} posts in 4 rounds, {} acknowledged, {} stored after a restart, {refused} refused",
        acked.len(),
        stored.len()
    );
    integrity_ok(&url).await;
    app.stop().await;
    drop(fs);
}
