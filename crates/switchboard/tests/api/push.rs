//! Browser push: subscriptions (Chatwoot's `/notification_subscriptions`)
//! and delivery to a stand-in push service on loopback that does what a
//! browser's push service and the browser do: checks the VAPID JWT against
//! the key the server hands out, decrypts the body per RFC 8291 with the
//! subscription's private key and auth secret, and keeps the plaintext.
// The stand-in push service is whole here; the delivery tests that use the
// rest of it come with delivery.
#![allow(dead_code, unused_imports)]

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
