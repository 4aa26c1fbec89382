//! Conversation transcripts (by mail), participants, and each user's saved
//! filters (custom filters), on both backends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Db, TestApp};

fn ids_of(v: &Value) -> Vec<i64> {
    v.as_array()
        .unwrap_or_else(|| panic!("an array: {v}"))
        .iter()
        .map(|a| a["id"].as_i64().unwrap())
        .collect()
}

async fn user_id(app: &TestApp, token: &str) -> i64 {
    let (s, v) = app.call(Method::GET, "/api/v1/profile", token, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["id"].as_i64().unwrap()
}

async fn participants_follow_the_inbox(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let path = app.acc(&format!("/conversations/{conv}/participants"));
    assert_eq!(app.ok(Method::GET, &path, None).await, json!([]));

    // Added: the agents in Chatwoot's agent shape.
    let added = app
        .ok(Method::POST, &path, Some(json!({ "user_ids": [amy, amy] })))
        .await;
    assert_eq!(ids_of(&added), vec![amy]);
    for key in [
        "id",
        "name",
        "available_name",
        "email",
        "role",
        "availability_status",
        "thumbnail",
        "confirmed",
    ] {
        assert!(added[0].get(key).is_some(), "{key} in {added}");
    }
    assert_eq!(added[0]["email"], "amy@acme.test");
    assert_eq!(added[0]["role"], "agent");
    // Adding again changes nothing.
    app.ok(Method::POST, &path, Some(json!({ "user_ids": [amy] }))).await;
    assert_eq!(ids_of(&app.ok(Method::GET, &path, None).await), vec![amy]);

    // Only those who may reach the inbox: an agent outside it, a user of
    // another account and an id nobody has get the same 422.
    let (olga_account, olga_token) = app.other_account().await;
    let olga = user_id(&app, &olga_token).await;
    let (s, outside) = app.post(&path, json!({ "user_ids": [bob] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{outside}");
    assert!(outside["message"].as_str().unwrap().contains("access"), "{outside}");
    let (s, foreign) = app.post(&path, json!({ "user_ids": [olga] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, missing) = app.post(&path, json!({ "user_ids": [999_999_999] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(foreign, missing, "another account's users are not revealed");
    assert_eq!(foreign, outside);
    // A refused request adds none of its ids.
    let (s, _) = app.post(&path, json!({ "user_ids": [app.admin_id, bob] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(ids_of(&app.ok(Method::GET, &path, None).await), vec![amy]);

    // Bad input.
    for bad in [
        json!({}),
        json!({ "user_ids": null }),
        json!({ "user_ids": "amy" }),
        json!({ "user_ids": [{ "id": amy }] }),
        json!({ "user_ids": [1.5] }),
        json!({ "user_ids": (0..101).collect::<Vec<i64>>() }),
    ] {
        for m in [Method::POST, Method::PATCH, Method::DELETE] {
            let (s, v) = app.call(m.clone(), &path, &app.token, Some(bad.clone())).await;
            assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{m} {bad}: {v}");
            assert!(v["message"].is_string(), "{v}");
        }
    }

    // An administrator may take part anywhere; PATCH replaces the set.
    let set = app
        .ok(Method::PATCH, &path, Some(json!({ "user_ids": [app.admin_id] })))
        .await;
    assert_eq!(ids_of(&set), vec![app.admin_id]);
    assert_eq!(set[0]["role"], "administrator");
    let (s, v) = app
        .call(
            Method::DELETE,
            &path,
            &app.token,
            Some(json!({ "user_ids": [app.admin_id] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(app.ok(Method::GET, &path, None).await, json!([]));

    // The assignee takes part.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "assignee_id": amy })),
    )
    .await;
    assert_eq!(ids_of(&app.ok(Method::GET, &path, None).await), vec![amy]);

    // An agent of the inbox reads and changes the set; one outside it and
    // another account see nothing.
    let (s, v) = app.call(Method::GET, &path, &amy_token, None).await;
    assert_eq!((s, ids_of(&v)), (StatusCode::OK, vec![amy]));
    let (s, v) = app
        .call(
            Method::POST,
            &path,
            &amy_token,
            Some(json!({ "user_ids": [app.admin_id] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for m in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
        let (s, _) = app
            .call(m.clone(), &path, &bob_token, Some(json!({ "user_ids": [bob] })))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} by an agent outside the inbox");
    }
    for m in [Method::GET, Method::POST, Method::PATCH, Method::DELETE] {
        let (s, v) = app
            .call(
                m.clone(),
                &format!("/api/v1/accounts/{olga_account}/conversations/{conv}/participants"),
                &olga_token,
                Some(json!({ "user_ids": [olga] })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} from another account: {v}");
    }
    assert_eq!(ids_of(&app.ok(Method::GET, &path, None).await), vec![amy, app.admin_id]);

    // conversation_type=participating lists what the caller takes part in.
    let other_conv = app.conversation(inbox, contact).await;
    let list = |token: String, q: &'static str| {
        let app = &app;
        async move {
            let (s, v) = app
                .call(Method::GET, &app.acc(&format!("/conversations?{q}")), &token, None)
                .await;
            assert_eq!(s, StatusCode::OK, "{v}");
            let ids = ids_of(&v["data"]["payload"]);
            (ids, v["data"]["meta"]["all_count"].as_i64().unwrap())
        }
    };
    assert_eq!(
        list(amy_token.clone(), "conversation_type=participating").await,
        (vec![conv], 1)
    );
    let (all, _) = list(amy_token.clone(), "status=all").await;
    assert!(all.contains(&other_conv) && all.contains(&conv), "{all:?}");
    assert_eq!(
        list(app.token.clone(), "conversation_type=participating").await,
        (vec![conv], 1)
    );
    assert_eq!(
        list(bob_token.clone(), "conversation_type=participating").await,
        (vec![], 0)
    );
    let (s, v) = app.get(&app.acc("/conversations?conversation_type=everything")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    app.stop().await;
}
both!(participants_follow_the_inbox);

fn filter_body(name: &str, filter_type: &str) -> Value {
    json!({ "custom_filter": {
        "name": name,
        "filter_type": filter_type,
        "query": { "payload": [{ "attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": null }] },
    } })
}

async fn custom_filters_are_each_users_own(app: TestApp) {
    let (_, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    let mine = app
        .ok(
            Method::POST,
            &app.acc("/custom_filters"),
            Some(filter_body("Open ones", "conversation")),
        )
        .await;
    let mut keys: Vec<&str> = mine.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["created_at", "filter_type", "id", "name", "query", "updated_at"]);
    assert_eq!(mine["name"], "Open ones");
    assert_eq!(mine["filter_type"], "conversation");
    assert_eq!(mine["query"]["payload"][0]["attribute_key"], "status");
    assert!(mine["created_at"].as_str().unwrap().ends_with('Z'), "{mine}");
    let id = mine["id"].as_i64().unwrap();
    // The API document's `type`, unwrapped, is understood too.
    let contact_filter = app
        .ok(
            Method::POST,
            &app.acc("/custom_filters"),
            Some(json!({ "name": "Leads", "type": "contact", "query": { "payload": [] } })),
        )
        .await;
    assert_eq!(contact_filter["filter_type"], "contact");

    // Lists by type (conversation by default).
    let listed = |q: &'static str| {
        let app = &app;
        async move {
            app.ok(Method::GET, &app.acc(&format!("/custom_filters{q}")), None)
                .await
        }
    };
    assert_eq!(ids_of(&listed("").await), vec![id]);
    assert_eq!(ids_of(&listed("?filter_type=conversation").await), vec![id]);
    assert_eq!(
        ids_of(&listed("?filter_type=contact").await),
        vec![contact_filter["id"].as_i64().unwrap()]
    );
    assert_eq!(listed("?filter_type=report").await, json!([]));
    let (s, _) = app.get(&app.acc("/custom_filters?filter_type=ticket")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Show and change.
    let one = app
        .ok(Method::GET, &app.acc(&format!("/custom_filters/{id}")), None)
        .await;
    assert_eq!(one, mine);
    let changed = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/custom_filters/{id}")),
            Some(json!({ "custom_filter": { "name": "Still open" } })),
        )
        .await;
    assert_eq!(changed["name"], "Still open");
    assert_eq!(changed["query"], mine["query"], "what the body does not name stays");

    // Bad input, on create and on change.
    let big = "x".repeat(17 * 1024);
    for bad in [
        json!({ "custom_filter": { "filter_type": "conversation", "query": {} } }),
        json!({ "custom_filter": { "name": "  ", "query": {} } }),
        json!({ "custom_filter": { "name": "a".repeat(256), "query": {} } }),
        json!({ "custom_filter": { "name": "two\nlines", "query": {} } }),
        json!({ "custom_filter": { "name": ["x"], "query": {} } }),
        json!({ "custom_filter": { "name": "x" } }),
        json!({ "custom_filter": { "name": "x", "query": "status=open" } }),
        json!({ "custom_filter": { "name": "x", "query": [1, 2] } }),
        json!({ "custom_filter": { "name": "x", "query": { "payload": big } } }),
        json!({ "custom_filter": { "name": "x", "filter_type": "ticket", "query": {} } }),
        json!({ "custom_filter": { "name": "x", "filter_type": 7, "query": {} } }),
    ] {
        let (s, v) = app.post(&app.acc("/custom_filters"), bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v["message"].is_string(), "{v}");
    }
    for bad in [
        json!({ "name": "" }),
        json!({ "query": "x" }),
        json!({ "filter_type": "x" }),
        json!({ "query": { "payload": "y".repeat(17 * 1024) } }),
    ] {
        let (s, v) = app.patch(&app.acc(&format!("/custom_filters/{id}")), bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (s, _) = app.get(&app.acc("/custom_filters/abc")).await;
    assert!(s.is_client_error() && s != StatusCode::OK);

    // Another user of the account (an agent) sees none of them; their own
    // are theirs, and the administrator cannot reach those either.
    assert_eq!(
        app.call(Method::GET, &app.acc("/custom_filters"), &amy_token, None)
            .await
            .1,
        json!([])
    );
    for m in [Method::GET, Method::PATCH, Method::DELETE] {
        let (s, v) = app
            .call(
                m.clone(),
                &app.acc(&format!("/custom_filters/{id}")),
                &amy_token,
                Some(json!({ "name": "taken" })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m}: {v}");
    }
    let (s, amys) = app
        .call(
            Method::POST,
            &app.acc("/custom_filters"),
            &amy_token,
            Some(filter_body("Amy's", "conversation")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{amys}");
    let amys = amys["id"].as_i64().unwrap();
    let (s, _) = app.get(&app.acc(&format!("/custom_filters/{amys}"))).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "an administrator does not read another user's filter"
    );
    assert_eq!(ids_of(&listed("").await), vec![id]);

    // Another account: the same answer as an id that exists nowhere.
    let (other, olga) = app.other_account().await;
    let (s, foreign) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/custom_filters/{id}"),
            &olga,
            None,
        )
        .await;
    let (s2, missing) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/custom_filters/999999999"),
            &olga,
            None,
        )
        .await;
    assert_eq!((s, &foreign), (s2, &missing));
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/custom_filters/{id}")), &olga, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // At most 50 per user and account (all types together).
    for n in 2..50 {
        app.ok(
            Method::POST,
            &app.acc("/custom_filters"),
            Some(filter_body(&format!("f{n}"), "report")),
        )
        .await;
    }
    let (s, v) = app
        .post(&app.acc("/custom_filters"), filter_body("one too many", "conversation"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("50"), "{v}");
    // Amy's own count is apart.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc("/custom_filters"),
            &amy_token,
            Some(filter_body("Amy's second", "conversation")),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // Delete.
    let (s, _) = app.delete(&app.acc(&format!("/custom_filters/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&app.acc(&format!("/custom_filters/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.delete(&app.acc(&format!("/custom_filters/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(custom_filters_are_each_users_own);

/// Without a mail server the request is refused clearly; bad addresses
/// and other people's conversations too.
async fn transcript_needs_mail_and_an_address(app: TestApp) {
    let (_, _, conv) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{conv}/transcript"));
    let (s, v) = app.post(&path, json!({ "email": "someone@example.com" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("mail server"), "{v}");
    for bad in [
        json!({}),
        json!({ "email": "" }),
        json!({ "email": "not an address" }),
        json!({ "email": ["a@b.test"] }),
        json!({ "email": { "to": "a@b.test" } }),
        json!({ "email": format!("{}@b.test", "a".repeat(400)) }),
    ] {
        let (s, v) = app.post(&path, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert!(v["message"].is_string(), "{v}");
    }
    let (_, bob) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (s, _) = app
        .call(Method::POST, &path, &bob, Some(json!({ "email": "x@example.com" })))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "an agent outside the inbox");
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/conversations/{conv}/transcript"),
            &olga,
            Some(json!({ "email": "x@example.com" })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(transcript_needs_mail_and_an_address);

/// The body of a single-part mail, decoded.
fn mail_text(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw).to_string();
    let (_, body) = text.split_once("\r\n\r\n").unwrap_or(("", &text));
    let cte = crate::mail_servers::header(raw, "Content-Transfer-Encoding")
        .unwrap_or_default()
        .to_ascii_lowercase();
    if cte == "base64" {
        use base64::Engine;
        let compact: String = body.chars().filter(|c| !c.is_whitespace()).collect();
        let bytes = base64::engine::general_purpose::STANDARD.decode(compact).unwrap();
        return String::from_utf8(bytes).unwrap();
    }
    if cte == "quoted-printable" {
        let joined = body.replace("=\r\n", "");
        let mut out = Vec::new();
        let b = joined.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'='
                && i + 2 < b.len()
                && let Ok(v) = u8::from_str_radix(&joined[i + 1..i + 3], 16)
            {
                out.push(v);
                i += 3;
                continue;
            }
            out.push(b[i]);
            i += 1;
        }
        return String::from_utf8(out).unwrap();
    }
    body.to_string()
}

/// With the installation's SMTP server: the public thread arrives by mail
/// (no private notes), and an account may send only so many per hour.
async fn transcript_by_mail(db: Db) {
    let Some(servers) = crate::mail_servers::mail_servers() else {
        return;
    };
    let Some(app) = TestApp::spawn_with(db, |o| {
        o.smtp_url = Some(format!("smtp://127.0.0.1:{}", servers.smtp_port));
        o.mail_from = Some("Acme Help <help@acme.test>".into());
    })
    .await
    else {
        return;
    };
    let (_, _, conv) = app.setup_conversation(None).await;
    let messages = app.acc(&format!("/conversations/{conv}/messages"));
    app.ok(
        Method::POST,
        &messages,
        Some(json!({ "content": "My parcel never arrived", "message_type": "incoming" })),
    )
    .await;
    app.ok(
        Method::POST,
        &messages,
        Some(json!({ "content": "Internal: check the courier", "private": true })),
    )
    .await;
    app.ok(
        Method::POST,
        &messages,
        Some(json!({ "content": "Sorry! A new one is on its way." })),
    )
    .await;
    let domain = format!("transcript-{}.test", uuid::Uuid::new_v4().simple());
    let to = format!("carla@{domain}");
    let path = app.acc(&format!("/conversations/{conv}/transcript"));
    let (s, v) = app.post(&path, json!({ "email": to.to_uppercase() })).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mail = crate::helpers::eventually(20, "the transcript mail", || async {
        crate::mail_servers::mailbox(servers, &to).await.into_iter().next()
    })
    .await;
    let subject = crate::mail_servers::header(&mail, "Subject").unwrap();
    assert!(subject.contains(&format!("#{conv}")), "{subject}");
    assert!(
        crate::mail_servers::header(&mail, "From")
            .unwrap()
            .contains("help@acme.test")
    );
    let text = mail_text(&mail);
    let parcel = text.find("My parcel never arrived").expect(&text);
    let reply = text.find("Sorry! A new one is on its way.").expect(&text);
    assert!(parcel < reply, "oldest first: {text}");
    assert!(text.contains("Carla Customer"), "the sender: {text}");
    assert!(!text.contains("courier"), "no private notes: {text}");

    // 30 per account per hour: the 31st is refused, and nothing is queued.
    let other = format!("dan@{domain}");
    for _ in 1..30 {
        let (s, v) = app.post(&path, json!({ "email": other })).await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let (s, v) = app.post(&path, json!({ "email": other })).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    crate::helpers::eventually(30, "29 mails", || async {
        (crate::mail_servers::mailbox(servers, &other).await.len() >= 29).then_some(())
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(crate::mail_servers::mailbox(servers, &other).await.len(), 29);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcript_by_mail_sqlite() {
    transcript_by_mail(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transcript_by_mail_postgres() {
    if crate::helpers::postgres_url().is_some() {
        transcript_by_mail(Db::Postgres).await;
    }
}
