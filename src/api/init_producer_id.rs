//! InitProducerId (key 22), v0-v5, for idempotent producers (KIP-98).
//!
//! A producer without a transactional id gets a fresh producer id, unique across
//! restarts, and epoch 0; Kafka hands out a new id here even when the request
//! names the producer's current one (KIP-360 bumps epochs only for transactional
//! producers). strand does not serve transactions: a transactional id gets
//! COORDINATOR_NOT_AVAILABLE, as from a Kafka cluster whose transaction
//! coordinator cannot be reached, and a warning in the log.

use kafka_protocol::messages::{InitProducerIdRequest, InitProducerIdResponse, ProducerId};
use kafka_protocol::protocol::{Message, VersionRange};

use super::Error;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <InitProducerIdRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, _version: i16, request: InitProducerIdRequest) -> InitProducerIdResponse {
    let refused = |error: Error| {
        InitProducerIdResponse::default()
            .with_error_code(error.code())
            .with_producer_id(ProducerId(-1))
            .with_producer_epoch(-1)
    };
    if let Some(id) = request.transactional_id.as_ref().filter(|id| !id.is_empty()) {
        tracing::warn!(transactional_id = %id.as_str(), "transactions are not supported; refusing InitProducerId");
        return refused(Error::CoordinatorNotAvailable("strand does not serve transactions".into()));
    }
    match broker.producer_ids.next() {
        Ok(id) => InitProducerIdResponse::default().with_producer_id(ProducerId(id)).with_producer_epoch(0),
        Err(e) => {
            tracing::error!(error = %e, "cannot allocate a producer id");
            refused(e.into())
        }
    }
}
