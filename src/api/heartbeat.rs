//! Heartbeat (key 12), v0-v4.
//!
//! Keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin.

use kafka_protocol::messages::{HeartbeatRequest, HeartbeatResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::Error;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <HeartbeatRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, _version: i16, request: HeartbeatRequest) -> HeartbeatResponse {
    let instance = request.group_instance_id.as_deref();
    match broker.groups.heartbeat(&request.group_id, request.generation_id, &request.member_id, instance) {
        Ok(()) => HeartbeatResponse::default(),
        Err(error) => HeartbeatResponse::default().with_error_code(Error::from(error).code()),
    }
}
