//! Prometheus metrics: names, descriptions, and the small functions that record them.
//!
//! Metric names are a contract with operators' dashboards: they are declared
//! here, described at startup, and recorded only through the small functions
//! below, once per request or batch (never per record). Gauges that mirror
//! broker state (log offsets and size, group lag and members) are not pushed:
//! whoever owns that state registers a `Snapshot` source with the `Exporter`,
//! and the gauges are set from it when Prometheus scrapes, so the hot path pays
//! nothing for them. This module knows no broker, log or group; `http` serves
//! what `Exporter::render` returns.

use std::sync::{Arc, OnceLock};

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

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
pub const OFFSET_STORE_DURATION_SECONDS: &str = "strand_offset_store_duration_seconds";
pub const OFFSET_STORE_ERRORS_TOTAL: &str = "strand_offset_store_errors_total";
pub const OFFSET_STORE_UP: &str = "strand_offset_store_up";
// Connection limits (issue 20, quota::connections).
pub const CONNECTIONS_REFUSED_TOTAL: &str = "strand_connections_refused_total";
pub const CONNECTION_ACCEPT_THROTTLE_SECONDS: &str = "strand_connection_accept_throttle_seconds";
pub const CONNECTION_ACCEPT_BLOCKED_SECONDS: &str = "strand_connection_accept_blocked_seconds";
// Client quotas: throttling (issue 20).
pub const QUOTA_THROTTLED_REQUESTS_TOTAL: &str = "strand_quota_throttled_requests_total";
pub const QUOTA_THROTTLE_TIME_SECONDS: &str = "strand_quota_throttle_time_seconds";

/// Request latency buckets, in seconds: sub-millisecond produce up to long polls.
const DURATION_BUCKETS: &[f64] =
    &[0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// Throttle time buckets, in seconds: a few milliseconds up to Kafka's
/// longest throttles (a window's worth and more).
const THROTTLE_BUCKETS: &[f64] = &[0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0];

/// The broker state the scrape-time gauges show, as of one moment.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Snapshot {
    pub partitions: Vec<PartitionSnapshot>,
    pub groups: Vec<GroupSnapshot>,
}

/// One partition's log in a `Snapshot`.
#[derive(Debug, Clone, PartialEq)]
pub struct PartitionSnapshot {
    pub topic: String,
    pub partition: i32,
    pub log_start_offset: i64,
    pub log_end_offset: i64,
    pub log_size_bytes: u64,
    pub log_segments: u64,
}

/// One consumer group in a `Snapshot`.
#[derive(Debug, Clone, PartialEq)]
pub struct GroupSnapshot {
    pub group: String,
    pub members: u64,
    /// (topic, partition, log end offset minus the committed offset) for each
    /// partition the group has committed on.
    pub lag: Vec<(String, i32, i64)>,
}

type SnapshotSource = Box<dyn Fn() -> Snapshot + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot install the metrics recorder: {0}")]
    Recorder(String),
}

/// The installed recorder and, once the broker has registered it, the source of
/// the state gauges.
pub struct Exporter {
    handle: PrometheusHandle,
    source: OnceLock<SnapshotSource>,
}

