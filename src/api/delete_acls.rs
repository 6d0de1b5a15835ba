//! DeleteAcls (key 31), v1-v3.
//!
//! strand has no authorizer: as Kafka without one, every filter is answered
//! SECURITY_DISABLED, "No Authorizer is configured.", with no matching ACLs. A
//! filter with an UNKNOWN element closes the connection, as Kafka's request
//! parsing does (`acls::check_known`); a principal that may not Alter the
//! cluster gets CLUSTER_AUTHORIZATION_FAILED on every filter.

use kafka_protocol::messages::delete_acls_response::DeleteAclsFilterResult;
use kafka_protocol::messages::{DeleteAclsRequest, DeleteAclsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::acls::{check_known, AclCodes};
use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DeleteAclsRequest as Message>::VERSIONS;

/// Ok(the answer), or Err(why the connection is closed instead).
pub fn handle(ctx: &RequestContext, _version: i16, request: DeleteAclsRequest) -> Result<DeleteAclsResponse, String> {
    check_known(
        "DeleteAcls",
        request.filters.iter().map(|f| AclCodes {
            resource_type: f.resource_type_filter,
            pattern_type: f.pattern_type_filter,
            operation: f.operation,
            permission_type: f.permission_type,
        }),
    )?;
    let error = match authorize(ctx, Operation::Alter, Resource::Cluster) {
        Err(refused) => refused,
        Ok(()) => Error::SecurityDisabled("No Authorizer is configured."),
    };
    let results = request
        .filters
        .iter()
        .map(|_| {
            DeleteAclsFilterResult::default()
                .with_error_code(error.code())
                .with_error_message(Some(StrBytes::from_string(error.to_string())))
                .with_matching_acls(Vec::new())
        })
        .collect();
    Ok(DeleteAclsResponse::default().with_filter_results(results))
}
