//! Chatwoot's website SDK on Switchboard: the served scripts, the full-page
//! chat at /widget, and the Widget API routes the SDK's methods call.

use hmac::{Hmac, Mac};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both;
use crate::helpers::TestApp;

async fn website_inbox(app: &TestApp, name: &str, channel: Value) -> Value {
    let mut ch = json!({ "type": "web_widget", "website_url": "https://shop.example" });
    if let (Some(o), Some(extra)) = (ch.as_object_mut(), channel.as_object()) {
        o.extend(extra.clone());
    }
    app.ok(
        Method::POST,
        &app.acc("/inboxes"),
        Some(json!({ "name": name, "channel": ch })),
    )
    .await
}

/// A Widget API call as the widget makes it: the website token in the
/// query, the visitor in `X-Auth-Token`.
async fn widget(
    app: &TestApp,
    website_token: &str,
    auth: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app.client.request(
        method,
        format!("{}/api/v1/widget{path}?website_token={website_token}", app.base),
    );
    if let Some(t) = auth {
        req = req.header("X-Auth-Token", t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let s = r.status();
    let t = r.text().await.unwrap();
    (s, serde_json::from_str(&t).unwrap_or(Value::String(t)))
}

/// A new visitor of the inbox: its contact id and token.
async fn visitor(app: &TestApp, website_token: &str) -> (i64, String) {
    let (s, cfg) = widget(app, website_token, None, Method::POST, "/config", None).await;
    assert_eq!(s, StatusCode::OK, "{cfg}");
    (
        cfg["contact"]["id"].as_i64().unwrap(),
        cfg["website_channel_config"]["auth_token"]
            .as_str()
            .unwrap()
            .to_string(),
    )
}

async fn labels(app: &TestApp, conv: i64) -> Value {
    app.ok(Method::GET, &app.acc(&format!("/conversations/{conv}/labels")), None)
        .await["payload"]
        .clone()
}

async fn get(app: &TestApp, path: &str) -> reqwest::Response {
    app.client.get(format!("{}{path}", app.base)).send().await.unwrap()
}

async fn scripts_and_the_chat_page(app: TestApp) {
    // Chatwoot's snippet loads /packs/js/sdk.js: our widget plus the adapter,
    // served like /widget.js.
    let sdk = get(&app, "/packs/js/sdk.js").await;
    assert_eq!(sdk.status(), StatusCode::OK);
    let own = get(&app, "/widget.js").await;
    assert_eq!(own.status(), StatusCode::OK);
    for (name, r) in [("sdk.js", &sdk), ("widget.js", &own)] {
        let h = r.headers();
        assert_eq!(h["content-type"], "application/javascript; charset=utf-8", "{name}");
        assert_eq!(h["cache-control"], "public, max-age=300", "{name}");
        assert_eq!(h["access-control-allow-origin"], "*", "{name}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{name}");
    }
    let sdk = sdk.text().await.unwrap();
    let own = own.text().await.unwrap();
    assert!(sdk.starts_with(&own), "sdk.js is widget.js followed by the adapter");
    assert!(sdk.contains("window.chatwootSDK = { run }"));
    assert!(
        !own.contains("chatwootSDK"),
        "/widget.js does not answer to Chatwoot's names"
    );

    // The full-page chat (Chatwoot's popout window).
    let inbox = website_inbox(&app, "Tom & Jerry's", json!({ "allowed_domains": "shop.example" })).await;
    let token = inbox["website_token"].as_str().unwrap().to_string();
    let r = get(&app, &format!("/widget?website_token={token}")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "text/html; charset=utf-8");
    assert_eq!(h["cache-control"], "no-store");
    assert_eq!(h["referrer-policy"], "no-referrer");
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(
        csp.contains("script-src 'self'") && csp.contains("connect-src 'self'"),
        "{csp}"
    );
    let page = r.text().await.unwrap();
    assert!(
        page.contains(&format!(
            "<script src=\"/widget.js\" data-website-token=\"{token}\" data-mode=\"page\"></script>"
        )),
        "{page}"
    );
    assert!(page.contains("<title>Tom &amp; Jerry&#39;s</title>"), "{page}");
    assert!(page.contains("<html lang=\"en\">"));

    // The visitor and locale the popout passes on.
    let r = get(
        &app,
        &format!("/widget?website_token={token}&cw_conversation=abc.def-_.ghi&locale=pt_BR"),
    )
    .await;
    let page = r.text().await.unwrap();
    assert!(
        page.contains("data-locale=\"pt_BR\" data-conversation=\"abc.def-_.ghi\""),
        "{page}"
    );
    assert!(page.contains("<html lang=\"pt-BR\">"));
    // What cannot be a token or a locale is left out, never echoed.
    let r = get(
        &app,
        &format!("/widget?website_token={token}&cw_conversation=%22%3E%3Cscript%3E&locale=%22%3E%3Cb%3E"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    assert!(
        !page.contains("data-conversation") && !page.contains("data-locale"),
        "{page}"
    );
    assert!(!page.contains("<script>") && !page.contains("<b>"));

    // Unknown, missing or empty token: a page saying so, 404.
    for path in [
        "/widget?website_token=nope".to_string(),
        "/widget".to_string(),
        "/widget?website_token=".to_string(),
        format!("/widget?website_token={}", "x".repeat(300)),
    ] {
        let r = get(&app, &path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        let body = r.text().await.unwrap();
        assert!(body.contains("Chat not found"), "{path}: {body}");
    }

    // The page talks to the Widget API from our own origin, which the
    // inbox's allowed domains need not list; other sites stay refused.
    let call = |origin: String| {
        app.client
            .post(format!("{}/api/v1/widget/config?website_token={token}", app.base))
            .header("Origin", origin)
            .send()
    };
    let r = call(app.base.clone()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["access-control-allow-origin"], app.base.as_str());
    let r = call("https://evil.example".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = call("https://shop.example".into()).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The SDK's removeLabel is a DELETE: the preflight allows it.
    let r = app
        .client
        .request(
            Method::OPTIONS,
            format!("{}/api/v1/widget/labels/vip?website_token={token}", app.base),
        )
        .header("Origin", "https://shop.example")
        .header("Access-Control-Request-Method", "DELETE")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let methods = r.headers()["access-control-allow-methods"].to_str().unwrap();
    assert!(methods.contains("DELETE"), "{methods}");
    app.stop().await;
}
both!(scripts_and_the_chat_page);

async fn sdk_methods_change_the_visitors_records(app: TestApp) {
    let inbox = website_inbox(&app, "Shop", json!({})).await;
    let wt = inbox["website_token"].as_str().unwrap().to_string();
    let key = inbox["hmac_token"].as_str().unwrap().to_string();
    let (contact_id, auth) = visitor(&app, &wt).await;
    let me = Some(auth.as_str());

    // setUser with a valid hash: the profile fields land on the contact; a
    // key the contact keeps for itself is not the visitor's to write.
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(b"user-42");
    let hash = hex::encode(mac.finalize().into_bytes());
    let (s, c) = widget(
        &app,
        &wt,
        me,
        Method::PATCH,
        "/contact/set_user",
        Some(json!({
            "identifier": "user-42", "identifier_hash": hash, "name": "Dana", "email": "dana@example.com",
            "avatar_url": "https://cdn.example/dana.png",
            "additional_attributes": { "company_name": "Acme", "city": "Berlin", "claimed_email": "x@example.com" },
            "custom_attributes": { "plan": "pro", "seats": 5 }
        })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["id"], contact_id);
    let contact = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{contact_id}")), None)
        .await;
    let contact = if contact.get("payload").is_some() {
        contact["payload"].clone()
    } else {
        contact
    };
    assert_eq!(contact["identifier"], "user-42");
    assert_eq!(contact["name"], "Dana");
    assert_eq!(contact["thumbnail"], "https://cdn.example/dana.png");
    assert_eq!(contact["additional_attributes"]["company_name"], "Acme");
    assert_eq!(contact["additional_attributes"]["city"], "Berlin");
    assert!(
        contact["additional_attributes"].get("claimed_email").is_none(),
        "{contact}"
    );
    let (s, e) = widget(
        &app,
        &wt,
        me,
        Method::PATCH,
        "/contact",
        Some(json!({ "avatar_url": "javascript:alert(1)" })),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{e}");

    // deleteCustomAttribute
    let (s, c) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/contact/destroy_custom_attributes",
        Some(json!({ "custom_attributes": ["plan"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{c}");
    assert_eq!(c["custom_attributes"], json!({ "seats": 5 }));
    for bad in [
        json!({}),
        json!({ "custom_attributes": [1] }),
        json!({ "custom_attributes": { "plan": 1 } }),
    ] {
        let (s, e) = widget(
            &app,
            &wt,
            me,
            Method::POST,
            "/contact/destroy_custom_attributes",
            Some(bad.clone()),
        )
        .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }

    // Before the first message there is no conversation to describe.
    let (s, _) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/conversations/set_custom_attributes",
        Some(json!({ "custom_attributes": { "a": 1 } })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = widget(&app, &wt, me, Method::POST, "/labels", Some(json!({ "label": "vip" }))).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "no conversation: nothing to label");

    let (s, m) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/messages",
        Some(json!({ "message": { "content": "Hello" } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{m}");
    let conv = m["conversation_id"].as_i64().unwrap();

    // setConversationCustomAttributes merges; deleteConversationCustomAttribute removes.
    let (s, r) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/conversations/set_custom_attributes",
        Some(json!({ "custom_attributes": { "order": "A-1", "tier": 2 } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(r["id"], conv);
    let (_, r) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/conversations/set_custom_attributes",
        Some(json!({ "custom_attributes": { "step": "cart" } })),
    )
    .await;
    assert_eq!(
        r["custom_attributes"],
        json!({ "order": "A-1", "tier": 2, "step": "cart" })
    );
    let (s, r) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/conversations/destroy_custom_attributes",
        Some(json!({ "custom_attribute": ["tier"] })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{r}");
    let seen = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(seen["custom_attributes"], json!({ "order": "A-1", "step": "cart" }));
    for (path, bad) in [
        ("/conversations/set_custom_attributes", json!({})),
        (
            "/conversations/set_custom_attributes",
            json!({ "custom_attributes": "x" }),
        ),
        (
            "/conversations/destroy_custom_attributes",
            json!({ "custom_attribute": { "a": 1 } }),
        ),
        // The merged whole stays bounded: the 2 keys there and 199 more are over 200.
        (
            "/conversations/set_custom_attributes",
            json!({ "custom_attributes": (0..199).map(|i| (format!("k{i}"), json!(i))).collect::<serde_json::Map<_, _>>() }),
        ),
    ] {
        let (s, e) = widget(&app, &wt, me, Method::POST, path, Some(bad.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{path} {bad}: {e}");
    }

    // setLabel adds one of the account's labels; removeLabel takes it off;
    // a label the account does not have changes nothing.
    app.ok(Method::POST, &app.acc("/labels"), Some(json!({ "title": "vip" })))
        .await;
    let (s, _) = widget(&app, &wt, me, Method::POST, "/labels", Some(json!({ "label": "VIP" }))).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(labels(&app, conv).await, json!(["vip"]));
    let (s, _) = widget(
        &app,
        &wt,
        me,
        Method::POST,
        "/labels",
        Some(json!({ "label": "unknown" })),
    )
    .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(labels(&app, conv).await, json!(["vip"]));
    for bad in [json!({}), json!({ "label": 5 }), json!({ "label": "two words" })] {
        let (s, e) = widget(&app, &wt, me, Method::POST, "/labels", Some(bad.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {e}");
    }

    // Another visitor reaches none of this, nor does a forged token.
    let (_, stranger) = visitor(&app, &wt).await;
    let (s, _) = widget(
        &app,
        &wt,
        Some(&stranger),
        Method::POST,
        "/conversations/set_custom_attributes",
        Some(json!({ "custom_attributes": { "order": "B" } })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = widget(&app, &wt, Some(&stranger), Method::DELETE, "/labels/vip", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        labels(&app, conv).await,
        json!(["vip"]),
        "the stranger has no conversation to unlabel"
    );
    let (s, _) = widget(
        &app,
        &wt,
        Some("not.a.token"),
        Method::POST,
        "/conversations/destroy_custom_attributes",
        Some(json!({ "custom_attribute": ["order"] })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = widget(
        &app,
        &wt,
        None,
        Method::POST,
        "/labels",
        Some(json!({ "label": "vip" })),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A visitor token of another inbox is no visitor here.
    let other = website_inbox(&app, "Other", json!({})).await;
    let (s, _) = widget(
        &app,
        other["website_token"].as_str().unwrap(),
        me,
        Method::DELETE,
        "/labels/vip",
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    let (s, _) = widget(&app, &wt, me, Method::DELETE, "/labels/vip", None).await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(labels(&app, conv).await, json!([]));
    let seen = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(
        seen["custom_attributes"],
        json!({ "order": "A-1", "step": "cart" }),
        "the stranger changed nothing"
    );
    app.stop().await;
}
both!(sdk_methods_change_the_visitors_records);
