//! A fake Telegram Bot API on loopback, and the Telegram fixtures in
//! `tests/fixtures/telegram/`.
//!
//! `FakeTelegram::start()` serves `/bot<token>/<method>` (GET or POST, with a
//! JSON, urlencoded or multipart body, or query parameters) and
//! `/file/bot<token>/<file_path>` downloads. Every request is recorded as a
//! [`TgCall`] (downloads as method `"file"`). Answers come from a per-method
//! FIFO queue filled by [`FakeTelegram::respond_next`], else from defaults
//! that look like the real API's.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;

/// Largest request body the fake accepts (uploads included).
use crate::fake_http::{BODY_LIMIT, parse_form, percent_decode, read_body};
/// The first `message_id` the default send* answers use.
const FIRST_MESSAGE_ID: i64 = 5001;
/// The bot the fake answers as.
const BOT_ID: i64 = 123_456_789;
const BOT_NAME: &str = "Acme Support";
const BOT_USERNAME: &str = "acme_support_bot";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct TgCall {
    /// From the path `/bot<token>/<method>` (or `/file/bot<token>/...`).
    pub token: String,
    /// As sent, e.g. `"sendMessage"`; `"file"` for downloads.
    pub method: String,
    /// The JSON body; for urlencoded and multipart bodies (and query
    /// parameters) an object of their text fields, as strings. For a download,
    /// `{"file_path": ...}`. A body that is not valid JSON is kept as a string.
    pub json: Value,
    /// Multipart parts that carried a file name or a content type.
    pub files: Vec<TgFile>,
}

/// One uploaded multipart file part.
pub type TgFile = crate::fake_http::UploadedFile;

impl TgCall {
    /// `json[key]` as a string (numbers are rendered), if present.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.json.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The file part sent as `field`, if any.
    pub fn file(&self, field: &str) -> Option<&TgFile> {
        self.files.iter().find(|f| f.field == field)
    }
}

#[derive(Clone)]
struct StoredFile {
    file_id: String,
    file_path: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct State {
    calls: Mutex<Vec<TgCall>>,
    /// Keyed by the lowercased method name (Bot API methods are case-insensitive).
    queued: Mutex<HashMap<String, VecDeque<(u16, Value)>>>,
    files: Mutex<Vec<StoredFile>>,
    next_message_id: AtomicI64,
    /// A bot token whose send* calls hang (recorded, never answered) while set.
    hang_token: Mutex<Option<String>>,
    /// Tokens of further bots: getMe answers with their own id.
    bots: Mutex<Vec<String>>,
}

/// A fake Bot API server on 127.0.0.1; dropped with the test's runtime.
#[derive(Clone)]
pub struct FakeTelegram {
    /// The API base, `http://127.0.0.1:PORT` (no trailing slash).
    pub url: String,
    state: Arc<State>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake telegram");
        let addr = listener.local_addr().expect("fake telegram addr");
        let state = Arc::new(State {
            next_message_id: AtomicI64::new(FIRST_MESSAGE_ID),
            ..State::default()
        });
        let s = state.clone();
        let app = axum::Router::new()
            .fallback(move |req: Request| {
                let s = s.clone();
                async move { handle(&s, req).await }
            })
            .layer(DefaultBodyLimit::max(BODY_LIMIT));
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            url: format!("http://{addr}"),
            state,
        }
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<TgCall> {
        lock(&self.state.calls).clone()
    }

    /// The calls to `method` (compared case-insensitively), in arrival order.
    pub fn calls_to(&self, method: &str) -> Vec<TgCall> {
        lock(&self.state.calls)
            .iter()
            .filter(|c| c.method.eq_ignore_ascii_case(method))
            .cloned()
            .collect()
    }

