//! The README's path end to end: API inbox -> contact -> conversation ->
//! incoming message -> agent reply -> signed webhooks.

use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::json;
use sha2::Sha256;

use crate::both;
use crate::helpers::{Sink, TestApp};

pub fn signature_ok(secret: &str, r: &crate::helpers::Received) -> bool {
    let ts = r.header("X-Chatwoot-Timestamp").unwrap_or_default();
    let sig = r.header("X-Chatwoot-Signature").unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("hmac key");
    mac.update(format!("{ts}.{}", r.body).as_bytes());
    sig == format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn message_path_reaches_webhooks(app: TestApp) {
    let sink = Sink::start().await;
    let hook = app
        .ok(
            Method::POST,
            &app.acc("/webhooks"),
            Some(
                json!({ "webhook": { "url": sink.url, "subscriptions": ["message_created", "conversation_created"] } }),
            ),
        )
        .await;
    let secret = hook["payload"]["webhook"]["secret"]
        .as_str()
        .expect("secret")
        .to_string();
    let inbox = app.api_inbox("Website API", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    assert_eq!(inbox["channel_type"], "Channel::Api");
    assert!(inbox["inbox_identifier"].as_str().is_some_and(|s| s.len() >= 20));
    let (contact_id, source_id) = app.contact(inbox_id, "Dana").await;
    let conv = app.conversation(inbox_id, contact_id).await;
    assert_eq!(conv, 1);

    let m = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": "My order is late", "message_type": "incoming" })),
        )
        .await;
    assert_eq!(m["message_type"], 0);
    assert_eq!(m["sender"]["type"], "contact");
    let reply = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": "Sorry! Checking now.", "echo_id": "tmp-1" })),
        )
        .await;
    assert_eq!(reply["message_type"], 1);
    assert_eq!(reply["echo_id"], "tmp-1");
    assert_eq!(reply["sender"]["type"], "user");

    let created = sink.wait_for("conversation_created", 1).await;
    assert_eq!(created[0].json()["id"], conv);
    let msgs = sink.wait_for("message_created", 2).await;
    let bodies: Vec<_> = msgs.iter().map(|r| r.json()).collect();
    let incoming = bodies
        .iter()
        .find(|b| b["message_type"] == "incoming")
        .expect("incoming webhook");
    assert_eq!(incoming["content"], "My order is late");
    assert_eq!(incoming["conversation"]["id"], conv);
    assert_eq!(incoming["conversation"]["contact_inbox"]["source_id"], source_id);
    assert_eq!(incoming["inbox"]["id"], inbox_id);
    assert_eq!(incoming["account"]["id"], app.account_id);
    assert_eq!(incoming["sender"]["type"], "contact");
    let outgoing = bodies
        .iter()
        .find(|b| b["message_type"] == "outgoing")
        .expect("outgoing webhook");
    assert_eq!(outgoing["sender"]["type"], "user");
    assert!(
        outgoing["created_at"].as_str().is_some_and(|s| s.ends_with('Z')),
        "webhook created_at is ISO"
    );
    for r in &msgs {
        assert!(signature_ok(&secret, r), "signature verifies");
        assert!(r.header("X-Chatwoot-Delivery").is_some_and(|d| d.len() == 36));
    }
    // The conversation reflects the reply.
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert!(c["first_reply_created_at"].as_i64().unwrap() > 0);
    assert_eq!(c["waiting_since"], 0);
    assert_eq!(c["messages"][0]["content"], "Sorry! Checking now.");
    app.stop().await;
}
both!(message_path_reaches_webhooks);

async fn api_inbox_webhook_gets_replies(app: TestApp) {
    let sink = Sink::start().await;
    let (_, _, conv) = app.setup_conversation(Some(&sink.url)).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Reply via API channel" })),
    )
    .await;
    let got = sink.wait_for("message_created", 1).await;
    assert_eq!(got[0].json()["content"], "Reply via API channel");
    // conversation_created went there too: the API channel gets every event of its inbox.
    sink.wait_for("conversation_created", 1).await;
    app.stop().await;
}
both!(api_inbox_webhook_gets_replies);
