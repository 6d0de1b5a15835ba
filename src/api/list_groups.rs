//! ListGroups (key 16), v0-v5: every group, filtered by state (v4+, KIP-518)
//! and type (v5+, KIP-848). All groups here are "classic" groups.

use kafka_protocol::messages::list_groups_response::ListedGroup;
use kafka_protocol::messages::{GroupId, ListGroupsRequest, ListGroupsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ListGroupsRequest as Message>::VERSIONS;

const GROUP_TYPE: &str = "classic";

pub fn handle(broker: &Broker, version: i16, request: ListGroupsRequest) -> ListGroupsResponse {
    let wanted =
        |filter: &[StrBytes], value: &str| filter.is_empty() || filter.iter().any(|f| f.eq_ignore_ascii_case(value));
    let groups = broker
        .groups
        .list()
        .into_iter()
        .filter(|group| wanted(&request.states_filter, group.state.name()))
        .filter(|_| wanted(&request.types_filter, GROUP_TYPE))
        .map(|group| {
            let listed = ListedGroup::default()
                .with_group_id(GroupId(StrBytes::from_string(group.group_id)))
                .with_protocol_type(StrBytes::from_string(group.protocol_type));
            let state = group.state.name();
            let listed = if version >= 4 { listed.with_group_state(StrBytes::from_static_str(state)) } else { listed };
            if version >= 5 {
                listed.with_group_type(StrBytes::from_static_str(GROUP_TYPE))
            } else {
                listed
            }
        })
        .collect();
    ListGroupsResponse::default().with_groups(groups)
}
