//! HTTP Basic auth (RFC 7617) for the REST listener when SASL is on: the same
//! users, checked as SASL/PLAIN checks them. A request without valid
//! credentials gets 401 with `WWW-Authenticate: Basic`, and counts as a failed
//! SASL authentication (mechanism `HTTP_BASIC`) in the metrics.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::header::AUTHORIZATION;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::RestError;
use crate::sasl::Users;

/// The label failed Basic auth attempts carry in `strand_sasl_authentication_failures_total`.
pub const MECHANISM: &str = "HTTP_BASIC";

pub async fn basic(State(users): State<Arc<Users>>, request: Request, next: Next) -> Response {
    let Some(header) = request.headers().get(AUTHORIZATION) else {
        // No credentials yet is how every browser and curl --anyauth starts, not a failure.
        return RestError::Unauthorized.into_response();
    };
    if authenticate(&users, header.as_bytes()) {
        next.run(request).await
    } else {
        crate::metrics::sasl_authentication_failed(MECHANISM);
        RestError::Unauthorized.into_response()
    }
}

/// Whether `Basic base64(user:password)` names a user with that password.
fn authenticate(users: &Users, header: &[u8]) -> bool {
    let Some(encoded) = header.strip_prefix(b"Basic ").or_else(|| header.strip_prefix(b"basic ")) else {
        return false;
    };
    let Ok(decoded) = STANDARD.decode(encoded.trim_ascii()) else { return false };
    // The user ends at the first colon (RFC 7617); the password may hold more.
    let Some(colon) = decoded.iter().position(|&b| b == b':') else { return false };
    let Ok(user) = std::str::from_utf8(&decoded[..colon]) else { return false };
    users.check_password(user, &decoded[colon + 1..])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sasl::Mechanism;

    #[test]
    fn basic_credentials_are_checked_like_plain() {
        let users = Users::from_passwords([("alice", "pw:with:colons")], &[Mechanism::Plain]).expect("users");
        let header = |s: &str| format!("Basic {}", STANDARD.encode(s)).into_bytes();
        assert!(authenticate(&users, &header("alice:pw:with:colons")));
        assert!(!authenticate(&users, &header("alice:wrong")));
        assert!(!authenticate(&users, &header("mallory:pw:with:colons")));
        assert!(!authenticate(&users, &header("alice")));
        assert!(!authenticate(&users, b"Bearer abc"));
        assert!(!authenticate(&users, b"Basic !!!"));
    }
}
