//! Satisfaction surveys on every channel: a link to the public survey page
//! where the widget is not, label rules, the public survey API (answered,
//! changed, locked after 14 days, bad input), and the ratings' list,
//! metrics and CSV for administrators.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::helpers::{Sink, TestApp, messages};

async fn resolve(app: &TestApp, conv: i64) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "resolved" })),
    )
    .await;
}

async fn public(app: &TestApp, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
    let mut r = reqwest::Client::new().request(method, format!("{}{path}", app.base));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let resp = r.send().await.unwrap();
    let s = resp.status();
    (s, resp.json().await.unwrap_or(Value::Null))
}

async fn surveys_everywhere(app: TestApp) {
    let sink = Sink::start().await;
    let inbox = app.api_inbox("Support", Some(&sink.url)).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({
            "csat_survey_enabled": true,
            "csat_config": { "display_type": "star", "message": "How did we do?",
                "survey_rules": { "operator": "does_not_contain", "values": ["spam"] } },
        })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla Customer").await;

    // A conversation labelled spam is not surveyed.
    let spam = app.conversation(inbox, contact).await;
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{spam}/labels")),
        Some(json!({ "labels": ["spam"] })),
    )
    .await;
    resolve(&app, spam).await;
    assert!(
        !messages(&app, spam)
            .await
            .iter()
            .any(|m| m["content_type"] == "input_csat"),
        "the rules skip it"
    );

    // Another is, with a link to its survey page, once.
    let conv = app.conversation(inbox, contact).await;
    resolve(&app, conv).await;
    let c = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{conv}")), None)
        .await;
    let uuid = c["uuid"].as_str().unwrap().to_string();
    let survey = messages(&app, conv)
        .await
        .into_iter()
        .find(|m| m["content_type"] == "input_csat")
        .expect("a survey");
    let link = format!("/survey/responses/{uuid}");
    let content = survey["content"].as_str().unwrap();
    assert!(
        content.starts_with("How did we do?: http") && content.ends_with(&link),
        "{content}"
    );
    assert_eq!(survey["content_attributes"]["display_type"], "star");
    // The API inbox's system hears it like any message.
    let hooks = sink.wait_for("message_created", 1).await;
    assert!(
        hooks
            .iter()
            .any(|h| h.json()["content"].as_str().is_some_and(|t| t.ends_with(&link))),
        "{hooks:?}"
    );
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/toggle_status")),
        Some(json!({ "status": "open" })),
    )
    .await;
    resolve(&app, conv).await;
    let count = messages(&app, conv)
        .await
        .iter()
        .filter(|m| m["content_type"] == "input_csat")
        .count();
    assert_eq!(count, 1, "one survey a conversation");

    // The page, and its API.
    let page = reqwest::get(format!("{}{link}", app.base)).await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'self'")
    );
    assert!(page.text().await.unwrap().contains("/survey/survey.js"));
    let js = reqwest::get(format!("{}/survey/survey.js", app.base)).await.unwrap();
    assert_eq!(js.status(), StatusCode::OK);
    let api = format!("/public/api/v1/csat_survey/{uuid}");
    let (s, v) = public(&app, Method::GET, &api, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["question"], "How did we do?");
    assert_eq!(v["display_type"], "star");
    assert_eq!(v["inbox_name"], "Support");
    assert_eq!(v["locked"], false);
    assert!(v["csat_survey_response"].is_null());
    for bad in [
        "not-a-uuid",
        "00000000-0000-4000-8000-000000000000",
        "'; DROP TABLE conversations; --",
    ] {
        let (s, _) = public(&app, Method::GET, &format!("/public/api/v1/csat_survey/{bad}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "{bad}");
    }
    for body in [
        json!({ "rating": 0 }),
        json!({ "rating": 6 }),
        json!({ "rating": "great" }),
        json!({}),
        json!({ "rating": 3, "feedback_message": ["x"] }),
        json!({ "rating": 3, "feedback_message": "x".repeat(2001) }),
    ] {
        let (s, v) = public(&app, Method::PUT, &api, Some(body.clone())).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {v}");
    }
    let (s, v) = public(
        &app,
        Method::PUT,
        &api,
        Some(json!({ "message": { "submitted_values": { "csat_survey_response": { "rating": 2, "feedback_message": "Slow" } } } })),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["csat_survey_response"]["rating"], 2);
    // Changed while open.
    let (s, _) = public(
        &app,
        Method::PATCH,
        &api,
        Some(json!({ "rating": 5, "feedback_message": "Sorted in the end" })),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let m = crate::helpers::message_where(&app, conv, &survey["id"], "the answer on the message", |m| {
        m["content_attributes"]["submitted_values"]["csat_survey_response"]["rating"] == 5
    })
    .await;
    assert_eq!(
        m["content_attributes"]["submitted_values"]["csat_survey_response"]["feedback_message"],
        "Sorted in the end"
    );

    // The administrators' view.
    let list = app.ok(Method::GET, &app.acc("/csat_survey_responses"), None).await;
    let items = list.as_array().unwrap();
    assert_eq!(items.len(), 1, "one rating, however often changed: {list}");
    assert_eq!(items[0]["rating"], 5);
    assert_eq!(items[0]["conversation_id"], conv);
    assert_eq!(items[0]["contact"]["name"], "Carla Customer");
    assert_eq!(items[0]["feedback_message"], "Sorted in the end");
    let m = app
        .ok(Method::GET, &app.acc("/csat_survey_responses/metrics"), None)
        .await;
    assert_eq!(m["total_count"], 1, "{m}");
    assert_eq!(m["ratings_count"], json!({ "5": 1 }));
    assert_eq!(m["total_sent_messages_count"], 1);
    assert_eq!(m["satisfaction_score"], 100.0);
    assert_eq!(m["response_rate"], 100.0);
    let none = app
        .ok(Method::GET, &app.acc("/csat_survey_responses?rating=1"), None)
        .await;
    assert_eq!(none, json!([]));
    let (s, v) = app.get(&app.acc("/csat_survey_responses?rating=9")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (s, v) = app.get(&app.acc("/csat_survey_responses?user_ids=1,x")).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let resp = reqwest::Client::new()
        .get(format!("{}{}", app.base, app.acc("/csat_survey_responses/download")))
        .bearer_auth(&app.token)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    let csv = resp.text().await.unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with(&format!("{conv},5,\"Sorted in the end\",\"Carla Customer\"")),
        "{csv}"
    );
    let (_, amy) = app.agent("Amy", "amy@acme.test", "agent").await;
    for p in [
        "/csat_survey_responses",
        "/csat_survey_responses/metrics",
        "/csat_survey_responses/download",
    ] {
        let (s, _) = app.call(Method::GET, &app.acc(p), &amy, None).await;
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{p}");
    }

    // Fourteen days on, the survey is closed.
    app.sql_rows(&format!(
        "UPDATE messages SET created_at = created_at - {} WHERE id = {}",
        15i64 * 24 * 3600 * 1_000_000,
        survey["id"]
    ))
    .await;
    let (s, v) = public(&app, Method::PUT, &api, Some(json!({ "rating": 1 }))).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, v) = public(&app, Method::GET, &api, None).await;
    assert_eq!(v["locked"], true);
    assert_eq!(v["csat_survey_response"]["rating"], 5);
    app.stop().await;
}
both!(surveys_everywhere);
