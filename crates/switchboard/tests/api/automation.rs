//! Automation rules: Chatwoot's API and shapes, every condition and action
//! checked on the way in, and rules that run: conditions grouped as
//! written, actions as the "Automation System", caused by their rule, and
//! never set off by what automation did.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, eventually};

async fn rule(app: &TestApp, body: Value) -> i64 {
    let v = app.ok(Method::POST, &app.acc("/automation_rules"), Some(body)).await;
    v["payload"]["id"].as_i64().unwrap_or_else(|| panic!("a rule: {v}"))
}

async fn incoming(app: &TestApp, conv: i64, text: &str) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": text, "message_type": "incoming" })),
    )
    .await;
}

/// The conversation as the API shows it.
async fn conversation(app: &TestApp, conv: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await
}

/// Waits until no listener job is left.
async fn idle(app: &TestApp) {
    eventually(15, "the listener jobs", || async {
        let rows = app
            .sql_rows("SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE kind = 'listen' AND state IN (0, 1)")
            .await;
        (rows[0][0].as_deref() == Some("0")).then_some(())
    })
    .await;
}

async fn messages(app: &TestApp, conv: i64) -> Vec<Value> {
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await;
    v["payload"].as_array().cloned().unwrap_or_default()
}

async fn the_api_keeps_chatwoots_shapes(app: TestApp) {
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "Billing" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let body = json!({
        "name": "Refunds to billing",
        "description": "Incoming refund requests",
        "event_name": "message_created",
        "active": true,
        "conditions": [
            { "attribute_key": "message_type", "filter_operator": "equal_to", "values": ["incoming"], "query_operator": "and" },
            { "attribute_key": "content", "filter_operator": "contains", "values": ["refund"], "query_operator": null },
        ],
        "actions": [
            { "action_name": "assign_team", "action_params": [team] },
            { "action_name": "add_label", "action_params": ["refund"] },
        ],
    });
    let created = app.ok(Method::POST, &app.acc("/automation_rules"), Some(body)).await;
    let r = &created["payload"];
    let id = r["id"].as_i64().unwrap();
    assert_eq!(r["name"], "Refunds to billing");
    assert_eq!(r["description"], "Incoming refund requests");
    assert_eq!(r["event_name"], "message_created");
    assert_eq!(r["active"], true);
    assert_eq!(r["account_id"], app.account_id);
    assert!(r["created_on"].is_i64(), "{r}");
    assert_eq!(r["conditions"][1]["values"], json!(["refund"]));
    assert_eq!(
        r["actions"][0],
        json!({ "action_name": "assign_team", "action_params": [team] })
    );

    let list = app.ok(Method::GET, &app.acc("/automation_rules"), None).await;
    assert_eq!(list["payload"].as_array().unwrap().len(), 1, "{list}");
    let shown = app
        .ok(Method::GET, &app.acc(&format!("/automation_rules/{id}")), None)
        .await;
    assert_eq!(shown["payload"], created["payload"]);

    // A partial update keeps the rest.
    let updated = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/automation_rules/{id}")),
            Some(json!({ "active": false, "name": "Refunds (off)" })),
        )
        .await;
    assert_eq!(updated["payload"]["active"], false);
    assert_eq!(updated["payload"]["name"], "Refunds (off)");
    assert_eq!(updated["payload"]["actions"], created["payload"]["actions"]);

    let copy = app
        .ok(Method::POST, &app.acc(&format!("/automation_rules/{id}/clone")), None)
        .await;
    assert_eq!(copy["payload"]["name"], "Refunds (off) (copy)");
    assert_ne!(copy["payload"]["id"], id);
    assert_eq!(copy["payload"]["conditions"], created["payload"]["conditions"]);

    let (s, _) = app
        .call(
            Method::DELETE,
            &app.acc(&format!("/automation_rules/{id}")),
            &app.token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(
            Method::GET,
            &app.acc(&format!("/automation_rules/{id}")),
            &app.token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Agents do not keep rules.
    let (_, agent) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (s, _) = app.call(Method::GET, &app.acc("/automation_rules"), &agent, None).await;
    assert!(s == StatusCode::UNAUTHORIZED || s == StatusCode::FORBIDDEN, "{s}");
    app.stop().await;
}
both!(the_api_keeps_chatwoots_shapes);

async fn bad_rules_are_refused(app: TestApp) {
    let (other, olga) = app.other_account().await;
    let foreign_team = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/teams"),
            &olga,
            Some(json!({ "name": "Theirs" })),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    let good_condition = json!({ "attribute_key": "content", "filter_operator": "contains", "values": ["x"] });
    let good_action = json!({ "action_name": "add_label", "action_params": ["x"] });
    let with = |patch: Value| {
        let mut b = json!({
            "name": "R", "event_name": "message_created",
            "conditions": [good_condition.clone()], "actions": [good_action.clone()],
        });
        for (k, v) in patch.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (with(json!({ "name": "" })), "name"),
        (with(json!({ "name": "n".repeat(256) })), "name"),
        (with(json!({ "event_name": "message_deleted" })), "event_name"),
        (with(json!({ "event_name": 7 })), "event_name"),
        (with(json!({ "conditions": "content" })), "conditions"),
        (
            with(
                json!({ "conditions": [{ "attribute_key": "content", "filter_operator": "sounds_like", "values": ["x"] }] }),
            ),
            "filter_operator",
        ),
        (
            with(
                json!({ "conditions": [{ "attribute_key": "content", "filter_operator": "attribute_changed", "values": ["x"] }] }),
            ),
            "filter_operator",
        ),
        (
            with(json!({ "conditions": [{ "attribute_key": "content", "filter_operator": "contains" }] })),
            "values",
        ),
        (
            with(
                json!({ "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": [{ "a": 1 }] }] }),
            ),
            "values",
        ),
        (
            with(
                json!({ "conditions": [{ "attribute_key": "a b;", "filter_operator": "contains", "values": ["x"] }] }),
            ),
            "attribute_key",
        ),
        (
            with(
                json!({ "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["x"], "query_operator": "xor" }] }),
            ),
            "query_operator",
        ),
        (with(json!({ "actions": [] })), "actions"),
        (
            with(json!({ "actions": [{ "action_name": "launch_rocket", "action_params": [] }] })),
            "action_name",
        ),
        (
            with(
                json!({ "actions": [{ "action_name": "send_webhook_event", "action_params": ["https://example.com"] }] }),
            ),
            "action_name",
        ),
        (
            with(json!({ "actions": [{ "action_name": "assign_team", "action_params": [foreign_team] }] })),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "assign_agent", "action_params": [99_999_999] }] })),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "change_status", "action_params": ["snoozed"] }] })),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "change_priority", "action_params": ["huge"] }] })),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "send_message", "action_params": [] }] })),
            "action_params",
        ),
        (with(json!({ "actions": vec![good_action.clone(); 21] })), "actions"),
    ];
    for (body, attr) in cases {
        let (s, v) = app
            .call(
                Method::POST,
                &app.acc("/automation_rules"),
                &app.token,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v.to_string().contains(attr), "{attr} named for {body}: {v}");
    }
    let list = app.ok(Method::GET, &app.acc("/automation_rules"), None).await;
    assert_eq!(list["payload"], json!([]), "nothing kept");
    app.stop().await;
}
both!(bad_rules_are_refused);

