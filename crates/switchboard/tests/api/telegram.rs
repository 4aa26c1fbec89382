//! The Telegram channel against a fake Bot API on loopback built from the
//! documented payloads (tests/fixtures/telegram): inbox creation (getMe,
//! setWebhook), the secret header, every inbound kind, replays, edits, and
//! the delivery pipeline (order per chat, 429 with retry_after, 5xx backoff,
//! 403 failing at once, retry).

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::cable::{Cable, agent_identifier};
use crate::fake_telegram::{FakeTelegram, fixture};
use crate::helpers::{Db, TestApp, all_at_once, conversations, message_where, messages};

const TOKEN: &str = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1";
/// A small PNG (1 x 1).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

struct Bot {
    app: TestApp,
    fake: FakeTelegram,
    inbox: i64,
    secret: String,
}

async fn bot(db: Db) -> Option<Bot> {
    let fake = FakeTelegram::start().await;
    let url = fake.url.clone();
    let app = TestApp::spawn_with(db, move |o| o.telegram_api_url = Some(url)).await?;
    let v = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Telegram", "channel": { "type": "telegram", "bot_token": TOKEN } })),
        )
        .await;
    let secret = fake.calls_to("setWebhook")[0].json["secret_token"]
        .as_str()
        .expect("a secret token")
        .to_string();
    Some(Bot {
        inbox: v["id"].as_i64().unwrap(),
        app,
        fake,
        secret,
    })
}

async fn post_update(b: &Bot, update: &Value, secret: Option<&str>) -> StatusCode {
    let mut req = b
        .app
        .client
        .post(format!("{}/webhooks/telegram/123456789", b.app.base))
        .json(update);
    if let Some(s) = secret {
        req = req.header("X-Telegram-Bot-Api-Secret-Token", s);
    }
    req.send().await.unwrap().status()
}

/// The same update from another user (another chat).
fn from_user(mut update: Value, id: i64, first: &str) -> Value {
    let m = &mut update["message"];
    m["from"]["id"] = json!(id);
    m["from"]["first_name"] = json!(first);
    m["chat"]["id"] = json!(id);
    m["chat"]["first_name"] = json!(first);
    update
}

