//! SLA in the dashboard: the badge on a conversation counting its clock
//! down and turning red when missed, Settings → SLA (a policy, the
//! breaches), an inbox's business-hours calendar, the account's
//! auto-resolve, and a customer's answer on the public survey page shown
//! in Settings → Satisfaction.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sla_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla").await;
    let conv = app.conversation(inbox, contact).await;
    let quick = app
        .ok(
            Method::POST,
            &app.acc("/sla_policies"),
            Some(json!({ "name": "Quick", "first_response_time_threshold": 12, "resolution_time_threshold": 3600 })),
        )
        .await["payload"]["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/conversations/{conv}")),
        Some(json!({ "sla_policy_id": quick })),
    )
    .await;
    // A conversation resolved in an inbox that surveys: its survey page.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "csat_survey_enabled": true })),
    )
    .await;
    let (dan, _) = app.contact(inbox, "Dan").await;
    let rated = app.conversation(inbox, dan).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{rated}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let uuid = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{rated}")), None)
        .await["uuid"]
        .as_str()
        .unwrap()
        .to_string();
    let shot = "dashboard-sla.png";
    let _ = std::fs::remove_file(screenshots_dir().join(shot));
    let out = run_script(
        "dashboard-sla.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("INBOX", inbox.to_string()),
            ("CONVERSATION", conv.to_string()),
            ("RATED", rated.to_string()),
            ("SURVEY", uuid),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    assert!(screenshots_dir().join(shot).exists());
    app.stop().await;
}
