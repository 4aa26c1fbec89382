//! Working on conversations in the dashboard: the conversation tools, bulk
//! changes, the filter builder, the composer and the header's toolbar.

use super::*;

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

/// Mentions and the bell: "@" in a private note offers the inbox's agents
/// and the teams and inserts the mention markup; the mentioned agent's bell
/// counts the notification live, and opening it reads it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mention_autocomplete_and_the_bell_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let inbox = app.api_inbox("Orders desk", None).await["id"].as_i64().unwrap();
    // Amy's open dashboard makes her present: routing would assign her the
    // conversation (and notify her of it) before the mention this test makes.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla Customer").await;
    let conv = app.conversation(inbox, contact).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(json!({ "content": "Where is my parcel?", "message_type": "incoming" })),
    )
    .await;
    // The agent joins the inbox after the conversation opened: their bell
    // starts empty.
    let (amy, amy_token) = app.agent("Amy Agent", "amy@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy] })),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc("/teams"),
        Some(json!({ "name": "Support Team" })),
    )
    .await;
    run_script(
        "dashboard-mentions.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("TOKEN", app.token.clone()),
            ("ACCOUNT", app.account_id.to_string()),
            ("AGENT_EMAIL", "amy@acme.test".into()),
            ("AGENT_PASSWORD", "agent password 1".into()),
            ("AGENT_TOKEN", amy_token),
            ("AGENT_ID", amy.to_string()),
            ("AGENT_NAME", "Amy Agent".into()),
            ("TEAM_NAME", "Support Team".into()),
            ("CONVERSATION", conv.to_string()),
        ],
        Duration::from_secs(120),
    )
    .await;
    app.stop().await;
}
