//! Mentions in private notes and the `conversation_type=mention|unattended`
//! conversation lists.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

fn ids_of(v: &Value) -> Vec<i64> {
    let mut ids: Vec<i64> = v
        .as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect();
    ids.sort_unstable();
    ids
}

fn link(id: i64, name: &str) -> String {
    format!("[@{name}](mention://user/{id}/{})", name.replace(' ', "%20"))
}

/// The display ids and the meta counts of a conversation list as `token`.
async fn list(app: &TestApp, token: &str, query: &str) -> (Vec<i64>, Value) {
    let (s, v) = app
        .call(Method::GET, &app.acc(&format!("/conversations?{query}")), token, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{query}: {v}");
    (ids_of(&v["data"]["payload"]), v["data"]["meta"].clone())
}

async fn note(app: &TestApp, conv: i64, content: &str, private: bool) -> i64 {
    let v = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": content, "private": private, "message_type": "outgoing" })),
        )
        .await;
    v["id"].as_i64().expect("message id")
}

async fn mentions_of(app: &TestApp, conv: i64) -> Vec<(i64, i64, i64)> {
    let mut tx = app.core().store.read().await.unwrap();
    let c = tx.get_conversation(app.account_id, conv).await.unwrap().unwrap();
    tx.conversation_mentions(c.id).await.unwrap()
}

async fn participants(app: &TestApp, conv: i64) -> Vec<i64> {
    ids_of(
        &app.ok(
            Method::GET,
            &app.acc(&format!("/conversations/{conv}/participants")),
            None,
        )
        .await,
    )
}

async fn notes_mention_those_who_may_see_the_inbox(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let (amy, amy_token) = app.agent("Amy Agent", "amy@acme.test", "agent").await;
    let (bob, bob_token) = app.agent("Bob Outside", "bob@acme.test", "agent").await;
    let (ada, ada_token) = app.agent("Ada Admin", "ada@acme.test", "administrator").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let (_, olga_token) = app.other_account().await;
    let (s, olga) = app.call(Method::GET, "/api/v1/profile", &olga_token, None).await;
    assert_eq!(s, StatusCode::OK, "{olga}");
    let olga = olga["id"].as_i64().unwrap();
    let quiet = app.conversation(inbox, contact).await;

    // A public reply with the same markup mentions nobody.
    let markup = format!(
        "Please look {} {} {} {} {}",
        link(amy, "Amy Agent"),
        link(ada, "Ada Admin"),
        link(bob, "Bob Outside"),
        link(olga, "Olga Other"),
        link(987_654_321, "Nobody"),
    );
    note(&app, quiet, &markup, false).await;
    assert!(mentions_of(&app, quiet).await.is_empty());
    assert!(participants(&app, quiet).await.is_empty());

    // The note is saved whoever it names; only the inbox member and the
    // administrator are mentioned and join the conversation.
    let first = note(&app, conv, &markup, true).await;
    let rows = mentions_of(&app, conv).await;
    let mut expected = vec![amy, ada];
    expected.sort_unstable();
    assert_eq!(rows.iter().map(|r| r.0).collect::<Vec<_>>(), expected, "{rows:?}");
    assert!(rows.iter().all(|r| r.1 == first), "{rows:?}");
    assert_eq!(participants(&app, conv).await, expected);

    // Each user's mention list, with its counts.
    for (token, want) in [(&amy_token, vec![conv]), (&ada_token, vec![conv])] {
        let (ids, meta) = list(&app, token, "conversation_type=mention").await;
        assert_eq!(ids, want);
        assert_eq!(meta["all_count"], 1, "{meta}");
        assert_eq!(meta["unassigned_count"], 1, "{meta}");
    }
    for token in [&bob_token, &app.token] {
        let (ids, meta) = list(&app, token, "conversation_type=mention").await;
        assert!(ids.is_empty(), "{ids:?}");
        assert_eq!(meta["all_count"], 0, "{meta}");
    }
    // The other account's administrator sees none of it.
    let (s, v) = app
        .call(
            Method::GET,
            &app.acc("/conversations?conversation_type=mention"),
            &olga_token,
            None,
        )
        .await;
    assert!(matches!(s, StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED), "{s} {v}");

    // A second note moves the mention rather than adding one; the agent who
    // writes it may mention the administrator.
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            &amy_token,
            Some(json!({ "content": format!("again {}", link(ada, "Ada Admin")), "private": true })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let second = v["id"].as_i64().unwrap();
    let rows = mentions_of(&app, conv).await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    let ada_row = rows.iter().find(|r| r.0 == ada).unwrap();
    let amy_row = rows.iter().find(|r| r.0 == amy).unwrap();
    assert_eq!(ada_row.1, second);
    assert_eq!(amy_row.1, first);
    assert!(ada_row.2 > amy_row.2, "{rows:?}");
    assert_eq!(participants(&app, conv).await, expected);
    let (ids, meta) = list(&app, &ada_token, "conversation_type=mention").await;
    assert_eq!((ids, meta["all_count"].clone()), (vec![conv], json!(1)));

    // Bob joins the inbox: a new note mentions him now.
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy, bob] })),
    )
    .await;
    note(&app, quiet, &format!("now {}", link(bob, "Bob Outside")), true).await;
    let (ids, _) = list(&app, &bob_token, "conversation_type=mention").await;
    assert_eq!(ids, vec![quiet]);
    let (ids, _) = list(&app, &amy_token, "conversation_type=mention").await;
    assert_eq!(ids, vec![conv]);
    app.stop().await;
}
both!(notes_mention_those_who_may_see_the_inbox);

