//! Files on messages: multipart uploads, type from content, signed links,
//! safe serving, limits.

use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::both;
use crate::cable::{Cable, agent_identifier};
use crate::helpers::{Db, TestApp};

/// A PNG header for a 3 x 2 image (enough to be recognised and measured).
fn png() -> Vec<u8> {
    let mut b = b"\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR".to_vec();
    b.extend_from_slice(&[0, 0, 0, 3, 0, 0, 0, 2, 8, 2, 0, 0, 0]);
    b.extend_from_slice(&[0u8; 64]);
    b
}

async fn send_form(app: &TestApp, path: &str, form: Form) -> (StatusCode, Value) {
    let r = app
        .client
        .post(format!("{}{path}", app.base))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn upload_and_serve(app: TestApp) {
    let (_, _, c) = app.setup_conversation(None).await;
    let mut live = Cable::connect(&app).await;
    assert_eq!(
        live.subscribe(&agent_identifier(&app, &app.token).await).await,
        "confirm"
    );
    let form = Form::new()
        .text("content", "see attached")
        .part("attachments[]", Part::bytes(png()).file_name("photo.bin"))
        .part(
            "attachments[]",
            Part::bytes(b"<svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>".to_vec())
                .file_name("innocent.png"),
        );
    let (s, m) = send_form(&app, &app.acc(&format!("/conversations/{c}/messages")), form).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    assert_eq!(m["content"], "see attached");
    let atts = m["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0]["file_type"], "image", "a PNG by its bytes, whatever its name");
    assert_eq!(atts[0]["extension"], "png");
    assert_eq!(
        (atts[0]["width"].as_i64(), atts[0]["height"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(atts[1]["file_type"], "file", "an SVG named .png is a file");
    assert_eq!(atts[1]["extension"], "svg");
    // The live event carries them too.
    let d = live.expect("message.created").await;
    assert_eq!(d["attachments"].as_array().map(Vec::len), Some(2));
    // Images show inline; the SVG downloads, never sniffed.
    let img = app
        .client
        .get(atts[0]["data_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(img.status(), StatusCode::OK);
    assert_eq!(img.headers()["content-type"], "image/png");
    assert!(
        img.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline")
    );
    assert_eq!(img.headers()["x-content-type-options"], "nosniff");
    assert_eq!(img.bytes().await.unwrap().to_vec(), png());
    let svg = app
        .client
        .get(atts[1]["data_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(svg.headers()["content-type"], "application/octet-stream");
    assert!(
        svg.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert!(
        svg.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );
    // A tampered or expired link is nothing.
    let url = atts[0]["data_url"].as_str().unwrap();
    let tampered = url.replace("signature=", "signature=0");
    assert_eq!(
        app.client.get(tampered).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let expired = url.split("?expires=").next().unwrap().to_string() + "?expires=1&signature=00";
    assert_eq!(
        app.client.get(expired).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    // Listed with the message.
    let list = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    let row = list["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == m["id"])
        .unwrap()
        .clone();
    assert_eq!(row["attachments"].as_array().map(Vec::len), Some(2));
    // A message may be only a file.
    let form = Form::new().part("attachments[]", Part::bytes(png()).file_name("only.png"));
    let (s, only) = send_form(&app, &app.acc(&format!("/conversations/{c}/messages")), form).await;
    assert_eq!(s, StatusCode::OK, "{only}");
    // The list shows the last message with its picture (Chatwoot's
    // previews read `messages[0].attachments`).
    let list = app.ok(Method::GET, &app.acc("/conversations"), None).await;
    let card = list["data"]["payload"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["id"] == c)
        .unwrap()
        .clone();
    assert_eq!(card["messages"][0]["id"], only["id"], "{card}");
    assert_eq!(card["messages"][0]["attachments"][0]["file_type"], "image", "{card}");
    assert_eq!(
        card["last_non_activity_message"]["attachments"][0]["file_type"],
        "image"
    );
    // Sixteen files are too many.
    let mut form = Form::new().text("content", "many");
    for i in 0..16 {
        form = form.part("attachments[]", Part::bytes(png()).file_name(format!("{i}.png")));
    }
    let (s, b) = send_form(&app, &app.acc(&format!("/conversations/{c}/messages")), form).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{b}");
    // Deleting the message removes its files.
    app.ok(
        Method::DELETE,
        &app.acc(&format!("/conversations/{c}/messages/{}", m["id"])),
        None,
    )
    .await;
    assert_eq!(
        app.client.get(url).send().await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    app.stop().await;
}
both!(upload_and_serve);

async fn size_limit(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.max_upload_mb = Some(1)).await else {
        return;
    };
    let (_, _, c) = app.setup_conversation(None).await;
    let mut big = png();
    big.resize(1024 * 1024 + 10, 0);
    let form = Form::new()
        .text("content", "too big")
        .part("attachments[]", Part::bytes(big).file_name("big.png"));
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let r = client
        .post(format!(
            "{}{}",
            app.base,
            app.acc(&format!("/conversations/{c}/messages"))
        ))
        .header("api_access_token", &app.token)
        .multipart(form)
        .send()
        .await;
    match r {
        Ok(r) => assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE),
        Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
    }
    let list = app
        .ok(Method::GET, &app.acc(&format!("/conversations/{c}/messages")), None)
        .await;
    assert!(
        list["payload"]
            .as_array()
            .unwrap()
            .iter()
            .all(|m| m["content"] != "too big"),
        "nothing half-written"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_limit_sqlite() {
    size_limit(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn size_limit_postgres() {
    size_limit(Db::Postgres).await;
}

async fn visitors_send_files(app: TestApp) {
    let inbox = app
        .ok(
            Method::POST,
            &app.acc("/inboxes"),
            Some(json!({ "name": "Site", "channel": { "type": "web_widget" } })),
        )
        .await;
    let token = inbox["website_token"].as_str().unwrap().to_string();
    let cfg: Value = app
        .client
        .post(format!("{}/api/v1/widget/config?website_token={token}", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let auth = cfg["website_channel_config"]["auth_token"]
        .as_str()
        .unwrap()
        .to_string();
    let url = format!("{}/api/v1/widget/messages?website_token={token}", app.base);
    let form = Form::new()
        .text("message[content]", "my screenshot")
        .part("message[attachments][]", Part::bytes(png()).file_name("s.png"));
    let r = app
        .client
        .post(&url)
        .header("X-Auth-Token", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let m: Value = r.json().await.unwrap();
    assert_eq!(m["content"], "my screenshot");
    assert_eq!(m["attachments"][0]["file_type"], "image");
    // Executables and unknown binaries are not accepted from visitors.
    let form = Form::new().part(
        "message[attachments][]",
        Part::bytes(vec![0x7f, b'E', b'L', b'F', 0, 0, 1, 0]).file_name("run.pdf"),
    );
    let r = app
        .client
        .post(&url)
        .header("X-Auth-Token", &auth)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    app.stop().await;
}
both!(visitors_send_files);

type Objects = std::sync::Arc<std::sync::Mutex<std::collections::HashMap<String, Vec<u8>>>>;

const S3_SECRET: &str = "test-secret";

/// A fake S3 bucket on loopback: checks each request's SigV4 signature and
/// payload hash, keeps objects in memory.
async fn fake_s3() -> (String, Objects) {
    let objects: Objects = Default::default();
    let app = axum::Router::new().fallback(s3_request).with_state(objects.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, objects)
}

async fn s3_request(
    axum::extract::State(store): axum::extract::State<Objects>,
    req: axum::extract::Request,
) -> axum::response::Response {
    let method = req.method().as_str().to_string();
    let path = req.uri().path().to_string();
    let (host, date, sha, auth) = {
        let h = |n: &str| {
            req.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        (
            h("host"),
            h("x-amz-date"),
            h("x-amz-content-sha256"),
            h("authorization"),
        )
    };
    let body = axum::body::to_bytes(req.into_body(), 64 << 20)
        .await
        .unwrap_or_default();
    use sha2::Digest;
    if hex::encode(sha2::Sha256::digest(&body)) != sha {
        return (axum::http::StatusCode::BAD_REQUEST, "payload hash mismatch").into_response();
    }
    let headers = [
        ("host", host),
        ("x-amz-content-sha256", sha.clone()),
        ("x-amz-date", date.clone()),
    ];
    let (sig, _) = switchboard_core::files::sigv4_signature(&switchboard_core::files::SigV4 {
        method: &method,
        path: &path,
        headers: &headers,
        payload_sha256: &sha,
        amz_date: &date,
        region: "eu-test-1",
        secret_key: S3_SECRET,
    });
    if !auth.starts_with("AWS4-HMAC-SHA256 Credential=test-key/") || !auth.ends_with(&format!("Signature={sig}")) {
        return (axum::http::StatusCode::FORBIDDEN, "SignatureDoesNotMatch").into_response();
    }
    let mut objects = store.lock().unwrap();
    match method.as_str() {
        "PUT" => {
            objects.insert(path, body.to_vec());
            axum::http::StatusCode::OK.into_response()
        }
        "GET" => match objects.get(&path) {
            Some(b) => b.clone().into_response(),
            None => axum::http::StatusCode::NOT_FOUND.into_response(),
        },
        "DELETE" => {
            objects.remove(&path);
            axum::http::StatusCode::NO_CONTENT.into_response()
        }
        _ => axum::http::StatusCode::METHOD_NOT_ALLOWED.into_response(),
    }
}

use axum::response::IntoResponse;

async fn files_in_an_s3_bucket(db: Db) {
    let (endpoint, objects) = fake_s3().await;
    let Some(app) = TestApp::spawn_with(db, move |o| {
        o.s3_endpoint = Some(endpoint);
        o.s3_bucket = Some("attachments".into());
        o.s3_region = Some("eu-test-1".into());
        o.s3_access_key = Some("test-key".into());
        o.s3_secret_key = Some("test-secret".into());
    })
    .await
    else {
        return;
    };
    let (_, _, c) = app.setup_conversation(None).await;
    let form = Form::new()
        .text("content", "to the bucket")
        .part("attachments[]", Part::bytes(png()).file_name("b.png"));
    let (s, m) = send_form(&app, &app.acc(&format!("/conversations/{c}/messages")), form).await;
    assert_eq!(s, StatusCode::OK, "{m}");
    {
        let objects = objects.lock().unwrap();
        assert_eq!(objects.len(), 1);
        let (path, bytes) = objects.iter().next().unwrap();
        assert!(path.starts_with("/attachments/"), "{path}");
        assert_eq!(bytes, &png());
    }
    let url = m["attachments"][0]["data_url"].as_str().unwrap().to_string();
    let got = app.client.get(&url).send().await.unwrap();
    assert_eq!(got.status(), StatusCode::OK);
    assert_eq!(got.bytes().await.unwrap().to_vec(), png());
    app.ok(
        Method::DELETE,
        &app.acc(&format!("/conversations/{c}/messages/{}", m["id"])),
        None,
    )
    .await;
    assert!(
        objects.lock().unwrap().is_empty(),
        "deleting the message deletes the object"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_an_s3_bucket_sqlite() {
    files_in_an_s3_bucket(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn files_in_an_s3_bucket_postgres() {
    files_in_an_s3_bucket(Db::Postgres).await;
}

/// Files uploaded for rules and macros (`/upload`): a rule and a macro send
/// them; the messages share the stored file, and deleting one message
/// keeps the file for the others; ids of other accounts are refused.
async fn rules_and_macros_send_uploaded_files(app: TestApp) {
    let (inbox, contact, conv) = app.setup_conversation(None).await;
    let form = Form::new().part("attachment", Part::bytes(png()).file_name("price list.png"));
    let (s, up) = send_form(&app, &app.acc("/upload"), form).await;
    assert_eq!(s, StatusCode::OK, "{up}");
    let blob = up["blob_id"].as_i64().unwrap();
    assert_eq!(up["file_name"], "price list.png");
    assert_eq!(up["content_type"], "image/png");
    // The older attach_file names answer the same.
    let form = Form::new().part("attachment", Part::bytes(png()).file_name("b.png"));
    let (s, _) = send_form(&app, &app.acc("/automation_rules/attach_file"), form).await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = app.post(&app.acc("/upload"), json!({ "attachment": "x" })).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let two = Form::new()
        .part("attachment", Part::bytes(png()).file_name("a.png"))
        .part("attachment2", Part::bytes(png()).file_name("b.png"));
    let (s, _) = send_form(&app, &app.acc("/upload"), two).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "one file at a time");

    // Ids that are not this account's uploads are refused.
    let (other, olga) = app.other_account().await;
    let r = app
        .client
        .post(format!("{}/api/v1/accounts/{other}/upload", app.base))
        .header("api_access_token", &olga)
        .multipart(Form::new().part("attachment", Part::bytes(png()).file_name("theirs.png")))
        .send()
        .await
        .unwrap();
    let theirs = r.json::<Value>().await.unwrap()["blob_id"].as_i64().unwrap();
    for bad in [json!([theirs]), json!([999_999]), json!(["price"]), json!([])] {
        let (s, v) = app
            .post(
                &app.acc("/automation_rules"),
                json!({
                    "name": "Price list", "event_name": "conversation_created", "conditions": [],
                    "actions": [{ "action_name": "send_attachment", "action_params": bad }],
                }),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {v}");
    }

    // A rule sends it to every new conversation.
    app.ok(
        Method::POST,
        &app.acc("/automation_rules"),
        Some(json!({
            "name": "Price list", "event_name": "conversation_created", "conditions": [],
            "actions": [{ "action_name": "send_attachment", "action_params": [blob] }],
        })),
    )
    .await;
    let fresh = app.conversation(inbox, contact).await;
    let sent = crate::helpers::eventually(10, "the rule's attachment", || async {
        crate::helpers::messages(&app, fresh)
            .await
            .into_iter()
            .find(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()))
    })
    .await;
    assert_eq!(sent["message_type"], 1, "{sent}");
    assert_eq!(sent["attachments"][0]["file_type"], "image");
    assert!(sent["content_attributes"]["automation_rule_id"].is_i64(), "{sent}");

    // A macro sends it as the person running it.
    let m = app
        .ok(
            Method::POST,
            &app.acc("/macros"),
            Some(json!({ "name": "Send prices", "visibility": "global",
                "actions": [{ "action_name": "send_attachment", "action_params": [blob] }] })),
        )
        .await["payload"]["id"]
        .as_i64()
        .unwrap();
    let v = app
        .ok(
            Method::POST,
            &app.acc(&format!("/macros/{m}/execute")),
            Some(json!({ "conversation_ids": [conv] })),
        )
        .await;
    assert_eq!(v["payload"]["errors"], json!([]), "{v}");
    let by_macro = crate::helpers::messages(&app, conv)
        .await
        .into_iter()
        .find(|m| m["attachments"].as_array().is_some_and(|a| !a.is_empty()))
        .expect("the macro's attachment");
    assert_eq!(by_macro["sender"]["id"], app.admin_id, "{by_macro}");

    // Deleting the rule's message keeps the file for the macro's.
    app.ok(
        Method::DELETE,
        &app.acc(&format!("/conversations/{fresh}/messages/{}", sent["id"])),
        None,
    )
    .await;
    let url = by_macro["attachments"][0]["data_url"].as_str().unwrap();
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{url}");
    assert!(r.bytes().await.unwrap().starts_with(b"\x89PNG"));
    app.stop().await;
}
both!(rules_and_macros_send_uploaded_files);
