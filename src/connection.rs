//! One client connection: size-prefixed frames in, responses out, in order.
//!
//! Kafka answers the requests of a connection in the order they arrive; clients
//! pipeline (send several before reading) and rely on that order. Here one task
//! reads a frame, hands it to `api::handle`, and writes what comes back, and only
//! flushes the socket when no further request is already buffered, so pipelined
//! requests share a write. A long-polling Fetch holds back later requests of the
//! same connection, as in Kafka, and never those of any other connection.
//!
//! A size prefix that is negative, too small, or larger than the connection's
//! session allows (`max_request_bytes`; less before SASL authentication, see
//! `api::session`) closes the connection before anything is allocated for it; a
//! connection that sends nothing for `connections_max_idle_ms` is closed, as in
//! Kafka. Memory per connection stays bounded: one request is read, answered and
//! written before the next is read, so a client that pipelines faster than it
//! reads is held back by TCP, not buffered.
//!
//! The stream is a TcpStream or, on a TLS listener, a rustls stream over one; the
//! handshake gets `TLS_HANDSHAKE_TIMEOUT`, and a client that speaks plaintext to
//! it fails the handshake at its first bytes and is closed. This module knows
//! frames, not APIs: what a frame means, SASL tokens included, is `api`'s business.
//!
//! A client over a quota is throttled as Kafka 2.0+ throttles it (KIP-219):
//! `api` says for how long, the response goes out at once carrying that
//! throttle time, and the connection then reads nothing from the client until
//! it has passed (the channel is muted; an acks=0 Produce, which has no
//! response, mutes it too), whatever the request's version, as in Kafka 2.0+.
//! A broker shutdown ends the wait at once; a mute as long as
//! `connections_max_idle_ms` closes the connection when that has passed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;
use tracing::Instrument;

use crate::api::session::{Sasl, Session};
use crate::api::{self, Outcome};
use crate::broker::Broker;

const BUFFER_BYTES: usize = 64 * 1024;
/// A client that has not finished the TLS handshake by then is closed.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Time to send a last response (and TLS close_notify) before closing.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
enum FrameError {
    #[error("invalid request size {0}")]
    BadSize(i32),
    #[error("request of {size} bytes is over the limit of {max}")]
    TooLarge { size: i32, max: u32 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Serves one accepted connection to its end. `tls` is the listener's acceptor
/// when it speaks TLS, `sasl` its SASL when it requires authentication.
pub async fn serve(
    stream: TcpStream,
    peer: SocketAddr,
    broker: Arc<Broker>,
    tls: Option<TlsAcceptor>,
    sasl: Option<Arc<Sasl>>,
) {
    use tracing::field::Empty;
    let span = tracing::info_span!("connection", %peer, client_id = Empty, user = Empty);
    async move {
        tracing::info!("connection opened");
        crate::metrics::connection_opened();
        let _ = stream.set_nodelay(true);
        let session = Session::new(peer, sasl);
        let reason = match tls {
            None => run(stream, session, &broker).await,
            Some(acceptor) => match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream)).await {
                Ok(Ok(stream)) => run(stream, session, &broker).await,
                Ok(Err(e)) => format!("TLS handshake failed: {e}"),
                Err(_) => "TLS handshake timed out".into(),
            },
        };
        crate::metrics::connection_closed();
        tracing::info!(reason, "connection closed");
    }
    .instrument(span)
    .await
}

