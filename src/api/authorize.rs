//! Who may do what: the one check every handler makes before it acts on a
//! resource, and the error Kafka answers when the check fails.
//!
//! strand has no authorizer yet, which is Kafka without `authorizer.class.name`:
//! every principal, anonymous or a SASL user, may do everything. Handlers still
//! ask, naming the operation and resource Kafka's `KafkaApis` names for the same
//! request, so that ACLs can be added here without touching them, and so that a
//! refusal already travels the path to the client Kafka's refusals take: the
//! error code chosen by resource type (TOPIC_, GROUP_, CLUSTER_,
//! TRANSACTIONAL_ID_AUTHORIZATION_FAILED) with Kafka's message.

use super::{Error, RequestContext};

/// Kafka's ACL operations (`org.apache.kafka.common.acl.AclOperation`), those
/// strand's handlers ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    Read,
    Write,
    Create,
    Delete,
    Alter,
    Describe,
    ClusterAction,
    DescribeConfigs,
    AlterConfigs,
    IdempotentWrite,
}

/// Kafka's resource types, each with its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource<'a> {
    Cluster,
    Topic(&'a str),
    Group(&'a str),
    TransactionalId(&'a str),
}

impl Resource<'_> {
    /// The resource type as Kafka names it in `ResourceType`.
    pub fn kind(self) -> ResourceKind {
        match self {
            Resource::Cluster => ResourceKind::Cluster,
            Resource::Topic(_) => ResourceKind::Topic,
            Resource::Group(_) => ResourceKind::Group,
            Resource::TransactionalId(_) => ResourceKind::TransactionalId,
        }
    }
}

/// A resource type without its name: what picks the error code of a refusal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceKind {
    Cluster,
    Topic,
    Group,
    TransactionalId,
}

/// Ok when the request's principal may do `operation` on `resource`.
pub fn authorize(ctx: &RequestContext, operation: Operation, resource: Resource<'_>) -> Result<(), Error> {
    // No authorizer is configured, so, as in Kafka, nothing is denied.
    let _ = (ctx, operation, resource);
    Ok(())
}

/// The refusal Kafka answers for `resource`, with its message
/// ("Not authorized to access topics: [name]" and the like).
pub fn denied(resource: Resource<'_>) -> Error {
    let message = match resource {
        Resource::Cluster => "Cluster authorization failed.".to_owned(),
        Resource::Topic(name) => format!("Not authorized to access topics: [{name}]"),
        Resource::Group(name) => format!("Not authorized to access group: {name}"),
        Resource::TransactionalId(name) => format!("Transactional Id authorization failed: {name}"),
    };
    Error::Unauthorized { kind: resource.kind(), message }
}

#[cfg(test)]
mod tests {
    use kafka_protocol::error::ResponseError;

    use super::*;

    #[test]
    fn a_refusal_answers_the_code_of_its_resource_type() {
        assert_eq!(denied(Resource::Topic("t")).kafka(), ResponseError::TopicAuthorizationFailed);
        assert_eq!(denied(Resource::Group("g")).kafka(), ResponseError::GroupAuthorizationFailed);
        assert_eq!(denied(Resource::Cluster).kafka(), ResponseError::ClusterAuthorizationFailed);
        assert_eq!(denied(Resource::TransactionalId("x")).kafka(), ResponseError::TransactionalIdAuthorizationFailed);
        assert_eq!(denied(Resource::Topic("t")).to_string(), "Not authorized to access topics: [t]");
    }
}
