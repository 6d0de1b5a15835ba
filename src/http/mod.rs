//! strand's HTTP side, on hyper and axum: the operators' endpoint (`ops`:
//! `/metrics`, `/health` on `metrics_listen`) and, on `http_listen`, the REST
//! API a program without a Kafka client uses:
//! - `v2`: the Confluent REST Proxy API v2 (topics, produce, consumers), as
//!   Redpanda's HTTP Proxy also serves it;
//! - `v3`: the REST Proxy API v3 (clusters, topics, partitions, consumer groups
//!   and lag, records produce);
//! - `query`: strand's own `/strand/v1` record query and topic stats;
//! - `openapi`: the OpenAPI document of all of it at `/openapi.json`.
//!
//! The REST listener speaks HTTPS with the Kafka listener's certificate when TLS
//! is configured, and asks for HTTP Basic auth with the SASL users when SASL is
//! (`auth`). Every error a client sees comes from `error::Error`, the one map to
//! HTTP statuses and the REST Proxy's error codes. Handlers reach the log and the
//! groups through the same `Broker` the Kafka listener serves, so records
//! produced here are Kafka record batches any Kafka client reads.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::response::IntoResponse;
use axum::Router;
use futures_util::FutureExt;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;

use crate::broker::Broker;
use crate::sasl::Users;

pub mod auth;
pub mod consumer;
pub mod error;
pub mod extract;
pub mod openapi;
pub mod ops;
pub mod produce;
pub mod query;
pub mod v2;
pub mod v3;

pub use error::Error as RestError;
pub use ops::Health;

/// A client that has not sent a request's headers by then is dropped.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// A TLS handshake that takes longer than this is dropped.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
}

/// What every REST handler shares.
#[derive(Clone)]
pub struct Rest {
    pub broker: Arc<Broker>,
    /// The REST Proxy v2 consumer instances (`consumer`).
    pub consumers: Arc<consumer::Consumers>,
}

impl Rest {
    /// The shared state for `broker`; starts the consumer instances' expiry task.
    pub fn new(broker: Arc<Broker>) -> Self {
        let consumers = consumer::Consumers::start(&broker);
        Rest { broker, consumers }
    }
}

/// The REST API's routes, behind Basic auth when `users` is given, under the
/// body limit, every error answered as JSON.
pub fn rest_router(rest: Rest, users: Option<Arc<Users>>) -> Router {
    let limit = usize::try_from(rest.broker.config.http_max_body_bytes).unwrap_or(usize::MAX);
    let router = Router::new()
        .merge(v2::router())
        .merge(v3::router())
        .merge(query::router())
        .merge(openapi::router())
        .fallback(|| async { RestError::NotFound })
        .method_not_allowed_fallback(|| async { RestError::MethodNotAllowed })
        .with_state(rest)
        .layer(DefaultBodyLimit::max(limit))
        .layer(axum::middleware::from_fn(error::json_errors));
    match users {
        Some(users) => router.layer(axum::middleware::from_fn_with_state(users, auth::basic)),
        None => router,
    }
}

/// Binds `listen` and serves `router` there in the background until `shutdown`
/// turns true (connections in progress finish their request); with `tls`, every
/// connection is TLS first. At most `max_connections` connections at once:
/// past that a new one is closed at once (the Kafka listener waits for a free
/// slot instead, as Kafka's does, KIP-402), so stalled clients cannot pile up
/// tasks and half-read bodies without bound. Returns the bound address.
pub async fn serve(
    listen: &str,
    router: Router,
    tls: Option<TlsAcceptor>,
    max_connections: usize,
    mut shutdown: watch::Receiver<bool>,
) -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(listen).await.map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    let slots = Arc::new(Semaphore::new(max_connections));
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => match slots.clone().try_acquire_owned() {
                        Ok(slot) => {
                            let served = connection(stream, peer, router.clone(), tls.clone());
                            tokio::spawn(async move {
                                served.await;
                                drop(slot);
                            });
                        }
                        Err(_) => tracing::warn!(%peer, %addr, max_connections, "refusing HTTP connection: max_connections reached"),
                    },
                    Err(e) => {
                        // Usually out of file descriptors: back off instead of spinning.
                        tracing::warn!(error = %e, %addr, "HTTP accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                },
                _ = shutdown.changed() => return,
            }
        }
    });
    Ok(addr)
}

/// One HTTP/1.1 connection, keep-alive included.
async fn connection(stream: tokio::net::TcpStream, peer: SocketAddr, router: Router, tls: Option<TlsAcceptor>) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => serve_connection(TokioIo::new(stream), peer, router).await,
        Some(acceptor) => match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
            Ok(Ok(stream)) => serve_connection(TokioIo::new(stream), peer, router).await,
            Ok(Err(e)) => tracing::debug!(%peer, error = %e, "HTTPS handshake failed"),
            Err(_) => tracing::debug!(%peer, "HTTPS handshake timed out"),
        },
    }
}

/// The text a panic was raised with, when it is text.
fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic.downcast_ref::<&str>().copied().or_else(|| panic.downcast_ref::<String>().map(String::as_str)).unwrap_or("")
}

