//! Custom attribute definitions (Chatwoot's `/custom_attribute_definitions`):
//! shapes, both spellings of `attribute_model`, validation, unique keys per
//! account and model, roles, tenancy and bounds.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::TestApp;

fn ids_of(list: &Value) -> Vec<i64> {
    list.as_array()
        .expect("an array")
        .iter()
        .map(|d| d["id"].as_i64().expect("id"))
        .collect()
}

async fn create(app: &TestApp, body: Value) -> Value {
    app.ok(Method::POST, &app.acc("/custom_attribute_definitions"), Some(body))
        .await
}

async fn definitions_crud_and_shapes(app: TestApp) {
    let defs = app.acc("/custom_attribute_definitions");
    // Chatwoot's wrapped body, the model by name.
    let plan = create(
        &app,
        json!({ "custom_attribute_definition": {
            "attribute_display_name": " Plan ",
            "attribute_key": " plan ",
            "attribute_display_type": "list",
            "attribute_model": "contact_attribute",
            "attribute_description": "The contract",
            "attribute_values": ["Gold", " Silver ", "", "Gold", 3],
        } }),
    )
    .await;
    let mut keys: Vec<&str> = plan.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "attribute_description",
            "attribute_display_name",
            "attribute_display_type",
            "attribute_key",
            "attribute_model",
            "attribute_values",
            "created_at",
            "default_value",
            "id",
            "regex_cue",
            "regex_pattern",
            "updated_at",
        ]
    );
    assert_eq!(plan["attribute_display_name"], "Plan");
    assert_eq!(plan["attribute_key"], "plan");
    assert_eq!(plan["attribute_display_type"], "list");
    assert_eq!(plan["attribute_model"], "contact_attribute");
    assert_eq!(plan["attribute_description"], "The contract");
    assert_eq!(plan["attribute_values"], json!(["Gold", "Silver", "3"]));
    assert_eq!(plan["regex_pattern"], Value::Null);
    assert_eq!(plan["default_value"], Value::Null);
    assert!(plan["created_at"].as_str().is_some_and(|t| t.ends_with('Z')), "{plan}");
    // A flat body, the model and the type by code.
    let order = create(
        &app,
        json!({
            "attribute_display_name": "Order",
            "attribute_key": "order_id",
            "attribute_display_type": 0,
            "attribute_model": 0,
            "regex_pattern": "^[0-9]+$",
            "regex_cue": "Digits only",
            "default_value": "0",
        }),
    )
    .await;
    assert_eq!(order["attribute_model"], "conversation_attribute");
    assert_eq!(order["attribute_display_type"], "text");
    assert_eq!(order["regex_pattern"], "^[0-9]+$");
    assert_eq!(order["regex_cue"], "Digits only");
    assert_eq!(order["default_value"], "0");
    // Defaults: a text attribute of conversations.
    let bare = create(
        &app,
        json!({ "attribute_display_name": "Bare", "attribute_key": "bare", "attribute_display_type": "7" }),
    )
    .await;
    assert_eq!(bare["attribute_model"], "conversation_attribute");
    assert_eq!(bare["attribute_display_type"], "checkbox");
    let (plan_id, order_id, bare_id) = (
        plan["id"].as_i64().unwrap(),
        order["id"].as_i64().unwrap(),
        bare["id"].as_i64().unwrap(),
    );

    // Both spellings of the model filter; none lists every model.
    for q in ["1", "contact_attribute"] {
        let list = app.ok(Method::GET, &format!("{defs}?attribute_model={q}"), None).await;
        assert_eq!(ids_of(&list), [plan_id], "{q}");
    }
    for q in ["0", "conversation_attribute"] {
        let list = app.ok(Method::GET, &format!("{defs}?attribute_model={q}"), None).await;
        assert_eq!(ids_of(&list), [order_id, bare_id], "{q}");
    }
    let all = app.ok(Method::GET, &defs, None).await;
    assert_eq!(ids_of(&all), [plan_id, order_id, bare_id]);
    assert_eq!(all[0], plan);
    let (s, v) = app.get(&format!("{defs}?attribute_model=2")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["attributes"], json!(["attribute_model"]));

    // Show, then a partial change: other fields keep their values.
    let shown = app.ok(Method::GET, &format!("{defs}/{plan_id}"), None).await;
    assert_eq!(shown, plan);
    let changed = app
        .ok(
            Method::PATCH,
            &format!("{defs}/{plan_id}"),
            Some(json!({ "custom_attribute_definition": {
                "attribute_display_name": "Contract plan",
                "attribute_values": ["Gold", "Platinum"],
            } })),
        )
        .await;
    assert_eq!(changed["attribute_display_name"], "Contract plan");
    assert_eq!(changed["attribute_values"], json!(["Gold", "Platinum"]));
    assert_eq!(changed["attribute_key"], "plan");
    assert_eq!(changed["attribute_description"], "The contract");
    assert_eq!(changed["created_at"], plan["created_at"]);
    let cleared = app
        .ok(
            Method::PUT,
            &format!("{defs}/{order_id}"),
            Some(json!({ "regex_pattern": "", "regex_cue": null, "attribute_display_type": "number" })),
        )
        .await;
    assert_eq!(cleared["regex_pattern"], Value::Null);
    assert_eq!(cleared["regex_cue"], Value::Null);
    assert_eq!(cleared["attribute_display_type"], "number");
    assert_eq!(app.ok(Method::GET, &format!("{defs}/{order_id}"), None).await, cleared);

    // Deleting a definition keeps the values on the records (Chatwoot too).
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let (contact, _) = app.contact(inbox, "Carla").await;
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/contacts/{contact}")),
        Some(json!({ "custom_attributes": { "plan": "Gold" } })),
    )
    .await;
    let (s, v) = app.delete(&format!("{defs}/{plan_id}")).await;
    assert_eq!(s, StatusCode::NO_CONTENT, "{v}");
    let (s, _) = app.get(&format!("{defs}/{plan_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = app.delete(&format!("{defs}/{plan_id}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let c = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{contact}")), None)
        .await;
    assert_eq!(c["payload"]["custom_attributes"]["plan"], "Gold");
    assert_eq!(ids_of(&app.ok(Method::GET, &defs, None).await), [order_id, bare_id]);
    app.stop().await;
}
both!(definitions_crud_and_shapes);

async fn bad_input_is_refused(app: TestApp) {
    let defs = app.acc("/custom_attribute_definitions");
    let good = json!({ "attribute_display_name": "Tier", "attribute_key": "tier", "attribute_model": 1 });
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "attribute_key": "tier" }), "attribute_display_name"),
        (with("attribute_display_name", json!("  ")), "attribute_display_name"),
        (
            with("attribute_display_name", json!({ "a": 1 })),
            "attribute_display_name",
        ),
        (
            with("attribute_display_name", json!("n".repeat(256))),
            "attribute_display_name",
        ),
        (json!({ "attribute_display_name": "Tier" }), "attribute_key"),
        (with("attribute_key", json!("a b")), "attribute_key"),
        (with("attribute_key", json!("tier/1")), "attribute_key"),
        (with("attribute_key", json!(["tier"])), "attribute_key"),
        (with("attribute_key", json!("k".repeat(256))), "attribute_key"),
        // A contact's own field is not a custom attribute's key.
        (with("attribute_key", json!("email")), "attribute_key"),
        (with("attribute_model", json!(2)), "attribute_model"),
        (with("attribute_model", json!("company_attribute")), "attribute_model"),
        (with("attribute_model", json!(true)), "attribute_model"),
        (with("attribute_display_type", json!("radio")), "attribute_display_type"),
        (with("attribute_display_type", json!(8)), "attribute_display_type"),
        (with("attribute_display_type", json!({})), "attribute_display_type"),
        (with("attribute_values", json!("Gold")), "attribute_values"),
        (with("attribute_values", json!([{ "a": 1 }])), "attribute_values"),
        (with("attribute_values", json!(vec!["v"; 101])), "attribute_values"),
        (with("attribute_values", json!(["v".repeat(256)])), "attribute_values"),
        (
            with("attribute_description", json!("d".repeat(2001))),
            "attribute_description",
        ),
        (with("regex_pattern", json!("a".repeat(501))), "regex_pattern"),
        (with("regex_pattern", json!(["^a$"])), "regex_pattern"),
        (with("regex_cue", json!("c".repeat(256))), "regex_cue"),
        (with("default_value", json!({ "a": 1 })), "default_value"),
        (with("default_value", json!("d".repeat(256))), "default_value"),
    ];
    for (body, attr) in cases {
        let (s, v) = app.post(&defs, body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
        assert_eq!(v["attributes"], json!([attr]), "{body}: {v}");
        assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    }
    // Lengths at the bounds are accepted; "email" is free for conversations.
    let edge = create(
        &app,
        json!({
            "attribute_display_name": "n".repeat(255), "attribute_key": "k".repeat(255),
            "attribute_values": vec!["v".repeat(255); 100], "regex_pattern": "a".repeat(500),
            "attribute_description": "d".repeat(2000), "default_value": true,
        }),
    )
    .await;
    assert_eq!(edge["attribute_values"].as_array().unwrap().len(), 1, "repeats dropped");
    assert_eq!(edge["default_value"], true);
    create(
        &app,
        json!({ "attribute_display_name": "E-mail", "attribute_key": "email", "attribute_model": "conversation_attribute" }),
    )
    .await;
    // A change is validated the same way; a refused change changes nothing.
    let id = edge["id"].as_i64().unwrap();
    for body in [
        json!({ "attribute_key": "" }),
        json!({ "attribute_display_name": null }),
        json!({ "attribute_model": null }),
        json!({ "attribute_display_type": "radio" }),
        json!({ "attribute_key": "status" }),
    ] {
        let (s, v) = app.patch(&format!("{defs}/{id}"), body.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    assert_eq!(app.ok(Method::GET, &format!("{defs}/{id}"), None).await, edge);
    for path in [
        format!("{defs}/abc"),
        format!("{defs}/-1"),
        format!("{defs}/99999999999999999999"),
    ] {
        let (s, v) = app.get(&path).await;
        assert!(
            s == StatusCode::NOT_FOUND || s == StatusCode::BAD_REQUEST,
            "{path}: {s} {v}"
        );
        assert!(v.is_object(), "a JSON error: {v}");
    }
    app.stop().await;
}
both!(bad_input_is_refused);

async fn keys_are_unique_per_account_and_model(app: TestApp) {
    let defs = app.acc("/custom_attribute_definitions");
    let body = |model: &str, key: &str| json!({ "attribute_display_name": key, "attribute_key": key, "attribute_model": model });
    let first = create(&app, body("contact_attribute", "tier")).await;
    let (s, v) = app.post(&defs, body("1", " tier ")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["attributes"], json!(["attribute_key"]));
    assert_eq!(v["message"], "Attribute key has already been taken");
    // The same key for the other model, and in another account.
    let conv = create(&app, body("conversation_attribute", "tier")).await;
    let (other, olga) = app.other_account().await;
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/custom_attribute_definitions"),
            &olga,
            Some(body("contact_attribute", "tier")),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // A change onto a taken key or model is refused too.
    let second = create(&app, body("contact_attribute", "seats")).await;
    let (s, v) = app
        .patch(&format!("{defs}/{}", second["id"]), json!({ "attribute_key": "tier" }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app
        .patch(&format!("{defs}/{}", conv["id"]), json!({ "attribute_model": 1 }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["attributes"], json!(["attribute_key"]));
    // Moving a definition to the other model works when the key is free.
    let moved = app
        .ok(
            Method::PATCH,
            &format!("{defs}/{}", second["id"]),
            Some(json!({ "attribute_model": "conversation_attribute" })),
        )
        .await;
    assert_eq!(moved["attribute_model"], "conversation_attribute");
    let contact_defs = app.ok(Method::GET, &format!("{defs}?attribute_model=1"), None).await;
    assert_eq!(ids_of(&contact_defs), [first["id"].as_i64().unwrap()]);
    app.stop().await;
}
both!(keys_are_unique_per_account_and_model);

/// Every member reads the definitions; only administrators write them
/// (Chatwoot's policy). Another account's ids are missing ids.
async fn agents_read_and_strangers_see_nothing(app: TestApp) {
    let defs = app.acc("/custom_attribute_definitions");
    let def = create(
        &app,
        json!({ "attribute_display_name": "Tier", "attribute_key": "tier", "attribute_model": 1 }),
    )
    .await;
    let id = def["id"].as_i64().unwrap();
    let one = format!("{defs}/{id}");
    let (_, bob) = app.agent("Bob", "bob@acme.test", "agent").await;
    let (s, list) = app.call(Method::GET, &defs, &bob, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids_of(&list), [id]);
    let (s, shown) = app.call(Method::GET, &one, &bob, None).await;
    assert_eq!((s, &shown), (StatusCode::OK, &def));
    let new = json!({ "attribute_display_name": "X", "attribute_key": "x" });
    for (m, path, body) in [
        (Method::POST, &defs, Some(new.clone())),
        (Method::PATCH, &one, Some(json!({ "attribute_display_name": "Mine" }))),
        (Method::PUT, &one, Some(json!({ "attribute_display_name": "Mine" }))),
        (Method::DELETE, &one, None),
    ] {
        let (s, v) = app.call(m.clone(), path, &bob, body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} {path}: {v}");
    }
    // An administrator invited later may write.
    let (_, ada) = app.agent("Ada", "ada@acme.test", "administrator").await;
    let (s, v) = app
        .call(
            Method::PATCH,
            &one,
            &ada,
            Some(json!({ "attribute_display_name": "Tier 2" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");

    let (other, olga) = app.other_account().await;
    let theirs = format!("/api/v1/accounts/{other}/custom_attribute_definitions");
    for (m, body) in [
        (Method::GET, None),
        (Method::PATCH, Some(json!({ "attribute_display_name": "Olga's" }))),
        (Method::DELETE, None),
    ] {
        let (s, v) = app
            .call(m.clone(), &format!("{theirs}/{id}"), &olga, body.clone())
            .await;
        let (s2, v2) = app
            .call(m.clone(), &format!("{theirs}/999999999"), &olga, body.clone())
            .await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{m}: {v}");
        assert_eq!((s, v), (s2, v2), "{m}: like a missing id");
        let (s, _) = app.call(m.clone(), &one, &olga, body).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m} on our account's path");
    }
    let (s, list) = app.call(Method::GET, &theirs, &olga, None).await;
    assert_eq!((s, list), (StatusCode::OK, json!([])));
    let after = app.ok(Method::GET, &one, None).await;
    assert_eq!(after["attribute_display_name"], "Tier 2");
    app.stop().await;
}
both!(agents_read_and_strangers_see_nothing);

/// At most 200 definitions per account and model.
async fn definitions_are_bounded(app: TestApp) {
    let defs = app.acc("/custom_attribute_definitions");
    for i in 0..200 {
        let (s, v) = app
            .post(
                &defs,
                json!({ "attribute_display_name": format!("A {i}"), "attribute_key": format!("a_{i}"), "attribute_model": 1 }),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{i}: {v}");
    }
    let (s, v) = app
        .post(
            &defs,
            json!({ "attribute_display_name": "One more", "attribute_key": "one_more", "attribute_model": 1 }),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["attributes"], json!(["attribute_model"]));
    // The other model has its own room, but cannot move into the full one.
    let conv = create(
        &app,
        json!({ "attribute_display_name": "One more", "attribute_key": "one_more", "attribute_model": 0 }),
    )
    .await;
    let (s, v) = app
        .patch(&format!("{defs}/{}", conv["id"]), json!({ "attribute_model": 1 }))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let list = app.ok(Method::GET, &format!("{defs}?attribute_model=1"), None).await;
    assert_eq!(list.as_array().unwrap().len(), 200);
    let all = app.ok(Method::GET, &defs, None).await;
    assert_eq!(all.as_array().unwrap().len(), 201);
    app.stop().await;
}
both!(definitions_are_bounded);
