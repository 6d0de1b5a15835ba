//! The Confluent REST Proxy API v2: topics, produce and consumers.

use axum::Router;

use super::Rest;

pub mod consumers;

pub fn router() -> Router<Rest> {
    Router::new().merge(consumers::router())
}
