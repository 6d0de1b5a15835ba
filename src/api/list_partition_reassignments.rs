//! ListPartitionReassignments (key 46), v0 (KIP-455).
//!
//! A partition with one replica on a one-node cluster is never being
//! reassigned (a reassignment to this broker itself completes at once, see
//! `alter_partition_reassignments`), so the answer is always the empty list:
//! for every topic (a null list), for the topics named, and for names or
//! partitions that do not exist, which Kafka's controller skips without an
//! error. The principal must be allowed to Describe the cluster; a refusal is
//! the top-level error with its message.

use kafka_protocol::messages::{ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::RequestContext;
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ListPartitionReassignmentsRequest as Message>::VERSIONS;

pub fn handle(
    _broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    _request: ListPartitionReassignmentsRequest,
) -> ListPartitionReassignmentsResponse {
    if let Err(error) = authorize(ctx, Operation::Describe, Resource::Cluster) {
        return ListPartitionReassignmentsResponse::default()
            .with_error_code(error.code())
            .with_error_message(Some(StrBytes::from_string(error.to_string())));
    }
    // Kafka's controller sets the message to null on success (the schema's default is "").
    ListPartitionReassignmentsResponse::default().with_error_message(None).with_topics(Vec::new())
}
