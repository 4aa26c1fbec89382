//! The website widget and the agents' dashboard in headless Chromium
//! (Debian's chromium, driven by playwright-core from tests/browser), each
//! script against a server started here on port 0 and seeded through the
//! API. Screenshots land in target/screenshots.

#[path = "api/cable_client.rs"]
#[allow(dead_code)]
mod cable_client;
#[path = "api/fake_http.rs"]
#[allow(dead_code)]
mod fake_http;
#[path = "api/fake_telegram.rs"]
#[allow(dead_code)]
mod fake_telegram;
#[path = "api/fake_whatsapp.rs"]
#[allow(dead_code)]
mod fake_whatsapp;
#[path = "api/helpers.rs"]
#[allow(dead_code)]
mod helpers;
#[path = "api/mail_servers.rs"]
#[allow(dead_code)]
mod mail_servers;

use std::path::PathBuf;
use std::time::Duration;

use helpers::{Db, TestApp};
use reqwest::Method;
use serde_json::json;

fn browser_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/browser")
}

/// Chromium and playwright-core, or a skip (a failure under CI).
fn tools() -> Option<PathBuf> {
    let chromium = PathBuf::from(std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()));
    let driver = browser_dir().join("node_modules/playwright-core");
    if chromium.exists() && driver.exists() {
        return Some(chromium);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!(
            "CI=true but {} or {} is missing: browser tests must run in CI",
            chromium.display(),
            driver.display()
        );
    }
    eprintln!("Chromium or playwright-core missing; skipping the browser test (run npm ci in tests/browser)");
    None
}

fn screenshots_dir() -> PathBuf {
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    shots
}

/// At most two browsers at a time: the tests run in parallel, and more
/// Chromiums than cores turn the scripts' waits into timeouts.
static BROWSERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// Runs one script of tests/browser with Chromium, the screenshot folder and
/// `vars` in its environment; fails the test unless it ends with `{"ok":true}`.
async fn run_script(script: &str, chromium: &std::path::Path, vars: &[(&str, String)], limit: Duration) -> String {
    let _turn = BROWSERS.acquire().await.expect("the semaphore is never closed");
    let mut cmd = tokio::process::Command::new("node");
    cmd.arg(browser_dir().join(script))
        .env("SHOTS", screenshots_dir())
        .env("CHROMIUM", chromium)
        .kill_on_drop(true);
    for (k, v) in vars {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(limit, cmd.output())
        .await
        .expect("browser run timed out")
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("\"ok\":true"), "{stdout}");
    stdout.into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "csat_survey_enabled": true, "channel": { "type": "web_widget", "widget_color": "#7b2cbf", "welcome_title": "Hello!", "welcome_tagline": "Ask us anything", "allowed_domains": "127.0.0.1" } })),
        )
        .await;
    let token = inbox["website_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox["id"], "user_ids": [app.admin_id] })),
    )
    .await;
    let prechat = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop desk", "channel": { "type": "web_widget", "pre_chat_form_enabled": true, "allowed_domains": "127.0.0.1" } })),
        )
        .await;
    let prechat_token = prechat["website_token"].as_str().unwrap().to_string();
    // The host site: another origin (another port), allowed by address, refused by name.
    let page = format!(
        "<!doctype html><html><head><title>Shop</title><style>body{{font:16px serif;background:#fafafa}} .launcher{{display:none}}</style></head>\
         <body><h1>Some shop</h1><p>Its own styles must not reach the widget.</p>\
         <script src=\"{}/widget.js\" data-website-token=\"{token}\" async></script></body></html>",
        app.base
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let prechat_page = page.replace(&token, &prechat_token);
    let site = axum::Router::new()
        .route(
            "/prechat",
            axum::routing::get(move || async move { axum::response::Html(prechat_page) }),
        )
        .fallback(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        });
    tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    });
    // The agent listens on /cable meanwhile.
    let mut agent = cable_client::Cable::connect(&app).await;
    assert_eq!(
        agent
            .subscribe(&cable_client::agent_identifier(&app, &app.token).await)
            .await,
        "confirm"
    );

    run_script(
        "widget.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("PAGE_URL", format!("http://127.0.0.1:{port}/")),
            ("BLOCKED_URL", format!("http://localhost:{port}/")),
            ("PRECHAT_URL", format!("http://127.0.0.1:{port}/prechat")),
        ],
        Duration::from_secs(180),
    )
    .await;
    let shots = screenshots_dir();

    // What the agent's socket saw: the visitor's message, attachment and typing.
    agent.events(Duration::from_millis(500)).await;
    let seen = &agent.seen;
    assert!(
        seen.iter()
            .any(|(e, d)| e == "message.created" && d["content"] == "Hello from the widget"),
        "{seen:?}"
    );
    assert!(
        seen.iter()
            .any(|(e, d)| e == "message.created" && d["attachments"][0]["file_type"] == "image")
    );
    assert!(
        seen.iter()
            .any(|(e, d)| e == "conversation.typing_on" && d["user"]["type"] == "contact"),
        "visitor typing reached the agent"
    );
    for shot in [
        "widget-closed.png",
        "widget-conversation.png",
        "widget-after-reload.png",
        "widget-fullscreen.png",
    ] {
        assert!(shots.join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// A website inbox (`channel` holds the widget's fields, `settings` the
/// inbox's) with the admin and `agents` as members; its website token.
async fn widget_inbox(
    app: &TestApp,
    name: &str,
    channel: serde_json::Value,
    settings: serde_json::Value,
    agents: &[i64],
) -> String {
    let mut body = json!({ "name": name, "channel": channel });
    body["channel"]["type"] = json!("web_widget");
    body["channel"]["allowed_domains"] = json!("127.0.0.1");
    for (k, v) in settings.as_object().into_iter().flatten() {
        body[k] = v.clone();
    }
    let inbox = app.ok(Method::POST, &app.acc("/inboxes"), Some(body)).await;
    let mut members = vec![app.admin_id];
    members.extend_from_slice(agents);
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox["id"], "user_ids": members })),
    )
    .await;
    inbox["website_token"].as_str().unwrap().to_string()
}

