//! Malformed bodies, wrong types, oversize requests: clear 4xx, never 500.

use reqwest::StatusCode;
use serde_json::Value;

use crate::both;
use crate::helpers::TestApp;

async fn malformed_and_oversize_bodies(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let url = format!("{}{}", app.base, app.acc(&format!("/conversations/{c}/messages")));
    for raw in [
        "{\"content\": ",
        "not json",
        "[1,2,3]",
        "\"just a string\"",
        "{\"content\": \"x\"} trailing",
    ] {
        let r = app
            .client
            .post(&url)
            .header("api_access_token", &app.token)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{raw}");
        let b: Value = r.json().await.unwrap();
        assert!(b["error"].is_string(), "{raw}: {b}");
    }
    let big = format!("{{\"content\": \"{}\"}}", "a".repeat(2 * 1024 * 1024 + 1024));
    let r = app
        .client
        .post(&url)
        .header("api_access_token", &app.token)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let b: Value = r.json().await.unwrap();
    assert!(b["error"].is_string());
    // Non-numeric ids are not found, unknown routes too.
    let (s, b) = app.get(&app.acc("/conversations/abc")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(b["error"], "Resource could not be found");
    let (s, _) = app.get("/api/v1/accounts/xyz/conversations").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get("/api/v1/nothing/here").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Wrong types in every kind of field.
    for (path, body) in [
        (app.acc("/contacts"), serde_json::json!({ "name": ["a"] })),
        (app.acc("/contacts"), serde_json::json!({ "inbox_id": { "id": 1 } })),
        (
            app.acc("/conversations"),
            serde_json::json!({ "inbox_id": true, "contact_id": 1 }),
        ),
        (
            app.acc(&format!("/conversations/{c}/toggle_status")),
            serde_json::json!({ "status": 1.5 }),
        ),
        (
            app.acc(&format!("/conversations/{c}/assignments")),
            serde_json::json!({ "assignee_id": "bob" }),
        ),
        (app.acc("/teams"), serde_json::json!({ "name": null })),
        (
            app.acc("/webhooks"),
            serde_json::json!({ "url": "https://example.com/h", "subscriptions": "all" }),
        ),
        (
            app.acc("/inbox_members"),
            serde_json::json!({ "inbox_id": 1, "user_ids": "1,2" }),
        ),
    ] {
        let (s, b) = app.post(&path, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path} {body}: {b}");
        assert!(b["message"].is_string());
    }
    app.stop().await;
}
both!(malformed_and_oversize_bodies);