async fn connecting_a_bot(db: Db) {
    let fake = FakeTelegram::start().await;
    let url = fake.url.clone();
    let Some(app) = TestApp::spawn_with(db, move |o| o.telegram_api_url = Some(url)).await else {
        return;
    };
    let create = |token: &str| json!({ "name": "Telegram", "channel": { "type": "telegram", "bot_token": token } });
    // Not a token: refused before Telegram is asked.
    let (s, _) = app.post(&app.acc("/inboxes"), create("not-a-token")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(fake.calls().is_empty());
    // Telegram refuses the token: nothing is kept.
    fake.respond_next("getMe", 401, fixture("responses/error_401.json"));
    let (s, v) = app.post(&app.acc("/inboxes"), create(TOKEN)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("Unauthorized"), "{v}");
    // setWebhook refused: nothing is kept either.
    fake.respond_next("setWebhook", 400, json!({ "ok": false, "error_code": 400, "description": "Bad Request: bad webhook: HTTPS url must be provided for webhook" }));
    let (s, _) = app.post(&app.acc("/inboxes"), create(TOKEN)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let inboxes = app.ok(Method::GET, &app.acc("/inboxes"), None).await;
    assert_eq!(inboxes["payload"].as_array().unwrap().len(), 0, "{inboxes}");
    // Accepted: getMe names the bot, setWebhook points at us with a secret.
    let v = app.ok(Method::POST, &app.acc("/inboxes"), Some(create(TOKEN))).await;
    assert_eq!(v["channel_type"], "Channel::Telegram");
    assert_eq!(v["bot_name"], "Acme Support");
    assert!(v.get("bot_token").is_none(), "the token is not shown: {v}");
    let hook = fake.calls_to("setWebhook").last().unwrap().clone();
    assert_eq!(hook.token, TOKEN);
    assert_eq!(
        hook.json["url"],
        format!("{}/webhooks/telegram/123456789", app.base).as_str()
    );
    let secret = hook.json["secret_token"].as_str().unwrap();
    assert!(secret.len() >= 32 && secret.bytes().all(|b| b.is_ascii_alphanumeric()));
    assert!(
        hook.json["allowed_updates"]
            .as_array()
            .unwrap()
            .contains(&json!("message"))
    );
    // The same bot twice: refused.
    let (s, _) = app.post(&app.acc("/inboxes"), create(TOKEN)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Deleting the inbox removes the webhook.
    let (s, _) = app.delete(&app.acc(&format!("/inboxes/{}", v["id"]))).await;
    assert_eq!(s, StatusCode::OK);
    fake.wait_for("deleteWebhook", 1).await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_bot_sqlite() {
    connecting_a_bot(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_bot_postgres() {
    connecting_a_bot(Db::Postgres).await;
}

async fn inbound_updates(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    let text = fixture("updates/text.json");
    // Without the secret, or with another: 401 and nothing stored.
    assert_eq!(post_update(&b, &text, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(post_update(&b, &text, Some("guess")).await, StatusCode::UNAUTHORIZED);
    let s = b
        .app
        .client
        .post(format!("{}/webhooks/telegram/999", b.app.base))
        .header("X-Telegram-Bot-Api-Secret-Token", &b.secret)
        .json(&text)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(s, StatusCode::NOT_FOUND, "an unknown bot");
    assert!(conversations(app).await.is_empty());

    // Ten concurrent deliveries of one update: one contact, one message.
    let replay = b
        .app
        .client
        .post(format!("{}/webhooks/telegram/123456789", b.app.base))
        .header("X-Telegram-Bot-Api-Secret-Token", &b.secret)
        .json(&text);
    for s in all_at_once(10, replay).await {
        assert_eq!(s, StatusCode::OK);
    }
    let convs = conversations(app).await;
    assert_eq!(convs.len(), 1, "{convs:?}");
    let conv = convs[0]["id"].as_i64().unwrap();
    assert_eq!(convs[0]["inbox_id"], b.inbox);
    let contact = &convs[0]["meta"]["sender"];
    assert_eq!(contact["name"], "Ivan Petrov");
    assert_eq!(contact["additional_attributes"]["username"], "ivanp");
    assert_eq!(contact["additional_attributes"]["language_code"], "ru");
    let ms = messages(app, conv).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    assert_eq!(ms[0]["content"], "Hello, where is my order?");
    assert_eq!(ms[0]["message_type"], 0);
    assert_eq!(ms[0]["source_id"], "777000111:101");
    let full = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{}", contact["id"])), None)
        .await;
    assert_eq!(
        full["payload"]["contact_inboxes"][0]["source_id"], "777000111",
        "the contact is addressed by from.id"
    );

    // A photo (the largest size is fetched) with its caption; a document.
    let photo = fixture("updates/photo.json");
    let largest = photo["message"]["photo"][2]["file_id"].as_str().unwrap().to_string();
    b.fake.put_file(&largest, "photos/file_3.png", PNG.to_vec());
    let doc = fixture("updates/document.json");
    let doc_id = doc["message"]["document"]["file_id"].as_str().unwrap().to_string();
    b.fake
        .put_file(&doc_id, "documents/file_7.pdf", b"%PDF-1.4 invoice".to_vec());
    for u in [&photo, &doc] {
        assert_eq!(post_update(&b, u, Some(&b.secret)).await, StatusCode::OK);
    }
    let ms = messages(app, conv).await;
    let pic = ms
        .iter()
        .find(|m| m["content"] == "Broken box")
        .expect("the photo message");
    assert_eq!(pic["attachments"][0]["file_type"], "image");
    let got = app
        .client
        .get(pic["attachments"][0]["data_url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(got.as_ref(), PNG, "the bytes Telegram served");
    let file_ids: Vec<String> = b
        .fake
        .calls_to("getFile")
        .iter()
        .filter_map(|c| c.str("file_id"))
        .collect();
    assert!(file_ids.contains(&largest), "the largest size: {file_ids:?}");
    let pdf = ms
        .iter()
        .find(|m| m["attachments"][0]["file_name"] == "invoice.pdf")
        .expect("the document");
    assert_eq!(pdf["attachments"][0]["file_type"], "file");

    // Every other kind lands as a message, none breaks the request.
    for name in [
        "video",
        "animation",
        "voice",
        "audio",
        "sticker",
        "location",
        "contact",
        "reply",
        "text_entities",
    ] {
        let u = fixture(&format!("updates/{name}.json"));
        assert_eq!(post_update(&b, &u, Some(&b.secret)).await, StatusCode::OK, "{name}");
    }
    let ms = messages(app, conv).await;
    let loc = ms
        .iter()
        .find(|m| m["content_attributes"].get("location").is_some())
        .expect("the location");
    assert!(loc["content"].as_str().unwrap().starts_with("Location: "), "{loc}");
    let card = ms
        .iter()
        .find(|m| m["content_attributes"].get("contact").is_some())
        .expect("the contact card");
    assert!(card["content"].as_str().unwrap().contains("+7"), "{card}");
    let sticker = ms
        .iter()
        .find(|m| m["source_id"] == "777000111:109")
        .expect("the sticker");
    assert!(
        sticker["content"].is_string(),
        "a sticker we could not fetch still shows: {sticker}"
    );
    let reply = ms
        .iter()
        .find(|m| m["source_id"] == "777000111:113")
        .expect("the reply");
    assert_eq!(reply["content_attributes"]["in_reply_to_external_id"], "777000111:112");

    // An edit changes the stored text and keeps the earlier one.
    assert_eq!(
        post_update(&b, &fixture("updates/edited_message.json"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let ms = messages(app, conv).await;
    let first = ms.iter().find(|m| m["source_id"] == "777000111:101").unwrap();
    assert_eq!(first["content"], "Hello, where is my order #1042?");
    assert_eq!(
        first["content_attributes"]["previous_content"],
        "Hello, where is my order?"
    );

    // Groups and updates we do not handle: acknowledged, nothing stored.
    let before = messages(app, conv).await.len();
    for name in ["group_text", "my_chat_member_blocked", "callback_query"] {
        let u = fixture(&format!("updates/{name}.json"));
        assert_eq!(post_update(&b, &u, Some(&b.secret)).await, StatusCode::OK, "{name}");
    }
    assert_eq!(messages(app, conv).await.len(), before);
    assert_eq!(conversations(app).await.len(), 1);
    // Not JSON: refused, nothing stored.
    let s = b
        .app
        .client
        .post(format!("{}/webhooks/telegram/123456789", b.app.base))
        .header("X-Telegram-Bot-Api-Secret-Token", &b.secret)
        .body("{nope")
        .send()
        .await
        .unwrap()
        .status();
    assert!(s.is_client_error(), "{s}");
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_updates_sqlite() {
    inbound_updates(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_updates_postgres() {
    inbound_updates(Db::Postgres).await;
}

async fn reply(app: &TestApp, conv: i64, body: Value) -> Value {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(body),
    )
    .await
}

async fn outbound_replies(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    // The agent's dashboard socket sees the conversation and message arrive.
    let mut live = Cable::connect(app).await;
    assert_eq!(
        live.subscribe(&agent_identifier(app, &app.token).await).await,
        "confirm"
    );
    assert_eq!(
        post_update(&b, &fixture("updates/text.json"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let created = live.expect("conversation.created").await;
    assert_eq!(created["meta"]["sender"]["name"], "Ivan Petrov");
    let arrived = live.expect("message.created").await;
    assert_eq!(arrived["content"], "Hello, where is my order?");
    let conv = conversations(app).await[0]["id"].as_i64().unwrap();
    let incoming = messages(app, conv).await[0]["id"].as_i64().unwrap();

    // A reply, quoting the customer's message: sendMessage field by field.
    let m = reply(
        app,
        conv,
        json!({ "content": "Your order ships today", "content_attributes": { "in_reply_to": incoming } }),
    )
    .await;
    let call = b.fake.wait_for("sendMessage", 1).await[0].clone();
    assert_eq!(call.token, TOKEN);
    assert_eq!(call.json["chat_id"], 777000111);
    assert_eq!(call.json["text"], "Your order ships today");
    assert_eq!(call.json["reply_parameters"]["message_id"], 101);
    let sent = message_where(app, conv, &m["id"], "the platform id recorded", |m| {
        m["source_id"].is_string()
    })
    .await;
    assert_eq!(sent["source_id"], "777000111:5001");
    assert_eq!(sent["status"], "sent");
    // ... and the reply's platform id reaching it as an update.
    loop {
        let u = live.expect("message.updated").await;
        if u["id"] == m["id"] && u["source_id"] == "777000111:5001" {
            break;
        }
    }

    // Notes never go out.
    reply(app, conv, json!({ "content": "internal", "private": true })).await;

    // A picture goes as sendPhoto with its caption.
    let form = reqwest::multipart::Form::new()
        .text("content", "Here is the label")
        .part(
            "attachments[]",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("label.png"),
        );
    let r = app
        .client
        .post(format!(
            "{}{}",
            app.base,
            app.acc(&format!("/conversations/{conv}/messages"))
        ))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let photo = b.fake.wait_for("sendPhoto", 1).await[0].clone();
    assert_eq!(photo.str("chat_id").as_deref(), Some("777000111"));
    assert_eq!(photo.str("caption").as_deref(), Some("Here is the label"));
    assert_eq!(photo.file("photo").expect("the photo part").bytes, PNG);
    assert_eq!(
        b.fake.calls_to("sendMessage").len(),
        1,
        "the note and the captioned picture sent no extra text"
    );

    // 429 with retry_after: waits that long, then succeeds.
    b.fake
        .respond_next("sendMessage", 429, fixture("responses/error_429.json"));
    let m = reply(app, conv, json!({ "content": "after a pause" })).await;
    let calls = b.fake.wait_for("sendMessage", 3).await;
    let tries: Vec<_> = calls.iter().filter(|c| c.json["text"] == "after a pause").collect();
    assert_eq!(tries.len(), 2);
    message_where(app, conv, &m["id"], "sent after 429", |m| m["source_id"].is_string()).await;

    // 5xx: retried with backoff until it goes through.
    b.fake.respond_next(
        "sendMessage",
        502,
        json!({ "ok": false, "error_code": 502, "description": "Bad Gateway" }),
    );
    b.fake.respond_next(
        "sendMessage",
        500,
        json!({ "ok": false, "error_code": 500, "description": "Internal Server Error" }),
    );
    let m = reply(app, conv, json!({ "content": "through the storm" })).await;
    message_where(app, conv, &m["id"], "sent after two 5xx", |m| {
        m["source_id"].is_string()
    })
    .await;
    let tries = b
        .fake
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.json["text"] == "through the storm")
        .count();
    assert_eq!(tries, 3);

    // 403 blocked: failed at once with the platform's reason, never retried.
    b.fake
        .respond_next("sendMessage", 403, fixture("responses/error_403_blocked.json"));
    let m = reply(app, conv, json!({ "content": "are you there?" })).await;
    let id = m["id"].as_i64().unwrap();
    let failed = message_where(app, conv, &json!(id), "failed on 403", |m| m["status"] == "failed").await;
    assert_eq!(
        failed["content_attributes"]["external_error"],
        "Forbidden: bot was blocked by the user"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    let tries = b
        .fake
        .calls_to("sendMessage")
        .iter()
        .filter(|c| c.json["text"] == "are you there?")
        .count();
    assert_eq!(tries, 1, "no retries after a permanent error");
    // Retry sends it again.
    let (s, v) = app
        .post(
            &app.acc(&format!("/conversations/{conv}/messages/{id}/retry")),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    message_where(app, conv, &json!(id), "sent after retry", |m| {
        m["source_id"].is_string() && m["status"] == "sent"
    })
    .await;
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_replies_sqlite() {
    outbound_replies(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outbound_replies_postgres() {
    outbound_replies(Db::Postgres).await;
}

/// Replies to one chat arrive in order even when the first must wait; a
/// waiting chat does not hold up another.
async fn order_per_chat(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    let ivan = fixture("updates/text.json");
    let olga = from_user(fixture("updates/text.json"), 777000222, "Olga");
    for u in [&ivan, &olga] {
        assert_eq!(post_update(&b, u, Some(&b.secret)).await, StatusCode::OK);
    }
    let convs = conversations(app).await;
    assert_eq!(convs.len(), 2);
    let conv_of = |name: &str| {
        convs
            .iter()
            .find(|c| c["meta"]["sender"]["name"].as_str().unwrap().starts_with(name))
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    let (ivan_conv, olga_conv) = (conv_of("Ivan"), conv_of("Olga"));
    // Ivan's first reply is told to wait 2 s; his second must not overtake it,
    // and Olga's reply must not wait behind it.
    b.fake
        .respond_next("sendMessage", 429, fixture("responses/error_429.json"));
    let started = Instant::now();
    reply(app, ivan_conv, json!({ "content": "ivan 1" })).await;
    reply(app, ivan_conv, json!({ "content": "ivan 2" })).await;
    b.fake.wait_for("sendMessage", 1).await;
    reply(app, olga_conv, json!({ "content": "olga 1" })).await;
    let calls = b.fake.wait_for("sendMessage", 4).await;
    let order: Vec<String> = calls
        .iter()
        .map(|c| c.json["text"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(order[0], "ivan 1", "{order:?}");
    let pos = |t: &str| order.iter().rposition(|x| x == t).unwrap();
    assert!(pos("olga 1") < pos("ivan 2"), "Olga did not wait for Ivan: {order:?}");
    assert!(pos("ivan 1") < pos("ivan 2"), "Ivan's replies in order: {order:?}");
    assert!(
        started.elapsed() >= Duration::from_millis(1900),
        "retry_after was honoured"
    );
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_per_chat_sqlite() {
    order_per_chat(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn order_per_chat_postgres() {
    order_per_chat(Db::Postgres).await;
}

/// Business chats: the customer's messages arrive and replies go through the
/// business connection; the owner's own messages in the chat are left out.
async fn business_chats(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    // The fixture is the owner writing to the customer: not the customer's.
    let owner = fixture("updates/business_message.json");
    assert_eq!(post_update(&b, &owner, Some(&b.secret)).await, StatusCode::OK);
    assert!(conversations(app).await.is_empty());
    // The customer writing in the business chat.
    let mut customer = owner.clone();
    let chat = customer["business_message"]["chat"].clone();
    customer["business_message"]["from"] =
        json!({ "id": chat["id"], "is_bot": false, "first_name": "Ivan", "last_name": "Petrov", "username": "ivanp" });
    customer["business_message"]["text"] = json!("Is the shop open on Sunday?");
    assert_eq!(post_update(&b, &customer, Some(&b.secret)).await, StatusCode::OK);
    let convs = conversations(app).await;
    assert_eq!(convs.len(), 1);
    let conv = convs[0]["id"].as_i64().unwrap();
    let connection = owner["business_message"]["business_connection_id"].clone();
    assert_eq!(
        convs[0]["meta"]["sender"]["additional_attributes"]["business_connection_id"],
        connection
    );
    reply(app, conv, json!({ "content": "Yes, 10 to 16" })).await;
    let call = b.fake.wait_for("sendMessage", 1).await[0].clone();
    assert_eq!(call.json["business_connection_id"], connection);
    assert_eq!(call.json["chat_id"], chat["id"]);
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_chats_sqlite() {
    business_chats(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn business_chats_postgres() {
    business_chats(Db::Postgres).await;
}

/// A message with options (a bot's `input_select`) goes out with an inline
/// keyboard; the customer's tap (a callback query) answers it: the spinner
/// is acknowledged, the message gets `submitted_values` once, and a tap
/// from anyone else changes nothing.
async fn buttons(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    assert_eq!(
        post_update(&b, &fixture("updates/text.json"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let conv = conversations(app).await[0]["id"].as_i64().unwrap();
    let asked = reply(
        app,
        conv,
        json!({
            "content": "What is it about?", "content_type": "input_select",
            "content_attributes": { "items": [{ "title": "Billing", "value": "billing" }, { "title": "Shipping", "value": "shipping" }] },
        }),
    )
    .await;
    let call = b.fake.wait_for("sendMessage", 1).await[0].clone();
    assert_eq!(
        call.json["reply_markup"]["inline_keyboard"],
        json!([
            [{ "text": "Billing", "callback_data": "sb:0" }],
            [{ "text": "Shipping", "callback_data": "sb:1" }],
        ]),
        "{}",
        call.json
    );
    let sent = message_where(app, conv, &asked["id"], "the source id", |m| m["source_id"].is_string()).await;
    let source = sent["source_id"].as_str().unwrap().to_string();
    let (chat, mid) = source.split_once(':').unwrap();
    let tap = |from: i64, data: &str, id: &str| {
        json!({
            "update_id": 482913900 + from % 1000,
            "callback_query": {
                "id": id,
                "from": { "id": from, "is_bot": false, "first_name": "Someone" },
                "message": { "message_id": mid.parse::<i64>().unwrap(), "chat": { "id": chat.parse::<i64>().unwrap(), "type": "private" } },
                "chat_instance": "1", "data": data,
            },
        })
    };
    // Someone else's tap, and a tap on no option: nothing changes.
    for (from, data, id) in [
        (555, "sb:0", "q1"),
        (777000111, "sb:9", "q2"),
        (777000111, "other", "q3"),
    ] {
        assert_eq!(
            post_update(&b, &tap(from, data, id), Some(&b.secret)).await,
            StatusCode::OK
        );
    }
    let m = message_where(app, conv, &asked["id"], "the message", |_| true).await;
    assert!(m["content_attributes"]["submitted_values"].is_null(), "{m}");
    assert_eq!(
        post_update(&b, &tap(777000111, "sb:1", "q4"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let m = message_where(app, conv, &asked["id"], "the answer", |m| {
        m["content_attributes"]["submitted_values"].is_array()
    })
    .await;
    assert_eq!(
        m["content_attributes"]["submitted_values"],
        json!([{ "title": "Shipping", "value": "shipping" }])
    );
    let acks: Vec<Value> = b
        .fake
        .wait_for("answerCallbackQuery", 3)
        .await
        .iter()
        .map(|c| c.json["callback_query_id"].clone())
        .collect();
    assert!(acks.contains(&json!("q4")) && acks.contains(&json!("q1")), "{acks:?}");
    // A second tap does not change the answer.
    assert_eq!(
        post_update(&b, &tap(777000111, "sb:0", "q5"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let m = message_where(app, conv, &asked["id"], "the message", |_| true).await;
    assert_eq!(m["content_attributes"]["submitted_values"][0]["value"], "shipping");
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_sqlite() {
    buttons(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_postgres() {
    buttons(Db::Postgres).await;
}

/// A whole conversation on Telegram driven by an agent bot (a fake on
/// loopback): the customer writes, the conversation starts with the bot,
/// the bot asks with buttons (an inline keyboard), the customer taps one,
/// the bot hears the choice and hands over; routing gives the conversation
/// to the agent on duty.
async fn a_bot_on_telegram(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    let sink = crate::helpers::Sink::start().await;
    let agent_bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Shop bot", "outgoing_url": sink.url })),
        )
        .await;
    let token = agent_bot["access_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{}/set_agent_bot", b.inbox)),
        Some(json!({ "agent_bot": agent_bot["id"] })),
    )
    .await;
    let (amy, _) = crate::routing::ready_agent(app, "Amy", b.inbox).await;

    assert_eq!(
        post_update(&b, &fixture("updates/text.json"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let heard = sink.wait_for("message_created", 1).await;
    let conv = heard[0].json()["conversation"]["id"].as_i64().unwrap();
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(c["status"], "pending", "the bot's first, not routed: {c}");
    assert!(c["meta"]["assignee"].is_null(), "{c}");

    // The bot asks with buttons.
    let (s, asked) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            &token,
            Some(json!({
                "content": "Is it about an order?", "content_type": "input_select",
                "content_attributes": { "items": [{ "title": "Yes", "value": "order" }, { "title": "No", "value": "other" }] },
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{asked}");
    let call = b.fake.wait_for("sendMessage", 1).await[0].clone();
    assert_eq!(call.json["reply_markup"]["inline_keyboard"][0][0]["text"], "Yes");
    let sent = message_where(app, conv, &asked["id"], "the source id", |m| m["source_id"].is_string()).await;
    let source = sent["source_id"].as_str().unwrap().to_string();
    let (chat, mid) = source.split_once(':').unwrap();
    let tap = json!({
        "update_id": 482913777,
        "callback_query": {
            "id": "tap-1", "from": { "id": 777000111, "is_bot": false, "first_name": "Ivan" },
            "message": { "message_id": mid.parse::<i64>().unwrap(), "chat": { "id": chat.parse::<i64>().unwrap(), "type": "private" } },
            "chat_instance": "1", "data": "sb:0",
        },
    });
    assert_eq!(post_update(&b, &tap, Some(&b.secret)).await, StatusCode::OK);
    // (It also hears its question being delivered: updates of its own
    // messages reach it.)
    let choice = crate::helpers::eventually(15, "the choice reaching the bot", || async {
        sink.events("message_updated")
            .into_iter()
            .map(|r| r.json())
            .find(|m| m["content_attributes"]["submitted_values"].is_array())
    })
    .await;
    assert_eq!(choice["content_attributes"]["submitted_values"][0]["value"], "order");

    // Handoff: routing assigns the agent on duty.
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/toggle_status")),
            &token,
            Some(json!({ "status": "open" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = crate::helpers::eventually(15, "routing after the handoff", || async {
        let c = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
            .await;
        (c["meta"]["assignee"]["id"] == amy).then_some(c)
    })
    .await;
    assert_eq!(c["status"], "open");
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_on_telegram_sqlite() {
    a_bot_on_telegram(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bot_on_telegram_postgres() {
    a_bot_on_telegram(Db::Postgres).await;
}

/// One bot whose API hangs does not delay another bot's sends: the bot
/// that is down holds at most half of the runner's 64 slots (its other sends
/// wait in the queue, not in a slot), the other bot's replies go out within
/// 3 s (before, all 64 slots hung on the first bot for the platform timeout
/// of 60 s), and the first bot's replies all go out once it is back.
async fn one_bot_down_does_not_delay_another(db: Db) {
    const DOWN: i64 = 70;
    const UP: i64 = 10;
    const TOKEN2: &str = "987654321:BBHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw2";
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    b.fake.add_bot(TOKEN2);
    let second = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Telegram 2", "channel": { "type": "telegram", "bot_token": TOKEN2 } })),
        )
        .await;
    let secret2 = b
        .fake
        .calls_to("setWebhook")
        .into_iter()
        .find(|c| c.token == TOKEN2)
        .expect("the second bot's webhook")
        .json["secret_token"]
        .as_str()
        .unwrap()
        .to_string();
    // One chat (and conversation) each: display ids 1..=DOWN on the first
    // bot, the next UP on the second.
    for i in 0..DOWN + UP {
        let (bot_id, secret) = if i < DOWN {
            ("123456789", b.secret.as_str())
        } else {
            ("987654321", secret2.as_str())
        };
        let update = from_user(fixture("updates/text.json"), 900_000 + i, &format!("Chat {i}"));
        let s = app
            .client
            .post(format!("{}/webhooks/telegram/{bot_id}", app.base))
            .header("X-Telegram-Bot-Api-Secret-Token", secret)
            .json(&update)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, StatusCode::OK);
    }
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{}", DOWN + 1)), None)
        .await;
    assert_eq!(c["inbox_id"], second["id"], "the second bot's first conversation");

    b.fake.hang_sends_of(Some(TOKEN));
    for conv in 1..=DOWN {
        reply(app, conv, json!({ "content": format!("down {conv}") })).await;
    }
    let sent_by = |token: &str| {
        b.fake
            .calls_to("sendMessage")
            .iter()
            .filter(|c| c.token == token)
            .count()
    };
    let started = Instant::now();
    for conv in DOWN + 1..=DOWN + UP {
        reply(app, conv, json!({ "content": format!("up {conv}") })).await;
    }
    while sent_by(TOKEN2) < UP as usize && started.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let took = started.elapsed();
    let hanging = sent_by(TOKEN);
    eprintln!("{db:?}: the second bot's {UP} replies sent in {took:?}; the first bot's calls hanging: {hanging}");
    assert_eq!(sent_by(TOKEN2), UP as usize, "the second bot's replies went out");
    assert!(took < Duration::from_secs(3), "the second bot waited {took:?}");
    assert!(
        hanging <= 32,
        "the bot that is down holds at most half the slots: {hanging}"
    );

    b.fake.hang_sends_of(None);
    let deadline = Instant::now() + Duration::from_secs(30);
    while sent_by(TOKEN) < DOWN as usize && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        sent_by(TOKEN),
        DOWN as usize,
        "the first bot's replies go out once it is back"
    );
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bot_down_does_not_delay_another_sqlite() {
    one_bot_down_does_not_delay_another(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_bot_down_does_not_delay_another_postgres() {
    one_bot_down_does_not_delay_another(Db::Postgres).await;
}

/// The satisfaction survey on Telegram: the question with the link to the
/// survey page, sent to the chat when the conversation is resolved.
async fn survey_link_on_telegram(db: Db) {
    let Some(b) = bot(db).await else { return };
    let app = &b.app;
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{}", b.inbox)),
        Some(json!({ "csat_survey_enabled": true })),
    )
    .await;
    assert_eq!(
        post_update(&b, &fixture("updates/text.json"), Some(&b.secret)).await,
        StatusCode::OK
    );
    let conv = conversations(app).await[0]["id"].as_i64().unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let uuid = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let call = b.fake.wait_for("sendMessage", 1).await[0].clone();
    let text = call.json["text"].as_str().unwrap_or("").to_string();
    assert!(
        text.starts_with("Please rate the conversation") && text.contains(&format!("/survey/responses/{uuid}")),
        "{}",
        call.json
    );
    b.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_link_on_telegram_sqlite() {
    survey_link_on_telegram(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn survey_link_on_telegram_postgres() {
    survey_link_on_telegram(Db::Postgres).await;
}
