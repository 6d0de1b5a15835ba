//! JoinGroup (key 11), v0-v9.
//!
//! The first step of a rebalance: the coordinator (`group::coordinator`) holds the
//! request until every member has rejoined or the rebalance timeout passes, then
//! answers all of them; the leader also gets every member's metadata. From v4 a
//! member without an id gets MEMBER_ID_REQUIRED and the id to rejoin with (KIP-394).
//! v0 has no rebalance timeout; the session timeout stands in, as in Kafka.

use kafka_protocol::messages::join_group_response::JoinGroupResponseMember;
use kafka_protocol::messages::{JoinGroupRequest, JoinGroupResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::RequestContext;
use crate::broker::Broker;
use crate::group::{Error, JoinRequest, Protocol};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <JoinGroupRequest as Message>::VERSIONS;

pub async fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    version: i16,
    request: JoinGroupRequest,
) -> JoinGroupResponse {
    let requested_member = request.member_id.to_string();
    let join = JoinRequest {
        group_id: request.group_id.to_string(),
        member_id: requested_member.clone(),
        group_instance_id: request.group_instance_id.map(|s| s.to_string()),
        client_id: ctx.client_id.clone(),
        client_host: ctx.client_host(),
        session_timeout_ms: request.session_timeout_ms,
        rebalance_timeout_ms: if version >= 1 { request.rebalance_timeout_ms } else { request.session_timeout_ms },
        protocol_type: request.protocol_type.to_string(),
        protocols: request
            .protocols
            .into_iter()
            .map(|p| Protocol { name: p.name.to_string(), metadata: p.metadata })
            .collect(),
        require_known_member_id: version >= 4,
        accepts_skip_assignment: version >= 9,
    };
    let response = match broker.groups.join(join).await {
        Ok(joined) => JoinGroupResponse::default()
            .with_generation_id(joined.generation_id)
            .with_protocol_type(joined.protocol_type.map(StrBytes::from_string))
            .with_protocol_name(joined.protocol_name.map(StrBytes::from_string))
            .with_leader(StrBytes::from_string(joined.leader))
            .with_member_id(StrBytes::from_string(joined.member_id))
            .with_skip_assignment(joined.skip_assignment)
            .with_members(
                joined
                    .members
                    .into_iter()
                    .map(|m| {
                        let member = JoinGroupResponseMember::default()
                            .with_member_id(StrBytes::from_string(m.member_id))
                            .with_metadata(m.metadata);
                        // group_instance_id exists from v5 on.
                        if version >= 5 {
                            member.with_group_instance_id(m.instance_id.map(StrBytes::from_string))
                        } else {
                            member
                        }
                    })
                    .collect(),
            ),
        Err(error) => {
            let member_id = match &error {
                Error::MemberIdRequired(id) => id.clone(),
                _ => requested_member,
            };
            JoinGroupResponse::default()
                .with_error_code(super::Error::from(error).code())
                .with_generation_id(-1)
                .with_member_id(StrBytes::from_string(member_id))
        }
    };
    // Before v7 the protocol name is a plain (non-null) string.
    if version < 7 {
        let name = response.protocol_name.clone().unwrap_or_default();
        response.with_protocol_type(None).with_protocol_name(Some(name))
    } else {
        response
    }
}
