//! Operations endpoints: liveness, readiness, Prometheus metrics.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use crate::AppState;
use crate::metrics::Kind;

pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/health", get(health))
        .route("/ready", get(ready))
        .route("/metrics", get(metrics))
}

async fn health() -> Response {
    axum::Json(json!({ "status": "ok" })).into_response()
}

async fn ready(State(st): State<Arc<AppState>>) -> Response {
    match st.core.store.ping().await {
        Ok(()) => axum::Json(json!({ "status": "ready", "database": st.core.store.backend().name() })).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                axum::Json(json!({ "status": "unavailable", "error": "database unreachable" })),
            )
                .into_response()
        }
    }
}

async fn metrics(State(st): State<Arc<AppState>>) -> Response {
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
    for (label, v) in [("completed", &c.completed), ("retried", &c.retried), ("dead", &c.dead)] {
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
    m.set_gauge("switchboard_uptime_seconds", &[], st.started.elapsed().as_secs_f64());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], m.render()).into_response()
}
