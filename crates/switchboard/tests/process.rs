//! The binary as an operator runs it: first start, `setup --json`,
//! `migrate`, graceful SIGTERM, and durability across SIGKILL.

#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;

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
    let mut cmd = bin();
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