/// A visitor's day with the widget (widget-day.mjs): the welcome card, the
/// pre-chat form with errors on its fields, the greeting before the
/// visitor's first message, agents' names, pictures and times, "Anna is
/// typing…", the unread preview on the closed bubble, text that contrasts
/// with the brand colour, the snippet's position, launcher title and dark
/// mode, and day separators in a thread over three days.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_widget_through_a_customers_day() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let (anna, anna_token) = app.agent("Anna", "anna@acme.test", "agent").await;
    let greeting =
        json!({ "greeting_enabled": true, "greeting_message": "Welcome! An agent will be with you shortly." });
    // The default colour (#1f93ff), a greeting and the pre-chat form.
    let desk = widget_inbox(
        &app,
        "Help desk",
        json!({ "welcome_title": "Hi there", "welcome_tagline": "We help with orders and returns", "pre_chat_form_enabled": true }),
        greeting.clone(),
        &[anna],
    )
    .await;
    // A dark brand colour and a greeting, no form.
    let quick = widget_inbox(
        &app,
        "Quick help",
        json!({ "widget_color": "#7b2cbf", "welcome_title": "Quick help" }),
        greeting,
        &[anna],
    )
    .await;
    // A visitor whose conversation runs over three days.
    let archive = widget_inbox(
        &app,
        "Archive",
        json!({ "welcome_title": "Archive" }),
        json!({}),
        &[anna],
    )
    .await;
    let http = reqwest::Client::new();
    let config: serde_json::Value = http
        .post(format!("{}/api/v1/widget/config?website_token={archive}", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let visitor = config["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let started: serde_json::Value = http
        .post(format!(
            "{}/api/v1/widget/conversations?website_token={archive}",
            app.base
        ))
        .header("X-Auth-Token", &visitor)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let display_id = started["id"].as_i64().unwrap();
    {
        let mut tx = app.core().store.write().await.unwrap();
        let c = tx.get_conversation(app.account_id, display_id).await.unwrap().unwrap();
        let day = 86_400_000_000i64;
        let now = switchboard_domain::time::now_micros();
        for (content, ago, incoming) in [
            ("Where is my parcel?", 2 * day, true),
            ("It left the warehouse", day, false),
        ] {
            tx.insert_message(&switchboard_store::NewMessage {
                account_id: app.account_id,
                inbox_id: c.inbox_id,
                conversation_id: c.id,
                message_type: if incoming {
                    switchboard_domain::MessageType::Incoming
                } else {
                    switchboard_domain::MessageType::Outgoing
                },
                content: Some(content.into()),
                content_type: switchboard_domain::ContentType::Text,
                content_attributes: json!({}),
                additional_attributes: json!({}),
                private: false,
                status: switchboard_domain::MessageStatus::Sent,
                source_id: None,
                echo_id: None,
                sender_type: Some(if incoming { "Contact" } else { "User" }.into()),
                sender_id: Some(if incoming { c.contact_id } else { anna }),
                created_at: now - ago,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    let (status, _) = app
        .call(
            Method::POST,
            &app.acc(&format!("/conversations/{display_id}/messages")),
            &anna_token,
            Some(json!({ "content": "It arrives today" })),
        )
        .await;
    assert!(status.is_success(), "{status}");

    let page = |token: &str, attrs: &str| {
        format!(
            "<!doctype html><html><head><title>Shop</title></head><body><h1>Some shop</h1>\
             <script src=\"{}/widget.js\" data-website-token=\"{token}\"{attrs} async></script></body></html>",
            app.base
        )
    };
    let desk_page = page(&desk, "");
    let quick_page = page(
        &quick,
        " data-position=\"left\" data-launcher-title=\"Chat with us\" data-dark-mode=\"dark\"",
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = axum::Router::new()
        .route(
            "/quick",
            axum::routing::get(move || async move { axum::response::Html(quick_page) }),
        )
        .fallback(move || {
            let page = desk_page.clone();
            async move { axum::response::Html(page) }
        });
    tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    });

    run_script(
        "widget-day.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("TOKEN", app.token.clone()),
            ("AGENT_TOKEN", anna_token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("DESK_URL", format!("http://127.0.0.1:{port}/")),
            ("QUICK_URL", format!("http://127.0.0.1:{port}/quick")),
            (
                "HISTORY_URL",
                format!("{}/widget?website_token={archive}&cw_conversation={visitor}", app.base),
            ),
        ],
        Duration::from_secs(180),
    )
    .await;
    let shots = screenshots_dir();
    for shot in [
        "widget-home.png",
        "widget-desktop.png",
        "widget-phone.png",
        "widget-dark-left.png",
    ] {
        assert!(shots.join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// Chatwoot's embed code, exactly as Chatwoot gives it but for BASE_URL and
/// the website token.
const CHATWOOT_SNIPPET: &str = r#"<script>
  (function(d,t) {
    var BASE_URL="https://app.chatwoot.com";
    var g=d.createElement(t),s=d.getElementsByTagName(t)[0];
    g.src=BASE_URL+"/packs/js/sdk.js";
    g.defer = true;
    g.async = true;
    s.parentNode.insertBefore(g,s);
    g.onload=function(){
      window.chatwootSDK.run({
        websiteToken: 'TOKEN',
        baseUrl: BASE_URL
      })
    }
  })(document,"script");
</script>"#;

/// A site that embeds Chatwoot's snippet pointed at Switchboard: the SDK's
/// events, $chatwoot's methods, a verified contact, the conversation both
/// ways, the popout page, and chatwootSettings.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chatwoots_snippet_in_a_real_browser() {
    use hmac::{Hmac, Mac};
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Shop", "channel": { "type": "web_widget", "widget_color": "#0a7d55", "welcome_title": "Hello!", "allowed_domains": "127.0.0.1" } })),
        )
        .await;
    let website_token = inbox["website_token"].as_str().unwrap().to_string();
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox["id"], "user_ids": [app.admin_id] })),
    )
    .await;
    app.ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": "vip" })))
        .await;
    let ident = "shop-user-1001";
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(inbox["hmac_token"].as_str().unwrap().as_bytes()).unwrap();
    mac.update(ident.as_bytes());
    let ident_hash = hex::encode(mac.finalize().into_bytes());

    // The host site: another origin. Its pages record Chatwoot's window events.
    let snippet = CHATWOOT_SNIPPET
        .replace("https://app.chatwoot.com", &app.base)
        .replace("'TOKEN'", &format!("'{website_token}'"));
    let recorder = "<script>window.__events = [];\
        ['ready','on-message','on-start-conversation','opened','closed','error','on-unread-message-count-changed']\
        .forEach(function (n) { window.addEventListener('chatwoot:' + n, function (e) { window.__events.push({ name: n, detail: e.detail }); }); });</script>";
    let page = format!(
        "<!doctype html><html><head><title>Shop</title></head><body><h1>Some shop</h1>{recorder}{snippet}</body></html>"
    );
    let left_page = format!(
        "<!doctype html><html><head><title>Shop</title></head><body><h1>Left shop</h1>{recorder}\
         <script>window.chatwootSettings = {{ position: 'left', type: 'expanded_bubble', launcherTitle: 'Talk to us', showPopoutButton: true }};</script>{snippet}</body></html>"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let site = axum::Router::new()
        .route(
            "/left",
            axum::routing::get(move || async move { axum::response::Html(left_page) }),
        )
        .fallback(move || {
            let page = page.clone();
            async move { axum::response::Html(page) }
        });
    tokio::spawn(async move {
        let _ = axum::serve(listener, site).await;
    });
    let mut agent = cable_client::Cable::connect(&app).await;
    assert_eq!(
        agent
            .subscribe(&cable_client::agent_identifier(&app, &app.token).await)
            .await,
        "confirm"
    );

    run_script(
        "chatwoot-sdk.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("WEBSITE_TOKEN", website_token.clone()),
            ("IDENT", ident.to_string()),
            ("IDENT_HASH", ident_hash),
            ("PAGE_URL", format!("http://127.0.0.1:{port}/")),
            ("LEFT_URL", format!("http://127.0.0.1:{port}/left")),
        ],
        Duration::from_secs(180),
    )
    .await;

    // The agent's socket got the visitor's messages, from the site and the popout.
    agent.events(Duration::from_millis(500)).await;
    for content in ["Hello from Chatwoot's snippet", "Writing from the popout"] {
        assert!(
            agent
                .seen
                .iter()
                .any(|(e, d)| e == "message.created" && d["content"] == content && d["message_type"] == 0),
            "{content}: {:?}",
            agent.seen
        );
    }
    let shots = screenshots_dir();
    for shot in [
        "chatwoot-sdk-closed.png",
        "chatwoot-sdk-open.png",
        "chatwoot-sdk-popout.png",
        "chatwoot-sdk-left.png",
    ] {
        assert!(shots.join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// The dashboard: sign-in through the cookie session, the list, a thread
/// whose hostile text stays text, CSRF on writes, sign-out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Orders", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let (contact_id, _) = app.contact(inbox_id, "Dana Visitor").await;
    let conv = app.conversation(inbox_id, contact_id).await;
    let (bob, _) = app.agent("Bob Agent", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": [app.admin_id, bob] })),
    )
    .await;
    for (code, content) in [
        ("thanks", "Thank you for waiting!"),
        ("hello", "Hello, how can we help?"),
    ] {
        app.ok(
            Method::POST,
            &app.acc("/canned_responses"),
            Some(json!({ "short_code": code, "content": content })),
        )
        .await;
    }
    // Two days of history before today's messages (written through the
    // store: the API stamps messages with the present).
    {
        let mut tx = app.core().store.write().await.unwrap();
        let c = tx.get_conversation(app.account_id, conv).await.unwrap().unwrap();
        let day = 86_400_000_000i64;
        let now = switchboard_domain::time::now_micros();
        for (content, ago) in [("Ordered on Monday", 2 * day), ("Still waiting", day)] {
            tx.insert_message(&switchboard_store::NewMessage {
                account_id: app.account_id,
                inbox_id,
                conversation_id: c.id,
                message_type: switchboard_domain::MessageType::Incoming,
                content: Some(content.into()),
                content_type: switchboard_domain::ContentType::Text,
                content_attributes: json!({}),
                additional_attributes: json!({}),
                private: false,
                status: switchboard_domain::MessageStatus::Sent,
                source_id: None,
                echo_id: None,
                sender_type: Some("Contact".into()),
                sender_id: Some(contact_id),
                created_at: now - ago,
            })
            .await
            .unwrap();
        }
        tx.commit().await.unwrap();
    }
    for content in [
        "Where is my order?",
        "<img src=x onerror=\"window.__owned=1\"> [link](javascript:window.__owned=1)",
        "**Order 1042** is _late_, see [tracking](https://track.example/1042) or `ERR-7`; [bad](javascript:alert(1)) [data](data:text/html,x)",
    ] {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": content, "message_type": "incoming" })),
        )
        .await;
    }

    run_script(
        "dashboard.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("CONTACT", "Dana Visitor".into()),
            ("CONVERSATION", conv.to_string()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("INBOX", inbox_id.to_string()),
            ("SECOND_EMAIL", "bob@acme.test".into()),
            (
                "INBOX_IDENTIFIER",
                inbox["inbox_identifier"].as_str().unwrap().to_string(),
            ),
            ("SECOND_PASSWORD", "agent password 1".into()),
        ],
        Duration::from_secs(120),
    )
    .await;
    let shots = screenshots_dir();
    // The profile write made from the page with the CSRF header landed.
    let me = app.ok(Method::GET, "/api/v1/profile", None).await;
    assert_eq!(me["display_name"], "Ally");
    for shot in ["dashboard-sign-in.png", "dashboard-conversation.png"] {
        assert!(shots.join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// An account with 10,000 open conversations: the dashboard renders its first
/// page without loading the rest and pages by cursor as the list scrolls.
/// Prints the time to first render and the requests made (figures for
/// BENCHMARKS.md, not assertions on time).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_with_ten_thousand_conversations() {
    const TOTAL: i64 = 10_000;
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Bulk", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let (contact_id, source_id) = app.contact(inbox_id, "Many Times").await;
    // Seeded in one transaction through the store: 10,000 API calls would
    // only measure the seeding.
    let contact_inbox_id = {
        let mut tx = app.core().store.read().await.unwrap();
        tx.find_contact_inbox(inbox_id, &source_id).await.unwrap().unwrap().id
    };
    let mut tx = app.core().store.write().await.unwrap();
    let now = switchboard_domain::time::now_micros();
    for i in 0..TOTAL {
        let display_id = tx.next_display_id(app.account_id).await.unwrap();
        tx.insert_conversation(&switchboard_store::Conversation {
            id: 0,
            account_id: app.account_id,
            inbox_id,
            display_id,
            uuid: uuid::Uuid::new_v4().to_string(),
            status: 0,
            priority: None,
            assignee_id: None,
            assignee_agent_bot_id: None,
            team_id: None,
            contact_id,
            contact_inbox_id,
            muted: false,
            additional_attributes: json!({}),
            custom_attributes: json!({}),
            snoozed_until: None,
            waiting_since: None,
            first_reply_created_at: None,
            last_activity_at: now - i * 1_000_000,
            agent_last_seen_at: None,
            assignee_last_seen_at: None,
            contact_last_seen_at: None,
            created_at: now - i * 1_000_000,
            updated_at: now,
        })
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    // One long thread, newest of all: 45 messages, more than two pages.
    let long = app.conversation(inbox_id, contact_id).await;
    for i in 1..=45 {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{long}/messages")),
            Some(json!({ "content": format!("Line {i}"), "message_type": "incoming" })),
        )
        .await;
    }

    let out = run_script(
        "dashboard-scale.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOTAL", (TOTAL + 1).to_string()),
            ("LONG", long.to_string()),
        ],
        Duration::from_secs(120),
    )
    .await;
    // The figure: shown with --nocapture and kept beside the screenshots.
    let figure = out
        .lines()
        .find(|l| l.starts_with("figure:"))
        .expect("the script reports its figure")
        .to_string();
    println!("{figure}");
    std::fs::write(screenshots_dir().join("dashboard-scale.txt"), format!("{figure}\n")).unwrap();
    app.stop().await;
}

/// Settings, section by section: inboxes (loading, failed and empty lists;
/// "New inbox" step by step for a website with the live widget preview, API,
/// Telegram and WhatsApp; editing with the preview and the launcher's side,
/// identity verification, working hours, members, the snippet), agents
/// (create, promote, remove), teams and members, labels with colours, canned
/// responses, webhooks (delivery log with its loading, failure and dates,
/// re-send, edit, delete), and the dark theme.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_settings_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let telegram = fake_telegram::FakeTelegram::start().await;
    let whatsapp = fake_whatsapp::FakeWhatsApp::start().await;
    let (tg_url, wa_url) = (telegram.url.clone(), whatsapp.url.clone());
    let Some(app) = TestApp::spawn_with(Db::Sqlite, move |o| {
        o.telegram_api_url = Some(tg_url);
        o.whatsapp_api_url = Some(wa_url);
    })
    .await
    else {
        return;
    };
    let sink = helpers::Sink::start().await;
    let (_, _, conv) = app.setup_conversation(None).await;
    // Olga administers another account on the same installation; she is
    // invited from the page and accepts from her own dashboard.
    app.other_account().await;
    // One screenshot per section, besides the webhooks page and the dark theme;
    // old ones are removed so that each run must write its own.
    let shots = [
        "dashboard-settings.png",
        "dashboard-dark.png",
        "dashboard-settings-inbox.png",
        "dashboard-settings-agents.png",
        "dashboard-settings-teams.png",
        "dashboard-settings-labels.png",
        "dashboard-settings-canned.png",
        "dashboard-invitation.png",
        "dashboard-invitations-notice.png",
        "settings-desktop.png",
        "settings-new-inbox.png",
    ];
    for shot in shots {
        let _ = std::fs::remove_file(screenshots_dir().join(shot));
    }
    let out = run_script(
        "dashboard-settings.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONVERSATION", conv.to_string()),
            ("SINK", sink.url.clone()),
            ("OTHER_EMAIL", "olga@other.test".into()),
            ("OTHER_PASSWORD", "other password 1".into()),
            ("TG_TOKEN", "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1".into()),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    // WhatsApp received the template the composer sent, with its values.
    let template = whatsapp
        .calls_to("/messages")
        .into_iter()
        .find(|c| c.json["type"] == "template")
        .expect("a template message reached WhatsApp");
    assert_eq!(template.json["template"]["name"], "order_shipped");
    assert_eq!(
        template.json["template"]["components"][0]["parameters"][0]["text"],
        "Kerry"
    );
    assert_eq!(
        template.json["template"]["components"][0]["parameters"][1]["text"],
        "1042"
    );
    assert_eq!(template.json["to"], "16315551181");
    // The receiver got the message and, after the re-send, got it again
    // under a new delivery id.
    let got = sink.wait_for("message_created", 2).await;
    let ids: std::collections::HashSet<_> = got
        .iter()
        .filter_map(|r| r.header("x-chatwoot-delivery").map(str::to_string))
        .collect();
    assert!(ids.len() >= 2, "re-send uses a new delivery id: {ids:?}");
    for shot in shots {
        assert!(screenshots_dir().join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// The profile page (name, avatar, password, API token, language, theme)
/// and the contacts pages (list, search, a contact with its conversations).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_profile_and_contacts_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let (_, contact, conv) = app.setup_conversation(None).await;
    // The seeded contact gets what the list shows (only contacts with an
    // e-mail, phone or identifier are listed), and 20 more make two pages.
    app.ok(
        Method::PUT,
        &app.acc(&format!("/contacts/{contact}")),
        Some(json!({
            "email": "carla@customer.test",
            "phone_number": "+4915112345678",
            "additional_attributes": { "company_name": "Customer GmbH", "city": "Berlin" },
            "custom_attributes": { "plan": "gold" },
        })),
    )
    .await;
    for i in 1..=20 {
        app.ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({ "name": format!("Filler {i:02}"), "email": format!("filler{i}@example.test") })),
        )
        .await;
    }
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Where is my parcel?", "message_type": "incoming" })),
    )
    .await;

    run_script(
        "dashboard-pages.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONVERSATION", conv.to_string()),
            ("CONTACT_ID", contact.to_string()),
            ("CONTACT_NAME", "Carla Customer".into()),
            ("CONTACTS", "21".into()),
        ],
        Duration::from_secs(120),
    )
    .await;

    // What the pages wrote, read back with the token issued by the reset.
    let (status, _) = app.get("/api/v1/profile").await;
    assert_eq!(status, reqwest::StatusCode::UNAUTHORIZED, "the old token was revoked");
    let token = app.core().access_token_of(app.admin_id).await.unwrap();
    assert_ne!(token, app.token);
    let (status, me) = app.call(Method::GET, "/api/v1/profile", &token, None).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(me["name"], "Alice Cooper");
    assert_eq!(me["availability_status"], "busy");
    assert!(me["avatar_url"].as_str().unwrap().contains("/avatars/"), "{me}");
    let (_, carla) = app
        .call(Method::GET, &app.acc(&format!("/contacts/{contact}")), &token, None)
        .await;
    assert_eq!(carla["payload"]["email"], "carla@newmail.test");
    let (_, labels) = app
        .call(
            Method::GET,
            &app.acc(&format!("/contacts/{contact}/labels")),
            &token,
            None,
        )
        .await;
    assert_eq!(labels["payload"], json!(["vip"]));
    // The new password signs in; the old one no longer does.
    for (password, expected) in [("a much newer secret", 200), ("correct horse battery", 401)] {
        let r = app
            .client
            .post(format!("{}/auth/sign_in", app.base))
            .json(&json!({ "email": "alice@acme.test", "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected, "sign-in with {password}");
    }
    for shot in ["dashboard-profile.png", "dashboard-contacts.png"] {
        assert!(screenshots_dir().join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// The conversation tools: folders and sorts, priority / team / label
/// pickers, the contact panel, attachments, reply quotes, delivery marks,
/// deleted messages, search, the panel toggle and tabs kept in step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_conversation_tools_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    // The Orders inbox delivers replies to a receiver here, which records them.
    let platform = helpers::Sink::start().await;
    let orders = app.api_inbox("Orders", Some(&platform.url)).await["id"]
        .as_i64()
        .unwrap();
    let billing = app.api_inbox("Billing", None).await["id"].as_i64().unwrap();
    let me = app.ok(Method::GET, "/api/v1/profile", None).await["id"]
        .as_i64()
        .unwrap();
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "Tier 2" })))
        .await["id"]
        .as_i64()
        .unwrap();
    app.ok(
        Method::POST,
        &app.acc(&format!("/teams/{team}/team_members")),
        Some(json!({ "user_ids": [me] })),
    )
    .await;
    for (title, color) in [("vip", "#D92D20"), ("refund", "#2456D3")] {
        app.ok(
            Method::POST,
            &app.acc("/labels"),
            Some(json!({ "title": title, "color": color, "show_on_sidebar": true })),
        )
        .await;
    }
    let (maria, _) = app.contact(orders, "Maria Lopez").await;
    let old = app.conversation(orders, maria).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{old}/messages")),
        Some(json!({ "content": "An older question", "message_type": "incoming" })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{old}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
    let a = app.conversation(orders, maria).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{a}/messages")),
        Some(json!({ "content": "My parcel ZX-42 is late", "message_type": "incoming" })),
    )
    .await;
    let (boris, _) = app.contact(billing, "Boris Buyer").await;
    let b = app.conversation(billing, boris).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{b}/messages")),
        Some(json!({ "content": "Invoice question about March", "message_type": "incoming" })),
    )
    .await;
    run_script(
        "dashboard-tools.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONV_A", a.to_string()),
            ("CONV_B", b.to_string()),
            ("CONV_OLD", old.to_string()),
            ("CONTACT_B", boris.to_string()),
        ],
        Duration::from_secs(150),
    )
    .await;
    assert!(screenshots_dir().join("dashboard-tools.png").exists());
    // The platform got the retried reply a second time.
    let bounced: Vec<_> = platform
        .events("message_created")
        .into_iter()
        .filter(|r| r.json()["content"] == "This one bounces")
        .collect();
    assert_eq!(bounced.len(), 2, "sent, then sent again by Retry");
    app.stop().await;
}

