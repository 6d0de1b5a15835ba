//! DeleteGroups (key 42), v0-v2: a group without members is deleted with its
//! committed offsets; one with members is NON_EMPTY_GROUP; an unknown one
//! GROUP_ID_NOT_FOUND.

use kafka_protocol::messages::delete_groups_response::DeletableGroupResult;
use kafka_protocol::messages::{DeleteGroupsRequest, DeleteGroupsResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::Error;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DeleteGroupsRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, _version: i16, request: DeleteGroupsRequest) -> DeleteGroupsResponse {
    let results = request
        .groups_names
        .into_iter()
        .map(|group_id| {
            let code = broker.groups.delete_group(&group_id).err().map_or(0, |e| Error::from(e).code());
            DeletableGroupResult::default().with_group_id(group_id).with_error_code(code)
        })
        .collect();
    DeleteGroupsResponse::default().with_results(results)
}
