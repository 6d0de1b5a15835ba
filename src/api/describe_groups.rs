//! DescribeGroups (key 15), v0-v6.
//!
//! State, protocol and members of each group; the protocol and member metadata
//! only once the group is Stable, member assignments as last handed out, as Kafka
//! shows them. A group that does not
//! exist is reported Dead before v6 and GROUP_ID_NOT_FOUND from v6 (KIP-1043).
//! Authorized operations (v3+), when asked for, are every group operation, as
//! Kafka answers without an authorizer, on each group answered without an error.

use kafka_protocol::messages::describe_groups_response::{DescribedGroup, DescribedGroupMember};
use kafka_protocol::messages::{DescribeGroupsRequest, DescribeGroupsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorized_operations::{self as operations, when};
use super::Error;
use crate::broker::Broker;
use crate::group;

/// What Kafka reports as the state of a group it does not know.
const UNKNOWN_GROUP_STATE: &str = "Dead";

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeGroupsRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, version: i16, request: DescribeGroupsRequest) -> DescribeGroupsResponse {
    let groups = request
        .groups
        .into_iter()
        .map(|group_id| {
            let Some(group) = broker.groups.describe(&group_id) else {
                let described =
                    DescribedGroup::default().with_group_state(StrBytes::from_static_str(UNKNOWN_GROUP_STATE));
                return if version >= 6 {
                    described
                        .with_error_code(Error::from(group::Error::GroupIdNotFound).code())
                        .with_error_message(Some(StrBytes::from_string(format!(
                            "Group {} not found.",
                            group_id.as_str()
                        ))))
                        .with_group_id(group_id)
                } else {
                    described.with_group_id(group_id)
                };
            };
            let members = group
                .members
                .into_iter()
                .map(|m| {
                    let member = DescribedGroupMember::default()
                        .with_member_id(StrBytes::from_string(m.member_id))
                        .with_client_id(StrBytes::from_string(m.client_id))
                        .with_client_host(StrBytes::from_string(m.client_host))
                        .with_member_metadata(m.metadata)
                        .with_member_assignment(m.assignment);
                    // group_instance_id exists from v4 on.
                    if version >= 4 {
                        member.with_group_instance_id(m.instance_id.map(StrBytes::from_string))
                    } else {
                        member
                    }
                })
                .collect();
            DescribedGroup::default()
                .with_group_id(group_id)
                .with_group_state(StrBytes::from_static_str(group.state.name()))
                .with_protocol_type(StrBytes::from_string(group.protocol_type))
                .with_protocol_data(StrBytes::from_string(group.protocol))
                .with_members(members)
        })
        .map(|described: DescribedGroup| {
            let operations =
                when(request.include_authorized_operations && described.error_code == 0, operations::GROUP);
            described.with_authorized_operations(operations)
        })
        .collect();
    DescribeGroupsResponse::default().with_groups(groups)
}
