//! The OpenAPI document of the REST listener at `/openapi.json`.

use axum::Router;

use super::Rest;

pub fn router() -> Router<Rest> {
    Router::new()
}
