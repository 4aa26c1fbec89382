//! Contacts: paging, sorting, search, create with an inbox, merge updates,
//! delete, contact inboxes, labels, conversations.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::helpers::TestApp;

async fn list_search_and_sort(app: TestApp) {
    for i in 0..17 {
        app.ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({ "name": format!("Person {i:02}"), "email": format!("p{i}@example.com") })),
        )
        .await;
    }
    // Without e-mail, phone or identifier a contact is not listed (Chatwoot's rule).
    app.ok(
        Method::POST,
        &app.acc("/contacts"),
        Some(json!({ "name": "Anonymous" })),
    )
    .await;
    let p1 = app.ok(Method::GET, &app.acc("/contacts?sort=name"), None).await;
    assert_eq!(p1["meta"]["count"], 17);
    assert_eq!(p1["meta"]["current_page"], 1);
    assert_eq!(p1["payload"].as_array().unwrap().len(), 15);
    assert_eq!(p1["payload"][0]["name"], "Person 00");
    let p2 = app.ok(Method::GET, &app.acc("/contacts?sort=name&page=2"), None).await;
    assert_eq!(p2["payload"].as_array().unwrap().len(), 2);
    let desc = app.ok(Method::GET, &app.acc("/contacts?sort=-name"), None).await;
    assert_eq!(desc["payload"][0]["name"], "Person 16");
    let (s, _) = app.get(&app.acc("/contacts?sort=password")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let found = app
        .ok(Method::GET, &app.acc("/contacts/search?q=P7@EXAMPLE"), None)
        .await;
    assert_eq!(found["payload"].as_array().unwrap().len(), 1);
    assert_eq!(found["payload"][0]["email"], "p7@example.com");
    let none = app.ok(Method::GET, &app.acc("/contacts/search?q=%25"), None).await;
    assert_eq!(
        none["payload"].as_array().unwrap().len(),
        0,
        "% is a literal, not a wildcard"
    );
    let (s, _) = app.get(&app.acc("/contacts/search")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(list_search_and_sort);

/// Deep pages by keyset cursor: the same contacts in the same order as the
/// numbered pages (ties on the activity time broken by id, the never-active
/// last), nothing skipped or repeated while new contacts arrive, and a
/// cursor refused where the sort cannot follow one.
async fn contacts_page_by_cursor(app: TestApp) {
    for i in 0..40 {
        app.ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({ "name": format!("Person {i:02}"), "email": format!("p{i}@example.com") })),
        )
        .await;
    }
    // Activity times with ties; every fourth contact never active.
    app.sql_rows(&format!(
        "UPDATE contacts SET last_activity_at = CASE WHEN id % 4 = 0 THEN NULL ELSE 1000 + (id % 7) END \
         WHERE account_id = {}",
        app.account_id
    ))
    .await;
    for sort in ["-last_activity_at", "last_activity_at", "-created_at", "created_at"] {
        let mut by_number = Vec::new();
        for page in 1..=3 {
            let v = app
                .ok(
                    Method::GET,
                    &app.acc(&format!("/contacts?sort={sort}&page={page}")),
                    None,
                )
                .await;
            for c in v["payload"].as_array().unwrap() {
                by_number.push(c["id"].as_i64().unwrap());
            }
        }
        assert_eq!(by_number.len(), 40, "{sort}");
        let mut by_cursor = Vec::new();
        let mut cursor: Option<String> = None;
        for _ in 0..4 {
            let path = match &cursor {
                Some(c) => format!("/contacts?sort={sort}&cursor={c}"),
                None => format!("/contacts?sort={sort}"),
            };
            let v = app.ok(Method::GET, &app.acc(&path), None).await;
            if cursor.is_none() {
                assert_eq!(v["meta"]["count"], 40, "{sort}");
            }
            for c in v["payload"].as_array().unwrap() {
                by_cursor.push(c["id"].as_i64().unwrap());
            }
            if cursor.is_none() {
                // New contacts arriving between pages do not shift the next.
                app.ok(
                    Method::POST,
                    &app.acc("/contacts"),
                    Some(json!({ "name": "Late", "email": "late@example.com" })),
                )
                .await;
            }
            match v["meta"]["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_string()),
                None => break,
            }
        }
        // Contacts created since the first page sort before it when
        // newest first, after the rest when oldest first.
        let late: Vec<i64> = by_cursor.iter().copied().filter(|id| !by_number.contains(id)).collect();
        let kept: Vec<i64> = by_cursor.iter().copied().filter(|id| by_number.contains(id)).collect();
        assert_eq!(kept, by_number, "{sort}: the same contacts in the same order");
        assert!(late.len() <= 1, "{sort}: {late:?}");
        // The total moved with the contacts created.
        app.sql_rows(&format!(
            "UPDATE contacts SET last_activity_at = CASE WHEN id % 4 = 0 THEN NULL ELSE 1000 + (id % 7) END \
             WHERE account_id = {}",
            app.account_id
        ))
        .await;
        app.sql_rows(&format!(
            "DELETE FROM contacts WHERE account_id = {} AND name = 'Late'",
            app.account_id
        ))
        .await;
    }
    for bad in [
        "sort=name&cursor=5.1",
        "cursor=abc",
        "cursor=1.",
        "cursor=.5",
        "cursor=null",
    ] {
        let (s, v) = app.get(&app.acc(&format!("/contacts?{bad}"))).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
        assert_eq!(v["attributes"], json!(["cursor"]), "{bad}: {v}");
    }
    app.stop().await;
}
both!(contacts_page_by_cursor);

