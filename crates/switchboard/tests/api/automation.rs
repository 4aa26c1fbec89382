//! Automation rules: Chatwoot's API and shapes, every condition and action
//! checked on the way in, and rules that run: conditions grouped as
//! written, actions as the "Automation System", caused by their rule, and
//! never set off by what automation did.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Db, Sink, TestApp, eventually};
use crate::walkthrough::signature_ok;

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
            with(json!({ "actions": [{ "action_name": "send_attachment", "action_params": [1] }] })),
            "action_params",
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
            with(json!({ "actions": [{ "action_name": "change_status", "action_params": ["closed"] }] })),
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

/// Labels of a conversation, sorted.
async fn labels(app: &TestApp, conv: i64) -> Vec<String> {
    let c = conversation(app, conv).await;
    let mut l: Vec<String> = serde_json::from_value(c["labels"].clone()).unwrap_or_default();
    l.sort();
    l
}

/// What leaves the conversation: a signed webhook of the event (logged
/// under the rule), snoozing, `attribute_changed` on updates, and the
/// rule's view of what went wrong.
async fn rules_send_webhooks_and_follow_changes(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let created = app
        .ok(
            Method::POST,
            &app.acc("/automation_rules"),
            Some(json!({
                "name": "Tell the CRM", "event_name": "conversation_updated",
                "conditions": [{
                    "attribute_key": "status", "filter_operator": "attribute_changed",
                    "values": { "from": ["open"], "to": ["pending"] },
                }],
                "actions": [
                    { "action_name": "send_webhook_event", "action_params": [sink.url] },
                    { "action_name": "add_label", "action_params": ["parked"] },
                ],
            })),
        )
        .await;
    // Chatwoot answers a create with the rule at the top; the API document
    // with `payload`: both are there.
    assert_eq!(created["id"], created["payload"]["id"], "{created}");
    let hook_rule = created["payload"]["id"].as_i64().unwrap();
    let secret = created["payload"]["secret"].as_str().unwrap().to_string();
    assert_eq!(secret.len(), 24, "{created}");
    assert_eq!(
        created["payload"]["conditions"][0]["values"],
        json!({ "from": ["open"], "to": ["pending"] })
    );
    // Snoozed on a keyword, until the next reply.
    rule(
        &app,
        json!({
            "name": "Park", "event_name": "message_created",
            "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["later"] }],
            "actions": [{ "action_name": "snooze_conversation" }],
        }),
    )
    .await;

    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    // open -> resolved: not the change the rule follows.
    for status in ["resolved", "open", "pending"] {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/toggle_status")),
            Some(json!({ "status": status })),
        )
        .await;
        idle(&app).await;
    }
    let got = sink.wait_for("automation_event.conversation_updated", 1).await;
    assert_eq!(got.len(), 1, "only open -> pending");
    let body = got[0].json();
    assert_eq!(body["id"], conv, "the conversation, as Chatwoot sends it: {body}");
    assert_eq!(body["status"], "pending", "{body}");
    assert_eq!(
        body["changed_attributes"][0]["status"]["current_value"], "pending",
        "{body}"
    );
    assert!(signature_ok(&secret, &got[0]), "signed with the rule's secret");
    assert_eq!(labels(&app, conv).await, ["parked"]);
    let log = eventually(10, "the rule's delivery log", || async {
        let log = app
            .ok(
                Method::GET,
                &app.acc(&format!("/automation_rules/{hook_rule}/deliveries")),
                None,
            )
            .await;
        (log["payload"][0]["state"] == "delivered").then_some(log)
    })
    .await;
    assert_eq!(log["payload"][0]["automation_rule_id"], hook_rule, "{log}");
    assert_eq!(log["payload"][0]["event"], "automation_event.conversation_updated");

    // A webhook the target refuses for good is a failed run of its rule.
    let refusing = Sink::start().await;
    refusing.fail_next(&[410]);
    let gone = rule(
        &app,
        json!({
            "name": "Old CRM", "event_name": "conversation_resolved",
            "actions": [{ "action_name": "send_webhook_event", "action_params": [refusing.url] }],
        }),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let r = eventually(15, "the failed run recorded", || async {
        let r = app
            .ok(Method::GET, &app.acc(&format!("/automation_rules/{gone}")), None)
            .await["payload"]
            .clone();
        (r["failures"] == 1).then_some(r)
    })
    .await;
    assert!(
        r["last_failure"]
            .as_str()
            .unwrap()
            .contains("send_webhook_event: HTTP 410"),
        "{r}"
    );
    assert_eq!(r["active"], true, "one failure does not switch it off");

    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "open" })),
    )
    .await;
    incoming(&app, conv, "I'll write back later").await;
    idle(&app).await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["status"], "snoozed", "{c}");
    assert!(c["snoozed_until"].is_null(), "until the next reply: {c}");
    let lines: Vec<String> = messages(&app, conv)
        .await
        .iter()
        .filter(|m| m["message_type"] == 2)
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect();
    assert!(
        lines.iter().any(|l| l.contains("Automation System (Park)")),
        "activity lines name the rule: {lines:?}"
    );

    // Bad values for what this slice added.
    for (body, field) in [
        (
            json!({ "name": "x", "event_name": "message_created",
                    "conditions": [{ "attribute_key": "status", "filter_operator": "attribute_changed", "values": { "to": ["open"] } }],
                    "actions": [{ "action_name": "resolve_conversation" }] }),
            "filter_operator",
        ),
        (
            json!({ "name": "x", "event_name": "conversation_updated",
                    "conditions": [{ "attribute_key": "status", "filter_operator": "attribute_changed", "values": ["open"] }],
                    "actions": [{ "action_name": "resolve_conversation" }] }),
            "values",
        ),
        (
            json!({ "name": "x", "event_name": "conversation_updated",
                    "conditions": [{ "attribute_key": "labels", "filter_operator": "attribute_changed", "values": {} }],
                    "actions": [{ "action_name": "resolve_conversation" }] }),
            "attribute_key",
        ),
        (
            json!({ "name": "x", "event_name": "message_created",
                    "actions": [{ "action_name": "send_webhook_event", "action_params": ["ftp://example.com/x"] }] }),
            "action_params",
        ),
        (
            json!({ "name": "x", "event_name": "message_created",
                    "actions": [{ "action_name": "send_webhook_event", "action_params": [] }] }),
            "action_params",
        ),
        (
            json!({ "name": "x", "event_name": "message_created",
                    "actions": [{ "action_name": "send_email_transcript", "action_params": ["not-an-address"] }] }),
            "action_params",
        ),
        (
            json!({ "name": "x", "event_name": "message_created",
                    "actions": [{ "action_name": "send_email_transcript",
                                  "action_params": ["a@x.test,b@x.test,c@x.test,d@x.test,e@x.test,f@x.test,g@x.test,h@x.test,i@x.test,j@x.test,k@x.test"] }] }),
            "action_params",
        ),
        (
            json!({ "name": "x", "event_name": "message_created",
                    "actions": [{ "action_name": "send_email_to_team", "action_params": [{ "message": "hi", "team_ids": [999999] }] }] }),
            "action_params",
        ),
        (
            json!({ "name": "x", "event_name": "message_created",
                    "actions": [{ "action_name": "send_email_to_team", "action_params": [{ "team_ids": [] }] }] }),
            "action_params",
        ),
        (
            json!({ "name": "x", "event_name": "message_created", "react_to_automation": "often",
                    "actions": [{ "action_name": "resolve_conversation" }] }),
            "react_to_automation",
        ),
    ] {
        let (s, v) = app
            .call(
                Method::POST,
                &app.acc("/automation_rules"),
                &app.token,
                Some(body.clone()),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v.to_string().contains(field), "{field} named: {v}");
    }
    app.stop().await;
}
both!(rules_send_webhooks_and_follow_changes);

