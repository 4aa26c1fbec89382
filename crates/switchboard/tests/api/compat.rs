//! Rails' behaviour that Chatwoot's clients rely on: a trailing slash
//! routes like no slash, and `GET /api` answers the installation check.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

/// Every account path (from the router) and every method it answers,
/// with and without a trailing slash: the same answer. Reads use real ids;
/// writes use ids that exist nowhere, so nothing changes between the two.
async fn a_trailing_slash_routes_like_none(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let real = |path: &str| -> String {
        let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
        let id = match first {
            "inboxes" | "inbox_members" => inbox,
            "contacts" => contact,
            "conversations" => conv,
            _ => 999_999_999,
        };
        crate::helpers::with_missing_ids(&path.replace("{id}", &id.to_string()))
    };
    let missing = crate::helpers::with_missing_ids;
    let mut checked = 0;
    for path in switchboard_http::api::account_paths() {
        for m in [Method::GET, Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let filled = if m == Method::GET { real(path) } else { missing(path) };
            let plain = app.acc(filled.trim_end_matches('/'));
            let slashed = format!("{plain}/");
            // A write without ids (a create) gets an empty body.
            let body = (m != Method::GET).then(|| json!({}));
            let (s1, v1) = app.call(m.clone(), &plain, &app.token, body.clone()).await;
            if s1 == StatusCode::METHOD_NOT_ALLOWED {
                continue;
            }
            let (s2, v2) = app.call(m.clone(), &slashed, &app.token, body).await;
            assert_eq!(s1, s2, "{m} {slashed}: {v2} (without the slash: {v1})");
            // A refusal says the same; a create that takes an empty body
            // (a contact may be nameless) makes one each way.
            if !s1.is_success() {
                assert_eq!(v1, v2, "{m} {slashed}");
            }
            checked += 1;
        }
    }
    assert!(checked > 60, "{checked}");
    // Outside the account scope too.
    for path in ["/api/v1/profile/", "/api/v1/accounts/{a}/conversations/meta/", "/api/"] {
        let path = path.replace("{a}", &app.account_id.to_string());
        let (s, v) = app.get(&path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
    }
    let r = app
        .client
        .post(format!("{}/auth/sign_in/", app.base))
        .json(&json!({ "email": "alice@acme.test", "password": "correct horse battery" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}
both!(a_trailing_slash_routes_like_none);

async fn the_installation_check(app: TestApp) {
    let r = app.client.get(format!("{}/api", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["queue_services"], "ok");
    assert_eq!(v["data_services"], "ok");
    assert!(v["version"].as_str().is_some_and(|s| !s.is_empty()), "{v}");
    let ts = v["timestamp"].as_str().unwrap();
    assert_eq!(ts.len(), 19, "Rails' db format: {ts}");
    assert_eq!(&ts[10..11], " ");
    app.stop().await;
}
both!(the_installation_check);

/// Chatwoot's assignment controller: `assignee_id` wins when present; a
/// `team_id` that names no team of the account (0, 999, another account's)
/// clears the team and answers 200 null.
async fn the_assignment_matrix(app: TestApp) {
    let (_, _, conv) = app.setup_conversation(None).await;
    let path = app.acc(&format!("/conversations/{conv}/assignments"));
    let team = app
        .ok(Method::POST, &app.acc("/teams"), Some(json!({ "name": "billing" })))
        .await["id"]
        .as_i64()
        .unwrap();
    let show = || async {
        app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
            .await
    };
    let v = app.ok(Method::POST, &path, Some(json!({ "team_id": team }))).await;
    assert_eq!(v["id"], team);
    assert_eq!(show().await["meta"]["team"]["id"], team);
    for nobody in [json!(0), json!(999_999), json!("0")] {
        app.ok(Method::POST, &path, Some(json!({ "team_id": team }))).await;
        let v = app.ok(Method::POST, &path, Some(json!({ "team_id": nobody }))).await;
        assert_eq!(v, Value::Null, "team_id {nobody}");
        assert_eq!(
            show().await["meta"]["team"],
            Value::Null,
            "team_id {nobody} clears the team"
        );
    }
    // Another account's team is no team here.
    let (other, olga) = app.other_account().await;
    let theirs = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/teams"),
            &olga,
            Some(json!({ "name": "theirs" })),
        )
        .await
        .1["id"]
        .as_i64()
        .unwrap();
    let v = app.ok(Method::POST, &path, Some(json!({ "team_id": theirs }))).await;
    assert_eq!(v, Value::Null);
    assert_eq!(show().await["meta"]["team"], Value::Null);
    // Both: the agent is assigned, the team left as it was (the n8n node
    // sends team_id 0 with every assignment).
    app.ok(Method::POST, &path, Some(json!({ "team_id": team }))).await;
    let v = app
        .ok(
            Method::POST,
            &path,
            Some(json!({ "assignee_id": app.admin_id, "team_id": 0 })),
        )
        .await;
    assert_eq!(v["id"], app.admin_id);
    let c = show().await;
    assert_eq!(c["meta"]["assignee"]["id"], app.admin_id);
    assert_eq!(c["meta"]["team"]["id"], team);
    let v = app.ok(Method::POST, &path, Some(json!({ "assignee_id": null }))).await;
    assert_eq!(v, Value::Null);
    assert_eq!(show().await["meta"]["assignee"], Value::Null);
    // Neither: refused.
    let (s, _) = app.post(&path, json!({})).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(the_assignment_matrix);

/// Form and multipart bodies and query parameters, as Rails takes them,
/// become the same parameters as JSON would.
async fn forms_and_query_parameters_are_params(app: TestApp) {
    let (_, _, conv) = app.setup_conversation(None).await;
    let url = |p: &str| format!("{}{}", app.base, app.acc(p));
    // `curl -d 'name=..&email=..' .../contacts`
    let r = app
        .client
        .post(url("/contacts"))
        .header("api_access_token", &app.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("name=Ann%20Form&email=ann%40form.test&custom_attributes[plan]=gold")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    let c = &v["payload"]["contact"];
    assert_eq!(c["name"], "Ann Form");
    assert_eq!(c["email"], "ann@form.test");
    assert_eq!(c["custom_attributes"]["plan"], "gold");
    // Rails' array names.
    let r = app
        .client
        .post(url(&format!("/conversations/{conv}/labels")))
        .header("api_access_token", &app.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body("labels[]=billing&labels[]=vip")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["payload"], json!(["billing", "vip"]));
    // Multipart without files (the JS SDK's way), with a boolean as text.
    let form = reqwest::multipart::Form::new()
        .text("content", "A note by form")
        .text("private", "true");
    let r = app
        .client
        .post(url(&format!("/conversations/{conv}/messages")))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["content"], "A note by form");
    assert_eq!(v["private"], true);
    // Query parameters merge into the parameters.
    let (s, v) = app
        .post(
            &app.acc(&format!("/conversations/{conv}/toggle_status?status=pending")),
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(c["status"], "pending");
    // JSON keeps JSON's errors.
    let r = app
        .client
        .post(url("/contacts"))
        .header("api_access_token", &app.token)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert!(v.to_string().contains("Malformed JSON"), "{v}");
    // A form is bounded like JSON.
    let big = format!("name={}", "x".repeat(3 * 1024 * 1024));
    let r = reqwest::Client::new()
        .post(url("/contacts"))
        .header("api_access_token", &app.token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(big)
        .send()
        .await;
    if let Ok(r) = r {
        assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    }
    app.stop().await;
}
both!(forms_and_query_parameters_are_params);

/// Smaller drifts from Chatwoot's answers: an empty conversation update is
/// fine, canned responses carry ISO-8601 times like Chatwoot's raw rows,
/// blank labels in a list are passed over.
async fn small_drifts(app: TestApp) {
    let (_, _, conv) = app.setup_conversation(None).await;
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/conversations/{conv}")),
            Some(json!({})),
        )
        .await;
    assert_eq!(v["id"], conv);
    assert_eq!(v["priority"], Value::Null);
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/conversations/{conv}")),
            Some(json!({ "priority": "high" })),
        )
        .await;
    assert_eq!(v["priority"], "high");
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/conversations/{conv}")),
            Some(json!({})),
        )
        .await;
    assert_eq!(v["priority"], "high", "an empty update changes nothing");

    let c = app
        .ok(
            Method::POST,
            &app.acc("/canned_responses"),
            Some(json!({ "short_code": "hi", "content": "Hello" })),
        )
        .await;
    for k in ["created_at", "updated_at"] {
        let t = c[k].as_str().unwrap_or_else(|| panic!("{k}: {c}"));
        assert!(switchboard_domain::time::parse_iso(t).is_some(), "{k}: {t}");
    }
    let list = app.ok(Method::GET, &app.acc("/canned_responses"), None).await;
    assert!(list[0]["created_at"].is_string(), "{list}");

    let v = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/labels")),
            Some(json!({ "labels": ["", "billing", "  "] })),
        )
        .await;
    assert_eq!(v["payload"], json!(["billing"]));
    // A tag list as one comma-separated string, as acts_as_taggable takes it.
    let v = app
        .ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/labels")),
            Some(json!({ "labels": "billing, vip,," })),
        )
        .await;
    assert_eq!(v["payload"], json!(["billing", "vip"]));
    let (s, _) = app
        .post(
            &app.acc(&format!("/conversations/{conv}/labels")),
            json!({ "labels": 7 }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(small_drifts);

/// Chatwoot's per-account profile settings (its mobile app's status
/// switch), and agent bodies wrapped under `agent` as Rails wraps them.
async fn profile_settings_and_wrapped_agents(app: TestApp) {
    let a = app.account_id;
    let v = app
        .ok(
            Method::POST,
            "/api/v1/profile/availability",
            Some(json!({ "profile": { "account_id": a, "availability": "busy" } })),
        )
        .await;
    let mine = |v: &Value| {
        v["accounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == a)
            .cloned()
            .unwrap()
    };
    assert_eq!(mine(&v)["availability"], "busy", "{v}");
    let agents = app.ok(Method::GET, &app.acc("/agents"), None).await;
    let me = agents
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["email"] == v["email"])
        .unwrap()
        .clone();
    assert_eq!(me["availability_status"], "busy", "{me}");
    let v = app
        .ok(
            Method::POST,
            "/api/v1/profile/auto_offline",
            Some(json!({ "profile": { "account_id": a, "auto_offline": false } })),
        )
        .await;
    assert_eq!(mine(&v)["auto_offline"], false, "{v}");
    let (s, _) = app
        .call(
            Method::PUT,
            "/api/v1/profile/set_active_account",
            &app.token,
            Some(json!({ "profile": { "account_id": a } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // Bad values, another account, no account.
    let (other, _) = app.other_account().await;
    for (path, body, want) in [
        (
            "availability",
            json!({ "profile": { "account_id": a, "availability": "away" } }),
            422,
        ),
        (
            "availability",
            json!({ "profile": { "account_id": other, "availability": "busy" } }),
            404,
        ),
        ("availability", json!({ "profile": { "availability": "busy" } }), 404),
        (
            "auto_offline",
            json!({ "profile": { "account_id": a, "auto_offline": "maybe" } }),
            422,
        ),
        ("auto_offline", json!({ "profile": { "account_id": a } }), 422),
        ("set_active_account", json!({ "profile": { "account_id": other } }), 404),
    ] {
        let m = if path == "set_active_account" {
            Method::PUT
        } else {
            Method::POST
        };
        let (s, v) = app
            .call(m, &format!("/api/v1/profile/{path}"), &app.token, Some(body.clone()))
            .await;
        assert_eq!(s.as_u16(), want, "{path} {body}: {v}");
    }
    let (s, _) = app
        .client
        .post(format!("{}/api/v1/profile/availability", app.base))
        .json(&json!({ "profile": { "account_id": a, "availability": "online" } }))
        .send()
        .await
        .map(|r| (r.status(), ()))
        .unwrap();
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // `{agent: {...}}` as well as the bare fields.
    let inv = app
        .ok(
            Method::POST,
            &app.acc("/agents"),
            Some(json!({ "agent": { "name": "Wanda Wrapped", "email": "wanda@example.com", "role": "agent" } })),
        )
        .await;
    assert_eq!(inv["name"], "Wanda Wrapped", "{inv}");
    let (bob, _) = app.agent("Bob", "bob@example.com", "agent").await;
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(&format!("/agents/{bob}")),
            Some(json!({ "agent": { "role": "administrator" } })),
        )
        .await;
    assert_eq!(v["role"], "administrator", "{v}");

    // The account's custom attributes merge, with Chatwoot's top-level keys.
    app.ok(
        Method::PATCH,
        &app.acc(""),
        Some(json!({ "custom_attributes": { "plan": "pro" } })),
    )
    .await;
    let v = app
        .ok(
            Method::PATCH,
            &app.acc(""),
            Some(json!({ "industry": "Retail", "timezone": "Europe/Berlin", "custom_attributes": { "seats": 5 } })),
        )
        .await;
    assert_eq!(
        v["custom_attributes"],
        json!({ "plan": "pro", "seats": 5, "industry": "Retail", "timezone": "Europe/Berlin" })
    );
    app.stop().await;
}
both!(profile_settings_and_wrapped_agents);

/// Chatwoot's mute: the conversation is resolved, the contact's new
/// messages do not reopen it, unmute lets them again; activity lines say
/// who did it.
async fn mute_and_unmute(app: TestApp) {
    let (_, _, conv) = app.setup_conversation(None).await;
    let show = || async {
        app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
            .await
    };
    let messages = app.acc(&format!("/conversations/{conv}/messages"));
    let incoming = |text: &'static str| {
        app.ok(
            Method::POST,
            &messages,
            Some(json!({ "content": text, "message_type": "incoming" })),
        )
    };
    let (s, _) = app
        .post(&app.acc(&format!("/conversations/{conv}/mute")), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    let c = show().await;
    assert_eq!(
        (c["status"].clone(), c["muted"].clone()),
        (json!("resolved"), json!(true))
    );
    incoming("still there?").await;
    assert_eq!(
        show().await["status"],
        "resolved",
        "a muted conversation stays resolved"
    );
    let (s, _) = app
        .post(&app.acc(&format!("/conversations/{conv}/unmute")), json!({}))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(show().await["muted"], false);
    incoming("hello again").await;
    assert_eq!(show().await["status"], "open", "unmuted: a new message reopens it");
    let lines: Vec<String> = crate::helpers::messages(&app, conv)
        .await
        .iter()
        .filter(|m| m["message_type"] == 2)
        .filter_map(|m| m["content"].as_str().map(str::to_string))
        .collect();
    assert!(
        lines.iter().any(|l| l == "Alice Admin has muted the conversation"),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l == "Alice Admin has unmuted the conversation"),
        "{lines:?}"
    );
    // Another account's conversation id: not found.
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/conversations/{conv}/mute"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(mute_and_unmute);

/// A route or method we do not serve answers after the caller is checked:
/// strangers get 401 whether or not the route exists (they cannot map the
/// API), members get 404 in Chatwoot's shape, never an empty 405.
async fn unbuilt_routes_answer_after_authentication(app: TestApp) {
    let a = app.account_id;
    let anon = |m: Method, p: String| {
        let url = format!("{}{p}", app.base);
        let client = app.client.clone();
        async move { client.request(m, url).send().await.unwrap().status() }
    };
    for (m, p) in [
        (Method::DELETE, format!("/api/v1/accounts/{a}/conversations/meta")),
        (Method::GET, format!("/api/v1/accounts/{a}/no_such_thing")),
        (Method::GET, format!("/api/v1/accounts/{a}/conversations/meta")),
        (Method::PUT, "/api/v1/profile/avatar".to_string()),
        (Method::GET, "/api/v1/no_such_thing".to_string()),
    ] {
        assert_eq!(anon(m.clone(), p.clone()).await, StatusCode::UNAUTHORIZED, "{m} {p}");
    }
    for (m, p) in [
        (Method::DELETE, app.acc("/conversations/meta")),
        (Method::GET, app.acc("/no_such_thing")),
        (Method::PUT, "/api/v1/profile/avatar".to_string()),
    ] {
        let (s, v) = app.call(m.clone(), &p, &app.token, None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m} {p}");
        assert_eq!(v["error"], "Resource could not be found", "{m} {p}: {v}");
    }
    let (_, olga) = app.other_account().await;
    let (s, _) = app.call(Method::GET, &app.acc("/no_such_thing"), &olga, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "a stranger to the account");
    assert_eq!(anon(Method::GET, "/no/such/page".into()).await, StatusCode::NOT_FOUND);
    // The visitor-facing surfaces: a method a route does not serve answers
    // 404 JSON like a missing route, and preflights still get their CORS.
    for (m, p) in [
        (Method::DELETE, "/public/api/v1/inboxes/x/contacts".to_string()),
        (
            Method::GET,
            "/public/api/v1/inboxes/x/contacts/y/conversations/1/toggle_status".to_string(),
        ),
        (Method::DELETE, "/api/v1/widget/messages?website_token=x".to_string()),
        (Method::PUT, "/api/v1/widget/config?website_token=x".to_string()),
    ] {
        let r = app
            .client
            .request(m.clone(), format!("{}{p}", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{m} {p}");
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"], "Resource could not be found", "{m} {p}: {v}");
    }
    for p in ["/public/api/v1/inboxes/x/contacts", "/api/v1/widget/config"] {
        let r = app
            .client
            .request(Method::OPTIONS, format!("{}{p}", app.base))
            .header("Origin", "https://shop.example")
            .header("Access-Control-Request-Method", "POST")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT, "preflight {p}");
        assert!(r.headers().contains_key("access-control-allow-origin"), "preflight {p}");
    }
    app.stop().await;
}
both!(unbuilt_routes_answer_after_authentication);

/// Contact notes (Chatwoot's `/contacts/{id}/notes`): every member reads and
/// writes them; the author or an administrator changes or deletes one; the
/// contact's id scopes the note.
async fn contact_notes(app: TestApp) {
    let (inbox, contact, _) = app.setup_conversation(None).await;
    let (other_contact, _) = app.contact(inbox, "Dora Other").await;
    let notes = app.acc(&format!("/contacts/{contact}/notes"));
    let (_, bob) = app.agent("Bob", "bob@acme.test", "agent").await;
    let first = app
        .ok(Method::POST, &notes, Some(json!({ "content": "Prefers e-mail" })))
        .await;
    assert_eq!(first["content"], "Prefers e-mail");
    assert_eq!(first["contact_id"], contact);
    assert_eq!(first["user"]["name"], "Alice Admin");
    let (s, by_bob) = app
        .call(
            Method::POST,
            &notes,
            &bob,
            Some(json!({ "note": { "content": "VIP since 2020" } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{by_bob}");
    let list = app.ok(Method::GET, &notes, None).await;
    let contents: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["content"].as_str())
        .collect();
    assert_eq!(contents, ["VIP since 2020", "Prefers e-mail"], "newest first");
    // Bob changes his own note, not Alice's; Alice (an administrator) may.
    let (s, _) = app
        .call(
            Method::PATCH,
            &format!("{notes}/{}", by_bob["id"]),
            &bob,
            Some(json!({ "content": "VIP since 2019" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app
        .call(Method::DELETE, &format!("{notes}/{}", first["id"]), &bob, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.delete(&format!("{notes}/{}", by_bob["id"])).await;
    assert_eq!(s, StatusCode::OK);
    // Bad input; a note through another contact's path; another account.
    for body in [
        json!({}),
        json!({ "content": "   " }),
        json!({ "content": "x".repeat(20_001) }),
        json!({ "content": { "a": 1 } }),
    ] {
        let (s, _) = app.post(&notes, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (s, _) = app
        .get(&app.acc(&format!("/contacts/{other_contact}/notes/{}", first["id"])))
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/{contact}/notes"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let list = app.ok(Method::GET, &notes, None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    // A deleted contact takes its notes with it.
    app.ok(Method::DELETE, &app.acc(&format!("/contacts/{contact}")), None)
        .await;
    let (s, _) = app.get(&notes).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(contact_notes);
