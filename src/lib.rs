//! strand: a single-binary message broker that speaks the Apache Kafka wire protocol.
//!
//! `config` builds the one `Config`; `server` accepts connections; `connection`
//! frames requests and answers them in order; `api` holds one module per Kafka API;
//! `log` is the partition's on-disk commit log; `broker` is the state they share;
//! `tls` and `sasl` secure the listener.

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
pub mod sasl;
pub mod server;
pub mod tls;

/// Milliseconds since the Unix epoch, the unit of every Kafka timestamp. A clock
/// before 1970 reads as 0 rather than failing.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}
