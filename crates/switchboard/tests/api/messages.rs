//! Messages: cursors, kinds, validation, de-duplication, limits, status,
//! soft delete.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

fn contents(v: &Value) -> Vec<String> {
    v["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap_or("").to_string())
        .collect()
}

async fn cursors(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{c}/messages"));
    let mut ids = Vec::new();
    for i in 0..45 {
        let m = app
            .ok(
                Method::POST,
                &path,
                Some(json!({ "content": format!("m{i}"), "message_type": "incoming" })),
            )
            .await;
        ids.push(m["id"].as_i64().unwrap());
    }
    let latest = app.ok(Method::GET, &path, None).await;
    let want: Vec<String> = (25..45).map(|i| format!("m{i}")).collect();
    assert_eq!(contents(&latest), want, "latest 20, ascending");
    assert_eq!(latest["meta"]["contact"]["name"], "Carla Customer");
    // Read marks are datetimes in Chatwoot's view: null until read, then ISO-8601.
    assert_eq!(latest["meta"]["agent_last_seen_at"], Value::Null);
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/update_last_seen")),
        None,
    )
    .await;
    let seen = app.ok(Method::GET, &path, None).await;
    let at = seen["meta"]["agent_last_seen_at"].as_str().unwrap_or_default();
    assert!(at.ends_with('Z') && at.contains('T'), "{seen}");
    let before = app.ok(Method::GET, &format!("{path}?before={}", ids[25]), None).await;
    let want: Vec<String> = (5..25).map(|i| format!("m{i}")).collect();
    assert_eq!(contents(&before), want);
    let after = app.ok(Method::GET, &format!("{path}?after={}", ids[39]), None).await;
    let want: Vec<String> = (40..45).map(|i| format!("m{i}")).collect();
    assert_eq!(contents(&after), want);
    let both_ = app
        .ok(
            Method::GET,
            &format!("{path}?after={}&before={}", ids[9], ids[12]),
            None,
        )
        .await;
    assert_eq!(contents(&both_), vec!["m10", "m11"]);
    let (s, _) = app.get(&format!("{path}?before=abc")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(cursors);

async fn kinds_and_validation(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{c}/messages"));
    let note = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "content": "internal", "private": true })),
        )
        .await;
    assert_eq!(note["private"], true);
    let tpl = app.ok(Method::POST, &path, Some(json!({ "content": "Pick one", "message_type": "template", "content_type": "input_select", "content_attributes": { "items": [{ "title": "Yes", "value": "yes" }] } }))).await;
    assert_eq!(tpl["message_type"], 3);
    assert_eq!(tpl["content_type"], "input_select");
    let as_string = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "content": "x", "content_attributes": "{\"in_reply_to\": 1}" })),
        )
        .await;
    assert_eq!(as_string["content_attributes"]["in_reply_to"], 1);
    let with_source = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "content": "from elsewhere", "message_type": "incoming", "source_id": "ext-1" })),
        )
        .await;
    assert_eq!(with_source["source_id"], "ext-1");
    for (body, why) in [
        (
            json!({ "content": "x", "message_type": "activity" }),
            "activity is not creatable",
        ),
        (json!({ "content": "x", "message_type": "sideways" }), "unknown type"),
        (
            json!({ "content": "x", "content_type": "hologram" }),
            "unknown content type",
        ),
        (
            json!({ "content": "x", "content_type": "input_select", "content_attributes": { "items": [{ "title": "t", "evil": 1 }] } }),
            "unknown item key",
        ),
        (json!({ "content": "x", "content_type": "cards" }), "items required"),
        (
            json!({ "content": "x", "content_attributes": [1, 2] }),
            "attributes must be an object",
        ),
        (json!({ "content": 42.5, "private": "maybe" }), "wrong types"),
        (json!({ "content": "" }), "blank"),
        (json!({}), "missing content"),
        (json!({ "content": "x".repeat(150_001) }), "over 150,000 characters"),
    ] {
        let (s, b) = app.post(&path, body).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{why}: {b}");
        assert!(b["message"].is_string(), "{why}: {b}");
    }
    let ok = app
        .ok(Method::POST, &path, Some(json!({ "content": "é".repeat(150_000) })))
        .await;
    assert_eq!(ok["content"].as_str().unwrap().chars().count(), 150_000);
    app.stop().await;
}
both!(kinds_and_validation);

