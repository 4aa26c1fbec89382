//! The search box (`/search`) and profile pictures (`/profile` avatars).

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

async fn say(app: &TestApp, conv: i64, content: &str, incoming: bool) {
    let mut body = json!({ "content": content });
    if incoming {
        body["message_type"] = json!("incoming");
    }
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/messages")),
        Some(body),
    )
    .await;
}

fn ids(v: &Value, key: &str, field: &str) -> Vec<i64> {
    let mut out: Vec<i64> = v["payload"][key]
        .as_array()
        .unwrap_or_else(|| panic!("{key} in {v}"))
        .iter()
        .filter_map(|x| x[field].as_i64())
        .collect();
    out.sort_unstable();
    out
}

async fn search_finds_conversations_messages_and_contacts(app: TestApp) {
    let shop = app.api_inbox("Shop", None).await["id"].as_i64().unwrap();
    let vip = app.api_inbox("VIP", None).await["id"].as_i64().unwrap();
    let (maria, _) = app.contact(shop, "Maria Lopez").await;
    app.put(
        &app.acc(&format!("/contacts/{maria}")),
        json!({ "email": "maria@shop.test", "phone_number": "+34600111222" }),
    )
    .await;
    let (boris, _) = app.contact(vip, "Boris Vip").await;
    let c1 = app.conversation(shop, maria).await;
    let c2 = app.conversation(vip, boris).await;
    say(&app, c1, "Where is my parcel ZX-42?", true).await;
    say(&app, c1, "Your parcel left the warehouse", false).await;
    say(&app, c2, "Parcel never arrived", true).await;
    say(&app, c2, "Nothing to see", true).await;

    // An administrator sees every inbox.
    let (s, v) = app.get(&app.acc("/search?q=PARCEL")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let msgs = v["payload"]["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 3, "case-insensitive content match: {v}");
    assert!(
        msgs.iter()
            .all(|m| m["content"].as_str().unwrap().to_lowercase().contains("parcel"))
    );
    let convs_of: std::collections::HashSet<i64> =
        msgs.iter().map(|m| m["conversation_id"].as_i64().unwrap()).collect();
    assert_eq!(convs_of, [c1, c2].into_iter().collect(), "display ids, not row ids");
    assert_eq!(msgs[0]["content"], "Parcel never arrived", "newest first");

    // Conversations by the contact's name, e-mail, phone, or by display id.
    let (_, v) = app.get(&app.acc("/search?q=lopez")).await;
    assert_eq!(ids(&v, "conversations", "id"), vec![c1]);
    assert_eq!(ids(&v, "contacts", "id"), vec![maria]);
    let (_, v) = app.get(&app.acc("/search?q=maria%40shop")).await;
    assert_eq!(ids(&v, "conversations", "id"), vec![c1]);
    let (_, v) = app.get(&app.acc("/search?q=600111")).await;
    assert_eq!(ids(&v, "conversations", "id"), vec![c1]);
    let (_, v) = app.get(&app.acc(&format!("/search?q=%23{c2}"))).await;
    assert!(
        ids(&v, "conversations", "id").contains(&c2),
        "#N finds conversation N: {v}"
    );

    // LIKE wildcards are literal.
    let (_, v) = app.get(&app.acc("/search?q=%25")).await;
    assert_eq!(v["payload"]["messages"].as_array().unwrap().len(), 0, "{v}");
    assert_eq!(v["payload"]["contacts"].as_array().unwrap().len(), 0, "{v}");

    // One kind, paged.
    let (s, v) = app.get(&app.acc("/search/messages?q=parcel&page=1")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["payload"]["messages"].as_array().unwrap().len(), 3);
    assert!(v["payload"].get("contacts").is_none(), "only the asked kind: {v}");
    let (_, v) = app.get(&app.acc("/search/messages?q=parcel&page=2")).await;
    assert_eq!(v["payload"]["messages"].as_array().unwrap().len(), 0);

    // An agent of the Shop inbox only finds what is in it.
    let (agent, token) = app.agent("Ann Agent", "ann@acme.test", "agent").await;
    app.post(
        &app.acc("/inbox_members"),
        json!({ "inbox_id": shop, "user_ids": [agent] }),
    )
    .await;
    let (s, v) = app.call(Method::GET, &app.acc("/search?q=parcel"), &token, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let seen: Vec<i64> = v["payload"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["conversation_id"].as_i64().unwrap())
        .collect();
    assert_eq!(seen, vec![c1, c1], "nothing from the VIP inbox: {v}");
    let (_, v) = app.call(Method::GET, &app.acc("/search?q=boris"), &token, None).await;
    assert!(ids(&v, "conversations", "id").is_empty(), "{v}");

    // Bad input.
    for bad in ["/search", "/search?q=", "/search?q=%20%20"] {
        let (s, v) = app.get(&app.acc(bad)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }
    let long = "x".repeat(201);
    let (s, _) = app.get(&app.acc(&format!("/search?q={long}"))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app.get(&app.acc("/search?q=parcel&page=abc")).await;
    assert!(s.is_client_error());
    let (s, _) = app.get(&app.acc("/search/everything?q=parcel")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Another account sees none of it, and cannot search ours.
    let (other, other_token) = app.other_account().await;
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/search?q=parcel"),
            &other_token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["payload"]["messages"].as_array().unwrap().len(), 0);
    assert_eq!(v["payload"]["conversations"].as_array().unwrap().len(), 0);
    let (s, _) = app
        .call(Method::GET, &app.acc("/search?q=parcel"), &other_token, None)
        .await;
    assert!(matches!(s, StatusCode::UNAUTHORIZED | StatusCode::NOT_FOUND), "{s}");
    app.stop().await;
}
both!(search_finds_conversations_messages_and_contacts);

/// Case folds by Unicode's rules on both backends: Cyrillic and accented
/// Latin are found whatever their case, in every search and filter.
async fn search_folds_unicode_case(app: TestApp) {
    let inbox = app.api_inbox("Shop", None).await["id"].as_i64().unwrap();
    let (irina, _) = app.contact(inbox, "Ирина Соколова").await;
    // (The contacts list and its search leave out contacts known only by name.)
    app.put(
        &app.acc(&format!("/contacts/{irina}")),
        json!({ "email": "irina@shop.test" }),
    )
    .await;
    let (elodie, _) = app.contact(inbox, "ÉLODIE Brûlé").await;
    app.put(
        &app.acc(&format!("/contacts/{elodie}")),
        json!({ "email": "elodie@shop.test" }),
    )
    .await;
    let conv = app.conversation(inbox, irina).await;
    say(&app, conv, "Где мой ЗАКАЗ?", true).await;
    let found = |v: &Value, key: &str| ids(v, key, "id");
    for q in ["ирина", "ИРИНА", "Ирина", "соколова"] {
        let v = app.ok(Method::GET, &app.acc(&format!("/search?q={q}")), None).await;
        assert_eq!(found(&v, "contacts"), vec![irina], "{q}: {v}");
        assert_eq!(found(&v, "conversations"), vec![conv], "{q}: {v}");
        let v = app
            .ok(Method::GET, &app.acc(&format!("/contacts/search?q={q}")), None)
            .await;
        let list: Vec<i64> = v["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(list, vec![irina], "{q}: {v}");
    }
    for q in ["élodie", "ÉLODIE", "brûlé", "BRÛLÉ"] {
        let v = app
            .ok(Method::GET, &app.acc(&format!("/contacts/search?q={q}")), None)
            .await;
        let list: Vec<i64> = v["payload"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_i64().unwrap())
            .collect();
        assert_eq!(list, vec![elodie], "{q}: {v}");
    }
    let v = app.ok(Method::GET, &app.acc("/search/messages?q=заказ"), None).await;
    assert_eq!(v["payload"]["messages"].as_array().map(Vec::len), Some(1), "{v}");
    // The conversations filter's `contains` folds too.
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/custom_attributes")),
        Some(json!({ "custom_attributes": { "city": "Москва" } })),
    )
    .await;
    let v = app
        .ok(
            Method::POST,
            &app.acc("/conversations/filter"),
            Some(json!({ "payload": [{ "attribute_key": "city", "custom_attribute_type": "conversation_attribute",
                                       "filter_operator": "contains", "values": ["МОСКВА"], "query_operator": null }] })),
        )
        .await;
    assert_eq!(v["meta"]["all_count"], 1, "{v}");
    app.stop().await;
}
both!(search_folds_unicode_case);

/// A PNG header for a 3 x 2 image (enough to be recognised).
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    b.extend_from_slice(&[0u8; 64]);
    b
}

async fn put_form(app: &TestApp, form: Form) -> (StatusCode, Value) {
    let r = app
        .client
        .put(format!("{}/api/v1/profile", app.base))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn profile_avatar(app: TestApp) {
    let form = Form::new()
        .text("profile[name]", "Alice Avatar")
        .part("profile[avatar]", Part::bytes(png()).file_name("me.bin"));
    let (s, v) = put_form(&app, form).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["name"], "Alice Avatar", "other fields apply too");
    let url = v["avatar_url"].as_str().unwrap().to_string();
    assert!(
        url.starts_with(&format!("{}/avatars/", app.base)) && url.ends_with(".png"),
        "{url}"
    );
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png());
    // Agents and the profile show it.
    let agents = app.ok(Method::GET, &app.acc("/agents"), None).await;
    assert!(
        agents
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["avatar_url"] == url.as_str()),
        "{agents}"
    );

    // Not a picture, two pictures, too big: refused, the avatar unchanged.
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'/>".to_vec();
    let (s, v) = put_form(
        &app,
        Form::new().part("profile[avatar]", Part::bytes(svg).file_name("a.png")),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let two = Form::new()
        .part("profile[avatar]", Part::bytes(png()).file_name("a.png"))
        .part("profile[avatar2]", Part::bytes(png()).file_name("b.png"));
    let (s, _) = put_form(&app, two).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let mut big = png();
    big.resize(5 * 1024 * 1024 + 1, 0);
    let (s, _) = put_form(
        &app,
        Form::new().part("profile[avatar]", Part::bytes(big).file_name("big.png")),
    )
    .await;
    assert!(
        matches!(s, StatusCode::PAYLOAD_TOO_LARGE | StatusCode::UNPROCESSABLE_ENTITY),
        "{s}"
    );
    let me = app.ok(Method::GET, "/api/v1/profile", None).await;
    assert_eq!(me["avatar_url"], url.as_str());

    // A new picture replaces the old one, whose file goes.
    let (s, v) = put_form(
        &app,
        Form::new().part("profile[avatar]", Part::bytes(png()).file_name("new.png")),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let newer = v["avatar_url"].as_str().unwrap().to_string();
    assert_ne!(newer, url);
    assert_eq!(
        app.client.get(&url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Removing it.
    let (s, v) = app.delete("/api/v1/profile/avatar").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["avatar_url"], "");
    assert_eq!(
        app.client.get(&newer).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );

    // Only well-formed keys and picture types are served; no way out of the store.
    for path in [
        "/avatars/zz/../../etc.png",
        "/avatars/ab/notakey.png",
        "/avatars/ab/x.svg",
        "/avatars/ab/..%2f..%2fetc.png",
    ] {
        let r = app.client.get(format!("{}{path}", app.base)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
    }
    // Without credentials nothing changes.
    let r = app
        .client
        .delete(format!("{}/api/v1/profile/avatar", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.stop().await;
}
both!(profile_avatar);

/// Messages written before search existed (here: inserted around the
/// store, with the backfill's mark set as the migration sets it) are found
/// once the backfill has indexed them, in batches, and the backfill then
/// stops. (Newest first is by id: the rows inserted here came after.)
async fn old_messages_are_indexed_by_the_backfill(app: TestApp) {
    let (inbox, _contact, conv) = app.setup_conversation(None).await;
    say(&app, conv, "A fresh question about invoices", true).await;
    let rows = app
        .sql_rows(&format!(
            "SELECT CAST(id AS TEXT) FROM conversations WHERE account_id = {} AND display_id = {conv}",
            app.account_id
        ))
        .await;
    let conv_id = rows[0][0].clone().unwrap();
    for i in 0..1200 {
        let text = if i % 400 == 7 {
            format!("Old invoices, batch {i}")
        } else {
            format!("old chatter {i}")
        };
        app.sql_rows(&format!(
            "INSERT INTO messages (account_id, inbox_id, conversation_id, message_type, content, created_at, updated_at) \
             VALUES ({}, {inbox}, {conv_id}, 0, '{text}', {i}, {i})",
            app.account_id
        ))
        .await;
    }
    app.sql_rows("UPDATE search_backfill SET next_id = (SELECT MAX(id) FROM messages) WHERE name = 'messages'")
        .await;
    let hits = |v: &Value| v["payload"]["messages"].as_array().map_or(0, Vec::len);
    let before = app.ok(Method::GET, &app.acc("/search/messages?q=invoice"), None).await;
    assert_eq!(hits(&before), 1, "only the message written since: {before}");
    // The job runner works through them (500 a batch); run it by hand too.
    let mut batches = 0;
    while switchboard_core::jobs::search_backfill(app.core()).await {
        batches += 1;
        assert!(batches < 10, "the backfill ends");
    }
    let after = app.ok(Method::GET, &app.acc("/search/messages?q=invoice"), None).await;
    let contents: Vec<&str> = after["payload"]["messages"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["content"].as_str())
        .collect();
    assert_eq!(
        contents,
        vec![
            "Old invoices, batch 807",
            "Old invoices, batch 407",
            "Old invoices, batch 7",
            "A fresh question about invoices"
        ],
        "{after}"
    );
    let left = app.sql_rows("SELECT CAST(next_id AS TEXT) FROM search_backfill").await;
    assert_eq!(left[0][0].as_deref(), Some("0"));
}
both!(old_messages_are_indexed_by_the_backfill);