async fn create_update_delete(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await;
    let v = app
        .ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({
                "name": "Fay", "email": "Fay@Example.com", "phone_number": "+4915112345678", "identifier": "crm-42",
                "inbox_id": inbox["id"], "source_id": "fay-1",
                "custom_attributes": { "tier": "gold", "since": 2020 }, "additional_attributes": { "company_name": "Fabrik" }
            })),
        )
        .await;
    let id = v["payload"]["contact"]["id"].as_i64().unwrap();
    assert_eq!(v["payload"]["contact"]["email"], "fay@example.com");
    assert_eq!(v["payload"]["contact_inbox"]["source_id"], "fay-1");
    assert_eq!(v["payload"]["contact_inbox"]["inbox"]["channel_type"], "Channel::Api");
    assert_eq!(v["payload"]["contact"]["contact_inboxes"][0]["source_id"], "fay-1");
    // Without an inbox: Chatwoot's object with null keys, no contact inboxes.
    let bare = app
        .ok(Method::POST, &app.acc("/contacts"), Some(json!({ "name": "Gus" })))
        .await;
    assert_eq!(
        bare["payload"]["contact_inbox"],
        json!({ "source_id": null, "inbox": null })
    );
    assert_eq!(bare["payload"]["contact"]["contact_inboxes"], json!([]));
    let shown = app.ok(Method::GET, &app.acc(&format!("/contacts/{id}")), None).await;
    assert_eq!(shown["payload"]["contact_inboxes"][0]["source_id"], "fay-1");
    // Updates merge attributes.
    let u = app
        .ok(
            Method::PUT,
            &app.acc(&format!("/contacts/{id}")),
            Some(json!({ "name": "Fay F.", "custom_attributes": { "tier": "platinum" } })),
        )
        .await;
    assert_eq!(u["payload"]["name"], "Fay F.");
    assert_eq!(
        u["payload"]["custom_attributes"],
        json!({ "tier": "platinum", "since": 2020 })
    );
    assert_eq!(u["payload"]["additional_attributes"]["company_name"], "Fabrik");
    // Unique e-mail and identifier per account.
    let (s, b) = app
        .post(
            &app.acc("/contacts"),
            json!({ "name": "Dup", "email": "fay@example.com" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(b["message"], "Email has already been taken");
    let (s, _) = app
        .post(&app.acc("/contacts"), json!({ "name": "Dup", "identifier": "crm-42" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    // Validation.
    for body in [
        json!({ "email": "not-an-email" }),
        json!({ "phone_number": "0151" }),
        json!({ "custom_attributes": [1] }),
        json!({ "blocked": "yes" }),
    ] {
        let (s, b) = app.post(&app.acc("/contacts"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {b}");
    }
    // Another contact inbox with a fresh source id; a taken one is refused.
    let api2 = app.api_inbox("Second", None).await;
    let ci = app
        .ok(
            Method::POST,
            &app.acc(&format!("/contacts/{id}/contact_inboxes")),
            Some(json!({ "inbox_id": api2["id"] })),
        )
        .await;
    assert!(ci["source_id"].as_str().unwrap().len() >= 32);
    assert_eq!(ci["inbox"]["id"], api2["id"]);
    let (s, _) = app
        .post(
            &app.acc(&format!("/contacts/{id}/contact_inboxes")),
            json!({ "inbox_id": inbox["id"], "source_id": "fay-1" }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .post(
            &app.acc(&format!("/contacts/{id}/contact_inboxes")),
            json!({ "inbox_id": 424242 }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Labels (POST replaces) and conversations.
    let l = app
        .ok(
            Method::POST,
            &app.acc(&format!("/contacts/{id}/labels")),
            Some(json!({ "labels": ["vip", "lead"] })),
        )
        .await;
    assert_eq!(l["payload"], json!(["lead", "vip"]));
    let l = app
        .ok(
            Method::POST,
            &app.acc(&format!("/contacts/{id}/labels")),
            Some(json!({ "labels": ["vip"] })),
        )
        .await;
    assert_eq!(l["payload"], json!(["vip"]));
    let labelled = app.ok(Method::GET, &app.acc("/contacts?labels[]=vip"), None).await;
    assert_eq!(labelled["payload"].as_array().unwrap().len(), 1);
    let c = app.conversation(inbox["id"].as_i64().unwrap(), id).await;
    let convs = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{id}/conversations")), None)
        .await;
    assert_eq!(convs["payload"][0]["id"], c);
    // Delete.
    // Custom attributes go one key at a time.
    app.put(
        &app.acc(&format!("/contacts/{id}")),
        json!({ "custom_attributes": { "plan": "gold", "seats": 5 } }),
    )
    .await;
    let (s, v) = app
        .post(
            &app.acc(&format!("/contacts/{id}/destroy_custom_attributes")),
            json!({ "custom_attributes": ["plan", "not-there"] }),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["payload"]["custom_attributes"].get("plan").is_none(), "{v}");
    assert_eq!(v["payload"]["custom_attributes"]["seats"], 5);
    for bad in [
        json!({}),
        json!({ "custom_attributes": "plan" }),
        json!({ "custom_attributes": [1] }),
    ] {
        let (s, _) = app
            .post(
                &app.acc(&format!("/contacts/{id}/destroy_custom_attributes")),
                bad.clone(),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let (s, _) = app
        .post(
            &app.acc("/contacts/999999/destroy_custom_attributes"),
            json!({ "custom_attributes": ["seats"] }),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Only administrators delete contacts.
    let (_, agent_token) = app.agent("Ann Agent", "ann@acme.test", "agent").await;
    let (s, _) = app
        .call(Method::DELETE, &app.acc(&format!("/contacts/{id}")), &agent_token, None)
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = app.delete(&app.acc(&format!("/contacts/{id}"))).await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = app.get(&app.acc(&format!("/contacts/{id}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert_eq!(b["error"], "Resource could not be found");
    app.stop().await;
}
both!(create_update_delete);