/// The e-mail channel against real mail servers: the inbox made in
/// Settings, a customer's mail read from its mailbox and shown with its
/// subject, the whole mail behind a toggle, and a reply with a Cc that
/// reaches both mailboxes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_email_channel_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(servers) = mail_servers::mail_servers() else {
        return;
    };
    let domain = format!("b{}.test", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let d = domain.clone();
    let Some(app) = TestApp::spawn_with(Db::Sqlite, move |o| {
        o.mail_inbound_domain = Some(d);
        o.imap_poll_seconds = Some(1);
    })
    .await
    else {
        return;
    };
    let support = format!("inbox@{domain}");
    let customer = format!("ivan@{domain}");
    let cc = format!("boss@{domain}");
    let first: lettre::Message = lettre::Message::builder()
        .from(format!("Ivan Petrov <{customer}>").parse().unwrap())
        .to(support.parse().unwrap())
        .subject("Parcel 42")
        .body(
            "Where is my parcel?\r\n\r\nOn Sat, Support wrote:\r\n> It is on its way\r\n\r\n-- \r\nIvan Petrov, Moscow\r\n"
                .to_string(),
        )
        .unwrap();
    mail_servers::send(servers, first).await;
    let _ = std::fs::remove_file(screenshots_dir().join("dashboard-email.png"));
    let out = run_script(
        "dashboard-email.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("SUPPORT", support.clone()),
            ("CUSTOMER", customer.clone()),
            ("CC", cc.clone()),
            ("IMAP_PORT", servers.imap_port.to_string()),
            ("SMTP_PORT", servers.smtp_port.to_string()),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    // The reply reached the customer and the colleague in Cc, threaded.
    for who in [&customer, &cc] {
        let mut got = Vec::new();
        for _ in 0..100 {
            got = mail_servers::mailbox(servers, who).await;
            if !got.is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let reply = got.first().unwrap_or_else(|| panic!("no reply in {who}'s mailbox"));
        assert_eq!(mail_servers::header(reply, "Subject").as_deref(), Some("Re: Parcel 42"));
        assert!(mail_servers::header(reply, "In-Reply-To").is_some());
        assert!(String::from_utf8_lossy(reply).contains("It left our warehouse today."));
    }
    assert!(screenshots_dir().join("dashboard-email.png").exists());
    app.stop().await;
}

/// Contacts CSV on the contacts page: an administrator imports a file and
/// follows it to its result, then downloads the export; an agent sees
/// neither button.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_contacts_csv_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    app.agent("Andy Agent", "andy@acme.test", "agent").await;
    run_script(
        "dashboard-contacts-csv.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("AGENT_EMAIL", "andy@acme.test".into()),
            ("AGENT_PASSWORD", "agent password 1".into()),
        ],
        Duration::from_secs(120),
    )
    .await;
    let list = app.ok(Method::GET, &app.acc("/contacts/imports"), None).await;
    assert_eq!(list["payload"][0]["created_records"], 2, "{list}");
    assert!(screenshots_dir().join("dashboard-contacts-import.png").exists());
    app.stop().await;
}

