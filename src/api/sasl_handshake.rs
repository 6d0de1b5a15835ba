//! SaslHandshake (key 17), v0-v1: the client names a SASL mechanism.
//!
//! On a SASL listener, before authentication: an enabled mechanism is accepted
//! and the exchange starts. After v1 its tokens come in SaslAuthenticate
//! requests; after v0 (the legacy flow some librdkafka builds still use) they
//! come as bare size-prefixed frames with no Kafka header (KIP-152). An unknown
//! or disabled mechanism is UNSUPPORTED_SASL_MECHANISM with the enabled list, and
//! the connection closes, as Kafka's SaslServerAuthenticator does. A second
//! handshake in the middle of an exchange closes the connection.
//!
//! On a listener without SASL, or after authentication, Kafka's request handler
//! answers ILLEGAL_SASL_STATE and keeps the connection; so does this one.
//! Re-authentication (KIP-368) is not offered.

use kafka_protocol::messages::{SaslHandshakeRequest, SaslHandshakeResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::session::{Auth, Session};
use super::{Error, SaslReply};
use crate::sasl::{Exchange, Mechanism};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <SaslHandshakeRequest as Message>::VERSIONS;

pub fn handle(session: &mut Session, version: i16, request: SaslHandshakeRequest) -> SaslReply<SaslHandshakeResponse> {
    let Some(sasl) = session.sasl.clone() else {
        return SaslReply::Respond(response(Error::IllegalSaslState("no SASL on this listener"), Vec::new()));
    };
    let enabled: Vec<StrBytes> = sasl.mechanisms.iter().map(|m| StrBytes::from_static_str(m.name())).collect();
    match session.auth {
        Auth::AwaitingHandshake => {}
        Auth::Authenticated => {
            return SaslReply::Respond(response(Error::IllegalSaslState("already authenticated"), enabled))
        }
        Auth::Framed(_) | Auth::Unframed(_) => return SaslReply::Close("SaslHandshake during a SASL exchange".into()),
    }
    let Some(mechanism) = Mechanism::from_name(&request.mechanism).filter(|m| sasl.mechanisms.contains(m)) else {
        let reason = format!("unsupported SASL mechanism {:?}", request.mechanism.as_str());
        super::sasl_authenticate::failed(session.peer, "unsupported", &reason);
        let error = Error::UnsupportedSaslMechanism(request.mechanism.to_string());
        return SaslReply::RespondThenClose(response(error, enabled), reason);
    };
    let exchange = Exchange::new(mechanism);
    session.auth = if version == 0 { Auth::Unframed(exchange) } else { Auth::Framed(exchange) };
    SaslReply::Respond(SaslHandshakeResponse::default().with_mechanisms(enabled))
}

fn response(error: Error, mechanisms: Vec<StrBytes>) -> SaslHandshakeResponse {
    SaslHandshakeResponse::default().with_error_code(error.code()).with_mechanisms(mechanisms)
}
