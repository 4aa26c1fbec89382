//! SLA policies and business hours: Chatwoot's `sla_policies` and
//! `applied_slas` API and shapes, the clocks a conversation is held to
//! (first reply, next reply, resolution) missing when they run out, the
//! settlement on resolve and a new cycle on reopen, rules that add an SLA,
//! calendars with split days and holidays, and bad input.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{TestApp, eventually};

async fn conversation(app: &TestApp, conv: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await
}

async fn say(app: &TestApp, conv: i64, text: &str, message_type: &str) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": text, "message_type": message_type })),
    )
    .await;
}

async fn policy(app: &TestApp, body: Value) -> i64 {
    app.ok(Method::POST, &app.acc("/sla_policies"), Some(body)).await["payload"]["id"]
        .as_i64()
        .unwrap()
}

async fn hold(app: &TestApp, conv: i64, policy: i64) -> Value {
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/conversations/{conv}")),
        Some(json!({ "sla_policy_id": policy })),
    )
    .await
}

async fn set_status(app: &TestApp, conv: i64, status: &str) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": status })),
    )
    .await;
}

fn now_secs() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64
}

/// Waits until the conversation's SLA misses include `kind`; returns the
/// conversation.
async fn missed(app: &TestApp, conv: i64, kind: &str) -> Value {
    eventually(20, &format!("an {kind} miss on #{conv}"), || async {
        let c = conversation(app, conv).await;
        c["sla_events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event_type"] == kind)
            .then_some(c)
    })
    .await
}

