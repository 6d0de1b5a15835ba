//! SaslAuthenticate (key 36), v0-v2: one SASL token each way (KIP-152), and the
//! unframed tokens that follow a SaslHandshake v0.
//!
//! Each client token goes to the connection's `sasl::Exchange`; the server's
//! answer goes back in `auth_bytes`. When the exchange completes the connection
//! is authenticated and every API is served. Any failure, a wrong password or a
//! malformed token, is SASL_AUTHENTICATION_FAILED (Kafka's message in
//! `error_message`), then the connection closes; in the unframed flow Kafka has
//! no way to say why and just closes. Failures are counted in
//! `strand_sasl_authentication_failures_total{mechanism}` and logged with the
//! client's address, at most one line a second, so a password-guessing client
//! cannot flood the log. `session_lifetime_ms` is 0: sessions do not expire and
//! re-authentication (KIP-368) is not offered.
//!
//! A SaslAuthenticate before SaslHandshake closes the connection (Kafka:
//! IllegalSaslStateException); after authentication, or on a listener without
//! SASL, it is ILLEGAL_SASL_STATE, as Kafka's request handler answers.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use bytes::{BufMut, Bytes, BytesMut};
use kafka_protocol::messages::{SaslAuthenticateRequest, SaslAuthenticateResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::session::{Auth, Sasl, Session};
use super::{Error, Outcome, SaslReply};
use crate::sasl::{AuthError, Exchange, Step};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <SaslAuthenticateRequest as Message>::VERSIONS;

pub fn handle(
    session: &mut Session,
    _version: i16,
    request: SaslAuthenticateRequest,
) -> SaslReply<SaslAuthenticateResponse> {
    let (sasl, peer) = (session.sasl.clone(), session.peer);
    let exchange = match &mut session.auth {
        Auth::Framed(exchange) => exchange,
        Auth::Authenticated if sasl.is_none() => {
            return SaslReply::Respond(refused(Error::IllegalSaslState(
                "SaslAuthenticate request received on a listener without SASL",
            )))
        }
        Auth::Authenticated => {
            return SaslReply::Respond(refused(Error::IllegalSaslState(
                "SaslAuthenticate request received after successful authentication",
            )))
        }
        Auth::AwaitingHandshake | Auth::Unframed(_) => {
            return SaslReply::Close("SaslAuthenticate before SaslHandshake".into())
        }
    };
    match step(exchange, &request.auth_bytes, sasl.as_deref(), peer) {
        Ok((token, user)) => {
            if let Some(user) = user {
                session.auth = Auth::Authenticated;
                session.user = Some(user);
            }
            SaslReply::Respond(SaslAuthenticateResponse::default().with_auth_bytes(Bytes::from(token)))
        }
        Err((error, reason)) => SaslReply::RespondThenClose(refused(error.into()), reason),
    }
}

/// A bare token after SaslHandshake v0: the answer goes back as a bare
/// size-prefixed token too (empty when PLAIN succeeds, as Kafka sends it).
pub fn unframed(session: &mut Session, token: &[u8]) -> Outcome {
    let (sasl, peer) = (session.sasl.clone(), session.peer);
    let Auth::Unframed(exchange) = &mut session.auth else {
        return Outcome::Close("unframed SASL token outside the SaslHandshake v0 flow".into());
    };
    match step(exchange, token, sasl.as_deref(), peer) {
        Ok((token, user)) => {
            if let Some(user) = user {
                session.auth = Auth::Authenticated;
                session.user = Some(user);
            }
            let mut frame = BytesMut::with_capacity(4 + token.len());
            frame.put_u32(token.len() as u32);
            frame.put_slice(&token);
            Outcome::Respond(frame)
        }
        // Nothing to send, then close: `failed` has logged it, rate-limited, so
        // the connection's own close warning is not wanted for every guess.
        Err((_, reason)) => Outcome::RespondThenClose(BytesMut::new(), reason),
    }
}

/// Runs one step; on failure counts and logs it. `Ok` holds the server's token
/// and, when the exchange completed, the user.
fn step(
    exchange: &mut Exchange,
    token: &[u8],
    sasl: Option<&Sasl>,
    peer: SocketAddr,
) -> Result<(Vec<u8>, Option<String>), (AuthError, String)> {
    let users = match sasl {
        Some(sasl) => &sasl.users,
        None => return Err((AuthError::AlreadyComplete, "no SASL on this listener".into())),
    };
    let mechanism = exchange.mechanism().name();
    match exchange.step(token, users) {
        Ok(Step::Challenge(token)) => Ok((token, None)),
        Ok(Step::Complete { token, user }) => Ok((token, Some(user))),
        Err(error) => {
            let reason = format!("SASL {mechanism} authentication failed: {error}");
            failed(peer, mechanism, &reason);
            Err((error, reason))
        }
    }
}

fn refused(error: Error) -> SaslAuthenticateResponse {
    SaslAuthenticateResponse::default()
        .with_error_code(error.code())
        .with_error_message(Some(StrBytes::from_string(error.to_string())))
}

/// Counts a failed authentication and logs it, at most once a second for the
/// whole process; the line says how many were not logged since the last one.
pub(crate) fn failed(peer: SocketAddr, mechanism: &'static str, reason: &str) {
    static START: OnceLock<Instant> = OnceLock::new();
    static LAST_LOGGED: AtomicU64 = AtomicU64::new(0);
    static SUPPRESSED: AtomicU64 = AtomicU64::new(0);
    crate::metrics::sasl_authentication_failed(mechanism);
    // Seconds since the first failure, from 1, so 0 means "never logged".
    let now = START.get_or_init(Instant::now).elapsed().as_secs() + 1;
    let last = LAST_LOGGED.load(Ordering::Relaxed);
    if now > last && LAST_LOGGED.compare_exchange(last, now, Ordering::Relaxed, Ordering::Relaxed).is_ok() {
        let suppressed = SUPPRESSED.swap(0, Ordering::Relaxed);
        tracing::warn!(%peer, mechanism, suppressed, "{reason}");
    } else {
        SUPPRESSED.fetch_add(1, Ordering::Relaxed);
    }
}
