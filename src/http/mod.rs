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

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::DefaultBodyLimit;
use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::TcpListener;
use tokio::sync::watch;
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
/// body limit.
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
        .layer(DefaultBodyLimit::max(limit));
    match users {
        Some(users) => router.layer(axum::middleware::from_fn_with_state(users, auth::basic)),
        None => router,
    }
}

/// Binds `listen` and serves `router` there in the background until `shutdown`
/// turns true (connections in progress finish their request); with `tls`, every
/// connection is TLS first. Returns the bound address.
pub async fn serve(
    listen: &str,
    router: Router,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(listen).await.map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    tokio::spawn(async move {
        loop {
            tokio::select! {
                accepted = listener.accept() => match accepted {
                    Ok((stream, peer)) => {
                        tokio::spawn(connection(stream, peer, router.clone(), tls.clone()));
                    }
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

async fn serve_connection<I>(io: I, peer: SocketAddr, router: Router)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |request: hyper::Request<hyper::body::Incoming>| {
        router.clone().oneshot(request.map(axum::body::Body::new))
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