async fn serve_connection<I>(io: I, peer: SocketAddr, router: Router)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        let answer = router.clone().oneshot(request.map(axum::body::Body::new));
        // A handler that panics answers 500 (the REST Proxy's internal error)
        // and the connection lives on, instead of the client seeing a reset.
        async move {
            match AssertUnwindSafe(answer).catch_unwind().await {
                Ok(answered) => answered,
                Err(panic) => {
                    tracing::error!(%peer, panic = panic_message(panic.as_ref()), "HTTP handler panicked");
                    Ok::<_, Infallible>(RestError::Internal("the request's handler failed".into()).into_response())
                }
            }
        }
    });
    let served = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(HEADER_READ_TIMEOUT)
        .serve_connection(io, service)
        .await;
    if let Err(e) = served {
        tracing::debug!(%peer, error = %e, "HTTP connection ended with an error");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    async fn boom() -> &'static str {
        panic!("a handler bug")
    }

    #[tokio::test]
    async fn past_max_connections_a_new_connection_is_closed_and_a_freed_slot_serves_again() {
        let router = Router::new().route("/ok", get(|| async { "fine" }));
        let (_running, stop) = watch::channel(false);
        let addr = serve("127.0.0.1:0", router, None, 1, stop).await.expect("bind on loopback");
        const WITHIN: Duration = Duration::from_secs(10);
        // The one slot: a connection that has sent nothing yet.
        let holder = tokio::net::TcpStream::connect(addr).await.expect("connect");
        tokio::time::sleep(Duration::from_millis(200)).await;
        let mut refused = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let _ = refused.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\n\r\n").await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(WITHIN, refused.read_to_end(&mut answer)).await.expect("closed within 10 s");
        assert!(answer.is_empty(), "a connection past the limit was served: {}", String::from_utf8_lossy(&answer));
        drop(holder);
        // The slot comes back once the holder's connection has ended.
        let served = tokio::time::timeout(WITHIN, async {
            loop {
                let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
                let _ = stream.write_all(b"GET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n").await;
                let mut answer = Vec::new();
                let _ = stream.read_to_end(&mut answer).await;
                if !answer.is_empty() {
                    return String::from_utf8_lossy(&answer).into_owned();
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
        .await
        .expect("served again within 10 s");
        assert!(served.starts_with("HTTP/1.1 200") && served.ends_with("fine"), "{served}");
    }

    #[tokio::test]
    async fn axum_rejections_are_answered_as_rest_errors() {
        use axum::extract::Path;
        let router = Router::new()
            .route("/n/{n}", get(|Path(n): Path<u32>| async move { n.to_string() }))
            .layer(axum::middleware::from_fn(error::json_errors));
        let answer = |uri: &'static str| {
            let router = router.clone();
            async move {
                let response = router
                    .oneshot(hyper::Request::get(uri).body(axum::body::Body::empty()).expect("request"))
                    .await
                    .expect("infallible");
                let status = response.status();
                let content_type =
                    response.headers().get("content-type").map(|v| v.to_str().expect("ascii").to_owned());
                let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.expect("body");
                (status, content_type, String::from_utf8(body.to_vec()).expect("utf-8"))
            }
        };
        let (status, content_type, body) = answer("/n/abc").await;
        assert_eq!(status, 400);
        assert_eq!(content_type.as_deref(), Some("application/json"));
        let body: serde_json::Value = serde_json::from_str(&body).expect("JSON");
        assert_eq!(body["error_code"], 400);
        assert!(body["message"].as_str().expect("message").contains("abc"), "{body}");
        let (status, _, body) = answer("/n/%ff").await;
        assert_eq!(status, 400);
        assert!(body.contains(r#""error_code":400"#), "{body}");
        // Answers that are not errors pass untouched.
        assert_eq!(
            answer("/n/7").await,
            (axum::http::StatusCode::OK, Some("text/plain; charset=utf-8".into()), "7".into())
        );
    }

    #[tokio::test]
    async fn a_panicking_handler_answers_500_and_the_connection_serves_on() {
        let router = Router::new().route("/panic", get(boom)).route("/ok", get(|| async { "fine" }));
        let (_running, stop) = watch::channel(false);
        let addr = serve("127.0.0.1:0", router, None, 8, stop).await.expect("bind on loopback");
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        // Two requests on one connection: the second is answered after the first panicked.
        stream
            .write_all(
                b"GET /panic HTTP/1.1\r\nHost: t\r\n\r\nGET /ok HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n",
            )
            .await
            .expect("write");
        let mut answer = Vec::new();
        tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut answer))
            .await
            .expect("answered within 10 s")
            .expect("read");
        let answer = String::from_utf8_lossy(&answer);
        let first = answer.find("HTTP/1.1 500").expect("the panic answered 500");
        let second = answer.find("HTTP/1.1 200").expect("the next request answered 200");
        assert!(first < second, "{answer}");
        assert!(answer.contains(r#""error_code":500"#), "{answer}");
        assert!(answer.ends_with("fine"), "{answer}");
    }
}
