//! A fake WhatsApp Cloud API (Meta Graph API) on loopback, and the WhatsApp
//! fixtures in `tests/fixtures/whatsapp/`.
//!
//! `FakeWhatsApp::start()` serves the Graph endpoints the adapter uses, with
//! or without a leading version segment (`/v21.0/...`):
//!
//! * `POST /{phone_number_id}/messages` — send (and mark-as-read);
//! * `POST /{phone_number_id}/media` — multipart upload;
//! * `GET /{waba_id}/message_templates` — the templates fixture;
//! * `GET /{media_id}` — media registered with [`FakeWhatsApp::put_media`]
//!   (or uploaded), answering a URL on this server;
//! * `GET /media-download/{media_id}` — the bytes behind that URL.
//!
//! Every request is recorded as a [`WaCall`]. Every call needs an
//! `Authorization: Bearer ...` header (else 401, Graph error code 190).
//! Answers come from a per-path-suffix FIFO queue filled by
//! [`FakeWhatsApp::respond_next`], else from defaults that look like the
//! real API's.

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::net::TcpListener;

/// Largest request body the fake accepts (uploads included).
use crate::fake_http::{BODY_LIMIT, parse_form, percent_decode, read_body};
/// The business phone number the fixtures use; `GET /{it}` answers a phone
/// number object.
pub const PHONE_NUMBER_ID: &str = "106540352242922";
pub const DISPLAY_PHONE_NUMBER: &str = "15550783881";
pub const WABA_ID: &str = "102290129340398";
pub const CUSTOMER_WA_ID: &str = "16315551181";
/// Path prefix of the media download URLs the fake hands out.
const DOWNLOAD_PREFIX: &str = "/media-download/";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct WaCall {
    /// The HTTP method, e.g. `"POST"`.
    pub method: String,
    /// The percent-decoded path without the query and without a leading Graph
    /// version segment, e.g. `"/106540352242922/messages"`.
    pub path: String,
    /// The leading Graph version segment the caller used (`"v21.0"`), if any.
    pub version: Option<String>,
    /// The `Authorization` header as sent.
    pub auth: Option<String>,
    /// The JSON body; for urlencoded and multipart bodies an object of their
    /// text fields, as strings. Query parameters are merged in (as strings)
    /// when the body is an object or empty. A body that is not valid JSON is
    /// kept as a string.
    pub json: Value,
    /// Multipart parts that carried a file name or a content type.
    pub files: Vec<WaFile>,
}

/// One uploaded multipart file part.
pub type WaFile = crate::fake_http::UploadedFile;

impl WaCall {
    /// `json[key]` as a string (numbers are rendered), if present.
    pub fn str(&self, key: &str) -> Option<String> {
        match self.json.get(key)? {
            Value::String(s) => Some(s.clone()),
            Value::Null => None,
            other => Some(other.to_string()),
        }
    }

    /// The file part sent as `field`, if any.
    pub fn file(&self, field: &str) -> Option<&WaFile> {
        self.files.iter().find(|f| f.field == field)
    }
}

#[derive(Clone)]
struct StoredMedia {
    mime: String,
    bytes: Vec<u8>,
    /// The Authorization header of the last `GET /{media_id}`; the download
    /// must repeat it.
    auth: Option<String>,
}

#[derive(Default)]
struct State {
    /// The fake's own base URL, for media download links.
    base: String,
    calls: Mutex<Vec<WaCall>>,
    queued: Mutex<HashMap<String, VecDeque<(u16, Value)>>>,
    media: Mutex<HashMap<String, StoredMedia>>,
    next_message: AtomicU64,
    next_media: AtomicU64,
    next_trace: AtomicU64,
}