async fn incoming_only_on_api_inboxes(app: TestApp) {
    let widget = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Site", "channel": { "type": "web_widget", "website_url": "https://acme.test" } })),
        )
        .await;
    let inbox_id = widget["id"].as_i64().unwrap();
    assert!(
        widget["web_widget_script"]
            .as_str()
            .unwrap()
            .contains(widget["website_token"].as_str().unwrap())
    );
    let (contact_id, _) = app.contact(inbox_id, "Visitor").await;
    let c = app.conversation(inbox_id, contact_id).await;
    let (s, b) = app
        .post(
            &app.acc(&format!("/conversations/{c}/messages")),
            json!({ "content": "hi", "message_type": "incoming" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["message"], "Incoming messages are only allowed in Api inboxes");
    app.stop().await;
}
both!(incoming_only_on_api_inboxes);

async fn source_id_dedup_under_concurrency(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let url = format!("{}{}", app.base, app.acc(&format!("/conversations/{c}/messages")));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let client = app.client.clone();
        let url = url.clone();
        let token = app.token.clone();
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("api_access_token", token)
                .json(&json!({ "content": "same webhook", "message_type": "incoming", "source_id": "wamid.ABC" }))
                .send()
                .await
                .unwrap();
            (r.status(), r.json::<Value>().await.unwrap()["id"].as_i64())
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        let (s, id) = t.await.unwrap();
        assert_eq!(s, StatusCode::OK);
        ids.push(id.unwrap());
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "every replay answers with the one message");
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    let same: Vec<&Value> = msgs["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["source_id"] == "wamid.ABC")
        .collect();
    assert_eq!(same.len(), 1);
    // echo_id de-duplicates an agent's retried send too.
    let path = app.acc(&format!("/conversations/{c}/messages"));
    let a = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "content": "retry me", "echo_id": "e-1" })),
        )
        .await;
    let b = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "content": "retry me", "echo_id": "e-1" })),
        )
        .await;
    assert_eq!(a["id"], b["id"]);
    app.stop().await;
}
both!(source_id_dedup_under_concurrency);

async fn flood_limit(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{c}/messages"));
    for i in 0..200 {
        let (s, b) = app
            .post(&path, json!({ "content": format!("n{i}"), "message_type": "incoming" }))
            .await;
        assert_eq!(s, StatusCode::OK, "message {i}: {b}");
    }
    let (s, b) = app
        .post(&path, json!({ "content": "one too many", "message_type": "incoming" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["message"], "Too many messages");
    // Another conversation is not affected.
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    let c2 = app
        .conversation(
            conv["inbox_id"].as_i64().unwrap(),
            conv["meta"]["sender"]["id"].as_i64().unwrap(),
        )
        .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c2}/messages")),
        Some(json!({ "content": "fine" })),
    )
    .await;
    app.stop().await;
}
both!(flood_limit);

