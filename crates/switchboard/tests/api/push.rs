//! Browser push: subscriptions (Chatwoot's `/notification_subscriptions`)
//! and delivery to a stand-in push service on loopback that does what a
//! browser's push service and the browser do: checks the VAPID JWT against
//! the key the server hands out, decrypts the body per RFC 8291 with the
//! subscription's private key and auth secret, and keeps the plaintext.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use hkdf::Hkdf;
use p256::ecdsa::signature::Verifier;
use p256::ecdsa::{Signature, VerifyingKey};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::{PublicKey, SecretKey};
use rand::RngCore;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::both;
use crate::helpers::{TestApp, eventually};

/// What the push service got: the headers and the raw body.
#[derive(Clone)]
struct Got {
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// A browser's subscription at a stand-in push service: its keys and what
/// the service received for it.
#[derive(Clone)]
struct PushService {
    origin: String,
    endpoint: String,
    secret: SecretKey,
    auth: [u8; 16],
    got: Arc<Mutex<Vec<Got>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
}

impl PushService {
    async fn start() -> PushService {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let mut bytes = [0u8; 32];
        let secret = loop {
            rand::rng().fill_bytes(&mut bytes);
            if let Ok(k) = SecretKey::from_slice(&bytes) {
                break k;
            }
        };
        let mut auth = [0u8; 16];
        rand::rng().fill_bytes(&mut auth);
        let service = PushService {
            origin: format!("http://{addr}"),
            endpoint: format!("http://{addr}/wpush/v2/{}", uuid::Uuid::new_v4().simple()),
            secret,
            auth,
            got: Default::default(),
            statuses: Default::default(),
        };
        let s = service.clone();
        let app = axum::Router::new().fallback(move |req: axum::extract::Request| {
            let s = s.clone();
            async move {
                let headers = req
                    .headers()
                    .iter()
                    .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
                    .collect();
                let body = axum::body::to_bytes(req.into_body(), 1 << 16)
                    .await
                    .unwrap_or_default()
                    .to_vec();
                s.got.lock().unwrap().push(Got { headers, body });
                let status = s.statuses.lock().unwrap().pop_front().unwrap_or(201);
                axum::http::StatusCode::from_u16(status).unwrap()
            }
        });
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        service
    }

    fn public(&self) -> Vec<u8> {
        self.secret.public_key().to_encoded_point(false).as_bytes().to_vec()
    }

    /// The subscription as the dashboard posts it (Chatwoot's shape).
    fn subscription(&self) -> Value {
        json!({ "notification_subscription": {
            "subscription_type": "browser_push",
            "subscription_attributes": {
                "endpoint": self.endpoint,
                "p256dh": B64.encode(self.public()),
                "auth": B64.encode(self.auth),
            }
        }})
    }

    fn answer_next(&self, statuses: &[u16]) {
        self.statuses.lock().unwrap().extend(statuses.iter().copied());
    }

    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }

    async fn wait_for(&self, n: usize) -> Vec<Got> {
        eventually(20, &format!("{n} pushes"), || async {
            let got = self.got.lock().unwrap().clone();
            (got.len() >= n).then_some(got)
        })
        .await
    }

    /// RFC 8291 decryption, as the browser does it.
    fn decrypt(&self, body: &[u8]) -> Value {
        assert!(body.len() > 21 + 65 + 17, "a header and a record");
        let salt = &body[..16];
        let rs = u32::from_be_bytes(body[16..20].try_into().unwrap());
        assert_eq!(rs, 4096, "the record size");
        assert_eq!(body[20], 65, "the key id is the sender's public key");
        let as_public = &body[21..86];
        let sender = PublicKey::from_sec1_bytes(as_public).expect("the sender's key is a P-256 point");
        let shared = p256::ecdh::diffie_hellman(self.secret.to_nonzero_scalar(), sender.as_affine());
        let mut info = b"WebPush: info\0".to_vec();
        info.extend_from_slice(&self.public());
        info.extend_from_slice(as_public);
        let mut ikm = [0u8; 32];
        Hkdf::<Sha256>::new(Some(&self.auth), shared.raw_secret_bytes())
            .expand(&info, &mut ikm)
            .unwrap();
        let prk = Hkdf::<Sha256>::new(Some(salt), &ikm);
        let mut cek = [0u8; 16];
        let mut nonce = [0u8; 12];
        prk.expand(b"Content-Encoding: aes128gcm\0", &mut cek).unwrap();
        prk.expand(b"Content-Encoding: nonce\0", &mut nonce).unwrap();
        let key = ring::aead::LessSafeKey::new(ring::aead::UnboundKey::new(&ring::aead::AES_128_GCM, &cek).unwrap());
        let mut record = body[86..].to_vec();
        let plain = key
            .open_in_place(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::empty(),
                &mut record,
            )
            .expect("the record decrypts");
        let end = plain.iter().rposition(|b| *b != 0).expect("a delimiter");
        assert_eq!(plain[end], 2, "the last record's delimiter");
        serde_json::from_slice(&plain[..end]).expect("a JSON message")
    }