/// Custom attributes: defined in Settings (a list, a date, a text with a
/// pattern), then set on a contact in the panel beside a conversation and
/// read back through the API; a conversation checkbox is ticked there too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn custom_attributes_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let (_, contact, conv) = app.setup_conversation(None).await;
    // An attribute without a definition, set before any were made.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/contacts/{contact}")),
        Some(json!({ "custom_attributes": { "legacy_id": "L-77" } })),
    )
    .await;
    let shots = ["dashboard-settings-attributes.png", "dashboard-attributes-panel.png"];
    for shot in shots {
        let _ = std::fs::remove_file(screenshots_dir().join(shot));
    }
    let out = run_script(
        "dashboard-attributes.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONVERSATION", conv.to_string()),
            ("CONTACT", contact.to_string()),
        ],
        Duration::from_secs(120),
    )
    .await;
    print!("{out}");
    // The values as another client reads them.
    let c = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{contact}")), None)
        .await;
    assert_eq!(
        c["payload"]["custom_attributes"],
        json!({ "legacy_id": "L-77", "plan": "Silver", "renewal_date": "2027-03-01", "order_code": "AB1234" })
    );
    let v = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(v["custom_attributes"]["escalated"], true);
    for shot in shots {
        assert!(screenshots_dir().join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// The dashboard on a phone: list, a conversation on the whole screen with
/// Back, the details as a sheet, deep links, nothing wider than the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_on_a_phone() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Orders", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let (contact_id, _) = app.contact(inbox_id, "Mia Mobile").await;
    let conv = app.conversation(inbox_id, contact_id).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Is my order on its way?", "message_type": "incoming" })),
    )
    .await;
    let shots = ["phone-list.png", "phone-conversation.png", "phone-contact.png"];
    for shot in shots {
        let _ = std::fs::remove_file(screenshots_dir().join(shot));
    }
    run_script(
        "dashboard-phone.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONVERSATION", conv.to_string()),
            ("CONTACT", "Mia Mobile".into()),
        ],
        Duration::from_secs(120),
    )
    .await;
    for shot in shots {
        assert!(screenshots_dir().join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// Bulk changes from the list: ten conversations chosen with a click and a
/// shift-click, assigned at once; a label to a whole page; a status to two.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_changes_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Orders", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let (bob, _) = app.agent("Bob Bulk", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": [app.admin_id, bob] })),
    )
    .await;
    app.ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": "billing" })))
        .await;
    for i in 0..12 {
        let (contact, _) = app.contact(inbox_id, &format!("Customer {i}")).await;
        app.conversation(inbox_id, contact).await;
    }
    run_script(
        "dashboard-bulk.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("AGENT", "Bob Bulk".into()),
            ("AGENT_ID", bob.to_string()),
        ],
        Duration::from_secs(120),
    )
    .await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_command_palette_and_list_preferences_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Orders", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let (bob, _) = app.agent("Bob Palette", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox_id, "user_ids": [app.admin_id, bob] })),
    )
    .await;
    for title in ["vip", "billing", "unused"] {
        app.ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": title })))
            .await;
    }
    let people = [
        ("Maria Lopez", "Where is my order #18231?"),
        ("Ирина Смирнова", "Здравствуйте! Не пришёл чек."),
        ("Tom Becker", "Can I change the delivery address?"),
        ("Aiko Tanaka", "The invoice shows the wrong VAT number."),
        ("José Álvarez", "Refund for the damaged parcel, please."),
        ("Sam Okafor", "How do I reset my password?"),
    ];
    let mut last = 0;
    for (name, text) in people {
        let (contact, _) = app.contact(inbox_id, name).await;
        let conv = app.conversation(inbox_id, contact).await;
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": text, "message_type": "incoming" })),
        )
        .await;
        last = conv;
    }
    // The conversation on top gets a short exchange (for the screenshot).
    for (text, kind) in [
        (
            "Hi Sam! Use **Forgot your password?** on the sign-in page; the link works for an hour.",
            "outgoing",
        ),
        ("The mail never arrived. I checked the spam folder too.", "incoming"),
        (
            "Sam's address had a typo in the account; fixed it to sam.okafor@example.com.",
            "private",
        ),
        (
            "Sorry about that! I corrected your e-mail address: please try once more.",
            "outgoing",
        ),
        ("It worked, thank you!", "incoming"),
    ] {
        let body = if kind == "private" {
            json!({ "content": text, "message_type": "outgoing", "private": true })
        } else {
            json!({ "content": text, "message_type": kind })
        };
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{last}/messages")),
            Some(body),
        )
        .await;
    }
    run_script(
        "dashboard-palette.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("AGENT", "Bob Palette".into()),
            ("AGENT_ID", bob.to_string()),
        ],
        Duration::from_secs(150),
    )
    .await;
    app.stop().await;
}