async fn unattended_lists_what_waits_for_an_answer(app: TestApp) {
    let (inbox, contact, fresh) = app.setup_conversation(None).await;
    let incoming = |conv: i64| {
        let app = &app;
        async move {
            app.ok(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/messages")),
                Some(json!({ "content": "hello?", "message_type": "incoming" })),
            )
            .await;
        }
    };
    incoming(fresh).await;
    // Replied to, then the contact wrote again: waiting.
    let waiting = app.conversation(inbox, contact).await;
    incoming(waiting).await;
    note(&app, waiting, "here we are", false).await;
    incoming(waiting).await;
    // Replied to and nothing since.
    let answered = app.conversation(inbox, contact).await;
    incoming(answered).await;
    note(&app, answered, "done", false).await;
    // A private note is no reply.
    let noted = app.conversation(inbox, contact).await;
    incoming(noted).await;
    note(&app, noted, "internal only", true).await;

    let (ids, meta) = list(&app, &app.token, "conversation_type=unattended").await;
    let mut want = vec![fresh, waiting, noted];
    want.sort_unstable();
    assert_eq!(ids, want);
    assert_eq!(meta["all_count"], 3, "{meta}");
    let (ids, meta) = list(&app, &app.token, "conversation_type=unattended&status=all").await;
    assert_eq!(ids, want);
    assert_eq!(meta["all_count"], 3, "{meta}");
    let (ids, _) = list(&app, &app.token, "").await;
    assert_eq!(ids.len(), 4);

    // An agent sees only what waits in their inboxes.
    let (amy, amy_token) = app.agent("Amy Agent", "amy@acme.test", "agent").await;
    let (_, meta) = list(&app, &amy_token, "conversation_type=unattended").await;
    assert_eq!(meta["all_count"], 0, "{meta}");
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let (ids, meta) = list(&app, &amy_token, "conversation_type=unattended").await;
    assert_eq!(ids, want);
    assert_eq!(meta["all_count"], 3, "{meta}");

    // Unknown or mistyped values are refused, on the list and its meta.
    for bad in ["everything", "Mention", "mention,unattended", "1"] {
        for path in ["/conversations", "/conversations/meta"] {
            let (s, v) = app.get(&app.acc(&format!("{path}?conversation_type={bad}"))).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path} {bad}: {v}");
        }
    }
    let (s, v) = app.get(&app.acc("/conversations/meta?conversation_type=mention")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["meta"]["all_count"], 0, "{v}");
    let (s, v) = app
        .get(&app.acc("/conversations/meta?conversation_type=unattended"))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["meta"]["all_count"], 3, "{v}");
    app.stop().await;
}
both!(unattended_lists_what_waits_for_an_answer);
