//! Settings → Automation: a rule built with two groups of conditions and
//! two actions, stored as the API reads it, tried on a conversation with
//! the dry run, switched off and on; a rule the server switched off for
//! failing shows its reason.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rule_builder_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let (_, _, conv) = app.setup_conversation(None).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "I want a refund", "message_type": "incoming" })),
    )
    .await;
    // A rule switched off by the server after failing (as five failed runs
    // leave it).
    let old = app
        .ok(
            Method::POST,
            &app.acc("/automation_rules"),
            Some(json!({
                "name": "Old CRM", "event_name": "conversation_created",
                "actions": [{ "action_name": "resolve_conversation" }],
            })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    app.sql_rows(&format!(
        "UPDATE automation_rules SET active = FALSE, failures = 5, last_failure = 'x', \
         disabled_reason = 'the agent left' WHERE id = {old}"
    ))
    .await;
    let shot = "dashboard-automation.png";
    let _ = std::fs::remove_file(screenshots_dir().join(shot));
    let out = run_script(
        "dashboard-automation.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONVERSATION", conv.to_string()),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    let r = app
        .ok(Method::GET, &app.acc(&format!("/automation_rules/{old}")), None)
        .await;
    assert_eq!(r["payload"]["active"], true, "switched on in the browser: {r}");
    assert_eq!(r["payload"]["failures"], 0, "{r}");
    assert!(screenshots_dir().join(shot).exists());
    app.stop().await;
}
