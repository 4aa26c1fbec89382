//! Chatwoot's further contact endpoints: the filter, the inboxes a contact
//! can be reached through, the contacts online now, and merging two
//! contacts into one.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::cable_client::{Cable, agent_identifier, contact_identifier};
use crate::helpers::{Sink, TestApp};

async fn new_contact(app: &TestApp, body: Value) -> i64 {
    app.ok(Method::POST, &app.acc("/contacts"), Some(body)).await["payload"]["contact"]["id"]
        .as_i64()
        .unwrap()
}

fn ids(v: &Value) -> Vec<i64> {
    let mut out: Vec<i64> = v["payload"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload list: {v}"))
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    out.sort_unstable();
    out
}

async fn filter(app: &TestApp, token: &str, conditions: Value) -> (StatusCode, Value) {
    app.call(
        Method::POST,
        &app.acc("/contacts/filter"),
        token,
        Some(json!({ "payload": conditions })),
    )
    .await
}

fn cond(key: &str, op: &str, values: Value) -> Value {
    json!({ "attribute_key": key, "filter_operator": op, "values": values, "query_operator": "and" })
}

async fn filter_matches_contacts_in_chatwoot_shape(app: TestApp) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    let ann = new_contact(
        &app,
        json!({
            "name": "Ann Smith", "email": "ann@example.com", "phone_number": "+15551230001",
            "identifier": "crm-ann", "inbox_id": inbox,
            "additional_attributes": { "city": "Paris", "country_code": "FR", "company_name": "Acme" },
            "custom_attributes": { "plan": "Gold", "newsletter": true, "seats": 12 },
        }),
    )
    .await;
    let joanna = new_contact(
        &app,
        json!({
            "name": "Joanna Doe", "email": "joanna@example.org", "phone_number": "+4479460000",
            "additional_attributes": { "city": "London", "country_code": "gb", "company_name": "Globex" },
            "custom_attributes": { "plan": "silver" },
        }),
    )
    .await;
    let bob = new_contact(
        &app,
        json!({ "name": "Bob Blocked", "email": "bob@example.net", "blocked": true }),
    )
    .await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/contacts/{ann}/labels")),
        Some(json!({ "labels": ["vip"] })),
    )
    .await;
    // Another account's Ann is never found.
    let (other, olga) = app.other_account().await;
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/contacts"),
            &olga,
            Some(json!({ "name": "Ann Other", "email": "ann@other.test" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    let t = app.token.clone();
    let (s, v) = filter(&app, &t, json!([cond("name", "contains", json!(["ANN"]))])).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), vec![ann, joanna]);
    assert_eq!(v["meta"], json!({ "count": 2, "current_page": 1 }));
    // Each item is the contacts list's item.
    let list = app.ok(Method::GET, &app.acc("/contacts"), None).await;
    let listed = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ann)
        .unwrap()
        .clone();
    let found = v["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == ann)
        .unwrap()
        .clone();
    assert_eq!(found, listed);
    assert_eq!(found["contact_inboxes"][0]["inbox"]["id"], inbox);

    let cases: Vec<(Value, Vec<i64>)> = vec![
        (
            json!([cond("email", "equal_to", json!(["ANN@example.com"]))]),
            vec![ann],
        ),
        (
            json!([cond("email", "not_equal_to", json!(["ann@example.com"]))]),
            vec![joanna, bob],
        ),
        (json!([cond("phone_number", "starts_with", json!(["1555"]))]), vec![ann]),
        (
            json!([cond("phone_number", "equal_to", json!(["+4479460000"]))]),
            vec![joanna],
        ),
        (json!([cond("identifier", "equal_to", json!(["CRM-ann"]))]), vec![ann]),
        (
            json!([cond("country_code", "equal_to", json!(["GB", "fr"]))]),
            vec![ann, joanna],
        ),
        (json!([cond("city", "contains", json!(["lon"]))]), vec![joanna]),
        (
            json!([cond("company", "does_not_contain", json!(["acme"]))]),
            vec![joanna, bob],
        ),
        (json!([cond("labels", "equal_to", json!(["vip"]))]), vec![ann]),
        (json!([cond("labels", "is_not_present", json!([]))]), vec![joanna, bob]),
        (json!([cond("blocked", "equal_to", json!([true]))]), vec![bob]),
        (
            json!([cond("blocked", "not_equal_to", json!(["true"]))]),
            vec![ann, joanna],
        ),
        (
            json!([{ "attribute_key": "plan", "filter_operator": "equal_to", "values": ["gold"], "attribute_model": "custom_attributes" }]),
            vec![ann],
        ),
        // A checkbox and a number match as sent, as numbers or as text.
        (
            json!([{ "attribute_key": "newsletter", "filter_operator": "equal_to", "values": [true], "custom_attribute_type": "contact_attribute" }]),
            vec![ann],
        ),
        (
            json!([{ "attribute_key": "seats", "filter_operator": "equal_to", "values": ["12"], "custom_attribute_type": "contact_attribute" }]),
            vec![ann],
        ),
        (
            json!([{ "attribute_key": "seats", "filter_operator": "equal_to", "values": [12], "custom_attribute_type": "contact_attribute" }]),
            vec![ann],
        ),
        (
            json!([{ "attribute_key": "plan", "filter_operator": "is_not_present", "values": [], "custom_attribute_type": "contact_attribute" }]),
            vec![bob],
        ),
        (
            json!([cond("created_at", "is_greater_than", json!(["2020-01-01T00:00:00Z"]))]),
            vec![ann, joanna, bob],
        ),
        (json!([cond("created_at", "days_before", json!([1]))]), vec![]),
        (
            json!([
                { "attribute_key": "name", "filter_operator": "equal_to", "values": ["bob blocked"], "query_operator": "OR" },
                cond("email", "equal_to", json!(["joanna@example.org"])),
            ]),
            vec![joanna, bob],
        ),
        (
            json!([
                cond("name", "contains", json!(["ann"])),
                cond("city", "equal_to", json!(["paris"])),
            ]),
            vec![ann],
        ),
    ];
    for (conds, want) in cases {
        let (s, v) = filter(&app, &t, conds.clone()).await;
        assert_eq!(s, StatusCode::OK, "{conds} -> {v}");
        let mut want = want;
        want.sort_unstable();
        assert_eq!(ids(&v), want, "{conds}");
        assert_eq!(v["meta"]["count"], want.len(), "{conds}");
    }

    // Pages of 15, the count covering all.
    for i in 0..17 {
        new_contact(
            &app,
            json!({ "name": format!("Paged {i}"), "email": format!("paged{i}@example.com") }),
        )
        .await;
    }
    let url = app.acc("/contacts/filter?page=2");
    let body = json!({ "payload": [cond("name", "contains", json!(["paged"]))] });
    let (s, p2) = app.call(Method::POST, &url, &t, Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(p2["meta"], json!({ "count": 17, "current_page": 2 }));
    assert_eq!(p2["payload"].as_array().unwrap().len(), 2);
    let (_, p1) = app
        .call(Method::POST, &app.acc("/contacts/filter"), &t, Some(body))
        .await;
    assert_eq!(p1["payload"].as_array().unwrap().len(), 15);

    // Agents filter the account's contacts too (Chatwoot: every member).
    let (_, agent) = app.agent("Ag", "ag@acme.test", "agent").await;
    let (s, v) = filter(
        &app,
        &agent,
        json!([cond("email", "equal_to", json!(["bob@example.net"]))]),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(ids(&v), vec![bob]);
    app.stop().await;
}
both!(filter_matches_contacts_in_chatwoot_shape);

async fn filter_refuses_bad_input_and_keeps_values_as_data(app: TestApp) {
    let odd = new_contact(
        &app,
        json!({ "name": "Robert'); DROP TABLE contacts;--", "email": "bobby@example.com" }),
    )
    .await;
    let plain = new_contact(&app, json!({ "name": "Plain 100", "email": "plain@example.com" })).await;
    let t = app.token.clone();
    let refused: Vec<(Value, &str)> = vec![
        (
            json!([cond("nope", "equal_to", json!(["x"]))]),
            "Invalid attribute key - [nope]",
        ),
        (
            json!([cond("name; DROP TABLE contacts", "equal_to", json!(["x"]))]),
            "Invalid attribute key - [name; DROP TABLE contacts]",
        ),
        // A custom attribute key must look like one.
        (
            json!([{ "attribute_key": "a' OR 1=1", "filter_operator": "equal_to", "values": ["x"], "attribute_model": "custom_attributes" }]),
            "Invalid attribute key - [a' OR 1=1]",
        ),
        (
            json!([cond("identifier", "contains", json!(["x"]))]),
            "Invalid operator. The allowed operators for identifier are [equal_to,not_equal_to].",
        ),
        (
            json!([cond("name", "= 1 OR 1=1 --", json!(["x"]))]),
            "Invalid operator. The allowed operators for name are [equal_to,not_equal_to,contains,does_not_contain].",
        ),
        (
            json!([cond("created_at", "equal_to", json!(["2020-01-01"]))]),
            "Invalid operator. The allowed operators for created_at are [is_greater_than,is_less_than,days_before].",
        ),
        (
            json!([cond("name", "equal_to", json!([{ "a": 1 }]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([cond("name", "equal_to", json!([true]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([cond("created_at", "is_greater_than", json!(["soon"]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([cond("created_at", "days_before", json!([-1]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([cond("blocked", "equal_to", json!(["maybe"]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([cond("labels", "equal_to", json!([5]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([cond("name", "equal_to", json!([]))]),
            "values for name can't be blank",
        ),
        (
            json!([cond("name", "equal_to", json!(["x".repeat(1501)]))]),
            "Invalid value for this attribute",
        ),
        (
            json!([{ "attribute_key": "name", "filter_operator": "equal_to", "values": ["x"], "query_operator": "UNION" }]),
            "query_operator must be AND or OR",
        ),
        (
            json!([{ "filter_operator": "equal_to", "values": ["x"] }]),
            "attribute_key can't be blank",
        ),
        (json!([{ "attribute_key": 5, "filter_operator": "equal_to" }]), ""),
        (json!(["name"]), "each condition must be an object"),
        (json!([]), "payload must have between 1 and 50 conditions"),
        (json!("name"), "payload must be a list of conditions"),
    ];
    for (conds, message) in refused {
        let (s, v) = filter(&app, &t, conds.clone()).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{conds} -> {v}");
        if !message.is_empty() {
            assert_eq!(v["message"], message, "{conds} -> {v}");
        }
    }
    // Bounds: conditions and values.
    let many: Vec<Value> = (0..51).map(|_| cond("name", "contains", json!(["a"]))).collect();
    let (s, _) = filter(&app, &t, json!(many)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let values: Vec<String> = (0..101).map(|i| format!("v{i}")).collect();
    let (s, v) = filter(&app, &t, json!([cond("name", "equal_to", json!(values))])).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["message"], "Too many values");
    // No body at all, and a page that is not a number.
    let (s, _) = app
        .call(Method::POST, &app.acc("/contacts/filter"), &t, Some(json!({})))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = app
        .call(
            Method::POST,
            &app.acc("/contacts/filter?page=two"),
            &t,
            Some(json!({ "payload": [cond("name", "contains", json!(["a"]))] })),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    // SQL-looking values are data: they match only themselves.
    let as_data: Vec<(Value, Vec<i64>)> = vec![
        (json!([cond("name", "equal_to", json!(["x' OR '1'='1"]))]), vec![]),
        (json!([cond("name", "contains", json!(["drop table"]))]), vec![odd]),
        (json!([cond("name", "contains", json!(["%"]))]), vec![]),
        (json!([cond("name", "contains", json!(["_"]))]), vec![]),
        (json!([cond("name", "contains", json!(["100"]))]), vec![plain]),
        (
            json!([cond("email", "equal_to", json!(["plain@example.com') OR 1=1 --"]))]),
            vec![],
        ),
        (
            json!([{ "attribute_key": "plan", "filter_operator": "equal_to", "values": ["') OR 1=1 --"], "attribute_model": "custom_attributes" }]),
            vec![],
        ),
    ];
    for (conds, want) in as_data {
        let (s, v) = filter(&app, &t, conds.clone()).await;
        assert_eq!(s, StatusCode::OK, "{conds} -> {v}");
        assert_eq!(ids(&v), want, "{conds}");
    }
    // And the table is still there.
    let list = app.ok(Method::GET, &app.acc("/contacts"), None).await;
    assert_eq!(list["meta"]["count"], 2);
    app.stop().await;
}
both!(filter_refuses_bad_input_and_keeps_values_as_data);

/// An inbox of a kind the tests cannot create over HTTP without its platform.
async fn platform_inbox(app: &TestApp, code: i16, name: &str) -> i64 {
    let now = switchboard_domain::time::now_micros();
    let mut tx = app.core().store.write().await.unwrap();
    let inbox = tx
        .insert_inbox(&switchboard_store::Inbox {
            id: 0,
            account_id: app.account_id,
            name: name.to_string(),
            channel_type: code,
            channel_key: uuid::Uuid::new_v4().to_string(),
            hmac_token: uuid::Uuid::new_v4().to_string(),
            secret: uuid::Uuid::new_v4().to_string(),
            webhook_url: None,
            settings: json!({}),
            channel_config: json!({}),
            created_at: now,
            updated_at: now,
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    inbox.id
}

fn by_inbox(v: &Value) -> std::collections::BTreeMap<i64, String> {
    v["payload"]
        .as_array()
        .unwrap_or_else(|| panic!("a payload list: {v}"))
        .iter()
        .map(|x| {
            (
                x["inbox"]["id"].as_i64().unwrap(),
                x["source_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

async fn contactable_inboxes_follow_each_channel(app: TestApp) {
    let api = app.api_inbox("Api", None).await["id"].as_i64().unwrap();
    let widget = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Site", "channel": { "type": "web_widget" } })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let email = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Mail", "channel": { "type": "email", "email": "support@acme.test" } })),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    let code = |name: &str| app.core().channels.by_name(name).map(|c| c.code()).expect("registered");
    let whatsapp = platform_inbox(&app, code("whatsapp"), "WA").await;
    let sms = platform_inbox(&app, code("sms"), "SMS").await;
    let telegram = platform_inbox(&app, code("telegram"), "TG").await;
    let line = platform_inbox(&app, code("line"), "Line").await;

    let carla = new_contact(
        &app,
        json!({ "name": "Carla", "email": "carla@example.com", "phone_number": "+15551234567" }),
    )
    .await;
    for (inbox, sid) in [(api, Some("api-carla")), (telegram, Some("42:7")), (widget, None)] {
        let mut body = json!({ "inbox_id": inbox });
        if let Some(sid) = sid {
            body["source_id"] = json!(sid);
        }
        app.ok(
            Method::POST,
            &app.acc(&format!("/contacts/{carla}/contact_inboxes")),
            Some(body),
        )
        .await;
    }
    let url = app.acc(&format!("/contacts/{carla}/contactable_inboxes"));
    let v = app.ok(Method::GET, &url, None).await;
    let got = by_inbox(&v);
    let widget_sid = got.get(&widget).cloned().expect("the widget session, unused yet");
    let want: std::collections::BTreeMap<i64, String> = [
        (api, "api-carla".to_string()),
        (widget, widget_sid.clone()),
        (email, "carla@example.com".to_string()),
        (whatsapp, "15551234567".to_string()),
        (sms, "+15551234567".to_string()),
        (telegram, "42:7".to_string()),
    ]
    .into_iter()
    .collect();
    assert_eq!(got, want, "no Line chat exists, so Line is not offered: {v}");
    assert!(!got.contains_key(&line));
    // Each inbox is the full inbox shape, as GET /inboxes/{id} gives it.
    let item = v["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["inbox"]["id"] == api)
        .unwrap();
    let shown = app.ok(Method::GET, &app.acc(&format!("/inboxes/{api}")), None).await;
    assert_eq!(item["inbox"], shown);
    assert_eq!(item.as_object().unwrap().len(), 2);

    // Once the widget session has a conversation, the widget is not offered.
    app.ok(
        Method::POST,
        &app.acc("/conversations"),
        Some(json!({ "inbox_id": widget, "contact_id": carla, "source_id": widget_sid })),
    )
    .await;
    let got = by_inbox(&app.ok(Method::GET, &url, None).await);
    assert!(!got.contains_key(&widget), "{got:?}");
    assert_eq!(got.len(), 5);

    // A contact with nothing: only the API inbox, with a fresh source id each time.
    let nobody = new_contact(&app, json!({ "name": "Nobody" })).await;
    let nurl = app.acc(&format!("/contacts/{nobody}/contactable_inboxes"));
    let a = by_inbox(&app.ok(Method::GET, &nurl, None).await);
    let b = by_inbox(&app.ok(Method::GET, &nurl, None).await);
    assert_eq!(a.keys().copied().collect::<Vec<_>>(), vec![api]);
    assert_ne!(a[&api], b[&api]);
    assert_eq!(a[&api].len(), 36, "a uuid");

    // Agents see only their inboxes.
    let (dan, dan_token) = app.agent("Dan", "dan@acme.test", "agent").await;
    let (s, v) = app.call(Method::GET, &url, &dan_token, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v, json!({ "payload": [] }));
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": sms, "user_ids": [dan] })),
    )
    .await;
    let (_, v) = app.call(Method::GET, &url, &dan_token, None).await;
    assert_eq!(by_inbox(&v), [(sms, "+15551234567".to_string())].into_iter().collect());

    // Missing and foreign contacts: 404 alike.
    let (other, olga) = app.other_account().await;
    let (s1, v1) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/{carla}/contactable_inboxes"),
            &olga,
            None,
        )
        .await;
    let (s2, v2) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/999999999/contactable_inboxes"),
            &olga,
            None,
        )
        .await;
    assert_eq!((s1, &v1), (StatusCode::NOT_FOUND, &v2));
    assert_eq!(s2, StatusCode::NOT_FOUND);
    app.stop().await;
}
both!(contactable_inboxes_follow_each_channel);

async fn active_lists_the_contacts_online(app: TestApp) {
    let inbox = app.api_inbox("Api", None).await["id"].as_i64().unwrap();
    let (pia, pia_sid) = app.contact(inbox, "Pia Present").await;
    let (_absent, _) = app.contact(inbox, "Abe Absent").await;
    let t = app.token.clone();
    let (s, v) = app.call(Method::GET, &app.acc("/contacts/active"), &t, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v, json!({ "meta": { "count": 0, "current_page": 1 }, "payload": [] }));

    // Pia's app opens its socket.
    let mut socket = Cable::connect(&app).await;
    let id = contact_identifier(&app, inbox, &pia_sid).await;
    assert_eq!(socket.subscribe(&id).await, "confirm");
    let v = app.ok(Method::GET, &app.acc("/contacts/active"), None).await;
    assert_eq!(ids(&v), vec![pia]);
    assert_eq!(v["meta"], json!({ "count": 1, "current_page": 1 }));
    assert_eq!(v["payload"][0]["availability_status"], "online");
    assert_eq!(v["payload"][0]["name"], "Pia Present");
    assert_eq!(v["payload"][0]["contact_inboxes"][0]["source_id"], pia_sid);
    let v2 = app.ok(Method::GET, &app.acc("/contacts/active?page=2"), None).await;
    assert_eq!(v2["payload"], json!([]));
    assert_eq!(v2["meta"]["count"], 1);

    // Agents may ask too; another account sees none of them.
    let (_, agent) = app.agent("Ag", "ag@acme.test", "agent").await;
    let (s, v) = app.call(Method::GET, &app.acc("/contacts/active"), &agent, None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(ids(&v), vec![pia]);
    let (other, olga) = app.other_account().await;
    let (s, v) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/active"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["payload"], json!([]));
    assert_eq!(v["meta"]["count"], 0);
    let (s, _) = app
        .call(Method::GET, &app.acc("/contacts/active?page=x"), &t, None)
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    drop(socket);
    app.stop().await;
}
both!(active_lists_the_contacts_online);

async fn merge_moves_everything_to_the_base(app: TestApp) {
    let sink = Sink::start().await;
    app.ok(
        Method::POST,
        &app.acc("/webhooks"),
        Some(json!({ "url": sink.url, "subscriptions": ["contact_updated"] })),
    )
    .await;
    let inbox_v = app.api_inbox("Api", None).await;
    let inbox = inbox_v["id"].as_i64().unwrap();
    let ident = inbox_v["inbox_identifier"].as_str().unwrap().to_string();
    let base = app
        .ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({
                "name": "Base Person", "email": "base@example.com", "inbox_id": inbox, "source_id": "same-inbox-base",
                "additional_attributes": { "city": "Paris", "company_name": "" },
                "custom_attributes": { "plan": "gold" },
            })),
        )
        .await["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    let mergee = app
        .ok(
            Method::POST,
            &app.acc("/contacts"),
            Some(json!({
                "name": "Mergee", "email": "mergee@example.com", "phone_number": "+15550001111",
                "identifier": "crm-7", "inbox_id": inbox, "source_id": "same-inbox-mergee",
                "additional_attributes": { "city": "Rome", "company_name": "Acme" },
                "custom_attributes": { "plan": "silver", "tier": 2 },
            })),
        )
        .await["payload"]["contact"]["id"]
        .as_i64()
        .unwrap();
    let base_conv = app.conversation(inbox, base).await;
    let m1 = app.conversation(inbox, mergee).await;
    let m2 = app.conversation(inbox, mergee).await;
    for conv in [m1, m2] {
        app.ok(
            Method::POST,
            &app.acc(&format!("/conversations/{conv}/messages")),
            Some(json!({ "content": "from the mergee", "message_type": "incoming" })),
        )
        .await;
    }
    app.ok(
        Method::POST,
        &app.acc(&format!("/contacts/{mergee}/notes")),
        Some(json!({ "content": "met at the fair" })),
    )
    .await;
    for (c, labels) in [(base, json!(["vip", "b"])), (mergee, json!(["vip", "a"]))] {
        app.ok(
            Method::POST,
            &app.acc(&format!("/contacts/{c}/labels")),
            Some(json!({ "labels": labels })),
        )
        .await;
    }
    let mut agent_socket = Cable::connect(&app).await;
    let aid = agent_identifier(&app, &app.token).await;
    assert_eq!(agent_socket.subscribe(&aid).await, "confirm");

    let merged = app
        .ok(
            Method::POST,
            &app.acc("/actions/contact_merge"),
            Some(json!({ "base_contact_id": base, "mergee_contact_id": mergee })),
        )
        .await;
    // The base, its blanks filled from the mergee, its own values kept.
    assert_eq!(merged["id"], base);
    assert_eq!(merged["name"], "Base Person");
    assert_eq!(merged["email"], "base@example.com");
    assert_eq!(merged["phone_number"], "+15550001111");
    assert_eq!(merged["identifier"], "crm-7");
    assert_eq!(
        merged["additional_attributes"],
        json!({ "city": "Paris", "company_name": "Acme" })
    );
    assert_eq!(merged["custom_attributes"], json!({ "plan": "gold", "tier": 2 }));
    assert_eq!(merged["type"], "contact");
    let shown = app.ok(Method::GET, &app.acc(&format!("/contacts/{base}")), None).await;
    for k in [
        "name",
        "email",
        "phone_number",
        "identifier",
        "additional_attributes",
        "custom_attributes",
    ] {
        assert_eq!(shown["payload"][k], merged[k], "{k}");
    }
    // Both sessions in the same inbox are the base's now.
    let mut sids: Vec<&str> = shown["payload"]["contact_inboxes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|ci| ci["source_id"].as_str().unwrap())
        .collect();
    sids.sort_unstable();
    assert_eq!(sids, vec!["same-inbox-base", "same-inbox-mergee"]);

    // The mergee is gone; everything it had is the base's.
    let (s, _) = app.get(&app.acc(&format!("/contacts/{mergee}"))).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let convs = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{base}/conversations")), None)
        .await;
    let mut conv_ids: Vec<i64> = convs["payload"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    conv_ids.sort_unstable();
    assert_eq!(conv_ids, vec![base_conv, m1, m2]);
    for conv in [m1, m2] {
        let c = app
            .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
            .await;
        assert_eq!(c["meta"]["sender"]["id"], base);
        let msgs = crate::helpers::messages(&app, conv).await;
        let incoming = msgs.iter().find(|m| m["content"] == "from the mergee").unwrap();
        assert_eq!(incoming["sender"]["id"], base, "{incoming}");
    }
    let labels = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{base}/labels")), None)
        .await;
    assert_eq!(labels["payload"], json!(["a", "b", "vip"]));
    let notes = app
        .ok(Method::GET, &app.acc(&format!("/contacts/{base}/notes")), None)
        .await;
    assert!(notes.to_string().contains("met at the fair"), "{notes}");
    // The mergee's app still reaches its conversations, now as the base.
    let r = app
        .client
        .get(format!(
            "{}/public/api/v1/inboxes/{ident}/contacts/same-inbox-mergee",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["id"], base);
    // The mergee's e-mail is free again.
    new_contact(&app, json!({ "name": "New", "email": "mergee@example.com" })).await;

    // Events: the mergee deleted, the merge, the base's update (and its webhook).
    let deleted = agent_socket.expect("contact.deleted").await;
    assert_eq!(deleted["id"], mergee);
    let m = agent_socket.expect("contact.merged").await;
    assert_eq!(m["id"], base);
    assert_eq!(m["identifier"], "crm-7");
    let u = agent_socket.expect("contact.updated").await;
    assert_eq!(u["id"], base);
    let hook = sink.wait_for("contact_updated", 1).await;
    let body = hook[0].json();
    assert_eq!(body["id"], base);
    let changed = body["changed_attributes"].to_string();
    assert!(
        changed.contains("phone_number") && changed.contains("identifier"),
        "{changed}"
    );
    let mut tx = app.core().store.read().await.unwrap();
    let convs = tx.contact_conversations(app.account_id, base, None, 20).await.unwrap();
    assert_eq!(convs.len(), 3);
    drop(tx);
    app.stop().await;
}
both!(merge_moves_everything_to_the_base);

async fn merge_is_for_administrators_within_the_account(app: TestApp) {
    let inbox = app.api_inbox("Api", None).await["id"].as_i64().unwrap();
    let (base, _) = app.contact(inbox, "Base").await;
    let (mergee, _) = app.contact(inbox, "Mergee").await;
    let conv = app.conversation(inbox, mergee).await;
    let url = app.acc("/actions/contact_merge");
    let t = app.token.clone();

    // Agents may not (a merge deletes a contact): 401 like Chatwoot's refusals.
    let (_, agent) = app.agent("Ag", "ag@acme.test", "agent").await;
    let (s, v) = app
        .call(
            Method::POST,
            &url,
            &agent,
            Some(json!({ "base_contact_id": base, "mergee_contact_id": mergee })),
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{v}");
    assert_eq!(v["error"], "You are not authorized to do this action");

    // Another account's contacts are missing ones, on either side.
    let (other, olga) = app.other_account().await;
    let (s, v) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/contacts"),
            &olga,
            Some(json!({ "name": "Theirs", "email": "theirs@other.test" })),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let theirs = v["payload"]["contact"]["id"].as_i64().unwrap();
    for body in [
        json!({ "base_contact_id": base, "mergee_contact_id": theirs }),
        json!({ "base_contact_id": theirs, "mergee_contact_id": mergee }),
        json!({ "base_contact_id": base, "mergee_contact_id": 999_999_999 }),
        json!({ "base_contact_id": 999_999_999, "mergee_contact_id": mergee }),
    ] {
        let (s, v) = app.call(Method::POST, &url, &t, Some(body.clone())).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{body} -> {v}");
        assert_eq!(v["error"], "Resource could not be found");
    }
    // Their administrator cannot merge ours from their account either.
    let (s, _) = app
        .call(
            Method::POST,
            &format!("/api/v1/accounts/{other}/actions/contact_merge"),
            &olga,
            Some(json!({ "base_contact_id": theirs, "mergee_contact_id": mergee })),
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // Bad input.
    for body in [
        json!({}),
        json!({ "base_contact_id": base }),
        json!({ "base_contact_id": "abc", "mergee_contact_id": mergee }),
        json!({ "base_contact_id": base, "mergee_contact_id": [mergee] }),
    ] {
        let (s, v) = app.call(Method::POST, &url, &t, Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body} -> {v}");
        assert!(v["message"].is_string(), "{v}");
    }
    // A contact merged with itself is answered unchanged (as Chatwoot does).
    let same = app
        .ok(
            Method::POST,
            &url,
            Some(json!({ "base_contact_id": mergee, "mergee_contact_id": mergee })),
        )
        .await;
    assert_eq!(same["id"], mergee);
    assert_eq!(same["name"], "Mergee");

    // Nothing changed through all of that.
    for c in [base, mergee] {
        app.ok(Method::GET, &app.acc(&format!("/contacts/{c}")), None).await;
    }
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(c["meta"]["sender"]["id"], mergee);
    let (s, _) = app
        .call(
            Method::GET,
            &format!("/api/v1/accounts/{other}/contacts/{theirs}"),
            &olga,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);

    // The administrator's merge goes through; a second one finds no mergee.
    let body = json!({ "base_contact_id": base, "mergee_contact_id": mergee });
    let (s, _) = app.call(Method::POST, &url, &t, Some(body.clone())).await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = app.call(Method::POST, &url, &t, Some(body)).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    assert_eq!(c["meta"]["sender"]["id"], base);
    app.stop().await;
}
both!(merge_is_for_administrators_within_the_account);
