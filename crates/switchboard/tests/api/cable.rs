//! `/cable` with a raw WebSocket client: the ActionCable frame sequence,
//! who receives which event, and what is refused.

use std::time::Duration;

use reqwest::Method;
use serde_json::json;

use crate::both;
pub use crate::cable_client::{Cable, agent_identifier, contact_identifier};
use crate::helpers::TestApp;

async fn frame_sequence_and_limits(app: TestApp) {
    let mut c = Cable::connect(&app).await;
    // A ping arrives every 3 seconds.
    let f = c.frame(Duration::from_secs(5)).await.expect("ping");
    assert_eq!(f["type"], "ping");
    assert!(f["message"].as_i64().unwrap() > 1_700_000_000);
    let me = agent_identifier(&app, &app.token).await;
    assert_eq!(c.subscribe(&me).await, "confirm");
    assert_eq!(c.subscribe(&me).await, "confirm", "subscribing twice is harmless");
    // Forged tokens, another account, unknown channels are rejected.
    let mut forged = me.clone();
    forged["pubsub_token"] = json!("forged-token-000000000000");
    assert_eq!(c.subscribe(&forged).await, "reject");
    let (other, _) = app.other_account().await;
    let mut foreign = me.clone();
    foreign["account_id"] = json!(other);
    assert_eq!(c.subscribe(&foreign).await, "reject");
    assert_eq!(
        c.subscribe(&json!({ "channel": "AdminChannel", "pubsub_token": me["pubsub_token"] }))
            .await,
        "reject"
    );
    assert_eq!(
        c.subscribe(&json!({ "channel": "RoomChannel", "pubsub_token": "no-such-contact" }))
            .await,
        "reject"
    );
    // presence.update answers update_presence.
    c.send(json!({ "command": "message", "identifier": me.to_string(), "data": "{\"action\":\"update_presence\"}" }))
        .await;
    let p = c.expect("presence.update").await;
    assert_eq!(p["account_id"], app.account_id);
    assert_eq!(p["users"][app.admin_id.to_string()], "online");
    // An availability change reaches the account's agents as presence.update.
    app.ok(Method::PUT, "/api/v1/profile", Some(json!({ "availability": "busy" })))
        .await;
    let p = c.expect("presence.update").await;
    assert_eq!(p["users"][app.admin_id.to_string()], "busy");
    // Unsubscribed, nothing more arrives.
    c.send(json!({ "command": "unsubscribe", "identifier": me.to_string() }))
        .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    app.setup_conversation(None).await;
    assert!(c.events(Duration::from_millis(500)).await.is_empty());
    // A frame over 64 KiB closes the socket.
    // (The server may close while the client is still writing it.)
    let big = json!({ "command": "message", "identifier": me.to_string(), "data": "x".repeat(1 << 20) });
    let mut closed = !c.try_send(big).await;
    for _ in 0..5 {
        if closed {
            break;
        }
        match c.frame(Duration::from_secs(2)).await {
            None => closed = true,
            Some(f) if f["type"] == "disconnect" => closed = true,
            Some(_) => {}
        }
    }
    assert!(closed, "oversize frame closes the connection");
    app.stop().await;
}
both!(frame_sequence_and_limits);

