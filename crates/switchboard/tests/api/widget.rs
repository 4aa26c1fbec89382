//! The Widget API, as the website widget uses it.

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both;
use crate::helpers::{Sink, TestApp};

struct W<'a> {
    app: &'a TestApp,
    website_token: String,
    token: Option<String>,
    origin: Option<String>,
}

impl W<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let sep = if path.contains('?') { '&' } else { '?' };
        let mut req = self.app.client.request(
            method,
            format!(
                "{}/api/v1/widget{path}{sep}website_token={}",
                self.app.base, self.website_token
            ),
        );
        if let Some(t) = &self.token {
            req = req.header("X-Auth-Token", t);
        }
        if let Some(o) = &self.origin {
            req = req.header("Origin", o);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let s = r.status();
        let t = r.text().await.unwrap();
        (
            s,
            if t.is_empty() {
                Value::Null
            } else {
                serde_json::from_str(&t).unwrap_or(Value::String(t))
            },
        )
    }
}

async fn website_inbox(app: &TestApp, channel: Value) -> Value {
    let mut ch = json!({ "type": "web_widget", "website_url": "https://shop.example", "widget_color": "#ff5500", "welcome_title": "Hi there" });
    if let (Some(o), Some(extra)) = (ch.as_object_mut(), channel.as_object()) {
        o.extend(extra.clone());
    }
    app.ok(
        Method::POST,
        &app.acc("/inboxes"),
        Some(json!({ "name": "Shop", "channel": ch })),
    )
    .await
}

