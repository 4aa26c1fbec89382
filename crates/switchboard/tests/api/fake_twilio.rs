//! A fake Twilio REST API on loopback, for the SMS channel's tests.
//!
//! * `POST /2010-04-01/Accounts/{sid}/Messages.json` — send: form fields
//!   `To`, `From` or `MessagingServiceSid`, `Body`, `MediaUrl` (repeated),
//!   `StatusCallback`; answers 201 `{sid, status: "queued", ...}` as Twilio
//!   does, or what [`FakeTwilio::respond_next`] queued (a 429 with
//!   `Retry-After`, a 400 with Twilio's error body).
//! * `GET /2010-04-01/Accounts/{sid}/Messages/{MM}/Media/{ME}` — media put
//!   with [`FakeTwilio::put_media`].
//! * `GET /2010-04-01/Accounts/{sid}.json` — the account (how credentials
//!   are checked).
//!
//! Every call needs HTTP basic auth with the account SID (or an API key
//! SID) and its secret, else 401 with Twilio's error 20003. [`sign`] makes
//! the `X-Twilio-Signature` Twilio would send with a webhook post.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};
use tokio::net::TcpListener;

use crate::fake_http::parse_form;

pub const ACCOUNT_SID: &str = "AC0123456789abcdef0123456789abcdef";
pub const AUTH_TOKEN: &str = "fake-twilio-auth-token";
pub const NUMBER: &str = "+15005550006";

/// One send the fake received.
#[derive(Debug, Clone)]
pub struct TwilioSend {
    pub account: String,
    /// `user:password` of the basic auth header.
    pub auth: String,
    /// The form fields in the order sent (`MediaUrl` may repeat).
    pub form: Vec<(String, String)>,
}

impl TwilioSend {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.form.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn all(&self, key: &str) -> Vec<&str> {
        self.form
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[derive(Default)]
struct State {
    sends: Mutex<Vec<TwilioSend>>,
    queued: Mutex<VecDeque<(u16, Option<u64>, Value)>>,
    media: Mutex<HashMap<String, (String, Vec<u8>)>>,
    media_fetches: Mutex<Vec<String>>,
    next: AtomicU64,
}

#[derive(Clone)]
pub struct FakeTwilio {
    /// `http://127.0.0.1:PORT`, the base the channel is pointed at.
    pub url: String,
    state: Arc<State>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// The secret a basic-auth user may use: the account's auth token.
fn authorised(req: &Request) -> Option<String> {
    let value = req.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let encoded = value.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD.decode(encoded).ok()?;
    let pair = String::from_utf8(decoded).ok()?;
    let (user, secret) = pair.split_once(':')?;
    (user == ACCOUNT_SID && secret == AUTH_TOKEN).then_some(pair)
}

impl FakeTwilio {
    pub async fn start() -> FakeTwilio {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind fake twilio");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(State {
            next: AtomicU64::new(1),
            ..State::default()
        });
        let s = state.clone();
        let app = axum::Router::new().fallback(move |req: Request| {
            let s = s.clone();
            async move { handle(&s, req).await }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTwilio { url, state }
    }

    pub fn sends(&self) -> Vec<TwilioSend> {
        lock(&self.state.sends).clone()
    }

    /// Waits (up to 15 s) for `n` sends.
    pub async fn wait_for_sends(&self, n: usize) -> Vec<TwilioSend> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let got = self.sends();
            if got.len() >= n {
                return got;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "timed out waiting for {n} sends; got {got:?}"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The answer to the next send (before the default 201): a status, an
    /// optional `Retry-After` and a body.
    pub fn respond_next(&self, status: u16, retry_after: Option<u64>, body: Value) {
        lock(&self.state.queued).push_back((status, retry_after, body));
    }

    /// Media served at `/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message}/Media/{id}`;
    /// returns that URL.
    pub fn put_media(&self, message: &str, id: &str, content_type: &str, bytes: Vec<u8>) -> String {
        let path = format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{message}/Media/{id}");
        lock(&self.state.media).insert(path.clone(), (content_type.to_string(), bytes));
        format!("{}{path}", self.url)
    }

    /// Paths of media fetched with valid credentials.
    pub fn media_fetches(&self) -> Vec<String> {
        lock(&self.state.media_fetches).clone()
    }
}

fn twilio_error(status: u16, code: i64, message: &str) -> Response {
    (
        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(json!({ "code": code, "message": message, "status": status,
            "more_info": format!("https://www.twilio.com/docs/errors/{code}") })),
    )
        .into_response()
}

async fn handle(s: &State, req: Request) -> Response {
    let Some(auth) = authorised(&req) else {
        return twilio_error(401, 20003, "Authenticate");
    };
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    if method == axum::http::Method::GET {
        if let Some(account) = path
            .strip_prefix("/2010-04-01/Accounts/")
            .and_then(|r| r.strip_suffix(".json"))
            .filter(|a| !a.contains('/'))
        {
            return axum::Json(json!({ "sid": account, "status": "active", "type": "Full" })).into_response();
        }
        return match lock(&s.media).get(&path).cloned() {
            Some((mime, bytes)) => {
                lock(&s.media_fetches).push(path);
                ([(header::CONTENT_TYPE, mime)], bytes).into_response()
            }
            None => twilio_error(404, 20404, "The requested resource was not found"),
        };
    }
    let Some(account) = path
        .strip_prefix("/2010-04-01/Accounts/")
        .and_then(|rest| rest.strip_suffix("/Messages.json"))
        .map(str::to_string)
    else {
        return twilio_error(404, 20404, "The requested resource was not found");
    };
    let body = axum::body::to_bytes(req.into_body(), 1 << 20).await.unwrap_or_default();
    let form = parse_form(&String::from_utf8_lossy(&body));
    let send = TwilioSend { account, auth, form };
    let to = send.get("To").unwrap_or_default().to_string();
    let from = send.get("From").unwrap_or_default().to_string();
    lock(&s.sends).push(send);
    if let Some((status, retry_after, body)) = lock(&s.queued).pop_front() {
        let mut r = (
            StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST),
            axum::Json(body),
        )
            .into_response();
        if let Some(secs) = retry_after
            && let Ok(v) = secs.to_string().parse()
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        return r;
    }
    let n = s.next.fetch_add(1, Ordering::Relaxed);
    (
        StatusCode::CREATED,
        axum::Json(json!({
            "sid": format!("SM{n:032x}"),
            "account_sid": ACCOUNT_SID,
            "to": to,
            "from": from,
            "status": "queued",
            "error_code": null,
            "error_message": null,
            "num_media": "0",
        })),
    )
        .into_response()
}

/// The `X-Twilio-Signature` Twilio sends with a form post of `params` to
/// `url`, signed with `token`.
/// `url` then each parameter, sorted by name, as name and value, keyed
/// HMAC-SHA1 with the auth token, in base64 (Twilio's documented scheme,
/// written here apart from the channel's own code).
pub fn sign(token: &str, url: &str, params: &[(&str, &str)]) -> String {
    use hmac::{Hmac, Mac};
    let mut sorted = params.to_vec();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(token.as_bytes()).expect("any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[test]
fn the_fake_signs_as_twilio_documents() {
    let params = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+12349013030"),
        ("Digits", "1234"),
        ("From", "+12349013030"),
        ("To", "+18005551212"),
    ];
    assert_eq!(
        sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", &params),
        "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    );
}
