//! Notifications: who gets which, once; the list and its changes; the
//! settings; the ActionCable pushes; the batched mails.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::cable_client::{Cable, agent_identifier};
use crate::helpers::{Db, TestApp, eventually};

fn link(id: i64, name: &str) -> String {
    format!("[@{name}](mention://user/{id}/{name})")
}

/// The caller's notifications as (type, conversation display id), oldest
/// first, with snoozed ones.
async fn kinds(app: &TestApp, token: &str) -> Vec<(String, i64)> {
    let (s, v) = app
        .call(Method::GET, &app.acc("/notifications?includes[]=snoozed"), token, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut out: Vec<(i64, String, i64)> = v["data"]["payload"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload: {v}"))
        .iter()
        .map(|n| {
            (
                n["id"].as_i64().unwrap(),
                n["notification_type"].as_str().unwrap().to_string(),
                n["primary_actor"]["id"].as_i64().unwrap(),
            )
        })
        .collect();
    out.sort();
    out.into_iter().map(|(_, t, c)| (t, c)).collect()
}

/// Waits until the caller has `n` notifications, then a moment more to see
/// that no others come.
async fn settle(app: &TestApp, token: &str, n: usize) -> Vec<(String, i64)> {
    eventually(10, &format!("{n} notifications"), || async {
        let k = kinds(app, token).await;
        (k.len() >= n).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    kinds(app, token).await
}

async fn post_as(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (s, v) = app.call(Method::POST, &app.acc(path), token, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{path}: {v}");
    v
}

/// Waits until no listener job is left (so "nothing more came" means it).
async fn idle(app: &TestApp) {
    eventually(10, "the listener jobs", || async {
        let rows = app
            .sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE kind = 'listen' AND state IN (0, 1)")
            .await;
        (rows[0][0].as_deref() == Some("0")).then_some(())
    })
    .await;
}

async fn each_type_once_to_the_right_people(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    // Sockets make agents present; routing would assign (and notify) on its
    // own. Assignments here are the test's steps.
    manual_assignment(&app, inbox).await;
    let (contact, _) = app.contact(inbox, "Carla Customer").await;
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (ada, ada_token) = app.agent("Ada", "ada@acme.test", "administrator").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let mut amy_cable = Cable::connect(&app).await;
    assert_eq!(
        amy_cable.subscribe(&agent_identifier(&app, &amy_token).await).await,
        "confirm"
    );
    let mut bob_cable = Cable::connect(&app).await;
    assert_eq!(
        bob_cable.subscribe(&agent_identifier(&app, &bob_token).await).await,
        "confirm"
    );

    // A new conversation: the inbox's members (Amy), not the administrator
    // who opened it, not Bob (outside the inbox), not Ada (not a member).
    let conv = app.conversation(inbox, contact).await;
    let created = amy_cable.expect("notification.created").await;
    assert_eq!(
        created["notification"]["notification_type"], "conversation_creation",
        "{created}"
    );
    assert_eq!(created["notification"]["primary_actor"]["id"], conv, "{created}");
    assert_eq!(created["unread_count"], 1, "{created}");
    assert_eq!(created["count"], 1, "{created}");
    assert_eq!(created["notification"]["user"]["id"], amy, "{created}");
    assert!(
        created["notification"]["push_message_title"]
            .as_str()
            .unwrap()
            .contains(&format!("#{conv}")),
        "{created}"
    );

    // Assigned by the administrator: Amy is told.
    post_as(
        &app,
        &app.token,
        &format!("/conversations/{conv}/assignments"),
        json!({ "assignee_id": amy }),
    )
    .await;
    // An incoming message: the assignee.
    post_as(
        &app,
        &app.token,
        &format!("/conversations/{conv}/messages"),
        json!({ "content": "Where is my parcel?", "message_type": "incoming" }),
    )
    .await;
    // Ada takes part (once the message above was handled, as participants
    // are read when a message's notifications are made): the next message
    // reaches her as a participant.
    idle(&app).await;
    post_as(
        &app,
        &app.token,
        &format!("/conversations/{conv}/participants"),
        json!({ "user_ids": [ada] }),
    )
    .await;
    // Amy replies: Ada is told, Amy (the author) is not.
    post_as(
        &app,
        &amy_token,
        &format!("/conversations/{conv}/messages"),
        json!({ "content": "On its way" }),
    )
    .await;
    // The administrator's note mentions Amy and Bob: Amy is mentioned (and
    // not told twice of the same note); Bob may not see the inbox; Ada
    // takes part.
    post_as(
        &app,
        &app.token,
        &format!("/conversations/{conv}/messages"),
        json!({ "content": format!("{} {} please check", link(amy, "Amy"), link(bob, "Bob")), "private": true }),
    )
    .await;
    idle(&app).await;
    let amy_kinds = settle(&app, &amy_token, 4).await;
    assert_eq!(
        amy_kinds,
        vec![
            ("conversation_creation".to_string(), conv),
            ("conversation_assignment".to_string(), conv),
            ("assigned_conversation_new_message".to_string(), conv),
            ("conversation_mention".to_string(), conv),
        ]
    );
    let ada_kinds = settle(&app, &ada_token, 2).await;
    assert_eq!(
        ada_kinds,
        vec![
            ("participating_conversation_new_message".to_string(), conv),
            ("participating_conversation_new_message".to_string(), conv),
        ]
    );
    assert!(kinds(&app, &bob_token).await.is_empty());
    assert!(kinds(&app, &app.token).await.is_empty(), "never the actor");

    // Amy was told of the mention on her socket; Bob got nothing of it.
    let mentioned = amy_cable.expect("conversation.mentioned").await;
    assert_eq!(mentioned["id"], conv, "{mentioned}");
    let bob_events = bob_cable.events(Duration::from_millis(300)).await;
    assert!(
        bob_events
            .iter()
            .all(|(e, _)| !e.starts_with("notification.") && e != "conversation.mentioned"),
        "{bob_events:?}"
    );

    // Amy assigns a conversation to herself: no notification of it.
    let conv2 = app.conversation(inbox, contact).await;
    settle(&app, &amy_token, 5).await;
    post_as(
        &app,
        &amy_token,
        &format!("/conversations/{conv2}/assignments"),
        json!({ "assignee_id": amy }),
    )
    .await;
    idle(&app).await;
    let after = kinds(&app, &amy_token).await;
    assert_eq!(after.len(), 5, "{after:?}");
    assert_eq!(after[4], ("conversation_creation".to_string(), conv2));
    app.stop().await;
}
both!(each_type_once_to_the_right_people);

async fn read_unread_all_delete_snooze(app: TestApp) {
    let (inbox, contact, _amy, amy_token) = amy_in_support(&app).await;
    let mut cable = Cable::connect(&app).await;
    assert_eq!(
        cable.subscribe(&agent_identifier(&app, &amy_token).await).await,
        "confirm"
    );
    let convs = [
        app.conversation(inbox, contact).await,
        app.conversation(inbox, contact).await,
        app.conversation(inbox, contact).await,
    ];
    settle(&app, &amy_token, 3).await;
    let as_amy = |m: Method, p: &str, b: Option<Value>| {
        let path = app.acc(p);
        let token = amy_token.clone();
        let app = &app;
        async move { app.call(m, &path, &token, b).await }
    };
    let (s, list) = as_amy(Method::GET, "/notifications", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        list["data"]["meta"],
        json!({ "unread_count": 3, "count": 3, "current_page": 1 }),
        "{list}"
    );
    let payload = list["data"]["payload"].as_array().unwrap();
    // Newest first.
    let ids: Vec<i64> = payload.iter().map(|n| n["id"].as_i64().unwrap()).collect();
    let shown: Vec<Value> = payload.iter().map(|n| n["primary_actor"]["id"].clone()).collect();
    assert_eq!(shown, vec![json!(convs[2]), json!(convs[1]), json!(convs[0])]);
    assert_eq!(payload[0]["primary_actor_type"], "Conversation");
    assert!(payload[0]["read_at"].is_null());
    let newest = ids[0];
    let oldest = ids[2];
    let oldest_conv = payload[2]["primary_actor_id"].as_i64().unwrap();

    assert_eq!(
        as_amy(Method::GET, "/notifications/unread_count", None).await.1,
        json!(3)
    );

    // Read, and unread again.
    let (s, v) = as_amy(Method::PATCH, &format!("/notifications/{newest}"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["read_at"].is_string(), "{v}");
    let updated = cable.expect("notification.updated").await;
    assert_eq!(updated["unread_count"], 2, "{updated}");
    assert_eq!(updated["notification"]["id"], newest, "{updated}");
    assert_eq!(
        as_amy(Method::GET, "/notifications/unread_count", None).await.1,
        json!(2)
    );
    let (s, v) = as_amy(Method::POST, &format!("/notifications/{newest}/unread"), None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["read_at"].is_null(), "{v}");
    assert_eq!(
        as_amy(Method::GET, "/notifications/unread_count", None).await.1,
        json!(3)
    );

    // Read all of one conversation, then all.
    let (s, v) = as_amy(
        Method::POST,
        "/notifications/read_all",
        Some(json!({ "primary_actor_type": "Conversation", "primary_actor_id": oldest_conv })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        as_amy(Method::GET, "/notifications/unread_count", None).await.1,
        json!(2)
    );
    let (s, _) = as_amy(Method::POST, "/notifications/read_all", Some(json!({}))).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        as_amy(Method::GET, "/notifications/unread_count", None).await.1,
        json!(0)
    );

    // Snooze: out of the list until then, in it with includes[]=snoozed.
    let until = chrono_now() + 3600;
    let (s, v) = as_amy(
        Method::POST,
        &format!("/notifications/{oldest}/snooze"),
        Some(json!({ "snoozed_until": until })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["snoozed_until"].is_string(), "{v}");
    let (_, list) = as_amy(Method::GET, "/notifications", None).await;
    assert_eq!(list["data"]["meta"]["count"], 2, "{list}");
    let (_, list) = as_amy(Method::GET, "/notifications?includes[]=snoozed", None).await;
    assert_eq!(list["data"]["meta"]["count"], 3, "{list}");
    for bad in [json!("soon"), json!([1]), json!(-5), json!({ "a": 1 })] {
        let (s, v) = as_amy(
            Method::POST,
            &format!("/notifications/{oldest}/snooze"),
            Some(json!({ "snoozed_until": bad })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (s, _) = as_amy(Method::GET, "/notifications?page=0", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = as_amy(Method::GET, "/notifications?page=x", None).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, list) = as_amy(Method::GET, "/notifications?page=2", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(list["data"]["meta"]["current_page"], 2);
    assert!(list["data"]["payload"].as_array().unwrap().is_empty());

    // Another user's notification is not found, to administrators too.
    for (m, p) in [
        (Method::PATCH, format!("/notifications/{newest}")),
        (Method::POST, format!("/notifications/{newest}/unread")),
        (Method::POST, format!("/notifications/{newest}/snooze")),
        (Method::DELETE, format!("/notifications/{newest}")),
    ] {
        let (s, v) = app.call(m.clone(), &app.acc(&p), &app.token, Some(json!({}))).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {p}: {v}");
    }
    // Another account's administrator: their account has no such notification.
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("/api/v1/accounts/{other}/notifications/{newest}"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // read_all by another user changes nothing of Amy's.
    let (s, _) = as_amy(Method::POST, &format!("/notifications/{newest}/unread"), None).await;
    assert_eq!(s, StatusCode::OK);
    app.ok(Method::POST, &app.acc("/notifications/read_all"), Some(json!({})))
        .await;
    assert_eq!(
        as_amy(Method::GET, "/notifications/unread_count", None).await.1,
        json!(1)
    );

    // Delete one; then the read ones; a bad type is refused.
    let (s, _) = as_amy(Method::DELETE, &format!("/notifications/{newest}"), None).await;
    assert_eq!(s, StatusCode::OK);
    let deleted = cable.expect("notification.deleted").await;
    assert_eq!(deleted["notification"]["id"], newest, "{deleted}");
    let (s, _) = as_amy(Method::DELETE, &format!("/notifications/{newest}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = as_amy(
        Method::POST,
        "/notifications/destroy_all",
        Some(json!({ "type": "bogus" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = as_amy(
        Method::POST,
        "/notifications/destroy_all",
        Some(json!({ "type": "read" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = as_amy(Method::GET, "/notifications?includes[]=snoozed", None).await;
    assert_eq!(list["data"]["meta"]["count"], 0, "all were read: {list}");
    app.stop().await;
}
both!(read_unread_all_delete_snooze);

fn chrono_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn settings_round_trip(app: TestApp) {
    let (_, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    let path = app.acc("/notification_settings");
    let (s, v) = app.call(Method::GET, &path, &amy_token, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["selected_email_flags"],
        json!(["email_conversation_assignment"]),
        "{v}"
    );
    assert_eq!(v["selected_push_flags"], json!(["push_conversation_assignment"]), "{v}");
    assert!(v["id"].is_i64(), "{v}");
    assert_eq!(v["all_email_flags"].as_array().unwrap().len(), 10, "{v}");

    let (s, v) = app
        .call(
            Method::PATCH,
            &path,
            &amy_token,
            Some(json!({ "notification_settings": {
                "selected_email_flags": ["email_conversation_creation", "email_conversation_mention"]
            } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(
        v["selected_email_flags"],
        json!(["email_conversation_creation", "email_conversation_mention"])
    );
    assert_eq!(
        v["selected_push_flags"],
        json!(["push_conversation_assignment"]),
        "kept: {v}"
    );
    let (s, v) = app
        .call(
            Method::PUT,
            &path,
            &amy_token,
            Some(json!({ "notification_settings": { "selected_push_flags": [] } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["selected_push_flags"], json!([]));
    let (_, v) = app.call(Method::GET, &path, &amy_token, None).await;
    assert_eq!(
        v["selected_email_flags"],
        json!(["email_conversation_creation", "email_conversation_mention"])
    );
    assert_eq!(v["selected_push_flags"], json!([]));
    // Each person's own: the administrator still has the defaults.
    let (_, mine) = app.get(&path).await;
    assert_eq!(
        mine["selected_email_flags"],
        json!(["email_conversation_assignment"]),
        "{mine}"
    );

    for bad in [
        json!({ "selected_email_flags": "email_conversation_creation" }),
        json!({ "selected_email_flags": ["email_nothing"] }),
        json!({ "selected_email_flags": [1] }),
        json!({ "selected_email_flags": ["push_conversation_creation"] }),
        json!({ "selected_push_flags": { "a": 1 } }),
        json!({ "selected_push_flags": 7 }),
    ] {
        let (s, v) = app
            .call(
                Method::PATCH,
                &path,
                &amy_token,
                Some(json!({ "notification_settings": bad })),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (_, v) = app.call(Method::GET, &path, &amy_token, None).await;
    assert_eq!(v["selected_push_flags"], json!([]), "unchanged by refusals: {v}");
    app.stop().await;
}
both!(settings_round_trip);

/// A push's counts stop at 100 (the bell shows "99+"): a new conversation
/// pushes to every member of its inbox, and each member's count must not
/// cost more as their history grows. The list still counts them all.
async fn push_counts_stop_at_the_cap(app: TestApp) {
    let (inbox, contact, _amy, amy_token) = amy_in_support(&app).await;
    for _ in 0..101 {
        app.conversation(inbox, contact).await;
    }
    eventually(30, "101 notifications", || async {
        let (_, n) = app
            .call(Method::GET, &app.acc("/notifications/unread_count"), &amy_token, None)
            .await;
        (n == json!(101)).then_some(())
    })
    .await;
    let mut cable = Cable::connect(&app).await;
    assert_eq!(
        cable.subscribe(&agent_identifier(&app, &amy_token).await).await,
        "confirm"
    );
    app.conversation(inbox, contact).await;
    let created = cable.expect("notification.created").await;
    assert_eq!(created["unread_count"], 100, "{created}");
    assert_eq!(created["count"], 100, "{created}");
    let (s, list) = app
        .call(Method::GET, &app.acc("/notifications"), &amy_token, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{list}");
    assert_eq!(list["data"]["meta"]["unread_count"], 102, "{list}");
    assert_eq!(list["data"]["meta"]["count"], 102, "{list}");
    // Below the cap the push is exact: read all, then one unread again.
    let newest = list["data"]["payload"][0]["id"].as_i64().unwrap();
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc("/notifications/read_all"),
            &amy_token,
            Some(json!({})),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let updated = cable.expect("notification.updated").await;
    assert_eq!(updated["unread_count"], 0, "{updated}");
    assert_eq!(updated["count"], 100, "{updated}");
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/notifications/{newest}/unread")),
            &amy_token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let updated = cable.expect("notification.updated").await;
    assert_eq!(updated["unread_count"], 1, "{updated}");
    app.stop().await;
}
both!(push_counts_stop_at_the_cap);

/// A reply that concerns nobody else (its author is the assignee and the
/// only participant) is judged on a read transaction and leaves no trace;
/// once someone else takes part, the same kind of reply notifies them.
async fn replies_that_concern_nobody_are_quiet(app: TestApp) {
    let (inbox, contact, amy, amy_token) = amy_in_support(&app).await;
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy, bob] })),
    )
    .await;
    let conv = app.conversation(inbox, contact).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "assignee_id": amy })),
    )
    .await;
    idle(&app).await;
    let handled = || async {
        app.sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM listened WHERE listener = 'notifications'")
            .await[0][0]
            .clone()
    };
    let before = handled().await;
    let bob_before = kinds(&app, &bob_token).await.len();
    post_as(
        &app,
        &amy_token,
        &format!("/conversations/{conv}/messages"),
        json!({ "content": "On it" }),
    )
    .await;
    idle(&app).await;
    assert_eq!(handled().await, before, "a quiet reply records nothing");
    assert_eq!(kinds(&app, &bob_token).await.len(), bob_before);
    // Bob takes part: Amy's next reply is his business.
    post_as(
        &app,
        &amy_token,
        &format!("/conversations/{conv}/participants"),
        json!({ "user_ids": [bob] }),
    )
    .await;
    post_as(
        &app,
        &amy_token,
        &format!("/conversations/{conv}/messages"),
        json!({ "content": "Bob, see this" }),
    )
    .await;
    let got = settle(&app, &bob_token, bob_before + 1).await;
    assert_eq!(got.len(), bob_before + 1, "{got:?}");
    assert_eq!(
        got.last().map(|(t, _)| t.as_str()),
        Some("participating_conversation_new_message")
    );
    app.stop().await;
}
both!(replies_that_concern_nobody_are_quiet);

/// The store writes a notification once per event and user, whoever runs
/// the listener again.
async fn a_rerun_writes_nothing_twice(app: TestApp) {
    let (_, _, conv) = app.setup_conversation(None).await;
    let mut tx = app.core().store.write().await.unwrap();
    let c = tx.get_conversation(app.account_id, conv).await.unwrap().unwrap();
    let admin = tx.find_user_by_email("alice@acme.test").await.unwrap().unwrap();
    let row = switchboard_store::NewNotification {
        account_id: app.account_id,
        user_id: admin.id,
        notification_type: 2,
        primary_actor_id: c.id,
        secondary_actor_id: None,
        source_event: 424242,
    };
    assert_eq!(
        tx.insert_notifications(std::slice::from_ref(&row), 1)
            .await
            .unwrap()
            .len(),
        1
    );
    assert!(tx.insert_notifications(&[row], 2).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    let (_, v) = app.get(&app.acc("/notifications")).await;
    assert_eq!(v["data"]["meta"]["count"], 1, "{v}");
    app.stop().await;
}
both!(a_rerun_writes_nothing_twice);

/// Mails go through the installation's SMTP server for the types the user
/// selected, at most one per conversation in the window: what comes later
/// folds into the next mail.
async fn mails_are_batched(db: Db) {
    let Some(servers) = crate::mail_servers::mail_servers() else {
        return;
    };
    let Some(app) = TestApp::spawn_with(db, |o| o.notification_mail_window_seconds = Some(3)).await else {
        return;
    };
    let domain = format!("notify-{}.test", uuid::Uuid::new_v4().simple());
    let email = format!("amy@{domain}");
    let (amy, amy_token) = app.agent("Amy", &email, "agent").await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    // Sockets make agents present; routing would assign (and notify) on its
    // own. Assignments here are the test's steps.
    manual_assignment(&app, inbox).await;
    let (contact, _) = app.contact(inbox, "Carla Customer").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let (s, v) = app
        .call(
            Method::PATCH,
            &app.acc("/notification_settings"),
            &amy_token,
            Some(json!({ "selected_email_flags": ["email_conversation_assignment", "email_assigned_conversation_new_message"] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // Mail from now on (invitations above were shown, not mailed).
    let app = app
        .restart(|o| {
            o.smtp_url = Some(format!("smtp://127.0.0.1:{}", servers.smtp_port));
            o.mail_from = Some("Acme Help <help@acme.test>".into());
            o.notification_mail_window_seconds = Some(3);
        })
        .await;
    // conversation_creation is not selected: no mail for it.
    let conv = app.conversation(inbox, contact).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "assignee_id": amy })),
    )
    .await;
    let first = eventually(20, "the first mail", || async {
        crate::mail_servers::mailbox(servers, &email).await.into_iter().next()
    })
    .await;
    let subject = crate::mail_servers::header(&first, "Subject").unwrap();
    assert!(subject.contains("assigned to you"), "{subject}");
    assert!(subject.contains(&format!("#{conv}")), "{subject}");
    let sent_first = std::time::Instant::now();
    for text in ["First question", "Second question"] {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": text, "message_type": "incoming" })),
        )
        .await;
    }
    idle(&app).await;
    // Nothing more inside the window.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    if sent_first.elapsed() < Duration::from_millis(2800) {
        assert_eq!(crate::mail_servers::mailbox(servers, &email).await.len(), 1);
    }
    let second = eventually(20, "the second mail", || async {
        crate::mail_servers::mailbox(servers, &email).await.into_iter().nth(1)
    })
    .await;
    let text = String::from_utf8_lossy(&second).replace("=\r\n", "");
    assert!(text.contains("First question"), "{text}");
    assert!(text.contains("Second question"), "{text}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        crate::mail_servers::mailbox(servers, &email).await.len(),
        2,
        "both folded into one mail"
    );
    app.stop().await;
}

mod mails_are_batched {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::mails_are_batched(crate::helpers::Db::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::mails_are_batched(crate::helpers::Db::Postgres).await;
    }
}

/// An API inbox "Support" assigned by hand, a contact in it, and the agent
/// Amy, its member: `(inbox, contact, amy, amy's token)`.
async fn amy_in_support(app: &TestApp) -> (i64, i64, i64, String) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    // Sockets make agents present; routing would assign (and notify) on its
    // own. Assignments here are the test's steps.
    manual_assignment(app, inbox).await;
    let (contact, _) = app.contact(inbox, "Carla Customer").await;
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    (inbox, contact, amy, amy_token)
}

async fn manual_assignment(app: &TestApp, inbox: i64) {
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
}