/// The filter builder: "status is open AND priority is urgent OR label is
/// vip" over conversations in two inboxes shows exactly what the filter
/// endpoint answers ((open and urgent) or vip: AND binds first, as in
/// Chatwoot); saved as a view it survives a reload, edited and saved it
/// changes; a value the server refuses shows beside its condition; a
/// custom attribute filters too; on a phone the builder fills the screen.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_filter_builder_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let orders = app.api_inbox("Orders", None).await["id"].as_i64().unwrap();
    let billing = app.api_inbox("Billing", None).await["id"].as_i64().unwrap();
    for title in ["vip", "billing"] {
        app.ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": title })))
            .await;
    }
    let plan = json!({ "attribute_display_name": "Plan", "attribute_key": "plan", "attribute_model": 0,
        "attribute_display_type": "list", "attribute_values": ["Gold", "Silver"] });
    app.ok(Method::POST, &app.acc("/custom_attribute_definitions"), Some(plan))
        .await;
    // Name, inbox, status, priority, labels, plan.
    type Seed = (
        &'static str,
        i64,
        &'static str,
        Option<&'static str>,
        &'static [&'static str],
        Option<&'static str>,
    );
    let seed: [Seed; 8] = [
        ("Ada Open Urgent", orders, "open", Some("urgent"), &[], None),
        ("Ben Open High", orders, "open", Some("high"), &[], Some("Silver")),
        ("Cleo Vip Urgent", billing, "open", Some("urgent"), &["vip"], None),
        ("Dan Vip Resolved", billing, "resolved", Some("low"), &["vip"], None),
        ("Eve Pending Urgent", orders, "pending", Some("urgent"), &[], None),
        ("Finn Resolved", billing, "resolved", Some("urgent"), &["billing"], None),
        ("Gus Open Plain", orders, "open", None, &["billing"], None),
        ("Hana Open Urgent", billing, "open", Some("urgent"), &[], Some("Gold")),
    ];
    let mut ids = Vec::new();
    for (name, inbox, status, priority, labels, plan) in seed {
        let (contact, _) = app.contact(inbox, name).await;
        let conv = app.conversation(inbox, contact).await;
        if status != "open" {
            app.ok(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/toggle_status")),
                Some(json!({ "status": status })),
            )
            .await;
        }
        if let Some(p) = priority {
            app.ok(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/toggle_priority")),
                Some(json!({ "priority": p })),
            )
            .await;
        }
        if !labels.is_empty() {
            app.ok(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/labels")),
                Some(json!({ "labels": labels })),
            )
            .await;
        }
        if let Some(p) = plan {
            app.ok(
                Method::POST,
                &app.acc(&format!("/conversations/{conv}/custom_attributes")),
                Some(json!({ "custom_attributes": { "plan": p } })),
            )
            .await;
        }
        ids.push(conv);
    }
    let joined = |picked: &[usize]| {
        let mut v: Vec<i64> = picked.iter().map(|i| ids[*i]).collect();
        v.sort_unstable();
        v.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
    };
    let shots = ["dashboard-filter-builder.png", "phone-filter-builder.png"];
    for shot in shots {
        let _ = std::fs::remove_file(screenshots_dir().join(shot));
    }
    run_script(
        "dashboard-filters.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            // (open and urgent) or vip: Ada, Cleo, Dan, Hana; never
            // open and (urgent or vip), which would leave Dan out.
            ("EXPECT_URGENT", joined(&[0, 2, 3, 7])),
            // (open and high) or vip: Ben, Cleo, Dan.
            ("EXPECT_HIGH", joined(&[1, 2, 3])),
            ("EXPECT_GOLD", joined(&[7])),
            ("OPEN_COUNT", "5".into()),
        ],
        Duration::from_secs(180),
    )
    .await;
    // The saved view as another client reads it: the edited conditions.
    let views = app
        .ok(Method::GET, &app.acc("/custom_filters?filter_type=conversation"), None)
        .await;
    let view = views
        .as_array()
        .and_then(|v| v.iter().find(|f| f["name"] == "Urgent or VIP"))
        .expect("the saved view");
    let payload = view["query"]["payload"].as_array().expect("a payload");
    assert_eq!(payload.len(), 3, "{view}");
    assert_eq!(payload[1]["attribute_key"], "priority");
    assert_eq!(payload[1]["values"], json!(["high"]));
    assert_eq!(payload[1]["query_operator"], "or");
    for shot in shots {
        assert!(screenshots_dir().join(shot).exists(), "{shot} saved");
    }
    app.stop().await;
}

