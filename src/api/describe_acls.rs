//! DescribeAcls (key 29), v1-v3.
//!
//! strand has no authorizer, and Kafka without one (no `authorizer.class.name`)
//! answers SECURITY_DISABLED with "No Authorizer is configured on the broker"
//! and no resources, for any filter. A filter with an UNKNOWN element closes the
//! connection, as Kafka's request parsing does (`acls::check_known`); a
//! principal that may not Describe the cluster gets CLUSTER_AUTHORIZATION_FAILED.

use kafka_protocol::messages::{DescribeAclsRequest, DescribeAclsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::acls::{check_known, AclCodes};
use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeAclsRequest as Message>::VERSIONS;

/// Ok(the answer), or Err(why the connection is closed instead).
pub fn handle(
    ctx: &RequestContext,
    _version: i16,
    request: DescribeAclsRequest,
) -> Result<DescribeAclsResponse, String> {
    check_known(
        "DescribeAcls",
        [AclCodes {
            resource_type: request.resource_type_filter,
            pattern_type: request.pattern_type_filter,
            operation: request.operation,
            permission_type: request.permission_type,
        }],
    )?;
    let error = match authorize(ctx, Operation::Describe, Resource::Cluster) {
        Err(refused) => refused,
        Ok(()) => Error::SecurityDisabled("No Authorizer is configured on the broker"),
    };
    Ok(DescribeAclsResponse::default()
        .with_error_code(error.code())
        .with_error_message(Some(StrBytes::from_string(error.to_string())))
        .with_resources(Vec::new()))
}
