//! strand's own `/strand/v1`: record query and topic stats.

use axum::Router;

use super::Rest;

/// Records a page holds unless `limit` says otherwise.
pub const DEFAULT_LIMIT: u32 = 100;
/// The most records one page may hold.
pub const MAX_LIMIT: u32 = 1000;

pub fn router() -> Router<Rest> {
    Router::new()
}