/// The loop corpus: rules that would answer each other end within the
/// depth bound, a rule never answers itself, and a rule that keeps
/// failing is switched off with its reason.
async fn chains_are_bounded_and_failing_rules_stop(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    // Ping-pong on labels: A turns "ping" into "pong", B "pong" into "ping".
    let ping_pong = |name: &str, from: &str, to: &str| {
        json!({
            "name": name, "event_name": "conversation_updated", "react_to_automation": true,
            "conditions": [{ "attribute_key": "labels", "filter_operator": "equal_to", "values": [from] }],
            "actions": [
                { "action_name": "remove_label", "action_params": [from] },
                { "action_name": "add_label", "action_params": [to] },
            ],
        })
    };
    let a = rule(&app, ping_pong("A", "ping", "pong")).await;
    let b = rule(&app, ping_pong("B", "pong", "ping")).await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    idle(&app).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/labels")),
        Some(json!({ "labels": ["ping"] })),
    )
    .await;
    idle(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    idle(&app).await;
    // The person's change (depth 0) sets A off, and then B, which reads
    // the conversation as A left it (their changes: depth 1); B's changes
    // set A off (2), A's set B off (3); nothing reacts at 3, and neither
    // rule ever reacts to its own changes.
    assert_eq!(labels(&app, conv).await, ["ping"]);
    let runs = app
        .sql_rows(&format!(
            "SELECT CAST(cause_id AS TEXT), CAST(cause_depth AS TEXT) FROM events \
             WHERE cause_kind = 'automation' AND conversation_id = \
             (SELECT id FROM conversations WHERE display_id = {conv} AND account_id = {}) \
             AND name = 'conversation.updated'",
            app.account_id
        ))
        .await;
    let mut seen: Vec<(i64, i64)> = runs
        .iter()
        .map(|r| {
            (
                r[0].as_deref().unwrap().parse().unwrap(),
                r[1].as_deref().unwrap().parse().unwrap(),
            )
        })
        .collect();
    seen.sort_by_key(|&(rule, depth)| (depth, rule));
    seen.dedup();
    assert_eq!(seen, [(a, 1), (b, 1), (a, 2), (b, 3)], "{runs:?}");
    for id in [a, b] {
        app.ok(Method::DELETE, &app.acc(&format!("/automation_rules/{id}")), None)
            .await;
    }

    // A rule that reacts to automation and whose message matches its own
    // condition still sends once.
    let echo = rule(
        &app,
        json!({
            "name": "Echo", "event_name": "message_created", "react_to_automation": true,
            "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["hello"] }],
            "actions": [{ "action_name": "send_message", "action_params": ["hello again"] }],
        }),
    )
    .await;
    incoming(&app, conv, "hello").await;
    idle(&app).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    idle(&app).await;
    let echoes = messages(&app, conv)
        .await
        .into_iter()
        .filter(|m| m["content_attributes"]["automation_rule_id"] == echo)
        .count();
    assert_eq!(echoes, 1);
    app.ok(Method::DELETE, &app.acc(&format!("/automation_rules/{echo}")), None)
        .await;

    // Assigning to an agent who has left: each run fails; the fifth
    // switches the rule off and says why.
    let (bob, _) = app.agent("Bob", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [bob] })),
    )
    .await;
    let to_bob = rule(
        &app,
        json!({
            "name": "To Bob", "event_name": "message_created",
            "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["bob"] }],
            "actions": [
                { "action_name": "assign_agent", "action_params": [bob] },
                { "action_name": "add_label", "action_params": ["for-bob"] },
            ],
        }),
    )
    .await;
    let path = app.acc(&format!("/automation_rules/{to_bob}"));
    app.ok(Method::DELETE, &app.acc(&format!("/agents/{bob}")), None).await;
    for i in 1..=5 {
        incoming(&app, conv, &format!("for bob, try {i}")).await;
        idle(&app).await;
        let r = app.ok(Method::GET, &path, None).await["payload"].clone();
        assert_eq!(r["failures"], i, "{r}");
        assert!(
            r["last_failure"].as_str().unwrap().contains("no longer in the account"),
            "{r}"
        );
        assert_eq!(r["active"], i < 5, "{r}");
    }
    let r = app.ok(Method::GET, &path, None).await["payload"].clone();
    assert!(
        r["disabled_reason"]
            .as_str()
            .unwrap()
            .starts_with("Switched off after 5 runs"),
        "{r}"
    );
    // The other action of each run still happened.
    assert!(labels(&app, conv).await.contains(&"for-bob".to_string()));
    // Off: the next message does not run it.
    incoming(&app, conv, "bob again").await;
    idle(&app).await;
    assert_eq!(app.ok(Method::GET, &path, None).await["payload"]["failures"], 5);
    // Switched on again: a clean slate.
    let r = app.ok(Method::PATCH, &path, Some(json!({ "active": true }))).await["payload"].clone();
    assert_eq!(r["failures"], 0, "{r}");
    assert!(r["disabled_reason"].is_null(), "{r}");
    app.stop().await;
}
both!(chains_are_bounded_and_failing_rules_stop);