    /// Checks the VAPID header against the server's public key and this
    /// service's origin; RFC 8030's headers too.
    fn check_headers(&self, got: &Got, vapid_public: &str) {
        assert_eq!(got.header("content-encoding"), Some("aes128gcm"));
        assert!(got.header("ttl").and_then(|t| t.parse::<u64>().ok()).is_some());
        assert!(matches!(
            got.header("urgency"),
            Some("high" | "normal" | "low" | "very-low")
        ));
        let auth = got.header("authorization").expect("an Authorization header");
        let rest = auth.strip_prefix("vapid t=").expect("the vapid scheme");
        let (jwt, k) = rest.split_once(", k=").expect("t and k");
        assert_eq!(k, vapid_public, "k is the key the server hands out");
        let (input, sig) = jwt.rsplit_once('.').unwrap();
        let (header, claims) = input.split_once('.').unwrap();
        let header: Value = serde_json::from_slice(&B64.decode(header).unwrap()).unwrap();
        assert_eq!(header["alg"], "ES256");
        let key = VerifyingKey::from_sec1_bytes(&B64.decode(vapid_public).unwrap()).unwrap();
        let sig = Signature::from_slice(&B64.decode(sig).unwrap()).unwrap();
        key.verify(input.as_bytes(), &sig)
            .expect("the JWT is signed by the VAPID key");
        let claims: Value = serde_json::from_slice(&B64.decode(claims).unwrap()).unwrap();
        assert_eq!(claims["aud"], self.origin.as_str());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let exp = claims["exp"].as_i64().unwrap();
        assert!(exp > now && exp <= now + 24 * 3600, "exp within a day: {claims}");
        let sub = claims["sub"].as_str().unwrap();
        assert!(sub.starts_with("mailto:") || sub.starts_with("http"), "{sub}");
    }
}

const PATH: &str = "/api/v1/notification_subscriptions";

