//! strand: a single-binary message broker that speaks the Apache Kafka wire protocol.
//!
//! `config` builds the one `Config`; `server` binds, loads the listener's
//! security and accepts connections; `connection` reads frames and writes the
//! answers in order; `api` gives each frame its meaning (one module per Kafka API,
//! the dispatch, the per-connection `session`, and the one `Error` map); `log` is
//! the partition's on-disk commit log and `group` the consumer groups; `broker`
//! is the state they share; `tls` and `sasl` secure the listener, and
//! `scram_store` keeps the SCRAM credentials set at run time and `quota` the
//! client quotas, with their measures; `metrics`
//! records and renders Prometheus metrics, and `http` serves them with `/health`
//! on the metrics port and the REST API (REST Proxy v2/v3, `/strand/v1`) on its own.
//! Dependencies point down: connection -> api -> broker, log, group, and
//! http -> broker, log, group; metrics know no broker.

pub mod api;
pub mod broker;
pub mod config;
pub mod connection;
pub mod durable;
pub mod group;
pub mod http;
pub mod inspect;
pub mod log;
pub mod metrics;
pub mod producer_ids;
pub mod quota;
pub mod sasl;
pub mod scram_store;
pub mod server;
pub mod tls;
pub mod topics;

/// Runs `work` (disk reads, fsyncs, decompression) where it does not hold up the
/// other tasks of the async worker it is called on: as blocking work on the
/// broker's multi-thread runtime; in place on a current-thread one (the request
/// fuzz target's, unit tests'), where `block_in_place` is not allowed.
pub fn blocking<T>(work: impl FnOnce() -> T) -> T {
    let multi_thread = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if multi_thread {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

/// Milliseconds since the Unix epoch, the unit of every Kafka timestamp. A clock
/// before 1970 reads as 0 rather than failing.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