/// Mail from rules, through the installation's mail server: the team's
/// members each get the rule's message with a link, and the transcript goes
/// to each address of the action.
async fn rules_send_mail(db: Db) {
    let Some(servers) = crate::mail_servers::mail_servers() else {
        return;
    };
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    let domain = format!("rules-{}.test", uuid::Uuid::new_v4().simple());
    let (amy_email, ben_email, boss) = (
        format!("amy@{domain}"),
        format!("ben@{domain}"),
        format!("boss@{domain}"),
    );
    let (amy, _) = app.agent("Amy", &amy_email, "agent").await;
    let (ben, _) = app.agent("Ben", &ben_email, "agent").await;
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "Escalations" })))
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/teams/{team}/team_members")),
        Some(json!({ "user_ids": [amy, ben] })),
    )
    .await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    // Mail from now on (the invitations above were shown, not mailed).
    let app = app
        .restart(|o| {
            o.smtp_url = Some(format!("smtp://127.0.0.1:{}", servers.smtp_port));
            o.mail_from = Some("Acme Help <help@acme.test>".into());
        })
        .await;
    rule(
        &app,
        json!({
            "name": "Escalate", "event_name": "message_created",
            "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["lawyer"] }],
            "actions": [
                { "action_name": "send_email_to_team", "action_params": [{ "message": "A customer mentions a lawyer.", "team_ids": [team] }] },
                { "action_name": "send_email_transcript", "action_params": [format!("{boss}, {amy_email}")] },
            ],
        }),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    incoming(&app, conv, "My lawyer will call you").await;
    for who in [&amy_email, &ben_email] {
        let mails = eventually(20, "the team mail", || async {
            let m = crate::mail_servers::mailbox(servers, who).await;
            m.iter()
                .any(|raw| String::from_utf8_lossy(raw).contains("A customer mentions a lawyer."))
                .then_some(m)
        })
        .await;
        let text = mails
            .iter()
            .map(|raw| String::from_utf8_lossy(raw).replace("=\r\n", ""))
            .find(|t| t.contains("A customer mentions a lawyer."))
            .unwrap();
        assert!(
            text.contains(&format!("/conversations/{conv}")),
            "a link to the conversation: {text}"
        );
    }
    for who in [&boss, &amy_email] {
        eventually(20, "the transcript", || async {
            crate::mail_servers::mailbox(servers, who)
                .await
                .iter()
                .any(|raw| String::from_utf8_lossy(raw).contains("My lawyer will call you"))
                .then_some(())
        })
        .await;
    }
    app.stop().await;
}

mod rules_send_mail {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        super::rules_send_mail(crate::helpers::Db::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        super::rules_send_mail(crate::helpers::Db::Postgres).await;
    }
}
