//! The agents' dashboard: sign-in and the list (also at 10,000
//! conversations and on a phone), settings, the profile and contacts
//! pages, the e-mail channel, contacts CSV, custom attributes, the command
//! palette and list preferences.

use super::*;

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
    // The agents' open dashboards would make them present, and routing
    // would assign the waiting conversations; this test assigns by hand.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox_id}")),
        Some(json!({ "enable_auto_assignment": false })),
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
            assigned_at: None,
            sla_policy_id: None,
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
/// Telegram, WhatsApp and SMS through Twilio (receiving and replying); editing with the preview and the launcher's side,
/// identity verification, working hours, members, the snippet), agents
/// (create, promote, remove), teams and members, labels with colours, canned
/// responses, webhooks (delivery log with its loading, failure and dates,
/// re-send, edit, delete), and the dark theme.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_settings_in_a_real_browser() {
    let Some(chromium) = tools() else { return };
    let telegram = fake_telegram::FakeTelegram::start().await;
    let whatsapp = fake_whatsapp::FakeWhatsApp::start().await;
    let twilio = fake_twilio::FakeTwilio::start().await;
    let (tg_url, wa_url, tw_url) = (telegram.url.clone(), whatsapp.url.clone(), twilio.url.clone());
    let Some(app) = TestApp::spawn_with(Db::Sqlite, move |o| {
        o.telegram_api_url = Some(tg_url);
        o.whatsapp_api_url = Some(wa_url);
        o.twilio_api_url = Some(tw_url);
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
            ("TWILIO_SID", fake_twilio::ACCOUNT_SID.into()),
            ("TWILIO_TOKEN", fake_twilio::AUTH_TOKEN.into()),
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
    // Twilio received the SMS reply typed in the composer.
    let sms = twilio.wait_for_sends(1).await;
    assert_eq!(sms[0].get("To"), Some("+15551230000"));
    assert_eq!(sms[0].get("From"), Some(fake_twilio::NUMBER));
    assert_eq!(sms[0].get("Body"), Some("It left the warehouse today."));
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
    // The agents' open dashboards would make them present, and routing
    // would assign the waiting conversations; this test assigns by hand.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox_id}")),
        Some(json!({ "enable_auto_assignment": false })),
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
    let out = run_script(
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
    // The list's card heights in both densities (shown with --nocapture).
    for line in out.lines().filter(|l| l.starts_with("figure:")) {
        println!("{line}");
    }
    app.stop().await;
}

/// A person in two accounts: a link naming an account (`?account=`, as
/// browser push links do) opens that one and drops the parameter; a link
/// naming an account they are not in changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_link_opens_the_account_it_names() {
    let Some(chromium) = tools() else { return };
    let Some(app) = TestApp::spawn(Db::Sqlite).await else {
        return;
    };
    let (other, _) = app.other_account().await;
    let (stranger, _) = {
        let core = app.core();
        let c = core
            .create_account_with_admin(
                "Stranger Ltd",
                "Sid Stranger",
                "sid@stranger.test",
                "stranger password 1",
            )
            .await
            .expect("a third account");
        (c.account.id, c.access_token)
    };
    {
        let core = app.core();
        let mut tx = core.store.write().await.unwrap();
        // Alice, the first account's administrator, is an agent there too.
        tx.upsert_account_user(other, app.admin_id, 0, 1).await.unwrap();
        tx.commit().await.unwrap();
    }
    run_script(
        "dashboard-accounts.mjs",
        &chromium,
        &[
            ("BASE", app.base.clone()),
            ("EMAIL", "alice@acme.test".into()),
            ("PASSWORD", "correct horse battery".into()),
            ("ACCOUNT", app.account_id.to_string()),
            ("OTHER", other.to_string()),
            ("STRANGER", stranger.to_string()),
        ],
        Duration::from_secs(60),
    )
    .await;
    app.stop().await;
}
