//! CreateAcls (key 30), v1-v3.
//!
//! strand has no authorizer: as Kafka without one, every creation is answered
//! SECURITY_DISABLED, "No Authorizer is configured.", and nothing is stored. A
//! creation with an UNKNOWN element closes the connection, as Kafka's request
//! parsing does (`acls::check_known`); a principal that may not Alter the
//! cluster gets CLUSTER_AUTHORIZATION_FAILED on every creation.

use kafka_protocol::messages::create_acls_response::AclCreationResult;
use kafka_protocol::messages::{CreateAclsRequest, CreateAclsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::acls::{check_known, AclCodes};
use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <CreateAclsRequest as Message>::VERSIONS;

/// Ok(the answer), or Err(why the connection is closed instead).
pub fn handle(ctx: &RequestContext, _version: i16, request: CreateAclsRequest) -> Result<CreateAclsResponse, String> {
    check_known(
        "CreateAcls",
        request.creations.iter().map(|c| AclCodes {
            resource_type: c.resource_type,
            pattern_type: c.resource_pattern_type,
            operation: c.operation,
            permission_type: c.permission_type,
        }),
    )?;
    let error = match authorize(ctx, Operation::Alter, Resource::Cluster) {
        Err(refused) => refused,
        Ok(()) => Error::SecurityDisabled("No Authorizer is configured."),
    };
    let results = request
        .creations
        .iter()
        .map(|_| {
            AclCreationResult::default()
                .with_error_code(error.code())
                .with_error_message(Some(StrBytes::from_string(error.to_string())))
        })
        .collect();
    Ok(CreateAclsResponse::default().with_results(results))
}
