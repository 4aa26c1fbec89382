//! Chatwoot's v4 routing policies: assignment policies attached to inboxes
//! and agent capacity policies with per-inbox limits, in Chatwoot's shapes,
//! and what they change in routing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;
use crate::routing::{assignee, decisions, new_conversation, ready_agent, routing_idle, settled};

async fn policy(app: &TestApp, body: Value) -> Value {
    app.ok(Method::POST, &app.acc("/assignment_policies"), Some(body)).await
}

/// The API: shapes, validation, attaching inboxes both ways, who may.
async fn assignment_policies_api(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let p = policy(
        &app,
        json!({ "assignment_policy": {
            "name": "  Even load ", "description": "Least loaded first",
            "assignment_order": "balanced", "conversation_priority": "longest_waiting",
            "fair_distribution_limit": "5", "fair_distribution_window": 600
        }}),
    )
    .await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["name"], "Even load");
    assert_eq!(p["description"], "Least loaded first");
    assert_eq!(p["assignment_order"], "balanced");
    assert_eq!(p["conversation_priority"], "longest_waiting");
    assert_eq!(p["fair_distribution_limit"], 5);
    assert_eq!(p["fair_distribution_window"], 600);
    assert_eq!(p["enabled"], true);
    assert_eq!(p["assigned_inbox_count"], 0);
    assert!(p["created_at"].as_i64().unwrap() > 1_600_000_000, "{p}");
    // Chatwoot's defaults.
    let d = policy(&app, json!({ "name": "Defaults" })).await;
    assert_eq!(d["assignment_order"], "round_robin");
    assert_eq!(d["conversation_priority"], "earliest_created");
    assert_eq!(d["fair_distribution_limit"], 100);
    assert_eq!(d["fair_distribution_window"], 3600);
    // Bad input: 422 naming the field, nothing written.
    for (body, field) in [
        (json!({ "assignment_policy": { "description": "no name" } }), "name"),
        (json!({ "name": "   " }), "name"),
        (json!({ "name": "Even load" }), "name"),
        (json!({ "name": "x", "assignment_order": "random" }), "assignment_order"),
        (
            json!({ "name": "x", "conversation_priority": 3 }),
            "conversation_priority",
        ),
        (
            json!({ "name": "x", "fair_distribution_limit": 0 }),
            "fair_distribution_limit",
        ),
        (
            json!({ "name": "x", "fair_distribution_window": "soon" }),
            "fair_distribution_window",
        ),
        (json!({ "name": "x", "enabled": "perhaps" }), "enabled"),
        (json!({ "name": ["x"] }), "name"),
        (json!({ "name": "y".repeat(256) }), "name"),
        (json!({ "name": "x", "description": "d".repeat(2001) }), "description"),
    ] {
        let (s, v) = app.post(&app.acc("/assignment_policies"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert!(v.to_string().contains(field), "{body}: {v}");
    }
    let list = app.ok(Method::GET, &app.acc("/assignment_policies"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    // Update: a form-style boolean, the rest kept.
    let u = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/assignment_policies/{id}")),
            Some(json!({ "assignment_policy": { "enabled": "false" } })),
        )
        .await;
    assert_eq!(u["enabled"], false);
    assert_eq!(u["assignment_order"], "balanced");
    // Attach through the policy, then read it from the inbox's side.
    let link = app
        .ok(
            Method::POST,
            &app.acc(&format!("/assignment_policies/{id}/inboxes")),
            Some(json!({ "inbox_id": inbox.to_string() })),
        )
        .await;
    assert_eq!(link["inbox_id"], inbox);
    assert_eq!(link["assignment_policy_id"], id);
    let of_inbox = app
        .ok(
            Method::GET,
            &app.acc(&format!("/inboxes/{inbox}/assignment_policy")),
            None,
        )
        .await;
    assert_eq!(of_inbox["id"], id);
    assert_eq!(of_inbox["assigned_inbox_count"], 1);
    let inboxes = app
        .ok(
            Method::GET,
            &app.acc(&format!("/assignment_policies/{id}/inboxes")),
            None,
        )
        .await;
    assert_eq!(inboxes["inboxes"][0]["id"], inbox);
    // Attaching another policy through the inbox replaces the first.
    let other = d["id"].as_i64().unwrap();
    let now = app
        .ok(
            Method::POST,
            &app.acc(&format!("/inboxes/{inbox}/assignment_policy")),
            Some(json!({ "assignment_policy_id": other })),
        )
        .await;
    assert_eq!(now["id"], other);
    let first = app
        .ok(Method::GET, &app.acc(&format!("/assignment_policies/{id}")), None)
        .await;
    assert_eq!(first["assigned_inbox_count"], 0);
    // Detaching through the wrong policy: 404; through the right one: gone.
    let (s, _) = app
        .delete(&app.acc(&format!("/assignment_policies/{id}/inboxes/{inbox}")))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .delete(&app.acc(&format!("/assignment_policies/{other}/inboxes/{inbox}")))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&app.acc(&format!("/inboxes/{inbox}/assignment_policy"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Unknown inbox or policy ids: 404.
    let (s, _) = app
        .post(
            &app.acc(&format!("/assignment_policies/{id}/inboxes")),
            json!({ "inbox_id": 999_999 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(
            &app.acc(&format!("/inboxes/{inbox}/assignment_policy")),
            json!({ "assignment_policy_id": 999_999 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .post(&app.acc(&format!("/assignment_policies/{id}/inboxes")), json!({}))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Agents may not read or change policies.
    let (_, token) = app.agent("Ann", "ann@policies.test", "agent").await;
    for (m, path) in [
        (Method::GET, "/assignment_policies".to_string()),
        (Method::GET, format!("/assignment_policies/{id}")),
        (Method::POST, "/assignment_policies".to_string()),
        (Method::GET, "/agent_capacity_policies".to_string()),
    ] {
        let (s, _) = app
            .call(m.clone(), &app.acc(&path), &token, Some(json!({ "name": "z" })))
            .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}");
    }
    // Deleting a policy detaches its inboxes.
    app.ok(
        Method::POST,
        &app.acc(&format!("/assignment_policies/{id}/inboxes")),
        Some(json!({ "inbox_id": inbox })),
    )
    .await;
    let (s, _) = app.delete(&app.acc(&format!("/assignment_policies/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&app.acc(&format!("/inboxes/{inbox}/assignment_policy"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.get(&app.acc(&format!("/assignment_policies/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(assignment_policies_api);

/// Capacity policies: shapes, limits, agents, validation.
async fn capacity_policies_api(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let p = app
        .ok(
            Method::POST,
            &app.acc("/agent_capacity_policies"),
            Some(json!({ "agent_capacity_policy": {
                "name": "Juniors", "description": "New starters",
                "exclusion_rules": { "excluded_labels": ["vip"], "exclude_older_than_hours": "24" }
            }})),
        )
        .await;
    let id = p["id"].as_i64().unwrap();
    assert_eq!(p["name"], "Juniors");
    assert_eq!(p["account_id"], app.account_id);
    assert_eq!(
        p["exclusion_rules"],
        json!({ "excluded_labels": ["vip"], "exclude_older_than_hours": 24 })
    );
    assert_eq!(p["assigned_agent_count"], 0);
    assert_eq!(p["inbox_capacity_limits"], json!([]));
    for body in [
        json!({ "agent_capacity_policy": { "description": "no name" } }),
        json!({ "name": "x", "exclusion_rules": { "excluded_labels": "vip" } }),
        json!({ "name": "x", "exclusion_rules": { "exclude_older_than_hours": -1 } }),
        json!({ "name": "x", "exclusion_rules": { "something": 1 } }),
        json!({ "name": "x", "exclusion_rules": "none" }),
        json!({ "name": "z".repeat(256) }),
        json!({ "name": "x", "exclusion_rules": { "excluded_labels": vec!["l"; 101] } }),
        json!({ "name": "x", "exclusion_rules": { "excluded_labels": [1] } }),
    ] {
        let (s, v) = app.post(&app.acc("/agent_capacity_policies"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    // An inbox limit.
    let path = app.acc(&format!("/agent_capacity_policies/{id}/inbox_limits"));
    let l = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "inbox_id": inbox, "conversation_limit": "2" })),
        )
        .await;
    assert_eq!(l["inbox_id"], inbox);
    assert_eq!(l["agent_capacity_policy_id"], id);
    assert_eq!(l["conversation_limit"], 2);
    let limit = l["id"].as_i64().unwrap();
    let (s, _) = app
        .post(&path, json!({ "inbox_id": inbox, "conversation_limit": 4 }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "one limit per inbox");
    for body in [
        json!({ "inbox_id": inbox }),
        json!({ "inbox_id": inbox, "conversation_limit": -1 }),
        json!({ "inbox_id": inbox, "conversation_limit": "many" }),
        json!({ "conversation_limit": 1 }),
    ] {
        let (s, v) = app.post(&path, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    let (s, _) = app
        .post(&path, json!({ "inbox_id": 999_999, "conversation_limit": 1 }))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let u = app
        .ok(
            Method::PUT,
            &app.acc(&format!("/agent_capacity_policies/{id}/inbox_limits/{limit}")),
            Some(json!({ "conversation_limit": 1 })),
        )
        .await;
    assert_eq!(u["conversation_limit"], 1);
    // Agents on the policy.
    let (ann, _) = app.agent("Ann", "ann@capacity.test", "agent").await;
    let a = app
        .ok(
            Method::POST,
            &app.acc(&format!("/agent_capacity_policies/{id}/users")),
            Some(json!({ "user_id": ann })),
        )
        .await;
    assert_eq!(a["id"], ann);
    let users = app
        .ok(
            Method::GET,
            &app.acc(&format!("/agent_capacity_policies/{id}/users")),
            None,
        )
        .await;
    assert_eq!(users.as_array().unwrap().len(), 1);
    assert_eq!(users[0]["id"], ann);
    let shown = app
        .ok(Method::GET, &app.acc(&format!("/agent_capacity_policies/{id}")), None)
        .await;
    assert_eq!(shown["assigned_agent_count"], 1);
    assert_eq!(
        shown["inbox_capacity_limits"],
        json!([{ "id": limit, "inbox_id": inbox, "conversation_limit": 1 }])
    );
    let (s, _) = app
        .post(
            &app.acc(&format!("/agent_capacity_policies/{id}/users")),
            json!({ "user_id": 999_999 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A user of another account is no agent here.
    let (other, other_token) = app.other_account().await;
    let stranger = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/agents"),
            &other_token,
            None,
        )
        .await
        .1[0]["id"]
        .as_i64()
        .unwrap();
    let (s, _) = app
        .post(
            &app.acc(&format!("/agent_capacity_policies/{id}/users")),
            json!({ "user_id": stranger }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app
        .delete(&app.acc(&format!("/agent_capacity_policies/{id}/users/{ann}")))
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .delete(&app.acc(&format!("/agent_capacity_policies/{id}/users/{ann}")))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "no longer on it");
    let (s, _) = app
        .delete(&app.acc(&format!("/agent_capacity_policies/{id}/inbox_limits/{limit}")))
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    let (s, _) = app.delete(&app.acc(&format!("/agent_capacity_policies/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&app.acc(&format!("/agent_capacity_policies/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(capacity_policies_api);

/// What the policies change: an inbox's limit for agents on a capacity
/// policy, and an attached assignment policy's fair distribution, which
/// stops counting once the policy is disabled.
async fn policies_steer_routing(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (ann, _) = ready_agent(&app, "Ann", inbox).await;
    let (ben, _) = ready_agent(&app, "Ben", inbox).await;
    // Ann holds at most one conversation in this inbox.
    let cpol = app
        .ok(
            Method::POST,
            &app.acc("/agent_capacity_policies"),
            Some(json!({ "name": "One at a time" })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/agent_capacity_policies/{cpol}/inbox_limits")),
        Some(json!({ "inbox_id": inbox, "conversation_limit": 1 })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/agent_capacity_policies/{cpol}/users")),
        Some(json!({ "user_id": ann })),
    )
    .await;
    let mut convs = Vec::new();
    for i in 0..4 {
        convs.push(new_conversation(&app, inbox, &format!("Customer {i}")).await);
    }
    let got = settled(&app, &convs).await;
    assert_eq!(got.iter().filter(|a| **a == Some(ann)).count(), 1, "{got:?}");
    assert_eq!(got.iter().filter(|a| **a == Some(ben)).count(), 3, "{got:?}");
    let skipped_ann = {
        let mut found = false;
        for c in &convs {
            if assignee(&app, *c).await == Some(ben) {
                found |= decisions(&app, *c).await.iter().any(|d| {
                    d["skipped"]
                        .as_array()
                        .is_some_and(|s| s.iter().any(|s| s["agent_id"] == ann && s["reason"] == "at_capacity"))
                });
            }
        }
        found
    };
    assert!(skipped_ann, "a decision says Ann was at capacity");

    // A second inbox: only Ann, under a policy of one conversation per hour.
    let quiet = app.api_inbox("Quiet", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": quiet, "user_ids": [ann] })),
    )
    .await;
    let pol = policy(&app, json!({ "name": "Trickle", "fair_distribution_limit": 1 })).await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{quiet}/assignment_policy")),
        Some(json!({ "assignment_policy_id": pol })),
    )
    .await;
    // Ann's routed count this hour is already 1 (the first inbox): the
    // policy's fairness cap keeps the next one waiting.
    let q = new_conversation(&app, quiet, "Quiet customer").await;
    assert_eq!(settled(&app, &[q]).await, vec![None]);
    let waiting = decisions(&app, q).await;
    assert!(
        waiting[0]["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["agent_id"] == ann && s["reason"] == "fair_share"),
        "{waiting:?}"
    );
    // Disabled, the policy no longer applies: the inbox's own settings do.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/assignment_policies/{pol}")),
        Some(json!({ "enabled": false })),
    )
    .await;
    let now = crate::helpers::eventually(10, "the quiet conversation to reach Ann", || async {
        assignee(&app, q).await
    })
    .await;
    assert_eq!(now, ann);
    routing_idle(&app).await;
    app.stop().await;
}
both!(policies_steer_routing);

/// A capacity policy's exclusion rules: a labelled or old conversation
/// does not count toward its limit.
async fn capacity_exclusions(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (ann, _) = ready_agent(&app, "Ann", inbox).await;
    let cpol = app
        .ok(
            Method::POST,
            &app.acc("/agent_capacity_policies"),
            Some(json!({ "name": "VIPs apart", "exclusion_rules": {
                "excluded_labels": ["vip"], "exclude_older_than_hours": 1
            }})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/agent_capacity_policies/{cpol}/inbox_limits")),
        Some(json!({ "inbox_id": inbox, "conversation_limit": 1 })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/agent_capacity_policies/{cpol}/users")),
        Some(json!({ "user_id": ann })),
    )
    .await;
    let first = new_conversation(&app, inbox, "First").await;
    assert_eq!(settled(&app, &[first]).await, vec![Some(ann)]);
    // Labelled vip, the first no longer counts: Ann gets the second.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{first}/labels")),
        Some(json!({ "labels": ["vip"] })),
    )
    .await;
    let second = new_conversation(&app, inbox, "Second").await;
    assert_eq!(settled(&app, &[second]).await, vec![Some(ann)]);
    // The second counts: the third waits, Ann at capacity.
    let third = new_conversation(&app, inbox, "Third").await;
    assert_eq!(settled(&app, &[third]).await, vec![None]);
    let d = decisions(&app, third).await;
    assert!(
        d[0]["skipped"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["agent_id"] == ann && s["reason"] == "at_capacity"),
        "{d:?}"
    );
    // Two hours old, the second stops counting too.
    app.sql_rows(&format!(
        "UPDATE conversations SET created_at = created_at - 7200000000 WHERE account_id = {} AND display_id = {second}",
        app.account_id
    ))
    .await;
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/agent_capacity_policies/{cpol}")),
        Some(json!({ "description": "Old ones apart too" })),
    )
    .await;
    let now = crate::helpers::eventually(10, "the third to reach Ann", || async { assignee(&app, third).await }).await;
    assert_eq!(now, ann);
    routing_idle(&app).await;
    app.stop().await;
}
both!(capacity_exclusions);
