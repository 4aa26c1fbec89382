//! What an anonymous caller can hold or spoil, each test written as the
//! attack: invented methods against `/metrics`, a forged X-Forwarded-For,
//! password spraying, login CSRF, one address opening every socket.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::both;
use crate::helpers::{Db, TestApp};

/// A server that believes X-Forwarded-For from loopback (as behind a proxy
/// on the same host), optionally with a metrics token.
async fn behind_proxy(db: Db, metrics_token: Option<&str>) -> Option<TestApp> {
    let token = metrics_token.map(str::to_string);
    TestApp::spawn_with(db, |o| {
        o.trusted_proxies = Some("127.0.0.0/8, ::1".into());
        o.metrics_token = token;
    })
    .await
}

async fn sign_in(app: &TestApp, email: &str, password: &str, forwarded_for: Option<&str>) -> reqwest::Response {
    let mut req = app
        .client
        .post(format!("{}/auth/sign_in", app.base))
        .json(&json!({ "email": email, "password": password }));
    if let Some(xff) = forwarded_for {
        req = req.header("x-forwarded-for", xff);
    }
    req.send().await.unwrap()
}

/// The `http_requests_total` series `/metrics` shows.
async fn request_series(app: &TestApp) -> Vec<String> {
    let r = app.client.get(format!("{}/metrics", app.base)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text()
        .await
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("http_requests_total{"))
        .map(|l| l.rsplit_once(' ').map(|(series, _)| series).unwrap_or(l).to_string())
        .collect()
}

async fn invented_methods_do_not_grow_metrics(app: TestApp) {
    let before = request_series(&app).await;
    for i in 0..500 {
        let method = Method::from_bytes(format!("X{i}SPAM").as_bytes()).unwrap();
        let r = app
            .client
            .request(method, format!("{}/health", app.base))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_client_error(), "{}", r.status());
    }
    let after = request_series(&app).await;
    assert!(after.iter().all(|s| !s.contains("SPAM")), "{after:?}");
    // At most the one `other` series for /health and the /metrics read itself.
    assert!(after.len() <= before.len() + 2, "{} -> {}", before.len(), after.len());
    assert!(after.iter().any(|s| s.contains("method=\"other\"")), "{after:?}");
    app.stop().await;
}
both!(invented_methods_do_not_grow_metrics);

