//! Two `serve` nodes on one PostgreSQL and one Redis behave as one server.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use switchboard::Settings;
use switchboard::config::Options;

use crate::cable::{Cable, agent_identifier};
use crate::helpers::{Db, Sink, TestApp, test_options};

fn redis_url() -> Option<String> {
    match std::env::var("SWITCHBOARD_TEST_REDIS_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
                panic!("CI=true but SWITCHBOARD_TEST_REDIS_URL is not set: the two-node test must run in CI");
            }
            eprintln!("SWITCHBOARD_TEST_REDIS_URL is not set; skipping the two-node test");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_behave_as_one() {
    let Some(redis) = redis_url() else { return };
    let namespace = format!("test-{}", uuid::Uuid::new_v4().simple());
    let (r1, n1) = (redis.clone(), namespace.clone());
    let Some(a) = TestApp::spawn_with(Db::Postgres, move |o| {
        o.redis_url = Some(r1);
        o.redis_namespace = Some(n1);
    })
    .await
    else {
        return;
    };
    // Node B: the same database and Redis, its own port, its own job runner.
    let mut opts: Options = test_options(&a.database_url);
    opts.redis_url = Some(redis);
    opts.redis_namespace = Some(namespace);
    let settings = Settings::resolve(opts, Options::default());
    let store = switchboard::open_store(&settings).await.unwrap();
    let core = switchboard::build_core(&settings, store).unwrap();
    let node_b = switchboard::start(&settings, core).await.unwrap();
    let b: TestApp = a.via(format!("http://{}", node_b.addr));

    let sink = Sink::start().await;
    a.ok(
        Method::POST,
        &a.acc("/webhooks"),
        Some(json!({ "url": sink.url, "subscriptions": ["message_created"] })),
    )
    .await;

    // An agent listening on node B.
    let mut on_b = Cable::connect(&b).await;
    assert_eq!(on_b.subscribe(&agent_identifier(&b, &b.token).await).await, "confirm");
    // A second agent on node A.
    let (_, bob_token) = a.agent("Bob", "bob@acme.test", "administrator").await;
    let mut on_a = Cable::connect(&a).await;
    let bob_id = agent_identifier(&a, &bob_token).await;
    assert_eq!(on_a.subscribe(&bob_id).await, "confirm");

    // Written through node A, seen on node B.
    let (_, _, conv) = a.setup_conversation(None).await;
    for i in 0..5 {
        a.ok(
            Method::POST,
            &a.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": format!("via A {i}"), "message_type": "incoming" })),
        )
        .await;
    }
    let d = on_b.expect("conversation.created").await;
    assert_eq!(d["id"], conv);
    for i in 0..5 {
        let d = on_b.expect("message.created").await;
        assert_eq!(d["content"], format!("via A {i}"), "in order, across nodes");
    }
    // Presence is shared: Alice touched node B, Bob asks node A.
    on_b.send(json!({ "command": "message", "identifier": agent_identifier(&b, &b.token).await.to_string(), "data": "{\"action\":\"update_presence\"}" })).await;
    on_b.expect("presence.update").await;
    on_a.send(
        json!({ "command": "message", "identifier": bob_id.to_string(), "data": "{\"action\":\"update_presence\"}" }),
    )
    .await;
    let p = on_a.expect("presence.update").await;
    assert_eq!(
        p["users"][a.admin_id.to_string()],
        "online",
        "node A knows Alice is online on node B: {p}"
    );

    // Both nodes run jobs; each webhook is delivered once.
    let got = sink.wait_for("message_created", 5).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let all = sink.events("message_created");
    assert_eq!(all.len(), 5, "each delivery once, not once per node");
    let mut ids: Vec<String> = all
        .iter()
        .map(|r| r.header("X-Chatwoot-Delivery").unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5);
    let _ = got;
    node_b.stop().await;
    a.stop().await;
}
