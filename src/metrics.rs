//! Prometheus metrics and the health check, served over HTTP on `metrics_listen`.
//!
//! Metric names are a contract with operators' dashboards: they are declared
//! here, described at startup, and recorded only through the small functions
//! below, once per request or batch (never per record). Gauges that mirror
//! broker state (log offsets and size, group lag and members) are read from the
//! broker when Prometheus scrapes, so the hot path pays nothing for them.
//!
//! The endpoint is a deliberately tiny HTTP/1.x server: `GET /metrics` (text
//! exposition format) and `GET /health` (200 once the log is open and the
//! listener accepts; 503 before that and while shutting down).

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::broker::Broker;

pub const REQUESTS_TOTAL: &str = "strand_requests_total";
pub const REQUEST_ERRORS_TOTAL: &str = "strand_request_errors_total";
pub const REQUEST_DURATION_SECONDS: &str = "strand_request_duration_seconds";
pub const PRODUCED_RECORDS_TOTAL: &str = "strand_produced_records_total";
pub const PRODUCED_BYTES_TOTAL: &str = "strand_produced_bytes_total";
pub const FETCHED_BYTES_TOTAL: &str = "strand_fetched_bytes_total";
pub const LOG_START_OFFSET: &str = "strand_log_start_offset";
pub const LOG_END_OFFSET: &str = "strand_log_end_offset";
pub const LOG_SIZE_BYTES: &str = "strand_log_size_bytes";
pub const LOG_SEGMENTS: &str = "strand_log_segments";
pub const CONNECTIONS_ACTIVE: &str = "strand_connections_active";
pub const CONNECTIONS_TOTAL: &str = "strand_connections_total";
pub const CONSUMER_GROUP_LAG: &str = "strand_consumer_group_lag";
pub const CONSUMER_GROUP_MEMBERS: &str = "strand_consumer_group_members";
pub const BUILD_INFO: &str = "strand_build_info";
pub const SASL_AUTHENTICATION_FAILURES_TOTAL: &str = "strand_sasl_authentication_failures_total";

/// Request latency buckets, in seconds: sub-millisecond produce up to long polls.
const DURATION_BUCKETS: &[f64] =
    &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Readiness as `/health` reports it, and the broker the scrape-time gauges read.
#[derive(Default)]
pub struct Health {
    ready: AtomicBool,
    broker: OnceLock<Arc<Broker>>,
}

impl Health {
    pub fn set_broker(&self, broker: Arc<Broker>) {
        let _ = self.broker.set(broker);
    }
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
    #[error("cannot install the metrics recorder: {0}")]
    Recorder(String),
}

/// Installs the recorder, binds the endpoint and serves it in the background;
/// returns the bound address. Only one recorder can exist per process.
pub async fn serve(listen: &str, health: Arc<Health>) -> Result<SocketAddr, Error> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION_SECONDS.into()), DURATION_BUCKETS)
        .and_then(|b| b.install_recorder())
        .map_err(|e| Error::Recorder(e.to_string()))?;
    describe();
    let listener = TcpListener::bind(listen).await.map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, handle.clone(), health.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(addr)
}

fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
    describe_counter!(REQUESTS_TOTAL, "Kafka requests served, by API.");
    describe_counter!(REQUEST_ERRORS_TOTAL, "Error codes returned, by API and Kafka error code.");
    describe_histogram!(
        REQUEST_DURATION_SECONDS,
        Unit::Seconds,
        "Time from a request's arrival to its response, by API; a Fetch's long-poll wait counts."
    );
    describe_counter!(PRODUCED_RECORDS_TOTAL, "Records appended to the log.");
    describe_counter!(PRODUCED_BYTES_TOTAL, Unit::Bytes, "Record batch bytes appended to the log.");
    describe_counter!(FETCHED_BYTES_TOTAL, Unit::Bytes, "Record batch bytes sent in Fetch responses.");
    describe_gauge!(LOG_START_OFFSET, "First offset still in the log.");
    describe_gauge!(LOG_END_OFFSET, "Offset the next record will get (the high watermark).");
    describe_gauge!(LOG_SIZE_BYTES, Unit::Bytes, "Bytes in the log's segment files.");
    describe_gauge!(LOG_SEGMENTS, "Segments in the log.");
    describe_gauge!(CONNECTIONS_ACTIVE, "Client connections open now.");
    describe_counter!(CONNECTIONS_TOTAL, "Client connections accepted.");
    describe_gauge!(CONSUMER_GROUP_LAG, "Log end offset minus the group's committed offset.");
    describe_gauge!(CONSUMER_GROUP_MEMBERS, "Members in the consumer group.");
    describe_gauge!(BUILD_INFO, "Always 1; the labels say which build runs.");
    describe_counter!(
        SASL_AUTHENTICATION_FAILURES_TOTAL,
        "Failed SASL authentications (wrong password, malformed token, unsupported mechanism), by mechanism."
    );
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

