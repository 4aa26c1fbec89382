//! Chatwoot's `POST /bulk_actions`: many conversations changed at once, each
//! as a single change would be, never beyond what the caller may see.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

async fn conv(app: &TestApp, id: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{id}")), None)
        .await
}

async fn bulk_changes_what_it_may(app: TestApp) {
    let inbox = app.api_inbox("Shop", None).await["id"].as_i64().unwrap();
    let mut ids = Vec::new();
    for name in ["Ann", "Ben", "Cid"] {
        let (contact, _) = app.contact(inbox, name).await;
        ids.push(app.conversation(inbox, contact).await);
    }
    let (bob, bob_token) = app.agent("Bob", "bob@example.com", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [bob] })),
    )
    .await;
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "Billing" })))
        .await["id"]
        .as_i64()
        .unwrap();
    for l in ["vip", "late"] {
        app.ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": l })))
            .await;
    }

    // Everything at once, on the first two.
    let v = app
        .ok(
            Method::POST,
            &app.acc("/bulk_actions"),
            Some(json!({ "type": "Conversation", "ids": [ids[0], ids[1]],
                         "fields": { "assignee_id": bob, "team_id": team, "status": "pending" },
                         "labels": { "add": ["vip", "late"] } })),
        )
        .await;
    assert_eq!(v["changed"], 2, "{v}");
    for id in &ids[..2] {
        let c = conv(&app, *id).await;
        assert_eq!(c["meta"]["assignee"]["id"], bob, "{c}");
        assert_eq!(c["meta"]["team"]["id"], team);
        assert_eq!(c["status"], "pending");
        assert_eq!(c["labels"], json!(["late", "vip"]));
    }
    let third = conv(&app, ids[2]).await;
    assert_eq!(third["status"], "open");
    assert_eq!(third["labels"], json!([]));
    // Each change left its activity line, as a single change does.
    let msgs = crate::helpers::messages(&app, ids[0]).await;
    assert!(
        msgs.iter()
            .any(|m| m["message_type"] == 2 && m["content"].as_str().unwrap_or("").contains("pending")),
        "{msgs:?}"
    );

    // Labels removed, a snooze with its time.
    let v = app
        .ok(
            Method::POST,
            &app.acc("/bulk_actions"),
            Some(json!({ "ids": ids, "labels": { "remove": ["VIP"] },
                         "fields": { "status": "snoozed", "snoozed_until": 4_102_444_800i64 } })),
        )
        .await;
    assert_eq!(v["changed"], 3);
    let c = conv(&app, ids[0]).await;
    assert_eq!(c["labels"], json!(["late"]));
    assert_eq!(c["status"], "snoozed");
    assert_eq!(c["snoozed_until"], "2100-01-01T00:00:00.000Z");

    // Another account's conversations are passed over, unchanged.
    let (other, olga) = app.other_account().await;
    let their_inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/inboxes"),
            &olga,
            Some(json!({ "name": "Theirs", "channel": { "type": "api" } })),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    let their_contact = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/contacts"),
            &olga,
            Some(json!({ "name": "Zed", "inbox_id": their_inbox })),
        )
        .await
        .1["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    // (Display ids count per account: theirs goes past ours, so the id
    // names no conversation of this account.)
    let mut theirs = 0;
    for _ in 0..5 {
        theirs = app
            .call(
                Method::POST,
                &format!("/api/v1/accounts/{other}/conversations"),
                &olga,
                Some(json!({ "inbox_id": their_inbox, "contact_id": their_contact })),
            )
            .await
            .1["id"]
            .as_i64()
            .unwrap();
    }
    assert!(theirs > ids[2]);
    let v = app
        .ok(
            Method::POST,
            &app.acc("/bulk_actions"),
            Some(json!({ "ids": [theirs], "fields": { "status": "resolved" } })),
        )
        .await;
    assert_eq!(v["changed"], 0, "{v}");
    let (_, t) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/conversations/{theirs}"),
            &olga,
            None,
        )
        .await;
    assert_eq!(t["status"], "open", "{t}");

    // An agent outside the inbox changes nothing; one inside does.
    let (_, outsider) = app.agent("Out", "out@example.com", "agent").await;
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc("/bulk_actions"),
            &outsider,
            Some(json!({ "ids": [ids[2]], "fields": { "status": "resolved" } })),
        )
        .await;
    assert_eq!((s, v["changed"].clone()), (StatusCode::OK, json!(0)));
    assert_eq!(conv(&app, ids[2]).await["status"], "snoozed");
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc("/bulk_actions"),
            &bob_token,
            Some(json!({ "ids": [ids[2]], "fields": { "status": "open" } })),
        )
        .await;
    assert_eq!((s, v["changed"].clone()), (StatusCode::OK, json!(1)), "{v}");

    // Bad requests change nothing.
    let many: Vec<i64> = (1..=101).collect();
    for body in [
        json!({ "fields": { "status": "open" } }),
        json!({ "ids": [], "fields": { "status": "open" } }),
        json!({ "ids": "1,2", "fields": { "status": "open" } }),
        json!({ "ids": many, "fields": { "status": "open" } }),
        json!({ "type": "Contact", "ids": [ids[0]], "fields": { "status": "open" } }),
        json!({ "ids": [ids[0]] }),
        json!({ "ids": [ids[0]], "fields": { "assignee_id": "someone" } }),
        json!({ "ids": [ids[0]], "fields": "open" }),
        json!({ "ids": [ids[0]], "labels": { "add": [7] } }),
    ] {
        let (s, v) = app.post(&app.acc("/bulk_actions"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    let (s, _) = app
        .post(
            &app.acc("/bulk_actions"),
            json!({ "ids": [ids[0]], "fields": { "status": "sleeping" } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "an unknown status");
    assert_eq!(conv(&app, ids[0]).await["status"], "snoozed");
    app.stop().await;
}
both!(bulk_changes_what_it_may);