impl Exporter {
    /// Installs the process's recorder and describes every metric. Only one
    /// recorder can exist per process.
    pub fn install() -> Result<Arc<Exporter>, Error> {
        let handle = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(REQUEST_DURATION_SECONDS.into()), DURATION_BUCKETS)
            .and_then(|b| {
                b.set_buckets_for_metric(Matcher::Full(OFFSET_STORE_DURATION_SECONDS.into()), DURATION_BUCKETS)
            })
            .and_then(|b| b.set_buckets_for_metric(Matcher::Full(QUOTA_THROTTLE_TIME_SECONDS.into()), THROTTLE_BUCKETS))
            .and_then(|b| b.install_recorder())
            .map_err(|e| Error::Recorder(e.to_string()))?;
        describe();
        Ok(Arc::new(Exporter { handle, source: OnceLock::new() }))
    }

    /// Registers what the state gauges are read from at each scrape; the first
    /// registration wins. Until then only the pushed metrics are shown.
    pub fn set_source(&self, source: impl Fn() -> Snapshot + Send + Sync + 'static) {
        let _ = self.source.set(Box::new(source));
    }

    /// The text exposition of every metric, state gauges refreshed first.
    pub fn render(&self) -> String {
        if let Some(source) = self.source.get() {
            set_state_gauges(&source());
        }
        self.handle.run_upkeep();
        self.handle.render()
    }
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
    describe_histogram!(
        OFFSET_STORE_DURATION_SECONDS,
        Unit::Seconds,
        "Time to make one batch of offset changes durable, by store and operation."
    );
    describe_counter!(OFFSET_STORE_ERRORS_TOTAL, "Offset store operations that failed, by store and operation.");
    describe_gauge!(OFFSET_STORE_UP, "1 while the offset store's backend is reachable, 0 during an outage.");
    // Connection limits.
    describe_counter!(
        CONNECTIONS_REFUSED_TOTAL,
        "Connections closed unserved, by reason: max_connections_per_ip, or the IP's connection_creation_rate quota."
    );
    describe_histogram!(
        CONNECTION_ACCEPT_THROTTLE_SECONDS,
        Unit::Seconds,
        "Time the listener waited before taking a connection, to hold max_connection_creation_rate; one sample per delayed accept."
    );
    describe_histogram!(
        CONNECTION_ACCEPT_BLOCKED_SECONDS,
        Unit::Seconds,
        "Time the listener waited for a connection to close, at max_connections (KIP-402); one sample per wait."
    );
    // Client quotas: throttling.
    describe_counter!(
        QUOTA_THROTTLED_REQUESTS_TOTAL,
        "Requests throttled by a client quota, by quota type (Produce, Fetch, Request, ControllerMutation)."
    );
    describe_histogram!(
        QUOTA_THROTTLE_TIME_SECONDS,
        Unit::Seconds,
        "Throttle time given to throttled requests (their throttle_time_ms), by quota type."
    );
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
}

fn set_state_gauges(snapshot: &Snapshot) {
    for p in &snapshot.partitions {
        let labels = [("topic", p.topic.clone()), ("partition", p.partition.to_string())];
        gauge!(LOG_START_OFFSET, &labels).set(p.log_start_offset as f64);
        gauge!(LOG_END_OFFSET, &labels).set(p.log_end_offset as f64);
        gauge!(LOG_SIZE_BYTES, &labels).set(p.log_size_bytes as f64);
        gauge!(LOG_SEGMENTS, &labels).set(p.log_segments as f64);
    }
    for group in &snapshot.groups {
        gauge!(CONSUMER_GROUP_MEMBERS, "group" => group.group.clone()).set(group.members as f64);
        for (topic, partition, lag) in &group.lag {
            let labels =
                [("group", group.group.clone()), ("topic", topic.clone()), ("partition", partition.to_string())];
            gauge!(CONSUMER_GROUP_LAG, &labels).set(*lag as f64);
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

/// The offset store made a batch durable (`ok`) or failed to, after `seconds`.
pub fn offset_store_write(store: &'static str, seconds: f64, ok: bool) {
    histogram!(OFFSET_STORE_DURATION_SECONDS, "store" => store, "operation" => "write").record(seconds);
    if !ok {
        offset_store_error(store, "write");
    }
}

/// An offset store `operation` (write, ping) failed.
pub fn offset_store_error(store: &'static str, operation: &'static str) {
    counter!(OFFSET_STORE_ERRORS_TOTAL, "store" => store, "operation" => operation).increment(1);
}

/// The offset store's backend became reachable (`up`) or not.
pub fn offset_store_up(store: &'static str, up: bool) {
    gauge!(OFFSET_STORE_UP, "store" => store).set(if up { 1.0 } else { 0.0 });
}

// Connection limits.

/// A connection was closed unserved; `reason` names the limit.
pub fn connection_refused(reason: &'static str) {
    counter!(CONNECTIONS_REFUSED_TOTAL, "reason" => reason).increment(1);
}

/// The listener waited `seconds` before taking a connection (max_connection_creation_rate).
pub fn connection_accept_throttled(seconds: f64) {
    histogram!(CONNECTION_ACCEPT_THROTTLE_SECONDS).record(seconds);
}

/// The listener waited `seconds` for a connection to close (max_connections, KIP-402).
pub fn connection_accept_blocked(seconds: f64) {
    histogram!(CONNECTION_ACCEPT_BLOCKED_SECONDS).record(seconds);
}

// Client quotas: throttling.

/// A request was throttled for `ms` by the client's `quota` (a quota type's
/// name, `quota::Kind::name`).
pub fn quota_throttled(quota: &'static str, ms: u64) {
    counter!(QUOTA_THROTTLED_REQUESTS_TOTAL, "quota" => quota).increment(1);
    histogram!(QUOTA_THROTTLE_TIME_SECONDS, "quota" => quota).record(ms as f64 / 1000.0);
}