/// One HTTP exchange; the connection closes after the response.
async fn answer(mut stream: TcpStream, handle: PrometheusHandle, health: Arc<Health>) {
    let mut request = [0u8; 1024];
    let n = match tokio::time::timeout(Duration::from_secs(5), stream.read(&mut request)).await {
        Ok(Ok(n)) => n,
        _ => return,
    };
    let line = String::from_utf8_lossy(&request[..n]);
    let path = line.split_whitespace().nth(1).unwrap_or("");
    let (status, content_type, body) = match path {
        "/metrics" => {
            if let Some(broker) = health.broker.get() {
                refresh_state_gauges(broker);
            }
            handle.run_upkeep();
            ("200 OK", "text/plain; version=0.0.4", handle.render())
        }
        "/health" if health.ready.load(Ordering::Acquire) => ("200 OK", "text/plain", "ok\n".to_owned()),
        "/health" => ("503 Service Unavailable", "text/plain", "not ready\n".to_owned()),
        _ => ("404 Not Found", "text/plain", "try /metrics or /health\n".to_owned()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

fn refresh_state_gauges(broker: &Broker) {
    let end = broker.log.end_offset();
    gauge!(LOG_START_OFFSET).set(broker.log.start_offset() as f64);
    gauge!(LOG_END_OFFSET).set(end as f64);
    gauge!(LOG_SIZE_BYTES).set(broker.log.size_bytes() as f64);
    gauge!(LOG_SEGMENTS).set(broker.log.segment_count() as f64);
    for (group, members, committed) in broker.groups.summary(broker.topic()) {
        gauge!(CONSUMER_GROUP_MEMBERS, "group" => group.clone()).set(members as f64);
        if let Some(committed) = committed {
            gauge!(CONSUMER_GROUP_LAG, "group" => group).set((end - committed).max(0) as f64);
        }
    }
}

/// A request of `api` was answered after `seconds`.
pub fn request_done(api: &'static str, seconds: f64) {
    counter!(REQUESTS_TOTAL, "api" => api).increment(1);
    histogram!(REQUEST_DURATION_SECONDS, "api" => api).record(seconds);
}

/// `api` answered a partition or request with Kafka error `code`.
pub fn request_error(api: &'static str, code: i16) {
    counter!(REQUEST_ERRORS_TOTAL, "api" => api, "code" => code.to_string()).increment(1);
}

pub fn produced(records: u64, bytes: u64) {
    counter!(PRODUCED_RECORDS_TOTAL).increment(records);
    counter!(PRODUCED_BYTES_TOTAL).increment(bytes);
}

pub fn fetched(bytes: u64) {
    counter!(FETCHED_BYTES_TOTAL).increment(bytes);
}

pub fn connection_opened() {
    counter!(CONNECTIONS_TOTAL).increment(1);
    gauge!(CONNECTIONS_ACTIVE).increment(1.0);
}

pub fn connection_closed() {
    gauge!(CONNECTIONS_ACTIVE).decrement(1.0);
}

/// A SASL authentication failed; `mechanism` is a mechanism name or "unsupported".
pub fn sasl_authentication_failed(mechanism: &'static str) {
    counter!(SASL_AUTHENTICATION_FAILURES_TOTAL, "mechanism" => mechanism).increment(1);
}
