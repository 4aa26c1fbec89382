//! Tenancy: another account's ids answer 404 on every route; an agent
//! outside an inbox can neither read nor change it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Sink, TestApp};

/// One of everything an account holds, for the tenancy tests to aim at.
struct Fixture {
    note: i64,
    filter: i64,
    import: i64,
    inbox: i64,
    contact: i64,
    conv: i64,
    msg: i64,
    team: i64,
    label: i64,
    canned: i64,
    hook: i64,
}

async fn fixture(app: &TestApp, sink: &Sink) -> Fixture {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    // The webhook first, so the message makes a delivery.
    let hook = app
        .ok(Method::POST, &app.acc("/webhooks"), Some(json!({ "url": sink.url })))
        .await["payload"]["webhook"]["id"]
        .as_i64()
        .unwrap();
    let id = |v: Value| v["id"].as_i64().unwrap();
    let msg = id(app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": "secret" })),
        )
        .await);
    let team = id(app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "a-team" })))
        .await);
    let label = id(app
        .ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": "a-label" })))
        .await);
    let canned = id(app
        .ok(
            Method::POST,
            &app.acc("/canned_responses"),
            Some(json!({ "short_code": "a", "content": "A" })),
        )
        .await);
    let note = id(app
        .ok(
            Method::POST,
            &app.acc(&format!("/contacts/{contact}/notes")),
            Some(json!({ "content": "a secret note" })),
        )
        .await);
    // The administrator's own saved filter and a participant.
    let filter = id(app
        .ok(
            Method::POST,
            &app.acc("/custom_filters"),
            Some(json!({ "custom_filter": { "name": "mine", "filter_type": "conversation", "query": { "payload": [] } } })),
        )
        .await);
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/participants")),
        Some(json!({ "user_ids": [app.admin_id] })),
    )
    .await;
    // A contacts import (its rows are the account's own contact).
    let form = reqwest::multipart::Form::new().part(
        "import_file",
        reqwest::multipart::Part::bytes(b"name,email\nImported,imported@acme.test\n".to_vec()).file_name("c.csv"),
    );
    let r = app
        .client
        .post(format!("{}{}", app.base, app.acc("/contacts/import")))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let import = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    Fixture {
        note,
        filter,
        import,
        inbox,
        contact,
        conv,
        msg,
        team,
        label,
        canned,
        hook,
    }
}

