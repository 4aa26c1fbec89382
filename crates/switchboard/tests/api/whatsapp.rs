//! The WhatsApp Cloud API channel against a fake Graph API on loopback
//! built from the documented payloads (tests/fixtures/whatsapp): the inbox
//! (credentials checked by syncing templates), the subscription handshake,
//! signed webhooks, every inbound kind, statuses moving a reply to read,
//! the 24-hour window and templates, media both ways.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::fake_whatsapp::{FakeWhatsApp, fixture, sign};
use crate::helpers::{Db, TestApp, all_at_once, conversations, eventually, message_where, messages};

const APP_SECRET: &str = "meta-app-secret-for-tests";
const API_KEY: &str = "EAAG-test-access-token";
const NUMBER_ID: &str = "106540352242922";
const WABA: &str = "102290129340398";
/// A small PNG (1 x 1).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02\x00\x00\x00\x90wS\xde\x00\x00\x00\x0cIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

struct Number {
    app: TestApp,
    fake: FakeWhatsApp,
    inbox: Value,
}

fn channel() -> Value {
    json!({
        "type": "whatsapp",
        "phone_number": "+1 555 078 3881",
        "provider": "whatsapp_cloud",
        "provider_config": {
            "api_key": API_KEY,
            "phone_number_id": NUMBER_ID,
            "business_account_id": WABA,
            "app_secret": APP_SECRET,
            "webhook_verify_token": "verify-me",
        },
    })
}

async fn number(db: Db) -> Option<Number> {
    let fake = FakeWhatsApp::start().await;
    let url = fake.url.clone();
    let app = TestApp::spawn_with(db, move |o| o.whatsapp_api_url = Some(url)).await?;
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "WhatsApp", "channel": channel() })),
        )
        .await;
    Some(Number { app, fake, inbox })
}

async fn post_hook(n: &Number, body: &Value, signature: Option<String>) -> StatusCode {
    let raw = serde_json::to_vec(body).unwrap();
    let mut req = n
        .app
        .client
        .post(format!("{}/webhooks/whatsapp/+15550783881", n.app.base))
        .header("content-type", "application/json")
        .body(raw.clone());
    if let Some(s) = signature {
        req = req.header("X-Hub-Signature-256", s);
    }
    req.send().await.unwrap().status()
}

async fn deliver(n: &Number, body: &Value) {
    let raw = serde_json::to_vec(body).unwrap();
    assert_eq!(post_hook(n, body, Some(sign(APP_SECRET, &raw))).await, StatusCode::OK);
}

/// A status webhook fixture about our message `wamid`.
fn status_about(name: &str, wamid: &str) -> Value {
    let mut v = fixture(&format!("webhooks/{name}.json"));
    v["entry"][0]["changes"][0]["value"]["statuses"][0]["id"] = json!(wamid);
    v
}

