//! Agent bots: Chatwoot's API and shapes, a fake bot on loopback driving a
//! conversation with its own token (pending start, what it hears and what
//! it does not, handoff to people), a silent bot handing over, and bad
//! input.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Sink, TestApp, eventually};
use crate::walkthrough::signature_ok;

async fn conversation(app: &TestApp, conv: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await
}

async fn incoming(app: &TestApp, conv: i64, text: &str) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": text, "message_type": "incoming" })),
    )
    .await;
}

async fn the_api_keeps_chatwoots_shapes(app: TestApp) {
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Greeter", "description": "Says hello", "outgoing_url": "https://bot.example/hook" })),
        )
        .await;
    let id = bot["id"].as_i64().unwrap();
    assert_eq!(bot["name"], "Greeter");
    assert_eq!(bot["bot_type"], "webhook");
    assert_eq!(bot["account_id"], app.account_id);
    assert_eq!(bot["system_bot"], false);
    let token = bot["access_token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 24);
    let list = app.ok(Method::GET, &app.acc("/agent_bots"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
    assert!(
        list[0].get("access_token").is_none(),
        "tokens only one bot at a time: {list}"
    );
    let shown = app.ok(Method::GET, &app.acc(&format!("/agent_bots/{id}")), None).await;
    assert_eq!(shown["access_token"], token.as_str());
    let updated = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/agent_bots/{id}")),
            Some(json!({ "name": "Greeter 2" })),
        )
        .await;
    assert_eq!(updated["name"], "Greeter 2");
    assert_eq!(updated["outgoing_url"], "https://bot.example/hook");
    let reset = app
        .ok(
            Method::POST,
            &app.acc(&format!("/agent_bots/{id}/reset_access_token")),
            None,
        )
        .await;
    assert_ne!(reset["access_token"], token.as_str());

    // An inbox's bot.
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let path = app.acc(&format!("/inboxes/{inbox}/agent_bot"));
    assert_eq!(app.ok(Method::GET, &path, None).await, json!({}));
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
            &app.token,
            Some(json!({ "agent_bot": id })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(app.ok(Method::GET, &path, None).await["agent_bot"]["id"], id);
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": null })),
    )
    .await;
    assert_eq!(app.ok(Method::GET, &path, None).await, json!({}));

    // Agents do not keep bots.
    let (_, agent) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (s, _) = app.call(Method::GET, &app.acc("/agent_bots"), &agent, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // Bad input, and another account's bot.
    let (other, olga) = app.other_account().await;
    let theirs = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/agent_bots"),
            &olga,
            Some(json!({ "name": "Theirs" })),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    for (body, field) in [
        (json!({}), "name"),
        (json!({ "name": " " }), "name"),
        (
            json!({ "name": "x", "outgoing_url": "ftp://bot.example" }),
            "outgoing_url",
        ),
        (json!({ "name": "x", "outgoing_url": 5 }), "outgoing_url"),
        (json!({ "name": "x", "bot_type": "csml" }), "bot_type"),
        (json!({ "name": "x", "bot_config": "on" }), "bot_config"),
    ] {
        let (s, v) = app
            .call(Method::POST, &app.acc("/agent_bots"), &app.token, Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v.to_string().contains(field), "{field}: {v}");
    }
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
            &app.token,
            Some(json!({ "agent_bot": theirs })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    for m in [Method::GET, Method::PATCH, Method::DELETE] {
        let (s, _) = app
            .call(
                m.clone(),
                &app.acc(&format!("/agent_bots/{theirs}")),
                &app.token,
                Some(json!({ "name": "x" })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m}");
    }
    let (s, _) = app
        .call(Method::DELETE, &app.acc(&format!("/agent_bots/{id}")), &app.token, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/agent_bots/{id}")), &app.token, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(the_api_keeps_chatwoots_shapes);

/// A fake bot on loopback drives a conversation: it starts pending, the bot
/// hears the customer (signed with its secret) and answers with its own
/// token, never hears itself, hands over to people with `open` and then
/// hears no more of the conversation's messages; resolved and written to
/// again, the conversation is the bot's once more.
async fn a_bot_drives_a_conversation(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let other_inbox = app.api_inbox("Sales", None).await["id"].as_i64().unwrap();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Greeter", "outgoing_url": sink.url })),
        )
        .await;
    let (bot_id, token, secret) = (
        bot["id"].as_i64().unwrap(),
        bot["access_token"].as_str().unwrap().to_string(),
        bot["secret"].as_str().unwrap().to_string(),
    );
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": bot_id })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    assert_eq!(conversation(&app, conv).await["status"], "pending", "the bot's first");

    incoming(&app, conv, "Hi, where is my order?").await;
    let heard = sink.wait_for("message_created", 1).await;
    let m = heard[0].json();
    assert_eq!(m["content"], "Hi, where is my order?", "{m}");
    assert_eq!(m["message_type"], "incoming");
    assert_eq!(m["conversation"]["id"], conv);
    assert!(signature_ok(&secret, &heard[0]), "signed with the bot's secret");

    // The bot answers with its token.
    let path = app.acc(&format!("/conversations/{conv}/messages"));
    let (s, reply) = app
        .call(
            Method::POST,
            &path,
            &token,
            Some(json!({ "content": "Let me check that for you." })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{reply}");
    assert_eq!(reply["sender"]["type"], "agent_bot", "{reply}");
    assert_eq!(reply["sender"]["id"], bot_id);
    let listed = app.ok(Method::GET, &path, None).await;
    let mine = listed["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["content"] == "Let me check that for you.")
        .cloned()
        .unwrap();
    assert_eq!(mine["sender"]["name"], "Greeter", "{mine}");
    // An agent's private note is not the bot's to hear either.
    app.ok(
        Method::POST,
        &path,
        Some(json!({ "content": "internal", "message_type": "outgoing", "private": true })),
    )
    .await;
    incoming(&app, conv, "Order 1234").await;
    let heard = sink.wait_for("message_created", 2).await;
    let contents: Vec<Value> = sink
        .events("message_created")
        .iter()
        .map(|r| r.json()["content"].clone())
        .collect();
    assert_eq!(
        contents,
        [json!("Hi, where is my order?"), json!("Order 1234")],
        "not its own message, not the note"
    );
    drop(heard);

    // What a bot's token may not do: another inbox's conversation, other
    // routes.
    let (c2, _) = app.contact(other_inbox, "Dan").await;
    let elsewhere = app.conversation(other_inbox, c2).await;
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{elsewhere}/messages")),
            &token,
            Some(json!({ "content": "hi" })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    for (m, p) in [
        (Method::GET, app.acc("/conversations")),
        (Method::GET, app.acc("/agent_bots")),
        (Method::POST, app.acc(&format!("/conversations/{conv}/labels"))),
    ] {
        let (s, _) = app.call(m.clone(), &p, &token, Some(json!({ "assignee_id": 1 }))).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {p}");
    }
    let (other, _) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/conversations/{conv}/messages"),
            &token,
            Some(json!({ "content": "hi" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "another account");

    // Handoff: open, for people.
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/toggle_status")),
            &token,
            Some(json!({ "status": "open" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["payload"]["current_status"], "open");
    let c = conversation(&app, conv).await;
    assert_eq!(c["status"], "open");
    sink.wait_for("conversation_opened", 1).await;
    incoming(&app, conv, "Are you a person?").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.events("message_created").len(), 2, "nothing after the handoff");
    let lines: Vec<String> = app.ok(Method::GET, &path, None).await["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == 2)
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("Greeter")),
        "the handoff names the bot: {lines:?}"
    );

    // Resolved, then the customer writes: the bot's again.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    incoming(&app, conv, "One more thing").await;
    assert_eq!(conversation(&app, conv).await["status"], "pending");
    let heard = sink.wait_for("message_created", 3).await;
    assert_eq!(heard.last().unwrap().json()["content"], "One more thing");

    // The log of what was sent to the bot.
    let log = app
        .ok(Method::GET, &app.acc(&format!("/agent_bots/{bot_id}/deliveries")), None)
        .await;
    assert!(log["payload"].as_array().unwrap().len() >= 4, "{log}");
    app.stop().await;
}
both!(a_bot_drives_a_conversation);

/// A bot that does not answer (its address refuses for good): the
/// conversation waiting on it goes to people, saying why.
async fn a_silent_bot_hands_over(app: TestApp) {
    let sink = Sink::start().await;
    sink.fail_next(&[410]);
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Broken", "outgoing_url": sink.url })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": bot })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    incoming(&app, conv, "Hello?").await;
    let c = eventually(15, "the handover", || async {
        let c = conversation(&app, conv).await;
        (c["status"] == "open").then_some(c)
    })
    .await;
    assert_eq!(c["status"], "open");
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await;
    assert!(
        msgs["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["message_type"] == 2 && m["content"].as_str().unwrap_or("").contains("bot did not answer")),
        "{msgs}"
    );
    app.stop().await;
}
both!(a_silent_bot_hands_over);

/// The bot asks with buttons (`input_select`); the customer's choice,
/// through the Client API, reaches the bot as `message_updated` with
/// `submitted_values`; a choice outside the offered items is refused.
async fn the_customers_choice_reaches_the_bot(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = app.api_inbox("App chat", None).await;
    let (inbox_id, ident) = (
        inbox["id"].as_i64().unwrap(),
        inbox["inbox_identifier"].as_str().unwrap().to_string(),
    );
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Menu", "outgoing_url": sink.url })),
        )
        .await;
    let token = bot["access_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox_id}/set_agent_bot")),
        Some(json!({ "agent_bot": bot["id"] })),
    )
    .await;
    let public = |path: String, method: Method, body: Option<Value>| {
        let app = &app;
        async move {
            let mut req = app
                .client
                .request(method, format!("{}/public/api/v1/inboxes/{path}", app.base));
            if let Some(b) = body {
                req = req.json(&b);
            }
            let r = req.send().await.unwrap();
            (r.status(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (_, me) = public(
        format!("{ident}/contacts"),
        Method::POST,
        Some(json!({ "name": "Pia" })),
    )
    .await;
    let base = format!("{ident}/contacts/{}", me["source_id"].as_str().unwrap());
    let (_, conv) = public(format!("{base}/conversations"), Method::POST, Some(json!({}))).await;
    let c = conv["id"].as_i64().unwrap();
    assert_eq!(conv["status"], "pending", "{conv}");
    public(
        format!("{base}/conversations/{c}/messages"),
        Method::POST,
        Some(json!({ "content": "I need help" })),
    )
    .await;
    sink.wait_for("message_created", 1).await;
    let (s, ask) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            &token,
            Some(json!({
                "content": "What is it about?", "content_type": "input_select",
                "content_attributes": { "items": [{ "title": "Billing", "value": "billing" }, { "title": "Shipping", "value": "shipping" }] },
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{ask}");
    for bad in [
        json!([{ "title": "Refund", "value": "refund" }]),
        json!([]),
        json!({ "value": "shipping" }),
    ] {
        let (s, v) = public(
            format!("{base}/conversations/{c}/messages/{}", ask["id"]),
            Method::PATCH,
            Some(json!({ "submitted_values": bad })),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (s, answered) = public(
        format!("{base}/conversations/{c}/messages/{}", ask["id"]),
        Method::PATCH,
        Some(json!({ "submitted_values": [{ "title": "Anything I like", "value": "shipping" }] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{answered}");
    assert_eq!(
        answered["content_attributes"]["submitted_values"],
        json!([{ "title": "Shipping", "value": "shipping" }]),
        "kept with the option's own title"
    );
    // Answered once.
    let (s, _) = public(
        format!("{base}/conversations/{c}/messages/{}", ask["id"]),
        Method::PATCH,
        Some(json!({ "submitted_values": [{ "title": "Billing", "value": "billing" }] })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let heard = sink.wait_for("message_updated", 1).await;
    let m = heard[0].json();
    assert_eq!(m["id"], ask["id"], "{m}");
    assert_eq!(
        m["content_attributes"]["submitted_values"][0]["value"], "shipping",
        "{m}"
    );
    assert_eq!(sink.events("message_created").len(), 1, "not its own question");

    // A form: its own fields only, required ones filled, text values.
    let (_, form) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            &token,
            Some(json!({
                "content": "A few details", "content_type": "form",
                "content_attributes": { "items": [
                    { "name": "email", "label": "Your e-mail", "type": "email", "required": true },
                    { "name": "order", "label": "Order number", "type": "text" },
                ] },
            })),
        )
        .await;
    let answer = format!("{base}/conversations/{c}/messages/{}", form["id"]);
    for bad in [
        json!([{ "name": "order", "value": "42" }]),
        json!([{ "name": "email", "value": "a@b.c" }, { "name": "password", "value": "x" }]),
        json!([{ "name": "email", "value": 5 }]),
        json!([{ "name": "email", "value": "   " }]),
    ] {
        let (s, v) = public(answer.clone(), Method::PATCH, Some(json!({ "submitted_values": bad }))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (s, v) = public(
        answer,
        Method::PATCH,
        Some(json!({ "submitted_values": [{ "name": "email", "value": "pia@example.com" }, { "name": "order", "value": "42" }] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let heard = sink.wait_for("message_updated", 2).await;
    assert_eq!(
        heard[1].json()["content_attributes"]["submitted_values"][1]["value"],
        "42"
    );

    // An e-mail asked for: a valid address, once; the contact without one
    // gets it.
    let (_, ask_email) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            &token,
            Some(json!({ "content": "Your e-mail, so we can write back?", "content_type": "input_email" })),
        )
        .await;
    let answer = format!("{base}/conversations/{c}/messages/{}", ask_email["id"]);
    for bad in [
        json!({ "submitted_email": "not an address" }),
        json!({ "submitted_email": 5 }),
        json!({}),
    ] {
        let (s, v) = public(answer.clone(), Method::PATCH, Some(bad.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let (s, v) = public(
        answer.clone(),
        Method::PATCH,
        Some(json!({ "message": { "submitted_email": "pia@example.com" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["content_attributes"]["submitted_email"], "pia@example.com", "{v}");
    let (s, _) = public(
        answer,
        Method::PATCH,
        Some(json!({ "submitted_email": "other@example.com" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "answered once");
    let heard = sink.wait_for("message_updated", 3).await;
    assert_eq!(
        heard[2].json()["content_attributes"]["submitted_email"],
        "pia@example.com"
    );
    let conv = conversation(&app, c).await;
    assert_eq!(conv["meta"]["sender"]["email"], "pia@example.com", "{conv}");
    app.stop().await;
}
both!(the_customers_choice_reaches_the_bot);

/// A bot given one conversation (`assignee_type: AgentBot`) in an inbox
/// without a bot: it shows as the assignee, hears that conversation and
/// answers it; once a person is assigned it hears no more.
async fn a_conversation_of_its_own(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    // An agent on duty: routing would take an unassigned conversation.
    crate::routing::ready_agent(&app, "Amy", inbox).await;
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Returns bot", "outgoing_url": sink.url })),
        )
        .await;
    let (bot_id, token) = (
        bot["id"].as_i64().unwrap(),
        bot["access_token"].as_str().unwrap().to_string(),
    );
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    let path = app.acc(&format!("/conversations/{conv}/assignments"));
    // Before: not the bot's, its token is refused there.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            &token,
            Some(json!({ "content": "hi" })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, v) = app
        .call(
            Method::POST,
            &path,
            &app.token,
            Some(json!({ "assignee_id": bot_id, "assignee_type": "AgentBot" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Returns bot");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let c = conversation(&app, conv).await;
    assert_eq!(
        c["meta"]["assignee_type"], "AgentBot",
        "routing leaves it to the bot: {c}"
    );
    assert_eq!(c["meta"]["assignee"]["id"], bot_id);
    incoming(&app, conv, "I want to return shoes").await;
    let heard = sink.wait_for("message_created", 1).await;
    assert_eq!(heard[0].json()["content"], "I want to return shoes");
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            &token,
            Some(json!({ "content": "Which order?" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // A person takes it: the bot lets go and hears no more.
    app.ok(Method::POST, &path, Some(json!({ "assignee_id": app.admin_id })))
        .await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["meta"]["assignee_type"], "User", "{c}");
    incoming(&app, conv, "Order 77").await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(sink.events("message_created").len(), 1);
    // Bad: another account's bot, no bot named.
    let (other, olga) = app.other_account().await;
    let theirs = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/agent_bots"),
            &olga,
            Some(json!({ "name": "Theirs" })),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    for body in [
        json!({ "assignee_id": theirs, "assignee_type": "AgentBot" }),
        json!({ "assignee_id": null, "assignee_type": "AgentBot" }),
    ] {
        let (s, v) = app.call(Method::POST, &path, &app.token, Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    app.stop().await;
}
both!(a_conversation_of_its_own);

/// A bot hands over by assigning: to an agent of the inbox (who then has
/// it, open), not to someone outside the inbox; and sets the priority.
async fn a_bot_hands_over_by_assigning(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let bot = app
        .ok(Method::POST, &app.acc("/agent_bots"), Some(json!({ "name": "Triage" })))
        .await;
    let token = bot["access_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": bot["id"] })),
    )
    .await;
    let (amy, _) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (ben, _) = app.agent("Ben", "ben@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/toggle_priority")),
            &token,
            Some(json!({ "priority": "urgent" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let path = app.acc(&format!("/conversations/{conv}/assignments"));
    for body in [
        json!({ "assignee_id": ben }),
        json!({ "assignee_id": 999999 }),
        json!({}),
    ] {
        let (s, v) = app.call(Method::POST, &path, &token, Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    let (s, v) = app
        .call(Method::POST, &path, &token, Some(json!({ "assignee_id": amy })))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = conversation(&app, conv).await;
    assert_eq!(c["status"], "open", "handed over: {c}");
    assert_eq!(c["meta"]["assignee"]["id"], amy);
    assert_eq!(c["priority"], "urgent");
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await;
    assert!(
        msgs["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["message_type"] == 2 && m["content"].as_str().unwrap_or("").contains("Triage")),
        "{msgs}"
    );
    app.stop().await;
}
both!(a_bot_hands_over_by_assigning);

/// A bot and rules that would answer each other: a rule that does not opt
/// in never reacts to the bot; one that does reacts once, and the bot never
/// hears what a rule did, so the exchange ends there.
async fn a_bot_and_a_rule_do_not_answer_each_other(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Echo", "outgoing_url": sink.url })),
        )
        .await;
    let token = bot["access_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": bot["id"] })),
    )
    .await;
    let rule = |name: &str, opt_in: bool, answer: &str| {
        json!({
            "name": name, "event_name": "message_created", "react_to_automation": opt_in,
            "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["ping"] }],
            "actions": [{ "action_name": "send_message", "action_params": [answer] }],
        })
    };
    app.ok(
        Method::POST,
        &app.acc("/automation_rules"),
        Some(rule("Shy", false, "shy pong")),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc("/automation_rules"),
        Some(rule("Eager", true, "eager pong")),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    // The bot says ping (as a bot that echoes everything would).
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            &token,
            Some(json!({ "content": "ping" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let contents = || async {
        app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
            .await["payload"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["message_type"] == 1)
            .filter_map(|m| m["content"].as_str().map(str::to_string))
            .collect::<Vec<_>>()
    };
    let got = eventually(15, "the eager rule's answer", || async {
        let c = contents().await;
        c.contains(&"eager pong".to_string()).then_some(c)
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let got_later = contents().await;
    assert_eq!(got, got_later, "nothing more happened");
    assert_eq!(
        got_later,
        ["ping", "eager pong"],
        "the shy rule ignored the bot; the eager one answered once"
    );
    assert!(
        sink.events("message_created").is_empty(),
        "the bot heard neither its own ping nor the rule's pong"
    );
    app.stop().await;
}
both!(a_bot_and_a_rule_do_not_answer_each_other);

/// An inbox that loses its bot (taken off, or the bot deleted): the
/// conversations that were waiting on it open for people, saying why.
async fn conversations_do_not_wait_on_a_removed_bot(app: TestApp) {
    let mut convs = Vec::new();
    let mut bots = Vec::new();
    for name in ["Support", "Sales"] {
        let inbox = app.api_inbox(name, None).await["id"].as_i64().unwrap();
        let bot = app
            .ok(
                Method::POST,
                &app.acc("/agent_bots"),
                Some(json!({ "name": format!("{name} bot"), "outgoing_url": "https://bot.example/hook" })),
            )
            .await["id"]
            .as_i64()
            .unwrap();
        app.ok(
            Method::POST,
            &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
            Some(json!({ "agent_bot": bot })),
        )
        .await;
        let (contact, _) = app.contact(inbox, "Carla").await;
        let conv = app.conversation(inbox, contact).await;
        assert_eq!(conversation(&app, conv).await["status"], "pending");
        convs.push(conv);
        bots.push((inbox, bot));
    }
    // Taken off the first inbox; the second bot deleted.
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{}/set_agent_bot", bots[0].0)),
        Some(json!({ "agent_bot": null })),
    )
    .await;
    app.ok(Method::DELETE, &app.acc(&format!("/agent_bots/{}", bots[1].1)), None)
        .await;
    for conv in &convs {
        eventually(15, "the conversation to open", || async {
            (conversation(&app, *conv).await["status"] == "open").then_some(())
        })
        .await;
        let msgs = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
            .await;
        assert!(
            msgs["payload"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["message_type"] == 2 && m["content"].as_str().unwrap_or("").contains("bot was removed")),
            "{msgs}"
        );
    }
    app.stop().await;
}
both!(conversations_do_not_wait_on_a_removed_bot);

/// What a bot learnt goes on the conversation with its token: its priority
/// (answered with the conversation) and its custom attributes; not on
/// another inbox's conversations.
async fn a_bot_updates_what_it_learnt(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let other = app.api_inbox("Other", None).await["id"].as_i64().unwrap();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Triage", "outgoing_url": "https://bot.example/hook" })),
        )
        .await;
    let token = bot["access_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": bot["id"] })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    let (s, v) = app
        .call(
            Method::PATCH,
            &app.acc(&format!("/conversations/{conv}")),
            &token,
            Some(json!({ "priority": "high" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["priority"], "high");
    assert_eq!(v["id"], conv);
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/custom_attributes")),
            &token,
            Some(json!({ "custom_attributes": { "order": "1234", "plan": "pro" } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = conversation(&app, conv).await;
    assert_eq!(c["custom_attributes"], json!({ "order": "1234", "plan": "pro" }));
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await;
    assert!(
        msgs.to_string().contains("Triage set the priority to high"),
        "the activity line names the bot: {msgs}"
    );
    for bad in [json!({ "custom_attributes": "x" }), json!({})] {
        let (s, _) = app
            .call(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/custom_attributes")),
                &token,
                Some(bad.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let (c2, _) = app.contact(other, "Dan").await;
    let elsewhere = app.conversation(other, c2).await;
    for (m, p) in [
        (Method::PATCH, format!("/conversations/{elsewhere}")),
        (Method::POST, format!("/conversations/{elsewhere}/custom_attributes")),
    ] {
        let (s, _) = app
            .call(
                m.clone(),
                &app.acc(&p),
                &token,
                Some(json!({ "priority": "low", "custom_attributes": { "a": 1 } })),
            )
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {p}");
    }
    app.stop().await;
}
both!(a_bot_updates_what_it_learnt);

/// A bot that cannot hear (no `outgoing_url`) never leaves conversations
/// pending: they start open, and taking a bot's address away opens those
/// that waited on it.
async fn a_bot_without_an_address_holds_nothing(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Deaf", "outgoing_url": "https://bot.example/hook" })),
        )
        .await;
    let id = bot["id"].as_i64().unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{inbox}/set_agent_bot")),
        Some(json!({ "agent_bot": id })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let waiting = app.conversation(inbox, contact).await;
    assert_eq!(conversation(&app, waiting).await["status"], "pending");
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/agent_bots/{id}")),
        Some(json!({ "outgoing_url": null })),
    )
    .await;
    eventually(10, "the waiting conversation opened", || async {
        (conversation(&app, waiting).await["status"] == "open").then_some(())
    })
    .await;
    let fresh = app.conversation(inbox, contact).await;
    assert_eq!(
        conversation(&app, fresh).await["status"],
        "open",
        "nobody to answer first"
    );
    app.stop().await;
}
both!(a_bot_without_an_address_holds_nothing);
