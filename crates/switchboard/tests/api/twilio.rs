//! SMS through Twilio, end to end against a fake Twilio on loopback: the
//! inbox checked with Twilio, signed inbound messages (with a picture),
//! de-duplication by MessageSid, replies through the Messages API, status
//! callbacks, a 429 retried and a 4xx failing with Twilio's words.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::fake_twilio::{ACCOUNT_SID, AUTH_TOKEN, FakeTwilio, NUMBER, sign};
use crate::helpers::{Db, TestApp, conversations, eventually, message_where, messages};

const CUSTOMER: &str = "+15551234567";

fn form(params: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (i, (k, v)) in params.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(&format!("{}={}", encode(k), encode(v)));
    }
    out
}

fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            b' ' => "+".to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Posts a form to `url` as Twilio would, signed with `token` (none: unsigned).
async fn post_signed(url: &str, params: &[(&str, &str)], token: Option<&str>) -> StatusCode {
    let mut req = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(params));
    if let Some(t) = token {
        req = req.header("X-Twilio-Signature", sign(t, url, params));
    }
    req.send().await.unwrap().status()
}

async fn sms_end_to_end(db: Db) {
    let fake = FakeTwilio::start().await;
    let api = fake.url.clone();
    let Some(app) = TestApp::spawn_with(db, move |o| o.twilio_api_url = Some(api)).await else {
        return;
    };
    let new_inbox = |channel: Value| json!({ "name": "SMS", "channel": channel });
    let good = json!({ "type": "twilio", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN,
        "phone_number": "+1 500 555 0006" });

    // Bad settings: each a 422 naming its field, nothing kept.
    for (channel, field) in [
        (
            json!({ "type": "twilio", "auth_token": AUTH_TOKEN, "phone_number": NUMBER }),
            "account_sid",
        ),
        (
            json!({ "type": "twilio", "account_sid": "AC1", "auth_token": AUTH_TOKEN, "phone_number": NUMBER }),
            "account_sid",
        ),
        (
            json!({ "type": "twilio", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN }),
            "phone_number",
        ),
        (
            json!({ "type": "twilio", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": "555" }),
            "phone_number",
        ),
        (
            json!({ "type": "twilio", "account_sid": ACCOUNT_SID, "auth_token": "wrong", "phone_number": NUMBER }),
            "auth_token",
        ),
        (
            json!({ "type": "twilio", "account_sid": ACCOUNT_SID, "auth_token": ["x"], "phone_number": NUMBER }),
            "auth_token",
        ),
    ] {
        let (s, v) = app.post(&app.acc("/inboxes"), new_inbox(channel)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v.to_string().contains(field), "{field}: {v}");
    }
    let inbox = app
        .ok(Method::POST, &app.acc("/inboxes"), Some(new_inbox(good.clone())))
        .await;
    assert_eq!(inbox["channel_type"], "Channel::TwilioSms");
    assert_eq!(inbox["phone_number"], NUMBER, "normalised");
    assert_eq!(inbox["medium"], "sms");
    assert!(
        !inbox.to_string().contains(AUTH_TOKEN),
        "the auth token is never shown: {inbox}"
    );
    let hook = inbox["webhook_url"].as_str().unwrap().to_string();
    assert!(hook.starts_with(&format!("{}/webhooks/twilio/", app.base)), "{hook}");
    let (s, v) = app.post(&app.acc("/inboxes"), new_inbox(good)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "one inbox per number: {v}");
    // Changed credentials are tried with Twilio before they are kept.
    let inbox_path = app.acc(&format!("/inboxes/{}", inbox["id"]));
    let (s, v) = app
        .patch(&inbox_path, json!({ "channel": { "auth_token": "wrong" } }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v.to_string().contains("auth_token"), "{v}");
    let (s, v) = app
        .patch(&inbox_path, json!({ "channel": { "phone_number": 15005550006_i64 } }))
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a number without + is not international: {v}"
    );
    let renamed = app
        .ok(Method::PATCH, &inbox_path, Some(json!({ "name": "Text us" })))
        .await;
    assert_eq!(renamed["name"], "Text us");
    assert_eq!(renamed["phone_number"], NUMBER, "the settings kept");

    // A message with a picture, signed as Twilio signs.
    let picture = b"\x89PNG\r\n\x1a\n0000".to_vec();
    let media = fake.put_media("MM1", "ME1", "image/png", picture.clone());
    let inbound = [
        ("MessageSid", "MM1"),
        ("SmsMessageSid", "MM1"),
        ("SmsStatus", "received"),
        ("AccountSid", ACCOUNT_SID),
        ("From", CUSTOMER),
        ("To", NUMBER),
        ("Body", "My order has not arrived"),
        ("NumMedia", "1"),
        ("MediaUrl0", media.as_str()),
        ("MediaContentType0", "image/png"),
        ("FromCity", "BOSTON"),
    ];
    assert_eq!(
        post_signed(&hook, &inbound, None).await,
        StatusCode::UNAUTHORIZED,
        "unsigned"
    );
    assert_eq!(
        post_signed(&hook, &inbound, Some("another token")).await,
        StatusCode::UNAUTHORIZED,
        "signed with another token"
    );
    let mut tampered = inbound;
    tampered[6] = ("Body", "Something else");
    let forged = sign(AUTH_TOKEN, &hook, &inbound);
    let s = reqwest::Client::new()
        .post(&hook)
        .header("X-Twilio-Signature", forged)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form(&tampered))
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a changed body breaks the signature");
    let huge = "x".repeat(300 * 1024);
    let mut oversize = inbound.to_vec();
    oversize[6] = ("Body", huge.as_str());
    assert_eq!(
        post_signed(&hook, &oversize, Some(AUTH_TOKEN)).await,
        StatusCode::PAYLOAD_TOO_LARGE,
        "a post larger than any Twilio sends"
    );
    assert!(conversations(&app).await.is_empty(), "nothing kept from refused posts");
    assert_eq!(post_signed(&hook, &inbound, Some(AUTH_TOKEN)).await, StatusCode::OK);
    assert_eq!(
        post_signed(&hook, &inbound, Some(AUTH_TOKEN)).await,
        StatusCode::OK,
        "a replay"
    );
    let convs = conversations(&app).await;
    assert_eq!(convs.len(), 1);
    let display = convs[0]["id"].as_i64().unwrap();
    let msgs = messages(&app, display).await;
    let incoming: Vec<&Value> = msgs.iter().filter(|m| m["message_type"] == 0).collect();
    assert_eq!(incoming.len(), 1, "de-duplicated by MessageSid: {msgs:?}");
    assert_eq!(incoming[0]["content"], "My order has not arrived");
    assert_eq!(incoming[0]["source_id"], "MM1");
    assert_eq!(incoming[0]["attachments"][0]["file_type"], "image", "{}", incoming[0]);
    assert_eq!(incoming[0]["sender"]["phone_number"], CUSTOMER);
    assert_eq!(
        fake.media_fetches().len(),
        1,
        "the picture fetched once, with the credentials"
    );

    // A reply goes out through the Messages API.
    let reply = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "Sorry! It ships today." })),
        )
        .await;
    let sent = fake.wait_for_sends(1).await;
    assert_eq!(sent[0].account, ACCOUNT_SID);
    assert_eq!(sent[0].auth, format!("{ACCOUNT_SID}:{AUTH_TOKEN}"));
    assert_eq!(sent[0].get("To"), Some(CUSTOMER));
    assert_eq!(sent[0].get("From"), Some(NUMBER));
    assert_eq!(sent[0].get("Body"), Some("Sorry! It ships today."));
    assert_eq!(sent[0].get("StatusCallback"), Some(hook.as_str()));
    let reply = message_where(&app, display, &reply["id"], "the reply's Twilio id", |m| {
        m["source_id"].as_str().is_some_and(|s| s.starts_with("SM"))
    })
    .await;
    let sid = reply["source_id"].as_str().unwrap().to_string();

    // Status callbacks move it on; an unsigned one changes nothing.
    let status = [
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "delivered"),
        ("AccountSid", ACCOUNT_SID),
    ];
    assert_eq!(post_signed(&hook, &status, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post_signed(&hook, &status, Some(AUTH_TOKEN)).await, StatusCode::OK);
    message_where(&app, display, &reply["id"], "delivered", |m| m["status"] == "delivered").await;

    // Throttled once: retried after Twilio's Retry-After, then sent.
    fake.respond_next(
        429,
        Some(1),
        json!({ "code": 20429, "message": "Too Many Requests", "status": 429 }),
    );
    let second = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "One more thing" })),
        )
        .await;
    let sent = fake.wait_for_sends(3).await;
    assert_eq!(sent[1].get("Body"), Some("One more thing"));
    assert_eq!(sent[2].get("Body"), Some("One more thing"), "the retry");
    message_where(&app, display, &second["id"], "sent after the retry", |m| {
        m["status"] == "sent" && m["source_id"].as_str().is_some_and(|s| s.starts_with("SM"))
    })
    .await;

    // Refused for good: failed, with Twilio's reason.
    fake.respond_next(
        400,
        None,
        json!({ "code": 21610, "message": "Attempt to send to unsubscribed recipient", "status": 400 }),
    );
    let third = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "Are you there?" })),
        )
        .await;
    let failed = message_where(&app, display, &third["id"], "failed", |m| m["status"] == "failed").await;
    let why = failed["content_attributes"]["external_error"]
        .as_str()
        .unwrap_or_default();
    assert!(why.contains("unsubscribed") && why.contains("21610"), "{failed}");
    assert_eq!(fake.sends().len(), 4, "a refusal is not retried");

    // A delivery that fails later, reported by its callback.
    let undelivered = [
        ("MessageSid", sid.as_str()),
        ("MessageStatus", "undelivered"),
        ("ErrorCode", "30003"),
        ("AccountSid", ACCOUNT_SID),
    ];
    assert_eq!(post_signed(&hook, &undelivered, Some(AUTH_TOKEN)).await, StatusCode::OK);
    let m = message_where(&app, display, &reply["id"], "undelivered", |m| m["status"] == "failed").await;
    assert!(
        m["content_attributes"]["external_error"]
            .as_str()
            .unwrap_or_default()
            .contains("30003"),
        "{m}"
    );

    // Another account's signature, or an unknown inbox key, gets nowhere.
    let unknown = format!("{}/webhooks/twilio/no-such-inbox", app.base);
    assert_eq!(
        post_signed(&unknown, &inbound, Some(AUTH_TOKEN)).await,
        StatusCode::NOT_FOUND
    );
    eventually(5, "nothing more sent", || async {
        (fake.sends().len() == 4).then_some(())
    })
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_end_to_end_sqlite() {
    sms_end_to_end(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_end_to_end_postgres() {
    sms_end_to_end(Db::Postgres).await;
}

/// Options on SMS: numbered under the text; a reply with one of the
/// numbers answers the message (and stays in the thread); another number,
/// or a number after something else of ours, answers nothing.
async fn numbered_options(db: Db) {
    let fake = FakeTwilio::start().await;
    let api = fake.url.clone();
    let Some(app) = TestApp::spawn_with(db, move |o| o.twilio_api_url = Some(api)).await else {
        return;
    };
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "SMS", "channel": { "type": "twilio", "account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "phone_number": NUMBER } })),
        )
        .await;
    let hook = inbox["webhook_url"].as_str().unwrap().to_string();
    let text = |sid: &'static str, body: &'static str| {
        [
            ("MessageSid", sid),
            ("SmsMessageSid", sid),
            ("SmsStatus", "received"),
            ("AccountSid", ACCOUNT_SID),
            ("From", CUSTOMER),
            ("To", NUMBER),
            ("Body", body),
            ("NumMedia", "0"),
        ]
    };
    assert_eq!(
        post_signed(&hook, &text("MM1", "Hi"), Some(AUTH_TOKEN)).await,
        StatusCode::OK
    );
    let conv = conversations(&app).await[0]["id"].as_i64().unwrap();
    let asked = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({
                "content": "What is it about?", "content_type": "input_select",
                "content_attributes": { "items": [
                    { "title": "Billing", "value": "billing" }, { "title": "Shipping", "value": "shipping" }, { "title": "Other", "value": "other" },
                ] },
            })),
        )
        .await;
    let sent = fake.wait_for_sends(1).await;
    assert_eq!(
        sent[0].get("Body"),
        Some("What is it about?\n1. Billing\n2. Shipping\n3. Other")
    );
    // A number out of range answers nothing; "2." picks Shipping.
    assert_eq!(
        post_signed(&hook, &text("MM2", "7"), Some(AUTH_TOKEN)).await,
        StatusCode::OK
    );
    let m = message_where(&app, conv, &asked["id"], "the question", |_| true).await;
    assert!(m["content_attributes"]["submitted_values"].is_null(), "{m}");
    assert_eq!(
        post_signed(&hook, &text("MM3", " 2. "), Some(AUTH_TOKEN)).await,
        StatusCode::OK
    );
    let m = message_where(&app, conv, &asked["id"], "the answer", |m| {
        m["content_attributes"]["submitted_values"].is_array()
    })
    .await;
    assert_eq!(
        m["content_attributes"]["submitted_values"],
        json!([{ "title": "Shipping", "value": "shipping" }])
    );
    assert!(
        messages(&app, conv)
            .await
            .iter()
            .any(|x| x["content"] == " 2. " || x["content"] == "2.")
    );
    // Once we have said something else, a number is just a number.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Thanks!" })),
    )
    .await;
    assert_eq!(
        post_signed(&hook, &text("MM4", "1"), Some(AUTH_TOKEN)).await,
        StatusCode::OK
    );
    let m = message_where(&app, conv, &asked["id"], "the answer", |_| true).await;
    assert_eq!(m["content_attributes"]["submitted_values"][0]["value"], "shipping");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbered_options_sqlite() {
    numbered_options(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbered_options_postgres() {
    numbered_options(Db::Postgres).await;
}