async fn vapid_key(app: &TestApp, token: &str) -> String {
    let (s, v) = app.call(Method::GET, PATH, token, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let k = v["vapid_public_key"].as_str().unwrap().to_string();
    assert_eq!(B64.decode(&k).unwrap().len(), 65);
    k
}

async fn subscriptions(app: &TestApp, token: &str) -> Vec<Value> {
    let (s, v) = app.call(Method::GET, PATH, token, None).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["payload"].as_array().unwrap().clone()
}

/// An inbox without automatic assignment, Amy (a member) and Bob (another
/// member), and a conversation: (amy, amy's token, bob, bob's token, display id).
async fn setup(app: &TestApp) -> (i64, String, i64, String, i64) {
    let inbox = app.api_inbox("Support", None).await["id"].as_i64().unwrap();
    app.ok(
        Method::PATCH,
        &app.acc(&format!("/inboxes/{inbox}")),
        Some(json!({ "enable_auto_assignment": false })),
    )
    .await;
    let (amy, amy_token) = app.agent("Amy", "amy@acme.test", "agent").await;
    let (bob, bob_token) = app.agent("Bob", "bob@acme.test", "agent").await;
    app.ok(
        Method::POST,
        &app.acc("/inbox_members"),
        Some(json!({ "inbox_id": inbox, "user_ids": [amy, bob] })),
    )
    .await;
    let (contact, _) = app.contact(inbox, "Carla Customer").await;
    let conv = app.conversation(inbox, contact).await;
    (amy, amy_token, bob, bob_token, conv)
}

async fn assign(app: &TestApp, conv: i64, user: i64) {
    app.ok(
        Method::POST,
        &app.acc(&format!("/conversations/{conv}/assignments")),
        Some(json!({ "assignee_id": user })),
    )
    .await;
}

/// Waits until no listener or push job is queued or running.
async fn idle(app: &TestApp) {
    eventually(15, "the listener and push jobs", || async {
        let rows = app
            .sql_rows(
                "SELECT CAST(COUNT(*) AS TEXT) FROM jobs WHERE kind IN ('listen', 'web_push') AND state IN (0, 1)",
            )
            .await;
        (rows[0][0].as_deref() == Some("0")).then_some(())
    })
    .await;
}

async fn pushes_reach_the_browser(app: TestApp) {
    let (amy, amy_token, bob, bob_token, conv) = setup(&app).await;
    let service = PushService::start().await;
    let vapid = vapid_key(&app, &amy_token).await;
    // Every node and every user sees the same key.
    assert_eq!(vapid_key(&app, &app.token).await, vapid);

    let (s, v) = app
        .call(Method::POST, PATH, &amy_token, Some(service.subscription()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["subscription_type"], "browser_push");
    assert_eq!(v["user_id"], amy);
    assert_eq!(v["subscription_attributes"]["endpoint"], service.endpoint.as_str());
    let id = v["id"].as_i64().unwrap();
    // Subscribing again (unwrapped, keys as PushSubscription.toJSON() has
    // them) renews the same row.
    let again = json!({
        "subscription_type": "browser_push",
        "subscription_attributes": {
            "endpoint": service.endpoint,
            "keys": { "p256dh": B64.encode(service.public()), "auth": B64.encode(service.auth) },
        }
    });
    let (s, v) = app.call(Method::POST, PATH, &amy_token, Some(again)).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["id"], id);
    assert_eq!(subscriptions(&app, &amy_token).await.len(), 1);
    assert!(subscriptions(&app, &bob_token).await.is_empty(), "each person's own");

    // An assignment (pushed by default): it arrives, signed and decrypted.
    assign(&app, conv, amy).await;
    let got = service.wait_for(1).await;
    service.check_headers(&got[0], &vapid);
    assert_eq!(got[0].header("urgency"), Some("high"));
    let m = service.decrypt(&got[0].body);
    assert_eq!(m["title"], format!("A conversation (#{conv}) has been assigned to you"));
    assert!(
        m["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/app?account={}#/conversations/{conv}", app.account_id)),
        "{m}"
    );
    assert_eq!(m["tag"], format!("conversation_assignment_{conv}"));
    assert_eq!(m["notification_type"], "conversation_assignment");
    assert!(m["notification_id"].as_i64().is_some());

    // Bob cannot unsubscribe Amy's browser: it is not his.
    let (s, v) = app
        .call(
            Method::DELETE,
            PATH,
            &bob_token,
            Some(json!({ "push_token": service.endpoint })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(subscriptions(&app, &amy_token).await.len(), 1);

    // A 500 is tried again.
    service.answer_next(&[500]);
    assign(&app, conv, bob).await;
    assign(&app, conv, amy).await;
    let got = service.wait_for(3).await;
    let first = service.decrypt(&got[1].body);
    let second = service.decrypt(&got[2].body);
    assert_eq!(first["notification_id"], second["notification_id"]);
    assert_ne!(first["notification_id"], m["notification_id"]);
    idle(&app).await;
    assert_eq!(service.count(), 3, "delivered once after the retry");

    // Another refusal ends the job failed, the answer kept as its error.
    service.answer_next(&[400]);
    assign(&app, conv, bob).await;
    assign(&app, conv, amy).await;
    service.wait_for(4).await;
    eventually(15, "the failed push job", || async {
        let rows = app
            .sql_rows("SELECT last_error FROM jobs WHERE kind = 'web_push' AND state = 3")
            .await;
        rows.first()
            .and_then(|r| r[0].clone())
            .filter(|e| e.contains("HTTP 400"))
    })
    .await;
    assert_eq!(
        subscriptions(&app, &amy_token).await.len(),
        1,
        "a 400 keeps the subscription"
    );

    // 410: the browser is gone, and so is the subscription.
    service.answer_next(&[410]);
    assign(&app, conv, bob).await;
    assign(&app, conv, amy).await;
    service.wait_for(5).await;
    eventually(15, "the subscription deleted", || async {
        subscriptions(&app, &amy_token).await.is_empty().then_some(())
    })
    .await;
    assign(&app, conv, bob).await;
    assign(&app, conv, amy).await;
    idle(&app).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(service.count(), 5, "nothing goes to a deleted subscription");

    // Amy unsubscribes her other browser herself.
    let other = PushService::start().await;
    app.call(Method::POST, PATH, &amy_token, Some(other.subscription()))
        .await;
    assert_eq!(subscriptions(&app, &amy_token).await.len(), 1);
    let (s, _) = app
        .call(
            Method::DELETE,
            &format!("{PATH}?push_token={}", other.endpoint),
            &amy_token,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(subscriptions(&app, &amy_token).await.is_empty());
    app.stop().await;
}
both!(pushes_reach_the_browser);

async fn push_follows_the_settings(app: TestApp) {
    let (amy, amy_token, bob, _, conv) = setup(&app).await;
    let service = PushService::start().await;
    let (s, v) = app
        .call(Method::POST, PATH, &amy_token, Some(service.subscription()))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = app
        .call(
            Method::PATCH,
            &app.acc("/notification_settings"),
            &amy_token,
            Some(json!({ "notification_settings": {
                "selected_email_flags": [], "selected_push_flags": []
            } })),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assign(&app, conv, amy).await;
    idle(&app).await;
    // The notification was made (in-app), and nothing was pushed.
    let (_, v) = app
        .call(Method::GET, &app.acc("/notifications"), &amy_token, None)
        .await;
    assert!(
        v["data"]["payload"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["notification_type"] == "conversation_assignment"),
        "{v}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(service.count(), 0);
    // Push for mentions only: an assignment still sends nothing.
    app.call(
        Method::PATCH,
        &app.acc("/notification_settings"),
        &amy_token,
        Some(json!({ "notification_settings": { "selected_push_flags": ["push_conversation_mention"] } })),
    )
    .await;
    assign(&app, conv, bob).await;
    assign(&app, conv, amy).await;
    idle(&app).await;
    assert_eq!(service.count(), 0);
    app.stop().await;
}
both!(push_follows_the_settings);

async fn bad_subscriptions_are_refused(app: TestApp) {
    let service = PushService::start().await;
    let good = service.subscription();
    let p256dh = B64.encode(service.public());
    let auth = B64.encode(service.auth);

    // Unauthenticated: 401 on every method.
    for m in [Method::GET, Method::POST, Method::DELETE] {
        let s = app
            .client
            .request(m.clone(), format!("{}{PATH}", app.base))
            .json(&good)
            .send()
            .await
            .unwrap()
            .status();
        assert_eq!(s, StatusCode::UNAUTHORIZED, "{m}");
    }

    let with = |attrs: Value| json!({ "notification_subscription": { "subscription_type": "browser_push", "subscription_attributes": attrs } });
    let cases = [
        (
            "no attributes",
            json!({ "notification_subscription": { "subscription_type": "browser_push" } }),
            "subscription_attributes",
        ),
        ("attributes not an object", with(json!("x")), "subscription_attributes"),
        (
            "not an object",
            json!({ "notification_subscription": [1] }),
            "notification_subscription",
        ),
        (
            "no endpoint",
            with(json!({ "p256dh": p256dh, "auth": auth })),
            "endpoint",
        ),
        (
            "endpoint a number",
            with(json!({ "endpoint": 5, "p256dh": p256dh, "auth": auth })),
            "endpoint",
        ),
        (
            "endpoint relative",
            with(json!({ "endpoint": "/push", "p256dh": p256dh, "auth": auth })),
            "endpoint",
        ),
        (
            "plain http to a public host",
            with(json!({ "endpoint": "http://push.example.com/x", "p256dh": p256dh, "auth": auth })),
            "endpoint",
        ),
        (
            "not http at all",
            with(json!({ "endpoint": "ftp://push.example.com/x", "p256dh": p256dh, "auth": auth })),
            "endpoint",
        ),
        (
            "no p256dh",
            with(json!({ "endpoint": service.endpoint, "auth": auth })),
            "p256dh",
        ),
        (
            "p256dh not base64",
            with(json!({ "endpoint": service.endpoint, "p256dh": "%%%", "auth": auth })),
            "p256dh",
        ),
        (
            "p256dh too short",
            with(json!({ "endpoint": service.endpoint, "p256dh": &p256dh[..40], "auth": auth })),
            "p256dh",
        ),
        (
            "p256dh off the curve",
            with(json!({ "endpoint": service.endpoint, "p256dh": B64.encode([4u8; 65]), "auth": auth })),
            "p256dh",
        ),
        (
            "p256dh a number",
            with(json!({ "endpoint": service.endpoint, "p256dh": 7, "auth": auth })),
            "p256dh",
        ),
        (
            "auth the wrong length",
            with(json!({ "endpoint": service.endpoint, "p256dh": p256dh, "auth": B64.encode([1u8; 8]) })),
            "auth",
        ),
        (
            "another type",
            json!({ "notification_subscription": { "subscription_type": "fcm", "subscription_attributes": { "push_token": "x" } } }),
            "subscription_type",
        ),
    ];
    for (what, body, attr) in cases {
        let (s, v) = app.call(Method::POST, PATH, &app.token, Some(body)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{what}: {v}");
        assert!(v.to_string().contains(attr), "{what} names {attr}: {v}");
    }
    let (s, v) = app
        .call(Method::DELETE, PATH, &app.token, Some(json!({ "push_token": 5 })))
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(subscriptions(&app, &app.token).await.is_empty());

    // At most 20 per person: the one renewed longest ago goes.
    let mut endpoints = Vec::new();
    for i in 0..21 {
        let endpoint = format!("{}/{i}", service.endpoint);
        let (s, v) = app
            .call(
                Method::POST,
                PATH,
                &app.token,
                Some(with(json!({ "endpoint": endpoint, "p256dh": p256dh, "auth": auth }))),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        endpoints.push(endpoint);
    }
    let kept: Vec<String> = subscriptions(&app, &app.token)
        .await
        .iter()
        .map(|s| s["subscription_attributes"]["endpoint"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(kept.len(), 20);
    assert!(!kept.contains(&endpoints[0]));
    assert!(kept.contains(&endpoints[20]));
    app.stop().await;
}
both!(bad_subscriptions_are_refused);
/// The dashboard's service worker: JavaScript, allowed to control the app.
#[tokio::test]
async fn the_service_worker_is_served() {
    let Some(app) = TestApp::spawn(crate::helpers::Db::Sqlite).await else {
        return;
    };
    let r = app.client.get(format!("{}/app/sw.js", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_string();
    assert!(ct.starts_with("text/javascript"), "{ct}");
    assert_eq!(r.headers()["service-worker-allowed"], "/app");
    let text = r.text().await.unwrap();
    assert!(text.contains("\"push\"") && text.contains("\"notificationclick\""));
    app.stop().await;
}

/// The VAPID key is made once and kept: a restart serves the same one (the
/// browsers' subscriptions were made with it). A key pair the operator gives
/// is served instead, and the stored one comes back without it.
async fn the_vapid_key_is_kept(app: TestApp) {
    let before = vapid_key(&app, &app.token).await;
    let app = app.restart(|_| {}).await;
    assert_eq!(vapid_key(&app, &app.token).await, before, "the key was made again");
    let given = switchboard_outbound::webpush::VapidKey::generate();
    let (public, private) = (given.public_b64(), given.private_b64());
    let app = app
        .restart(|o| {
            o.vapid_public_key = Some(public.clone());
            o.vapid_private_key = Some(private.clone());
            o.vapid_subject = Some("mailto:ops@acme.test".into());
        })
        .await;
    assert_eq!(vapid_key(&app, &app.token).await, public);
    assert_eq!(app.core().vapid_subject(), "mailto:ops@acme.test");
    let app = app.restart(|_| {}).await;
    assert_eq!(
        vapid_key(&app, &app.token).await,
        before,
        "the stored key is still there"
    );
    app.stop().await;
}
both!(the_vapid_key_is_kept);