/// Serves requests until the peer leaves, an error closes the connection, or the
/// broker shuts down; returns why it stopped.
async fn run<S: AsyncRead + AsyncWrite + Unpin>(stream: S, mut session: Session, broker: &Broker) -> String {
    // Requests are read and answered in turn, never both at once, so one buffered
    // stream does both: BufReader passes writes through to the BufWriter inside.
    let mut io = BufReader::with_capacity(BUFFER_BYTES, BufWriter::with_capacity(BUFFER_BYTES, stream));
    let mut shutdown = broker.shutdown.clone();
    let mut client_id_recorded = false;
    loop {
        if *shutdown.borrow() {
            return "broker shutting down".into();
        }
        let idle = Duration::from_millis(broker.config.connections_max_idle_ms);
        let (min, max) = session.frame_bounds(broker.config.max_request_bytes);
        let limits = FrameLimits { min, max };
        let frame = tokio::select! {
            frame = tokio::time::timeout(idle, read_frame(&mut io, limits)) => match frame {
                Ok(frame) => frame,
                Err(_) => {
                    tracing::info!("closing idle connection");
                    return "idle for connections_max_idle_ms".into();
                }
            },
            _ = shutdown.changed() => return "broker shutting down".into(),
        };
        let frame = match frame {
            Ok(Some(frame)) => frame,
            Ok(None) => return "peer closed".into(),
            Err(e) => {
                tracing::warn!(error = %e, "closing connection");
                return e.to_string();
            }
        };
        let was_authenticated = session.is_authenticated();
        let (outcome, info) = api::handle(broker, &mut session, frame).await;
        let throttle = info.as_ref().map(|i| i.throttle).unwrap_or_default();
        if let (false, Some(client_id)) = (client_id_recorded, info.as_ref().and_then(|i| i.client_id.as_deref())) {
            tracing::Span::current().record("client_id", client_id);
            client_id_recorded = true;
        }
        if let (false, Some(user)) = (was_authenticated, session.user.as_deref()) {
            tracing::Span::current().record("user", user);
            tracing::info!("authenticated");
        }
        match outcome {
            Outcome::Respond(response) => {
                if let Err(e) = io.write_all(&response).await {
                    return format!("write failed: {e}");
                }
            }
            Outcome::RespondInParts(response) => {
                // A part larger than the write buffer bypasses it: the record bytes
                // the log read go to the socket as they are, not copied again.
                for part in response.parts() {
                    if let Err(e) = io.write_all(part).await {
                        return format!("write failed: {e}");
                    }
                }
            }
            Outcome::NoResponse => {}
            Outcome::Close(reason) => {
                let (key, version) = info.map_or((-1, -1), |i| (i.api_key, i.api_version));
                tracing::warn!(api_key = key, api_version = version, %reason, "closing connection");
                close(&mut io, None).await;
                return reason;
            }
            Outcome::RespondThenClose(response, reason) => {
                close(&mut io, Some(&response)).await;
                return reason;
            }
        }
        // A throttled client gets its response before the mute, not after it.
        if io.buffer().is_empty() || throttle.ms > 0 {
            if let Err(e) = io.flush().await {
                return format!("write failed: {e}");
            }
        }
        if throttle.ms > 0 {
            if let Err(reason) = muted(throttle.duration(), idle, &mut shutdown).await {
                return reason.into();
            }
        }
    }
}

/// Waits out a throttle, reading nothing. A mute counts as idle time, as
/// KIP-219 keeps `connections.max.idle.ms` during it: one at least `idle`
/// long closes the connection when `idle` has passed, so that a throttled
/// client that gave up and reconnected leaves no muted connection holding its
/// slot for the rest of a long throttle. `Err` says why the connection ends.
async fn muted(
    throttle: Duration,
    idle: Duration,
    shutdown: &mut tokio::sync::watch::Receiver<bool>,
) -> Result<(), &'static str> {
    tokio::select! {
        _ = tokio::time::sleep(throttle.min(idle)) => {
            if throttle >= idle {
                tracing::info!("closing idle connection");
                Err("idle for connections_max_idle_ms")
            } else {
                Ok(())
            }
        }
        _ = shutdown.changed() => Err("broker shutting down"),
    }
}

/// Sends what is buffered and `last`, then shuts the write side (TLS: close_notify).
async fn close<W: AsyncWrite + Unpin>(io: &mut W, last: Option<&[u8]>) {
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, async {
        if let Some(last) = last {
            io.write_all(last).await?;
        }
        io.flush().await?;
        io.shutdown().await
    })
    .await;
}

#[derive(Clone, Copy)]
struct FrameLimits {
    min: i32,
    max: u32,
}

/// Reads one frame's body; `None` on a clean end of stream between frames.
async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R, limits: FrameLimits) -> Result<Option<Bytes>, FrameError> {
    let size = match reader.read_i32().await {
        Ok(size) => size,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    if size < limits.min {
        return Err(FrameError::BadSize(size));
    }
    if size as u32 > limits.max {
        return Err(FrameError::TooLarge { size, max: limits.max });
    }
    let mut frame = BytesMut::zeroed(size as usize);
    reader.read_exact(&mut frame).await?;
    Ok(Some(frame.freeze()))
}
