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

/// A webhook with `subscriptions` to `url` (and its own timeout when given); its id.
async fn hook(app: &TestApp, url: &str, event: &str, timeout_secs: Option<i64>) -> i64 {
    let mut body = json!({ "url": url, "subscriptions": [event] });
    if let Some(t) = timeout_secs {
        body["timeout_secs"] = json!(t);
    }
    let v = app.ok(Method::POST, &app.acc("/webhooks"), Some(body)).await;
    v["payload"]["webhook"]["id"].as_i64().unwrap()
}

/// The fault: two targets that accept and never answer beside a healthy
/// one and a flaky one, all on the same account. A burst of messages: 99% of
/// the deliveries to the healthy target arrive within 1 s of the message's
/// acknowledgement (webhook timeout 2 s; before, p99 was 1.8-1.9 s here and
/// the retry gaps up to 2 s, as the hanging calls held all 64 slots), the flaky target's retries keep
/// their backoff (200 ms doubling, ±20%), the hanging targets never hold
/// more than their concurrency limit of slots and their deliveries end
/// failed when the retry window closes.
async fn hanging_targets_do_not_delay_others(db: Db) {
    const N: usize = 48;
    let Some(app) = TestApp::spawn_with(db, |o| {
        o.webhook_timeout_secs = Some(2);
        o.retry_base_ms = Some(200);
        o.target_cooldown_secs = Some(2);
        o.webhook_retry_window_secs = Some(10);
    })
    .await
    else {
        return;
    };
    let healthy = Sink::start().await;
    let flaky = Sink::start().await;
    let hang = [Sink::start().await, Sink::start().await];
    let mut hanging_hooks = Vec::new();
    for h in &hang {
        h.set_hang(true);
        hanging_hooks.push(hook(&app, &h.url, "message_created", None).await);
    }
    hook(&app, &healthy.url, "message_created", None).await;
    hook(&app, &flaky.url, "conversation_created", None).await;
    let (inbox, contact, c) = app.setup_conversation(None).await;
    flaky.wait_for("conversation_created", 1).await;

    let mut acked = std::collections::HashMap::new();
    for i in 0..N {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            Some(json!({ "content": format!("burst {i}") })),
        )
        .await;
        acked.insert(format!("burst {i}"), std::time::Instant::now());
    }
    // While the hanging targets are busy: a delivery that fails three times.
    flaky.fail_next(&[500, 500, 500]);
    app.conversation(inbox, contact).await;

    let got = healthy.wait_for("message_created", N).await;
    let mut latencies: Vec<std::time::Duration> = got
        .iter()
        .map(|r| {
            let content = r.json()["content"].as_str().unwrap().to_string();
            r.at.saturating_duration_since(acked[&content])
        })
        .collect();
    latencies.sort();
    let p50 = latencies[N / 2];
    let p99 = latencies[(N * 99).div_ceil(100) - 1];
    let core = app.core();
    let keys: Vec<String> = hang
        .iter()
        .map(|h| switchboard_core::targets::target_key(&h.url))
        .collect();
    let peaks: Vec<usize> = keys
        .iter()
        .map(|k| core.targets.stats(k).map(|s| s.1).unwrap_or(0))
        .collect();
    eprintln!(
        "{db:?}: healthy ack->delivered p50 {p50:?} p99 {p99:?} max {:?}; hanging targets' calls in flight at most {peaks:?}; \
         requests that hung {:?}",
        latencies[N - 1],
        hang.iter()
            .map(|h| h.hung.load(std::sync::atomic::Ordering::SeqCst))
            .collect::<Vec<_>>()
    );
    assert_eq!(got.len(), N, "each message delivered once to the healthy target");
    assert!(
        p99 < std::time::Duration::from_secs(1),
        "the healthy target waited: p50 {p50:?} p99 {p99:?}"
    );
    assert!(
        peaks.iter().all(|p| (1..=8).contains(p)),
        "a hanging target holds at most its limit of slots: {peaks:?}"
    );

    // The flaky target's retries, measured between its attempts.
    let tries = flaky.wait_for("conversation_created", 5).await;
    let gaps: Vec<std::time::Duration> = tries[1..].windows(2).map(|w| w[1].at.duration_since(w[0].at)).collect();
    eprintln!("{db:?}: retry gaps {gaps:?} (nominal 200, 400, 800 ms)");
    for (gap, nominal) in gaps.iter().zip([200u64, 400, 800]) {
        let lo = std::time::Duration::from_millis(nominal * 8 / 10);
        // Room for a loaded test machine; before, these gaps were 1.8-2 s.
        let hi = std::time::Duration::from_millis(nominal * 12 / 10 + 500);
        assert!(
            (lo..=hi).contains(gap),
            "retry after {gap:?}, configured {nominal} ms ±20%: {gaps:?}"
        );
    }

    // The hanging targets' deliveries end failed, visibly.
    for id in &hanging_hooks {
        let log = eventually(40, "the hanging target's deliveries to fail", || async {
            let log = app
                .ok(Method::GET, &app.acc(&format!("/webhooks/{id}/deliveries")), None)
                .await;
            let all = log["payload"].as_array().unwrap().clone();
            (all.len() == N && all.iter().all(|d| d["state"] == "failed")).then_some(all)
        })
        .await;
        let attempts: i64 = log.iter().map(|d| d["attempts_count"].as_i64().unwrap()).sum();
        eprintln!(
            "{db:?}: hanging webhook {id}: {N} deliveries failed after {attempts} attempts in all; {} jobs deferred",
            core.job_counters.deferred.load(std::sync::atomic::Ordering::Relaxed)
        );
        assert!(log.iter().all(|d| !d["last_error"].is_null()));
    }
    for h in &hang {
        h.set_hang(false);
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_targets_do_not_delay_others_sqlite() {
    hanging_targets_do_not_delay_others(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hanging_targets_do_not_delay_others_postgres() {
    hanging_targets_do_not_delay_others(Db::Postgres).await;
}

/// A target that answers in exactly the timeout is delivered to once: the
/// answer counts. The timeout is the webhook's own when it sets one, which
/// the API shows and edits within bounds.
async fn an_answer_at_the_timeout_counts(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.webhook_timeout_secs = Some(1)).await else {
        return;
    };
    let at_default = Sink::start().await;
    at_default.set_delay(1_000);
    let at_own = Sink::start().await;
    at_own.set_delay(2_000);
    let a = hook(&app, &at_default.url, "conversation_created", None).await;
    let b = hook(&app, &at_own.url, "conversation_created", Some(2)).await;
    let list = app.ok(Method::GET, &app.acc("/webhooks"), None).await;
    let shown: Vec<_> = list["payload"]["webhooks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["timeout_secs"].clone())
        .collect();
    assert_eq!(shown, vec![json!(null), json!(2)], "null: the installation's timeout");
    for bad in [json!(0), json!(61), json!("soon")] {
        let (s, v) = app
            .patch(
                &app.acc(&format!("/webhooks/{a}")),
                json!({ "webhook": { "timeout_secs": bad } }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    app.setup_conversation(None).await;
    for (id, sink) in [(a, &at_default), (b, &at_own)] {
        let log = eventually(15, "the slow answer to be recorded", || async {
            let log = app
                .ok(Method::GET, &app.acc(&format!("/webhooks/{id}/deliveries")), None)
                .await;
            // Queued by the webhook listener once it handles the event.
            log["payload"][0]["state"]
                .as_str()
                .is_some_and(|s| s != "pending")
                .then_some(log)
        })
        .await;
        assert_eq!(log["payload"][0]["state"], "delivered", "{log}");
        assert_eq!(log["payload"][0]["attempts_count"], 1, "{log}");
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert_eq!(sink.events("conversation_created").len(), 1, "not sent again");
    }
    // Back to the installation's timeout.
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/webhooks/{b}")),
            Some(json!({ "webhook": { "timeout_secs": null } })),
        )
        .await;
    assert_eq!(v["payload"]["webhook"]["timeout_secs"], json!(null));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_at_the_timeout_counts_sqlite() {
    an_answer_at_the_timeout_counts(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_at_the_timeout_counts_postgres() {
    an_answer_at_the_timeout_counts(Db::Postgres).await;
}
