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

#[path = "fake_whatsapp_tests.rs"]
mod tests;
