//! Operations endpoints: liveness, readiness, Prometheus metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;
use crate::client_ip::ClientIp;
use crate::metrics::Kind;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/api", get(api_info))
        .route("/metrics", get(metrics))
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

/// `GET /api`: Chatwoot's installation check (`{version, timestamp,
/// queue_services, data_services}`), which clients such as n8n call to test
/// their credentials. Our queue lives in the database, so both services are
/// the database's state.
async fn api_info(State(st): State<Arc<AppState>>) -> Response {
    let state = if database_check(&st).await.is_none() {
        "ok"
    } else {
        "failing"
    };
    // Rails' `to_formatted_s(:db)`: `2026-12-06 21:10:00`.
    let iso = switchboard_domain::time::iso(switchboard_domain::time::now_micros());
    let timestamp = iso.get(..19).unwrap_or_default().replace('T', " ");
    axum::Json(json!({
        "version": env!("CARGO_PKG_VERSION"),
        "timestamp": timestamp,
        "queue_services": state,
        "data_services": state,
    }))
    .into_response()
}

/// How long one dependency may take to answer `/ready`.
const READY_CHECK_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(800);

/// Readiness: each dependency is checked within [`READY_CHECK_TIMEOUT`]; the
/// answer is 503 naming each failing one (`"failing": {name: why}`). A new
/// dependency adds its check next to the database's. Redis, when configured,
/// is reported (`"redis": "up"` or `"down"`, `"status": "degraded"`) but does
/// not fail readiness.
async fn ready(State(st): State<Arc<AppState>>) -> Response {
    let mut failing = serde_json::Map::new();
    if let Some(why) = database_check(&st).await {
        failing.insert("database".into(), why.into());
    }
    // Redis carries events between nodes. While it is away this node still
    // serves its own sockets (and tells them to catch up when it returns),
    // so Redis is reported, not failed: every node shares one Redis, and a
    // load balancer that pulled them all would turn a degraded link between
    // nodes into an outage.
    let redis = match st.hub.shared.get() {
        Some(r) => Some(if r.ready().await { "up" } else { "down" }),
        None => None,
    };
    if failing.is_empty() {
        let mut body = json!({
            "status": if redis == Some("down") { "degraded" } else { "ready" },
            "database": st.core.store.backend().name(),
        });
        if let Some(r) = redis {
            body["redis"] = json!(r);
        }
        return axum::Json(body).into_response();
    }
    let error = failing
        .iter()
        .map(|(name, why)| format!("{name}: {}", why.as_str().unwrap_or_default()))
        .collect::<Vec<_>>()
        .join("; ");
    tracing::warn!(%error, "readiness check failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        axum::Json(json!({ "status": "unavailable", "error": error, "failing": failing, "redis": redis })),
    )
        .into_response()
}

/// Why the database is not ready, if it is not.
async fn database_check(st: &AppState) -> Option<&'static str> {
    match tokio::time::timeout(READY_CHECK_TIMEOUT, st.core.store.ping()).await {
        Ok(Ok(())) => None,
        Ok(Err(switchboard_store::StoreError::Full(e))) => {
            tracing::warn!(error = %e, "readiness: database full");
            Some("full (no space to write)")
        }
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness: database");
            Some("unreachable")
        }
        Err(_) => Some("unreachable (no answer in time)"),
    }
}

/// Whether `/metrics` may be shown: to a caller with the metrics token, or
/// to one on this machine that came straight here (a loopback client address
/// and no proxy's forwarding headers: a proxy on this host makes every
/// outsider look like loopback).
fn metrics_allowed(st: &AppState, client: std::net::IpAddr, headers: &HeaderMap) -> bool {
    if let Some(token) = &st.metrics_token {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim);
        if sent.is_some_and(|sent| switchboard_core::auth::ct_eq(sent, token)) {
            return true;
        }
    }
    let forwarded = ["x-forwarded-for", "forwarded", "x-real-ip"]
        .iter()
        .any(|h| headers.contains_key(*h));
    client.is_loopback() && !forwarded
}

/// Prometheus metrics; others get the same 404 as a missing page.
async fn metrics(State(st): State<Arc<AppState>>, ClientIp(client): ClientIp, headers: HeaderMap) -> Response {
    if !metrics_allowed(&st, client, &headers) {
        return crate::error::ApiError::not_found().into_response();
    }
    let m = &st.metrics;
    let c = &st.core.job_counters;
    m.describe("switchboard_jobs", Kind::Gauge, "Jobs in the durable queue by state.");
    if let Ok(mut tx) = st.core.store.read().await
        && let Ok(stats) = tx.job_stats().await
    {
        m.set_gauge("switchboard_jobs", &[("state", "queued")], stats.queued as f64);
        m.set_gauge("switchboard_jobs", &[("state", "running")], stats.running as f64);
        m.set_gauge("switchboard_jobs", &[("state", "dead")], stats.dead as f64);
    }
    m.describe(
        "switchboard_jobs_finished",
        Kind::Gauge,
        "Jobs this process finished, by outcome.",
    );
    for (label, v) in [
        ("completed", &c.completed),
        ("retried", &c.retried),
        ("dead", &c.dead),
        // Put back untried: their target busy or its circuit open.
        ("deferred", &c.deferred),
    ] {
        m.set_gauge(
            "switchboard_jobs_finished",
            &[("outcome", label)],
            v.load(Ordering::Relaxed) as f64,
        );
    }
    m.describe(
        "switchboard_webhook_deliveries",
        Kind::Gauge,
        "Webhook deliveries this process finished, by outcome.",
    );
    m.set_gauge(
        "switchboard_webhook_deliveries",
        &[("outcome", "delivered")],
        c.deliveries_ok.load(Ordering::Relaxed) as f64,
    );
    m.set_gauge(
        "switchboard_webhook_deliveries",
        &[("outcome", "failed")],
        c.deliveries_failed.load(Ordering::Relaxed) as f64,
    );
    if let Some(redis) = st.hub.shared.get() {
        m.describe(
            "switchboard_backplane_dropped",
            Kind::Gauge,
            "Events this process could not publish to the other nodes (Redis away or too slow).",
        );
        m.set_gauge(
            "switchboard_backplane_dropped",
            &[],
            redis.dropped.load(Ordering::Relaxed) as f64,
        );
        m.describe(
            "switchboard_backplane_outages",
            Kind::Gauge,
            "Times the Redis link broke.",
        );
        m.set_gauge(
            "switchboard_backplane_outages",
            &[],
            redis.outages.load(Ordering::Relaxed) as f64,
        );
    }
    m.set_gauge("switchboard_uptime_seconds", &[], st.started.elapsed().as_secs_f64());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], m.render()).into_response()
}
