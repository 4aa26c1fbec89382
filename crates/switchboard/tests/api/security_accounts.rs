//! Attacks on people's logins, each written as the attack: an administrator
//! of one account reaching users of another, stolen tokens that outlive a
//! reset, guessing a password through the profile, header injection through
//! a name. Each failed on the code before its fix.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::cable_client::{Cable, agent_identifier};
use crate::helpers::{Db, TestApp};

async fn sign_in(app: &TestApp, email: &str, password: &str) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn link_token(v: &Value) -> String {
    let url = v["invitation"]["invitation_url"].as_str().expect("invitation link");
    url.rsplit_once("/invitation/").unwrap().1.to_string()
}

async fn admin_cannot_take_over_a_user_of_another_account(app: TestApp) {
    // Olga administers another account; Alice (this account's
    // administrator) knows her address.
    let (_, olga_token) = app.other_account().await;
    let olga_id = app.call(Method::GET, "/api/v1/profile", &olga_token, None).await.1["id"]
        .as_i64()
        .unwrap();

    // Adding her address answers exactly like adding an address nobody has.
    let (s, known) = app
        .post(
            &app.acc("/agents"),
            json!({ "name": "Olga", "email": "olga@other.test" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{known}");
    let (s, unknown) = app
        .post(
            &app.acc("/agents"),
            json!({ "name": "Nina", "email": "nina@nowhere.test" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{unknown}");
    let keys = |v: &Value| {
        let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
        k.extend(
            v["invitation"]
                .as_object()
                .unwrap()
                .keys()
                .map(|x| format!("invitation.{x}")),
        );
        k.sort();
        k
    };
    assert_eq!(keys(&known), keys(&unknown));
    for v in [&known, &unknown] {
        assert_eq!(v["confirmed"], false);
        assert_eq!(v["availability_status"], "offline");
        assert_eq!(v["invitation"]["status"], "pending");
    }
    assert_ne!(
        known["id"],
        json!(olga_id),
        "no user id that tells the address had a user"
    );
    assert_eq!(
        known["name"], "Olga",
        "the name the administrator typed, not the person's"
    );

    // She is no member: not listed, and nothing of hers can be changed.
    let agents = app.ok(Method::GET, &app.acc("/agents"), None).await;
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["email"] != "olga@other.test")
    );
    for body in [
        json!({ "password": "taken over password" }),
        json!({ "name": "Owned" }),
        json!({ "role": "administrator" }),
    ] {
        let (s, _) = app.patch(&app.acc(&format!("/agents/{olga_id}")), body).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    // A password in the invitation itself is refused (nobody sets another's).
    let (s, _) = app
        .post(
            &app.acc("/agents"),
            json!({ "name": "Pam", "email": "pam@nowhere.test", "password": "chosen by the admin" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // The link alone does not sign anyone in to an existing login.
    let token = link_token(&known);
    let r = app
        .client
        .post(format!("{}/auth/invitation", app.base))
        .json(&json!({ "token": token, "password": "taken over password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        sign_in(&app, "olga@other.test", "taken over password").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&app, "olga@other.test", "other password 1").await.0,
        StatusCode::OK
    );

    // Olga sees the invitation after signing in, and accepts it herself.
    let mine = app
        .call(Method::GET, "/api/v1/profile/invitations", &olga_token, None)
        .await
        .1;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0]["account_name"], "Acme");
    assert_eq!(mine[0]["role"], "agent");
    // Nobody else can accept it for her.
    let inv = mine[0]["id"].as_i64().unwrap();
    let (s, _) = app
        .post(&format!("/api/v1/profile/invitations/{inv}/accept"), json!({}))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "Alice cannot accept Olga's invitation");
    let (s, p) = app
        .call(
            Method::POST,
            &format!("/api/v1/profile/invitations/{inv}/accept"),
            &olga_token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["accounts"].as_array().unwrap().len(), 2);
    let agents = app.ok(Method::GET, &app.acc("/agents"), None).await;
    assert!(agents.as_array().unwrap().iter().any(|a| a["id"] == olga_id));

    // Now a member: the administrator manages the membership, never the person.
    let (s, _) = app
        .patch(
            &app.acc(&format!("/agents/{olga_id}")),
            json!({ "password": "taken over password" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .patch(&app.acc(&format!("/agents/{olga_id}")), json!({ "name": "Owned" }))
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = app
        .patch(
            &app.acc(&format!("/agents/{olga_id}")),
            json!({ "email": "mine@evil.test" }),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // What a client read and sends back unchanged passes, with the role.
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/agents/{olga_id}")),
            Some(json!({ "name": "Olga Other", "email": "olga@other.test", "role": "administrator" })),
        )
        .await;
    assert_eq!(v["role"], "administrator");
    assert_eq!(
        sign_in(&app, "olga@other.test", "other password 1").await.0,
        StatusCode::OK
    );
    let me = app.call(Method::GET, "/api/v1/profile", &olga_token, None).await.1;
    assert_eq!(me["name"], "Olga Other");

    // The used link does not work again; an agent cannot invite.
    let r = app
        .client
        .post(format!("{}/auth/invitation", app.base))
        .json(&json!({ "token": token, "password": "other password 1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(admin_cannot_take_over_a_user_of_another_account);

async fn invited_address_chooses_its_own_password(app: TestApp) {
    let v = app
        .ok(
            Method::POST,
            &app.acc("/agents"),
            Some(json!({ "name": "Dan\r\nBcc: x@evil.test", "email": "Dan@Acme.test", "role": "administrator" })),
        )
        .await;
    assert_eq!(v["name"], "Dan Bcc: x@evil.test", "names are one line");
    let token = link_token(&v);
    let inv = v["id"].as_i64().unwrap();
    // The account's administrators see and may withdraw it; another
    // account's cannot.
    let list = app.ok(Method::GET, &app.acc("/invitations"), None).await;
    assert_eq!(list["payload"].as_array().unwrap().len(), 1);
    assert!(
        list["payload"][0]["invitation"]["invitation_url"].is_null(),
        "the link is shown once"
    );
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{}/invitations", app.account_id),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("/api/v1/accounts/{other}/invitations/{inv}"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Before choosing a password, the address cannot sign in.
    assert_eq!(sign_in(&app, "dan@acme.test", "").await.0, StatusCode::UNAUTHORIZED);

    let info = app
        .client
        .get(format!("{}/auth/invitation?token={token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), StatusCode::OK);
    let info: Value = info.json().await.unwrap();
    assert_eq!(info["account_name"], "Acme");
    assert_eq!(info["email"], "dan@acme.test");
    assert_eq!(info["role"], "administrator");
    assert!(info.get("needs_password").is_none());
    let bad = app
        .client
        .get(format!("{}/auth/invitation?token=x{token}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let accept = |password: &'static str| {
        app.client
            .post(format!("{}/auth/invitation", app.base))
            .json(&json!({ "token": token.clone(), "password": password, "name": "Dan Daniels" }))
            .send()
    };
    assert_eq!(
        accept("short").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let r = accept("dan's own password").await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().get("access-token").is_some(), "signed in");
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["data"]["name"], "Dan Daniels");
    assert_eq!(me["data"]["accounts"][0]["role"], "administrator");
    assert_eq!(
        accept("another password").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        sign_in(&app, "dan@acme.test", "dan's own password").await.0,
        StatusCode::OK
    );

    // A withdrawn invitation's link stops working.
    let v = app
        .ok(
            Method::POST,
            &app.acc("/agents"),
            Some(json!({ "name": "Eve", "email": "eve@acme.test" })),
        )
        .await;
    let eve_token = link_token(&v);
    app.ok(Method::DELETE, &app.acc(&format!("/invitations/{}", v["id"])), None)
        .await;
    let r = app
        .client
        .post(format!("{}/auth/invitation", app.base))
        .json(&json!({ "token": eve_token, "password": "eve's own password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(invited_address_chooses_its_own_password);

async fn a_reset_token_rotates_the_realtime_token(app: TestApp) {
    let (_, bob) = app.agent("Bob", "bob@acme.test", "agent").await;
    let before = agent_identifier(&app, &bob).await;
    let (s, _) = app
        .call(Method::POST, "/api/v1/profile/reset_access_token", &bob, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call(Method::GET, "/api/v1/profile", &bob, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the old API token is dead");
    let new_token = app
        .core()
        .access_token_of(before["user_id"].as_i64().unwrap())
        .await
        .unwrap();
    let after = agent_identifier(&app, &new_token).await;
    assert_ne!(before["pubsub_token"], after["pubsub_token"]);
    let mut c = Cable::connect(&app).await;
    assert_eq!(
        c.subscribe(&before).await,
        "reject",
        "a stolen pubsub token keeps nothing"
    );
    assert_eq!(c.subscribe(&after).await, "confirm");
    app.stop().await;
}
both!(a_reset_token_rotates_the_realtime_token);

async fn sign_out_everywhere_ends_sessions_and_tokens(app: TestApp) {
    let (bob_id, bob) = app.agent("Bob", "bob@acme.test", "agent").await;
    let r = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": "bob@acme.test", "password": "agent password 1" }))
        .send()
        .await
        .unwrap();
    let h = r.headers().clone();
    let session = |req: reqwest::RequestBuilder| {
        req.header("access-token", h["access-token"].clone())
            .header("client", h["client"].clone())
            .header("uid", h["uid"].clone())
    };
    let r = session(app.client.get(format!("{}/api/v1/profile", app.base)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ident = agent_identifier(&app, &bob).await;
    let mut c = Cable::connect(&app).await;
    assert_eq!(c.subscribe(&ident).await, "confirm");

    let (s, _) = app.call(Method::DELETE, "/api/v1/profile/sessions", &bob, None).await;
    assert_eq!(s, StatusCode::OK);
    let r = session(app.client.get(format!("{}/api/v1/profile", app.base)))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the session ended");
    let (s, _) = app.call(Method::GET, "/api/v1/profile", &bob, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "the API token ended");
    let closed = c.closed_by_server().await;
    assert!(closed, "the socket closed");
    let fresh = app.core().access_token_of(bob_id).await.unwrap();
    assert_ne!(fresh, bob);
    let (s, _) = app.call(Method::GET, "/api/v1/profile", &fresh, None).await;
    assert_eq!(s, StatusCode::OK);
    // The password still signs in (it was not what leaked).
    assert_eq!(
        sign_in(&app, "bob@acme.test", "agent password 1").await.0,
        StatusCode::OK
    );
    app.stop().await;
}
both!(sign_out_everywhere_ends_sessions_and_tokens);

async fn the_profile_is_no_password_oracle(app: TestApp) {
    let (_, bob) = app.agent("Bob", "bob@acme.test", "agent").await;
    let mut statuses = Vec::new();
    for i in 0..12 {
        let (s, _) = app
            .call(
                Method::PUT,
                "/api/v1/profile",
                &bob,
                Some(json!({ "current_password": format!("guess number {i}"), "password": "new password 123" })),
            )
            .await;
        statuses.push(s);
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "guessing through the profile is throttled: {statuses:?}"
    );
    assert_eq!(statuses[0], StatusCode::UNPROCESSABLE_ENTITY);
    // Other changes to the profile are not held up.
    let (s, v) = app
        .call(
            Method::PUT,
            "/api/v1/profile",
            &bob,
            Some(json!({ "display_name": "Bobby\r\nBcc: all@evil.test\t" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["display_name"], "Bobby Bcc: all@evil.test", "names are one line");
    app.stop().await;
}
both!(the_profile_is_no_password_oracle);

/// With the installation's SMTP server: the invitation and "forgot
/// password" links arrive by mail (and are never in an API answer).
async fn links_by_mail(db: Db) {
    let Some(servers) = crate::mail_servers::mail_servers() else {
        return;
    };
    let Some(app) = TestApp::spawn_with(db, |o| {
        o.smtp_url = Some(format!("smtp://127.0.0.1:{}", servers.smtp_port));
        o.mail_from = Some("Acme Help <help@acme.test>".into());
    })
    .await
    else {
        return;
    };
    let domain = format!("reset-{}.test", uuid::Uuid::new_v4().simple());
    let email = format!("rita@{domain}");
    let v = app
        .ok(
            Method::POST,
            &app.acc("/agents"),
            Some(json!({ "name": "Rita", "email": email })),
        )
        .await;
    assert!(v["invitation"]["invitation_url"].is_null(), "mailed, not shown");
    let link = |raw: &[u8], marker: &str| -> Option<String> {
        let text = String::from_utf8_lossy(raw).replace("=\r\n", "");
        let at = text.find(marker)? + marker.len();
        Some(text[at..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect())
    };
    let invitation = crate::helpers::eventually(20, "the invitation mail", || async {
        let mails = crate::mail_servers::mailbox(servers, &email).await;
        mails.first().and_then(|m| link(m, "#/invitation/"))
    })
    .await;
    let mail = crate::mail_servers::mailbox(servers, &email).await.remove(0);
    assert!(
        crate::mail_servers::header(&mail, "From")
            .unwrap()
            .contains("help@acme.test"),
        "sent as the installation"
    );
    // The job records the outcome just after the server took the mail.
    crate::helpers::eventually(10, "mail_status sent", || async {
        let list = app.ok(Method::GET, &app.acc("/invitations"), None).await;
        (list["payload"][0]["invitation"]["mail_status"] == "sent").then_some(())
    })
    .await;
    let r = app
        .client
        .post(format!("{}/auth/invitation", app.base))
        .json(&json!({ "token": invitation, "password": "rita's first password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Forgot password: the same answer for a real and an unknown address.
    let forgot = |e: String| {
        app.client
            .post(format!("{}/auth/password", app.base))
            .json(&json!({ "email": e }))
            .send()
    };
    let real: Value = forgot(email.clone()).await.unwrap().json().await.unwrap();
    let nobody: Value = forgot(format!("nobody@{domain}")).await.unwrap().json().await.unwrap();
    assert_eq!(real, nobody);
    let reset = crate::helpers::eventually(20, "the reset mail", || async {
        let mails = crate::mail_servers::mailbox(servers, &email).await;
        mails.get(1).and_then(|m| link(m, "#/reset-password/"))
    })
    .await;
    assert!(
        crate::mail_servers::mailbox(servers, &format!("nobody@{domain}"))
            .await
            .is_empty(),
        "nothing goes to an address without a login"
    );
    let put = |token: String, pw: &'static str| {
        app.client
            .put(format!("{}/auth/password", app.base))
            .json(&json!({ "reset_password_token": token, "password": pw, "password_confirmation": pw }))
            .send()
    };
    assert_eq!(
        put("wrong".into(), "rita's new password").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        put(reset.clone(), "rita's new password").await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        put(reset, "rita's third password").await.unwrap().status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "once"
    );
    assert_eq!(
        sign_in(&app, &email, "rita's first password").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(sign_in(&app, &email, "rita's new password").await.0, StatusCode::OK);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_by_mail_sqlite() {
    links_by_mail(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_by_mail_postgres() {
    if crate::helpers::postgres_url().is_some() {
        links_by_mail(Db::Postgres).await;
    }
}

/// A name with a line break, stored before names were cleaned (written
/// here straight into the database), neither stops an e-mail reply nor
/// adds a header to it: the mail leaves with the name on one line.
async fn a_stored_line_break_cannot_inject_mail_headers(db: Db) {
    let Some(servers) = crate::mail_servers::mail_servers() else {
        return;
    };
    let Some(app) = TestApp::spawn(db).await else {
        return;
    };
    let d = format!("inj{}.test", &uuid::Uuid::new_v4().simple().to_string()[..12]);
    let (support, customer, victim) = (format!("inbox@{d}"), format!("ivan@{d}"), format!("victim@{d}"));
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Support mail", "channel": {
                "type": "email", "email": support, "imap_enabled": false,
                "smtp_enabled": true, "smtp_address": "127.0.0.1", "smtp_port": servers.smtp_port,
                "smtp_login": support, "smtp_password": "secret", "smtp_enable_starttls_auto": false,
            }})),
        )
        .await;
    let token = inbox["raw_email_webhook_url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    {
        let mut tx = app.core().store.write().await.unwrap();
        let mut u = tx.get_user(app.admin_id).await.unwrap().unwrap();
        u.display_name = Some(format!("Alice\r\nBcc: {victim}"));
        tx.update_user(&u).await.unwrap();
        tx.commit().await.unwrap();
    }
    app.core().auth_cache.clear();
    let raw = format!(
        "From: Ivan <{customer}>\r\nTo: {support}\r\nSubject: Help\r\nMessage-ID: <m1@{d}>\r\nDate: Sun, 22 Nov 2026 10:00:00 +0000\r\nContent-Type: text/plain\r\n\r\nHello\r\n"
    );
    let r = reqwest::Client::new()
        .post(format!("{}/webhooks/email/{token}", app.base))
        .header("content-type", "message/rfc822")
        .body(raw)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let list = app.ok(Method::GET, &app.acc("/conversations?status=all"), None).await;
    let conv = list["data"]["payload"][0]["id"].as_i64().unwrap();
    let reply = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": "On it" })),
        )
        .await;
    let got = crate::helpers::eventually(20, "the reply in the customer's mailbox", || async {
        crate::mail_servers::mailbox(servers, &customer)
            .await
            .into_iter()
            .next()
    })
    .await;
    let from = crate::mail_servers::header(&got, "From").unwrap();
    assert_eq!(
        decode_words(&from),
        format!("Alice Bcc: {victim} from Support mail <{support}>"),
        "the name on one line: {from}"
    );
    assert!(crate::mail_servers::header(&got, "Bcc").is_none());
    let m = crate::helpers::message_where(&app, conv, &reply["id"], "sent", |m| m["status"] == "sent").await;
    assert_eq!(m["status"], "sent");
    assert!(
        crate::mail_servers::mailbox(servers, &victim).await.is_empty(),
        "no copy went to an address from the name"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_line_break_cannot_inject_mail_headers_sqlite() {
    a_stored_line_break_cannot_inject_mail_headers(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stored_line_break_cannot_inject_mail_headers_postgres() {
    if crate::helpers::postgres_url().is_some() {
        a_stored_line_break_cannot_inject_mail_headers(Db::Postgres).await;
    }
}

/// Decodes RFC 2047 `=?utf-8?b?...?=` words (what lettre writes for long
/// or non-ASCII names); other text is kept.
fn decode_words(header: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    for part in header.split(' ') {
        match part.strip_prefix("=?utf-8?b?").and_then(|p| p.strip_suffix("?=")) {
            Some(word) => {
                let bytes = base64::engine::general_purpose::STANDARD.decode(word).unwrap();
                out.push_str(&String::from_utf8(bytes).unwrap());
            }
            None => {
                out.push(' ');
                out.push_str(part);
            }
        }
    }
    out.trim().to_string()
}

/// A form's text fields together stay within the JSON body limit: many
/// fields just under it each (the old per-field check) no longer pile up in
/// memory. (A small limit, so the whole request fits the socket buffers and
/// the answer is read, not a reset.)
async fn form_fields_are_bounded_together(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.max_body_bytes = Some(64 * 1024)).await else {
        return;
    };
    let (_, _, conv) = app.setup_conversation(None).await;
    let big = "x".repeat(40 * 1024);
    let form = reqwest::multipart::Form::new()
        .text("content", big.clone())
        .text("echo_id", big.clone())
        .text("private", big);
    // A client of its own: the server closes a connection whose body it
    // refused, and a pooled one could be reused.
    let r = reqwest::Client::new()
        .post(format!(
            "{}{}",
            app.base,
            app.acc(&format!("/conversations/{conv}/messages"))
        ))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let list = crate::helpers::messages(&app, conv).await;
    assert!(
        list.iter()
            .all(|m| m["content"].as_str().is_none_or(|c| c.len() < 1000))
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_fields_are_bounded_together_sqlite() {
    form_fields_are_bounded_together(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn form_fields_are_bounded_together_postgres() {
    if crate::helpers::postgres_url().is_some() {
        form_fields_are_bounded_together(Db::Postgres).await;
    }
}
