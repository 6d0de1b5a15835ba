//! The Confluent REST Proxy API v3: clusters, topics, partitions, consumer groups
//! and records produce.

use axum::Router;

use super::Rest;

pub fn router() -> Router<Rest> {
    Router::new()
}