/// The conversation pane: the composer's emoji picker and canned-response
/// browser, canned variables filled in (by the browser and by short code),
/// a pasted and a dropped picture as thumbnails and sent, the header's
/// toolbar on one row at 1280 and 1024 with every action in More, and the
/// thread's skeleton while loading and Retry when loading fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_conversation_composer_and_toolbar_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Orders desk", None).await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    let contact_name = "Maximiliana Konstantinopolskaya-Worthington";
    let contact_email = "maximiliana@example.test";
    let created = app
        .ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({ "name": contact_name, "email": contact_email, "inbox_id": inbox_id })),
        )
        .await;
    let contact = created["payload"]["contact"]["id"].as_i64().unwrap();
    let conv = app.conversation(inbox_id, contact).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Do you ship to Lisbon?", "message_type": "incoming" })),
    )
    .await;
    let (boris, _) = app.contact(inbox_id, "Boris Short").await;
    let other = app.conversation(inbox_id, boris).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{other}/messages")),
        Some(json!({ "content": "A short question", "message_type": "incoming" })),
    )
    .await;
    for (code, content) in [
        (
            "greet",
            "Hi {{contact.first_name}}, this is {{agent.name}} ({{ agent.first_name }}, {{agent.email}}) from {{inbox.name}} about #{{conversation.id}}.",
        ),
        (
            "mailme",
            "We'll write to {{contact.email}} or call {{contact.phone}}, {{contact.last_name}}.",
        ),
    ] {
        app.ok(
            Method::POST,
            &app.acc("/canned_responses"),
            Some(json!({ "short_code": code, "content": content })),
        )
        .await;
    }
    let _ = std::fs::remove_file(screenshots_dir().join("thread-desktop.png"));
    run_script(
        "dashboard-composer.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("CONVERSATION", conv.to_string()),
            ("OTHER", other.to_string()),
            ("CONTACT", contact_name.into()),
            ("CONTACT_EMAIL", contact_email.into()),
            ("INBOX_NAME", "Orders desk".into()),
        ],
        Duration::from_secs(150),
    )
    .await;
    assert!(screenshots_dir().join("thread-desktop.png").exists());
    app.stop().await;
}
