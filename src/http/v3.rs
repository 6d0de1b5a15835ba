//! The Confluent REST Proxy API v3: clusters, brokers, topics, partitions,
//! consumer groups (with lag) and records produce, in the shapes of the REST
//! Proxy's v3 entities (`kind`, `metadata.self`, `metadata.resource_name`,
//! `related` links), as Redpanda's HTTP Proxy and Confluent Cloud serve them.
//!
//! strand is a one-broker cluster whose id is `broker.cluster_id`; any other
//! cluster id in a path is a 404. The admin side is read-only: topics are
//! created and configured over the Kafka protocol.
//! - `clusters`: clusters, brokers, topics (and their configs), partitions;
//! - `groups`: consumer groups, their consumers, lags and lag summary;
//! - `records`: `POST .../topics/{topic}/records`, one record or a stream.

use axum::http::header::HOST;
use axum::http::HeaderMap;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

use super::{Rest, RestError};

mod clusters;
mod groups;
mod records;
pub mod timestamp;

pub fn router() -> Router<Rest> {
    Router::new()
        .route("/v3/clusters", get(clusters::list))
        .route("/v3/clusters/{cluster}", get(clusters::get))
        .route("/v3/clusters/{cluster}/brokers", get(clusters::brokers))
        .route("/v3/clusters/{cluster}/brokers/{broker}", get(clusters::broker))
        .route("/v3/clusters/{cluster}/topics", get(clusters::topics))
        .route("/v3/clusters/{cluster}/topics/{topic}", get(clusters::topic))
        .route("/v3/clusters/{cluster}/topics/{topic}/configs", get(clusters::topic_configs))
        .route("/v3/clusters/{cluster}/topics/{topic}/configs/{name}", get(clusters::topic_config))
        .route("/v3/clusters/{cluster}/topics/{topic}/partitions", get(clusters::partitions))
        .route("/v3/clusters/{cluster}/topics/{topic}/partitions/{partition}", get(clusters::partition))
        .route("/v3/clusters/{cluster}/topics/{topic}/records", post(records::produce))
        .route("/v3/clusters/{cluster}/consumer-groups", get(groups::list))
        .route("/v3/clusters/{cluster}/consumer-groups/{group}", get(groups::get))
        .route("/v3/clusters/{cluster}/consumer-groups/{group}/consumers", get(groups::consumers))
        .route("/v3/clusters/{cluster}/consumer-groups/{group}/consumers/{consumer}", get(groups::consumer))
        .route("/v3/clusters/{cluster}/consumer-groups/{group}/lags", get(groups::lags))
        .route("/v3/clusters/{cluster}/consumer-groups/{group}/lag-summary", get(groups::lag_summary))
}

/// Builds the links of v3 answers: absolute URLs on the host the client asked
/// (the REST Proxy's `metadata.self`), and Confluent resource names
/// (`crn:///kafka=ID/topic=NAME`).
pub(crate) struct Urls {
    base: String,
    cluster: String,
}

impl Urls {
    /// The links of `cluster`, or 404 when it is not this broker's cluster.
    pub(crate) fn new(rest: &Rest, headers: &HeaderMap, cluster: &str) -> Result<Self, RestError> {
        if cluster != rest.broker.cluster_id {
            return Err(RestError::ClusterNotFound(cluster.to_owned()));
        }
        Ok(Self::of(rest, headers))
    }

    /// The links of this broker's cluster.
    pub(crate) fn of(rest: &Rest, headers: &HeaderMap) -> Self {
        let scheme = if rest.broker.config.tls_files().is_some() { "https" } else { "http" };
        let host = headers.get(HOST).and_then(|h| h.to_str().ok()).unwrap_or("localhost");
        Self { base: format!("{scheme}://{host}/v3/clusters"), cluster: rest.broker.cluster_id.clone() }
    }

    pub(crate) fn cluster_id(&self) -> &str {
        &self.cluster
    }

    /// The URL of `path` under this cluster (`""` for the cluster itself).
    pub(crate) fn url(&self, path: &str) -> String {
        if path.is_empty() {
            format!("{}/{}", self.base, self.cluster)
        } else {
            format!("{}/{}/{path}", self.base, self.cluster)
        }
    }

    /// `metadata` of a resource at `path` named `crn:///kafka=ID/<crn>`.
    pub(crate) fn metadata(&self, path: &str, crn: &str) -> Value {
        let resource_name = if crn.is_empty() {
            format!("crn:///kafka={}", self.cluster)
        } else {
            format!("crn:///kafka={}/{crn}", self.cluster)
        };
        json!({ "self": self.url(path), "resource_name": resource_name })
    }

    /// `{"related": url}`.
    pub(crate) fn related(&self, path: &str) -> Value {
        json!({ "related": self.url(path) })
    }

    /// A collection: `{"kind": "...List", "metadata": {"self", "next": null}, "data": [...]}`.
    pub(crate) fn list(&self, kind: &str, path: &str, data: Vec<Value>) -> Value {
        let url = if path.is_empty() { self.base.clone() } else { self.url(path) };
        json!({ "kind": kind, "metadata": { "self": url, "next": null }, "data": data })
    }
}
