//! LeaveGroup (key 13), v0-v5 (a batch of members from v3, KIP-345).
//!
//! The members go at once and the rest of the group rebalances, without waiting
//! for a session timeout. Members of a group that does not exist are each
//! UNKNOWN_MEMBER_ID, with no top-level error from v3 (as Kafka answers).

use kafka_protocol::messages::leave_group_response::MemberResponse;
use kafka_protocol::messages::{LeaveGroupRequest, LeaveGroupResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::Error;
use crate::broker::Broker;
use crate::group::LeavingMember;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <LeaveGroupRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, version: i16, request: LeaveGroupRequest) -> LeaveGroupResponse {
    if request.group_id.is_empty() {
        return LeaveGroupResponse::default().with_error_code(Error::from(crate::group::Error::InvalidGroupId).code());
    }
    let members: Vec<LeavingMember> = if version >= 3 {
        request
            .members
            .iter()
            .map(|m| LeavingMember {
                member_id: m.member_id.to_string(),
                instance_id: m.group_instance_id.as_ref().map(|s| s.to_string()),
            })
            .collect()
    } else {
        vec![LeavingMember { member_id: request.member_id.to_string(), instance_id: None }]
    };
    let results = broker.groups.leave(&request.group_id, &members);
    if version < 3 {
        // Before v3 the one member's error is the response's.
        let code = results.into_iter().next().and_then(Result::err).map_or(0, |e| Error::from(e).code());
        return LeaveGroupResponse::default().with_error_code(code);
    }
    LeaveGroupResponse::default().with_members(
        request
            .members
            .into_iter()
            .zip(results)
            .map(|(member, result)| {
                MemberResponse::default()
                    .with_member_id(member.member_id)
                    .with_group_instance_id(member.group_instance_id)
                    .with_error_code(result.err().map_or(0, |e| Error::from(e).code()))
            })
            .collect(),
    )
}