async fn foreign_ids_are_not_found_everywhere(app: TestApp) {
    let sink = Sink::start().await;
    let Fixture {
        inbox,
        contact,
        conv,
        msg,
        team,
        label,
        canned,
        hook,
        ..
    } = fixture(&app, &sink).await;
    let (agent, _) = app.agent("Bob", "bob@acme.test", "agent").await;

    let (other, token) = app.other_account().await;
    let b = |p: &str| format!("/api/v1/accounts/{other}{p}");
    let body = json!({ "name": "x", "content": "x", "status": "resolved", "priority": "high", "assignee_id": agent, "labels": ["x"], "custom_attributes": {"a": 1}, "inbox_id": inbox, "user_ids": [agent], "title": "x", "short_code": "x", "url": "https://example.com/x" });
    let routes: Vec<(Method, String)> = vec![
        (Method::GET, b(&format!("/inboxes/{inbox}"))),
        (Method::PATCH, b(&format!("/inboxes/{inbox}"))),
        (Method::DELETE, b(&format!("/inboxes/{inbox}"))),
        (Method::GET, b(&format!("/inbox_members/{inbox}"))),
        (Method::POST, b(&format!("/inboxes/{inbox}/sync_templates"))),
        (Method::POST, b("/inbox_members")),
        (Method::PATCH, b("/inbox_members")),
        (Method::GET, b(&format!("/contacts/{contact}"))),
        (Method::PUT, b(&format!("/contacts/{contact}"))),
        (Method::PATCH, b(&format!("/contacts/{contact}"))),
        (Method::DELETE, b(&format!("/contacts/{contact}"))),
        (Method::GET, b(&format!("/contacts/{contact}/conversations"))),
        (Method::GET, b(&format!("/contacts/{contact}/contactable_inboxes"))),
        (Method::POST, b(&format!("/contacts/{contact}/contact_inboxes"))),
        (Method::GET, b(&format!("/contacts/{contact}/labels"))),
        (Method::POST, b(&format!("/contacts/{contact}/labels"))),
        (
            Method::POST,
            b(&format!("/contacts/{contact}/destroy_custom_attributes")),
        ),
        (Method::GET, b(&format!("/conversations/{conv}"))),
        (Method::PATCH, b(&format!("/conversations/{conv}"))),
        (Method::POST, b(&format!("/conversations/{conv}/toggle_status"))),
        (Method::POST, b(&format!("/conversations/{conv}/toggle_priority"))),
        (Method::POST, b(&format!("/conversations/{conv}/assignments"))),
        (Method::GET, b(&format!("/conversations/{conv}/labels"))),
        (Method::POST, b(&format!("/conversations/{conv}/labels"))),
        (Method::POST, b(&format!("/conversations/{conv}/custom_attributes"))),
        (Method::POST, b(&format!("/conversations/{conv}/update_last_seen"))),
        (Method::POST, b(&format!("/conversations/{conv}/unread"))),
        (Method::GET, b(&format!("/conversations/{conv}/messages"))),
        (Method::POST, b(&format!("/conversations/{conv}/messages"))),
        (Method::PATCH, b(&format!("/conversations/{conv}/messages/{msg}"))),
        (Method::DELETE, b(&format!("/conversations/{conv}/messages/{msg}"))),
        (Method::POST, b(&format!("/conversations/{conv}/messages/{msg}/retry"))),
        (Method::GET, b(&format!("/teams/{team}"))),
        (Method::PATCH, b(&format!("/teams/{team}"))),
        (Method::DELETE, b(&format!("/teams/{team}"))),
        (Method::GET, b(&format!("/teams/{team}/team_members"))),
        (Method::POST, b(&format!("/teams/{team}/team_members"))),
        (Method::GET, b(&format!("/labels/{label}"))),
        (Method::PATCH, b(&format!("/labels/{label}"))),
        (Method::DELETE, b(&format!("/labels/{label}"))),
        (Method::PATCH, b(&format!("/canned_responses/{canned}"))),
        (Method::DELETE, b(&format!("/canned_responses/{canned}"))),
        (Method::PATCH, b(&format!("/webhooks/{hook}"))),
        (Method::DELETE, b(&format!("/webhooks/{hook}"))),
        (Method::GET, b(&format!("/webhooks/{hook}/deliveries"))),
        (Method::PATCH, b(&format!("/agents/{agent}"))),
        (Method::DELETE, b(&format!("/agents/{agent}"))),
    ];
    for (m, path) in &routes {
        let (s, v) = app.call(m.clone(), path, &token, Some(body.clone())).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path} -> {v}");
        assert_eq!(v["error"], "Resource could not be found", "{m} {path}");
    }
    // Creating in B with A's inbox or contact is refused too.
    let (s, _) = app
        .call(
            Method::POST,
            &b("/conversations"),
            &token,
            Some(json!({ "inbox_id": inbox, "contact_id": contact })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .call(
            Method::POST,
            &b("/contacts"),
            &token,
            Some(json!({ "name": "x", "inbox_id": inbox })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // B's lists show nothing of A.
    let list = app
        .call(Method::GET, &b("/conversations?status=all"), &token, None)
        .await
        .1;
    assert_eq!(list["data"]["payload"], json!([]));
    let list = app.call(Method::GET, &b("/contacts"), &token, None).await.1;
    assert_eq!(list["payload"], json!([]));
    // A's account path with B's token: not a member.
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/conversations/{conv}")), &token, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // And nothing of A changed.
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(c["status"], "open");
    assert_eq!(c["priority"], Value::Null);
    let m = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}/messages")), None)
        .await;
    assert!(
        m["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|x| x["content"] == "secret")
    );
    app.stop().await;
}
both!(foreign_ids_are_not_found_everywhere);

async fn agents_only_reach_their_inboxes(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let other_inbox = app.api_inbox("Bob's inbox", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": other_inbox, "user_ids": [bob] })),
    )
    .await;
    let bob_conv = app.conversation(other_inbox, contact).await;
    let denied: Vec<(Method, String, Value)> = vec![
        (Method::GET, app.acc(&format!("/conversations/{conv}")), json!({})),
        (
            Method::GET,
            app.acc(&format!("/conversations/{conv}/messages")),
            json!({}),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/messages")),
            json!({ "content": "x" }),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/toggle_status")),
            json!({ "status": "resolved" }),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/assignments")),
            json!({ "assignee_id": bob }),
        ),
        (
            Method::POST,
            app.acc(&format!("/conversations/{conv}/labels")),
            json!({ "labels": ["x"] }),
        ),
        (Method::GET, app.acc(&format!("/inboxes/{inbox}")), json!({})),
        (Method::GET, app.acc(&format!("/inbox_members/{inbox}")), json!({})),
        (
            Method::POST,
            app.acc("/conversations"),
            json!({ "inbox_id": inbox, "contact_id": contact }),
        ),
    ];
    for (m, path, body) in denied {
        let (s, v) = app.call(m.clone(), &path, &bob_token, Some(body)).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {path} -> {v}");
    }
    let list = app
        .call(Method::GET, &app.acc("/conversations"), &bob_token, None)
        .await
        .1;
    let ids: Vec<i64> = list["data"]["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![bob_conv]);
    assert_eq!(list["data"]["meta"]["all_count"], 1);
    let contact_convs = app
        .call(
            Method::GET,
            &app.acc(&format!("/contacts/{contact}/conversations")),
            &bob_token,
            None,
        )
        .await
        .1;
    assert_eq!(contact_convs["payload"].as_array().unwrap().len(), 1);
    // In his own inbox he works normally.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{bob_conv}/messages")),
            &bob_token,
            Some(json!({ "content": "on it" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{bob_conv}/toggle_status")),
            &bob_token,
            Some(json!({ "status": "resolved" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.stop().await;
}
both!(agents_only_reach_their_inboxes);

/// Every path of the Application API's account scope, generated from the
/// router (`switchboard_http::api::account_paths`), with every method it
/// answers: another account's administrator and an agent outside the inbox
/// get no 2xx where they have no business, and nothing of the account
/// changes. A new route is attacked here the day it is added.
async fn every_account_route_is_scoped(app: TestApp) {
    let sink = Sink::start().await;
    let Fixture {
        note,
        filter,
        import,
        inbox,
        contact,
        conv,
        msg,
        team,
        label,
        canned,
        hook,
    } = fixture(&app, &sink).await;
    let delivery = crate::helpers::eventually(10, "a webhook delivery", || async {
        let log = app
            .ok(Method::GET, &app.acc(&format!("/webhooks/{hook}/deliveries")), None)
            .await;
        log["payload"]
            .as_array()
            .and_then(|a| a.first())
            .and_then(|d| d["id"].as_i64())
    })
    .await;
    let attr = app
        .ok(
            Method::POST,
            &app.acc("/custom_attribute_definitions"),
            Some(json!({ "attribute_display_name": "Tier", "attribute_key": "tier", "attribute_model": 1 })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // Bob is an agent of the account, in no inbox.
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    // A notification of the administrator's (notifications are each user's own).
    let notification = {
        let mut tx = app.core().store.write().await.unwrap();
        let c = tx.get_conversation(app.account_id, conv).await.unwrap().unwrap();
        let admin = tx.find_user_by_email("alice@acme.test").await.unwrap().unwrap();
        let rows = tx
            .insert_notifications(
                &[switchboard_store::NewNotification {
                    account_id: app.account_id,
                    user_id: admin.id,
                    notification_type: 1,
                    primary_actor_id: c.id,
                    secondary_actor_id: None,
                    source_event: 0,
                }],
                1,
            )
            .await
            .unwrap();
        tx.commit().await.unwrap();
        rows[0].id
    };
    let invitation = app
        .ok(
            Method::POST,
            &app.acc("/agents"),
            Some(json!({ "name": "Ivy", "email": "ivy@acme.test" })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    // Routing policies: one attached to the inbox, one limiting Bob there.
    let apol = app
        .ok(
            Method::POST,
            &app.acc("/assignment_policies"),
            Some(json!({ "assignment_policy": { "name": "Fair" } })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/assignment_policies/{apol}/inboxes")),
        Some(json!({ "inbox_id": inbox })),
    )
    .await;
    let cpol = app
        .ok(
            Method::POST,
            &app.acc("/agent_capacity_policies"),
            Some(json!({ "agent_capacity_policy": { "name": "Juniors" } })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let limit = app
        .ok(
            Method::POST,
            &app.acc(&format!("/agent_capacity_policies/{cpol}/inbox_limits")),
            Some(json!({ "inbox_id": inbox, "conversation_limit": 3 })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/agent_capacity_policies/{cpol}/users")),
        Some(json!({ "user_id": bob })),
    )
    .await;
    let rule = app
        .ok(
            Method::POST,
            &app.acc("/automation_rules"),
            Some(json!({
                "name": "Tag refunds", "event_name": "message_created",
                "conditions": [{ "attribute_key": "content", "filter_operator": "contains", "values": ["refund"] }],
                "actions": [{ "action_name": "add_label", "action_params": ["refund"] }],
            })),
        )
        .await["payload"]["id"]
        .as_i64()
        .unwrap();
    let macro_id = app
        .ok(
            Method::POST,
            &app.acc("/macros"),
            Some(json!({
                "name": "Close as billing", "visibility": "global",
                "actions": [{ "action_name": "add_label", "action_params": ["billing"] }, { "action_name": "resolve_conversation" }],
            })),
        )
        .await["payload"]["id"]
        .as_i64()
        .unwrap();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Greeter", "outgoing_url": "https://bot.example/hook" })),
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
    let sla = app
        .ok(
            Method::POST,
            &app.acc("/sla_policies"),
            Some(json!({ "name": "Gold", "first_response_time_threshold": 3600, "resolution_time_threshold": 86400 })),
        )
        .await["payload"]["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/conversations/{conv}")),
        Some(json!({ "sla_policy_id": sla })),
    )
    .await;
    let (other, olga) = app.other_account().await;

    // What must not change, read by the account's administrator.
    let snapshot = || async {
        let mut out = Vec::new();
        for p in [
            String::new(),
            format!("/conversations/{conv}"),
            format!("/conversations/{conv}/messages"),
            format!("/conversations/{conv}/labels"),
            format!("/conversations/{conv}/participants"),
            "/custom_filters".to_string(),
            format!("/inboxes/{inbox}"),
            format!("/inbox_members/{inbox}"),
            "/agents".to_string(),
            "/invitations".to_string(),
            "/teams".to_string(),
            format!("/teams/{team}/team_members"),
            "/labels".to_string(),
            // (Canned responses are every agent's to keep: not a witness.)
            "/webhooks".to_string(),
            "/custom_attribute_definitions".to_string(),
            "/assignment_policies".to_string(),
            format!("/assignment_policies/{apol}/inboxes"),
            format!("/inboxes/{inbox}/assignment_policy"),
            "/agent_capacity_policies".to_string(),
            format!("/agent_capacity_policies/{cpol}/users"),
            "/automation_rules".to_string(),
            format!("/automation_rules/{rule}"),
            format!("/automation_rules/{rule}/deliveries"),
            "/macros".to_string(),
            format!("/macros/{macro_id}"),
            "/agent_bots".to_string(),
            format!("/agent_bots/{bot}"),
            format!("/agent_bots/{bot}/deliveries"),
            format!("/inboxes/{inbox}/agent_bot"),
            "/sla_policies".to_string(),
            format!("/sla_policies/{sla}"),
            "/applied_slas/metrics".to_string(),
            "/csat_survey_responses".to_string(),
            "/csat_survey_responses/metrics".to_string(),
        ] {
            let mut v = app.ok(Method::GET, &app.acc(&p), None).await;
            // Read marks and presence move with reads, not with changes.
            if let Some(o) = v.as_object_mut() {
                o.remove("agent_last_seen_at");
                o.remove("assignee_last_seen_at");
                o.remove("unread_count");
            }
            out.push((p, v));
        }
        out
    };
    let before = snapshot().await;

    let paths = switchboard_http::api::account_paths();
    assert!(paths.len() > 40, "the router lists its paths: {paths:?}");
    let missing = crate::helpers::with_missing_ids;
    // Agents may keep contacts: the agent's pass edits another contact, so
    // the conversation's own contact stays a witness for the foreign pass.
    let (dora, _) = app.contact(inbox, "Dora Other").await;
    let fill_with = |path: &str, contact: i64| -> String {
        if path == "/" {
            return String::new();
        }
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let id = match first {
            "inboxes" | "inbox_members" => inbox,
            "contacts" => contact,
            "conversations" => conv,
            "teams" => team,
            "labels" => label,
            "canned_responses" => canned,
            "webhooks" => hook,
            "agents" | "routing" => bob,
            "invitations" => invitation,
            "custom_filters" => filter,
            "notifications" => notification,
            "custom_attribute_definitions" => attr,
            "assignment_policies" => apol,
            "agent_capacity_policies" => cpol,
            "automation_rules" => rule,
            "macros" => macro_id,
            "agent_bots" => bot,
            "sla_policies" => sla,
            _ if !path.contains("{id}") => 0,
            other => panic!("the test does not know which id {other}/{{id}} takes: add it here"),
        };
        path.replace("{id}", &id.to_string())
            .replace("{message_id}", &msg.to_string())
            .replace("{delivery_id}", &delivery.to_string())
            .replace("{note_id}", &note.to_string())
            .replace("{import_id}", &import.to_string())
            .replace("{inbox_id}", &inbox.to_string())
            .replace("{user_id}", &bob.to_string())
            .replace("{limit_id}", &limit.to_string())
    };
    let fill = |path: &str| fill_with(path, contact);
    let body = json!({
        "name": "x", "content": "x", "status": "resolved", "priority": "high",
        "assignee_id": bob, "team_id": team, "labels": ["x"], "custom_attributes": { "a": 1 },
        "inbox_id": inbox, "contact_id": contact, "user_ids": [bob], "title": "x",
        "short_code": "x", "url": "https://example.com/x", "role": "administrator",
        "email": "x@x.test", "message_type": "incoming", "source_id": "x",
    });
    let methods = [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE];
    // What an agent in no inbox may do (Chatwoot lets every agent read the
    // account's people, teams, labels and canned responses, keep contacts,
    // and list what they may see); anything else answering 2xx fails.
    let agent_may: &[(&str, &str)] = &[
        ("GET", "/"),
        ("GET", "/agents"),
        ("GET", "/inboxes"),
        ("GET", "/contacts"),
        ("POST", "/contacts"),
        ("GET", "/contacts/search"),
        ("GET", "/contacts/{id}"),
        ("PUT", "/contacts/{id}"),
        ("PATCH", "/contacts/{id}"),
        ("GET", "/contacts/{id}/conversations"),
        ("GET", "/contacts/{id}/notes"),
        ("POST", "/contacts/{id}/notes"),
        ("GET", "/contacts/{id}/labels"),
        ("POST", "/contacts/{id}/labels"),
        ("POST", "/contacts/{id}/destroy_custom_attributes"),
        ("POST", "/contacts/filter"),
        ("GET", "/contacts/active"),
        ("GET", "/contacts/{id}/contactable_inboxes"),
        ("GET", "/conversations"),
        ("GET", "/conversations/meta"),
        ("GET", "/conversations/search"),
        ("POST", "/conversations/filter"),
        ("GET", "/teams"),
        ("GET", "/teams/{id}"),
        ("GET", "/teams/{id}/team_members"),
        ("GET", "/search"),
        ("GET", "/search/conversations"),
        ("GET", "/search/messages"),
        ("GET", "/search/contacts"),
        ("GET", "/labels"),
        ("GET", "/labels/{id}"),
        ("GET", "/canned_responses"),
        ("POST", "/canned_responses"),
        ("PATCH", "/canned_responses/{id}"),
        ("PUT", "/canned_responses/{id}"),
        ("DELETE", "/canned_responses/{id}"),
        // Saved filters are each user's own (another's answers 404).
        ("GET", "/custom_filters"),
        ("POST", "/custom_filters"),
        ("GET", "/custom_filters/{id}"),
        ("PATCH", "/custom_filters/{id}"),
        ("PUT", "/custom_filters/{id}"),
        ("DELETE", "/custom_filters/{id}"),
        ("GET", "/custom_attribute_definitions"),
        ("GET", "/custom_attribute_definitions/{id}"),
        // Notifications and their settings are each user's own (another's
        // notification answers 404).
        ("GET", "/notifications"),
        ("GET", "/notifications/unread_count"),
        ("POST", "/notifications/read_all"),
        ("POST", "/notifications/destroy_all"),
        ("GET", "/notification_settings"),
        ("PATCH", "/notification_settings"),
        ("PUT", "/notification_settings"),
        // Global macros are every member's to see (and run where they may).
        ("GET", "/macros"),
        ("GET", "/macros/{id}"),
        // Agents see which policies there are (a conversation names one).
        ("GET", "/sla_policies"),
        ("GET", "/sla_policies/{id}"),
    ];
    let mut routed = 0;
    let mut failures = Vec::new();
    for path in &paths {
        let filled = fill(path);
        for m in &methods {
            // Another account's administrator, on this account's paths.
            let (s, v) = app.call(m.clone(), &app.acc(&filled), &olga, Some(body.clone())).await;
            if s == StatusCode::METHOD_NOT_ALLOWED {
                continue;
            }
            routed += 1;
            if s != StatusCode::UNAUTHORIZED {
                failures.push(format!("foreign admin {m} {path}: {s} {v}"));
            }
            // The same administrator on their own account's paths with this
            // account's ids: answered exactly as ids that exist nowhere
            // (paths without ids are theirs).
            if path.contains('{') {
                let (s, v) = app
                    .call(
                        m.clone(),
                        &format!("/api/v1/accounts/{other}{filled}"),
                        &olga,
                        Some(body.clone()),
                    )
                    .await;
                let (s2, v2) = app
                    .call(
                        m.clone(),
                        &format!("/api/v1/accounts/{other}{}", missing(path)),
                        &olga,
                        Some(body.clone()),
                    )
                    .await;
                if s.is_success() || (s, &v) != (s2, &v2) {
                    failures.push(format!("foreign ids {m} {path}: {s} {v} (a missing id: {s2} {v2})"));
                }
            } else if *m != Method::GET {
                let _ = app
                    .call(
                        m.clone(),
                        &format!("/api/v1/accounts/{other}{filled}"),
                        &olga,
                        Some(body.clone()),
                    )
                    .await;
            }
            // An agent of this account outside the inbox.
            let (s, v) = app
                .call(
                    m.clone(),
                    &app.acc(&fill_with(path, dora)),
                    &bob_token,
                    Some(body.clone()),
                )
                .await;
            let allowed = agent_may.iter().any(|(am, ap)| *am == m.as_str() && ap == path);
            if s.is_success() && !allowed {
                failures.push(format!("agent outside the inbox {m} {path}: {s} {v}"));
            }
        }
    }
    assert!(routed > 60, "every method was tried: {routed}");
    assert!(failures.is_empty(), "unscoped routes:\n{}", failures.join("\n"));
    let after = snapshot().await;
    for ((p, a), (_, b)) in before.iter().zip(after.iter()) {
        assert_eq!(a, b, "{p} changed");
    }
    // The contact (agents may keep contacts) kept its conversation.
    let convs = app
        .ok(
            Method::GET,
            &app.acc(&format!("/contacts/{contact}/conversations")),
            None,
        )
        .await;
    assert_eq!(convs["payload"].as_array().unwrap().len(), 1);
    app.stop().await;
}
both!(every_account_route_is_scoped);

/// Browser push subscriptions (`/api/v1/notification_subscriptions`) are
/// each person's own, outside any account: an agent keeps theirs; neither
/// their account's administrator nor another account's sees or removes it.
async fn push_subscriptions_are_each_persons_own(app: TestApp) {
    const PATH: &str = "/api/v1/notification_subscriptions";
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (_, olga) = app.other_account().await;
    let endpoint = "http://127.0.0.1:9/wpush/bob";
    // RFC 8291's example keys: a valid P-256 point and a 16-octet secret.
    let body = json!({ "notification_subscription": {
        "subscription_type": "browser_push",
        "subscription_attributes": {
            "endpoint": endpoint,
            "p256dh": "BCVxsr7N_eNgVRqvHtD0zTZsEc6-VV-JvLexhqUzORcxaOzi6-AYWXvTBHm4bjyPjs7Vd8pZGH6SRpkNtoIAiw4",
            "auth": "BTBZMqHH6r4Tts7J_aSIgg",
        }
    }});
    // An agent may subscribe, list and unsubscribe their own browsers.
    let (s, v) = app.call(Method::POST, PATH, &bob_token, Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["user_id"], bob);
    let count = |token: String| {
        let app = &app;
        async move {
            let (s, v) = app.call(Method::GET, PATH, &token, None).await;
            assert_eq!(s, StatusCode::OK, "{v}");
            v["payload"].as_array().unwrap().len()
        }
    };
    assert_eq!(count(bob_token.clone()).await, 1);
    for other in [app.token.clone(), olga.clone()] {
        assert_eq!(count(other.clone()).await, 0, "another person's subscription listed");
        let (s, _) = app
            .call(Method::DELETE, PATH, &other, Some(json!({ "push_token": endpoint })))
            .await;
        assert_eq!(s, StatusCode::OK, "an unknown endpoint is no error");
        assert_eq!(count(bob_token.clone()).await, 1, "another person removed it");
    }
    // The same endpoint subscribed by someone else is their own row.
    let (s, v) = app.call(Method::POST, PATH, &olga, Some(body)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_ne!(v["user_id"], bob);
    assert_eq!(count(bob_token.clone()).await, 1);
    let (s, _) = app
        .call(
            Method::DELETE,
            PATH,
            &bob_token,
            Some(json!({ "push_token": endpoint })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(count(bob_token).await, 0);
    assert_eq!(count(olga).await, 1);
    app.stop().await;
}
both!(push_subscriptions_are_each_persons_own);
