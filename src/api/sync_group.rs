//! SyncGroup (key 14), v0-v5.
//!
//! The second step of a rebalance: the leader sends the assignment it computed,
//! the coordinator relays each member its part. Followers wait for the leader.

use kafka_protocol::messages::{SyncGroupRequest, SyncGroupResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::Error;
use crate::broker::Broker;
use crate::group::{MemberAssignment, SyncRequest};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <SyncGroupRequest as Message>::VERSIONS;

pub async fn handle(broker: &Broker, version: i16, request: SyncGroupRequest) -> SyncGroupResponse {
    let sync = SyncRequest {
        group_id: request.group_id.to_string(),
        generation_id: request.generation_id,
        member_id: request.member_id.to_string(),
        group_instance_id: request.group_instance_id.map(|s| s.to_string()),
        protocol_type: request.protocol_type.map(|s| s.to_string()),
        protocol_name: request.protocol_name.map(|s| s.to_string()),
        assignments: request
            .assignments
            .into_iter()
            .map(|a| MemberAssignment { member_id: a.member_id.to_string(), assignment: a.assignment })
            .collect(),
    };
    match broker.groups.sync(sync).await {
        Ok(synced) => {
            let response = SyncGroupResponse::default().with_assignment(synced.assignment);
            // protocol_type and protocol_name exist from v5 on.
            if version >= 5 {
                response
                    .with_protocol_type(synced.protocol_type.map(StrBytes::from_string))
                    .with_protocol_name(synced.protocol_name.map(StrBytes::from_string))
            } else {
                response
            }
        }
        Err(error) => SyncGroupResponse::default().with_error_code(Error::from(error).code()),
    }
}