/// A fake Graph API server on 127.0.0.1; dropped with the test's runtime.
#[derive(Clone)]
pub struct FakeWhatsApp {
    /// `http://127.0.0.1:PORT` (no trailing slash, no version); callers add
    /// the version path themselves.
    pub url: String,
    state: Arc<State>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FakeWhatsApp {
    pub async fn start() -> FakeWhatsApp {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake whatsapp");
        let addr = listener.local_addr().expect("fake whatsapp addr");
        let url = format!("http://{addr}");
        let state = Arc::new(State {
            base: url.clone(),
            next_message: AtomicU64::new(1),
            next_media: AtomicU64::new(1),
            next_trace: AtomicU64::new(1),
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
        FakeWhatsApp { url, state }
    }

    /// Every call so far, in arrival order.
    pub fn calls(&self) -> Vec<WaCall> {
        lock(&self.state.calls).clone()
    }

    /// The calls whose path ends with `path_suffix` (e.g. `"/messages"`), in
    /// arrival order.
    pub fn calls_to(&self, path_suffix: &str) -> Vec<WaCall> {
        lock(&self.state.calls)
            .iter()
            .filter(|c| c.path.ends_with(path_suffix))
            .cloned()
            .collect()
    }

    /// Waits (up to 15 s) until at least `n` calls whose path ends with
    /// `path_suffix` arrived and returns them all; panics listing the calls
    /// seen so far.
    pub async fn wait_for(&self, path_suffix: &str, n: usize) -> Vec<WaCall> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.calls_to(path_suffix);
            if got.len() >= n {
                return got;
            }
            if tokio::time::Instant::now() > deadline {
                let seen: Vec<String> = self.calls().iter().map(summary).collect();
                panic!(
                    "timed out waiting for {n} x *{path_suffix} (got {}); calls so far:\n{}",
                    got.len(),
                    seen.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Queues an answer for the next authorized call whose path ends with
    /// `path_suffix` (FIFO per suffix; used before the default). When queues
    /// for several suffixes match one call, the longest suffix wins.
    pub fn respond_next(&self, path_suffix: &str, status: u16, body: Value) {
        lock(&self.state.queued)
            .entry(path_suffix.to_string())
            .or_default()
            .push_back((status, body));
    }

    /// Registers media for `GET /{media_id}` (which answers a media-URL object
    /// whose `url` is `GET /media-download/{media_id}` on this server) and for
    /// that download. A later call with the same id replaces the earlier one.
    pub fn put_media(&self, media_id: &str, mime: &str, bytes: Vec<u8>) {
        lock(&self.state.media).insert(
            media_id.to_string(),
            StoredMedia {
                mime: mime.to_string(),
                bytes,
                auth: None,
            },
        );
    }
}

/// Reads `tests/fixtures/whatsapp/<path>` as JSON; panics if missing or invalid.
pub fn fixture(path: &str) -> Value {
    try_fixture(path).unwrap_or_else(|e| panic!("{e}"))
}

fn try_fixture(path: &str) -> Result<Value, String> {
    let full = fixtures_dir().join(path);
    let text = std::fs::read_to_string(&full).map_err(|e| format!("fixture {}: {e}", full.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("fixture {} is not JSON: {e}", full.display()))
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/whatsapp")
}

/// `"sha256=" + hex(HMAC-SHA256(app_secret, body))`: the value Meta sends in
/// `X-Hub-Signature-256`.
pub fn sign(app_secret: &str, body: &[u8]) -> String {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(app_secret.as_bytes()).expect("HMAC takes any key length");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// One line describing a call, without file bytes.
fn summary(c: &WaCall) -> String {
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
    format!(
        "  {} {} auth={:?} {} files: [{}]",
        c.method,
        c.path,
        c.auth,
        c.json,
        files.join(", ")
    )
}

// ---------------------------------------------------------------------------
// Request handling. Nothing here may panic: odd input gets a Graph error.

fn reply(status: u16, body: Value) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

/// A Graph API error body: `{error:{message, type, code, fbtrace_id}}`.
fn graph_error(state: &State, status: u16, code: u64, message: &str) -> Response {
    let trace = state.next_trace.fetch_add(1, Ordering::SeqCst);
    reply(
        status,
        json!({"error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": format!("AFakeTrace{trace:06}"),
        }}),
    )
}

fn not_found(state: &State, path: &str) -> Response {
    graph_error(state, 404, 100, &format!("Unknown path components: {path}"))
}

/// `v21.0`, `v3`: a Graph version segment.
fn is_version(segment: &str) -> bool {
    let Some(rest) = segment.strip_prefix('v') else {
        return false;
    };
    !rest.is_empty()
        && rest.chars().all(|c| c.is_ascii_digit() || c == '.')
        && rest.starts_with(|c: char| c.is_ascii_digit())
}

async fn handle(state: &State, req: Request) -> Response {
    let raw_path = percent_decode(req.uri().path(), false);
    let (version, path) = match raw_path.trim_start_matches('/').split_once('/') {
        Some((first, rest)) if is_version(first) => (Some(first.to_string()), format!("/{rest}")),
        _ if is_version(raw_path.trim_start_matches('/')) => {
            (Some(raw_path.trim_start_matches('/').to_string()), "/".to_string())
        }
        _ => (None, raw_path.clone()),
    };
    let method = req.method().clone();
    let auth = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
    let query = req.uri().query().map(parse_form).unwrap_or_default();
    let (mut body, files) = read_body(req).await;
    if let Value::Object(fields) = &mut body {
        for (k, v) in query {
            fields.entry(k).or_insert(Value::String(v));
        }
    }
    let call = WaCall {
        method: method.as_str().to_string(),
        path,
        version,
        auth,
        json: body,
        files,
    };
    lock(&state.calls).push(call.clone());

    let bearer = call
        .auth
        .as_deref()
        .and_then(|a| a.strip_prefix("Bearer "))
        .is_some_and(|t| !t.trim().is_empty());
    if !bearer {
        return graph_error(
            state,
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    if let Some((status, body)) = queued(state, &call.path) {
        return reply(status, body);
    }
    default_answer(state, &method, &call)
}

/// The next queued answer for `path`, from the longest matching suffix.
fn queued(state: &State, path: &str) -> Option<(u16, Value)> {
    let mut queued = lock(&state.queued);
    let key = queued
        .iter()
        .filter(|(suffix, q)| !q.is_empty() && path.ends_with(suffix.as_str()))
        .map(|(suffix, _)| suffix.clone())
        .max_by_key(|suffix| suffix.len())?;
    queued.get_mut(&key)?.pop_front()
}

// ---------------------------------------------------------------------------
// Default answers.

fn default_answer(state: &State, method: &Method, call: &WaCall) -> Response {
    if let Some(media_id) = call.path.strip_prefix(DOWNLOAD_PREFIX) {
        if *method == Method::GET && !media_id.is_empty() && !media_id.contains('/') {
            return download(state, media_id, call);
        }
        return not_found(state, &call.path);
    }
    let segments: Vec<&str> = call.path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", [_, "messages"]) => send_message(state, call),
        ("POST", [_, "media"]) => upload_media(state, call),
        ("GET", [_, "message_templates"]) => match try_fixture("responses/templates.json") {
            Ok(v) => reply(200, v),
            Err(e) => graph_error(state, 500, 1, &e),
        },
        ("GET", [id]) if *id == PHONE_NUMBER_ID => reply(
            200,
            json!({
                "verified_name": "Acme Support",
                "code_verification_status": "VERIFIED",
                "display_phone_number": "+1 555-078-3881",
                "quality_rating": "GREEN",
                "platform_type": "CLOUD_API",
                "throughput": {"level": "STANDARD"},
                "id": PHONE_NUMBER_ID,
            }),
        ),
        ("GET", [id]) if !id.is_empty() => media_url(state, id, call),
        _ => not_found(state, &call.path),
    }
}

fn bad_request(state: &State, message: &str) -> Response {
    graph_error(state, 400, 100, message)
}

/// `POST /{phone_number_id}/messages`.
fn send_message(state: &State, call: &WaCall) -> Response {
    let Value::Object(body) = &call.json else {
        return bad_request(state, "(#100) The parameter messaging_product is required.");
    };
    match body.get("messaging_product").and_then(Value::as_str) {
        Some("whatsapp") => {}
        Some(_) => return bad_request(state, "(#100) Param messaging_product must be one of {WHATSAPP}"),
        None => return bad_request(state, "(#100) The parameter messaging_product is required."),
    }
    // Mark as read (optionally with a typing indicator): no `to`, no `type`.
    if body.get("status").and_then(Value::as_str) == Some("read") {
        return match body.get("message_id").and_then(Value::as_str) {
            Some(id) if !id.is_empty() => reply(200, json!({"success": true})),
            _ => bad_request(state, "(#100) The parameter message_id is required."),
        };
    }
    let to = match body.get("to") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => return bad_request(state, "(#100) The parameter to is required."),
    };
    match body.get("type").and_then(Value::as_str) {
        Some(t) if !t.is_empty() => {}
        _ => return bad_request(state, "(#100) The parameter type is required."),
    }
    let wa_id: String = to.chars().filter(char::is_ascii_digit).collect();
    let n = state.next_message.fetch_add(1, Ordering::SeqCst);
    reply(
        200,
        json!({
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": wa_id}],
            "messages": [{"id": format!("wamid.FAKE{n}")}],
        }),
    )
}

/// `POST /{phone_number_id}/media` (multipart: file, type, messaging_product).
fn upload_media(state: &State, call: &WaCall) -> Response {
    if call.str("messaging_product").as_deref() != Some("whatsapp") {
        return bad_request(state, "(#100) The parameter messaging_product is required.");
    }
    let Some(file) = call.file("file") else {
        return bad_request(state, "(#100) The parameter file is required.");
    };
    let mime = call
        .str("type")
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(|| file.content_type.clone());
    if mime.trim().is_empty() {
        return bad_request(state, "(#100) The parameter type is required.");
    }
    let id = format!("media{}", state.next_media.fetch_add(1, Ordering::SeqCst));
    lock(&state.media).insert(
        id.clone(),
        StoredMedia {
            mime,
            bytes: file.bytes.clone(),
            auth: None,
        },
    );
    reply(200, json!({ "id": id }))
}

/// `GET /{media_id}`: a media-URL object pointing back at this server.
fn media_url(state: &State, id: &str, call: &WaCall) -> Response {
    let mut media = lock(&state.media);
    let Some(m) = media.get_mut(id) else {
        drop(media);
        return graph_error(
            state,
            404,
            100,
            &format!(
                "Unsupported get request. Object with ID '{id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation."
            ),
        );
    };
    m.auth = call.auth.clone();
    let body = json!({
        "url": format!("{}{DOWNLOAD_PREFIX}{id}", state.base),
        "mime_type": m.mime,
        "sha256": hex::encode(Sha256::digest(&m.bytes)),
        "file_size": m.bytes.len(),
        "id": id,
        "messaging_product": "whatsapp",
    });
    reply(200, body)
}

/// `GET /media-download/{media_id}`: the bytes, with the same Authorization
/// header as the `GET /{media_id}` that handed out the URL.
fn download(state: &State, id: &str, call: &WaCall) -> Response {
    let found = lock(&state.media).get(id).cloned();
    let Some(m) = found else {
        return not_found(state, &call.path);
    };
    if m.auth.is_some() && m.auth != call.auth {
        return graph_error(
            state,
            401,
            190,
            "Invalid OAuth access token - Cannot parse access token",
        );
    }
    let content_type =
        HeaderValue::from_str(&m.mime).unwrap_or_else(|_| HeaderValue::from_static("application/octet-stream"));
    ([(header::CONTENT_TYPE, content_type)], m.bytes).into_response()
}

// ---------------------------------------------------------------------------

mod tests {
    use super::*;

    fn client() -> reqwest::Client {
        // reqwest is built without a default rustls provider.
        switchboard_outbound::install_crypto_provider();
        reqwest::Client::new()
    }

    const TOKEN: &str = "Bearer EAAG-fake-token";

    async fn post_json(url: &str, body: &Value) -> (u16, Value) {
        let r = client()
            .post(url)
            .header("authorization", TOKEN)
            .json(body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap())
    }

    #[tokio::test]
    async fn default_send_message_counts_up_and_validates() {
        let wa = FakeWhatsApp::start().await;
        let url = format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url);
        let (s1, first) = post_json(
            &url,
            &json!({"messaging_product": "whatsapp", "recipient_type": "individual",
                    "to": CUSTOMER_WA_ID, "type": "text", "text": {"body": "Hi Kerry"}}),
        )
        .await;
        let (s2, second) = post_json(
            &url,
            &json!({"messaging_product": "whatsapp", "to": "+1 631-555-1181", "type": "template",
                    "template": {"name": "order_shipped", "language": {"code": "en_US"}}}),
        )
        .await;
        assert_eq!((s1, s2), (200, 200));
        assert_eq!(first["messaging_product"], "whatsapp");
        assert_eq!(first["messages"][0]["id"], "wamid.FAKE1");
        assert_eq!(second["messages"][0]["id"], "wamid.FAKE2");
        assert_eq!(
            first["contacts"],
            json!([{"input": CUSTOMER_WA_ID, "wa_id": CUSTOMER_WA_ID}])
        );
        assert_eq!(second["contacts"][0]["input"], "+1 631-555-1181");
        assert_eq!(second["contacts"][0]["wa_id"], "16315551181");
        // Same shape as the fixture.
        let sample = fixture("responses/send_message.json");
        for key in ["messaging_product", "contacts", "messages"] {
            assert!(sample.get(key).is_some() && first.get(key).is_some(), "{key}");
        }

        let calls = wa.wait_for("/messages", 2).await;
        assert_eq!(calls[0].method, "POST");
        assert_eq!(calls[0].path, format!("/{PHONE_NUMBER_ID}/messages"));
        assert_eq!(calls[0].version.as_deref(), Some("v21.0"));
        assert_eq!(calls[0].auth.as_deref(), Some(TOKEN));
        assert_eq!(calls[0].json["text"]["body"], "Hi Kerry");
        assert_eq!(calls[1].json["template"]["name"], "order_shipped");

        // Without a version segment too.
        let (s, v) = post_json(
            &format!("{}/{PHONE_NUMBER_ID}/messages", wa.url),
            &json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "type": "text",
                    "text": {"body": "x"}}),
        )
        .await;
        assert_eq!(s, 200);
        assert_eq!(v["messages"][0]["id"], "wamid.FAKE3");
        assert_eq!(wa.calls().last().unwrap().version, None);

        // Mark as read.
        let (s, v) = post_json(
            &url,
            &json!({"messaging_product": "whatsapp", "status": "read",
                    "message_id": "wamid.INCOMING_TEXT"}),
        )
        .await;
        assert_eq!((s, v), (200, json!({"success": true})));

        // Validation: Graph error 100 as a 400.
        for bad in [
            json!({"to": CUSTOMER_WA_ID, "type": "text", "text": {"body": "x"}}),
            json!({"messaging_product": "sms", "to": CUSTOMER_WA_ID, "type": "text"}),
            json!({"messaging_product": "whatsapp", "type": "text", "text": {"body": "x"}}),
            json!({"messaging_product": "whatsapp", "to": "", "type": "text"}),
            json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "text": {"body": "x"}}),
            json!([1, 2, 3]),
        ] {
            let (s, v) = post_json(&url, &bad).await;
            assert_eq!(s, 400, "{bad}");
            assert_eq!(v["error"]["code"], 100, "{bad}");
            assert_eq!(v["error"]["type"], "OAuthException");
            assert!(v["error"]["message"].is_string() && v["error"]["fbtrace_id"].is_string());
        }
        let r = client()
            .post(&url)
            .header("authorization", TOKEN)
            .header("content-type", "application/json")
            .body("{not json")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        assert_eq!(wa.calls().last().unwrap().json, json!("{not json"));

        // No or malformed Authorization: 401, code 190, recorded anyway.
        let body = json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "type": "text"});
        let r = client().post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], 190);
        assert_eq!(v["error"]["type"], "OAuthException");
        let r = client()
            .post(&url)
            .header("authorization", "Basic abc")
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let last = wa.calls().into_iter().rev().take(2).collect::<Vec<_>>();
        assert_eq!(last[0].auth.as_deref(), Some("Basic abc"));
        assert_eq!(last[1].auth, None);
        assert_eq!(last[1].json, body);
        // Only the successful sends consumed ids.
        let (_, v) = post_json(&url, &body).await;
        assert_eq!(v["messages"][0]["id"], "wamid.FAKE4");
    }

    #[tokio::test]
    async fn respond_next_is_fifo_per_suffix_then_default() {
        let wa = FakeWhatsApp::start().await;
        wa.respond_next("/messages", 400, fixture("responses/error_131047.json"));
        wa.respond_next("/messages", 400, fixture("responses/error_130429.json"));
        wa.respond_next("/messages", 200, fixture("responses/send_message.json"));
        let url = format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url);
        let body = json!({"messaging_product": "whatsapp", "to": CUSTOMER_WA_ID, "type": "text",
                          "text": {"body": "x"}});

        // An unauthorized call does not consume the queue.
        let r = client().post(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 401);

        let mut got = Vec::new();
        for _ in 0..4 {
            got.push(post_json(&url, &body).await);
        }
        assert_eq!(got[0].0, 400);
        assert_eq!(got[0].1["error"]["code"], 131047);
        assert_eq!(got[1].0, 400);
        assert_eq!(got[1].1["error"]["code"], 130429);
        assert_eq!(got[2], (200, fixture("responses/send_message.json")));
        assert_eq!(got[2].1["messages"][0]["id"], "wamid.OUTGOING1");
        assert_eq!(got[3].0, 200);
        assert_eq!(got[3].1["messages"][0]["id"], "wamid.FAKE1");

        // Templates: default is the fixture; a queued answer wins once.
        let tpl_url = format!(
            "{}/v21.0/{WABA_ID}/message_templates?limit=100&fields=name,status",
            wa.url
        );
        let get = |u: String| async move {
            let r = client().get(u).header("authorization", TOKEN).send().await.unwrap();
            let s = r.status().as_u16();
            (s, r.json::<Value>().await.unwrap())
        };
        wa.respond_next("/message_templates", 401, fixture("responses/error_190.json"));
        assert_eq!(get(tpl_url.clone()).await, (401, fixture("responses/error_190.json")));
        assert_eq!(get(tpl_url.clone()).await, (200, fixture("responses/templates.json")));
        let tpl_call = wa.calls_to("/message_templates").pop().unwrap();
        assert_eq!(tpl_call.method, "GET");
        assert_eq!(tpl_call.path, format!("/{WABA_ID}/message_templates"));
        assert_eq!(tpl_call.json, json!({"limit": "100", "fields": "name,status"}));

        // The longest matching suffix wins; the shorter queue stays.
        wa.respond_next("/messages", 400, fixture("responses/error_131026.json"));
        wa.respond_next(
            &format!("{PHONE_NUMBER_ID}/messages"),
            400,
            fixture("responses/error_130429.json"),
        );
        assert_eq!(post_json(&url, &body).await.1["error"]["code"], 130429);
        assert_eq!(post_json(&url, &body).await.1["error"]["code"], 131026);
        assert_eq!(post_json(&url, &body).await.1["messages"][0]["id"], "wamid.FAKE2");

        // Anything else is a Graph 404, and is recorded.
        let r = client()
            .delete(format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = client()
            .get(format!("{}/v21.0/a/b/c", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["type"], "OAuthException");
        assert!(v["error"]["code"].is_u64());
        let r = client()
            .get(format!("{}/v21.0/{PHONE_NUMBER_ID}", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["id"], PHONE_NUMBER_ID);

        let paths: Vec<String> = wa
            .calls()
            .into_iter()
            .map(|c| format!("{} {}", c.method, c.path))
            .collect();
        let m = format!("POST /{PHONE_NUMBER_ID}/messages");
        let t = format!("GET /{WABA_ID}/message_templates");
        assert_eq!(
            paths,
            [
                m.clone(),
                m.clone(),
                m.clone(),
                m.clone(),
                m.clone(),
                t.clone(),
                t,
                m.clone(),
                m.clone(),
                m.clone(),
                format!("DELETE /{PHONE_NUMBER_ID}/messages"),
                "GET /a/b/c".to_string(),
                format!("GET /{PHONE_NUMBER_ID}"),
            ]
        );
        assert_eq!(wa.calls_to("/messages").len(), 9);
    }

    #[tokio::test]
    async fn multipart_upload_is_captured_and_served_back() {
        let wa = FakeWhatsApp::start().await;
        let url = format!("{}/v21.0/{PHONE_NUMBER_ID}/media", wa.url);
        let jpeg = vec![0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10];
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", "image/jpeg")
            .part(
                "file",
                reqwest::multipart::Part::bytes(jpeg.clone())
                    .file_name("label.jpg")
                    .mime_str("image/jpeg")
                    .unwrap(),
            );
        let r = client()
            .post(&url)
            .header("authorization", TOKEN)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v, json!({"id": "media1"}));
        assert!(fixture("responses/media_upload.json")["id"].is_string());

        let call = &wa.wait_for("/media", 1).await[0];
        assert_eq!(call.path, format!("/{PHONE_NUMBER_ID}/media"));
        assert_eq!(
            call.json,
            json!({"messaging_product": "whatsapp", "type": "image/jpeg"})
        );
        assert_eq!(call.files.len(), 1);
        let f = call.file("file").unwrap();
        assert_eq!(f.file_name, "label.jpg");
        assert_eq!(f.content_type, "image/jpeg");
        assert_eq!(f.bytes, jpeg);

        // The uploaded media can be looked up and downloaded.
        let r: Value = client()
            .get(format!("{}/v21.0/media1", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(r["mime_type"], "image/jpeg");
        assert_eq!(r["file_size"], 6);

        // A second upload counts up; missing parts are 400s.
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", "application/pdf")
            .part(
                "file",
                reqwest::multipart::Part::bytes(b"%PDF-1.4".to_vec()).file_name("invoice.pdf"),
            );
        let v: Value = client()
            .post(&url)
            .header("authorization", TOKEN)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(v["id"], "media2");
        let form = reqwest::multipart::Form::new()
            .text("messaging_product", "whatsapp")
            .text("type", "image/png");
        let r = client()
            .post(&url)
            .header("authorization", TOKEN)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let form = reqwest::multipart::Form::new()
            .text("type", "image/png")
            .part("file", reqwest::multipart::Part::bytes(vec![1]).file_name("a.png"));
        let r = client()
            .post(&url)
            .header("authorization", TOKEN)
            .multipart(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);

        // Garbage does not take the server down.
        let r = client()
            .post(&url)
            .header("authorization", TOKEN)
            .header("content-type", "multipart/form-data; boundary=zzz")
            .body("not multipart at all")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 400);
        let r = client()
            .post(format!("{}/v21.0/{PHONE_NUMBER_ID}/messages", wa.url))
            .header("authorization", TOKEN)
            .header("content-type", "application/x-www-form-urlencoded")
            .body("messaging_product=whatsapp&to=16315551181&type=text&text=%7B%7D")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(wa.calls_to("/messages")[0].json["to"], "16315551181");
        assert_eq!(wa.calls_to("/media").len(), 5);
    }

    #[tokio::test]
    async fn media_lookup_then_download_round_trip() {
        let wa = FakeWhatsApp::start().await;
        let image = fixture("webhooks/image.json");
        let media_id = image["entry"][0]["changes"][0]["value"]["messages"][0]["image"]["id"]
            .as_str()
            .unwrap()
            .to_string();
        let bytes = b"\xFF\xD8\xFF\xE0 fake jpeg".to_vec();
        wa.put_media(&media_id, "image/jpeg", bytes.clone());

        let r = client()
            .get(format!("{}/v21.0/{media_id}?phone_number_id={PHONE_NUMBER_ID}", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        let sample = fixture("responses/media_url.json");
        let mut keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        let mut sample_keys: Vec<&String> = sample.as_object().unwrap().keys().collect();
        keys.sort();
        sample_keys.sort();
        assert_eq!(keys, sample_keys);
        assert_eq!(v["id"], media_id.as_str());
        assert_eq!(sample["id"], media_id.as_str());
        assert_eq!(v["messaging_product"], "whatsapp");
        assert_eq!(v["mime_type"], "image/jpeg");
        assert_eq!(v["file_size"], bytes.len());
        assert_eq!(v["sha256"], hex::encode(Sha256::digest(&bytes)));
        let dl_url = v["url"].as_str().unwrap().to_string();
        assert_eq!(dl_url, format!("{}/media-download/{media_id}", wa.url));
        assert_eq!(
            wa.calls_to(&format!("/{media_id}"))[0].json,
            json!({"phone_number_id": PHONE_NUMBER_ID})
        );

        // The download needs the same Authorization header.
        let r = client().get(&dl_url).send().await.unwrap();
        assert_eq!(r.status(), 401);
        let r = client()
            .get(&dl_url)
            .header("authorization", "Bearer someone-else")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 401);
        let r = client()
            .get(&dl_url)
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);
        assert_eq!(r.headers()["content-type"], "image/jpeg");
        assert_eq!(r.bytes().await.unwrap().as_ref(), bytes.as_slice());

        // A queued answer can break the download once.
        wa.respond_next(&format!("/media-download/{media_id}"), 404, json!({"error": "gone"}));
        let r = client()
            .get(&dl_url)
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let r = client()
            .get(&dl_url)
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200);

        // Unknown media: a Graph 404.
        let r = client()
            .get(format!("{}/v21.0/999000111", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], 100);
        let r = client()
            .get(format!("{}/media-download/999000111", wa.url))
            .header("authorization", TOKEN)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 404);

        let downloads = wa.calls_to(&format!("/media-download/{media_id}"));
        assert_eq!(downloads.len(), 5);
        assert_eq!(downloads[0].auth, None);
        assert_eq!(downloads[2].auth.as_deref(), Some(TOKEN));
        assert_eq!(downloads[0].version, None);
    }

    #[test]
    fn sign_matches_the_rfc_4231_vector_and_meta_format() {
        // RFC 4231 test case 2.
        assert_eq!(
            sign("Jefe", b"what do ya want for nothing?"),
            "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let body = serde_json::to_vec(&fixture("webhooks/text.json")).unwrap();
        let sig = sign("app-secret-123", &body);
        let hex_part = sig.strip_prefix("sha256=").unwrap();
        assert_eq!(hex_part.len(), 64);
        assert!(
            hex_part
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert_ne!(sig, sign("app-secret-124", &body));
        assert_ne!(sig, sign("app-secret-123", &body[1..]));
    }

    /// Every fixture parses, and the webhooks keep the shapes the tests rely on.
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
        paths.sort();
        assert!(paths.len() >= 28, "found only {} fixtures", paths.len());

        // Webhook file stem -> the message `type` it carries.
        let message_kinds = [
            ("text", "text"),
            ("image", "image"),
            ("audio", "audio"),
            ("video", "video"),
            ("document", "document"),
            ("sticker", "sticker"),
            ("location", "location"),
            ("contacts", "contacts"),
            ("interactive_button_reply", "interactive"),
            ("interactive_list_reply", "interactive"),
            ("button", "button"),
            ("reply_context", "text"),
            ("reaction", "reaction"),
            ("unsupported", "unsupported"),
            ("two_messages", "text"),
        ];
        let mut message_ids = Vec::new();
        let mut timestamps = Vec::new();
        let mut statuses = Vec::new();
        let mut webhooks = 0;
        for p in &paths {
            let rel = p.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            let v = fixture(&rel);
            if let Some(name) = rel.strip_prefix("responses/") {
                if name.starts_with("error_") {
                    let e = &v["error"];
                    assert!(e["message"].is_string(), "{rel}");
                    assert_eq!(e["type"], "OAuthException", "{rel}");
                    assert!(e["fbtrace_id"].is_string(), "{rel}");
                    let code = name.trim_start_matches("error_").trim_end_matches(".json");
                    assert_eq!(e["code"].to_string(), code, "{rel}");
                } else {
                    assert!(v.get("error").is_none(), "{rel}");
                }
                continue;
            }
            let stem = rel
                .strip_prefix("webhooks/")
                .unwrap_or_else(|| panic!("{rel}: unexpected place"))
                .trim_end_matches(".json")
                .to_string();
            webhooks += 1;
            assert_eq!(v["object"], "whatsapp_business_account", "{rel}");
            assert_eq!(v["entry"][0]["id"], WABA_ID, "{rel}");
            let change = &v["entry"][0]["changes"][0];
            let value = &change["value"];
            assert!(value.is_object(), "{rel}: entry[0].changes[0].value");
            if stem == "template_status_update" {
                assert_eq!(change["field"], "message_template_status_update");
                assert!(value.get("messages").is_none() && value.get("statuses").is_none());
                continue;
            }
            assert_eq!(change["field"], "messages", "{rel}");
            assert_eq!(value["messaging_product"], "whatsapp", "{rel}");
            assert_eq!(value["metadata"]["phone_number_id"], PHONE_NUMBER_ID, "{rel}");
            assert_eq!(value["metadata"]["display_phone_number"], DISPLAY_PHONE_NUMBER, "{rel}");
            if let Some(s) = stem.strip_prefix("status_") {
                let st = &value["statuses"][0];
                assert_eq!(value["statuses"].as_array().unwrap().len(), 1, "{rel}");
                assert_eq!(st["id"], "wamid.OUTGOING1", "{rel}");
                assert_eq!(st["status"], s, "{rel}");
                assert_eq!(st["recipient_id"], CUSTOMER_WA_ID, "{rel}");
                assert!(st["timestamp"].as_str().unwrap().parse::<i64>().is_ok(), "{rel}");
                assert!(value.get("messages").is_none(), "{rel}");
                statuses.push(s.to_string());
                continue;
            }
            let (_, kind) = message_kinds
                .iter()
                .find(|(name, _)| *name == stem)
                .unwrap_or_else(|| panic!("{rel}: unknown webhook fixture"));
            assert_eq!(value["contacts"][0]["wa_id"], CUSTOMER_WA_ID, "{rel}");
            assert_eq!(value["contacts"][0]["profile"]["name"], "Kerry Fisher", "{rel}");
            let messages = value["messages"].as_array().unwrap();
            assert_eq!(messages.len(), if stem == "two_messages" { 2 } else { 1 }, "{rel}");
            for m in messages {
                assert_eq!(m["from"], CUSTOMER_WA_ID, "{rel}");
                assert_eq!(m["type"], *kind, "{rel}");
                let id = m["id"].as_str().unwrap();
                assert!(id.starts_with("wamid."), "{rel}");
                message_ids.push(id.to_string());
                let ts = m["timestamp"].as_str().unwrap();
                assert!(ts.parse::<i64>().unwrap() > 1_700_000_000, "{rel}");
                timestamps.push(ts.to_string());
                if let Some(media) = ["image", "audio", "video", "document", "sticker"]
                    .iter()
                    .find_map(|k| m.get(*k))
                {
                    for key in ["id", "mime_type", "sha256"] {
                        assert!(media[key].is_string(), "{rel}: {key}");
                    }
                }
            }
        }
        assert_eq!(webhooks, 20);
        let n = message_ids.len();
        message_ids.sort();
        message_ids.dedup();
        assert_eq!(message_ids.len(), n, "message ids are distinct");
        let n = timestamps.len();
        timestamps.sort();
        timestamps.dedup();
        assert_eq!(timestamps.len(), n, "timestamps are distinct");
        statuses.sort();
        assert_eq!(statuses, ["delivered", "failed", "read", "sent"]);

        let msg = |name: &str| {
            fixture(&format!("webhooks/{name}.json"))["entry"][0]["changes"][0]["value"]["messages"][0].clone()
        };
        assert_eq!(msg("image")["image"]["caption"], "The box arrived damaged");
        assert_eq!(msg("audio")["audio"]["voice"], true);
        assert_eq!(msg("document")["document"]["filename"], "invoice-1042.pdf");
        let loc = msg("location")["location"].clone();
        assert!(loc["latitude"].is_f64() && loc["longitude"].is_f64());
        assert!(loc["name"].is_string() && loc["address"].is_string());
        let card = msg("contacts")["contacts"][0].clone();
        assert_eq!(card["name"]["formatted_name"], "Dana Lee");
        assert!(card["phones"][0]["phone"].is_string());
        assert_eq!(msg("interactive_button_reply")["interactive"]["type"], "button_reply");
        assert!(msg("interactive_button_reply")["interactive"]["button_reply"]["title"].is_string());
        assert_eq!(msg("interactive_list_reply")["interactive"]["type"], "list_reply");
        assert!(msg("button")["button"]["text"].is_string() && msg("button")["button"]["payload"].is_string());
        assert_eq!(
            msg("reply_context")["context"],
            json!({"from": DISPLAY_PHONE_NUMBER, "id": "wamid.OUTGOING1"})
        );
        assert_eq!(msg("reaction")["reaction"]["message_id"], "wamid.OUTGOING1");
        assert_eq!(msg("unsupported")["errors"][0]["code"], 131051);

        let failed = fixture("webhooks/status_failed.json");
        let err = &failed["entry"][0]["changes"][0]["value"]["statuses"][0]["errors"][0];
        assert_eq!(err["code"], 131047);
        assert_eq!(err["title"], "Re-engagement message");
        assert!(err["message"].is_string() && err["error_data"]["details"].is_string());

        let send = fixture("responses/send_message.json");
        assert_eq!(send["messaging_product"], "whatsapp");
        assert_eq!(send["contacts"][0]["wa_id"], CUSTOMER_WA_ID);
        assert_eq!(send["messages"][0]["id"], "wamid.OUTGOING1");
        let templates = fixture("responses/templates.json");
        let data = templates["data"].as_array().unwrap();
        let approved = data.iter().filter(|t| t["status"] == "APPROVED").count();
        let rejected = data.iter().filter(|t| t["status"] == "REJECTED").count();
        assert_eq!((approved, rejected, data.len()), (2, 1, 3));
        assert_eq!(
            data[0]["components"][0],
            json!({"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped.",
                   "example": {"body_text": [["Kerry", "#1042"]]}})
        );
        for t in data {
            for key in ["name", "language", "status", "category", "id"] {
                assert!(t[key].is_string(), "template {key}");
            }
        }
        assert!(templates["paging"].is_object());
        assert_eq!(fixture("responses/error_190.json")["error"]["error_subcode"], 463);
    }
}
