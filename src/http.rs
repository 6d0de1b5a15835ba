//! The operators' HTTP endpoint on `metrics_listen`: `GET /metrics` (Prometheus
//! text exposition format, from `metrics::Exporter`) and `GET /health` (200 once
//! the log is open and the listener accepts; 503 before that and while shutting
//! down, which is what `strand health` and a container's HEALTHCHECK probe).
//!
//! A deliberately tiny HTTP/1.x server: one request per connection, read with a
//! timeout, only the request line looked at, the connection closed after the
//! answer. Nothing here needs keep-alive, chunking or a request body.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::metrics::Exporter;

/// A client that has not sent its request line by then is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// Readiness as `/health` reports it.
#[derive(Default)]
pub struct Health {
    ready: AtomicBool,
}

impl Health {
    pub fn set_ready(&self, ready: bool) {
        self.ready.store(ready, Ordering::Release);
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: String, source: std::io::Error },
}

/// Binds the endpoint and serves it in the background; returns the bound address.
pub async fn serve(listen: &str, exporter: Arc<Exporter>, health: Arc<Health>) -> Result<SocketAddr, Error> {
    let listener = TcpListener::bind(listen).await.map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    let addr = listener.local_addr().map_err(|source| Error::Bind { addr: listen.to_owned(), source })?;
    tokio::spawn(async move {
        loop {
            match listener.accept().await {
                Ok((stream, _)) => {
                    tokio::spawn(answer(stream, exporter.clone(), health.clone()));
                }
                Err(e) => {
                    tracing::warn!(error = %e, "metrics accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(addr)
}

/// One HTTP exchange; the connection closes after the response.
async fn answer(mut stream: TcpStream, exporter: Arc<Exporter>, health: Arc<Health>) {
    let mut request = [0u8; 1024];
    let n = match tokio::time::timeout(REQUEST_TIMEOUT, stream.read(&mut request)).await {
        Ok(Ok(n)) => n,
        _ => return,
    };
    let line = String::from_utf8_lossy(&request[..n]);
    let path = line.split_whitespace().nth(1).unwrap_or("");
    let (status, content_type, body) = match path {
        "/metrics" => ("200 OK", "text/plain; version=0.0.4", exporter.render()),
        "/health" if health.is_ready() => ("200 OK", "text/plain", "ok\n".to_owned()),
        "/health" => ("503 Service Unavailable", "text/plain", "not ready\n".to_owned()),
        _ => ("404 Not Found", "text/plain", "try /metrics or /health\n".to_owned()),
    };
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}
