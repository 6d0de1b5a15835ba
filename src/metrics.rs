//! Prometheus metrics over HTTP on `metrics_listen`. Metric names are declared
//! here and described at startup; handlers call the small functions below.

use std::net::ToSocketAddrs;

use metrics_exporter_prometheus::PrometheusBuilder;

pub const REQUESTS_TOTAL: &str = "strand_requests_total";
pub const BUILD_INFO: &str = "strand_build_info";

/// Starts the exporter's HTTP listener. Only the first call in a process installs.
pub fn install(listen: &str) -> Result<(), String> {
    let addr = listen
        .to_socket_addrs()
        .map_err(|e| format!("{listen}: {e}"))?
        .next()
        .ok_or_else(|| format!("{listen}: no address"))?;
    PrometheusBuilder::new().with_http_listener(addr).install().map_err(|e| e.to_string())?;
    metrics::describe_counter!(REQUESTS_TOTAL, "Requests served, by Kafka API.");
    metrics::describe_gauge!(BUILD_INFO, "Always 1; the labels say which build runs.");
    metrics::gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    Ok(())
}
