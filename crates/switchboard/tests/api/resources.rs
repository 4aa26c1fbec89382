//! Accounts, profile, sign-in, agents, inboxes and members, teams, labels,
//! canned responses.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

async fn sign_in_and_profile(app: TestApp) {
    let r = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": "ALICE@acme.test", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["data"]["email"], "alice@acme.test");
    assert_eq!(body["data"]["access_token"], app.token);
    for k in ["access-token", "client", "uid", "expiry"] {
        assert!(h.get(k).is_some(), "{k} header");
    }
    // The session headers authenticate like a token.
    let p = app
        .client
        .get(format!("{}/api/v1/profile", app.base))
        .header("access-token", h["access-token"].to_str().unwrap())
        .header("client", h["client"].to_str().unwrap())
        .header("uid", h["uid"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(p.status(), StatusCode::OK);
    let profile: Value = p.json().await.unwrap();
    assert_eq!(profile["accounts"][0]["id"], app.account_id);
    assert_eq!(profile["accounts"][0]["role"], "administrator");
    assert!(profile["pubsub_token"].as_str().unwrap().len() >= 20);
    // A wrong session token is refused.
    let bad = app
        .client
        .get(format!("{}/api/v1/profile", app.base))
        .header("access-token", "wrong")
        .header("client", h["client"].to_str().unwrap())
        .header("uid", h["uid"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::UNAUTHORIZED);
    // Wrong password, unknown user, bad token.
    let r = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": "alice@acme.test", "password": "nope" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, b) = app.call(Method::GET, "/api/v1/profile", "not-a-token", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    assert_eq!(b["error"], "Invalid Access Token");
    let r = app
        .client
        .get(format!("{}/api/v1/profile", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Resetting the API token retires the old one.
    let reset = app.ok(Method::POST, "/api/v1/profile/reset_access_token", None).await;
    let new_token = reset["access_token"].as_str().unwrap().to_string();
    assert_ne!(new_token, app.token);
    let (s, _) = app.call(Method::GET, "/api/v1/profile", &app.token, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.call(Method::GET, "/api/v1/profile", &new_token, None).await;
    assert_eq!(s, StatusCode::OK);
    let mut app = app;
    app.token = new_token;
    // Signing out ends that session.
    let r = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": "alice@acme.test", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    let h2 = r.headers().clone();
    let out = app
        .client
        .delete(format!("{}/auth/sign_out", app.base))
        .header("access-token", h2["access-token"].to_str().unwrap())
        .header("client", h2["client"].to_str().unwrap())
        .header("uid", h2["uid"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::OK);
    let after = app
        .client
        .get(format!("{}/api/v1/profile", app.base))
        .header("access-token", h2["access-token"].to_str().unwrap())
        .header("client", h2["client"].to_str().unwrap())
        .header("uid", h2["uid"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    // Changing the password ends sessions.
    let (s, _) = app
        .put(
            "/api/v1/profile",
            json!({ "password": "new password 99", "current_password": "wrong" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.ok(
        Method::PUT,
        "/api/v1/profile",
        Some(json!({ "password": "new password 99", "current_password": "correct horse battery" })),
    )
    .await;
    let old_session = app
        .client
        .get(format!("{}/api/v1/profile", app.base))
        .header("access-token", h["access-token"].to_str().unwrap())
        .header("client", h["client"].to_str().unwrap())
        .header("uid", h["uid"].to_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(old_session.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
both!(sign_in_and_profile);

async fn sign_in_is_rate_limited_without_locking_out(app: TestApp) {
    let url = format!("{}/auth/sign_in", app.base);
    let mut limited = false;
    for _ in 0..8 {
        let r = app
            .client
            .post(&url)
            .json(&json!({ "email": "alice@acme.test", "password": "guess" }))
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(r.headers().get("retry-after").is_some());
            limited = true;
            break;
        }
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert!(limited, "repeated failures from one address are limited");
    // Another user signing in from the same address is unaffected by Alice's failures.
    let (_, _) = app.agent("Bob", "bob@acme.test", "agent").await;
    let r = app
        .client
        .post(&url)
        .json(&json!({ "email": "bob@acme.test", "password": "agent password 1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}
both!(sign_in_is_rate_limited_without_locking_out);

async fn account_and_agents(app: TestApp) {
    let a = app.ok(Method::GET, &app.acc(""), None).await;
    assert_eq!(a["name"], "Acme");
    let a = app
        .ok(
            Method::PATCH,
            &app.acc(""),
            Some(json!({ "name": "Acme Ltd", "support_email": "help@acme.test" })),
        )
        .await;
    assert_eq!(a["name"], "Acme Ltd");
    let (bob, bob_token) = app.agent("Bob Agent", "bob@acme.test", "agent").await;
    let list = app.ok(Method::GET, &app.acc("/agents"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let bob_row = list
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == bob)
        .unwrap()
        .clone();
    assert_eq!(bob_row["role"], "agent");
    assert_eq!(bob_row["account_id"], app.account_id);
    let (s, _) = app
        .post(&app.acc("/agents"), json!({ "name": "Bob", "email": "bob@acme.test" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "already an agent");
    let (s, _) = app
        .post(
            &app.acc("/agents"),
            json!({ "name": "X", "email": "x@acme.test", "role": "owner" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Agents cannot administer.
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc("/agents"),
            &bob_token,
            Some(json!({ "name": "Y", "email": "y@acme.test" })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc("/inboxes"),
            &bob_token,
            Some(json!({ "name": "Y", "channel": { "type": "api" } })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/agents/{bob}")),
            Some(json!({ "role": "administrator", "availability": "busy" })),
        )
        .await;
    assert_eq!(v["role"], "administrator");
    assert_eq!(v["availability_status"], "busy");
    let (s, _) = app.delete(&app.acc(&format!("/agents/{bob}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(Method::GET, &app.acc("/conversations"), &bob_token, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a removed agent loses the account");
    let (s, _) = app.delete(&app.acc(&format!("/agents/{}", app.admin_id))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "cannot remove yourself");
    let (s, v) = app
        .patch(
            &app.acc(&format!("/agents/{}", app.admin_id)),
            json!({ "role": "agent" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "cannot demote yourself: {v}");
    let me = app.ok(Method::GET, &app.acc("/agents"), None).await;
    assert!(
        me.as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == app.admin_id && a["role"] == "administrator")
    );
    // Naming one's own current role changes nothing and is fine.
    let (s, _) = app
        .patch(
            &app.acc(&format!("/agents/{}", app.admin_id)),
            json!({ "role": "administrator", "availability": "online" }),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}
both!(account_and_agents);

async fn inboxes_and_members(app: TestApp) {
    let w = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({
                "name": "Website", "greeting_enabled": true, "greeting_message": "Hi!",
                "channel": { "type": "web_widget", "website_url": "https://acme.test", "widget_color": "#ff0000", "welcome_title": "Hello", "reply_time": "in_a_few_hours", "allowed_domains": "acme.test" }
            })),
        )
        .await;
    let id = w["id"].as_i64().unwrap();
    assert_eq!(w["channel_type"], "Channel::WebWidget");
    assert_eq!(w["widget_color"], "#ff0000");
    assert_eq!(w["greeting_message"], "Hi!");
    assert!(w["website_token"].as_str().unwrap().len() >= 20);
    assert!(w["hmac_token"].is_string(), "administrators see the hmac token");
    let u = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/inboxes/{id}")),
            Some(json!({ "name": "Site", "channel": { "welcome_tagline": "We reply fast" } })),
        )
        .await;
    assert_eq!(u["name"], "Site");
    assert_eq!(u["welcome_tagline"], "We reply fast");
    assert_eq!(u["widget_color"], "#ff0000");
    let (s, _) = app
        .patch(&app.acc(&format!("/inboxes/{id}")), json!({ "name": "n".repeat(256) }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "names are limited on update too");
    for bad in [
        json!({ "name": "x", "channel": { "type": "carrier_pigeon" } }),
        json!({ "name": "x" }),
        json!({ "channel": { "type": "api" } }),
        json!({ "name": "x", "channel": { "type": "api", "webhook_url": "ftp://nope" } }),
        json!({ "name": "x", "channel": { "type": "web_widget", "reply_time": "never" } }),
        json!({ "name": "x", "channel": { "type": "web_widget", "widget_color": "red" } }),
        json!({ "name": "x", "greeting_enabled": "sure", "channel": { "type": "api" } }),
        json!({ "name": "x", "channel": { "type": "telegram", "bot_token": "1:x" } }),
    ] {
        let (s, b) = app.post(&app.acc("/inboxes"), bad.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {b}");
    }
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (s, _) = app
        .call(Method::GET, &app.acc(&format!("/inboxes/{id}")), &bob_token, None)
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND, "agents see only their inboxes");
    let m = app
        .ok(
            Method::POST,
            &app.acc("/inbox_members"),
            Some(json!({ "inbox_id": id, "user_ids": [bob] })),
        )
        .await;
    assert_eq!(m["payload"][0]["id"], bob);
    let m = app
        .ok(Method::GET, &app.acc(&format!("/inbox_members/{id}")), None)
        .await;
    assert_eq!(m["payload"].as_array().unwrap().len(), 1);
    let (s, v) = app
        .call(Method::GET, &app.acc(&format!("/inboxes/{id}")), &bob_token, None)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(v.get("hmac_token").is_none(), "agents do not see secrets");
    let list = app.call(Method::GET, &app.acc("/inboxes"), &bob_token, None).await.1;
    assert_eq!(list["payload"].as_array().unwrap().len(), 1);
    let m = app
        .ok(
            Method::PATCH,
            &app.acc("/inbox_members"),
            Some(json!({ "inbox_id": id, "user_ids": [app.admin_id] })),
        )
        .await;
    assert_eq!(m["payload"].as_array().unwrap().len(), 1);
    assert_eq!(m["payload"][0]["id"], app.admin_id);
    let m = app
        .call(
            Method::DELETE,
            &app.acc("/inbox_members"),
            &app.token,
            Some(json!({ "inbox_id": id, "user_ids": [app.admin_id] })),
        )
        .await;
    assert_eq!(m.0, StatusCode::OK);
    assert_eq!(m.1["payload"].as_array().unwrap().len(), 0);
    let (s, _) = app
        .post(
            &app.acc("/inbox_members"),
            json!({ "inbox_id": id, "user_ids": [999999] }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.delete(&app.acc(&format!("/inboxes/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.get(&app.acc(&format!("/inboxes/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(inboxes_and_members);

async fn teams_labels_canned(app: TestApp) {
    let t = app
        .ok(
            Method::POST,
            &app.acc("/teams"),
            Some(json!({ "team": { "name": "Sales", "description": "Deals" } })),
        )
        .await;
    let tid = t["id"].as_i64().unwrap();
    assert_eq!(t["name"], "sales");
    let (s, _) = app.post(&app.acc("/teams"), json!({ "name": "sales" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let t = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/teams/{tid}")),
            Some(json!({ "description": "Big deals", "allow_auto_assign": false })),
        )
        .await;
    assert_eq!(t["allow_auto_assign"], false);
    let (bob, _) = app.agent("Bob", "bob@acme.test", "agent").await;
    let m = app
        .ok(
            Method::POST,
            &app.acc(&format!("/teams/{tid}/team_members")),
            Some(json!({ "user_ids": [bob, app.admin_id] })),
        )
        .await;
    assert_eq!(m.as_array().unwrap().len(), 2);
    let m = app
        .call(
            Method::DELETE,
            &app.acc(&format!("/teams/{tid}/team_members")),
            &app.token,
            Some(json!({ "user_ids": [bob] })),
        )
        .await
        .1;
    assert_eq!(m.as_array().unwrap().len(), 1);
    let list = app.ok(Method::GET, &app.acc("/teams"), None).await;
    assert_eq!(list[0]["is_member"], true);

    let l = app
        .ok(
            Method::POST,
            &app.acc("/labels"),
            Some(json!({ "label": { "title": "VIP", "color": "#00ff00" } })),
        )
        .await;
    assert_eq!(l["title"], "vip");
    let (s, _) = app.post(&app.acc("/labels"), json!({ "title": "vip" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.post(&app.acc("/labels"), json!({ "title": "bad title" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(&app.acc("/labels"), json!({ "title": "ok", "color": "green" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let l2 = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/labels/{}", l["id"])),
            Some(json!({ "description": "Top customers" })),
        )
        .await;
    assert_eq!(l2["description"], "Top customers");
    let labels = app.ok(Method::GET, &app.acc("/labels"), None).await;
    assert_eq!(labels["payload"][0]["title"], "vip");

    for (code, content) in [
        ("hello", "Hello! How can I help?"),
        ("refund", "Your refund is on its way."),
        ("bye", "Say hello to the team"),
    ] {
        app.ok(
            Method::POST,
            &app.acc("/canned_responses"),
            Some(json!({ "canned_response": { "short_code": code, "content": content } })),
        )
        .await;
    }
    let all = app.ok(Method::GET, &app.acc("/canned_responses"), None).await;
    assert_eq!(all.as_array().unwrap().len(), 3);
    let found = app
        .ok(Method::GET, &app.acc("/canned_responses?search=hel"), None)
        .await;
    let codes: Vec<&str> = found
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["short_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        vec!["hello", "bye"],
        "short-code matches first, then content matches"
    );
    let (s, _) = app
        .post(
            &app.acc("/canned_responses"),
            json!({ "short_code": "hello", "content": "dup" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(&app.acc("/canned_responses"), json!({ "short_code": "x" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let id = all[0]["id"].as_i64().unwrap();
    let u = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/canned_responses/{id}")),
            Some(json!({ "content": "Bye now" })),
        )
        .await;
    assert_eq!(u["content"], "Bye now");
    let (s, _) = app.delete(&app.acc(&format!("/canned_responses/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.delete(&app.acc(&format!("/teams/{tid}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.delete(&app.acc(&format!("/labels/{}", l["id"]))).await;
    assert_eq!(s, StatusCode::OK);
    app.stop().await;
}
both!(teams_labels_canned);

/// The dashboard's cookie session: HttpOnly session cookie plus a readable
/// CSRF cookie; reads need only the cookie, writes also the matching
/// `X-CSRF-Token` header and, when the browser names one, our own Origin.
async fn cookie_sessions_guard_writes_with_csrf_and_origin(app: TestApp) {
    let r = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": "alice@acme.test", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let set: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    let find = |name: &str| {
        set.iter()
            .find(|c| c.starts_with(&format!("{name}=")))
            .unwrap_or_else(|| panic!("no {name} cookie in {set:?}"))
            .clone()
    };
    let session = find("sb_session");
    let csrf = find("sb_csrf");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Lax") && session.contains("Path=/"));
    assert!(
        !csrf.contains("HttpOnly"),
        "the page must be able to read the CSRF cookie"
    );
    assert!(!session.contains("Secure"), "plain-http public URL: no Secure flag");
    let value = |c: &str| c.split(';').next().unwrap().to_string();
    let (session, csrf) = (value(&session), value(&csrf));
    let csrf_value = csrf.split_once('=').unwrap().1.to_string();
    let cookies = format!("{session}; {csrf}");
    let url = format!("{}/api/v1/profile", app.base);

    // Reads need only the cookie.
    let r = app.client.get(&url).header("cookie", &cookies).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["email"], "alice@acme.test");

    // Writes without the header, with a wrong one, or from another origin are refused.
    let change = json!({ "name": "Alice Cookie" });
    let put = |csrf: Option<&str>, origin: Option<&str>| {
        let mut req = app.client.put(&url).header("cookie", &cookies).json(&change);
        if let Some(c) = csrf {
            req = req.header("x-csrf-token", c);
        }
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        async move { req.send().await.unwrap().status() }
    };
    assert_eq!(put(None, None).await, StatusCode::FORBIDDEN);
    assert_eq!(put(Some("guessed"), None).await, StatusCode::FORBIDDEN);
    assert_eq!(
        put(Some(&csrf_value), Some("http://evil.example")).await,
        StatusCode::FORBIDDEN
    );
    assert_eq!(put(Some(&csrf_value), Some("null")).await, StatusCode::FORBIDDEN);
    let unchanged = app.ok(Method::GET, "/api/v1/profile", None).await;
    assert_ne!(unchanged["name"], "Alice Cookie");

    // From our own page with the header, the write goes through.
    assert_eq!(put(Some(&csrf_value), Some(&app.base)).await, StatusCode::OK);
    assert_eq!(
        app.ok(Method::GET, "/api/v1/profile", None).await["name"],
        "Alice Cookie"
    );

    // A password change from the page ends every other session but hands
    // this browser a fresh one.
    let (_, other_token) = {
        let r = app
            .client
            .post(format!("{}/auth/sign_in", app.base))
            .json(&json!({ "email": "alice@acme.test", "password": "correct horse battery" }))
            .send()
            .await
            .unwrap();
        let h = r.headers().clone();
        (
            h["client"].to_str().unwrap().to_string(),
            h["access-token"].to_str().unwrap().to_string(),
        )
    };
    let r = app
        .client
        .put(&url)
        .header("cookie", &cookies)
        .header("x-csrf-token", &csrf_value)
        .header("origin", &app.base)
        .json(&json!({ "current_password": "correct horse battery", "password": "battery staple horse", "password_confirmation": "battery staple horse" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let fresh: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .collect();
    let fresh_session = fresh
        .iter()
        .find(|c| c.starts_with("sb_session="))
        .expect("a fresh session")
        .clone();
    let fresh_csrf = fresh
        .iter()
        .find(|c| c.starts_with("sb_csrf="))
        .expect("a fresh CSRF cookie")
        .clone();
    let r = app.client.get(&url).header("cookie", &cookies).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "the old cookie session ended");
    let r = app
        .client
        .get(&url)
        .header("access-token", &other_token)
        .header("uid", "alice@acme.test")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "another sign-in ended");
    let r = app
        .client
        .get(&url)
        .header("cookie", format!("{fresh_session}; {fresh_csrf}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "this browser stays signed in");
    let cookies = format!("{fresh_session}; {fresh_csrf}");
    let csrf_value = fresh_csrf.split_once('=').unwrap().1.to_string();

    // Tokens are unaffected by the CSRF rule: a foreign page cannot attach them.
    let r = app
        .client
        .put(&url)
        .header("api_access_token", &app.token)
        .header("origin", "http://evil.example")
        .json(&json!({ "name": "Alice" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // A forged or tampered session cookie is refused.
    for forged in [
        "sb_session=abc.def.alice%40acme.test".to_string(),
        format!("{session}x"),
        "sb_session=not-a-session".to_string(),
    ] {
        let r = app
            .client
            .get(&url)
            .header("cookie", forged.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{forged}");
    }

    // Signing out (a write: CSRF applies) ends the session and expires the cookies.
    let r = app
        .client
        .delete(format!("{}/auth/sign_out", app.base))
        .header("cookie", &cookies)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .client
        .delete(format!("{}/auth/sign_out", app.base))
        .header("cookie", &cookies)
        .header("x-csrf-token", &csrf_value)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cleared: Vec<String> = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect();
    assert!(
        cleared
            .iter()
            .any(|c| c.starts_with("sb_session=;") && c.contains("Max-Age=0")),
        "{cleared:?}"
    );
    let r = app.client.get(&url).header("cookie", &cookies).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
both!(cookie_sessions_guard_writes_with_csrf_and_origin);
