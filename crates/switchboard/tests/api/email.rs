//! The e-mail channel: inbox settings, raw mail at `/webhooks/email/{token}`
//! (routing by reply+uuid, In-Reply-To and References, de-duplication by
//! Message-ID, trimming, sanitising, attachments), and the whole loop
//! against a real SMTP server and a real IMAP server on loopback: a reply
//! threads in the customer's mailbox and the customer's answer, read from
//! the inbox's mailbox, lands in the same conversation.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::cable::{Cable, agent_identifier};
use crate::helpers::{Db, TestApp, all_at_once, conversations, eventually, message_where, messages};
use crate::mail_servers::{MailServers, header, mail_servers, mailbox, send};

/// A fresh domain per test, so tests share the mail servers safely.
fn domain() -> String {
    format!("t{}.test", &uuid::Uuid::new_v4().simple().to_string()[..12])
}

fn email_inbox(address: &str, servers: Option<&MailServers>, imap_password: &str) -> Value {
    let mut channel = json!({ "type": "email", "email": address });
    if let Some(s) = servers {
        channel["imap_enabled"] = json!(true);
        channel["imap_address"] = json!("127.0.0.1");
        channel["imap_port"] = json!(s.imap_port);
        channel["imap_login"] = json!(address);
        channel["imap_password"] = json!(imap_password);
        channel["imap_enable_ssl"] = json!(false);
        channel["smtp_enabled"] = json!(true);
        channel["smtp_address"] = json!("127.0.0.1");
        channel["smtp_port"] = json!(s.smtp_port);
        channel["smtp_login"] = json!(address);
        channel["smtp_password"] = json!("secret");
        channel["smtp_enable_starttls_auto"] = json!(false);
    }
    json!({ "name": "Support mail", "channel": channel })
}

/// A conversation's uuid (what our Message-IDs and reply addresses carry).
async fn conversation_uuid(app: &TestApp, display: i64) -> String {
    let mut tx = app.core().store.read().await.unwrap();
    tx.get_conversation(app.account_id, display)
        .await
        .unwrap()
        .unwrap()
        .uuid
}

async fn post_raw(app: &TestApp, token: &str, raw: &str) -> StatusCode {
    // A client of its own: the server closes a connection whose body it
    // refused (an oversize mail), and a pooled one could be reused.
    reqwest::Client::new()
        .post(format!("{}/webhooks/email/{token}", app.base))
        .header("content-type", "message/rfc822")
        .body(raw.to_string())
        .send()
        .await
        .unwrap()
        .status()
}

fn token_of(inbox: &Value) -> String {
    inbox["raw_email_webhook_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string()
}

fn mail(from: &str, to: &str, id: &str, subject: &str, extra: &str, body: &str) -> String {
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\n{extra}MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    )
}

