//! An agent bot in the website widget: the visitor's conversation starts
//! with the bot, its buttons show in the widget, and the visitor's tap
//! reaches the bot (a fake on loopback) as `message_updated`.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bots_buttons_in_the_widget() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let sink = helpers::Sink::start().await;
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "channel": { "type": "web_widget", "allowed_domains": "127.0.0.1" } })),
        )
        .await;
    let token = inbox["website_token"].as_str().unwrap().to_string();
    let bot = app
        .ok(
            Method::POST,
            &app.acc("/agent_bots"),
            Some(json!({ "name": "Shop bot", "outgoing_url": sink.url })),
        )
        .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/inboxes/{}/set_agent_bot", inbox["id"])),
        Some(json!({ "agent_bot": bot["id"] })),
    )
    .await;
    let page = format!(
        "<!doctype html><html><head><title>Shop</title></head><body><h1>Some shop</h1>\
         <script src=\"{}/widget.js\" data-website-token=\"{token}\" async></script></body></html>",
        app.base
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = axum::Router::new().fallback(move || {
        let page = page.clone();
        async move { axum::response::Html(page) }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    });
    let shot = "widget-bot-buttons.png";
    let _ = std::fs::remove_file(screenshots_dir().join(shot));
    let out = run_script(
        "widget-bot.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("TOKEN", app.token.clone()),
            ("BOT_TOKEN", bot["access_token"].as_str().unwrap().to_string()),
            ("ACCOUNT", app.account_id.to_string()),
            ("PAGE_URL", format!("http://127.0.0.1:{port}/")),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    // Two answers, in whichever order their deliveries arrived.
    let answers: Vec<serde_json::Value> = sink
        .wait_for("message_updated", 2)
        .await
        .iter()
        .map(|r| r.json()["content_attributes"]["submitted_values"].clone())
        .collect();
    assert!(answers.iter().any(|a| a[0]["value"] == "shipping"), "{answers:?}");
    let form = json!([{ "name": "email", "value": "pia@example.com" }, { "name": "order", "value": "42" }]);
    assert!(answers.contains(&form), "{answers:?}");
    let created = sink.events("message_created");
    assert_eq!(created.len(), 1, "the visitor's message, not the bot's own");
    assert_eq!(created[0].json()["content"], "Where is my parcel?");
    assert!(screenshots_dir().join(shot).exists());
    app.stop().await;
}

/// Settings → Bots: a bot added, attached to an inbox, its token shown,
/// and what was sent to it listed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bots_screen_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let sink = helpers::Sink::start().await;
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let shot = "dashboard-bots.png";
    let _ = std::fs::remove_file(screenshots_dir().join(shot));
    let out = run_script(
        "dashboard-bots.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("INBOX", inbox.to_string()),
            ("SINK", sink.url.clone()),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    assert_eq!(sink.events("message_created").len(), 1);
    assert!(screenshots_dir().join(shot).exists());
    app.stop().await;
}
