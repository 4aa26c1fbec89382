//! The binary as an operator runs it: first start, `setup --json`,
//! `migrate`, graceful SIGTERM, durability across SIGKILL, and a flood of
//! idle sockets against a small open-file limit.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

/// Whether the test servers also register the stand-in channels
/// (`helpers::stand_ins`): the API tests use them; the dashboard shows
/// only the real ones.
const STAND_INS: bool = false;

use std::process::Stdio;
use std::time::Duration;

use helpers::{Db, Sink, fresh_database};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    c.env_remove("SWITCHBOARD_CONFIG")
        .env("SWITCHBOARD_LOG", "warn")
        .kill_on_drop(true);
    c
}

/// Starts `serve`; returns the child, its base URL and everything it printed
/// up to and including the first-start banner.
async fn serve(database_url: &str, extra: &[(&str, &str)]) -> (Child, String, String) {
    serve_with(database_url, extra, |_| {}).await
}

/// Like `serve`; `tweak` adjusts the command first.
async fn serve_with(
    database_url: &str,
    extra: &[(&str, &str)],
    tweak: impl FnOnce(&mut Command),
) -> (Child, String, String) {
    let mut cmd = bin();
    tweak(&mut cmd);
    cmd.arg("serve")
        .env("SWITCHBOARD_DATABASE_URL", database_url)
        .env("SWITCHBOARD_LISTEN", "127.0.0.1:0");
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn switchboard");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut printed = String::new();
    let mut base = None;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while tokio::time::Instant::now() < deadline {
        let line = tokio::time::timeout(Duration::from_millis(500), lines.next_line()).await;
        match line {
            Ok(Ok(Some(l))) => {
                printed.push_str(&l);
                printed.push('\n');
                if let Some(rest) = l.split("listening on ").nth(1) {
                    base = Some(rest.split_whitespace().next().unwrap_or("").to_string());
                }
                if l.contains("widget:") {
                    break;
                }
            }
            Ok(Ok(None)) => break,
            Ok(Err(_)) => break,
            Err(_) if base.is_some() => break,
            Err(_) => {}
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, base.expect("the server printed its address"), printed)
}

fn field(printed: &str, label: &str) -> String {
    printed
        .lines()
        .find_map(|l| l.trim().strip_prefix(label).map(|v| v.trim().to_string()))
        .unwrap_or_else(|| panic!("{label} not printed in:\n{printed}"))
}

async fn first_start_prints_a_working_login(db: Db) {
    let Some((url, _dir)) = fresh_database(db).await else {
        return;
    };
    let (mut child, base, printed) = serve(&url, &[]).await;
    let email = field(&printed, "e-mail:");
    let password = field(&printed, "password:");
    let token = field(&printed, "API token:");
    assert!(printed.contains(&format!("{base}/app ")), "{printed}");
    assert!(printed.contains(&format!("{base}/auth/sign_in")), "{printed}");
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{base}/auth/sign_in"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{base}/api/v1/profile"))
        .header("api_access_token", &token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let ready: Value = client
        .get(format!("{base}/ready"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total{"), "{metrics}");
    assert!(metrics.contains("switchboard_jobs{state=\"queued\"}"), "{metrics}");

    // A graceful stop on SIGTERM, then a second start prints no new password.
    let pid = child.id().expect("pid").to_string();
    let status = Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
    assert!(status.success());
    let exit = tokio::time::timeout(Duration::from_secs(15), child.wait())
        .await
        .expect("exits after SIGTERM")
        .unwrap();
    assert!(exit.success(), "clean exit: {exit:?}");
    let (_child, _, printed) = serve(&url, &[]).await;
    assert!(!printed.contains("password:"), "{printed}");
}

#[tokio::test]
async fn first_start_prints_a_working_login_sqlite() {
    first_start_prints_a_working_login(Db::Sqlite).await;
}

#[tokio::test]
async fn first_start_prints_a_working_login_postgres() {
    first_start_prints_a_working_login(Db::Postgres).await;
}

#[tokio::test]
async fn setup_json_and_migrate() {
    let Some((url, _dir)) = fresh_database(Db::Sqlite).await else {
        return;
    };
    let out = bin()
        .arg("migrate")
        .env("SWITCHBOARD_DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let out = bin()
        .args([
            "setup",
            "--account-name",
            "Acme",
            "--name",
            "Ann",
            "--email",
            "ann@acme.test",
            "--password",
            "long password 1",
            "--json",
        ])
        .env("SWITCHBOARD_DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    assert!(v["account_id"].as_i64().is_some() && v["user_id"].as_i64().is_some());
    let token = v["access_token"].as_str().unwrap().to_string();
    // A short password is refused with a message, not a panic.
    let bad = bin()
        .args([
            "setup",
            "--account-name",
            "X",
            "--name",
            "X",
            "--email",
            "x@acme.test",
            "--password",
            "short",
        ])
        .env("SWITCHBOARD_DATABASE_URL", &url)
        .output()
        .await
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("too short"));
    // The printed token works on a server over the same database.
    let (_child, base, printed) = serve(&url, &[]).await;
    assert!(
        !printed.contains("password:"),
        "an existing database gets no first account"
    );
    let r = reqwest::Client::new()
        .get(format!("{base}/api/v1/accounts/{}/conversations", v["account_id"]))
        .header("api_access_token", token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
}

async fn sigkill_loses_nothing_acknowledged(db: Db) {
    let Some((url, _dir)) = fresh_database(db).await else {
        return;
    };
    let sink = Sink::start().await;
    // Until the kill the receiver never answers, so only a durable job can deliver it.
    sink.set_hang(true);
    let env = [
        ("SWITCHBOARD_ALLOW_PRIVATE_TARGETS", "true"),
        ("SWITCHBOARD_JOB_LEASE_SECS", "2"),
        ("SWITCHBOARD_WEBHOOK_TIMEOUT_SECS", "20"),
    ];
    let (mut child, base, printed) = serve(&url, &env).await;
    let token = field(&printed, "API token:");
    let account = field(&printed, "account:");
    let client = reqwest::Client::new();
    let api = |p: &str| format!("{base}/api/v1/accounts/{account}{p}");
    let post = |p: String, body: Value| {
        let client = client.clone();
        let token = token.clone();
        async move {
            let r = client
                .post(p)
                .header("api_access_token", token)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            r.json::<Value>().await.unwrap()
        }
    };
    post(
        api("/webhooks"),
        json!({ "url": sink.url, "subscriptions": ["message_created"] }),
    )
    .await;
    let inbox = post(api("/inboxes"), json!({ "name": "API", "channel": { "type": "api" } })).await;
    let contact = post(api("/contacts"), json!({ "name": "K", "inbox_id": inbox["id"] })).await;
    let conv = post(
        api("/conversations"),
        json!({ "inbox_id": inbox["id"], "contact_id": contact["payload"]["contact"]["id"] }),
    )
    .await;
    let msg = post(
        api(&format!("/conversations/{}/messages", conv["id"])),
        json!({ "content": "survive this", "message_type": "incoming" }),
    )
    .await;
    child.start_kill().expect("SIGKILL");
    let _ = child.wait().await;

    sink.set_hang(false);
    let (_child2, base2, _) = serve(&url, &env).await;
    let delivered = sink.wait_for("message_created", 1).await;
    assert_eq!(delivered[0].json()["id"], msg["id"]);
    assert_eq!(delivered[0].json()["content"], "survive this");
    let r: Value = client
        .get(format!(
            "{base2}/api/v1/accounts/{account}/conversations/{}/messages",
            conv["id"]
        ))
        .header("api_access_token", &token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        r["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["content"] == "survive this")
    );
}

#[tokio::test]
async fn sigkill_loses_nothing_acknowledged_sqlite() {
    sigkill_loses_nothing_acknowledged(Db::Sqlite).await;
}

#[tokio::test]
async fn sigkill_loses_nothing_acknowledged_postgres() {
    sigkill_loses_nothing_acknowledged(Db::Postgres).await;
}

/// Runs the child with soft and hard open-file limits of `n`.
fn limit_files(cmd: &mut Command, n: u64) {
    // SAFETY: only setrlimit, which is async-signal-safe, runs between fork and exec.
    unsafe {
        cmd.pre_exec(move || {
            #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
            let lim = libc::rlimit {
                rlim_cur: n as libc::rlim_t,
                rlim_max: n as libc::rlim_t,
            };
            if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Raises this process's soft open-file limit to its hard one; returns it.
fn raise_own_file_limit() -> u64 {
    let mut lim = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read or write the struct given.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
            return 0;
        }
        lim.rlim_cur = lim.rlim_max;
        if libc::setrlimit(libc::RLIMIT_NOFILE, &lim) != 0 {
            libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim);
        }
    }
    #[allow(clippy::unnecessary_cast)] // rlim_t is not u64 everywhere
    let soft = lim.rlim_cur as u64;
    soft
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

/// Opens up to `n` TCP connections to `addr` from `from`, each given a
/// second to connect; stops early after 30 seconds.
async fn open_sockets(addr: std::net::SocketAddr, from: std::net::Ipv4Addr, n: usize) -> Vec<tokio::net::TcpStream> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut socks = Vec::with_capacity(n);
    for _ in 0..n {
        if tokio::time::Instant::now() > deadline {
            break;
        }
        let Ok(sock) = tokio::net::TcpSocket::new_v4() else {
            break;
        };
        if sock.bind((from, 0).into()).is_err() {
            break;
        }
        if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(1), sock.connect(addr)).await {
            socks.push(s);
        }
    }
    socks
}

/// How many of `socks` the server still holds open (closed ones read EOF).
async fn still_open(socks: &mut [tokio::net::TcpStream]) -> usize {
    use tokio::io::AsyncReadExt;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut open = 0;
    let mut buf = [0u8; 64];
    for s in socks.iter_mut() {
        match tokio::time::timeout(Duration::from_millis(2), s.read(&mut buf)).await {
            Err(_) => open += 1,
            Ok(Ok(n)) if n > 0 => open += 1,
            Ok(_) => {}
        }
    }
    open
}

/// `/health` 50 times from 127.0.0.2, a new connection each: the statuses
/// and the latencies in milliseconds, sorted.
async fn health_from_elsewhere(base: &str) -> (Vec<u16>, Vec<f64>) {
    let client = reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, 2]))
        .pool_max_idle_per_host(0)
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut statuses = Vec::new();
    let mut millis = Vec::new();
    for _ in 0..50 {
        let started = std::time::Instant::now();
        let status = match client.get(format!("{base}/health")).send().await {
            Ok(r) => r.status().as_u16(),
            Err(_) => 0,
        };
        millis.push(started.elapsed().as_secs_f64() * 1000.0);
        statuses.push(status);
    }
    millis.sort_by(f64::total_cmp);
    (statuses, millis)
}

/// The attack: more idle sockets than the server has file descriptors.
/// Before, 1,100 idle sockets from one address stopped a server with a
/// 1,024 open-file limit; now one address holds at most its share, the
/// total stays below the limit, and others are still answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_socket_flood_leaves_the_server_answering() {
    let Some((url, _dir)) = fresh_database(Db::Sqlite).await else {
        return;
    };
    // This process holds the attackers' ends.
    if raise_own_file_limit() < 4_500 {
        eprintln!("open-file limit below 4,500: skipping the socket flood");
        return;
    }
    let (child, base, _) = serve_with(&url, &[], |c| limit_files(c, 1024)).await;
    let pid = child.id().expect("pid");
    let addr: std::net::SocketAddr = base.trim_start_matches("http://").parse().unwrap();
    let (statuses, quiet) = health_from_elsewhere(&base).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let rss_quiet = rss_kib(pid);

    // 2,000 idle sockets from one address.
    let mut flood = open_sockets(addr, [127, 0, 0, 1].into(), 2_000).await;
    let (statuses, loaded) = health_from_elsewhere(&base).await;
    let rss_flood = rss_kib(pid);
    let held = still_open(&mut flood).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert!(held <= 256, "one address holds {held} connections");
    drop(flood);

    // 2,000 from ten addresses: the total cap (below the 1,024 files, with
    // room for the database) closes what is over it, and the server lives.
    let mut spread = Vec::new();
    for host in 1..=10u8 {
        spread.extend(open_sockets(addr, [127, 0, 1, host].into(), 200).await);
    }
    let rss_spread = rss_kib(pid);
    let held_spread = still_open(&mut spread).await;
    assert!(
        held_spread < 1024 - 128,
        "{held_spread} held against a 1,024 file limit"
    );
    drop(spread);
    let mut recovered = false;
    for _ in 0..50 {
        let (statuses, _) = health_from_elsewhere(&base).await;
        if statuses.iter().all(|s| *s == 200) {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(recovered, "the server answers again once the sockets are gone");

    let pct = |v: &[f64], p: f64| v[((v.len() - 1) as f64 * p) as usize];
    println!(
        "/health from 127.0.0.2: quiet p50 {:.2} ms max {:.2} ms; under 2,000 idle sockets p50 {:.2} ms max {:.2} ms",
        pct(&quiet, 0.5),
        pct(&quiet, 1.0),
        pct(&loaded, 0.5),
        pct(&loaded, 1.0)
    );
    println!(
        "RSS: quiet {rss_quiet} KiB; 2,000 sockets from one address {rss_flood} KiB ({held} held); from ten addresses {rss_spread} KiB ({held_spread} held)"
    );
}

/// Sockets that never finish a request are closed: a silent one and a
/// slow header after the header-read timeout, a kept-alive one after it
/// too, and a stalled body after the idle timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_sockets_are_closed() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Some((url, _dir)) = fresh_database(Db::Sqlite).await else {
        return;
    };
    let env = [
        ("SWITCHBOARD_HEADER_READ_TIMEOUT_SECS", "1"),
        ("SWITCHBOARD_IDLE_TIMEOUT_SECS", "2"),
    ];
    let (_child, base, _) = serve(&url, &env).await;
    let addr = base.trim_start_matches("http://").to_string();
    /// Reads until the server closes (true) or 8 seconds pass (false).
    async fn closed_by_server(s: &mut tokio::net::TcpStream) -> bool {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(8);
        let mut buf = [0u8; 1024];
        loop {
            match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
                Err(_) => return false,
                Ok(Ok(0)) | Ok(Err(_)) => return true,
                Ok(Ok(_)) => {}
            }
        }
    }
    let sends: [&[u8]; 4] = [
        b"",
        b"GET /health HTTP/1.1\r\nHost: x\r\n",
        b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /auth/sign_in HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"email\"",
    ];
    for send in sends {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(send).await.unwrap();
        let started = std::time::Instant::now();
        assert!(
            closed_by_server(&mut s).await,
            "still open after {:?}: {}",
            started.elapsed(),
            String::from_utf8_lossy(send)
        );
    }
}
