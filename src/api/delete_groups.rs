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

pub async fn handle(broker: &Broker, _version: i16, request: DeleteGroupsRequest) -> DeleteGroupsResponse {
    let mut results = Vec::with_capacity(request.groups_names.len());
    for group_id in request.groups_names {
        let code = broker.groups.delete_group(&group_id).await.err().map_or(0, |e| Error::from(e).code());
        results.push(DeletableGroupResult::default().with_group_id(group_id).with_error_code(code));
    }
    DeleteGroupsResponse::default().with_results(results)
}