async fn rules_run_as_written_and_never_loop(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "Billing" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let (bob, _) = app.agent("Bob", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [bob] })),
    )
    .await;
    // incoming AND (mentions refund) OR (mentions "money back"): and binds
    // before or, so "money back" alone is enough, "refund" needs incoming.
    let refunds = rule(
        &app,
        json!({
            "name": "Refunds", "event_name": "message_created",
            "conditions": [
                { "attribute_key": "message_type", "filter_operator": "equal_to", "values": ["incoming"], "query_operator": "and" },
                { "attribute_key": "content", "filter_operator": "contains", "values": ["REFUND"], "query_operator": "or" },
                { "attribute_key": "content", "filter_operator": "contains", "values": ["money back"] },
            ],
            "actions": [
                { "action_name": "add_label", "action_params": ["refund"] },
                { "action_name": "assign_team", "action_params": [team] },
                { "action_name": "change_priority", "action_params": ["high"] },
                { "action_name": "add_private_note", "action_params": ["Refund flow: check the order first."] },
            ],
        }),
    )
    .await;
    // Every outgoing message gets a thank-you, itself outgoing: it must not
    // set the rule off again.
    let thanks = rule(
        &app,
        json!({
            "name": "Thank", "event_name": "message_created",
            "conditions": [{ "attribute_key": "message_type", "filter_operator": "equal_to", "values": ["outgoing"] }],
            "actions": [{ "action_name": "send_message", "action_params": ["Thanks for your patience!"] }],
        }),
    )
    .await;
    // New conversations of this inbox go to Bob; resolved ones get a label.
    rule(
        &app,
        json!({
            "name": "To Bob", "event_name": "conversation_created",
            "conditions": [{ "attribute_key": "inbox_id", "filter_operator": "equal_to", "values": [inbox] }],
            "actions": [{ "action_name": "assign_agent", "action_params": [bob] }],
        }),
    )
    .await;
    rule(
        &app,
        json!({
            "name": "Closed", "event_name": "conversation_resolved",
            "conditions": [],
            "actions": [{ "action_name": "add_label", "action_params": ["closed"] }],
        }),
    )
    .await;
    // An inactive rule does nothing.
    rule(
        &app,
        json!({
            "name": "Off", "event_name": "message_created", "active": false,
            "conditions": [],
            "actions": [{ "action_name": "add_label", "action_params": ["never"] }],
        }),
    )
    .await;

    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    idle(&app).await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["meta"]["assignee"]["id"], bob, "assigned by its rule: {c}");

    // Not matching: nothing.
    incoming(&app, conv, "Hello there").await;
    idle(&app).await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["labels"], json!([]), "{c}");
    assert!(c["priority"].is_null(), "{c}");

    // "refund" with incoming: the whole rule.
    incoming(&app, conv, "I want a Refund please").await;
    idle(&app).await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["labels"], json!(["refund"]), "{c}");
    assert_eq!(c["priority"], "high", "{c}");
    assert_eq!(c["meta"]["team"]["id"], team, "{c}");
    let all = messages(&app, conv).await;
    let note = all
        .iter()
        .find(|m| m["content"] == "Refund flow: check the order first.")
        .unwrap_or_else(|| panic!("the note: {all:?}"));
    assert_eq!(note["private"], true);
    assert_eq!(note["content_attributes"]["automation_rule_id"], refunds);
    assert!(
        all.iter()
            .any(|m| m["message_type"] == 2 && m["content"].as_str().unwrap_or("").contains("Automation System")),
        "activity lines name the Automation System: {all:?}"
    );
    // What the rule did is caused by the rule, one step deeper.
    let causes = app
        .sql_rows(&format!(
            "SELECT CAST(cause_depth AS TEXT) FROM events WHERE cause_kind = 'automation' AND cause_id = {refunds}"
        ))
        .await;
    assert!(
        !causes.is_empty() && causes.iter().all(|r| r[0].as_deref() == Some("1")),
        "{causes:?}"
    );

    // An agent's reply: one thank-you, not a chain of them.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Looking into it", "message_type": "outgoing" })),
    )
    .await;
    idle(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    idle(&app).await;
    let all = messages(&app, conv).await;
    let thanked: Vec<&Value> = all
        .iter()
        .filter(|m| m["content"] == "Thanks for your patience!")
        .collect();
    assert_eq!(thanked.len(), 1, "{all:?}");
    assert_eq!(thanked[0]["message_type"], 1);
    assert_eq!(thanked[0]["content_attributes"]["automation_rule_id"], thanks);

    // "money back" alone is the second group.
    let (contact2, _) = app.contact(inbox, "Dan").await;
    let conv2 = app.conversation(inbox, contact2).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv2}/messages")),
        Some(json!({ "content": "can I get my money back", "message_type": "outgoing", "private": true })),
    )
    .await;
    idle(&app).await;
    assert_eq!(conversation(&app, conv2).await["labels"], json!(["refund"]));

    // Resolving: the resolved rule's label; the inactive one never ran.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    idle(&app).await;
    let c = conversation(&app, conv).await;
    let mut labels: Vec<String> = serde_json::from_value(c["labels"].clone()).unwrap();
    labels.sort();
    assert_eq!(labels, ["closed", "refund"], "{c}");

    // The dry run: condition by condition on a conversation's latest
    // message, and what would be done; nothing changes.
    let (contact3, _) = app.contact(inbox, "Eve").await;
    let conv3 = app.conversation(inbox, contact3).await;
    incoming(&app, conv3, "Refund?").await;
    idle(&app).await;
    let before = conversation(&app, conv3).await;
    let test = |conv: i64| {
        let app = &app;
        async move {
            app.ok(
                Method::POST,
                &app.acc(&format!("/automation_rules/{refunds}/test")),
                Some(json!({ "conversation_id": conv })),
            )
            .await["payload"]
                .clone()
        }
    };
    let t = test(conv3).await;
    assert_eq!(t["matched"], true, "{t}");
    let held: Vec<bool> = t["conditions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["held"].as_bool().unwrap())
        .collect();
    assert_eq!(held, [true, true, false], "{t}");
    assert_eq!(t["conditions"][1]["found"], json!(["Refund?"]), "{t}");
    assert_eq!(t["actions"].as_array().unwrap().len(), 4, "{t}");
    assert_eq!(
        conversation(&app, conv3).await["labels"],
        before["labels"],
        "nothing changed"
    );
    // conv2's latest message is the automation's thank-you: outgoing.
    let t = test(conv2).await;
    assert_eq!(t["matched"], false, "{t}");
    assert_eq!(t["actions"], json!([]), "{t}");
    for (body, want) in [
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "conversation_id": "x" }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "conversation_id": 999_999 }), StatusCode::NOT_FOUND),
    ] {
        let (s, v) = app
            .call(
                Method::POST,
                &app.acc(&format!("/automation_rules/{refunds}/test")),
                &app.token,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, want, "{body}: {v}");
    }
    app.stop().await;
}
both!(rules_run_as_written_and_never_loop);
