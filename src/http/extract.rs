//! Request bodies as the REST handlers take them: the bytes under the body
//! limit, the media type, and JSON parsed into a handler's type, every failure
//! an `error::Error` (413, 415, 422) rather than axum's plain-text rejections.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::RestError;

/// The whole request body, at most `http_max_body_bytes`.
pub struct Body(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for Body {
    type Rejection = RestError;

    async fn from_request(request: Request, state: &S) -> Result<Self, RestError> {
        match Bytes::from_request(request, state).await {
            Ok(bytes) => Ok(Body(bytes)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(RestError::BodyTooLarge),
            Err(rejection) => Err(RestError::BadRequest(rejection.body_text())),
        }
    }
}

/// The request's media type, lowercased, without parameters (`; charset=...`);
/// empty when there is none.
pub fn media_type(headers: &HeaderMap) -> String {
    let value = headers.get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    value.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// 415 unless the request's media type is one of `accepted`.
pub fn require_media_type(headers: &HeaderMap, accepted: &[&str]) -> Result<String, RestError> {
    let media_type = media_type(headers);
    if accepted.contains(&media_type.as_str()) {
        Ok(media_type)
    } else {
        let given = if media_type.is_empty() { "none" } else { media_type.as_str() };
        Err(RestError::UnsupportedMediaType(format!("{given}; expected one of {}", accepted.join(", "))))
    }
}

/// `bytes` parsed as JSON into `T`, or 422 with the parser's reason.
pub fn json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, RestError> {
    serde_json::from_slice(bytes).map_err(|e| RestError::Unprocessable(format!("Invalid request body: {e}")))
}