async fn policies_and_bad_input(app: TestApp) {
    // Chatwoot's wrapped body, numbers as its dashboard sends them.
    let v = app
        .ok(
            Method::POST,
            &app.acc("/sla_policies"),
            Some(json!({ "sla_policy": {
                "name": "Gold", "description": "Paying customers",
                "first_response_time_threshold": 3600.0,
                "next_response_time_threshold": "1800",
                "resolution_time_threshold": 86400,
                "only_during_business_hours": true,
            }})),
        )
        .await;
    let p = &v["payload"];
    let gold = p["id"].as_i64().unwrap();
    assert_eq!(p["name"], "Gold");
    assert_eq!(p["description"], "Paying customers");
    assert_eq!(p["first_response_time_threshold"], 3600);
    assert_eq!(p["next_response_time_threshold"], 1800);
    assert_eq!(p["resolution_time_threshold"], 86400);
    assert_eq!(p["only_during_business_hours"], true);
    // Unwrapped too, with one threshold.
    let silver = policy(&app, json!({ "name": "Silver", "first_response_time_threshold": 7200 })).await;

    // An update changes what it names.
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/sla_policies/{silver}")),
            Some(json!({ "resolution_time_threshold": 172800, "next_response_time_threshold": null })),
        )
        .await;
    assert_eq!(v["payload"]["first_response_time_threshold"], 7200);
    assert_eq!(v["payload"]["resolution_time_threshold"], 172800);
    assert_eq!(v["payload"]["name"], "Silver");
    let list = app.ok(Method::GET, &app.acc("/sla_policies"), None).await;
    let names: Vec<&str> = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Gold", "Silver"]);

    for (body, attr) in [
        (json!({ "first_response_time_threshold": 60 }), "name"),
        (json!({ "name": "  ", "first_response_time_threshold": 60 }), "name"),
        (
            json!({ "name": "x".repeat(256), "first_response_time_threshold": 60 }),
            "name",
        ),
        (json!({ "name": "None" }), "base"),
        (
            json!({ "name": "Zero", "first_response_time_threshold": 0 }),
            "first_response_time_threshold",
        ),
        (
            json!({ "name": "Neg", "next_response_time_threshold": -5 }),
            "next_response_time_threshold",
        ),
        (
            json!({ "name": "Text", "resolution_time_threshold": "soon" }),
            "resolution_time_threshold",
        ),
        (
            json!({ "name": "Bool", "resolution_time_threshold": true }),
            "resolution_time_threshold",
        ),
        (
            json!({ "name": "Long", "resolution_time_threshold": 40_000_000 }),
            "resolution_time_threshold",
        ),
        (
            json!({ "name": "SQL'; DROP TABLE sla_policies; --", "first_response_time_threshold": "1; DROP" }),
            "first_response_time_threshold",
        ),
        (
            json!({ "name": "Flag", "first_response_time_threshold": 60, "only_during_business_hours": "often" }),
            "only_during_business_hours",
        ),
    ] {
        let (s, v) = app.post(&app.acc("/sla_policies"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {v}");
        assert!(v["attributes"].to_string().contains(attr), "{body} -> {v}");
    }
    // Taking every threshold away is refused too.
    let (s, _) = app
        .patch(
            &app.acc(&format!("/sla_policies/{silver}")),
            json!({ "first_response_time_threshold": null, "resolution_time_threshold": "" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // Agents read the policies; only administrators change them or read
    // the breaches.
    let (_, amy) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (s, v) = app.call(Method::GET, &app.acc("/sla_policies"), &amy, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["payload"].as_array().unwrap().len(), 2);
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/sla_policies/{gold}")), &amy, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    for (m, path) in [
        (Method::POST, "/sla_policies".to_string()),
        (Method::PATCH, format!("/sla_policies/{gold}")),
        (Method::DELETE, format!("/sla_policies/{gold}")),
        (Method::GET, "/applied_slas".to_string()),
        (Method::GET, "/applied_slas/metrics".to_string()),
        (Method::GET, "/applied_slas/download".to_string()),
    ] {
        let (s, v) = app
            .call(
                m.clone(),
                &app.acc(&path),
                &amy,
                Some(json!({ "name": "Mine", "first_response_time_threshold": 5 })),
            )
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}: {v}");
    }

    // Another account's policy is no one's here.
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/sla_policies/{gold}"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, _, conv) = app.setup_conversation(None).await;
    let theirs = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/sla_policies"),
            &olga,
            Some(json!({ "name": "Theirs", "first_response_time_threshold": 60 })),
        )
        .await
        .1["payload"]["id"]
        .as_i64()
        .unwrap();
    for bad in [json!(theirs), json!(999_999), json!("gold")] {
        let (s, v) = app
            .patch(
                &app.acc(&format!("/conversations/{conv}")),
                json!({ "sla_policy_id": bad }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    // A rule may not name another account's policy either.
    let (s, v) = app
        .post(
            &app.acc("/automation_rules"),
            json!({
                "name": "SLA", "event_name": "conversation_created", "conditions": [],
                "actions": [{ "action_name": "add_sla", "action_params": [theirs] }],
            }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");

    // Held, then the policy deleted: the conversation is held to nothing.
    let c = hold(&app, conv, gold).await;
    assert_eq!(c["sla_policy_id"], gold, "{c}");
    assert_eq!(c["applied_sla"]["sla_name"], "Gold", "{c}");
    assert_eq!(c["applied_sla"]["sla_status"], "active");
    let (s, _) = app.delete(&app.acc(&format!("/sla_policies/{gold}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&app.acc(&format!("/sla_policies/{gold}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let c = conversation(&app, conv).await;
    assert!(c["sla_policy_id"].is_null(), "{c}");
    assert!(c["applied_sla"].is_null(), "{c}");
    // Taken off by hand.
    hold(&app, conv, silver).await;
    let c = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/conversations/{conv}")),
            Some(json!({ "sla_policy_id": null })),
        )
        .await;
    assert!(c["applied_sla"].is_null(), "{c}");
    app.stop().await;
}
both!(policies_and_bad_input);

/// First reply and next reply clocks run out and miss; the resolve
/// settles the cycle as missed; a reopen starts a new one.
async fn clocks_miss_settle_and_restart(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    say(&app, conv, "My order never came", "incoming").await;
    let p = policy(
        &app,
        json!({ "name": "Fast", "first_response_time_threshold": 2, "next_response_time_threshold": 2, "resolution_time_threshold": 3600 }),
    )
    .await;
    let c = hold(&app, conv, p).await;
    let a = &c["applied_sla"];
    assert_eq!(a["sla_status"], "active", "{c}");
    assert_eq!(a["sla_id"], p);
    assert_eq!(a["sla_first_response_time_threshold"], 2);
    let created = c["created_at"].as_i64().unwrap();
    let frt_due = a["sla_frt_due_at"].as_i64().unwrap();
    assert!((frt_due - created - 2).abs() <= 1, "{a}");
    assert_eq!(a["sla_rt_due_at"].as_i64().unwrap() - frt_due, 3598, "{a}");
    assert!(a["sla_nrt_due_at"].is_null(), "no reply yet: {a}");

    // The first reply is late.
    let c = missed(&app, conv, "frt").await;
    assert_eq!(c["applied_sla"]["sla_status"], "active_with_misses", "{c}");
    let ev = &c["sla_events"][0];
    assert_eq!(ev["event_type"], "frt");
    assert_eq!(ev["due_at"].as_i64().unwrap(), frt_due);
    assert!(ev["created_at"].as_i64().unwrap() >= frt_due, "never early: {ev}");
    // The administrator hears of it.
    let n = eventually(10, "an SLA notification", || async {
        let v = app.ok(Method::GET, &app.acc("/notifications"), None).await;
        v["data"]["payload"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["notification_type"] == "sla_missed_first_response")
            .cloned()
    })
    .await;
    assert_eq!(n["primary_actor"]["id"], conv, "{n}");

    // A reply, then the customer waits again: the next reply clock starts
    // and runs out.
    say(&app, conv, "Looking into it", "outgoing").await;
    let c = conversation(&app, conv).await;
    assert!(c["applied_sla"]["sla_nrt_due_at"].is_null(), "not waiting: {c}");
    say(&app, conv, "Any news?", "incoming").await;
    let c = conversation(&app, conv).await;
    let nrt_due = c["applied_sla"]["sla_nrt_due_at"].as_i64().expect("a next reply due");
    assert!((nrt_due - c["waiting_since"].as_i64().unwrap() - 2).abs() <= 1, "{c}");
    let c = missed(&app, conv, "nrt").await;
    let nrt = c["sla_events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event_type"] == "nrt")
        .unwrap()
        .clone();
    let msgs = crate::helpers::messages(&app, conv).await;
    let last_incoming = msgs.iter().rev().find(|m| m["message_type"] == 0).unwrap();
    assert_eq!(nrt["meta"]["message_id"], last_incoming["id"], "{nrt}");
    // A clock misses once, however long it runs.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["sla_events"].as_array().unwrap().len(), 2, "{c}");

    // Resolved: the cycle settles as missed.
    set_status(&app, conv, "resolved").await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["applied_sla"]["sla_status"], "missed", "{c}");
    assert!(c["applied_sla"]["sla_completed_at"].as_i64().is_some(), "{c}");
    assert!(c["applied_sla"]["sla_rt_due_at"].is_null(), "{c}");

    // The customer writes again: a new cycle, its misses kept.
    say(&app, conv, "It came broken", "incoming").await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["status"], "open");
    let a = &c["applied_sla"];
    assert_eq!(a["sla_status"], "active_with_misses", "{c}");
    assert!(a["sla_completed_at"].is_null());
    assert!(
        a["sla_rt_due_at"].as_i64().unwrap() >= now_secs() + 3590,
        "from the reopen: {a}"
    );
    assert!(a["sla_nrt_due_at"].as_i64().is_some(), "waiting again: {a}");

    // Another conversation answered in time is a hit.
    let calm = policy(
        &app,
        json!({ "name": "Calm", "first_response_time_threshold": 600, "next_response_time_threshold": 600 }),
    )
    .await;
    let conv2 = app.conversation(inbox, contact).await;
    say(&app, conv2, "Hello", "incoming").await;
    hold(&app, conv2, calm).await;
    say(&app, conv2, "Hi! Done.", "outgoing").await;
    set_status(&app, conv2, "resolved").await;
    let c = conversation(&app, conv2).await;
    assert_eq!(c["applied_sla"]["sla_status"], "hit", "{c}");
    assert_eq!(c["sla_events"], json!([]));

    // The breaches, their metrics and the download.
    let v = app.ok(Method::GET, &app.acc("/applied_slas"), None).await;
    assert_eq!(v["meta"]["count"], 1, "{v}");
    assert_eq!(v["meta"]["current_page"], 1);
    let item = &v["payload"][0];
    assert_eq!(item["conversation"]["id"], conv, "{item}");
    assert_eq!(item["conversation"]["contact"]["name"], "Carla Customer");
    assert_eq!(item["applied_sla"]["sla_name"], "Fast");
    assert_eq!(item["sla_events"].as_array().unwrap().len(), 2);
    let m = app.ok(Method::GET, &app.acc("/applied_slas/metrics"), None).await;
    assert_eq!(
        m,
        json!({ "total_applied_slas": 2, "number_of_sla_misses": 1, "hit_rate": "50%" })
    );
    let m = app
        .ok(
            Method::GET,
            &app.acc(&format!("/applied_slas/metrics?sla_policy_id={calm}")),
            None,
        )
        .await;
    assert_eq!(m["total_applied_slas"], 1);
    assert_eq!(m["hit_rate"], "100%");
    let m = app
        .ok(
            Method::GET,
            &app.acc(&format!("/applied_slas/metrics?since={}", now_secs() + 60)),
            None,
        )
        .await;
    assert_eq!(m["total_applied_slas"], 0);
    let (s, v) = app.get(&app.acc("/applied_slas?inbox_id=abc")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let resp = reqwest::Client::new()
        .get(format!("{}{}", app.base, app.acc("/applied_slas/download")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/csv"));
    let csv = resp.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].starts_with(&format!("{conv},\"Fast\",active_with_misses,frt nrt,")),
        "{csv}"
    );
    app.stop().await;
}
both!(clocks_miss_settle_and_restart);

/// A rule holds new conversations to a policy; one already held keeps its
/// own; the warning comes at 80 % to the assignee.
async fn rules_add_slas_and_warn(app: TestApp) {
    let (inbox, contact, _) = app.setup_conversation(None).await;
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let p = policy(&app, json!({ "name": "Rule", "first_response_time_threshold": 5 })).await;
    let other = policy(&app, json!({ "name": "Other", "first_response_time_threshold": 900 })).await;
    app.ok(
        Method::POST,
        &app.acc("/automation_rules"),
        Some(json!({
            "name": "Hold new ones", "event_name": "conversation_created", "conditions": [],
            "actions": [{ "action_name": "add_sla", "action_params": [p] }],
        })),
    )
    .await;
    let conv = app.conversation(inbox, contact).await;
    let c = eventually(10, "the rule's SLA", || async {
        let c = conversation(&app, conv).await;
        c["applied_sla"].is_object().then_some(c)
    })
    .await;
    assert_eq!(c["sla_policy_id"], p);
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "assignee_id": amy })),
    )
    .await;
    // At 4 s of 5 the assignee is warned; at 5 the miss.
    let n = eventually(20, "an SLA warning", || async {
        let (_, v) = app
            .call(Method::GET, &app.acc("/notifications"), &amy_token, None)
            .await;
        v["data"]["payload"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["notification_type"] == "sla_warning")
            .cloned()
    })
    .await;
    assert_eq!(n["primary_actor"]["id"], conv, "{n}");
    missed(&app, conv, "frt").await;
    // The notification follows the miss (the listener's job).
    eventually(20, "the miss notified to the assignee", || async {
        let (_, v) = app
            .call(Method::GET, &app.acc("/notifications"), &amy_token, None)
            .await;
        v["data"]["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["notification_type"] == "sla_missed_first_response")
            .then_some(())
    })
    .await;

    // Held by hand first: the rule leaves it alone.
    app.ok(
        Method::POST,
        &app.acc("/automation_rules"),
        Some(json!({
            "name": "Again on update", "event_name": "conversation_updated", "conditions": [],
            "actions": [{ "action_name": "add_sla", "action_params": [p] }],
        })),
    )
    .await;
    hold(&app, conv, other).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let c = conversation(&app, conv).await;
    assert_eq!(c["sla_policy_id"], other, "{c}");
    assert_eq!(c["applied_sla"]["sla_name"], "Other");
    // Changing the policy starts its clocks afresh (the old misses go).
    assert_eq!(c["sla_events"], json!([]), "{c}");
    app.stop().await;
}
both!(rules_add_slas_and_warn);

/// Days since the epoch as a civil date (UTC).
fn civil(days: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Business hours: the calendar API and its bad input, Chatwoot's
/// `working_hours` kept in step, and a clock that runs only in them.
async fn business_hours(app: TestApp) {
    let (inbox, contact, _) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/inboxes/{inbox}"));
    for bad in [
        json!({ "business_hours": "9 to 5" }),
        json!({ "business_hours": { "intervals": [{ "day_of_week": 9, "open": "09:00", "close": "10:00" }] } }),
        json!({ "business_hours": { "intervals": [{ "day_of_week": 1, "open": "11:00", "close": "10:00" }] } }),
        json!({ "business_hours": { "intervals": [{ "day_of_week": 1, "open": "25:00", "close": "26:00" }] } }),
        json!({ "business_hours": { "intervals": [
            { "day_of_week": 1, "open": "09:00", "close": "12:00" },
            { "day_of_week": 1, "open": "11:00", "close": "13:00" }
        ] } }),
        json!({ "business_hours": { "holidays": ["next friday"] } }),
        json!({ "timezone": "Mars/Olympus" }),
    ] {
        let (s, v) = app.patch(&path, bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad} -> {v}");
    }
    // Open 10:00-10:30 and 10:45-11:00 UTC every day, but today and
    // tomorrow are holidays.
    let today = now_secs().div_euclid(86_400);
    let mut intervals = Vec::new();
    for d in 0..7 {
        intervals.push(json!({ "day_of_week": d, "open": "10:45", "close": "11:00" }));
        intervals.push(json!({ "day_of_week": d, "open": "10:00", "close": "10:30" }));
    }
    let v = app
        .ok(
            Method::PATCH,
            &path,
            Some(json!({
                "timezone": "UTC", "working_hours_enabled": true,
                "business_hours": { "intervals": intervals, "holidays": [
                    { "date": civil(today), "name": "Founders' day" }, civil(today + 1)
                ] },
            })),
        )
        .await;
    let bh = &v["business_hours"];
    assert_eq!(bh["intervals"].as_array().unwrap().len(), 14, "{bh}");
    assert_eq!(
        bh["intervals"][0],
        json!({ "day_of_week": 0, "open": "10:00", "close": "10:30" })
    );
    assert_eq!(bh["holidays"][0]["name"], "Founders' day");
    // Chatwoot's view of the week: each day's span.
    let wh = &v["working_hours"][3];
    assert_eq!(wh["open_hour"], 10, "{wh}");
    assert_eq!(wh["close_hour"], 11);
    assert_eq!(wh["closed_all_day"], false);

    // 40 business minutes from now: 30 on the day after tomorrow before
    // the break, 10 after it.
    let p = policy(
        &app,
        json!({ "name": "Office", "first_response_time_threshold": 2400, "only_during_business_hours": true }),
    )
    .await;
    let conv = app.conversation(inbox, contact).await;
    let c = hold(&app, conv, p).await;
    let expected = (today + 2) * 86_400 + 10 * 3600 + 55 * 60;
    assert_eq!(c["applied_sla"]["sla_frt_due_at"], expected, "{c}");
    assert_eq!(c["applied_sla"]["sla_only_during_business_hours"], true);

    // A Chatwoot client writing working_hours: one interval a day, the
    // holidays stay.
    let v = app
        .ok(
            Method::PATCH,
            &path,
            Some(json!({ "working_hours": [
                { "day_of_week": 1, "closed_all_day": false, "open_hour": 8, "open_minutes": 0, "close_hour": 12, "close_minutes": 30 },
                { "day_of_week": 2, "closed_all_day": true },
            ] })),
        )
        .await;
    assert_eq!(
        v["business_hours"]["intervals"],
        json!([{ "day_of_week": 1, "open": "08:00", "close": "12:30" }])
    );
    assert_eq!(v["business_hours"]["holidays"].as_array().unwrap().len(), 2);

    // Without working hours the clock runs around the clock.
    app.ok(Method::PATCH, &path, Some(json!({ "working_hours_enabled": false })))
        .await;
    let conv = app.conversation(inbox, contact).await;
    let c = hold(&app, conv, p).await;
    let due = c["applied_sla"]["sla_frt_due_at"].as_i64().unwrap();
    assert!((due - c["created_at"].as_i64().unwrap() - 2400).abs() <= 1, "{c}");
    app.stop().await;
}
both!(business_hours);

/// Many conversations running out at once: every one misses, once, and
/// none before its due time.
async fn many_clocks_at_once(app: TestApp) {
    let (inbox, contact, _) = app.setup_conversation(None).await;
    let p = policy(&app, json!({ "name": "Burst", "first_response_time_threshold": 3 })).await;
    app.ok(
        Method::POST,
        &app.acc("/automation_rules"),
        Some(json!({
            "name": "Hold all", "event_name": "conversation_created", "conditions": [],
            "actions": [{ "action_name": "add_sla", "action_params": [p] }],
        })),
    )
    .await;
    const N: usize = 150;
    let mut convs = Vec::with_capacity(N);
    for _ in 0..N {
        convs.push(app.conversation(inbox, contact).await);
    }
    let rows = eventually(60, "every miss", || async {
        let rows = app
            .sql_rows("SELECT CAST(e.due_at AS TEXT), CAST(e.created_at AS TEXT) FROM sla_events e")
            .await;
        (rows.len() >= N).then_some(rows)
    })
    .await;
    assert_eq!(rows.len(), N, "one miss each");
    for r in &rows {
        let due: i64 = r[0].as_deref().unwrap().parse().unwrap();
        let at: i64 = r[1].as_deref().unwrap().parse().unwrap();
        assert!(at >= due, "a miss before its due time: {due} {at}");
    }
    let m = app.ok(Method::GET, &app.acc("/applied_slas/metrics"), None).await;
    assert_eq!(m["total_applied_slas"], N as i64, "{m}");
    assert_eq!(m["number_of_sla_misses"], N as i64);
    app.stop().await;
}
both!(many_clocks_at_once);
