//! Attacks by anonymous visitors (Client and Widget APIs, /cable, uploads,
//! /avatars): each test is the attack, and asserts that it gains nothing.

use std::time::Duration;

use hmac::{Hmac, Mac};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both;
use crate::cable::{Cable, contact_identifier};
use crate::helpers::{Db, TestApp, tempdir};

fn parse(t: String) -> Value {
    if t.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&t).unwrap_or(Value::String(t))
    }
}

/// A Client API call: `/public/api/v1/inboxes/{path}`.
async fn public(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut req = app
        .client
        .request(method, format!("{}/public/api/v1/inboxes/{path}", app.base));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, parse(r.text().await.unwrap()))
}

/// A Widget API call with the visitor's token.
async fn widget(
    app: &TestApp,
    website_token: &str,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut req = app.client.request(
        method,
        format!("{}/api/v1/widget{path}{sep}website_token={website_token}", app.base),
    );
    if let Some(t) = token {
        req = req.header("X-Auth-Token", t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    (s, parse(r.text().await.unwrap()))
}

/// A new widget visitor: its token and contact.
async fn widget_visitor(app: &TestApp, website_token: &str) -> (String, Value) {
    let (s, cfg) = widget(app, website_token, None, Method::POST, "/config", None).await;
    assert_eq!(s, StatusCode::OK, "{cfg}");
    let token = cfg["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    (token, cfg["contact"].clone())
}

fn sign(key: &str, identifier: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(identifier.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

/// The victim: a contact the team knows, with details and a conversation
/// in `inbox_id`. Returns (contact id, conversation display id).
async fn victim(app: &TestApp, inbox_id: i64, extra: Value) -> (i64, i64) {
    let mut body = json!({
        "name": "Victor Victim",
        "email": "victor@victim.example",
        "phone_number": "+4915112345678",
        "custom_attributes": { "iban": "DE00 SECRET" },
        "inbox_id": inbox_id,
    });
    if let (Some(o), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    let v = app.ok(Method::POST, &app.acc("/contacts"), Some(body)).await;
    let id = v["payload"]["contact"]["id"].as_i64().unwrap();
    let conv = app.conversation(inbox_id, id).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Your new card PIN is 4711" })),
    )
    .await;
    (id, conv)
}

async fn contact_of(app: &TestApp, id: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/contacts/{id}")), None).await["payload"].clone()
}

fn assert_nothing_of_the_victim(v: &Value, victim_id: i64) {
    assert_ne!(v["id"], victim_id, "joined the victim's contact: {v}");
    let text = v.to_string();
    for secret in ["Victor Victim", "DE00 SECRET", "4711"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
    }
}

/// The visitor's socket, subscribed with its pubsub token.
async fn listen(app: &TestApp, pubsub_token: &Value) -> Cable {
    let mut c = Cable::connect(app).await;
    assert_eq!(
        c.subscribe(&json!({ "channel": "RoomChannel", "pubsub_token": pubsub_token }))
            .await,
        "confirm"
    );
    c
}

/// The agent writes to the victim's conversation; the attacker's socket
/// gets nothing of it.
async fn assert_deaf(app: &TestApp, live: &mut Cable, conv: i64) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Your password reset code is 9931" })),
    )
    .await;
    let got = live.events(Duration::from_millis(700)).await;
    assert!(got.is_empty(), "the attacker's socket received {got:?}");
}

/// Client API: a visitor giving the victim's e-mail and phone gets a
/// contact of its own, none of the victim's data, no write to the victim,
/// none of its conversations or events. The e-mail waits as claimed.
async fn an_email_does_not_join_a_contact(app: TestApp) {
    let inbox = app.api_inbox("App", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let (victim_id, conv) = victim(&app, inbox["id"].as_i64().unwrap(), json!({})).await;
    let (s, me) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "email": "victor@victim.example", "phone_number": "+4915112345678", "custom_attributes": { "iban": "attacker's" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_nothing_of_the_victim(&me, victim_id);
    assert_eq!(me["email"], "victor@victim.example", "its own claim, echoed");
    let sid = me["source_id"].as_str().unwrap().to_string();
    let (_, shown) = public(&app, Method::GET, &format!("{ident}/contacts/{sid}"), None).await;
    assert_nothing_of_the_victim(&shown, victim_id);
    let (_, list) = public(
        &app,
        Method::GET,
        &format!("{ident}/contacts/{sid}/conversations"),
        None,
    )
    .await;
    assert_eq!(list, json!([]), "no history of the victim's");
    let (s, _) = public(
        &app,
        Method::GET,
        &format!("{ident}/contacts/{sid}/conversations/{conv}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Changing its e-mail to the victim's later: no merge, no 422 oracle.
    let (s, upd) = public(
        &app,
        Method::PATCH,
        &format!("{ident}/contacts/{sid}"),
        Some(json!({ "email": "victor@victim.example", "custom_attributes": { "iban": "attacker's" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{upd}");
    assert_nothing_of_the_victim(&upd, victim_id);
    let mut live = listen(&app, &me["pubsub_token"]).await;
    assert_deaf(&app, &mut live, conv).await;
    // The victim is untouched; the attacker's contact shows the claim to agents.
    let v = contact_of(&app, victim_id).await;
    assert_eq!(v["custom_attributes"]["iban"], "DE00 SECRET");
    assert_eq!(v["name"], "Victor Victim");
    let mine = contact_of(&app, me["id"].as_i64().unwrap()).await;
    assert_eq!(mine["email"], Value::Null);
    assert_eq!(mine["additional_attributes"]["claimed_email"], "victor@victim.example");
    assert_eq!(mine["additional_attributes"]["claimed_phone_number"], "+4915112345678");
    app.stop().await;
}
both!(an_email_does_not_join_a_contact);

/// Widget: `set_user` with the victim's identifier but no hash (allowed on
/// an inbox without hmac_mandatory) gives the visitor a contact of its own.
async fn an_unverified_identifier_does_not_join_a_contact(app: TestApp) {
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "channel": { "type": "web_widget" } })),
        )
        .await;
    let wt = inbox["website_token"].as_str().unwrap().to_string();
    let (victim_id, conv) = victim(&app, inbox["id"].as_i64().unwrap(), json!({ "identifier": "cust-42" })).await;
    let (token, _) = widget_visitor(&app, &wt).await;
    let (s, me) = widget(
        &app,
        &wt,
        Some(&token),
        Method::PATCH,
        "/contact/set_user",
        Some(json!({ "identifier": "cust-42", "email": "victor@victim.example", "custom_attributes": { "iban": "attacker's" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_nothing_of_the_victim(&me, victim_id);
    let token = me["widget_auth_token"].as_str().map(str::to_string).unwrap_or(token);
    let (_, shown) = widget(&app, &wt, Some(&token), Method::GET, "/contact", None).await;
    assert_nothing_of_the_victim(&shown, victim_id);
    let (_, msgs) = widget(&app, &wt, Some(&token), Method::GET, "/messages", None).await;
    assert_eq!(msgs["payload"], json!([]));
    let (_, cfg) = widget(&app, &wt, Some(&token), Method::POST, "/config", None).await;
    assert_nothing_of_the_victim(&cfg["contact"], victim_id);
    let mut live = listen(&app, &shown["pubsub_token"]).await;
    assert_deaf(&app, &mut live, conv).await;
    // The Client API's contact creation is no way round.
    let api = app.api_inbox("App", None).await;
    let ident = api["inbox_identifier"].as_str().unwrap();
    let (s, other) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "identifier": "cust-42" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{other}");
    assert_nothing_of_the_victim(&other, victim_id);
    let v = contact_of(&app, victim_id).await;
    assert_eq!(v["custom_attributes"]["iban"], "DE00 SECRET");
    assert_eq!(v["identifier"], "cust-42");
    let mine = contact_of(&app, shown["id"].as_i64().unwrap()).await;
    assert_eq!(mine["identifier"], Value::Null);
    assert_eq!(mine["additional_attributes"]["claimed_identifier"], "cust-42");
    app.stop().await;
}
both!(an_unverified_identifier_does_not_join_a_contact);

/// hmac_mandatory: a valid hash for the attacker's own identifier plus the
/// victim's e-mail verifies the attacker, not the victim.
async fn a_hash_for_oneself_does_not_pull_in_another_by_email(app: TestApp) {
    let inbox = app.api_inbox("Verified", None).await;
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    let key = inbox["hmac_token"].as_str().unwrap().to_string();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{}", inbox["id"])),
        Some(json!({ "channel": { "hmac_mandatory": true } })),
    )
    .await;
    // The victim verified itself earlier and has a conversation.
    let (s, v) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "identifier": "victim-1", "identifier_hash": sign(&key, "victim-1"), "name": "Victor Victim", "email": "victor@victim.example" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let victim_id = v["id"].as_i64().unwrap();
    let vsid = v["source_id"].as_str().unwrap();
    let (_, conv) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{vsid}/conversations"),
        Some(json!({})),
    )
    .await;
    let conv = conv["id"].as_i64().unwrap();
    public(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{vsid}/conversations/{conv}/messages"),
        Some(json!({ "content": "my PIN is 4711" })),
    )
    .await;
    let (s, me) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "identifier": "mallory", "identifier_hash": sign(&key, "mallory"), "email": "victor@victim.example" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_nothing_of_the_victim(&me, victim_id);
    assert_eq!(me["identifier"], "mallory");
    let sid = me["source_id"].as_str().unwrap();
    let (_, list) = public(
        &app,
        Method::GET,
        &format!("{ident}/contacts/{sid}/conversations"),
        None,
    )
    .await;
    assert_eq!(list, json!([]), "{list}");
    let mut live = listen(&app, &me["pubsub_token"]).await;
    assert_deaf(&app, &mut live, conv).await;
    // The verified victim still sees its own history from a second session.
    let (_, again) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts"),
        Some(json!({ "identifier": "victim-1", "identifier_hash": sign(&key, "victim-1") })),
    )
    .await;
    assert_eq!(again["id"], victim_id);
    let s2 = again["source_id"].as_str().unwrap();
    let (_, list) = public(&app, Method::GET, &format!("{ident}/contacts/{s2}/conversations"), None).await;
    assert_eq!(list[0]["id"], conv);
    app.stop().await;
}
both!(a_hash_for_oneself_does_not_pull_in_another_by_email);

/// /cable: a contact's unverified session receives its own conversations
/// only, not those of the contact's other sessions; verified sessions of
/// the same identity share them.
async fn a_contact_session_hears_only_its_own(app: TestApp) {
    let inbox = app.api_inbox("App", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let ident = inbox["inbox_identifier"].as_str().unwrap().to_string();
    // One contact with two sessions (the team linked a second one).
    let (contact, sid1) = app.contact(inbox_id, "Shared").await;
    let ci = app
        .ok(
            Method::POST,
            &app.acc(&format!("/contacts/{contact}/contact_inboxes")),
            Some(json!({ "inbox_id": inbox_id })),
        )
        .await;
    let sid2 = ci["source_id"].as_str().unwrap().to_string();
    assert_ne!(sid1, sid2);
    let (_, conv) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{sid1}/conversations"),
        Some(json!({})),
    )
    .await;
    let conv = conv["id"].as_i64().unwrap();
    let mut own = Cable::connect(&app).await;
    assert_eq!(
        own.subscribe(&contact_identifier(&app, inbox_id, &sid1).await).await,
        "confirm"
    );
    let mut other = Cable::connect(&app).await;
    assert_eq!(
        other.subscribe(&contact_identifier(&app, inbox_id, &sid2).await).await,
        "confirm"
    );
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "for session one" })),
    )
    .await;
    assert_eq!(own.expect("message.created").await["content"], "for session one");
    let got = other.events(Duration::from_millis(700)).await;
    assert!(got.is_empty(), "another session heard {got:?}");
    let (s, _) = public(
        &app,
        Method::GET,
        &format!("{ident}/contacts/{sid2}/conversations/{conv}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Verified sessions of one identity share the contact's conversations.
    let key = inbox["hmac_token"].as_str().unwrap().to_string();
    let good = json!({ "identifier": "user-9", "identifier_hash": sign(&key, "user-9") });
    let (_, a) = public(&app, Method::POST, &format!("{ident}/contacts"), Some(good.clone())).await;
    let (_, b) = public(&app, Method::POST, &format!("{ident}/contacts"), Some(good)).await;
    assert_eq!(a["id"], b["id"]);
    let asid = a["source_id"].as_str().unwrap();
    let (_, vconv) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{asid}/conversations"),
        Some(json!({})),
    )
    .await;
    let mut bl = listen(&app, &b["pubsub_token"]).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{}/messages", vconv["id"])),
        Some(json!({ "content": "for every verified session" })),
    )
    .await;
    assert_eq!(
        bl.expect("message.created").await["content"],
        "for every verified session"
    );
    app.stop().await;
}
both!(a_contact_session_hears_only_its_own);

/// Stored files: every regular file under `dir`.
fn stored_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out
}

fn bytes(n: usize) -> Vec<u8> {
    let mut b = b"%PDF-1.4\n".to_vec();
    b.resize(n, b'x');
    b
}

async fn upload(app: &TestApp, wt: &str, token: &str, files: &[usize]) -> StatusCode {
    let mut form = Form::new().text("message[content]", "see attached");
    for (i, n) in files.iter().enumerate() {
        form = form.part("attachments[]", Part::bytes(bytes(*n)).file_name(format!("f{i}.pdf")));
    }
    app.client
        .post(format!("{}/api/v1/widget/messages?website_token={wt}", app.base))
        .header("X-Auth-Token", token)
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
}

/// Widget and Client API uploads: one request holds at most the upload
/// limit in all (413), a visitor and an inbox store a bounded amount per
/// hour (429), and a refused upload leaves no file and no message.
async fn visitor_uploads_are_bounded(db: Db) {
    let files = tempdir::Guard::new();
    let dir = files.path.clone();
    let Some(app) = TestApp::spawn_with(db, |o| {
        o.storage_dir = Some(dir.display().to_string());
        o.max_upload_mb = Some(1);
        o.visitor_upload_mb_per_hour = Some(2);
        o.inbox_upload_mb_per_hour = Some(3);
    })
    .await
    else {
        return;
    };
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "channel": { "type": "web_widget" } })),
        )
        .await;
    let wt = inbox["website_token"].as_str().unwrap().to_string();
    let (token, _) = widget_visitor(&app, &wt).await;
    const MB: usize = 1024 * 1024;
    assert_eq!(
        upload(&app, &wt, &token, &[MB * 3 / 2]).await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    assert_eq!(
        upload(&app, &wt, &token, &[MB * 6 / 10, MB * 6 / 10]).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "the limit holds for the request, not per file"
    );
    assert!(stored_files(&dir).is_empty(), "{:?}", stored_files(&dir));
    let (_, msgs) = widget(&app, &wt, Some(&token), Method::GET, "/messages", None).await;
    assert_eq!(msgs["payload"], json!([]), "no message either");
    // Within the limit, until the visitor's hour is used up.
    assert_eq!(upload(&app, &wt, &token, &[MB * 9 / 10]).await, StatusCode::OK);
    assert_eq!(upload(&app, &wt, &token, &[MB * 9 / 10]).await, StatusCode::OK);
    assert_eq!(
        upload(&app, &wt, &token, &[MB * 9 / 10]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(stored_files(&dir).len(), 2);
    let (_, msgs) = widget(&app, &wt, Some(&token), Method::GET, "/messages", None).await;
    assert_eq!(msgs["payload"].as_array().unwrap().len(), 2);
    // A new visitor of the same inbox: within the inbox's hour (3 MB), once.
    let (token2, _) = widget_visitor(&app, &wt).await;
    assert_eq!(upload(&app, &wt, &token2, &[MB * 9 / 10]).await, StatusCode::OK);
    assert_eq!(
        upload(&app, &wt, &token2, &[MB * 9 / 10]).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(stored_files(&dir).len(), 3);
    // Text still goes through.
    let (s, _) = widget(
        &app,
        &wt,
        Some(&token2),
        Method::POST,
        "/messages",
        Some(json!({ "message": { "content": "hi" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    // The Client API's message route is bounded the same way.
    let api = app.api_inbox("App", None).await;
    let ident = api["inbox_identifier"].as_str().unwrap();
    let (_, me) = public(&app, Method::POST, &format!("{ident}/contacts"), Some(json!({}))).await;
    let sid = me["source_id"].as_str().unwrap();
    let (_, conv) = public(
        &app,
        Method::POST,
        &format!("{ident}/contacts/{sid}/conversations"),
        Some(json!({})),
    )
    .await;
    let form = Form::new()
        .text("content", "two files")
        .part("attachments[]", Part::bytes(bytes(MB * 6 / 10)).file_name("a.pdf"))
        .part("attachments[]", Part::bytes(bytes(MB * 6 / 10)).file_name("b.pdf"));
    let r = app
        .client
        .post(format!(
            "{}/public/api/v1/inboxes/{ident}/contacts/{sid}/conversations/{}/messages",
            app.base, conv["id"]
        ))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(stored_files(&dir).len(), 3);
    app.stop().await;
}

mod visitor_uploads_are_bounded {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::visitor_uploads_are_bounded(crate::helpers::Db::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::visitor_uploads_are_bounded(crate::helpers::Db::Postgres).await;
    }
}

fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    b.extend_from_slice(&[0u8; 64]);
    b
}

/// `/avatars/...` serves users' avatars only: an attachment's storage key
/// (a picture a visitor sent) does not open through it.
async fn avatars_serve_only_avatars(db: Db) {
    let files = tempdir::Guard::new();
    let dir = files.path.clone();
    let Some(app) = TestApp::spawn_with(db, |o| o.storage_dir = Some(dir.display().to_string())).await else {
        return;
    };
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "channel": { "type": "web_widget" } })),
        )
        .await;
    let wt = inbox["website_token"].as_str().unwrap().to_string();
    let (token, _) = widget_visitor(&app, &wt).await;
    let form = Form::new()
        .text("message[content]", "my passport")
        .part("attachments[]", Part::bytes(png()).file_name("passport.png"));
    let r = app
        .client
        .post(format!("{}/api/v1/widget/messages?website_token={wt}", app.base))
        .header("X-Auth-Token", &token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let stored = stored_files(&dir);
    assert_eq!(stored.len(), 1, "{stored:?}");
    let file = stored[0].file_name().unwrap().to_str().unwrap().to_string();
    let sub = stored[0]
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    for ext in ["png", "jpg"] {
        let r = app
            .client
            .get(format!("{}/avatars/{sub}/{file}.{ext}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "an attachment served as an avatar");
    }
    // A real avatar is still served.
    let r = app
        .client
        .put(format!("{}/api/v1/profile", app.base))
        .header("api_access_token", &app.token)
        .multipart(Form::new().part("profile[avatar]", Part::bytes(png()).file_name("me.png")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let url = r.json::<Value>().await.unwrap()["avatar_url"]
        .as_str()
        .unwrap()
        .to_string();
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    app.stop().await;
}

mod avatars_serve_only_avatars {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::avatars_serve_only_avatars(crate::helpers::Db::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::avatars_serve_only_avatars(crate::helpers::Db::Postgres).await;
    }
}
