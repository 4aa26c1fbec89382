//! Faults: the database full or unreachable. What was acknowledged is
//! stored, outages answer quickly with a reason, and writing resumes by
//! itself.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sqlx::Connection;

use crate::helpers::{Db, TestApp, eventually};

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
    let app = TestApp::spawn(Db::Sqlite).await.unwrap();
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
    let app = app.restart(|_| {}).await;
    assert_eq!(acked, stored_ids(&app, conv).await, "after a restart");
    integrity_ok(&url).await;
    app.stop().await;
}
