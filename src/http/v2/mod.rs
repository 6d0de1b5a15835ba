//! The Confluent REST Proxy API v2: topics, produce and consumers.

use axum::routing::get;
use axum::Router;

use super::Rest;

pub mod consumers;
pub mod produce;
pub mod topics;

/// The media type of every v2 answer.
pub const V2_JSON: &str = "application/vnd.kafka.v2+json";

pub fn router() -> Router<Rest> {
    Router::new()
        .route("/topics", get(topics::list))
        .route("/topics/{topic}", get(topics::get).post(produce::to_topic))
        .route("/topics/{topic}/partitions", get(topics::partitions_of))
        .route("/topics/{topic}/partitions/{partition}", get(topics::partition).post(produce::to_partition))
        .merge(consumers::router())
}
