//! Macros: Chatwoot's API and shapes, who sees and changes which (personal
//! ones are their author's alone, agents keep only personal ones), every
//! action checked on the way in, and a run on several conversations as the
//! person running it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

async fn conversation(app: &TestApp, conv: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await
}

async fn who_sees_and_changes_which(app: TestApp) {
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (_, ben_token) = app.agent("Ben", "ben@acme.test", "agent").await;
    let global = app
        .ok(
            Method::POST,
            &app.acc("/macros"),
            Some(json!({
                "name": "Close as billing", "visibility": "global",
                "actions": [
                    { "action_name": "add_label", "action_params": ["billing"] },
                    { "action_name": "resolve_conversation", "action_params": [] },
                ],
            })),
        )
        .await["payload"]
        .clone();
    let g = global["id"].as_i64().unwrap();
    assert_eq!(global["visibility"], "global");
    assert_eq!(global["name"], "Close as billing");
    assert_eq!(global["account_id"], app.account_id);
    assert_eq!(global["created_by"]["id"], app.admin_id, "{global}");
    assert_eq!(
        global["actions"],
        json!([
            { "action_name": "add_label", "action_params": ["billing"] },
            { "action_name": "resolve_conversation", "action_params": [] },
        ])
    );
    // An agent asking for a global macro gets a personal one.
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc("/macros"),
            &amy_token,
            Some(json!({
                "name": "Mine", "visibility": "global",
                "actions": [{ "action_name": "assign_agent", "action_params": ["self"] }],
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["payload"]["visibility"], "personal");
    let personal = v["payload"]["id"].as_i64().unwrap();

    let names = |v: &Value| -> Vec<String> {
        v["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    };
    let (_, v) = app.call(Method::GET, &app.acc("/macros"), &amy_token, None).await;
    assert_eq!(names(&v), ["Close as billing", "Mine"]);
    // Another agent and the administrator see the global one only.
    let (_, v) = app.call(Method::GET, &app.acc("/macros"), &ben_token, None).await;
    assert_eq!(names(&v), ["Close as billing"]);
    let v = app.ok(Method::GET, &app.acc("/macros"), None).await;
    assert_eq!(names(&v), ["Close as billing"]);
    let mine = app.acc(&format!("/macros/{personal}"));
    for m in [Method::GET, Method::PATCH, Method::DELETE] {
        let (s, _) = app
            .call(m.clone(), &mine, &ben_token, Some(json!({ "name": "x" })))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} another's personal macro");
        let (s, _) = app
            .call(m.clone(), &mine, &app.token, Some(json!({ "name": "x" })))
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} as administrator");
    }
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/macros/{personal}/execute")),
            &ben_token,
            Some(json!({ "conversation_ids": [1] })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Agents see and run global macros but do not change them.
    let gpath = app.acc(&format!("/macros/{g}"));
    let (s, v) = app.call(Method::GET, &gpath, &amy_token, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for m in [Method::PATCH, Method::DELETE] {
        let (s, v) = app
            .call(m.clone(), &gpath, &amy_token, Some(json!({ "name": "x" })))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m}: {v}");
        assert_eq!(v["error"], "You are not authorized to do this action");
    }
    // The author renames their own; the administrator a global one.
    let (s, v) = app
        .call(
            Method::PATCH,
            &mine,
            &amy_token,
            Some(json!({ "name": "Mine, renamed" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["payload"]["name"], "Mine, renamed");
    assert_eq!(v["payload"]["actions"][0]["action_params"], json!(["self"]));
    let v = app
        .ok(Method::PATCH, &gpath, Some(json!({ "name": "Billing, closed" })))
        .await;
    assert_eq!(v["payload"]["visibility"], "global", "kept when left out");
    assert_eq!(v["payload"]["updated_by"]["id"], app.admin_id);
    let (s, _) = app.call(Method::DELETE, &mine, &amy_token, None).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call(Method::GET, &mine, &amy_token, None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Someone who leaves the account takes their personal macros along.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc("/macros"),
            &amy_token,
            Some(json!({ "name": "Amy's", "actions": [{ "action_name": "resolve_conversation" }] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.ok(Method::DELETE, &app.acc(&format!("/agents/{amy}")), None).await;
    let left = app
        .sql_rows(&format!(
            "SELECT CAST(COUNT(*) AS TEXT) FROM macros WHERE created_by_id = {amy}"
        ))
        .await;
    assert_eq!(left[0][0].as_deref(), Some("0"));
    app.stop().await;
}
both!(who_sees_and_changes_which);

async fn bad_macros_are_refused(app: TestApp) {
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
    let ok_action = json!({ "action_name": "add_label", "action_params": ["x"] });
    let with = |extra: Value| {
        let mut b = json!({ "name": "M", "actions": [ok_action.clone()] });
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    for (body, field) in [
        (json!({ "actions": [ok_action.clone()] }), "name"),
        (with(json!({ "name": "   " })), "name"),
        (with(json!({ "name": "n".repeat(256) })), "name"),
        (json!({ "name": "M" }), "actions"),
        (with(json!({ "actions": [] })), "actions"),
        (with(json!({ "actions": "add_label" })), "actions"),
        (with(json!({ "visibility": "public" })), "visibility"),
        (
            with(json!({ "actions": [{ "action_name": "drop_tables" }] })),
            "action_name",
        ),
        (
            with(json!({ "actions": [{ "action_name": "send_attachment", "action_params": [1] }] })),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "add_sla", "action_params": [1] }] })),
            "action_name",
        ),
        (
            with(json!({ "actions": [{ "action_name": "assign_team", "action_params": [foreign_team] }] })),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "assign_agent", "action_params": ["someone"] }] })),
            "action_params",
        ),
        (
            with(
                json!({ "actions": [{ "action_name": "change_status", "action_params": ["'; DROP TABLE macros; --"] }] }),
            ),
            "action_params",
        ),
        (
            with(json!({ "actions": [{ "action_name": "send_message", "action_params": [""] }] })),
            "action_params",
        ),
        (with(json!({ "actions": vec![ok_action.clone(); 21] })), "actions"),
    ] {
        let (s, v) = app
            .call(Method::POST, &app.acc("/macros"), &app.token, Some(body.clone()))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v.to_string().contains(field), "{field} named for {body}: {v}");
    }
    let list = app.ok(Method::GET, &app.acc("/macros"), None).await;
    assert_eq!(list["payload"], json!([]), "nothing kept");

    let id = app.ok(Method::POST, &app.acc("/macros"), Some(with(json!({})))).await["payload"]["id"]
        .as_i64()
        .unwrap();
    let run = app.acc(&format!("/macros/{id}/execute"));
    let many: Vec<i64> = (1..=101).collect();
    for body in [
        json!({}),
        json!({ "conversation_ids": [] }),
        json!({ "conversation_ids": ["abc"] }),
        json!({ "conversation_ids": many }),
    ] {
        let (s, v) = app.call(Method::POST, &run, &app.token, Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    // Transcripts a run would mail count against the account's transcript
    // limit (30 an hour) before anything runs.
    let ten: Vec<String> = (0..10).map(|i| format!("p{i}@example.com")).collect();
    let mailer = app
        .ok(
            Method::POST,
            &app.acc("/macros"),
            Some(json!({ "name": "Mail it", "actions": [{ "action_name": "send_email_transcript", "action_params": [ten.join(",")] }] })),
        )
        .await["payload"]["id"]
        .as_i64()
        .unwrap();
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/macros/{mailer}/execute")),
            &app.token,
            Some(json!({ "conversation_ids": [1, 2, 3, 4] })),
        )
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    // Another account's administrator: not theirs.
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/macros/{id}/execute"),
            &olga,
            Some(json!({ "conversation_ids": [1] })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(bad_macros_are_refused);

/// A macro run by an agent on three conversations: two in the agent's
/// inbox get every action, done as the agent (messages sent by them,
/// activity lines naming them); the third, in an inbox the agent is not
/// in, is passed over untouched.
async fn a_run_acts_as_the_person(app: TestApp) {
    let support = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let vip = app.api_inbox("VIP", None).await["id"].as_i64().unwrap();
    for inbox in [support, vip] {
        app.ok(
            Method::PATCH,
            &app.acc(&format!("/inboxes/{inbox}")),
            Some(json!({ "enable_auto_assignment": false })),
        )
        .await;
    }
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": support, "user_ids": [amy] })),
    )
    .await;
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc("/macros"),
            &amy_token,
            Some(json!({
                "name": "Take and park",
                "actions": [
                    { "action_name": "assign_agent", "action_params": ["self"] },
                    { "action_name": "add_label", "action_params": ["follow-up"] },
                    { "action_name": "change_priority", "action_params": ["high"] },
                    { "action_name": "add_private_note", "action_params": ["Parked for tomorrow"] },
                    { "action_name": "send_message", "action_params": ["We'll get back to you tomorrow."] },
                    { "action_name": "snooze_conversation" },
                ],
            })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let id = v["payload"]["id"].as_i64().unwrap();
    let mut convs = Vec::new();
    for (inbox, name) in [(support, "Carla"), (support, "Dan"), (vip, "Eve")] {
        let (contact, _) = app.contact(inbox, name).await;
        convs.push(app.conversation(inbox, contact).await);
    }
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/macros/{id}/execute")),
            &amy_token,
            // A conversation named twice runs once.
            Some(json!({ "conversation_ids": [convs[0], convs[1], convs[0], convs[2]] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["payload"]["executed"], json!([convs[0], convs[1]]), "{v}");
    assert_eq!(v["payload"]["skipped"], json!([convs[2]]), "{v}");
    assert_eq!(v["payload"]["errors"], json!([]), "{v}");
    for conv in &convs[..2] {
        let c = conversation(&app, *conv).await;
        assert_eq!(c["meta"]["assignee"]["id"], amy, "{c}");
        assert_eq!(c["labels"], json!(["follow-up"]), "{c}");
        assert_eq!(c["priority"], "high", "{c}");
        assert_eq!(c["status"], "snoozed", "{c}");
        let msgs = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
            .await["payload"]
            .as_array()
            .unwrap()
            .clone();
        let reply = msgs
            .iter()
            .find(|m| m["content"] == "We'll get back to you tomorrow.")
            .unwrap_or_else(|| panic!("{msgs:?}"));
        assert_eq!(reply["sender"]["id"], amy, "sent as Amy: {reply}");
        let note = msgs.iter().find(|m| m["content"] == "Parked for tomorrow").unwrap();
        assert_eq!(note["private"], true);
        assert!(
            msgs.iter()
                .any(|m| m["message_type"] == 2 && m["content"].as_str().unwrap_or("").contains("Amy")),
            "activity lines name Amy: {msgs:?}"
        );
    }
    let untouched = conversation(&app, convs[2]).await;
    assert!(untouched["meta"]["assignee"].is_null(), "{untouched}");
    assert_eq!(untouched["labels"], json!([]));
    app.stop().await;
}
both!(a_run_acts_as_the_person);
