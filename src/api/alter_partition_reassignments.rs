//! AlterPartitionReassignments (key 45), v0-v1 (KIP-455, KIP-860).
//!
//! A one-node cluster has one broker to place a replica on. Each partition of
//! the request is answered as Kafka's controller
//! (`ReplicationControlManager.alterPartitionReassignment`) answers it there:
//! - a topic or partition that does not exist: UNKNOWN_TOPIC_OR_PARTITION
//!   ("Unable to find a topic named T.", "Unable to find partition T:N.");
//! - null replicas, a cancellation: NO_REASSIGNMENT_IN_PROGRESS, since none ever is;
//! - a replica list that is empty, names a broker other than this one ("...
//!   includes broker N, but no such broker is registered."), or names one twice:
//!   INVALID_REPLICA_ASSIGNMENT with Kafka's message, checked in Kafka's order
//!   (empty first, then the ids in ascending order);
//! - this broker alone: success, with nothing to move.
//!
//! Any other list changes the replication factor, which v1's
//! `allow_replication_factor_change = false` would refuse, but every such list
//! has already been refused above. The whole request is refused, the error on
//! it and on every partition, when the principal may not Alter the cluster or
//! the timeout is 0 or less (REQUEST_TIMED_OUT, without a message, as Kafka's
//! controller answers when its deadline has passed). An empty request is
//! answered before the timeout is looked at, with the empty error message Kafka
//! leaves there.

use kafka_protocol::messages::alter_partition_reassignments_request::ReassignablePartition;
use kafka_protocol::messages::alter_partition_reassignments_response::{
    ReassignablePartitionResponse, ReassignableTopicResponse,
};
use kafka_protocol::messages::{AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse, BrokerId};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;
use crate::topics::Topic;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <AlterPartitionReassignmentsRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: AlterPartitionReassignmentsRequest,
) -> AlterPartitionReassignmentsResponse {
    let response = AlterPartitionReassignmentsResponse::default()
        .with_allow_replication_factor_change(request.allow_replication_factor_change);
    if let Err(error) = authorize(ctx, Operation::Alter, Resource::Cluster) {
        return refused(response, &request, &error);
    }
    if request.topics.is_empty() {
        return response;
    }
    if request.timeout_ms <= 0 {
        return refused(response, &request, &Error::RequestTimedOut);
    }
    let responses = request
        .topics
        .iter()
        .map(|requested| {
            let topic = broker.topics.get(requested.name.as_str());
            let partitions = requested
                .partitions
                .iter()
                .map(|partition| {
                    let result = ReassignablePartitionResponse::default()
                        .with_partition_index(partition.partition_index)
                        .with_error_message(None);
                    match reassign(broker.node_id(), requested.name.as_str(), topic.as_deref(), partition) {
                        Ok(()) => result,
                        Err(error) => result.with_error_code(error.code()).with_error_message(message(&error)),
                    }
                })
                .collect();
            ReassignableTopicResponse::default().with_name(requested.name.clone()).with_partitions(partitions)
        })
        .collect();
    response.with_error_message(None).with_responses(responses)
}

fn reassign(node: i32, name: &str, topic: Option<&Topic>, partition: &ReassignablePartition) -> Result<(), Error> {
    let topic = topic.ok_or_else(|| Error::NoSuchTopicOrPartition(format!("Unable to find a topic named {name}.")))?;
    let index = partition.partition_index;
    if topic.partition(index).is_none() {
        return Err(Error::NoSuchTopicOrPartition(format!("Unable to find partition {name}:{index}.")));
    }
    match &partition.replicas {
        None => Err(Error::NoReassignmentInProgress),
        Some(replicas) => check_replicas(node, replicas),
    }
}

/// Kafka's `validateManualPartitionAssignment` on a cluster of one broker, `node`.
fn check_replicas(node: i32, replicas: &[BrokerId]) -> Result<(), Error> {
    if replicas.is_empty() {
        return Err(Error::InvalidReplicaAssignment(
            "The manual partition assignment includes an empty replica list.".into(),
        ));
    }
    let mut sorted: Vec<i32> = replicas.iter().map(|id| id.0).collect();
    sorted.sort_unstable();
    let mut previous = None;
    for id in sorted {
        if id != node {
            return Err(Error::InvalidReplicaAssignment(format!(
                "The manual partition assignment includes broker {id}, but no such broker is registered."
            )));
        }
        if previous == Some(id) {
            return Err(Error::InvalidReplicaAssignment(format!(
                "The manual partition assignment includes the broker {id} more than once."
            )));
        }
        previous = Some(id);
    }
    Ok(())
}

/// The message Kafka sends with `error`: none where its exception carries only
/// the code's default text (no reassignment in progress, a timeout).
fn message(error: &Error) -> Option<StrBytes> {
    match error {
        Error::NoReassignmentInProgress | Error::RequestTimedOut => None,
        other => Some(StrBytes::from_string(other.to_string())),
    }
}

/// Kafka's error response: the error at the top and on every partition named.
fn refused(
    response: AlterPartitionReassignmentsResponse,
    request: &AlterPartitionReassignmentsRequest,
    error: &Error,
) -> AlterPartitionReassignmentsResponse {
    let responses = request
        .topics
        .iter()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    ReassignablePartitionResponse::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(error.code())
                        .with_error_message(message(error))
                })
                .collect();
            ReassignableTopicResponse::default().with_name(topic.name.clone()).with_partitions(partitions)
        })
        .collect();
    response.with_error_code(error.code()).with_error_message(message(error)).with_responses(responses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(replicas: &[i32]) -> Result<(), String> {
        let ids: Vec<BrokerId> = replicas.iter().map(|&id| BrokerId(id)).collect();
        check_replicas(1, &ids).map_err(|e| e.to_string())
    }

    #[test]
    fn replica_lists_are_checked_in_kafkas_order() {
        assert_eq!(checked(&[1]), Ok(()));
        assert_eq!(checked(&[]).unwrap_err(), "The manual partition assignment includes an empty replica list.");
        // Ascending order decides which fault is reported first.
        assert_eq!(
            checked(&[1, 1, 0]).unwrap_err(),
            "The manual partition assignment includes broker 0, but no such broker is registered."
        );
        assert_eq!(
            checked(&[1, 1]).unwrap_err(),
            "The manual partition assignment includes the broker 1 more than once."
        );
        assert_eq!(
            checked(&[2, 1]).unwrap_err(),
            "The manual partition assignment includes broker 2, but no such broker is registered."
        );
    }
}
