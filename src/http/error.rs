//! The one map from what went wrong in an HTTP request to what the client sees:
//! an HTTP status and the REST Proxy's JSON error body,
//! `{"error_code": 40401, "message": "Topic not found."}`.
//!
//! The error codes are the Confluent REST Proxy's (its `Errors` class): the HTTP
//! status times 100 plus a number for the specific case, or the bare HTTP
//! status for the generic ones (a wrong content type is `415`, an unparsable
//! body `422`), which is what its clients and Redpanda's HTTP Proxy match on.
//! Handlers return `Error`; they never pick a status or a code themselves.
//! What axum answers on its own before a handler runs (a path segment that is
//! not UTF-8, a query string or path parameter that does not deserialize) is
//! plain text; `json_errors` passes those through this map too, so a client
//! parses every error the same way.

use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// How much of a plain-text rejection's body becomes the JSON error's message.
const REJECTION_TEXT_LIMIT: usize = 4096;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("Topic not found.")]
    TopicNotFound,
    #[error("Partition not found.")]
    PartitionNotFound,
    #[error("Consumer instance not found.")]
    ConsumerInstanceNotFound,
    #[error("Consumer group not found.")]
    GroupNotFound,
    #[error("Cluster {0} not found.")]
    ClusterNotFound(String),
    #[error("HTTP 404 Not Found")]
    NotFound,
    #[error("HTTP 405 Method Not Allowed")]
    MethodNotAllowed,
    /// The consumer's format (binary, json) does not match the Accept header.
    #[error("The requested embedded data format does not match the deserializer for this consumer instance")]
    ConsumerFormatMismatch,
    #[error("Consumer with specified consumer ID already exists in the specified consumer group.")]
    ConsumerAlreadyExists,
    #[error("{0}")]
    Conflict(String),
    #[error("Unsupported Media Type: {0}")]
    UnsupportedMediaType(String),
    #[error("Request body is larger than the broker's http_max_body_bytes")]
    BodyTooLarge,
    /// A body (or query string) that does not parse, or parses to something invalid.
    #[error("{0}")]
    Unprocessable(String),
    #[error("{0}")]
    InvalidConsumerConfig(String),
    /// A record larger than the topic's `max.message.bytes`.
    #[error("{0}")]
    RecordTooLarge(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("Unauthorized")]
    Unauthorized,
    #[error("{0}")]
    TooManyRequests(String),
    /// A Kafka error the client may retry (the REST Proxy's KAFKA_RETRIABLE_ERROR).
    #[error("{0}")]
    KafkaRetriable(String),
    /// Any other Kafka error (the REST Proxy's KAFKA_ERROR).
    #[error("{0}")]
    Kafka(String),
    #[error("Internal Server Error: {0}")]
    Internal(String),
    /// An HTTP status none of the above stands for, with the bare status as
    /// its code (the REST Proxy's generic errors).
    #[error("{message}")]
    Status { status: StatusCode, message: String },
}

impl Error {
    /// (HTTP status, REST Proxy error code).
    pub fn status_and_code(&self) -> (StatusCode, u32) {
        match self {
            Error::TopicNotFound => (StatusCode::NOT_FOUND, 40401),
            Error::PartitionNotFound => (StatusCode::NOT_FOUND, 40402),
            Error::ConsumerInstanceNotFound => (StatusCode::NOT_FOUND, 40403),
            Error::GroupNotFound | Error::ClusterNotFound(_) | Error::NotFound => (StatusCode::NOT_FOUND, 404),
            Error::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, 405),
            Error::ConsumerFormatMismatch => (StatusCode::NOT_ACCEPTABLE, 40601),
            Error::ConsumerAlreadyExists => (StatusCode::CONFLICT, 40902),
            Error::Conflict(_) => (StatusCode::CONFLICT, 409),
            Error::UnsupportedMediaType(_) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, 415),
            Error::BodyTooLarge => (StatusCode::PAYLOAD_TOO_LARGE, 413),
            Error::Unprocessable(_) => (StatusCode::UNPROCESSABLE_ENTITY, 422),
            Error::InvalidConsumerConfig(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42204),
            Error::RecordTooLarge(_) => (StatusCode::UNPROCESSABLE_ENTITY, 42206),
            Error::BadRequest(_) => (StatusCode::BAD_REQUEST, 400),
            Error::Unauthorized => (StatusCode::UNAUTHORIZED, 401),
            Error::TooManyRequests(_) => (StatusCode::TOO_MANY_REQUESTS, 429),
            Error::KafkaRetriable(_) => (StatusCode::INTERNAL_SERVER_ERROR, 50003),
            Error::Kafka(_) => (StatusCode::INTERNAL_SERVER_ERROR, 50002),
            Error::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, 500),
            Error::Status { status, .. } => (*status, u32::from(status.as_u16())),
        }
    }

    /// The error for an answer that has only a status and a text, as axum's
    /// own rejections do.
    pub fn from_status(status: StatusCode, text: String) -> Error {
        match status {
            StatusCode::BAD_REQUEST => Error::BadRequest(text),
            StatusCode::UNAUTHORIZED => Error::Unauthorized,
            StatusCode::NOT_FOUND => Error::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => Error::BodyTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => Error::UnsupportedMediaType(text),
            StatusCode::UNPROCESSABLE_ENTITY => Error::Unprocessable(text),
            StatusCode::TOO_MANY_REQUESTS => Error::TooManyRequests(text),
            StatusCode::INTERNAL_SERVER_ERROR => Error::Internal(text),
            status => Error::Status { status, message: text },
        }
    }
}

/// Middleware: an error answer that is not JSON (axum's plain-text
/// rejections) is answered as `Error::from_status` of its status and text.
pub async fn json_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let is_json = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json") || v.contains("+json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let body = axum::body::to_bytes(response.into_body(), REJECTION_TEXT_LIMIT).await.unwrap_or_default();
    let text = String::from_utf8_lossy(&body).trim().to_owned();
    let text = if text.is_empty() { status.canonical_reason().unwrap_or("").to_owned() } else { text };
    Error::from_status(status, text).into_response()
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        if status.is_server_error() {
            tracing::warn!(status = status.as_u16(), error = %self, "HTTP request failed");
        }
        let body = serde_json::json!({ "error_code": code, "message": self.to_string() });
        let mut response = (status, axum::Json(body)).into_response();
        if matches!(self, Error::Unauthorized) {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"strand\", charset=\"UTF-8\""),
            );
        }
        response
    }
}
