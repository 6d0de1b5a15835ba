//! CreatePartitions (key 37), v0-v3.
//!
//! Raises a topic's partition count; the new partitions start empty. A count
//! not above the current one is INVALID_PARTITIONS, an unknown topic
//! UNKNOWN_TOPIC_OR_PARTITION, a topic given twice INVALID_REQUEST, manual
//! assignments that are not one list per new partition naming this broker
//! INVALID_REPLICA_ASSIGNMENT, as Kafka answers. `validate_only` checks and
//! changes nothing.

use std::collections::HashSet;

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::{resolve, Error, TopicRef};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <CreatePartitionsRequest as Message>::VERSIONS;

pub fn handle(broker: &Broker, _version: i16, request: CreatePartitionsRequest) -> CreatePartitionsResponse {
    let mut seen = HashSet::new();
    let duplicates: HashSet<String> =
        request.topics.iter().filter(|t| !seen.insert(t.name.as_str())).map(|t| t.name.to_string()).collect();
    let results = request
        .topics
        .iter()
        .map(|topic| {
            let outcome = if duplicates.contains(topic.name.as_str()) {
                Err(Error::DuplicateResource("Duplicate topic name.".into()))
            } else {
                create_partitions(broker, topic, request.validate_only)
            };
            let result = CreatePartitionsTopicResult::default().with_name(topic.name.clone());
            match outcome {
                Ok(()) => result,
                Err(error) => result
                    .with_error_code(error.code())
                    .with_error_message(Some(StrBytes::from_string(error.to_string()))),
            }
        })
        .collect();
    CreatePartitionsResponse::default().with_results(results)
}

fn create_partitions(broker: &Broker, request: &CreatePartitionsTopic, validate_only: bool) -> Result<(), Error> {
    let resolved = resolve(broker, TopicRef::Name(request.name.as_str()));
    let topic = resolved.check()?;
    let count = usize::try_from(request.count).map_err(|_| {
        crate::topics::Error::InvalidPartitions(format!(
            "Topic currently has {} partitions, which is higher than the requested {}.",
            topic.partition_count(),
            request.count
        ))
    })?;
    // Null is "place them anywhere"; an empty list is read the same way.
    if let Some(assignments) = request.assignments.as_ref().filter(|a| !a.is_empty()) {
        let new = count.saturating_sub(topic.partition_count());
        if assignments.len() != new {
            return Err(Error::InvalidReplicaAssignment(format!(
                "Attempted to add {new} additional partition(s), but only {} assignment(s) were specified.",
                assignments.len()
            )));
        }
        if let Some(other) =
            assignments.iter().flat_map(|a| &a.broker_ids).find(|id| id.0 != broker.node_id()).map(|id| id.0)
        {
            return Err(Error::InvalidReplicaAssignment(format!(
                "The manual partition assignment includes broker {other}, but no broker with that ID is registered."
            )));
        }
    }
    broker.topics.create_partitions(&topic.name, count, validate_only)?;
    if !validate_only {
        tracing::info!(topic = %topic.name, partitions = count, "added partitions");
    }
    Ok(())
}