async fn metrics_are_for_this_machine_or_the_token(db: Db) {
    let Some(app) = behind_proxy(db, Some("s3cret-metrics")).await else {
        return;
    };
    let url = format!("{}/metrics", app.base);
    // Straight from loopback: shown.
    let r = app.client.get(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // An outsider through the trusted proxy: a missing page.
    for auth in [None, Some("Bearer wrong"), Some("s3cret-metrics")] {
        let mut req = app.client.get(&url).header("x-forwarded-for", "203.0.113.7");
        if let Some(a) = auth {
            req = req.header("authorization", a);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{auth:?}");
        assert!(!r.text().await.unwrap().contains("http_requests_total"));
    }
    // A proxy on this host that names a loopback client is still a proxy.
    let r = app
        .client
        .get(&url)
        .header("x-forwarded-for", "127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // The token opens it to anyone.
    let r = app
        .client
        .get(&url)
        .header("x-forwarded-for", "203.0.113.7")
        .header("authorization", "Bearer s3cret-metrics")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("http_requests_total{"));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_this_machine_or_the_token_sqlite() {
    metrics_are_for_this_machine_or_the_token(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_are_for_this_machine_or_the_token_postgres() {
    metrics_are_for_this_machine_or_the_token(Db::Postgres).await;
}

async fn forged_forwarded_for_does_not_evade_limits(app: TestApp) {
    // No proxy is trusted: each attempt claims a new address, all count as
    // the one they came from (30 attempts per address per 5 minutes).
    let mut statuses = Vec::new();
    for i in 0..31 {
        let r = sign_in(
            &app,
            &format!("nobody{i}@acme.test"),
            "guess",
            Some(&format!("198.51.100.{i}")),
        )
        .await;
        statuses.push(r.status());
    }
    assert!(
        statuses[..30].iter().all(|s| *s == StatusCode::UNAUTHORIZED),
        "{statuses:?}"
    );
    assert_eq!(statuses[30], StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}
both!(forged_forwarded_for_does_not_evade_limits);

async fn a_trusted_proxy_names_the_client(db: Db) {
    let Some(app) = behind_proxy(db, None).await else {
        return;
    };
    // Forty users behind the proxy each have their own budget.
    for i in 0..40 {
        let r = sign_in(
            &app,
            &format!("nobody{i}@acme.test"),
            "guess",
            Some(&format!("203.0.113.{i}")),
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "user {i}");
    }
    // One client cannot rotate by forging what the proxy appends to.
    let mut last = StatusCode::OK;
    for i in 0..31 {
        let xff = format!("10.9.{i}.1, 198.51.100.99");
        last = sign_in(&app, &format!("other{i}@acme.test"), "guess", Some(&xff))
            .await
            .status();
    }
    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_names_the_client_sqlite() {
    a_trusted_proxy_names_the_client(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trusted_proxy_names_the_client_postgres() {
    a_trusted_proxy_names_the_client(Db::Postgres).await;
}

async fn password_spraying_does_not_lock_the_owner_out(db: Db) {
    let Some(app) = behind_proxy(db, None).await else {
        return;
    };
    let owner = "alice@acme.test";
    let password = "correct horse battery";
    let home = "192.0.2.10";
    let r = sign_in(&app, owner, password, Some(home)).await;
    assert_eq!(r.status(), StatusCode::OK);
    // Twenty addresses guess six times each.
    let mut limited = 0;
    for a in 0..20 {
        let from = format!("198.51.100.{a}");
        for _ in 0..6 {
            let r = sign_in(&app, owner, "wrong guess", Some(&from)).await;
            match r.status() {
                StatusCode::UNAUTHORIZED => {}
                StatusCode::TOO_MANY_REQUESTS => {
                    let retry: u64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
                    assert!(retry > 0 && retry <= 15 * 60, "{retry}");
                    limited += 1;
                }
                s => panic!("{s}"),
            }
        }
    }
    // Each attacker address is stopped after five failures.
    assert_eq!(limited, 20);
    // The owner, from the usual address, still gets in.
    let r = sign_in(&app, owner, password, Some(home)).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_spraying_does_not_lock_the_owner_out_sqlite() {
    password_spraying_does_not_lock_the_owner_out(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn password_spraying_does_not_lock_the_owner_out_postgres() {
    password_spraying_does_not_lock_the_owner_out(Db::Postgres).await;
}

async fn cross_site_sign_in_sets_nothing(app: TestApp) {
    let url = format!("{}/auth/sign_in", app.base);
    let creds = json!({ "email": "alice@acme.test", "password": "correct horse battery" }).to_string();
    // A cross-site form posting JSON-looking text/plain.
    let r = app
        .client
        .post(&url)
        .header("content-type", "text/plain")
        .body(creds.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(r.headers().get("set-cookie").is_none());
    assert!(r.json::<serde_json::Value>().await.unwrap()["error"].is_string());
    // JSON from another site's page.
    for origin in ["https://evil.example", "null"] {
        let r = app
            .client
            .post(&url)
            .header("content-type", "application/json")
            .header("origin", origin)
            .body(creds.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{origin}");
        assert!(r.headers().get("set-cookie").is_none());
        assert!(r.headers().get("access-token").is_none());
    }
    // Our own page, and an API client without Origin, sign in.
    let ours = app.base.clone();
    for origin in [Some(ours.as_str()), None] {
        let mut req = app
            .client
            .post(&url)
            .header("content-type", "application/json; charset=utf-8")
            .body(creds.clone());
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{origin:?}");
        assert!(r.headers().get("set-cookie").is_some());
    }
    app.stop().await;
}
both!(cross_site_sign_in_sets_nothing);

async fn one_address_cannot_hold_every_socket(db: Db) {
    let Some(app) = TestApp::spawn_with(db, |o| o.max_websockets_per_ip = Some(3)).await else {
        return;
    };
    let mut held = Vec::new();
    for _ in 0..3 {
        held.push(crate::cable_client::Cable::connect(&app).await);
    }
    let url = format!("{}/cable", app.base.replace("http://", "ws://"));
    match tokio_tungstenite::connect_async(url.as_str()).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => {
            assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS)
        }
        other => panic!("a fourth socket from one address: {:?}", other.map(|(_, r)| r.status())),
    }
    // A closed socket frees its place.
    drop(held.pop());
    let mut opened = false;
    for _ in 0..50 {
        if tokio_tungstenite::connect_async(url.as_str()).await.is_ok() {
            opened = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(opened);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_socket_sqlite() {
    one_address_cannot_hold_every_socket(Db::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_address_cannot_hold_every_socket_postgres() {
    one_address_cannot_hold_every_socket(Db::Postgres).await;
}