async fn inbox_settings(app: TestApp) {
    let d = domain();
    // Bad input: each refused with a 422 naming the field, nothing kept.
    let cases = [
        json!({ "name": "M", "channel": { "type": "email" } }),
        json!({ "name": "M", "channel": { "type": "email", "email": "not an address" } }),
        json!({ "name": "M", "channel": { "type": "email", "email": format!("a@{d}"), "imap_port": "many" } }),
        json!({ "name": "M", "channel": { "type": "email", "email": format!("a@{d}"), "smtp_port": 70000 } }),
        json!({ "name": "M", "channel": { "type": "email", "email": format!("a@{d}"), "imap_enabled": true } }),
        json!({ "name": "M", "channel": { "type": "email", "email": format!("a@{d}"), "smtp_address": "smtp.example.com/x" } }),
        json!({ "name": "M", "channel": { "type": "email", "email": format!("a@{d}"), "smtp_openssl_verify_mode": "sometimes" } }),
        json!({ "name": "M", "channel": { "type": "email", "email": format!("a@{d}"), "imap_enabled": "yes" } }),
    ];
    for c in cases {
        let (s, v) = app.post(&app.acc("/inboxes"), c.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{c} -> {v}");
        assert!(v["message"].is_string(), "{v}");
    }
    // An IMAP server that cannot be reached: refused, nothing kept.
    let mut unreachable = email_inbox(&format!("b@{d}"), None, "");
    unreachable["channel"]["imap_enabled"] = json!(true);
    unreachable["channel"]["imap_address"] = json!("127.0.0.1");
    unreachable["channel"]["imap_port"] = json!(1);
    unreachable["channel"]["imap_enable_ssl"] = json!(false);
    let (s, v) = app.post(&app.acc("/inboxes"), unreachable).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let list = app.ok(Method::GET, &app.acc("/inboxes"), None).await;
    assert!(list["payload"].as_array().unwrap().is_empty(), "{list}");

    // Accepted without servers (raw mail only).
    let v = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(email_inbox(&format!("Help@{d}"), None, "")),
        )
        .await;
    assert_eq!(v["channel_type"], "Channel::Email");
    assert_eq!(v["email"], format!("help@{d}").as_str());
    assert!(
        v["raw_email_webhook_url"]
            .as_str()
            .unwrap()
            .contains("/webhooks/email/")
    );
    // The same address twice: refused.
    let (s, v2) = app
        .post(&app.acc("/inboxes"), email_inbox(&format!("help@{d}"), None, ""))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v2["message"], "Email has already been taken", "{v2}");
    // Eight requests at once for a new address: one inbox, seven refusals
    // by the constraint (no check in Rust can see the others' rows).
    let burst = app
        .client
        .post(format!("{}{}", app.base, app.acc("/inboxes")))
        .header("api_access_token", &app.token)
        .json(&email_inbox(&format!("race@{d}"), None, ""));
    let codes = all_at_once(8, burst).await;
    assert_eq!(codes.iter().filter(|c| c.is_success()).count(), 1, "{codes:?}");
    assert!(
        codes
            .iter()
            .all(|c| c.is_success() || *c == StatusCode::UNPROCESSABLE_ENTITY),
        "{codes:?}"
    );
    // Passwords are never shown; an update leaving one empty keeps it.
    let id = v["id"].as_i64().unwrap();
    let u = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/inboxes/{id}")),
            Some(json!({ "channel": { "smtp_address": "127.0.0.1", "smtp_password": "pw1", "smtp_port": 2525 } })),
        )
        .await;
    assert_eq!(u["smtp_port"], 2525);
    assert_eq!(u["smtp_password_set"], true);
    assert!(u.get("smtp_password").is_none(), "{u}");
    let u = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/inboxes/{id}")),
            Some(json!({ "channel": { "smtp_password": "" } })),
        )
        .await;
    assert_eq!(u["smtp_password_set"], true, "an empty password keeps the old one");
    // Agents see the inbox once they are members, without its server
    // settings or the raw-mail address.
    let (agent_id, agent) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/inboxes/{id}")), &agent, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "not a member yet");
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": id, "user_ids": [agent_id] })),
    )
    .await;
    let (s, seen) = app
        .call(Method::GET, &app.acc(&format!("/inboxes/{id}")), &agent, None)
        .await;
    assert_eq!(s, StatusCode::OK, "{seen}");
    assert_eq!(seen["email"], format!("help@{d}").as_str());
    for hidden in [
        "smtp_address",
        "imap_address",
        "smtp_password_set",
        "raw_email_webhook_url",
        "imap_status",
    ] {
        assert!(seen.get(hidden).is_none(), "{hidden} shown to an agent: {seen}");
    }
    app.stop().await;
}
both!(inbox_settings);

