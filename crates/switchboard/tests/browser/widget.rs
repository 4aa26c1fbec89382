//! The website widget, alone and behind Chatwoot's embed snippet.

use super::*;

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