async fn status_updates_and_soft_delete(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{c}/messages"));
    let m = app
        .ok(Method::POST, &path, Some(json!({ "content": "delivered?" })))
        .await;
    let id = m["id"].as_i64().unwrap();
    let v = app
        .ok(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(json!({ "status": "delivered" })),
        )
        .await;
    assert_eq!(v["status"], "delivered");
    let v = app
        .ok(
            Method::PATCH,
            &format!("{path}/{id}"),
            Some(json!({ "status": "failed", "external_error": "recipient unknown" })),
        )
        .await;
    assert_eq!(v["status"], "failed");
    assert_eq!(v["content_attributes"]["external_error"], "recipient unknown");
    let (s, _) = app
        .patch(&format!("{path}/{id}"), json!({ "status": "teleported" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.patch(&format!("{path}/999999"), json!({ "status": "read" })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let v = app.ok(Method::DELETE, &format!("{path}/{id}"), None).await;
    assert_eq!(v["content"], "This message was deleted");
    assert_eq!(v["content_attributes"]["deleted"], true);
    let list = app.ok(Method::GET, &path, None).await;
    let row = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == id)
        .unwrap()
        .clone();
    assert_eq!(row["content_attributes"]["deleted"], true);

    // PATCH status is for API inboxes only.
    let widget = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Site", "channel": { "type": "web_widget" } })),
        )
        .await;
    let (contact_id, _) = app.contact(widget["id"].as_i64().unwrap(), "V").await;
    let wc = app.conversation(widget["id"].as_i64().unwrap(), contact_id).await;
    let wm = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{wc}/messages")),
            Some(json!({ "content": "hi" })),
        )
        .await;
    let (s, _) = app
        .patch(
            &app.acc(&format!("/conversations/{wc}/messages/{}", wm["id"])),
            json!({ "status": "read" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.stop().await;
}
both!(status_updates_and_soft_delete);

async fn concurrent_messages_across_conversations(app: TestApp) {
    let sink = crate::helpers::Sink::start().await;
    app.ok(
        Method::POST,
        &app.acc("/webhooks"),
        Some(json!({ "url": sink.url, "subscriptions": ["message_created"] })),
    )
    .await;
    let (inbox_id, contact_id, c1) = app.setup_conversation(None).await;
    let c2 = app.conversation(inbox_id, contact_id).await;
    let c3 = app.conversation(inbox_id, contact_id).await;
    let convs = [c1, c2, c3];
    let mut tasks = Vec::new();
    for i in 0..30 {
        let conv = convs[i % 3];
        let client = app.client.clone();
        let url = format!("{}{}", app.base, app.acc(&format!("/conversations/{conv}/messages")));
        let token = app.token.clone();
        let (kind, private) = if i % 5 == 0 {
            ("outgoing", true)
        } else {
            ("incoming", false)
        };
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("api_access_token", token)
                .json(&json!({ "content": format!("msg {i}"), "message_type": kind, "private": private, "echo_id": format!("e{i}") }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            let v: Value = r.json().await.unwrap();
            assert_eq!(v["conversation_id"], conv, "the answer names the right conversation");
            assert_eq!(v["content"], format!("msg {i}"));
            assert_eq!(v["echo_id"], format!("e{i}"));
            v["id"].as_i64().unwrap()
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.push(t.await.unwrap());
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 30, "thirty distinct messages");
    for conv in convs {
        let list = app
            .ok(
                Method::GET,
                &app.acc(&format!("/conversations/{conv}/messages?after=0")),
                None,
            )
            .await;
        let mine: Vec<&Value> = list["payload"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["message_type"] != 2)
            .collect();
        assert_eq!(mine.len(), 10, "ten messages in conversation {conv}");
        let c = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
            .await;
        assert_eq!(c["unread_count"], 8, "eight incoming of ten are unread (cap 10)");
        assert!(c["last_activity_at"].as_i64().unwrap() > 0);
    }
    // One webhook per message (private notes too, flagged, as Chatwoot sends them), each naming its conversation.
    let hooks = sink.wait_for("message_created", 30).await;
    assert_eq!(hooks.len(), 30);
    for h in &hooks {
        let b = h.json();
        let n: usize = b["content"]
            .as_str()
            .unwrap()
            .trim_start_matches("msg ")
            .parse()
            .unwrap();
        assert_eq!(b["conversation"]["id"], convs[n % 3]);
        assert_eq!(b["private"], n.is_multiple_of(5));
    }
    app.stop().await;
}
both!(concurrent_messages_across_conversations);