    /// Waits (up to 15 s) until at least `n` calls to `method` arrived and
    /// returns them all; panics listing the calls seen so far.
    pub async fn wait_for(&self, method: &str, n: usize) -> Vec<TgCall> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.calls_to(method);
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() > deadline {
                let seen: Vec<String> = self.calls().iter().map(summary).collect();
                panic!(
                    "timed out waiting for {n} x {method} (got {}); calls so far:\n{}",
                    got.len(),
                    seen.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Queues an answer for the next call to `method` (FIFO per method; used
    /// before the default). `"file"` queues an answer for a download.
    pub fn respond_next(&self, method: &str, status: u16, body: Value) {
        lock(&self.state.queued)
            .entry(method.to_ascii_lowercase())
            .or_default()
            .push_back((status, body));
    }

    /// Another bot: getMe with `token` answers with the token's bot id (the
    /// default bot's id otherwise).
    pub fn add_bot(&self, token: &str) {
        lock(&self.state.bots).push(token.to_string());
    }

    /// While `token` is set, that bot's send* calls are recorded and then
    /// hang (until cleared, the caller gives up, or a minute passes).
    pub fn hang_sends_of(&self, token: Option<&str>) {
        *lock(&self.state.hang_token) = token.map(str::to_string);
    }

    /// Registers a file for `getFile` (by `file_id`) and for downloads at
    /// `/file/bot<token>/<file_path>`. A later call with the same id or path
    /// replaces the earlier one.
    pub fn put_file(&self, file_id: &str, file_path: &str, bytes: Vec<u8>) {
        let mut files = lock(&self.state.files);
        files.retain(|f| f.file_id != file_id && f.file_path != file_path);
        files.push(StoredFile {
            file_id: file_id.to_string(),
            file_path: file_path.to_string(),
            bytes,
        });
    }
}

/// Reads `tests/fixtures/telegram/<path>` as JSON; panics if missing or invalid.
pub fn fixture(path: &str) -> Value {
    let full = fixtures_dir().join(path);
    let text = std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("fixture {}: {e}", full.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {} is not JSON: {e}", full.display()))
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/telegram")
}

/// One line describing a call, without file bytes.
fn summary(c: &TgCall) -> String {
    let files: Vec<String> = c
        .files
        .iter()
        .map(|f| {
            format!(
                "{}={:?} ({}, {} bytes)",
                f.field,
                f.file_name,
                f.content_type,
                f.bytes.len()
            )
        })
        .collect();
    format!("  {} [{}] {} files: [{}]", c.method, c.token, c.json, files.join(", "))
}

// ---------------------------------------------------------------------------
// Request handling. Nothing here may panic: odd input gets a Bot API error.

fn reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

fn error(code: u16, description: &str) -> Response {
    reply(
        code,
        json!({"ok": false, "error_code": code, "description": description}),
    )
}

fn not_found() -> Response {
    error(404, "Not Found")
}

async fn handle(state: &State, req: Request) -> Response {
    let path = percent_decode(req.uri().path(), false);
    if let Some(rest) = path.strip_prefix("/file/bot") {
        let Some((token, file_path)) = rest.split_once('/') else {
            return not_found();
        };
        return download(state, token, file_path);
    }
    let Some(rest) = path.strip_prefix("/bot") else {
        return not_found();
    };
    let Some((token, method)) = rest.split_once('/') else {
        return not_found();
    };
    if method.is_empty() || method.contains('/') {
        return not_found();
    }
    let (token, method) = (token.to_string(), method.to_string());
    let query = req.uri().query().map(parse_form).unwrap_or_default();
    let (mut body, files) = read_body(req).await;
    if let Value::Object(fields) = &mut body {
        for (k, v) in query {
            fields.entry(k).or_insert(Value::String(v));
        }
    }
    let call = TgCall {
        token,
        method,
        json: body,
        files,
    };
    lock(&state.calls).push(call.clone());
    if call.method.to_ascii_lowercase().starts_with("send") {
        for _ in 0..1200 {
            if lock(&state.hang_token).as_deref() != Some(call.token.as_str()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    if let Some((status, body)) = queued(state, &call.method) {
        return reply(status, body);
    }
    default_answer(state, &call)
}

fn queued(state: &State, method: &str) -> Option<(u16, Value)> {
    lock(&state.queued).get_mut(&method.to_ascii_lowercase())?.pop_front()
}

fn download(state: &State, token: &str, file_path: &str) -> Response {
    lock(&state.calls).push(TgCall {
        token: token.to_string(),
        method: "file".to_string(),
        json: json!({ "file_path": file_path }),
        files: Vec::new(),
    });
    if let Some((status, body)) = queued(state, "file") {
        return reply(status, body);
    }
    let found = lock(&state.files).iter().find(|f| f.file_path == file_path).cloned();
    match found {
        Some(f) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )],
            f.bytes,
        )
            .into_response(),
        None => not_found(),
    }
}

// ---------------------------------------------------------------------------
// Default answers.

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": BOT_NAME, "username": BOT_USERNAME})
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

fn default_answer(state: &State, call: &TgCall) -> Response {
    let method = call.method.to_ascii_lowercase();
    match method.as_str() {
        "getme" => reply(
            200,
            json!({"ok": true, "result": {
                // A further bot's id is its token's first part, as on Telegram.
                "id": if lock(&state.bots).contains(&call.token) {
                    call.token.split(':').next().and_then(|id| id.parse::<i64>().ok()).unwrap_or(BOT_ID)
                } else {
                    BOT_ID
                }, "is_bot": true, "first_name": BOT_NAME, "username": BOT_USERNAME,
                "can_join_groups": true, "can_read_all_group_messages": false,
                "supports_inline_queries": false
            }}),
        ),
        "setwebhook" => reply(
            200,
            json!({"ok": true, "result": true, "description": "Webhook was set"}),
        ),
        "answercallbackquery" => reply(200, json!({"ok": true, "result": true})),
        "deletewebhook" => reply(
            200,
            json!({"ok": true, "result": true, "description": "Webhook was deleted"}),
        ),
        "getfile" => get_file(state, call),
        "sendmessage" | "sendphoto" | "senddocument" | "sendvideo" | "sendaudio" | "sendvoice" | "sendanimation" => {
            sent_message(state, call, &method)
        }
        _ => not_found(),
    }
}

fn get_file(state: &State, call: &TgCall) -> Response {
    let Some(file_id) = call.str("file_id") else {
        return error(400, "Bad Request: invalid file_id");
    };
    let found = lock(&state.files).iter().find(|f| f.file_id == file_id).cloned();
    match found {
        Some(f) => reply(
            200,
            json!({"ok": true, "result": {
                "file_id": f.file_id,
                "file_unique_id": unique_id(&f.file_id),
                "file_size": f.bytes.len(),
                "file_path": f.file_path,
            }}),
        ),
        None => error(400, "Bad Request: invalid file_id"),
    }
}

/// A short stable stand-in for Telegram's `file_unique_id`.
fn unique_id(file_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in file_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("AgAD{h:016x}")
}

/// The `{ok:true, result: Message}` a send* method answers with.
fn sent_message(state: &State, call: &TgCall, method: &str) -> Response {
    let chat_id = match call.json.get("chat_id") {
        Some(Value::Number(n)) => Value::Number(n.clone()),
        Some(Value::String(s)) if !s.trim().is_empty() => match s.trim().parse::<i64>() {
            Ok(n) => json!(n),
            Err(_) => Value::String(s.clone()),
        },
        _ => return error(400, "Bad Request: chat_id is empty"),
    };
    let message_id = state.next_message_id.fetch_add(1, Ordering::SeqCst);
    let mut msg = Map::new();
    msg.insert("message_id".into(), json!(message_id));
    msg.insert("from".into(), bot_user());
    msg.insert("chat".into(), json!({"id": chat_id, "type": "private"}));
    msg.insert("date".into(), json!(now()));
    if let Some(bc) = call.str("business_connection_id") {
        msg.insert("business_connection_id".into(), json!(bc));
    }
    if method == "sendmessage" {
        match call.str("text") {
            Some(text) if !text.is_empty() => msg.insert("text".into(), json!(text)),
            _ => return error(400, "Bad Request: message text is empty"),
        };
    } else {
        if let Some(caption) = call.str("caption").filter(|c| !c.is_empty()) {
            msg.insert("caption".into(), json!(caption));
        }
        let field = &method["send".len()..];
        let upload = call.file(field);
        let file_id = format!("fake-{field}-{message_id}");
        let mut file = json!({
            "file_id": file_id,
            "file_unique_id": unique_id(&file_id),
            "file_size": upload.map_or(0, |f| f.bytes.len()),
        });
        if let Some(f) = upload {
            if !f.file_name.is_empty() && field != "photo" {
                file["file_name"] = json!(f.file_name);
            }
            if !f.content_type.is_empty() && field != "photo" {
                file["mime_type"] = json!(f.content_type);
            }
        }
        match field {
            "photo" => {
                file["width"] = json!(1280);
                file["height"] = json!(960);
                msg.insert("photo".into(), json!([file]));
            }
            "animation" => {
                msg.insert("document".into(), file.clone());
                msg.insert("animation".into(), file);
            }
            _ => {
                msg.insert(field.into(), file);
            }
        }
    }
    reply(200, json!({"ok": true, "result": Value::Object(msg)}))
}

// ---------------------------------------------------------------------------

mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        // reqwest is built without a default rustls provider.
        switchboard_outbound::install_crypto_provider();
        reqwest::Client::new()
    }

    #[tokio::test]
    async fn default_send_message_counts_up_and_echoes_chat_id() {
        let tg = FakeTelegram::start().await;
        let url = format!("{}/bot123:ABC-def/sendMessage", tg.url);
        let first: Value = client()
            .post(&url)
            .json(&json!({"chat_id": 777000111, "text": "Hi"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let second: Value = client()
            .post(&url)
            .json(&json!({"chat_id": "777000111", "text": "Again"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(first["ok"], true);
        assert_eq!(first["result"]["message_id"], 5001);
        assert_eq!(second["result"]["message_id"], 5002);
        assert_eq!(first["result"]["chat"]["id"], 777000111);
        assert_eq!(second["result"]["chat"]["id"], 777000111);
        assert_eq!(first["result"]["chat"]["type"], "private");
        assert_eq!(first["result"]["from"]["is_bot"], true);
        assert_eq!(second["result"]["text"], "Again");
        assert!(first["result"]["date"].as_i64().unwrap() > 1_700_000_000);

        let calls = tg.wait_for("sendMessage", 2).await;
        assert_eq!(calls[0].token, "123:ABC-def");
        assert_eq!(calls[0].method, "sendMessage");
        assert_eq!(calls[0].json["text"], "Hi");
        assert_eq!(calls[1].str("chat_id").as_deref(), Some("777000111"));
        assert!(tg.calls_to("getMe").is_empty());

        // Missing chat_id or text gets the Bot API's 400.
        let r = client().post(&url).json(&json!({"text": "x"})).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let r = client().post(&url).json(&json!({"chat_id": 1})).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["ok"], false);
        assert_eq!(body["error_code"], 400);
    }

    #[tokio::test]
    async fn respond_next_is_fifo_per_method_then_default() {
        let tg = FakeTelegram::start().await;
        tg.respond_next("sendMessage", 429, fixture("responses/error_429.json"));
        tg.respond_next("sendMessage", 403, fixture("responses/error_403_blocked.json"));
        tg.respond_next("getMe", 401, fixture("responses/error_401.json"));
        let url = format!("{}/bot42:tok/sendMessage", tg.url);
        let body = json!({"chat_id": 5, "text": "x"});
        let mut got = Vec::new();
        for _ in 0..3 {
            let r = client().post(&url).json(&body).send().await.unwrap();
            let status = r.status().as_u16();
            let v: Value = r.json().await.unwrap();
            got.push((status, v));
        }
        assert_eq!(got[0].0, 429);
        assert_eq!(got[0].1["parameters"]["retry_after"], 2);
        assert_eq!(got[1].0, 403);
        assert_eq!(got[1].1["description"], "Forbidden: bot was blocked by the user");
        assert_eq!(got[2].0, 200);
        assert_eq!(got[2].1["result"]["message_id"], 5001);

        let me = client()
            .get(format!("{}/bot42:tok/getMe", tg.url))
            .send()
            .await
            .unwrap();
        assert_eq!(me.status(), 401);
        let me: Value = client()
            .get(format!("{}/bot42:tok/getMe", tg.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(me, fixture("responses/getMe.json"));

        let hook: Value = client()
            .post(format!("{}/bot42:tok/setWebhook", tg.url))
            .json(&json!({"url": "https://example.test/hook", "secret_token": "abc_DEF-123"}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(hook, fixture("responses/setWebhook.json"));
        let unhook: Value = client()
            .post(format!("{}/bot42:tok/deleteWebhook", tg.url))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(unhook, fixture("responses/deleteWebhook.json"));

        let other = client()
            .post(format!("{}/bot42:tok/frobnicate", tg.url))
            .send()
            .await
            .unwrap();
        assert_eq!(other.status(), 404);
        let other: Value = other.json().await.unwrap();
        assert_eq!(other["description"], "Not Found");

        let methods: Vec<String> = tg.calls().into_iter().map(|c| c.method).collect();
        assert_eq!(
            methods,
            [
                "sendMessage",
                "sendMessage",
                "sendMessage",
                "getMe",
                "getMe",
                "setWebhook",
                "deleteWebhook",
                "frobnicate"
            ]
        );
        assert_eq!(tg.calls_to("setWebhook")[0].json["secret_token"], "abc_DEF-123");
    }

    #[tokio::test]
    async fn multipart_and_urlencoded_bodies_are_captured() {
        let tg = FakeTelegram::start().await;
        let form = reqwest::multipart::Form::new()
            .text("chat_id", "777000111")
            .text("caption", "Your label")
            .part(
                "photo",
                reqwest::multipart::Part::bytes(vec![0xFF, 0xD8, 0xFF, 0x00, 0x01])
                    .file_name("label.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        let r: Value = client()
            .post(format!("{}/bot1:x/sendPhoto", tg.url))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["ok"], true);
        assert_eq!(r["result"]["caption"], "Your label");
        assert_eq!(r["result"]["chat"]["id"], 777000111);
        assert!(r["result"]["photo"][0]["file_id"].is_string());

        let form = reqwest::multipart::Form::new().text("chat_id", "-100200300").part(
            "document",
            reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec())
                .file_name("invoice.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
        let r: Value = client()
            .post(format!("{}/bot1:x/sendDocument", tg.url))
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["result"]["chat"]["id"], -100200300);
        assert_eq!(r["result"]["document"]["file_name"], "invoice.pdf");
        assert_eq!(r["result"]["document"]["file_size"], 8);

        let calls = tg.wait_for("sendPhoto", 1).await;
        let call = &calls[0];
        assert_eq!(call.json, json!({"chat_id": "777000111", "caption": "Your label"}));
        assert_eq!(call.files.len(), 1);
        let photo = call.file("photo").unwrap();
        assert_eq!(photo.file_name, "label.jpg");
        assert_eq!(photo.content_type, "image/jpeg");
        assert_eq!(photo.bytes, vec![0xFF, 0xD8, 0xFF, 0x00, 0x01]);
        assert_eq!(tg.calls_to("sendDocument")[0].files[0].bytes, b"%PDF-1.4");

        // x-www-form-urlencoded, plus query parameters.
        let r = client()
            .post(format!("{}/bot1:x/sendMessage?disable_notification=true", tg.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("chat_id=42&text=Hello+there%2C+%D0%98%D0%B2%D0%B0%D0%BD%21")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let call = tg.calls_to("sendMessage").pop().unwrap();
        assert_eq!(
            call.json,
            json!({"chat_id": "42", "text": "Hello there, Иван!", "disable_notification": "true"})
        );

        // Garbage does not take the server down.
        let r = client()
            .post(format!("{}/bot1:x/sendMessage", tg.url))
            .header("content-type", "multipart/form-data; boundary=zzz")
            .body("not multipart at all")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = client()
            .post(format!("{}/bot1:x/sendMessage", tg.url))
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(tg.calls_to("sendMessage").last().unwrap().json, json!("{not json"));
        let r = client().get(format!("{}/nothing/here", tg.url)).send().await.unwrap();
        assert_eq!(r.status(), 404);
    }

    #[tokio::test]
    async fn get_file_then_download_round_trip() {
        let tg = FakeTelegram::start().await;
        let doc = fixture("updates/document.json");
        let file_id = doc["message"]["document"]["file_id"].as_str().unwrap().to_string();
        tg.put_file(&file_id, "documents/file_7.pdf", b"%PDF-1.7 fake".to_vec());

        let r: Value = client()
            .post(format!("{}/bot9:zz/getFile", tg.url))
            .json(&json!({ "file_id": file_id }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["ok"], true);
        assert_eq!(r["result"]["file_id"], file_id.as_str());
        assert_eq!(r["result"]["file_size"], 13);
        assert!(r["result"]["file_unique_id"].is_string());
        let path = r["result"]["file_path"].as_str().unwrap();
        assert_eq!(path, "documents/file_7.pdf");

        let dl = client()
            .get(format!("{}/file/bot9:zz/{path}", tg.url))
            .send()
            .await
            .unwrap();
        assert_eq!(dl.status(), 200);
        assert_eq!(dl.bytes().await.unwrap().as_ref(), b"%PDF-1.7 fake");

        let missing = client()
            .get(format!("{}/file/bot9:zz/photos/nope.jpg", tg.url))
            .send()
            .await
            .unwrap();
        assert_eq!(missing.status(), 404);
        let bad = client()
            .get(format!("{}/bot9:zz/getFile?file_id=unknown", tg.url))
            .send()
            .await
            .unwrap();
        assert_eq!(bad.status(), 400);
        let bad: Value = bad.json().await.unwrap();
        assert_eq!(
            bad,
            json!({"ok": false, "error_code": 400, "description": "Bad Request: invalid file_id"})
        );

        let files = tg.calls_to("file");
        assert_eq!(files.len(), 2);
        assert_eq!(files[0].token, "9:zz");
        assert_eq!(files[0].json["file_path"], "documents/file_7.pdf");
        assert_eq!(tg.calls_to("getFile")[1].json["file_id"], "unknown");
    }

    /// Every fixture parses, and the updates keep the shapes the tests rely on.
    #[test]
    fn fixtures_are_all_readable_and_consistent() {
        fn walk(dir: &std::path::Path, out: &mut Vec<PathBuf>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let p = entry.unwrap().path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|e| e == "json") {
                    out.push(p);
                }
            }
        }
        let root = fixtures_dir();
        let mut paths = Vec::new();
        walk(&root, &mut paths);
        assert!(paths.len() >= 26, "found only {} fixtures", paths.len());

        let kinds = [
            "message",
            "edited_message",
            "business_message",
            "my_chat_member",
            "callback_query",
        ];
        let mut update_ids = Vec::new();
        let mut message_ids = Vec::new();
        for p in &paths {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            let v = fixture(&rel);
            if rel.starts_with("responses/") {
                assert!(v["ok"].is_boolean(), "{rel}: ok");
                if v["ok"] == false {
                    assert!(v["error_code"].is_u64() && v["description"].is_string(), "{rel}");
                }
                continue;
            }
            assert!(rel.starts_with("updates/"), "{rel}: unexpected place");
            let id = v["update_id"].as_i64().unwrap_or_else(|| panic!("{rel}: update_id"));
            update_ids.push(id);
            let present: Vec<&str> = kinds.iter().copied().filter(|k| v.get(*k).is_some()).collect();
            assert_eq!(present.len(), 1, "{rel}: exactly one update kind, got {present:?}");
            let body = &v[present[0]];
            if present[0] == "callback_query" || present[0] == "my_chat_member" {
                assert_eq!(body["from"]["id"], 777000111, "{rel}");
                continue;
            }
            let chat = &body["chat"];
            if rel.ends_with("group_text.json") {
                assert_eq!(chat["type"], "group");
            } else {
                assert_eq!(chat["type"], "private", "{rel}");
                assert_eq!(chat["id"], 777000111, "{rel}");
                if present[0] == "business_message" {
                    assert!(body["business_connection_id"].is_string());
                    assert_ne!(body["from"]["id"], chat["id"]);
                } else {
                    assert_eq!(body["from"]["id"], chat["id"], "{rel}");
                }
            }
            if present[0] == "message" {
                message_ids.push(body["message_id"].as_i64().unwrap());
            }
            for media in ["document", "video", "animation", "voice", "audio", "sticker"] {
                if let Some(m) = body.get(media) {
                    for key in ["file_id", "file_unique_id"] {
                        assert!(m[key].is_string(), "{rel}: {media}.{key}");
                    }
                    assert!(m["file_size"].is_u64(), "{rel}: {media}.file_size");
                }
            }
            if let Some(sizes) = body.get("photo") {
                let sizes = sizes.as_array().unwrap();
                assert_eq!(sizes.len(), 3);
                for s in sizes {
                    assert!(s["file_id"].is_string() && s["file_unique_id"].is_string());
                    assert!(s["file_size"].is_u64() && s["width"].is_u64() && s["height"].is_u64());
                }
                assert!(sizes[2]["width"].as_u64() > sizes[0]["width"].as_u64());
            }
        }
        let n = update_ids.len();
        update_ids.sort();
        update_ids.dedup();
        assert_eq!(update_ids.len(), n, "update_ids are distinct");
        let n = message_ids.len();
        message_ids.sort();
        message_ids.dedup();
        assert_eq!(message_ids.len(), n, "message_ids are distinct");

        let text = fixture("updates/text.json");
        let edit = fixture("updates/edited_message.json");
        assert_eq!(edit["edited_message"]["message_id"], text["message"]["message_id"]);
        assert_eq!(edit["edited_message"]["text"], "Hello, where is my order #1042?");
        let anim = fixture("updates/animation.json");
        assert_eq!(
            anim["message"]["animation"]["file_id"],
            anim["message"]["document"]["file_id"]
        );
    }
}