async fn raw_mail(db: Db) {
    let d = domain();
    let dd = d.clone();
    let Some(app) = TestApp::spawn_with(db, move |o| o.mail_inbound_domain = Some(dd)).await else {
        return;
    };
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(email_inbox(&format!("help@{d}"), None, "")),
        )
        .await;
    let token = token_of(&inbox);
    let html_mail = format!(
        concat!(
            "From: \"Ivan Petrov\" <Ivan@Customer.test>\r\n",
            "To: help@{d}\r\n",
            "Cc: boss@customer.test\r\n",
            "Subject: Order 42 has not arrived\r\n",
            "Message-ID: <first-1@customer.test>\r\n",
            "MIME-Version: 1.0\r\n",
            "Content-Type: multipart/mixed; boundary=\"outer\"\r\n",
            "\r\n",
            "--outer\r\n",
            "Content-Type: multipart/alternative; boundary=\"alt\"\r\n",
            "\r\n",
            "--alt\r\n",
            "Content-Type: text/plain; charset=utf-8\r\n",
            "\r\n",
            "Hello, my order has not arrived.\r\n",
            "\r\n",
            "-- \r\n",
            "Ivan Petrov, ACME Ltd\r\n",
            "--alt\r\n",
            "Content-Type: text/html; charset=utf-8\r\n",
            "\r\n",
            "<p onclick=\"steal()\">Hello, my order has <b>not</b> arrived.</p><script>alert(1)</script><a href=\"javascript:alert(2)\">x</a>\r\n",
            "--alt--\r\n",
            "--outer\r\n",
            "Content-Type: text/plain; name=\"invoice.txt\"\r\n",
            "Content-Disposition: attachment; filename=\"invoice.txt\"\r\n",
            "\r\n",
            "Invoice 42\r\n",
            "--outer--\r\n"
        ),
        d = d
    );
    // Unknown token: 404; not a mail: 422; nothing stored.
    assert_eq!(post_raw(&app, "no-such-token", &html_mail).await, StatusCode::NOT_FOUND);
    assert_eq!(
        post_raw(&app, &token, "just some words").await,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let huge = format!(
        "{}{}",
        mail("a@customer.test", &format!("help@{d}"), "big@x", "Big", "", ""),
        "x".repeat(51 * 1024 * 1024)
    );
    // Refused before it is read: a 413, or the connection closed under the
    // client while it was still sending.
    match reqwest::Client::new()
        .post(format!("{}/webhooks/email/{token}", app.base))
        .body(huge)
        .send()
        .await
    {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    assert!(conversations(&app).await.is_empty());

    // Ten concurrent deliveries of one mail: one conversation, one message.
    let replay = app
        .client
        .post(format!("{}/webhooks/email/{token}", app.base))
        .body(html_mail.clone());
    for s in all_at_once(10, replay).await {
        assert_eq!(s, StatusCode::OK);
    }
    let convs = conversations(&app).await;
    assert_eq!(convs.len(), 1, "{convs:?}");
    let conv = &convs[0];
    let display = conv["id"].as_i64().unwrap();
    assert_eq!(
        conv["additional_attributes"]["mail_subject"],
        "Order 42 has not arrived"
    );
    assert_eq!(conv["additional_attributes"]["source"], "email");
    assert_eq!(conv["meta"]["sender"]["email"], "ivan@customer.test");
    assert_eq!(conv["meta"]["sender"]["name"], "Ivan Petrov");
    let msgs = messages(&app, display).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    let m = &msgs[0];
    assert_eq!(
        m["content"], "Hello, my order has not arrived.",
        "the signature is trimmed"
    );
    assert_eq!(m["content_type"], "incoming_email");
    assert_eq!(m["source_id"], "first-1@customer.test");
    let email = &m["content_attributes"]["email"];
    assert_eq!(email["subject"], "Order 42 has not arrived");
    assert_eq!(email["cc"], json!(["boss@customer.test"]));
    assert!(
        email["text_content"]["full"].as_str().unwrap().contains("ACME Ltd"),
        "the full mail is kept"
    );
    let html = email["html_content"]["full"].as_str().unwrap();
    assert!(html.contains("<b>not</b>"), "{html}");
    assert!(
        !html.contains("onclick") && !html.contains("<script") && !html.contains("javascript:"),
        "{html}"
    );
    let atts = m["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1, "{m}");
    let file = app
        .client
        .get(atts[0]["data_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(file.text().await.unwrap().trim_end(), "Invoice 42");

    // The customer answers the first mail (In-Reply-To): same conversation,
    // quoted history trimmed.
    let answer = mail(
        "Ivan Petrov <ivan@customer.test>",
        &format!("help@{d}"),
        "second-2@customer.test",
        "Re: Order 42 has not arrived",
        "In-Reply-To: <first-1@customer.test>\r\nReferences: <first-1@customer.test>\r\n",
        "Any news?\r\n\r\nOn Sun, 22 Nov 2026, Ivan Petrov wrote:\r\n> Hello, my order has not arrived.",
    );
    assert_eq!(post_raw(&app, &token, &answer).await, StatusCode::OK);
    // Our own Message-ID pattern in References routes too, even from someone else.
    let conv_uuid = conversation_uuid(&app, display).await;
    let colleague = mail(
        "boss@customer.test",
        &format!("help@{d}"),
        "third-3@customer.test",
        "Re: Order 42",
        &format!("References: <conversation/{conv_uuid}/messages/1@{d}>\r\n"),
        "I am waiting too.",
    );
    assert_eq!(post_raw(&app, &token, &colleague).await, StatusCode::OK);
    // So does a reply+uuid recipient.
    let by_address = mail(
        "ivan@customer.test",
        &format!("reply+{conv_uuid}@{d}"),
        "fourth-4@customer.test",
        "Re: Order 42",
        "",
        "Third time.",
    );
    assert_eq!(post_raw(&app, &token, &by_address).await, StatusCode::OK);
    let msgs = messages(&app, display).await;
    let contents: Vec<&str> = msgs.iter().filter_map(|m| m["content"].as_str()).collect();
    assert_eq!(
        contents,
        vec![
            "Hello, my order has not arrived.",
            "Any news?",
            "I am waiting too.",
            "Third time."
        ]
    );
    assert_eq!(conversations(&app).await.len(), 1);

    // A forwarded mail about something else opens a new conversation; so
    // does a reply naming another account's conversation.
    let (other_account, other) = app.other_account().await;
    let other_inbox = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other_account}/inboxes"),
            &other,
            Some(email_inbox(&format!("desk@{d}"), None, "")),
        )
        .await
        .1;
    let other_token = token_of(&other_inbox);
    assert_eq!(
        post_raw(
            &app,
            &other_token,
            &mail(
                "x@customer.test",
                &format!("desk@{d}, reply+{conv_uuid}@{d}"),
                "o-1@customer.test",
                "Other",
                "",
                "Other account"
            )
        )
        .await,
        StatusCode::OK
    );
    let forwarded = mail(
        "Olga <olga@elsewhere.test>",
        &format!("help@{d}"),
        "fwd-5@elsewhere.test",
        "Fwd: Refund",
        "",
        "---------- Forwarded message ---------\r\nFrom: someone",
    );
    assert_eq!(post_raw(&app, &token, &forwarded).await, StatusCode::OK);
    let convs = conversations(&app).await;
    assert_eq!(convs.len(), 2, "{convs:?}");
    let newest = convs.iter().find(|c| c["id"].as_i64() != Some(display)).unwrap();
    // A reply address at a domain that is not the server's inbound one is
    // not trusted: this mail opens its own conversation.
    let elsewhere = mail(
        "mallory@elsewhere.test",
        &format!("help@{d}, reply+{conv_uuid}@elsewhere.test"),
        "m-1@elsewhere.test",
        "Re: Order 42",
        "",
        "Let me in.",
    );
    assert_eq!(post_raw(&app, &token, &elsewhere).await, StatusCode::OK);
    assert_eq!(conversations(&app).await.len(), 3);
    assert!(
        messages(&app, display)
            .await
            .iter()
            .all(|m| m["content"] != "Let me in."),
        "not in Ivan's conversation"
    );
    assert_eq!(newest["meta"]["sender"]["email"], "olga@elsewhere.test");
    // A mail with only a forwarded body keeps the forwarded text as content.
    let m = &messages(&app, newest["id"].as_i64().unwrap()).await[0];
    assert!(m["content"].as_str().unwrap().contains("Forwarded message"), "{m}");

    // An out-of-office answer opens nothing; one in a thread is kept there.
    let ooo = |id: &str, extra: &str| {
        mail(
            "away@elsewhere.test",
            &format!("help@{d}"),
            id,
            "Automatic reply: I am away",
            &format!("Auto-Submitted: auto-replied\r\n{extra}"),
            "I am out of the office until Monday.",
        )
    };
    assert_eq!(
        post_raw(&app, &token, &ooo("ooo-1@elsewhere.test", "")).await,
        StatusCode::OK
    );
    assert_eq!(conversations(&app).await.len(), 3, "no conversation for an auto-reply");
    assert_eq!(
        post_raw(
            &app,
            &token,
            &ooo("ooo-2@elsewhere.test", "In-Reply-To: <first-1@customer.test>\r\n")
        )
        .await,
        StatusCode::OK
    );
    let last = messages(&app, display).await.pop().unwrap();
    assert_eq!(last["content_attributes"]["email"]["auto_reply"], true);

    // Recipients are checked.
    let (s, v) = app
        .post(
            &app.acc(&format!("/conversations/{display}/messages")),
            json!({ "content": "Hi", "cc_emails": "ok@x.test, not an address" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{display}/messages")),
            json!({ "content": "Hi", "bcc_emails": 5 }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // This inbox has no SMTP server: a reply fails at once, saying so.
    let r = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "Can you read this?", "cc_emails": ["Boss@Customer.test"] })),
        )
        .await;
    assert_eq!(r["content_attributes"]["cc_emails"], json!(["boss@customer.test"]));
    let failed = message_where(&app, display, &r["id"], "the reply marked failed", |m| {
        m["status"] == "failed"
    })
    .await;
    assert!(
        failed["content_attributes"]["external_error"]
            .as_str()
            .unwrap()
            .contains("Sending is off"),
        "{failed}"
    );
    // What the mails brought in was caused by the channel; the agent's
    // reply by the agent.
    let causes = app
        .sql_rows(&format!(
            "SELECT cause_kind, CAST(cause_id AS TEXT) FROM events WHERE name = 'message.created' AND inbox_id = {}",
            inbox["id"]
        ))
        .await;
    let inbox_id = inbox["id"].to_string();
    let admin = app.admin_id.to_string();
    assert!(causes.iter().any(|r| r[0].as_deref() == Some("channel")), "{causes:?}");
    for r in &causes {
        match r[0].as_deref() {
            Some("channel") => assert_eq!(r[1].as_deref(), Some(inbox_id.as_str())),
            Some("user") => assert_eq!(r[1].as_deref(), Some(admin.as_str())),
            other => panic!("a message caused by {other:?}: {causes:?}"),
        }
    }
    app.stop().await;
}
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_mail_sqlite() {
    raw_mail(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn raw_mail_postgres() {
    raw_mail(Db::Postgres).await;
}

/// The whole loop through real mail servers.
async fn threading(db: Db) {
    let Some(servers) = mail_servers() else { return };
    let d = domain();
    let dd = d.clone();
    let Some(app) = TestApp::spawn_with(db, move |o| {
        o.mail_inbound_domain = Some(dd);
        o.imap_poll_seconds = Some(1);
    })
    .await
    else {
        return;
    };
    let support = format!("inbox@{d}");
    let customer = format!("ivan@{d}");
    let cc = format!("boss@{d}");
    // A wrong IMAP password is refused when the inbox is made.
    let (s, v) = app
        .post(&app.acc("/inboxes"), email_inbox(&support, Some(servers), "wrong"))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("login"), "{v}");
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(email_inbox(&support, Some(servers), "secret")),
        )
        .await;
    let inbox_id = inbox["id"].as_i64().unwrap();
    // The agent's dashboard socket sees the mail arrive and the reply leave.
    let mut live = Cable::connect(&app).await;
    assert_eq!(
        live.subscribe(&agent_identifier(&app, &app.token).await).await,
        "confirm"
    );

    // The customer writes to the support address.
    let first: lettre::Message = lettre::Message::builder()
        .from(format!("Ivan Petrov <{customer}>").parse().unwrap())
        .to(support.parse().unwrap())
        .subject("Where is my parcel?")
        .message_id(Some(format!("<c1@{d}>")))
        .body("Hello, where is my parcel?\r\n\r\n-- \r\nIvan".to_string())
        .unwrap();
    send(servers, first).await;
    let conv = eventually(20, "the mail read from the mailbox", || async {
        conversations(&app).await.into_iter().next()
    })
    .await;
    let display = conv["id"].as_i64().unwrap();
    assert_eq!(conv["meta"]["sender"]["email"], customer.as_str());
    let created = live.expect("conversation.created").await;
    assert_eq!(created["additional_attributes"]["mail_subject"], "Where is my parcel?");
    let arrived = live.expect("message.created").await;
    assert_eq!(arrived["content"], "Hello, where is my parcel?");
    assert_eq!(arrived["content_type"], "incoming_email");
    assert_eq!(
        messages(&app, display).await[0]["content"],
        "Hello, where is my parcel?"
    );

    // The agent replies, copying a colleague.
    let reply = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "It left **today**: [track it](https://track.example/42) <b>not bold</b>", "cc_emails": cc })),
        )
        .await;
    let reply_id = reply["id"].as_i64().unwrap();
    let got = eventually(20, "the reply in the customer's mailbox", || async {
        mailbox(servers, &customer).await.into_iter().next()
    })
    .await;
    let uuid = conversation_uuid(&app, display).await;
    let our_id = format!("<conversation/{uuid}/messages/{reply_id}@{d}>");
    assert_eq!(header(&got, "Message-ID").as_deref(), Some(our_id.as_str()));
    assert_eq!(
        header(&got, "In-Reply-To").as_deref(),
        Some(format!("<c1@{d}>").as_str())
    );
    assert!(header(&got, "References").unwrap().contains(&format!("<c1@{d}>")));
    assert_eq!(header(&got, "Subject").as_deref(), Some("Re: Where is my parcel?"));
    assert_eq!(
        header(&got, "Reply-To").as_deref(),
        Some(format!("reply+{uuid}@{d}").as_str())
    );
    let from = header(&got, "From").unwrap();
    assert!(from.contains(&support) && from.contains("Alice Admin"), "{from}");
    assert!(header(&got, "Cc").unwrap().contains(&cc));
    let raw = String::from_utf8_lossy(&got).to_string();
    assert!(
        raw.contains("multipart/alternative") && raw.contains("text/html"),
        "{raw}"
    );
    assert!(
        raw.contains("&lt;b&gt;not bold&lt;/b&gt;"),
        "agent text is escaped in the HTML part"
    );
    // The HTML part has the agent's formatting; the text part reads plainly.
    assert!(raw.contains("<strong>today</strong>"), "{raw}");
    // (The HTML part is quoted-printable: soft line breaks, `=3D` for `=`.)
    let html = raw.replace("=\r\n", "").replace("=\n", "").replace("=3D", "=");
    assert!(
        html.contains(r#"<a href="https://track.example/42">track it</a>"#),
        "{raw}"
    );
    assert!(
        raw.contains("It left today: track it (https://track.example/42) <b>not bold</b>"),
        "{raw}"
    );
    assert!(!raw.contains("**today**"), "no Markdown markers reach the mail: {raw}");
    // The colleague in Cc got it too.
    eventually(20, "the Cc copy", || async {
        mailbox(servers, &cc).await.into_iter().next()
    })
    .await;
    // The message is sent, with the Message-ID as its source id.
    let sent = message_where(&app, display, &reply["id"], "the reply's source id", |m| {
        m["source_id"].is_string()
    })
    .await;
    assert_eq!(sent["status"], "sent");
    loop {
        let u = live.expect("message.updated").await;
        if u["id"] == sent["id"] && u["source_id"] == sent["source_id"] {
            break;
        }
    }
    assert_eq!(sent["source_id"], our_id.trim_matches(['<', '>']));

    // The customer answers from their mail client: to the Reply-To address,
    // In-Reply-To our Message-ID. It reaches the inbox's mailbox through the
    // inbound domain and lands in the same conversation.
    let answer: lettre::Message = lettre::Message::builder()
        .from(customer.parse().unwrap())
        .to(format!("reply+{uuid}@{d}").parse().unwrap())
        .subject("Re: Where is my parcel?")
        .message_id(Some(format!("<c2@{d}>")))
        .in_reply_to(our_id.clone())
        .references(format!("<c1@{d}> {our_id}"))
        .body("Thank you!\r\n\r\nOn Sun, Alice Admin wrote:\r\n> It left today\r\n".to_string())
        .unwrap();
    send(servers, answer).await;
    let msgs = eventually(20, "the answer in the conversation", || async {
        let m = messages(&app, display).await;
        (m.len() == 3).then_some(m)
    })
    .await;
    assert_eq!(msgs[2]["content"], "Thank you!");
    assert_eq!(msgs[2]["message_type"], 0);

    // A reply with a file and a blind copy: the file is an attachment part,
    // the Bcc address gets the mail without being named in it.
    let bcc = format!("audit@{d}");
    let form = reqwest::multipart::Form::new()
        .text("content", "The invoice is attached.")
        .text("bcc_emails", bcc.clone())
        .part(
            "attachments[]",
            reqwest::multipart::Part::bytes(b"Invoice 42, paid".to_vec())
                .file_name("invoice.txt")
                .mime_str("text/plain")
                .unwrap(),
        );
    let r = app
        .client
        .post(format!(
            "{}{}",
            app.base,
            app.acc(&format!("/conversations/{display}/messages"))
        ))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let with_file = eventually(20, "the mail with the file", || async {
        mailbox(servers, &customer).await.into_iter().nth(1)
    })
    .await;
    let raw = String::from_utf8_lossy(&with_file).to_string();
    assert!(raw.contains("multipart/mixed"), "{raw}");
    assert!(raw.contains("filename=\"invoice.txt\""), "{raw}");
    assert!(header(&with_file, "Bcc").is_none(), "Bcc is not shown to the customer");
    assert_eq!(
        header(&with_file, "In-Reply-To").as_deref(),
        Some(format!("<c2@{d}>").as_str()),
        "threads on the latest mail"
    );
    let blind = eventually(20, "the blind copy", || async {
        mailbox(servers, &bcc).await.into_iter().next()
    })
    .await;
    assert_eq!(header(&blind, "Message-ID"), header(&with_file, "Message-ID"));

    // A reply with its own HTML: sanitised, sent as the HTML part beside the text.
    let (s, v) = app
        .post(
            &app.acc(&format!("/conversations/{display}/messages")),
            json!({ "content": "Styled", "email_html_content": { "html": "no" } }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let styled = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({
                "content": "Styled",
                "email_html_content": "<p>Your <b>order</b> shipped</p><script>steal()</script><a href=\"javascript:x()\">x</a>",
            })),
        )
        .await;
    let kept = styled["content_attributes"]["email"]["html_content"]["full"]
        .as_str()
        .unwrap();
    assert!(
        kept.contains("<b>order</b>") && !kept.contains("script") && !kept.contains("javascript:"),
        "{kept}"
    );
    let html_mail = eventually(20, "the mail with its own HTML", || async {
        mailbox(servers, &customer).await.into_iter().nth(2)
    })
    .await;
    let raw = String::from_utf8_lossy(&html_mail).replace("=\r\n", "");
    assert!(raw.contains("<b>order</b>"), "{raw}");
    assert!(!raw.contains("steal()"), "{raw}");

    // Later polls import nothing twice.
    let polled = app.core().run_channel_task("imap_poll", inbox_id).await.unwrap();
    assert_eq!(polled, 0);
    assert_eq!(messages(&app, display).await.len(), 5);
    assert_eq!(conversations(&app).await.len(), 1);
    // Naming the mailbox anew (here its folder) starts its reading over;
    // what was imported is recognised by its Message-ID.
    let read_up_to = app
        .ok(Method::GET, &app.acc(&format!("/inboxes/{inbox_id}")), None)
        .await["imap_status"]["last_uid"]
        .as_i64()
        .unwrap();
    assert!(read_up_to >= 2);
    let changed = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/inboxes/{inbox_id}")),
            Some(json!({ "channel": { "imap_folder": "INBOX" } })),
        )
        .await;
    assert_eq!(
        changed["imap_status"]["last_uid"], 0,
        "the cursor starts over: {changed}"
    );
    let _ = app.core().run_channel_task("imap_poll", inbox_id).await.unwrap();
    let shown = app
        .ok(Method::GET, &app.acc(&format!("/inboxes/{inbox_id}")), None)
        .await;
    assert_eq!(
        shown["imap_status"]["last_uid"], read_up_to,
        "read again up to the same mail"
    );
    assert_eq!(messages(&app, display).await.len(), 5, "nothing imported twice");
    assert_eq!(conversations(&app).await.len(), 1);
    // How the mailbox's reading goes is shown to administrators.
    let shown = app
        .ok(Method::GET, &app.acc(&format!("/inboxes/{inbox_id}")), None)
        .await;
    assert!(shown["imap_status"]["polled_at"].as_i64().unwrap() > 0, "{shown}");
    assert_eq!(shown["imap_status"]["last_error"], Value::Null);

    // A refused SMTP login fails the reply at once, with the server's reason.
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox_id}")),
        Some(json!({ "channel": { "smtp_password": "not the password" } })),
    )
    .await;
    let bad = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "This one cannot leave" })),
        )
        .await;
    let failed = message_where(&app, display, &bad["id"], "the reply marked failed", |m| {
        m["status"] == "failed"
    })
    .await;
    let reason = failed["content_attributes"]["external_error"].as_str().unwrap();
    assert!(
        reason.contains("535") || reason.to_lowercase().contains("auth"),
        "{reason}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threading_sqlite() {
    threading(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn threading_postgres() {
    threading(Db::Postgres).await;
}

/// Mail servers are typed by administrators, so they pass the same address
/// check as webhooks: without the operator's leave, loopback is refused
/// (an IMAP server when the inbox is made, an SMTP server when a reply
/// leaves: failed at once, with the reason).
async fn private_mail_servers(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.allow_private_targets = Some(false)).await else {
        return;
    };
    let d = domain();
    let mut imap = email_inbox(&format!("help@{d}"), None, "");
    imap["channel"]["imap_enabled"] = json!(true);
    imap["channel"]["imap_address"] = json!("127.0.0.1");
    imap["channel"]["imap_port"] = json!(993);
    let (s, v) = app.post(&app.acc("/inboxes"), imap).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("not a public address"), "{v}");

    let mut smtp = email_inbox(&format!("desk@{d}"), None, "");
    smtp["channel"]["smtp_enabled"] = json!(true);
    smtp["channel"]["smtp_address"] = json!("localhost");
    smtp["channel"]["smtp_port"] = json!(2525);
    let inbox = app.ok(Method::POST, &app.acc("/inboxes"), Some(smtp)).await;
    let token = token_of(&inbox);
    let raw = mail(
        "ivan@customer.test",
        &format!("desk@{d}"),
        "p-1@customer.test",
        "Hi",
        "",
        "Hello",
    );
    assert_eq!(post_raw(&app, &token, &raw).await, StatusCode::OK);
    let display = conversations(&app).await[0]["id"].as_i64().unwrap();
    let r = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{display}/messages")),
            Some(json!({ "content": "Hello back" })),
        )
        .await;
    let failed = message_where(&app, display, &r["id"], "the reply refused", |m| {
        m["status"] == "failed"
    })
    .await;
    assert!(
        failed["content_attributes"]["external_error"]
            .as_str()
            .unwrap()
            .contains("not a public address"),
        "{failed}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_mail_servers_sqlite() {
    private_mail_servers(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_mail_servers_postgres() {
    private_mail_servers(Db::Postgres).await;
}
