//! One client connection: size-prefixed frames in, responses out, in order.
//!
//! Kafka answers the requests of a connection in the order they arrive; clients
//! pipeline (send several before reading) and rely on that order. Here one task
//! reads a frame, runs it, and writes its response, and only flushes the socket
//! when no further request is already buffered, so pipelined requests share a
//! write. A long-polling Fetch holds back later requests of the same connection,
//! as in Kafka, and never those of any other connection.
//!
//! A size prefix that is negative, too small for a header, or larger than
//! `max_request_bytes` closes the connection before anything is allocated for it;
//! a connection that sends nothing for `connections_max_idle_ms` is closed, as in
//! Kafka. Memory per connection stays bounded: one request is read, answered and
//! written before the next is read, so a client that pipelines faster than it
//! reads is held back by TCP, not buffered.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::TcpStream;
use tracing::Instrument;

use crate::api::{self, Outcome};
use crate::broker::Broker;

const BUFFER_BYTES: usize = 64 * 1024;

#[derive(Debug, thiserror::Error)]
enum FrameError {
    #[error("invalid request size {0}")]
    BadSize(i32),
    #[error("request of {size} bytes is over max_request_bytes {max}")]
    TooLarge { size: i32, max: u32 },
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub async fn serve(stream: TcpStream, peer: SocketAddr, broker: Arc<Broker>) {
    let span = tracing::info_span!("connection", %peer, client_id = tracing::field::Empty);
    async move {
        tracing::info!("connection opened");
        crate::metrics::connection_opened();
        let reason = run(stream, peer, &broker).await;
        crate::metrics::connection_closed();
        tracing::info!(reason, "connection closed");
    }
    .instrument(span)
    .await
}

/// Serves requests until the peer leaves, an error closes the connection, or the
/// broker shuts down; returns why it stopped.
async fn run(stream: TcpStream, peer: SocketAddr, broker: &Broker) -> String {
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let mut reader = BufReader::with_capacity(BUFFER_BYTES, read);
    let mut writer = BufWriter::with_capacity(BUFFER_BYTES, write);
    let mut shutdown = broker.shutdown.clone();
    let mut client_id_recorded = false;
    loop {
        if *shutdown.borrow() {
            return "broker shutting down".into();
        }
        let idle = Duration::from_millis(broker.config.connections_max_idle_ms);
        let frame = tokio::select! {
            frame = tokio::time::timeout(idle, read_frame(&mut reader, broker.config.max_request_bytes)) => match frame {
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
        let (outcome, info) = api::handle(broker, peer, frame).await;
        if let (false, Some(client_id)) = (client_id_recorded, info.as_ref().and_then(|i| i.client_id.as_deref())) {
            tracing::Span::current().record("client_id", client_id);
            client_id_recorded = true;
        }
        match outcome {
            Outcome::Respond(response) => {
                if let Err(e) = writer.write_all(&response).await {
                    return format!("write failed: {e}");
                }
            }
            Outcome::NoResponse => {}
            Outcome::Close(reason) => {
                let (key, version) = info.map_or((-1, -1), |i| (i.api_key, i.api_version));
                tracing::warn!(api_key = key, api_version = version, %reason, "closing connection");
                let _ = writer.flush().await;
                return reason;
            }
        }
        if reader.buffer().is_empty() {
            if let Err(e) = writer.flush().await {
                return format!("write failed: {e}");
            }
        }
    }
}

/// Reads one frame's body; `None` on a clean end of stream between frames.
async fn read_frame(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, max: u32) -> Result<Option<Bytes>, FrameError> {
    let size = match reader.read_i32().await {
        Ok(size) => size,
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    // api key, api version and correlation id at the least.
    if size < 8 {
        return Err(FrameError::BadSize(size));
    }
    if size as u32 > max {
        return Err(FrameError::TooLarge { size, max });
    }
    let mut frame = BytesMut::zeroed(size as usize);
    reader.read_exact(&mut frame).await?;
    Ok(Some(frame.freeze()))
}
