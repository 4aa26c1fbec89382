//! Tenancy: another account's ids answer 404 on every route; an agent
//! outside an inbox can neither read nor change it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Sink, TestApp};

async fn foreign_ids_are_not_found_everywhere(app: TestApp) {
    let sink = Sink::start().await;
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let msg = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": "secret" })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "a-team" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let label = app
        .ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": "a-label" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let canned = app
        .ok(
            Method::POST,
            &app.acc("/canned_responses"),
            Some(json!({ "short_code": "a", "content": "A" })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let hook = app
        .ok(Method::POST, &app.acc("/webhooks"), Some(json!({ "url": sink.url })))
        .await["payload"]["webhook"]["id"]
        .as_i64()
        .unwrap();
    let (agent, _) = app.agent("Bob", "bob@acme.test", "agent").await;

    let (other, token) = app.other_account().await;
    let b = |p: &str| format!("/api/v1/accounts/{other}{p}");
    let body = json!({ "name": "x", "content": "x", "status": "resolved", "priority": "high", "assignee_id": agent, "labels": ["x"], "custom_attributes": {"a": 1}, "inbox_id": inbox, "user_ids": [agent], "title": "x", "short_code": "x", "url": "https://example.com/x" });
    let routes: Vec<(Method, String)> = vec![
        (Method::GET, b(&format!("/inboxes/{inbox}"))),
        (Method::PATCH, b(&format!("/inboxes/{inbox}"))),
        (Method::DELETE, b(&format!("/inboxes/{inbox}"))),
        (Method::GET, b(&format!("/inbox_members/{inbox}"))),
        (Method::POST, b(&format!("/inboxes/{inbox}/sync_templates"))),
        (Method::POST, b("/inbox_members")),
        (Method::PATCH, b("/inbox_members")),
        (Method::GET, b(&format!("/contacts/{contact}"))),
        (Method::PUT, b(&format!("/contacts/{contact}"))),
        (Method::PATCH, b(&format!("/contacts/{contact}"))),
        (Method::DELETE, b(&format!("/contacts/{contact}"))),
        (Method::GET, b(&format!("/contacts/{contact}/conversations"))),
        (Method::POST, b(&format!("/contacts/{contact}/contact_inboxes"))),
        (Method::GET, b(&format!("/contacts/{contact}/labels"))),
        (Method::POST, b(&format!("/contacts/{contact}/labels"))),
        (
            Method::POST,
            b(&format!("/contacts/{contact}/destroy_custom_attributes")),
        ),
        (Method::GET, b(&format!("/conversations/{conv}"))),
        (Method::PATCH, b(&format!("/conversations/{conv}"))),
        (Method::POST, b(&format!("/conversations/{conv}/toggle_status"))),
        (Method::POST, b(&format!("/conversations/{conv}/toggle_priority"))),
        (Method::POST, b(&format!("/conversations/{conv}/assignments"))),
        (Method::GET, b(&format!("/conversations/{conv}/labels"))),
        (Method::POST, b(&format!("/conversations/{conv}/labels"))),
        (Method::POST, b(&format!("/conversations/{conv}/custom_attributes"))),
        (Method::POST, b(&format!("/conversations/{conv}/update_last_seen"))),
        (Method::POST, b(&format!("/conversations/{conv}/unread"))),
        (Method::GET, b(&format!("/conversations/{conv}/messages"))),
        (Method::POST, b(&format!("/conversations/{conv}/messages"))),
        (Method::PATCH, b(&format!("/conversations/{conv}/messages/{msg}"))),
        (Method::DELETE, b(&format!("/conversations/{conv}/messages/{msg}"))),
        (Method::POST, b(&format!("/conversations/{conv}/messages/{msg}/retry"))),
        (Method::GET, b(&format!("/teams/{team}"))),
        (Method::PATCH, b(&format!("/teams/{team}"))),
        (Method::DELETE, b(&format!("/teams/{team}"))),
        (Method::GET, b(&format!("/teams/{team}/team_members"))),
        (Method::POST, b(&format!("/teams/{team}/team_members"))),
        (Method::GET, b(&format!("/labels/{label}"))),
        (Method::PATCH, b(&format!("/labels/{label}"))),
        (Method::DELETE, b(&format!("/labels/{label}"))),
        (Method::PATCH, b(&format!("/canned_responses/{canned}"))),
        (Method::DELETE, b(&format!("/canned_responses/{canned}"))),
        (Method::PATCH, b(&format!("/webhooks/{hook}"))),
        (Method::DELETE, b(&format!("/webhooks/{hook}"))),
        (Method::GET, b(&format!("/webhooks/{hook}/deliveries"))),
        (Method::PATCH, b(&format!("/agents/{agent}"))),
        (Method::DELETE, b(&format!("/agents/{agent}"))),
    ];
    for (m, path) in &routes {
        let (s, v) = app.call(m.clone(), path, &token, Some(body.clone())).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path} -> {v}");
        assert_eq!(v["error"], "Resource could not be found", "{m} {path}");
    }
    // Creating in B with A's inbox or contact is refused too.
    let (s, _) = app
        .call(
            Method::POST,
            &b("/conversations"),
            &token,
            Some(json!({ "inbox_id": inbox, "contact_id": contact })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .call(
            Method::POST,
            &b("/contacts"),
            &token,
            Some(json!({ "name": "x", "inbox_id": inbox })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // B's lists show nothing of A.
    let list = app
        .call(Method::GET, &b("/conversations?status=all"), &token, None)
        .await
        .1;
    assert_eq!(list["data"]["payload"], json!([]));
    let list = app.call(Method::GET, &b("/contacts"), &token, None).await.1;
    assert_eq!(list["payload"], json!([]));
    // A's account path with B's token: not a member.
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/conversations/{conv}")), &token, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // And nothing of A changed.
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(c["status"], "open");
    assert_eq!(c["priority"], Value::Null);
    let m = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await;
    assert!(
        m["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["content"] == "secret")
    );
    app.stop().await;
}
both!(foreign_ids_are_not_found_everywhere);

async fn agents_only_reach_their_inboxes(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let other_inbox = app.api_inbox("Bob's inbox", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": other_inbox, "user_ids": [bob] })),
    )
    .await;
    let bob_conv = app.conversation(other_inbox, contact).await;
    let denied: Vec<(Method, String, Value)> = vec![
        (Method::GET, app.acc(&format!("/conversations/{conv}")), json!({})),
        (
            Method::GET,
            app.acc(&format!("/conversations/{conv}/messages")),
            json!({}),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/messages")),
            json!({ "content": "x" }),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/toggle_status")),
            json!({ "status": "resolved" }),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/assignments")),
            json!({ "assignee_id": bob }),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/labels")),
            json!({ "labels": ["x"] }),
        ),
        (Method::GET, app.acc(&format!("/inboxes/{inbox}")), json!({})),
        (Method::GET, app.acc(&format!("/inbox_members/{inbox}")), json!({})),
        (
            Method::POST,
            app.acc("/conversations"),
            json!({ "inbox_id": inbox, "contact_id": contact }),
        ),
    ];
    for (m, path, body) in denied {
        let (s, v) = app.call(m.clone(), &path, &bob_token, Some(body)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path} -> {v}");
    }
    let list = app
        .call(Method::GET, &app.acc("/conversations"), &bob_token, None)
        .await
        .1;
    let ids: Vec<i64> = list["data"]["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![bob_conv]);
    assert_eq!(list["data"]["meta"]["all_count"], 1);
    let contact_convs = app
        .call(
            Method::GET,
            &app.acc(&format!("/contacts/{contact}/conversations")),
            &bob_token,
            None,
        )
        .await
        .1;
    assert_eq!(contact_convs["payload"].as_array().unwrap().len(), 1);
    // In his own inbox he works normally.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{bob_conv}/messages")),
            &bob_token,
            Some(json!({ "content": "on it" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{bob_conv}/toggle_status")),
            &bob_token,
            Some(json!({ "status": "resolved" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.stop().await;
}
both!(agents_only_reach_their_inboxes);
