//! The Client (public) API of API inboxes, as a contact's own app uses it.

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both;
use crate::cable::Cable;
use crate::helpers::TestApp;

async fn pub_call(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, format!("{}/public/api/v1/inboxes/{path}", app.base));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    let t = r.text().await.unwrap();
    (
        s,
        if t.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&t).unwrap_or(Value::String(t))
        },
    )
}

fn hash(key: &str, identifier: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(identifier.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

async fn a_contact_talks_to_the_team(app: TestApp) {
    let inbox = app.api_inbox("App chat", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let (s, info) = pub_call(&app, Method::GET, &ident, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(info["name"], "App chat");
    let (s, me) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "name": "Pia", "email": "pia@example.com" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    let sid = me["source_id"].as_str().unwrap().to_string();
    assert!(me["pubsub_token"].as_str().unwrap().len() >= 20);
    let base = format!("{ident}/contacts/{sid}");
    let (_, shown) = pub_call(&app, Method::GET, &base, None).await;
    assert_eq!(shown["email"], "pia@example.com");
    let (_, upd) = pub_call(
        &app,
        Method::PATCH,
        &base,
        Some(json!({ "name": "Pia P.", "custom_attributes": { "plan": "free" } })),
    )
    .await;
    assert_eq!(upd["name"], "Pia P.");
    assert_eq!(upd["custom_attributes"]["plan"], "free");

    // The contact listens on /cable with its pubsub token.
    let mut live = Cable::connect(&app).await;
    assert_eq!(
        live.subscribe(&json!({ "channel": "RoomChannel", "pubsub_token": me["pubsub_token"] }))
            .await,
        "confirm"
    );

    let (s, conv) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations"),
        Some(json!({ "custom_attributes": { "topic": "billing" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{conv}");
    let c = conv["id"].as_i64().unwrap();
    assert_eq!(conv["status"], "open");
    live.expect("conversation.created").await;
    let (s, m) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations/{c}/messages"),
        Some(json!({ "content": "Hi, my invoice is wrong", "echo_id": "w1" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["message_type"], 0);
    assert_eq!(m["echo_id"], "w1");
    assert_eq!(m["sender"]["type"], "contact");

    // The team sees it, answers, and writes a private note.
    let agent_view = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    assert!(
        agent_view["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["content"] == "Hi, my invoice is wrong")
    );
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "internal: check Stripe", "private": true })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "Fixed, sorry!" })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/toggle_status")),
        Some(json!({ "status": "pending" })),
    )
    .await;
    let d = live.expect("message.created").await;
    assert_eq!(
        d["content"], "Hi, my invoice is wrong",
        "its own message comes back for its other tabs"
    );
    let d = live.expect("message.created").await;
    assert_eq!(d["content"], "Fixed, sorry!", "the private note never came");

    let (_, msgs) = pub_call(&app, Method::GET, &format!("{base}/conversations/{c}/messages"), None).await;
    let texts: Vec<&str> = msgs
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec!["Hi, my invoice is wrong", "Fixed, sorry!"],
        "no private notes, no activity lines"
    );
    let (_, list) = pub_call(&app, Method::GET, &format!("{base}/conversations"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["messages"].as_array().unwrap().len(), 2);

    // Typing, read marks, an answered option, resolve.
    let (s, _) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations/{c}/toggle_typing"),
        Some(json!({ "typing_status": "on" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations/{c}/toggle_typing"),
        Some(json!({ "typing_status": "sideways" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (_, seen) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations/{c}/update_last_seen"),
        None,
    )
    .await;
    assert!(seen["contact_last_seen_at"].as_i64().unwrap() > 0);
    let q = app
        .ok(Method::POST, &app.acc(&format!("/conversations/{c}/messages")), Some(json!({ "content": "Rate us", "message_type": "template", "content_type": "input_select", "content_attributes": { "items": [{ "title": "Good", "value": "good" }] } })))
        .await;
    let (s, answered) = pub_call(
        &app,
        Method::PATCH,
        &format!("{base}/conversations/{c}/messages/{}", q["id"]),
        Some(json!({ "submitted_values": [{ "title": "Good", "value": "good" }] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{answered}");
    assert_eq!(answered["content_attributes"]["submitted_values"][0]["value"], "good");
    let (s, resolved) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations/{c}/toggle_status"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(resolved["status"], "resolved");

    // Nobody else's: another visitor, another inbox, bad input.
    let (_, other) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "name": "Olaf" })),
    )
    .await;
    let other_sid = other["source_id"].as_str().unwrap();
    let (s, _) = pub_call(
        &app,
        Method::GET,
        &format!("{ident}/contacts/{other_sid}/conversations/{c}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{other_sid}/conversations/{c}/messages"),
        Some(json!({ "content": "sneaky" })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = pub_call(&app, Method::GET, "no-such-inbox", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = pub_call(&app, Method::GET, &format!("{ident}/contacts/no-such-visitor"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = pub_call(
        &app,
        Method::POST,
        &format!("{base}/conversations/{c}/messages"),
        Some(json!({ "content": "" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "email": "nope" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let widget = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Site", "channel": { "type": "web_widget" } })),
        )
        .await;
    let (s, _) = pub_call(&app, Method::GET, widget["website_token"].as_str().unwrap(), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "website tokens are not API inbox identifiers");
    // Browsers may call it from any page.
    let pre = app
        .client
        .request(
            Method::OPTIONS,
            format!("{}/public/api/v1/inboxes/{ident}/contacts", app.base),
        )
        .header("Origin", "https://shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(pre.status(), StatusCode::NO_CONTENT);
    assert_eq!(pre.headers()["access-control-allow-origin"], "*");
    app.stop().await;
}
both!(a_contact_talks_to_the_team);

async fn identity_verification(app: TestApp) {
    let inbox = app.api_inbox("Verified", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let key = inbox["hmac_token"].as_str().unwrap().to_string();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{}", inbox["id"])),
        Some(json!({ "channel": { "hmac_mandatory": true } })),
    )
    .await;
    let (s, b) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "identifier": "user-7", "name": "Ute" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(b["error"], "HMAC failed: Invalid Identifier Hash Provided");
    let (s, _) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "identifier": "user-7", "identifier_hash": hash(&key, "user-8") })),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let good = json!({ "identifier": "user-7", "identifier_hash": hash(&key, "user-7"), "name": "Ute" });
    let (s, first) = pub_call(&app, Method::POST, &format!("{ident}/contacts"), Some(good.clone())).await;
    assert_eq!(s, StatusCode::OK, "{first}");
    let s1 = first["source_id"].as_str().unwrap().to_string();
    let (_, conv) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{s1}/conversations"),
        Some(json!({})),
    )
    .await;
    // A second session of the same verified person sees the same conversations.
    let (_, second) = pub_call(&app, Method::POST, &format!("{ident}/contacts"), Some(good)).await;
    assert_eq!(second["id"], first["id"], "one contact");
    let s2 = second["source_id"].as_str().unwrap();
    assert_ne!(s1, s2);
    let (_, list) = pub_call(&app, Method::GET, &format!("{ident}/contacts/{s2}/conversations"), None).await;
    assert_eq!(list[0]["id"], conv["id"]);
    app.stop().await;
}
both!(identity_verification);

async fn a_flooding_visitor_is_slowed(app: TestApp) {
    let inbox = app.api_inbox("App", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let (_, me) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "name": "Flo" })),
    )
    .await;
    let base = format!("{ident}/contacts/{}", me["source_id"].as_str().unwrap());
    let (_, conv) = pub_call(&app, Method::POST, &format!("{base}/conversations"), Some(json!({}))).await;
    let mut limited = false;
    for i in 0..70 {
        let (s, _) = pub_call(
            &app,
            Method::POST,
            &format!("{base}/conversations/{}/messages", conv["id"]),
            Some(json!({ "content": format!("spam {i}") })),
        )
        .await;
        if s == StatusCode::TOO_MANY_REQUESTS {
            assert!(i >= 58, "limited too early, at {i}");
            limited = true;
            break;
        }
        assert_eq!(s, StatusCode::OK);
    }
    assert!(limited, "one visitor cannot send without end");
    // Another visitor from the same address is not locked out.
    let (_, you) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "name": "Neighbour" })),
    )
    .await;
    let base2 = format!("{ident}/contacts/{}", you["source_id"].as_str().unwrap());
    let (s, _) = pub_call(&app, Method::POST, &format!("{base2}/conversations"), Some(json!({}))).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}
both!(a_flooding_visitor_is_slowed);

/// A visitor cannot grow its contact's attributes without end: each update
/// merges, and the merged whole is bounded (keys and bytes).
async fn visitor_attributes_are_bounded(app: TestApp) {
    let inbox = app.api_inbox("App chat", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let (_, me) = pub_call(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "name": "Max" })),
    )
    .await;
    let base = format!("{ident}/contacts/{}", me["source_id"].as_str().unwrap());
    let batch = |from: usize, n: usize| {
        let m: serde_json::Map<String, Value> = (from..from + n).map(|i| (format!("k{i}"), json!(i))).collect();
        json!({ "custom_attributes": m })
    };
    let (s, v) = pub_call(&app, Method::PATCH, &base, Some(batch(0, 150))).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = pub_call(&app, Method::PATCH, &base, Some(batch(150, 60))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("at most"), "{v}");
    let (s, _) = pub_call(&app, Method::PATCH, &base, Some(batch(0, 201))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "too many keys in one request");
    let big: serde_json::Map<String, Value> = (0..60).map(|i| (format!("b{i}"), json!("x".repeat(1400)))).collect();
    let (s, _) = pub_call(&app, Method::PATCH, &base, Some(json!({ "custom_attributes": big }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "too many bytes");
    // What was refused left the contact as it was.
    let id = me["id"].as_i64().unwrap();
    let agent = app.ok(Method::GET, &app.acc(&format!("/contacts/{id}")), None).await;
    assert_eq!(agent["payload"]["custom_attributes"].as_object().unwrap().len(), 150);
    app.stop().await;
}
both!(visitor_attributes_are_bounded);
