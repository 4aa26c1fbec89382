//! Conversations: lists and counts, status, priority, assignment, labels,
//! attributes, read marks, filters, and races.

use std::collections::HashSet;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

fn ids(v: &Value) -> Vec<i64> {
    v["data"]["payload"]
        .as_array()
        .expect("payload")
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

async fn list_counts_and_filters(app: TestApp) {
    let (inbox_id, contact_id, c1) = app.setup_conversation(None).await;
    let c2 = app.conversation(inbox_id, contact_id).await;
    let c3 = app.conversation(inbox_id, contact_id).await;
    let (agent_id, _) = app.agent("Bob Agent", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": [agent_id] })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c1}/assignments")),
        Some(json!({ "assignee_id": app.admin_id })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c2}/assignments")),
        Some(json!({ "assignee_id": agent_id })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c3}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;

    let v = app.ok(Method::GET, &app.acc("/conversations"), None).await;
    assert_eq!(
        v["data"]["meta"],
        json!({ "mine_count": 1, "assigned_count": 2, "unassigned_count": 0, "all_count": 2 })
    );
    let mut got = ids(&v);
    got.sort();
    assert_eq!(got, vec![c1, c2]);
    let v = app
        .ok(Method::GET, &app.acc("/conversations?assignee_type=me"), None)
        .await;
    assert_eq!(ids(&v), vec![c1]);
    assert_eq!(
        v["data"]["meta"]["all_count"], 2,
        "counts are taken before the assignee filter"
    );
    let v = app
        .ok(Method::GET, &app.acc("/conversations?status=resolved"), None)
        .await;
    assert_eq!(ids(&v), vec![c3]);
    let v = app
        .ok(
            Method::GET,
            &app.acc("/conversations?status=all&sort_by=created_at_asc"),
            None,
        )
        .await;
    assert_eq!(ids(&v), vec![c1, c2, c3]);
    let v = app
        .ok(
            Method::GET,
            &app.acc(&format!("/conversations?status=all&inbox_id={inbox_id}")),
            None,
        )
        .await;
    assert_eq!(ids(&v).len(), 3);
    let v = app
        .ok(Method::GET, &app.acc("/conversations?status=all&inbox_id=999999"), None)
        .await;
    assert!(ids(&v).is_empty());
    let meta = app.ok(Method::GET, &app.acc("/conversations/meta"), None).await;
    assert_eq!(meta["meta"]["all_count"], 2);

    // Labels filter (any of).
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c2}/labels")),
        Some(json!({ "labels": ["billing"] })),
    )
    .await;
    let v = app
        .ok(
            Method::GET,
            &app.acc("/conversations?labels[]=billing&labels[]=other"),
            None,
        )
        .await;
    assert_eq!(ids(&v), vec![c2]);
    // q searches message content.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c3}/messages")),
        Some(json!({ "content": "The Zebra invoice", "message_type": "incoming" })),
    )
    .await;
    let v = app.ok(Method::GET, &app.acc("/conversations?q=zebra"), None).await;
    assert_eq!(ids(&v), vec![c3], "q ignores the status filter and reopened c3");
    // Bad enum values are 422.
    for bad in [
        "/conversations?status=closed",
        "/conversations?assignee_type=them",
        "/conversations?sort_by=drop",
        "/conversations?page=x",
    ] {
        let (s, b) = app.get(&app.acc(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
        assert!(b["message"].is_string());
    }
    app.stop().await;
}
both!(list_counts_and_filters);

async fn paging_25_per_page(app: TestApp) {
    let (inbox_id, contact_id, _) = app.setup_conversation(None).await;
    for _ in 0..26 {
        app.conversation(inbox_id, contact_id).await;
    }
    let p1 = app.ok(Method::GET, &app.acc("/conversations?page=1"), None).await;
    let p2 = app.ok(Method::GET, &app.acc("/conversations?page=2"), None).await;
    assert_eq!(ids(&p1).len(), 25);
    assert_eq!(ids(&p2).len(), 2);
    let all: HashSet<i64> = ids(&p1).into_iter().chain(ids(&p2)).collect();
    assert_eq!(all.len(), 27);
    assert_eq!(p1["data"]["meta"]["all_count"], 27);
    // Keyset pages: the same rows, each once, however many arrive meanwhile.
    let mut seen = Vec::new();
    let mut cursor = String::new();
    for _ in 0..5 {
        let v = app
            .ok(Method::GET, &app.acc(&format!("/conversations?cursor={cursor}")), None)
            .await;
        seen.extend(ids(&v));
        match v["data"]["meta"]["next_cursor"].as_str() {
            Some(c) => {
                cursor = c.to_string();
                app.conversation(inbox_id, contact_id).await;
            }
            None => break,
        }
    }
    assert_eq!(seen.len(), 27, "{seen:?}");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 27);
    let (s, _) = app.get(&app.acc("/conversations?cursor=garbage")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .get(&app.acc("/conversations?cursor=1.2&sort_by=priority_desc"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let v = app
        .ok(Method::GET, &app.acc("/conversations/search?q=nothing-matches"), None)
        .await;
    assert_eq!(v["payload"], json!([]));
    assert!(v["meta"]["all_count"].is_number());
    let (s, _) = app.get(&app.acc("/conversations/search")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(paging_25_per_page);

async fn status_transitions(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{c}/toggle_status"));
    let v = app.ok(Method::POST, &path, Some(json!({}))).await;
    assert_eq!(
        v["payload"]["current_status"], "resolved",
        "bare toggle resolves an open conversation"
    );
    assert_eq!(v["payload"]["success"], true);
    assert_eq!(v["payload"]["conversation_id"], c);
    let v = app.ok(Method::POST, &path, Some(json!({}))).await;
    assert_eq!(v["payload"]["current_status"], "open");
    let v = app.ok(Method::POST, &path, Some(json!({ "status": "pending" }))).await;
    assert_eq!(v["payload"]["current_status"], "pending");
    let v = app.ok(Method::POST, &path, Some(json!({}))).await;
    assert_eq!(v["payload"]["current_status"], "open", "pending toggles to open");
    let until = 4_102_444_800i64; // 2100-01-01
    let v = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "status": "snoozed", "snoozed_until": until })),
        )
        .await;
    assert_eq!(v["payload"]["current_status"], "snoozed");
    assert_eq!(v["payload"]["snoozed_until"], "2100-01-01T00:00:00.000Z");
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(conv["status"], "snoozed");
    assert_eq!(conv["snoozed_until"], "2100-01-01T00:00:00.000Z");
    // An incoming message wakes it.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "hello?", "message_type": "incoming" })),
    )
    .await;
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(conv["status"], "open");
    assert_eq!(conv["snoozed_until"], Value::Null);
    // Resolve, then an incoming message reopens.
    app.ok(Method::POST, &path, Some(json!({ "status": "resolved" }))).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "one more thing", "message_type": "incoming" })),
    )
    .await;
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(conv["status"], "open");
    // Activity lines were written for the agent's changes.
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    let activity: Vec<String> = msgs["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect();
    assert!(
        activity.contains(&"Conversation was resolved by Alice Admin".to_string()),
        "{activity:?}"
    );
    assert!(
        activity.contains(&"Conversation was snoozed by Alice Admin".to_string()),
        "{activity:?}"
    );
    // Unknown status and bad snooze time.
    let (s, _) = app.post(&path, json!({ "status": "closed" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(&path, json!({ "status": "snoozed", "snoozed_until": "tomorrow-ish" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(status_transitions);

async fn snooze_wakes_up_on_time(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let soon = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 1;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/toggle_status")),
        Some(json!({ "status": "snoozed", "snoozed_until": soon })),
    )
    .await;
    crate::helpers::eventually(15, "the snoozed conversation to reopen", || async {
        let v = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
            .await;
        (v["status"] == "open").then_some(())
    })
    .await;
    app.stop().await;
}
both!(snooze_wakes_up_on_time);

async fn priority_and_attributes(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{c}/toggle_priority")),
            json!({ "priority": "urgent" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(v["priority"], "urgent");
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/conversations/{c}")),
            Some(json!({ "priority": "low" })),
        )
        .await;
    assert_eq!(v["priority"], "low");
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{c}/toggle_priority")),
            json!({ "priority": null }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(v["priority"], Value::Null);
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{c}/toggle_priority")),
            json!({ "priority": "critical" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let path = app.acc(&format!("/conversations/{c}/custom_attributes"));
    app.ok(
        Method::POST,
        &path,
        Some(json!({ "custom_attributes": { "plan": "pro", "seats": 3 } })),
    )
    .await;
    app.ok(
        Method::POST,
        &path,
        Some(json!({ "custom_attributes": { "plan": "team" } })),
    )
    .await;
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(
        v["custom_attributes"],
        json!({ "plan": "team" }),
        "custom_attributes are replaced"
    );
    let (s, _) = app.post(&path, json!({ "custom_attributes": "plan" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(priority_and_attributes);

async fn assignment_agent_team_and_unassign(app: TestApp) {
    let (inbox_id, _, c) = app.setup_conversation(None).await;
    let (agent_id, _) = app.agent("Bob Agent", "bob@acme.test", "agent").await;
    let path = app.acc(&format!("/conversations/{c}/assignments"));
    let (s, _) = app.post(&path, json!({ "assignee_id": agent_id })).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an agent outside the inbox cannot be assigned"
    );
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": [agent_id] })),
    )
    .await;
    let v = app
        .ok(Method::POST, &path, Some(json!({ "assignee_id": agent_id })))
        .await;
    assert_eq!(v["id"], agent_id);
    assert_eq!(v["name"], "Bob Agent");
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(conv["meta"]["assignee"]["id"], agent_id);
    let team = app
        .ok(
            Method::POST,
            &app.acc("/teams"),
            Some(json!({ "team": { "name": "Billing" } })),
        )
        .await;
    let v = app
        .ok(Method::POST, &path, Some(json!({ "team_id": team["id"] })))
        .await;
    assert_eq!(v["name"], "billing");
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(conv["meta"]["team"]["id"], team["id"]);
    let v = app.ok(Method::POST, &path, Some(json!({ "assignee_id": null }))).await;
    assert_eq!(v, Value::Null);
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(conv["meta"]["assignee"], Value::Null);
    let (s, _) = app.post(&path, json!({ "assignee_id": 987654 })).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    let texts: Vec<&str> = msgs["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == 2)
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert!(texts.contains(&"Assigned to Bob Agent by Alice Admin"), "{texts:?}");
    assert!(texts.contains(&"Assigned to billing by Alice Admin"), "{texts:?}");
    assert!(texts.contains(&"Conversation unassigned by Alice Admin"), "{texts:?}");
    app.stop().await;
}
both!(assignment_agent_team_and_unassign);

async fn labels_replace(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{c}/labels"));
    let v = app
        .ok(Method::POST, &path, Some(json!({ "labels": ["Billing", "vip"] })))
        .await;
    assert_eq!(v["payload"], json!(["billing", "vip"]));
    let v = app
        .ok(Method::POST, &path, Some(json!({ "labels": ["vip", "refund"] })))
        .await;
    assert_eq!(v["payload"], json!(["refund", "vip"]));
    let v = app.ok(Method::GET, &path, None).await;
    assert_eq!(v["payload"], json!(["refund", "vip"]));
    let (s, _) = app.post(&path, json!({ "labels": ["has space"] })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // One string is a comma-separated tag list, as acts_as_taggable reads it.
    let v = app.ok(Method::POST, &path, Some(json!({ "labels": "vip" }))).await;
    assert_eq!(v["payload"], json!(["vip"]));
    let (s, _) = app.post(&path, json!({ "labels": { "a": 1 } })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(labels_replace);

async fn read_marks_and_unread_count(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    for i in 0..12 {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/messages")),
            Some(json!({ "content": format!("m{i}"), "message_type": "incoming" })),
        )
        .await;
    }
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(v["unread_count"], 10, "capped at 10");
    let v = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{c}/update_last_seen")),
            None,
        )
        .await;
    assert_eq!(v["unread_count"], 0);
    assert!(v["agent_last_seen_at"].as_i64().unwrap() > 0);
    let v = app
        .ok(Method::POST, &app.acc(&format!("/conversations/{c}/unread")), None)
        .await;
    assert!(v["unread_count"].as_i64().unwrap() >= 1, "{v}");
    app.stop().await;
}
both!(read_marks_and_unread_count);

async fn create_with_source_id_and_message(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let (_, sid) = app.contact(inbox_id, "Eve").await;
    let v = app
        .ok(
            Method::POST,
            &app.acc("/conversations"),
            Some(json!({ "inbox_id": inbox_id, "source_id": sid, "status": "pending", "custom_attributes": { "order": "A1" }, "message": { "content": "We got your order" } })),
        )
        .await;
    let c = v["id"].as_i64().unwrap();
    assert_eq!(v["status"], "pending");
    assert_eq!(v["custom_attributes"]["order"], "A1");
    let msgs = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    assert_eq!(msgs["payload"][0]["content"], "We got your order");
    assert_eq!(msgs["payload"][0]["message_type"], 1);
    let (s, _) = app
        .post(
            &app.acc("/conversations"),
            json!({ "inbox_id": inbox_id, "source_id": "nope" }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(&app.acc("/conversations"), json!({ "inbox_id": inbox_id }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &app.acc("/conversations"),
            json!({ "inbox_id": "abc", "contact_id": 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(create_with_source_id_and_message);

async fn filter_endpoint(app: TestApp) {
    let (inbox_id, contact_id, c1) = app.setup_conversation(None).await;
    let c2 = app.conversation(inbox_id, contact_id).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c2}/toggle_status")),
        Some(json!({ "status": "pending" })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c1}/custom_attributes")),
        Some(json!({ "custom_attributes": { "plan": "gold", "seats": 5, "trial": true } })),
    )
    .await;
    let f = |payload: Value| json!({ "payload": payload });
    // Numbers and checkboxes match as Chatwoot sends them (as numbers or
    // strings), on SQLite as on PostgreSQL.
    for (key, values) in [
        ("seats", json!([5])),
        ("seats", json!(["5"])),
        ("trial", json!([true])),
        ("trial", json!(["true"])),
    ] {
        let v = app
            .ok(
                Method::POST,
                &app.acc("/conversations/filter"),
                Some(f(json!([{ "attribute_key": key, "filter_operator": "equal_to", "values": values, "custom_attribute_type": "conversation_attribute" }]))),
            )
            .await;
        let found: Vec<&Value> = v["payload"].as_array().unwrap().iter().map(|c| &c["id"]).collect();
        assert_eq!(found, vec![&json!(c1)], "{key} = {values}");
    }
    let v = app
        .ok(
            Method::POST,
            &app.acc("/conversations/filter"),
            Some(f(json!([{ "attribute_key": "trial", "filter_operator": "equal_to", "values": [false], "custom_attribute_type": "conversation_attribute" }]))),
        )
        .await;
    assert!(v["payload"].as_array().unwrap().is_empty(), "{v}");
    // Calendar days, as Chatwoot's dashboard sends them, compare by date:
    // both were created today (UTC), so after yesterday, not after today,
    // and not before today.
    use switchboard_domain::time::{iso, now_micros};
    let day = |offset_days: i64| iso(now_micros() + offset_days * 86_400_000_000)[..10].to_string();
    for (op, value, expected) in [
        ("is_greater_than", day(-1), 2),
        ("is_greater_than", day(0), 0),
        ("is_less_than", day(0), 0),
        ("is_less_than", day(1), 2),
    ] {
        let v = app
            .ok(
                Method::POST,
                &app.acc("/conversations/filter"),
                Some(f(
                    json!([{ "attribute_key": "created_at", "filter_operator": op, "values": [value] }]),
                )),
            )
            .await;
        assert_eq!(
            v["payload"].as_array().unwrap().len(),
            expected,
            "created_at {op} {value}: {v}"
        );
    }
    let v = app
        .ok(Method::POST, &app.acc("/conversations/filter"), Some(f(json!([{ "attribute_key": "status", "filter_operator": "equal_to", "values": ["pending"], "query_operator": null }]))))
        .await;
    assert!(v.get("data").is_none(), "no data wrapper");
    assert_eq!(v["payload"].as_array().unwrap().len(), 1);
    assert_eq!(v["payload"][0]["id"], c2);
    assert_eq!(v["meta"]["all_count"], 1);
    let v = app
        .ok(
            Method::POST,
            &app.acc("/conversations/filter"),
            Some(f(json!([
                { "attribute_key": "status", "filter_operator": "equal_to", "values": ["pending"], "query_operator": "OR" },
                { "attribute_key": "plan", "filter_operator": "equal_to", "values": ["gold"], "custom_attribute_type": "conversation_attribute" }
            ]))),
        )
        .await;
    assert_eq!(v["payload"].as_array().unwrap().len(), 2);
    let v = app
        .ok(
            Method::POST,
            &app.acc("/conversations/filter"),
            Some(f(
                json!([{ "attribute_key": "display_id", "filter_operator": "is_greater_than", "values": [c1] }]),
            )),
        )
        .await;
    assert_eq!(v["payload"][0]["id"], c2);

    // SQL in keys, operators and values is refused or bound, never run.
    for evil in [
        json!([{ "attribute_key": "status = 0 OR 1=1 --", "filter_operator": "equal_to", "values": ["open"] }]),
        json!([{ "attribute_key": "status", "filter_operator": "= 'open' OR 1=1 --", "values": ["open"] }]),
        json!([{ "attribute_key": "status", "filter_operator": "equal_to", "values": ["open'); DROP TABLE conversations; --"] }]),
        json!([{ "attribute_key": "inbox_id", "filter_operator": "equal_to", "values": ["1 OR 1=1"] }]),
        json!([{ "attribute_key": "status", "filter_operator": "equal_to", "values": ["open"], "query_operator": "OR 1=1 UNION SELECT" }]),
        json!([{ "attribute_key": "plan'--", "filter_operator": "equal_to", "values": ["x"], "custom_attribute_type": "conversation_attribute" }]),
        json!("SELECT 1"),
    ] {
        let (s, b) = app
            .post(&app.acc("/conversations/filter"), json!({ "payload": evil }))
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{evil} -> {b}");
    }
    // A custom attribute value full of SQL is just a value.
    let v = app
        .ok(
            Method::POST,
            &app.acc("/conversations/filter"),
            Some(f(json!([{ "attribute_key": "plan", "filter_operator": "equal_to", "values": ["gold' OR '1'='1"], "custom_attribute_type": "conversation_attribute" }]))),
        )
        .await;
    assert_eq!(v["payload"].as_array().unwrap().len(), 0);
    let all = app.ok(Method::GET, &app.acc("/conversations?status=all"), None).await;
    assert_eq!(ids(&all).len(), 2, "tables intact");
    app.stop().await;
}
both!(filter_endpoint);

async fn concurrent_assignments_have_one_outcome(app: TestApp) {
    let (inbox_id, _, c) = app.setup_conversation(None).await;
    let mut agents = Vec::new();
    for i in 0..5 {
        let (id, _) = app
            .agent(&format!("Agent {i}"), &format!("a{i}@acme.test"), "agent")
            .await;
        agents.push(id);
    }
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": agents })),
    )
    .await;
    let path = app.acc(&format!("/conversations/{c}/assignments"));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let target = agents[i % agents.len()];
        let client = app.client.clone();
        let url = format!("{}{}", app.base, path);
        let token = app.token.clone();
        tasks.push(tokio::spawn(async move {
            client
                .post(url)
                .header("api_access_token", token)
                .json(&json!({ "assignee_id": target }))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let conv = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    let final_id = conv["meta"]["assignee"]["id"].as_i64().unwrap();
    let msgs = app
        .ok(
            Method::GET,
            &app.acc(&format!("/conversations/{c}/messages?after=0")),
            None,
        )
        .await;
    let trail: Vec<String> = msgs["payload"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["message_type"] == 2)
        .map(|m| m["content"].as_str().unwrap().to_string())
        .collect();
    // Each line records a real change, so consecutive lines never repeat the
    // same assignee, and the last one names the final assignee.
    assert!(!trail.is_empty());
    for w in trail.windows(2) {
        assert_ne!(w[0], w[1], "a no-op assignment wrote an activity line: {trail:?}");
    }
    let final_name = format!("Agent {}", agents.iter().position(|a| *a == final_id).unwrap());
    assert_eq!(
        trail.last().unwrap(),
        &format!("Assigned to {final_name} by Alice Admin")
    );
    app.stop().await;
}
both!(concurrent_assignments_have_one_outcome);

async fn concurrent_creates_get_consecutive_display_ids(app: TestApp) {
    let (inbox_id, contact_id, first) = app.setup_conversation(None).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let client = app.client.clone();
        let url = format!("{}{}", app.base, app.acc("/conversations"));
        let token = app.token.clone();
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .header("api_access_token", token)
                .json(&json!({ "inbox_id": inbox_id, "contact_id": contact_id }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<Value>().await.unwrap()["id"].as_i64().unwrap()
        }));
    }
    let mut got = Vec::new();
    for t in tasks {
        got.push(t.await.unwrap());
    }
    got.sort();
    let expected: Vec<i64> = (first + 1..=first + 20).collect();
    assert_eq!(got, expected);
    // Another account numbers its own conversations from 1.
    let (other, token) = app.other_account().await;
    let inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/inboxes"),
            &token,
            Some(json!({ "name": "X", "channel": { "type": "api" } })),
        )
        .await
        .1;
    let contact = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/contacts"),
            &token,
            Some(json!({ "name": "Y" })),
        )
        .await
        .1;
    let (s, c) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/conversations"),
            &token,
            Some(json!({ "inbox_id": inbox["id"], "contact_id": contact["payload"]["contact"]["id"] })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["id"], 1);
    app.stop().await;
}
both!(concurrent_creates_get_consecutive_display_ids);

async fn blocked_contacts_do_not_reopen(app: TestApp) {
    let (inbox_id, contact_id, c) = app.setup_conversation(None).await;
    app.ok(
        Method::PUT,
        &app.acc(&format!("/contacts/{contact_id}")),
        Some(json!({ "blocked": true })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{c}/messages")),
        Some(json!({ "content": "spam", "message_type": "incoming" })),
    )
    .await;
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}")), None)
        .await;
    assert_eq!(v["status"], "resolved", "a blocked contact does not reopen");
    let c2 = app.conversation(inbox_id, contact_id).await;
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c2}")), None)
        .await;
    assert_eq!(
        v["status"], "resolved",
        "a blocked contact's new conversation starts resolved"
    );
    app.stop().await;
}
both!(blocked_contacts_do_not_reopen);