async fn a_visitor_chats_from_the_widget(app: TestApp) {
    let inbox = website_inbox(&app, json!({})).await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (s, cfg) = w.call(Method::POST, "/config", None).await;
    assert_eq!(s, StatusCode::OK, "{cfg}");
    assert_eq!(cfg["website_channel_config"]["widget_color"], "#ff5500");
    assert_eq!(cfg["website_channel_config"]["welcome_title"], "Hi there");
    let token = cfg["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(token.split('.').count(), 3, "a JWT");
    let contact_id = cfg["contact"]["id"].clone();
    w.token = Some(token.clone());
    // The same token is the same visitor across reloads.
    let (_, again) = w.call(Method::POST, "/config", None).await;
    assert_eq!(again["contact"]["id"], contact_id);
    let (s, team) = w.call(Method::GET, "/inbox_members", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(team["payload"], json!([]), "no members yet");
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox["id"], "user_ids": [app.admin_id] })),
    )
    .await;
    let (_, team) = w.call(Method::GET, "/inbox_members", None).await;
    assert_eq!(team["payload"][0]["name"], "Alice Admin");
    assert!(
        team["payload"][0].get("email").is_none(),
        "visitors do not see agents' e-mail"
    );
    let (s, none) = w.call(Method::GET, "/conversations", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(none, json!({}));
    let (s, m) = w.call(Method::POST, "/messages", Some(json!({ "message": { "content": "Do you ship to Berlin?", "echo_id": "e1", "referer_url": "https://shop.example/cart" } }))).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["echo_id"], "e1");
    let c = m["conversation_id"].as_i64().unwrap();
    let agent = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(agent["meta"]["channel"], "Channel::WebWidget");
    assert_eq!(agent["additional_attributes"]["referer"], "https://shop.example/cart");
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "note: VIP", "private": true })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "Yes, in 2 days." })),
    )
    .await;
    let (_, list) = w.call(Method::GET, "/messages", None).await;
    let texts: Vec<&str> = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["Do you ship to Berlin?", "Yes, in 2 days."]);
    let (s, _) = w
        .call(
            Method::POST,
            "/conversations/toggle_typing",
            Some(json!({ "typing_status": "on" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = w.call(Method::POST, "/conversations/update_last_seen", None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, upd) = w
        .call(
            Method::PATCH,
            "/contact",
            Some(json!({ "name": "Vera", "email": "vera@example.com" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{upd}");
    assert_eq!(upd["email"], "vera@example.com");
    // Ending the conversation, then writing again starts a new one.
    let (s, ended) = w.call(Method::GET, "/conversations/toggle_status", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ended["status"], "resolved");
    let (_, m2) = w
        .call(
            Method::POST,
            "/messages",
            Some(json!({ "message": { "content": "One more question" } })),
        )
        .await;
    assert_ne!(m2["conversation_id"], c);
    // A bad or foreign token is nobody.
    w.token = Some(format!("{token}x"));
    let (s, _) = w.call(Method::GET, "/messages", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let other = website_inbox(&app, json!({})).await;
    let w2 = W {
        app: &app,
        website_token: other["website_token"].as_str().unwrap().to_string(),
        token: Some(token),
        origin: None,
    };
    let (s, _) = w2.call(Method::GET, "/messages", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND, "a token is bound to its inbox");
    let w3 = W {
        app: &app,
        website_token: "nope".into(),
        token: None,
        origin: None,
    };
    let (s, _) = w3.call(Method::POST, "/config", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(a_visitor_chats_from_the_widget);

async fn identity_and_allowed_domains(app: TestApp) {
    let inbox = website_inbox(
        &app,
        json!({ "allowed_domains": "shop.example, *.shop.example", "hmac_mandatory": true }),
    )
    .await;
    let key = inbox["hmac_token"].as_str().unwrap().to_string();
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: Some("https://evil.example".into()),
    };
    let (s, _) = w.call(Method::POST, "/config", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "a site outside allowed_domains is refused");
    w.origin = Some("https://www.shop.example".into());
    let r = app
        .client
        .post(format!(
            "{}/api/v1/widget/config?website_token={}",
            app.base, w.website_token
        ))
        .header("Origin", "https://www.shop.example")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["access-control-allow-origin"], "https://www.shop.example");
    let cfg: Value = r.json().await.unwrap();
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let sign = |id: &str| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
        mac.update(id.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    };
    let (s, b) = w
        .call(
            Method::PATCH,
            "/contact/set_user",
            Some(json!({ "identifier": "cust-1", "email": "c1@example.com" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "hmac_mandatory: no hash, no identity");
    assert_eq!(b["error"], "HMAC failed: Invalid Identifier Hash Provided");
    let (s, _) = w
        .call(
            Method::PATCH,
            "/contact/set_user",
            Some(json!({ "identifier": "cust-1", "identifier_hash": sign("cust-2") })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, me) = w.call(Method::PATCH, "/contact/set_user", Some(json!({ "identifier": "cust-1", "identifier_hash": sign("cust-1"), "email": "c1@example.com", "name": "Cy" }))).await;
    assert_eq!(s, StatusCode::OK, "{me}");
    assert_eq!(me["identifier"], "cust-1");
    assert_eq!(me["email"], "c1@example.com");
    // Switching to another identity issues a new visitor and token.
    let (s, other) = w
        .call(
            Method::PATCH,
            "/contact/set_user",
            Some(json!({ "identifier": "cust-2", "identifier_hash": sign("cust-2") })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{other}");
    assert_ne!(other["id"], me["id"]);
    assert!(other["widget_auth_token"].as_str().is_some());
    app.stop().await;
}
both!(identity_and_allowed_domains);

async fn greeting_opens_new_conversations(app: TestApp) {
    let inbox = app
        .ok(Method::POST, &app.acc("/inboxes"), Some(json!({ "name": "Shop", "greeting_enabled": true, "greeting_message": "Hi! We usually answer within minutes.", "channel": { "type": "web_widget" } })))
        .await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w.call(Method::POST, "/config", None).await;
    assert_eq!(cfg["website_channel_config"]["greeting_enabled"], true);
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let (s, _) = w
        .call(
            Method::POST,
            "/messages",
            Some(json!({ "message": { "content": "hello?" } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (_, list) = w.call(Method::GET, "/messages", None).await;
    let texts: Vec<&str> = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(texts, vec!["Hi! We usually answer within minutes.", "hello?"]);
    assert_eq!(list["payload"][0]["message_type"], 3, "a template message");
    let (_, again) = w
        .call(
            Method::POST,
            "/messages",
            Some(json!({ "message": { "content": "still there?" } })),
        )
        .await;
    assert_eq!(again["conversation_id"], list["payload"][1]["conversation_id"]);
    let (_, list) = w.call(Method::GET, "/messages", None).await;
    assert_eq!(
        list["payload"].as_array().unwrap().len(),
        3,
        "one greeting per conversation"
    );
    app.stop().await;
}
both!(greeting_opens_new_conversations);

async fn pre_chat_details_start_a_conversation(app: TestApp) {
    let inbox = website_inbox(&app, json!({ "pre_chat_form_enabled": true, "pre_chat_form_options": { "pre_chat_fields": [{ "name": "emailAddress", "required": true }] } })).await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w.call(Method::POST, "/config", None).await;
    assert_eq!(cfg["website_channel_config"]["pre_chat_form_enabled"], true);
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let (s, conv) = w
        .call(
            Method::POST,
            "/conversations",
            Some(json!({ "contact": { "name": "Pat", "email": "pat@example.com" }, "custom_attributes": { "order": "A-1" }, "message": { "content": "About my order", "referer_url": "https://shop.example/orders" } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{conv}");
    assert_eq!(conv["status"], "open");
    // Chatwoot's answer carries the messages (its widget reads the first).
    assert_eq!(conv["muted"], false);
    assert!(conv["timestamp"].as_i64().unwrap() > 0, "{conv}");
    let first = &conv["messages"].as_array().unwrap()[0];
    assert_eq!(first["content"], "About my order", "{conv}");
    assert_eq!(first["message_type"], 0);
    let c = conv["id"].as_i64().unwrap();
    let agent = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(agent["custom_attributes"]["order"], "A-1");
    assert_eq!(agent["meta"]["sender"]["email"], "pat@example.com");
    assert_eq!(agent["meta"]["sender"]["name"], "Pat");
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    assert!(
        msgs["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["content"] == "About my order")
    );
    let (s, _) = w
        .call(
            Method::POST,
            "/conversations",
            Some(json!({ "contact": { "email": "not an email" } })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(pre_chat_details_start_a_conversation);

async fn satisfaction_survey_after_resolve(app: TestApp) {
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "csat_survey_enabled": true, "channel": { "type": "web_widget" } })),
        )
        .await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w.call(Method::POST, "/config", None).await;
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let (_, m) = w
        .call(
            Method::POST,
            "/messages",
            Some(json!({ "message": { "content": "thanks, all good" } })),
        )
        .await;
    let c = m["conversation_id"].as_i64().unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let (_, list) = w.call(Method::GET, "/messages", None).await;
    let survey = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content_type"] == "input_csat")
        .cloned()
        .expect("a survey");
    assert_eq!(survey["message_type"], 3);
    let id = survey["id"].as_i64().unwrap();
    let (s, _) = w
        .call(
            Method::PATCH,
            &format!("/messages/{id}"),
            Some(json!({ "message": { "submitted_values": { "csat_survey_response": { "rating": 6 } } } })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, answered) = w
        .call(Method::PATCH, &format!("/messages/{id}"), Some(json!({ "message": { "submitted_values": { "csat_survey_response": { "rating": 4, "feedback_message": "quick" } } } })))
        .await;
    assert_eq!(s, StatusCode::OK, "{answered}");
    assert_eq!(
        answered["content_attributes"]["submitted_values"]["csat_survey_response"]["rating"],
        4
    );
    // Reopened and resolved again: no second survey.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/toggle_status")),
        Some(json!({ "status": "open" })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    let surveys = msgs["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["content_type"] == "input_csat")
        .count();
    assert_eq!(surveys, 1);
    app.stop().await;
}
both!(satisfaction_survey_after_resolve);

async fn out_of_office_replies(app: TestApp) {
    let closed: Vec<Value> = (0..7)
        .map(|d| json!({ "day_of_week": d, "closed_all_day": true }))
        .collect();
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Night", "working_hours_enabled": true, "timezone": "Europe/Berlin", "working_hours": closed, "out_of_office_message": "We are closed; we answer tomorrow.", "channel": { "type": "web_widget" } })),
        )
        .await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w.call(Method::POST, "/config", None).await;
    assert_eq!(
        cfg["website_channel_config"]["out_of_office_message"],
        "We are closed; we answer tomorrow."
    );
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    w.call(
        Method::POST,
        "/messages",
        Some(json!({ "message": { "content": "anyone?" } })),
    )
    .await;
    w.call(
        Method::POST,
        "/messages",
        Some(json!({ "message": { "content": "hello??" } })),
    )
    .await;
    let (_, list) = w.call(Method::GET, "/messages", None).await;
    let texts: Vec<&str> = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["content"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        vec!["anyone?", "We are closed; we answer tomorrow.", "hello??"],
        "told once a day"
    );
    // Open all week: no out-of-office message.
    let open: Vec<Value> = (0..7)
        .map(|d| json!({ "day_of_week": d, "open_all_day": true }))
        .collect();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{}", inbox["id"])),
        Some(json!({ "working_hours": open })),
    )
    .await;
    let mut w2 = W {
        app: &app,
        website_token: w.website_token.clone(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w2.call(Method::POST, "/config", None).await;
    w2.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    w2.call(
        Method::POST,
        "/messages",
        Some(json!({ "message": { "content": "daytime" } })),
    )
    .await;
    let (_, list) = w2.call(Method::GET, "/messages", None).await;
    assert_eq!(list["payload"].as_array().unwrap().len(), 1);
    // Bad hours and zones are refused.
    for bad in [
        json!({ "timezone": "Mars/Olympus" }),
        json!({ "working_hours": [{ "day_of_week": 9 }] }),
        json!({ "working_hours": "always" }),
    ] {
        let (s, _) = app
            .patch(&app.acc(&format!("/inboxes/{}", inbox["id"])), bad.clone())
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    app.stop().await;
}
both!(out_of_office_replies);

async fn widget_events_reach_webhooks(app: TestApp) {
    let sink = Sink::start().await;
    app.ok(
        Method::POST,
        &app.acc("/webhooks"),
        Some(json!({ "url": sink.url, "subscriptions": ["webwidget_triggered"] })),
    )
    .await;
    let inbox = website_inbox(&app, json!({})).await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w.call(Method::POST, "/config", None).await;
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let (s, _) = w.call(Method::POST, "/events", Some(json!({ "name": "webwidget.triggered", "event_info": { "browser_language": "de", "referer": "https://shop.example/" } }))).await;
    assert_eq!(s, StatusCode::OK);
    let got = sink.wait_for("webwidget_triggered", 1).await;
    let b = got[0].json();
    assert_eq!(b["event_info"]["browser_language"], "de");
    assert_eq!(b["inbox"]["id"], inbox["id"]);
    assert_eq!(b["contact"]["id"], cfg["contact"]["id"]);
    let (s, _) = w
        .call(Method::POST, "/events", Some(json!({ "name": "something.else" })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(widget_events_reach_webhooks);

/// A visitor opening the widget reaches the inbox's bot too, before any
/// conversation, so it can greet first.
async fn widget_events_reach_the_inbox_bot(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = website_inbox(&app, json!({})).await;
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Greeter", "outgoing_url": sink.url })),
        )
        .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{}/set_agent_bot", inbox["id"])),
        Some(json!({ "agent_bot": bot["id"] })),
    )
    .await;
    let mut w = W {
        app: &app,
        website_token: inbox["website_token"].as_str().unwrap().to_string(),
        token: None,
        origin: None,
    };
    let (_, cfg) = w.call(Method::POST, "/config", None).await;
    w.token = Some(
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    );
    let (s, _) = w
        .call(
            Method::POST,
            "/events",
            Some(json!({ "name": "webwidget.triggered", "event_info": { "referer": "https://shop.example/pricing" } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let got = sink.wait_for("webwidget_triggered", 1).await;
    let b = got[0].json();
    assert_eq!(b["event"], "webwidget_triggered");
    assert_eq!(b["event_info"]["referer"], "https://shop.example/pricing");
    assert_eq!(b["inbox"]["id"], inbox["id"]);
    assert_eq!(b["contact"]["id"], cfg["contact"]["id"]);
    assert!(b["current_conversation"].is_null(), "{b}");
    let log = app
        .ok(
            Method::GET,
            &app.acc(&format!("/agent_bots/{}/deliveries", bot["id"])),
            None,
        )
        .await;
    assert!(log.to_string().contains("webwidget_triggered"), "{log}");
    app.stop().await;
}
both!(widget_events_reach_the_inbox_bot);
