//! The operators' endpoint on `metrics_listen`: `GET /metrics` (Prometheus text
//! exposition format, from `metrics::Exporter`) and `GET /health` (200 once the
//! log is open and the listener accepts; 503 before that and while shutting
//! down, which is what `strand health` and a container's HEALTHCHECK probe).
//! Never behind TLS or Basic auth: scrapers and probes stay as simple as Kafka's
//! JMX exporters.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;

use crate::metrics::Exporter;

/// Readiness as `/health` reports it.
#[derive(Default)]
pub struct Health {
    ready: AtomicBool,
}

impl Health {
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

#[derive(Clone)]
struct Ops {
    exporter: Arc<Exporter>,
    health: Arc<Health>,
}

pub fn router(exporter: Arc<Exporter>, health: Arc<Health>) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/health", get(health_check))
        .fallback(|| async { (StatusCode::NOT_FOUND, "try /metrics or /health\n") })
        .with_state(Ops { exporter, health })
}

async fn metrics(State(ops): State<Ops>) -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], ops.exporter.render())
}

async fn health_check(State(ops): State<Ops>) -> impl IntoResponse {
    if ops.health.is_ready() {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "not ready\n")
    }
}
