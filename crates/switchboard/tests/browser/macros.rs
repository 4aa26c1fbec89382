//! Macros in the dashboard: saved on the Macros page by an agent, run from
//! the command palette, the conversation's More menu and the list's bulk
//! selection, each run done as the agent.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn macros_in_a_real_browser() {
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
    let (amy, _) = app.agent("Amy Agent", "amy@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    let mut convs = Vec::new();
    for name in ["Carla", "Dan", "Eve"] {
        let (contact, _) = app.contact(inbox, name).await;
        convs.push(app.conversation(inbox, contact).await);
    }
    app.ok(
        Method::POST,
        &app.acc("/macros"),
        Some(json!({
            "name": "Close politely", "visibility": "global",
            "actions": [
                { "action_name": "add_private_note", "action_params": ["Closed by macro"] },
                { "action_name": "resolve_conversation" },
            ],
        })),
    )
    .await;
    let shot = "dashboard-macros.png";
    let _ = std::fs::remove_file(screenshots_dir().join(shot));
    let out = run_script(
        "dashboard-macros.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "amy@acme.test".into()),
            ("PASSWORD", "agent password 1".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("AGENT_ID", amy.to_string()),
            (
                "CONVERSATIONS",
                convs.iter().map(|c| c.to_string()).collect::<Vec<_>>().join(","),
            ),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    assert!(screenshots_dir().join(shot).exists());
    app.stop().await;
}
