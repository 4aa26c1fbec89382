//! Auto-resolve: Chatwoot's account settings, idle open conversations
//! resolved with the account's message and label, a waiting customer left
//! alone when the account asks, and bad input.

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, eventually, messages};

async fn conversation(app: &TestApp, conv: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await
}

async fn say(app: &TestApp, conv: i64, text: &str, message_type: &str) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": text, "message_type": message_type })),
    )
    .await;
}

/// Moves a conversation's last activity `minutes` into the past.
async fn idle_for(app: &TestApp, conv: i64, minutes: i64) {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_micros() as i64;
    let at = now - minutes * 60_000_000;
    app.sql_rows(&format!(
        "UPDATE conversations SET last_activity_at = {at} WHERE account_id = {} AND display_id = {conv}",
        app.account_id
    ))
    .await;
}

async fn idle_conversations_resolve(app: TestApp) {
    let account = format!("/api/v1/accounts/{}", app.account_id);
    for (body, attr) in [
        (json!({ "auto_resolve_after": 5 }), "auto_resolve_after"),
        (json!({ "auto_resolve_after": 2_000_000 }), "auto_resolve_after"),
        (json!({ "auto_resolve_after": "soon" }), "auto_resolve_after"),
        (json!({ "auto_resolve_message": 12 }), "auto_resolve_message"),
        (json!({ "auto_resolve_label": ["a", "b"] }), "auto_resolve_label"),
        (
            json!({ "auto_resolve_ignore_waiting": "maybe" }),
            "auto_resolve_ignore_waiting",
        ),
    ] {
        let (s, v) = app.patch(&account, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v["attributes"].to_string().contains(attr), "{body}: {v}");
    }
    let (_, amy) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (s, _) = app
        .call(Method::PATCH, &account, &amy, Some(json!({ "auto_resolve_after": 60 })))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    let v = app
        .ok(
            Method::PATCH,
            &account,
            Some(json!({
                "auto_resolve_after": "60", "auto_resolve_message": "We closed this for now: write again any time.",
                "auto_resolve_label": "Auto-Closed", "auto_resolve_ignore_waiting": true,
            })),
        )
        .await;
    assert_eq!(v["settings"]["auto_resolve_after"], 60, "{v}");
    assert_eq!(v["settings"]["auto_resolve_label"], "auto-closed");
    assert_eq!(v["settings"]["auto_resolve_ignore_waiting"], true);

    let (inbox, contact, answered) = app.setup_conversation(None).await;
    say(&app, answered, "Where is my parcel?", "incoming").await;
    say(&app, answered, "It left today.", "outgoing").await;
    let waiting = app.conversation(inbox, contact).await;
    say(&app, waiting, "Hello?", "incoming").await;
    let recent = app.conversation(inbox, contact).await;
    let pending = app.conversation(inbox, contact).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{pending}/toggle_status")),
        Some(json!({ "status": "pending" })),
    )
    .await;
    for conv in [answered, waiting, pending] {
        idle_for(&app, conv, 61).await;
    }
    idle_for(&app, recent, 30).await;

    let c = eventually(45, "the idle conversation resolved", || async {
        let c = conversation(&app, answered).await;
        (c["status"] == "resolved").then_some(c)
    })
    .await;
    assert_eq!(c["labels"], json!(["auto-closed"]), "{c}");
    let msgs = messages(&app, answered).await;
    assert!(
        msgs.iter()
            .any(|m| m["message_type"] == 3 && m["content"] == "We closed this for now: write again any time."),
        "the account's message to the customer: {msgs:?}"
    );
    assert!(
        msgs.iter().any(|m| m["message_type"] == 2
            && m["content"] == "Conversation was resolved by system due to 1 hour of inactivity"),
        "{msgs:?}"
    );
    // The waiting customer, the recent and the pending conversations stay.
    for (conv, status) in [(waiting, "open"), (recent, "open"), (pending, "pending")] {
        assert_eq!(conversation(&app, conv).await["status"], status, "#{conv}");
    }
    // Waiting customers too, once the account says so.
    app.ok(
        Method::PATCH,
        &account,
        Some(json!({ "settings": { "auto_resolve_ignore_waiting": false } })),
    )
    .await;
    eventually(45, "the waiting conversation resolved", || async {
        (conversation(&app, waiting).await["status"] == "resolved").then_some(())
    })
    .await;
    assert_eq!(conversation(&app, recent).await["status"], "open");
    // Off again.
    let v = app
        .ok(
            Method::PATCH,
            &account,
            Some(json!({ "auto_resolve_after": null, "auto_resolve_label": "" })),
        )
        .await;
    assert!(v["settings"].get("auto_resolve_after").is_none(), "{v}");
    assert!(v["settings"].get("auto_resolve_label").is_none(), "{v}");
    app.stop().await;
}
both!(idle_conversations_resolve);
