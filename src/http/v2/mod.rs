//! The Confluent REST Proxy API v2: topics, produce and consumers.

use axum::Router;

use super::Rest;

pub fn router() -> Router<Rest> {
    Router::new()
}