async fn events_reach_exactly_their_recipients(app: TestApp) {
    let (inbox1, contact_x, conv) = app.setup_conversation(None).await;
    // Bob's sockets make him present: routing would give him the
    // conversation (and its events) before the steps below. Assignment is
    // the test's own step here.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox1}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let inbox2 = app.api_inbox("Other", None).await["id"].as_i64().unwrap();
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (carl, carl_token) = app.agent("Carl", "carl@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox1, "user_ids": [bob] })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox2, "user_ids": [carl] })),
    )
    .await;
    let x_source = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{contact_x}")), None)
        .await["payload"]["contact_inboxes"][0]["source_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, y_source) = app.contact(inbox1, "Yuri").await;

    let mut admin = Cable::connect(&app).await;
    assert_eq!(
        admin.subscribe(&agent_identifier(&app, &app.token).await).await,
        "confirm"
    );
    let mut b = Cable::connect(&app).await;
    assert_eq!(b.subscribe(&agent_identifier(&app, &bob_token).await).await, "confirm");
    let mut b2 = Cable::connect(&app).await;
    assert_eq!(
        b2.subscribe(&agent_identifier(&app, &bob_token).await).await,
        "confirm",
        "a second tab"
    );
    let mut c = Cable::connect(&app).await;
    assert_eq!(c.subscribe(&agent_identifier(&app, &carl_token).await).await, "confirm");
    let mut x = Cable::connect(&app).await;
    assert_eq!(
        x.subscribe(&contact_identifier(&app, inbox1, &x_source).await).await,
        "confirm"
    );
    let mut y = Cable::connect(&app).await;
    assert_eq!(
        y.subscribe(&contact_identifier(&app, inbox1, &y_source).await).await,
        "confirm"
    );
    let _ = carl;

    // An incoming message: agents of the inbox, both of Bob's tabs, the contact.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "hello from X", "message_type": "incoming" })),
    )
    .await;
    for s in [&mut admin, &mut b, &mut b2, &mut x] {
        let d = s.expect("message.created").await;
        assert_eq!(d["content"], "hello from X");
        assert_eq!(d["conversation_id"], conv);
        assert_eq!(d["account_id"], app.account_id);
    }
    // A private note: agents only.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "internal only", "private": true })),
    )
    .await;
    for s in [&mut admin, &mut b, &mut b2] {
        let d = s.expect("message.created").await;
        assert_eq!(d["private"], true);
    }
    // A public reply with echo_id: agents and the contact, echo_id included.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "public reply", "echo_id": "tab-1" })),
    )
    .await;
    let d = x.expect("message.created").await;
    assert_eq!(d["content"], "public reply", "the contact never saw the private note");
    assert_eq!(d["echo_id"], "tab-1");
    admin.expect("message.created").await;
    // Status change: conversation.status_changed to agents and contact; its
    // activity line to agents only.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let d = b.expect("conversation.status_changed").await;
    assert_eq!(d["status"], "resolved");
    assert_eq!(d["id"], conv);
    x.expect("conversation.status_changed").await;
    // Assignment: agents only.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "assignee_id": bob })),
    )
    .await;
    let d = admin.expect("assignee.changed").await;
    assert_eq!(d["meta"]["assignee"]["id"], bob);
    b.expect("assignee.changed").await;
    // Typing: everyone but the typer.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/toggle_typing_status")),
            &bob_token,
            Some(json!({ "typing_status": "on" })),
        )
        .await;
    assert_eq!(s, 200);
    let d = x.expect("conversation.typing_on").await;
    assert_eq!(d["user"]["id"], bob);
    assert_eq!(d["conversation"]["id"], conv);
    admin.expect("conversation.typing_on").await;
    // Contact events: agents of the account only.
    app.ok(
        Method::PUT,
        &app.acc(&format!("/contacts/{contact_x}")),
        Some(json!({ "name": "Xenia" })),
    )
    .await;
    let d = c.expect("contact.updated").await;
    assert_eq!(d["name"], "Xenia");

    // Drain what is still in flight, then check everything each socket ever got.
    for s in [&mut admin, &mut b, &mut b2, &mut c, &mut x, &mut y] {
        s.events(Duration::from_millis(300)).await;
    }
    let names = |s: &Cable| s.seen.iter().map(|(e, _)| e.clone()).collect::<Vec<_>>();
    assert_eq!(
        names(&c),
        vec!["contact.updated"],
        "Carl (another inbox) got only the account-wide event"
    );
    assert!(y.seen.is_empty(), "another contact got {:?}", names(&y));
    for (e, d) in &x.seen {
        assert!(
            !(e == "message.created" && (d["private"] == true || d["message_type"] == 2)),
            "the contact got {e}: {d}"
        );
        assert!(
            ![
                "assignee.changed",
                "contact.updated",
                "conversation.read",
                "team.changed"
            ]
            .contains(&e.as_str()),
            "the contact got {e}"
        );
    }
    assert!(
        x.seen
            .iter()
            .any(|(e, d)| e == "message.created" && d["content"] == "hello from X")
    );
    assert!(
        !names(&b).contains(&"conversation.typing_on".to_string()),
        "the typer got their own typing: {:?}",
        names(&b)
    );
    assert!(
        names(&b2).contains(&"assignee.changed".to_string()),
        "the second tab follows too"
    );
    let private_to_admin = admin
        .seen
        .iter()
        .filter(|(e, d)| e == "message.created" && d["private"] == true)
        .count();
    assert_eq!(private_to_admin, 1);
    let activity_to_admin = admin
        .seen
        .iter()
        .filter(|(e, d)| e == "message.created" && d["message_type"] == 2)
        .count();
    assert!(
        activity_to_admin >= 2,
        "resolve and assignment activity lines reach agents"
    );
    app.stop().await;
}
both!(events_reach_exactly_their_recipients);

async fn revoked_credentials_close_sockets(app: TestApp) {
    let (_, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let id = agent_identifier(&app, &bob_token).await;
    let mut b = Cable::connect(&app).await;
    assert_eq!(b.subscribe(&id).await, "confirm");
    // Bob changes his own password (only he can).
    let (s, v) = app
        .call(
            Method::PUT,
            "/api/v1/profile",
            &bob_token,
            Some(json!({ "current_password": "agent password 1", "password": "a brand new password" })),
        )
        .await;
    assert_eq!(s, reqwest::StatusCode::OK, "{v}");
    let mut disconnected = false;
    for _ in 0..5 {
        match b.frame(Duration::from_secs(2)).await {
            Some(f) if f["type"] == "disconnect" => {
                assert_eq!(f["reason"], "unauthorized");
                assert_eq!(f["reconnect"], false);
                disconnected = true;
                break;
            }
            None => break,
            Some(_) => {}
        }
    }
    assert!(disconnected, "the socket was told and closed");
    // The old pubsub token no longer subscribes.
    let mut again = Cable::connect(&app).await;
    assert_eq!(again.subscribe(&id).await, "reject");
    // Removing an agent from the account closes their sockets too.
    let (carl, carl_token) = app.agent("Carl", "carl@acme.test", "agent").await;
    let mut c = Cable::connect(&app).await;
    assert_eq!(c.subscribe(&agent_identifier(&app, &carl_token).await).await, "confirm");
    app.ok(Method::DELETE, &app.acc(&format!("/agents/{carl}")), None).await;
    let closed = c.closed_by_server().await;
    assert!(closed);
    app.stop().await;
}
both!(revoked_credentials_close_sockets);
