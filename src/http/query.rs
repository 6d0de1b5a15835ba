//! strand's own `/strand/v1`: record query and topic stats.

use axum::Router;

use super::Rest;

pub fn router() -> Router<Rest> {
    Router::new()
}