async fn connecting_a_number(db: Db) {
    let Some(n) = number(db).await else { return };
    let app = &n.app;
    let i = &n.inbox;
    assert_eq!(i["channel_type"], "Channel::Whatsapp");
    assert_eq!(i["phone_number"], "+15550783881");
    assert_eq!(i["provider"], "whatsapp_cloud");
    assert_eq!(i["message_templates"].as_array().unwrap().len(), 3, "synced: {i}");
    assert_eq!(i["provider_config"]["webhook_verify_token"], "verify-me");
    assert!(
        i.to_string().find(API_KEY).is_none() && i.to_string().find(APP_SECRET).is_none(),
        "secrets are not shown: {i}"
    );
    assert_eq!(
        i["callback_webhook_url"],
        format!("{}/webhooks/whatsapp/15550783881", app.base).as_str()
    );
    let sync = n.fake.calls_to("/message_templates")[0].clone();
    assert_eq!(sync.auth.as_deref(), Some(format!("Bearer {API_KEY}").as_str()));
    assert!(sync.path.starts_with(&format!("/{WABA}/")));
    // The same number twice, a bad token, a missing field: refused.
    let (s, _) = app
        .post(&app.acc("/inboxes"), json!({ "name": "Again", "channel": channel() }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    n.fake
        .respond_next("/message_templates", 401, fixture("responses/error_190.json"));
    let mut other = channel();
    other["phone_number"] = json!("+15550000000");
    let (s, v) = app
        .post(&app.acc("/inboxes"), json!({ "name": "Bad token", "channel": other }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let mut missing = channel();
    missing["phone_number"] = json!("+15550000001");
    missing["provider_config"].as_object_mut().unwrap().remove("app_secret");
    let (s, _) = app
        .post(&app.acc("/inboxes"), json!({ "name": "No secret", "channel": missing }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Templates are read again on request.
    let mut one = fixture("responses/templates.json");
    one["data"].as_array_mut().unwrap().truncate(1);
    n.fake.respond_next("/message_templates", 200, one);
    let synced = app
        .ok(
            Method::POST,
            &app.acc(&format!("/inboxes/{}/sync_templates", i["id"])),
            Some(json!({})),
        )
        .await;
    assert_eq!(synced["message_templates"].as_array().unwrap().len(), 1);
    assert!(synced["message_templates_last_updated"].as_i64().unwrap() > 0);
    let (s, _) = app.post(&app.acc("/inboxes/999999/sync_templates"), json!({})).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // And on schedule, by a job per inbox: a refusal keeps what was there,
    // the next refresh takes Meta's list again.
    let asked = n.fake.calls_to("/message_templates").len();
    n.fake.respond_next(
        "/message_templates",
        500,
        json!({ "error": { "message": "try later" } }),
    );
    switchboard_core::jobs::queue_periodic(app.core(), "whatsapp_templates").await;
    eventually(10, "the scheduled refresh", || async {
        (n.fake.calls_to("/message_templates").len() > asked).then_some(())
    })
    .await;
    let kept = app
        .ok(Method::GET, &app.acc(&format!("/inboxes/{}", i["id"])), None)
        .await;
    assert_eq!(
        kept["message_templates"].as_array().unwrap().len(),
        1,
        "a failed refresh keeps them"
    );
    // Queued again until it runs: the failed one may still hold its
    // inbox's unique key until its completion is written.
    eventually(10, "the templates refreshed", || async {
        switchboard_core::jobs::queue_periodic(app.core(), "whatsapp_templates").await;
        let v = app
            .ok(Method::GET, &app.acc(&format!("/inboxes/{}", i["id"])), None)
            .await;
        (v["message_templates"].as_array().unwrap().len() > 1).then_some(())
    })
    .await;

    // The subscription handshake.
    let hs = |token: &str, number: &str| {
        format!(
            "{}/webhooks/whatsapp/{number}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444",
            app.base
        )
    };
    let r = app.client.get(hs("verify-me", "+15550783881")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "1158201444");
    let r = app.client.get(hs("wrong", "+15550783881")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app.client.get(hs("verify-me", "+19999999999")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    n.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_number_sqlite() {
    connecting_a_number(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_a_number_postgres() {
    connecting_a_number(Db::Postgres).await;
}

async fn inbound_webhooks(db: Db) {
    let Some(n) = number(db).await else { return };
    let app = &n.app;
    let text = fixture("webhooks/text.json");
    let raw = serde_json::to_vec(&text).unwrap();
    // Unsigned, or signed with another secret: 401, nothing stored.
    assert_eq!(post_hook(&n, &text, None).await, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post_hook(&n, &text, Some(sign("another secret", &raw))).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(conversations(app).await.is_empty());

    // Ten concurrent deliveries of one webhook: one message.
    let replay = app
        .client
        .post(format!("{}/webhooks/whatsapp/+15550783881", app.base))
        .header("content-type", "application/json")
        .header("X-Hub-Signature-256", sign(APP_SECRET, &raw))
        .body(raw.clone());
    for s in all_at_once(10, replay).await {
        assert_eq!(s, StatusCode::OK);
    }
    let convs = conversations(app).await;
    assert_eq!(convs.len(), 1);
    let conv = convs[0]["id"].as_i64().unwrap();
    let contact = &convs[0]["meta"]["sender"];
    assert_eq!(contact["name"], "Kerry Fisher");
    assert_eq!(contact["phone_number"], "+16315551181");
    assert_eq!(convs[0]["can_reply"], true, "inside the 24-hour window");
    let ms = messages(app, conv).await;
    assert_eq!(ms.len(), 1);
    let sent_text = text["entry"][0]["changes"][0]["value"]["messages"][0].clone();
    assert_eq!(ms[0]["content"], sent_text["text"]["body"]);
    assert_eq!(ms[0]["source_id"], sent_text["id"]);
    let full = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{}", contact["id"])), None)
        .await;
    assert_eq!(full["payload"]["contact_inboxes"][0]["source_id"], "16315551181");
    assert_eq!(
        full["payload"]["contact_inboxes"][0]["inbox"]["provider"],
        "whatsapp_cloud"
    );

    // An image: the media is fetched with the token and stored.
    let image = fixture("webhooks/image.json");
    let media_id = image["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    n.fake.put_media(&media_id, "image/png", PNG.to_vec());
    deliver(&n, &image).await;
    let ms = messages(app, conv).await;
    let pic = ms
        .iter()
        .find(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()))
        .expect("the image");
    assert_eq!(pic["content"], "The box arrived damaged");
    assert_eq!(pic["attachments"][0]["file_type"], "image");
    let fetched = n.fake.calls_to(&format!("/{media_id}"));
    assert!(!fetched.is_empty() && fetched[0].auth.as_deref() == Some(&format!("Bearer {API_KEY}")));

    // Every other kind becomes a message; reactions and unsupported types
    // are recorded; two messages in one POST are two messages.
    let before = messages(app, conv).await.len();
    let kinds = [
        "audio",
        "video",
        "document",
        "sticker",
        "location",
        "contacts",
        "interactive_button_reply",
        "interactive_list_reply",
        "button",
        "reply_context",
        "reaction",
        "unsupported",
        "two_messages",
    ];
    for k in kinds {
        deliver(&n, &fixture(&format!("webhooks/{k}.json"))).await;
    }
    let ms = messages(app, conv).await;
    assert_eq!(ms.len(), before + kinds.len() + 1, "one each, two for two_messages");
    assert!(ms.iter().any(|m| m["content_attributes"].get("location").is_some()));
    assert!(ms.iter().any(|m| m["content_attributes"].get("contacts").is_some()));
    assert!(ms.iter().any(|m| m["content_attributes"].get("reaction").is_some()));
    assert!(ms.iter().any(|m| m["content_attributes"].get("unsupported").is_some()));
    assert!(ms.iter().any(|m| m["content_attributes"].get("interactive").is_some()));
    let quoted = ms
        .iter()
        .find(|m| m["content_attributes"].get("in_reply_to_external_id").is_some())
        .expect("the reply with context");
    assert!(quoted["content_attributes"]["in_reply_to_external_id"].is_string());
    // Signed but not JSON, or larger than any webhook: refused, nothing stored.
    let count = messages(app, conv).await.len();
    for raw in [b"{nope".to_vec(), vec![b' '; 3 * 1024 * 1024]] {
        // A client of its own: the server closes a connection whose body it
        // refused, and a pooled one could be handed to the next request.
        // An oversize body may be refused before the client has sent it all:
        // the answer (413) or the connection closing under the upload are
        // both a refusal.
        match reqwest::Client::new()
            .post(format!("{}/webhooks/whatsapp/+15550783881", app.base))
            .header("X-Hub-Signature-256", sign(APP_SECRET, &raw))
            .body(raw.clone())
            .send()
            .await
        {
            Ok(r) => assert!(r.status().is_client_error(), "{}", r.status()),
            Err(e) => assert!(raw.len() > 1024 * 1024 && !e.is_timeout(), "{e}"),
        }
    }
    assert_eq!(messages(app, conv).await.len(), count);
    // Template status updates are not messages.
    deliver(&n, &fixture("webhooks/template_status_update.json")).await;
    assert_eq!(messages(app, conv).await.len(), ms.len());
    n.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_webhooks_sqlite() {
    inbound_webhooks(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inbound_webhooks_postgres() {
    inbound_webhooks(Db::Postgres).await;
}

async fn reply(app: &TestApp, conv: i64, body: Value) -> (StatusCode, Value) {
    app.post(&app.acc(&format!("/conversations/{conv}/messages")), body)
        .await
}

async fn replies_statuses_and_the_window(db: Db) {
    let Some(n) = number(db).await else { return };
    let app = &n.app;
    deliver(&n, &fixture("webhooks/text.json")).await;
    let conv = conversations(app).await[0]["id"].as_i64().unwrap();

    // A text reply: the Cloud API request field by field.
    let (s, m) = reply(app, conv, json!({ "content": "We are on it" })).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let call = n.fake.wait_for("/messages", 1).await[0].clone();
    assert_eq!(call.method, "POST");
    assert_eq!(call.path, format!("/{NUMBER_ID}/messages"));
    assert_eq!(call.auth.as_deref(), Some(format!("Bearer {API_KEY}").as_str()));
    assert_eq!(call.json["messaging_product"], "whatsapp");
    assert_eq!(call.json["to"], "16315551181");
    assert_eq!(call.json["type"], "text");
    assert_eq!(call.json["text"]["body"], "We are on it");
    let sent = message_where(app, conv, &m["id"], "the wamid recorded", |x| {
        x["source_id"].is_string()
    })
    .await;
    let wamid = sent["source_id"].as_str().unwrap().to_string();
    assert!(wamid.starts_with("wamid."));

    // Statuses move it forward to read; an older one afterwards changes nothing.
    deliver(&n, &status_about("status_delivered", &wamid)).await;
    message_where(app, conv, &m["id"], "delivered", |x| x["status"] == "delivered").await;
    deliver(&n, &status_about("status_read", &wamid)).await;
    message_where(app, conv, &m["id"], "read", |x| x["status"] == "read").await;
    deliver(&n, &status_about("status_sent", &wamid)).await;
    let still = message_where(app, conv, &m["id"], "still read", |_| true).await;
    assert_eq!(still["status"], "read");

    // A picture: uploaded first, then sent by id with its caption.
    let form = reqwest::multipart::Form::new().text("content", "Label attached").part(
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
    let upload = n.fake.wait_for("/media", 1).await[0].clone();
    assert_eq!(upload.path, format!("/{NUMBER_ID}/media"));
    assert_eq!(upload.file("file").expect("the file part").bytes, PNG);
    let calls = n.fake.wait_for("/messages", 2).await;
    let image = calls
        .iter()
        .find(|c| c.json["type"] == "image")
        .expect("the image message");
    assert_eq!(image.json["image"]["caption"], "Label attached");
    assert!(image.json["image"]["id"].is_string());

    // A failure status shows Meta's reason.
    let (_, m2) = reply(app, conv, json!({ "content": "second" })).await;
    let sent2 = message_where(app, conv, &m2["id"], "second sent", |x| x["source_id"].is_string()).await;
    deliver(&n, &status_about("status_failed", sent2["source_id"].as_str().unwrap())).await;
    let failed = message_where(app, conv, &m2["id"], "failed", |x| x["status"] == "failed").await;
    assert!(
        failed["content_attributes"]["external_error"]
            .as_str()
            .unwrap()
            .contains("131047"),
        "{failed}"
    );

    // Meta refusing outside the window fails at once; its rate limit is retried.
    n.fake
        .respond_next("/messages", 400, fixture("responses/error_131047.json"));
    let (_, m3) = reply(app, conv, json!({ "content": "refused" })).await;
    message_where(app, conv, &m3["id"], "refused", |x| x["status"] == "failed").await;
    n.fake
        .respond_next("/messages", 400, fixture("responses/error_130429.json"));
    let (_, m4) = reply(app, conv, json!({ "content": "slowly" })).await;
    message_where(app, conv, &m4["id"], "sent after the rate limit", |x| {
        x["source_id"].is_string()
    })
    .await;

    // A conversation the customer never wrote in: no free-form reply, a template goes.
    let contact = conversations(app).await[0]["meta"]["sender"]["id"].as_i64().unwrap();
    let inbox = n.inbox["id"].as_i64().unwrap();
    let quiet = app
        .ok(
            Method::POST,
            &app.acc("/conversations"),
            Some(json!({ "inbox_id": inbox, "contact_id": contact })),
        )
        .await;
    let quiet_id = quiet["id"].as_i64().unwrap();
    assert_eq!(quiet["can_reply"], false, "{quiet}");
    let (s, v) = reply(app, quiet_id, json!({ "content": "Hello?" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, t) = reply(
        app,
        quiet_id,
        json!({
            "content": "Hello Kerry, your order 1042 has shipped.",
            "template_params": { "name": "order_shipped", "category": "UTILITY", "language": "en_US",
                                 "processed_params": { "1": "Kerry", "2": "1042" } },
        }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{t}");
    let tpl = eventually(15, "the template request", || async {
        n.fake
            .calls_to("/messages")
            .into_iter()
            .find(|c| c.json["type"] == "template")
    })
    .await;
    assert_eq!(tpl.json["template"]["name"], "order_shipped");
    assert_eq!(tpl.json["template"]["language"]["code"], "en_US");
    assert_eq!(tpl.json["template"]["components"][0]["parameters"][0]["text"], "Kerry");
    assert_eq!(tpl.json["template"]["components"][0]["parameters"][1]["text"], "1042");
    message_where(app, quiet_id, &t["id"], "template sent", |x| x["source_id"].is_string()).await;

    // Opening a conversation with a template message (Chatwoot's outreach
    // call) sends the template too.
    let opened = app
        .ok(
            Method::POST,
            &app.acc("/conversations"),
            Some(json!({ "inbox_id": inbox, "contact_id": contact, "message": {
                "content": "Hello Kerry, your order 1043 has shipped.",
                "template_params": { "name": "order_shipped", "category": "UTILITY", "language": "en_US",
                                     "processed_params": { "1": "Kerry", "2": "1043" } },
            } })),
        )
        .await;
    assert!(opened["id"].is_i64(), "{opened}");
    eventually(15, "the outreach template", || async {
        n.fake.calls_to("/messages").into_iter().find(|c| {
            c.json["type"] == "template" && c.json["template"]["components"][0]["parameters"][1]["text"] == "1043"
        })
    })
    .await;
    n.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_statuses_and_the_window_sqlite() {
    replies_statuses_and_the_window(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_statuses_and_the_window_postgres() {
    replies_statuses_and_the_window(Db::Postgres).await;
}

/// A message with options: up to 3 as reply buttons, up to 10 as a list;
/// the customer's reply shows in the thread and answers the message
/// (`submitted_values`), only from the conversation's contact.
async fn buttons_and_lists(db: Db) {
    let Some(n) = number(db).await else { return };
    let app = &n.app;
    deliver(&n, &fixture("webhooks/text.json")).await;
    let conv = conversations(app).await[0]["id"].as_i64().unwrap();
    let options = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({ "title": format!("Option number {i} with a long title"), "value": format!("v{i}") }))
            .collect()
    };
    let (s, two) = reply(
        app,
        conv,
        json!({ "content": "Pick one", "content_type": "input_select", "content_attributes": { "items": options(2) } }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{two}");
    let call = n.fake.wait_for("/messages", 1).await[0].clone();
    assert_eq!(call.json["type"], "interactive", "{}", call.json);
    assert_eq!(call.json["interactive"]["type"], "button");
    assert_eq!(call.json["interactive"]["body"]["text"], "Pick one");
    let buttons = call.json["interactive"]["action"]["buttons"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(buttons.len(), 2);
    assert_eq!(buttons[1]["reply"]["id"], "sb:1");
    assert_eq!(
        buttons[0]["reply"]["title"].as_str().unwrap().chars().count(),
        20,
        "cut to WhatsApp's limit"
    );
    let (_, five) = reply(
        app,
        conv,
        json!({ "content": "Pick one of five", "content_type": "input_select", "content_attributes": { "items": options(5) } }),
    )
    .await;
    let call = n.fake.wait_for("/messages", 2).await[1].clone();
    assert_eq!(call.json["interactive"]["type"], "list", "{}", call.json);
    let rows = call.json["interactive"]["action"]["sections"][0]["rows"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[4]["id"], "sb:4");

    // The customer taps the second button of the first message.
    let sent = message_where(app, conv, &two["id"], "the wamid", |x| x["source_id"].is_string()).await;
    let wamid = sent["source_id"].as_str().unwrap().to_string();
    let tap = |from: &str, id: &str, wamid_in: &str| {
        let mut v = fixture("webhooks/interactive_button_reply.json");
        let m = &mut v["entry"][0]["changes"][0]["value"]["messages"][0];
        m["context"]["id"] = json!(wamid);
        m["from"] = json!(from);
        m["id"] = json!(wamid_in);
        m["interactive"]["button_reply"] = json!({ "id": id, "title": "Option number 1 with" });
        v
    };
    // From another number: not this conversation's answer.
    deliver(&n, &tap("19998887777", "sb:0", "wamid.OTHER")).await;
    deliver(&n, &tap("16315551181", "sb:1", "wamid.TAP")).await;
    let m = message_where(app, conv, &two["id"], "the answer", |x| {
        x["content_attributes"]["submitted_values"].is_array()
    })
    .await;
    assert_eq!(
        m["content_attributes"]["submitted_values"][0],
        json!({ "title": "Option number 1 with a long title", "value": "v1" })
    );
    // The reply itself shows in the thread.
    let all = messages(app, conv).await;
    assert!(
        all.iter()
            .any(|x| x["message_type"] == 0 && x["content"] == "Option number 1 with"),
        "{all:?}"
    );
    let untouched = message_where(app, conv, &five["id"], "the list", |_| true).await;
    assert!(untouched["content_attributes"]["submitted_values"].is_null());
    n.app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_and_lists_sqlite() {
    buttons_and_lists(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buttons_and_lists_postgres() {
    buttons_and_lists(Db::Postgres).await;
}
