//! Outgoing webhooks: CRUD and subscription validation, retries with a
//! stable delivery id and a verifiable signature, the delivery log, the SSRF
//! guard, and API-inbox replies that fail for good.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::helpers::{Db, Sink, TestApp, eventually};
use crate::walkthrough::signature_ok;

async fn crud_and_validation(app: TestApp) {
    let v = app
        .ok(
            Method::POST,
            &app.acc("/webhooks"),
            Some(json!({ "webhook": { "url": "https://example.com/a", "name": "CRM" } })),
        )
        .await;
    let w = &v["payload"]["webhook"];
    let id = w["id"].as_i64().unwrap();
    assert_eq!(
        w["subscriptions"].as_array().unwrap().len(),
        8,
        "the default subscriptions"
    );
    assert!(w["secret"].as_str().unwrap().len() >= 32);
    assert_eq!(w["account_id"], app.account_id);
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/webhooks/{id}")),
            Some(json!({ "webhook": { "subscriptions": ["message_created"] } })),
        )
        .await;
    assert_eq!(v["payload"]["webhook"]["subscriptions"], json!(["message_created"]));
    let list = app.ok(Method::GET, &app.acc("/webhooks"), None).await;
    assert_eq!(list["payload"]["webhooks"].as_array().unwrap().len(), 1);
    for bad in [
        json!({ "url": "https://example.com/b", "subscriptions": [] }),
        json!({ "url": "https://example.com/b", "subscriptions": ["message_exploded"] }),
        json!({ "url": "javascript:alert(1)" }),
        json!({ "url": "https://example.com/a" }),
        json!({ "subscriptions": ["message_created"] }),
    ] {
        let (s, b) = app.post(&app.acc("/webhooks"), bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
    }
    let (s, _) = app.delete(&app.acc(&format!("/webhooks/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let list = app.ok(Method::GET, &app.acc("/webhooks"), None).await;
    assert_eq!(list["payload"]["webhooks"], json!([]));
    app.stop().await;
}
both!(crud_and_validation);

async fn retries_keep_the_delivery_id(app: TestApp) {
    let sink = Sink::start().await;
    sink.fail_next(&[500, 500]);
    let v = app
        .ok(
            Method::POST,
            &app.acc("/webhooks"),
            Some(json!({ "url": sink.url, "subscriptions": ["conversation_created"] })),
        )
        .await;
    let hook = v["payload"]["webhook"]["id"].as_i64().unwrap();
    let secret = v["payload"]["webhook"]["secret"].as_str().unwrap().to_string();
    app.setup_conversation(None).await;
    let got = sink.wait_for("conversation_created", 3).await;
    assert_eq!(got.len(), 3, "two failures then one success, nothing more");
    let ids: Vec<&str> = got.iter().map(|r| r.header("X-Chatwoot-Delivery").unwrap()).collect();
    assert!(
        ids.iter().all(|i| *i == ids[0]),
        "one delivery id across retries: {ids:?}"
    );
    for r in &got {
        assert!(signature_ok(&secret, r), "each attempt is signed");
        assert_eq!(r.body, got[0].body, "the same payload each time");
    }
    let log = eventually(10, "the delivery to be recorded as delivered", || async {
        let log = app
            .ok(Method::GET, &app.acc(&format!("/webhooks/{hook}/deliveries")), None)
            .await;
        (log["payload"][0]["state"] == "delivered").then_some(log)
    })
    .await;
    let d = &log["payload"][0];
    assert_eq!(d["delivery_id"], ids[0]);
    assert_eq!(d["attempts_count"], 3);
    let statuses: Vec<i64> = d["attempts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["status_code"].as_i64().unwrap())
        .collect();
    assert_eq!(statuses, vec![500, 500, 200]);
    // Re-sending makes a new delivery with the same payload.
    let again = app
        .ok(
            Method::POST,
            &app.acc(&format!("/webhooks/{hook}/deliveries/{}/redeliver", d["id"])),
            None,
        )
        .await;
    assert_ne!(again["payload"]["delivery_id"], ids[0]);
    let got = sink.wait_for("conversation_created", 4).await;
    assert_eq!(got[3].body, got[0].body);
    app.stop().await;
}
both!(retries_keep_the_delivery_id);

async fn loopback_targets_refused_by_default(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.allow_private_targets = Some(false)).await else {
        return;
    };
    let sink = Sink::start().await;
    let v = app
        .ok(
            Method::POST,
            &app.acc("/webhooks"),
            Some(json!({ "url": sink.url, "subscriptions": ["conversation_created"] })),
        )
        .await;
    let hook = v["payload"]["webhook"]["id"].as_i64().unwrap();
    app.setup_conversation(None).await;
    let log = eventually(10, "the delivery to fail", || async {
        let log = app
            .ok(Method::GET, &app.acc(&format!("/webhooks/{hook}/deliveries")), None)
            .await;
        (log["payload"][0]["state"] == "failed").then_some(log)
    })
    .await;
    assert!(
        log["payload"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("not allowed"),
        "{log}"
    );
    assert_eq!(
        log["payload"][0]["attempts_count"], 1,
        "a refused target is not retried"
    );
    assert!(sink.all().is_empty(), "nothing reached 127.0.0.1");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_targets_refused_by_default_sqlite() {
    loopback_targets_refused_by_default(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_targets_refused_by_default_postgres() {
    loopback_targets_refused_by_default(Db::Postgres).await;
}

async fn api_inbox_reply_fails_visibly(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.webhook_retry_window_secs = Some(1)).await else {
        return;
    };
    let sink = Sink::start().await;
    sink.fail_next(&[503; 50]);
    let (_, _, c) = app.setup_conversation(Some(&sink.url)).await;
    let m = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            Some(json!({ "content": "will not arrive" })),
        )
        .await;
    let id = m["id"].as_i64().unwrap();
    let row = eventually(15, "the reply to be marked failed", || async {
        let list = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
            .await;
        let row = list["payload"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == id)
            .cloned()?;
        (row["status"] == "failed").then_some(row)
    })
    .await;
    assert_eq!(row["content_attributes"]["external_error"], "HTTP 503");
    assert!(
        sink.events("message_created").len() >= 2,
        "it was retried before giving up"
    );

    // Retry: only a failed reply, and it goes out again once the platform is back.
    let retry = app.acc(&format!("/conversations/{c}/messages/{id}/retry"));
    sink.recover();
    let before = sink.events("message_created").len();
    let (s, v) = app.post(&retry, json!({})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "sent");
    assert!(v["content_attributes"].get("external_error").is_none(), "{v}");
    let got = sink.wait_for("message_created", before + 1).await;
    let last = got.last().unwrap().json();
    assert_eq!(last["id"], id);
    assert_eq!(last["content"], "will not arrive");
    let (s, _) = app.post(&retry, json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "a sent reply is not retried");
    let note = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            Some(json!({ "content": "internal", "private": true })),
        )
        .await;
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{c}/messages/{}/retry", note["id"])),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "notes are never delivered");
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{c}/messages/999999/retry")),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_inbox_reply_fails_visibly_sqlite() {
    api_inbox_reply_fails_visibly(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_inbox_reply_fails_visibly_postgres() {
    api_inbox_reply_fails_visibly(Db::Postgres).await;
}
