//! End-to-end tests against a local axum server on 127.0.0.1 (port 0).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use switchboard_outbound::{OutboundClient, OutboundConfig, OutboundError};

#[derive(Debug, Clone)]
struct Received {
    headers: HeaderMap,
    body: Bytes,
}

type Log = Arc<Mutex<Vec<Received>>>;

/// Serves `app` on 127.0.0.1:0; returns the port and the request log.
async fn serve(route: fn(Log) -> Router) -> (u16, Log) {
    let log: Log = Arc::default();
    let app = route(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("local addr").port();
    tokio::spawn(async move {
        axum::serve(listener, app).await.expect("serve");
    });
    (port, log)
}

fn recording(log: Log) -> Router {
    Router::new().route(
        "/",
        post(move |headers: HeaderMap, body: Bytes| async move {
            log.lock().expect("lock").push(Received { headers, body });
            (StatusCode::ACCEPTED, "ok")
        }),
    )
}

fn client(allow_private_targets: bool, timeout: Duration) -> OutboundClient {
    OutboundClient::new(OutboundConfig {
        allow_private_targets,
        timeout,
        user_agent: "switchboard-test/1".into(),
    })
    .expect("client")
}

fn hdrs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
}

#[tokio::test]
async fn loopback_ip_refused_and_nothing_sent() {
    let (port, log) = serve(recording).await;
    let c = client(false, Duration::from_secs(5));
    let err = c
        .post(
            &format!("http://127.0.0.1:{port}/"),
            &[],
            b"{}".to_vec(),
            "application/json",
        )
        .await
        .expect_err("must be refused");
    assert!(matches!(err, OutboundError::Forbidden(_)), "{err:?}");
    assert!(err.is_permanent());

    // Other spellings of loopback too.
    for url in [
        format!("http://[::1]:{port}/"),
        format!("http://[::ffff:127.0.0.1]:{port}/"),
        format!("http://0x7f.1:{port}/"),
        format!("http://0.0.0.0:{port}/"),
    ] {
        let err = c
            .post(&url, &[], Vec::new(), "text/plain")
            .await
            .expect_err("must be refused");
        assert!(matches!(err, OutboundError::Forbidden(_)), "{url}: {err:?}");
    }

    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(log.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn localhost_name_refused_after_resolution() {
    let (port, log) = serve(recording).await;
    let c = client(false, Duration::from_secs(5));
    let err = c
        .post(
            &format!("http://localhost:{port}/"),
            &[],
            b"{}".to_vec(),
            "application/json",
        )
        .await
        .expect_err("must be refused");
    assert!(matches!(err, OutboundError::Forbidden(_)), "{err:?}");
    assert!(err.to_string().contains("target address not allowed"), "{err}");
    assert!(err.is_permanent());

    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(log.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn allowed_when_private_targets_enabled() {
    let (port, log) = serve(recording).await;
    let c = client(true, Duration::from_secs(5));
    let body = br#"{"event":"message_created","content":"h\u00e9llo"}"#.to_vec();
    let resp = c
        .post(
            &format!("http://127.0.0.1:{port}/"),
            &hdrs(&[
                ("X-Chatwoot-Signature", "sha256=abc123"),
                ("X-Chatwoot-Timestamp", "1700000000"),
                ("x-custom", "Value With Spaces"),
            ]),
            body.clone(),
            "application/json",
        )
        .await
        .expect("delivered");
    assert_eq!(resp.status, 202);
    assert_eq!(resp.body, "ok");
    assert_eq!(resp.retry_after, None);

    let got = log.lock().expect("lock").clone();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.body.as_ref(), body.as_slice());
    let h = |name: &str| r.headers.get(name).and_then(|v| v.to_str().ok());
    assert_eq!(h("x-chatwoot-signature"), Some("sha256=abc123"));
    assert_eq!(h("x-chatwoot-timestamp"), Some("1700000000"));
    assert_eq!(h("x-custom"), Some("Value With Spaces"));
    assert_eq!(h("content-type"), Some("application/json"));
    assert_eq!(h("user-agent"), Some("switchboard-test/1"));
    let expected_len = body.len().to_string();
    assert_eq!(h("content-length"), Some(expected_len.as_str()));
}

#[tokio::test]
async fn localhost_name_allowed_when_private_targets_enabled() {
    let (port, log) = serve(recording).await;
    let c = client(true, Duration::from_secs(5));
    let resp = c
        .post(
            &format!("http://localhost:{port}/"),
            &[],
            b"ping".to_vec(),
            "text/plain",
        )
        .await
        .expect("delivered");
    assert_eq!(resp.status, 202);
    assert_eq!(log.lock().expect("lock").len(), 1);
}

#[tokio::test]
async fn redirect_not_followed() {
    fn redirecting(log: Log) -> Router {
        let target = log.clone();
        Router::new()
            .route(
                "/",
                post(|| async { (StatusCode::FOUND, [(header::LOCATION, "/target")], "moved") }),
            )
            .route(
                "/target",
                post(move |headers: HeaderMap, body: Bytes| async move {
                    target.lock().expect("lock").push(Received { headers, body });
                    "reached"
                })
                .get(|| async { "reached" }),
            )
    }
    let (port, log) = serve(redirecting).await;
    let c = client(true, Duration::from_secs(5));
    let resp = c
        .post(&format!("http://127.0.0.1:{port}/"), &[], b"x".to_vec(), "text/plain")
        .await
        .expect("response");
    assert_eq!(resp.status, 302);
    assert_eq!(resp.body, "moved");
    assert!(log.lock().expect("lock").is_empty());
}

#[tokio::test]
async fn slow_server_times_out() {
    fn slow(_log: Log) -> Router {
        Router::new().route(
            "/",
            post(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                "too late"
            }),
        )
    }
    let (port, _log) = serve(slow).await;
    let c = client(true, Duration::from_millis(300));
    let started = std::time::Instant::now();
    let err = c
        .post(&format!("http://127.0.0.1:{port}/"), &[], Vec::new(), "text/plain")
        .await
        .expect_err("must time out");
    assert_eq!(err, OutboundError::Timeout);
    assert!(!err.is_permanent());
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn retry_after_parsed_and_body_truncated() {
    fn throttling(_log: Log) -> Router {
        Router::new().route(
            "/",
            post(|| async {
                (
                    StatusCode::TOO_MANY_REQUESTS,
                    [(header::RETRY_AFTER, "7")],
                    "é".repeat(5000),
                )
                    .into_response()
            }),
        )
    }
    let (port, _log) = serve(throttling).await;
    let c = client(true, Duration::from_secs(5));
    let resp = c
        .post(&format!("http://127.0.0.1:{port}/"), &[], Vec::new(), "text/plain")
        .await
        .expect("response");
    assert_eq!(resp.status, 429);
    assert_eq!(resp.retry_after, Some(Duration::from_secs(7)));
    // 4096 bytes of two-byte characters: 2048 whole characters.
    assert_eq!(resp.body.len(), 4096);
    assert!(resp.body.chars().all(|c| c == 'é'));
}

#[tokio::test]
async fn connection_refused_is_transient() {
    // Bind then drop to find a port with (very likely) nothing listening.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let c = client(true, Duration::from_secs(5));
    let err = c
        .post(&format!("http://127.0.0.1:{port}/"), &[], Vec::new(), "text/plain")
        .await
        .expect_err("nothing listening");
    assert!(matches!(err, OutboundError::Connect(_)), "{err:?}");
    assert!(!err.is_permanent());
}
