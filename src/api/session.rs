//! What one connection remembers between its requests: who the peer is and how
//! far it has come with SASL.
//!
//! This is protocol state, so it lives beside the handlers that read and change
//! it (`sasl_handshake`, `sasl_authenticate`, the dispatch's "authenticated yet?"
//! check); the connection only holds it and asks it how large the next frame may
//! be. On a listener without SASL a session starts authenticated. With SASL it
//! starts awaiting a SaslHandshake, as Kafka's SaslServerAuthenticator does, and
//! until authentication a frame may be at most `SASL_MAX_RECEIVE_BYTES` (Kafka's
//! `sasl.server.max.receive.size`), so an anonymous peer cannot make the broker
//! allocate `max_request_bytes`.

use std::net::SocketAddr;
use std::sync::Arc;

use crate::sasl::{Exchange, Mechanism, Users};

/// Largest frame before authentication (Kafka's `sasl.server.max.receive.size` default).
pub const SASL_MAX_RECEIVE_BYTES: u32 = 524_288;

/// Smallest request frame: api key, api version and correlation id.
const MIN_REQUEST_BYTES: i32 = 8;

/// A listener's SASL, built once at startup.
pub struct Sasl {
    /// In the order configured: SaslHandshake lists them so.
    pub mechanisms: Vec<Mechanism>,
    /// Shared with `Broker::scram`, which changes their SCRAM credentials live.
    pub users: Arc<Users>,
}

/// Where a connection stands with SASL.
pub enum Auth {
    /// SASL is off on this listener, or the client has authenticated.
    Authenticated,
    /// No SaslHandshake yet: only ApiVersions and SaslHandshake are served.
    AwaitingHandshake,
    /// After SaslHandshake v1: tokens come in SaslAuthenticate requests.
    Framed(Exchange),
    /// After SaslHandshake v0: tokens come as bare size-prefixed frames.
    Unframed(Exchange),
}

/// One connection's state that requests read and change.
pub struct Session {
    pub peer: SocketAddr,
    /// The listener's SASL; `None` on a listener without it.
    pub sasl: Option<Arc<Sasl>>,
    pub auth: Auth,
    /// The authenticated SASL user, once there is one.
    pub user: Option<String>,
}

impl Session {
    pub fn new(peer: SocketAddr, sasl: Option<Arc<Sasl>>) -> Session {
        let auth = if sasl.is_some() { Auth::AwaitingHandshake } else { Auth::Authenticated };
        Session { peer, sasl, auth, user: None }
    }

    pub fn is_authenticated(&self) -> bool {
        matches!(self.auth, Auth::Authenticated)
    }

    /// The next frame is a bare SASL token, not a Kafka request (after SaslHandshake v0).
    pub fn expects_bare_token(&self) -> bool {
        matches!(self.auth, Auth::Unframed(_))
    }

    /// The smallest and largest size prefix the connection accepts for the next
    /// frame; anything outside closes the connection.
    pub fn frame_bounds(&self, max_request_bytes: u32) -> (i32, u32) {
        if self.is_authenticated() {
            (MIN_REQUEST_BYTES, max_request_bytes)
        } else {
            // A bare SASL token may be shorter than a request header, even empty.
            let min = if self.expects_bare_token() { 0 } else { MIN_REQUEST_BYTES };
            (min, max_request_bytes.min(SASL_MAX_RECEIVE_BYTES))
        }
    }
}
