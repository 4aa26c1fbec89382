//! The dashboard's routing screens: an inbox's Assignment settings and an
//! agent's capacity through the forms, the administrators' live Queue (also
//! on a phone, and hidden from agents) and a conversation's decision log.

use super::*;
use helpers::eventually;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_routing_screens_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Support", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    // Bob answers in Support but is offline (without a dashboard's say:
    // auto_offline off), so what arrives waits, with him passed over.
    let (bob, bob_token) = app.agent("Bob Agent", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": [bob] })),
    )
    .await;
    for (setting, value) in [("auto_offline", json!(false)), ("availability", json!("offline"))] {
        let (s, v) = app
            .call(
                Method::POST,
                &format!("/api/v1/profile/{setting}"),
                &bob_token,
                Some(json!({ "profile": { "account_id": app.account_id, setting: value } })),
            )
            .await;
        assert!(s.is_success(), "{setting}: {v}");
    }
    let mut convs = Vec::new();
    for name in ["Wendy Waiting", "Walt Waiting"] {
        let (contact, _) = app.contact(inbox_id, name).await;
        convs.push(app.conversation(inbox_id, contact).await);
    }
    for &c in &convs {
        eventually(10, "routing to log the conversation as waiting", || {
            let app = &app;
            async move {
                let log = app
                    .ok(Method::GET, &app.acc(&format!("/conversations/{c}/routing")), None)
                    .await;
                log["payload"]
                    .as_array()
                    .and_then(|l| l.first().cloned())
                    .filter(|d| d["outcome"] == "waiting")
            }
        })
        .await;
    }
    let _ = std::fs::remove_file(screenshots_dir().join("queue-phone.png"));
    run_script(
        "dashboard-routing.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("AGENT_EMAIL", "bob@acme.test".into()),
            ("AGENT_PASSWORD", "agent password 1".into()),
            ("AGENT", bob.to_string()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("INBOX", inbox_id.to_string()),
            ("CONVERSATION", convs[0].to_string()),
            ("OTHER_CONVERSATION", convs[1].to_string()),
        ],
        Duration::from_secs(150),
    )
    .await;
    // What the forms saved, as the API reads it.
    let inbox = app
        .ok(Method::GET, &app.acc(&format!("/inboxes/{inbox_id}")), None)
        .await;
    assert_eq!(
        inbox["auto_assignment_config"]["assignment_order"], "balanced",
        "{inbox}"
    );
    assert_eq!(inbox["auto_assignment_config"]["max_assignment_limit"], 2, "{inbox}");
    let queue = app.ok(Method::GET, &app.acc("/routing/queue"), None).await;
    let row = queue["agents"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["id"] == bob)
        .cloned()
        .unwrap();
    assert_eq!(row["capacity"], 3, "{queue}");
    assert!(screenshots_dir().join("queue-phone.png").exists());
    app.stop().await;
}
