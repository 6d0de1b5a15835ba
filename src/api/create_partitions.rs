//! CreatePartitions (key 37), v0-v3.
//!
//! Raises a topic's partition count; the new partitions start empty. A count
//! not above the current one is INVALID_PARTITIONS, an unknown topic
//! UNKNOWN_TOPIC_OR_PARTITION, a topic given twice INVALID_REQUEST, manual
//! assignments that are not one list per new partition naming this broker once
//! INVALID_REPLICA_ASSIGNMENT, as Kafka answers. `validate_only` checks and
//! changes nothing. The new partitions are taken from the client's controller
//! mutation quota (KIP-599; `throttle::Mutations`), which from v3 refuses a
//! topic with THROTTLING_QUOTA_EXCEEDED once used up.

use std::collections::HashSet;

use kafka_protocol::messages::create_partitions_request::CreatePartitionsTopic;
use kafka_protocol::messages::create_partitions_response::CreatePartitionsTopicResult;
use kafka_protocol::messages::{CreatePartitionsRequest, CreatePartitionsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::throttle::Mutations;
use super::{resolve, Error, TopicRef};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <CreatePartitionsRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    mutations: &mut Mutations<'_>,
    _version: i16,
    request: CreatePartitionsRequest,
) -> CreatePartitionsResponse {
    // A name given twice gets one INVALID_REQUEST result, before the others, as
    // Kafka's controller answers.
    let mut seen = HashSet::new();
    let mut duplicates = Vec::new();
    for topic in &request.topics {
        if !seen.insert(topic.name.as_str()) && !duplicates.contains(&topic.name) {
            duplicates.push(topic.name.clone());
        }
    }
    let refused = |result: CreatePartitionsTopicResult, error: Error| {
        // Kafka's controller names no reason for a topic it does not have.
        let message = match error {
            Error::UnknownTopicOrPartition => None,
            _ => Some(StrBytes::from_string(error.to_string())),
        };
        result.with_error_code(error.code()).with_error_message(message)
    };
    let mut results: Vec<CreatePartitionsTopicResult> = duplicates
        .iter()
        .map(|name| {
            let error = Error::DuplicateTopic("Duplicate topic name.".into());
            refused(CreatePartitionsTopicResult::default().with_name(name.clone()), error)
        })
        .collect();
    for topic in request.topics.iter().filter(|t| !duplicates.contains(&t.name)) {
        let result = CreatePartitionsTopicResult::default().with_name(topic.name.clone());
        results.push(match create_partitions(broker, mutations, topic, request.validate_only) {
            Ok(()) => result,
            Err(error) => refused(result, error),
        });
    }
    CreatePartitionsResponse::default().with_results(results)
}

fn create_partitions(
    broker: &Broker,
    mutations: &mut Mutations<'_>,
    request: &CreatePartitionsTopic,
    validate_only: bool,
) -> Result<(), Error> {
    let resolved = resolve(broker, TopicRef::Name(request.name.as_str()));
    let topic = resolved.check()?;
    // Kafka's controller (`createPartitionsForTopic`) refuses a count that is
    // not an increase, and assignments that do not match it, before it takes
    // the new partitions from the quota: such a request costs no permits and
    // is INVALID_PARTITIONS even when the quota is used up. The topic store
    // checks the count again under its lock.
    let current = topic.partition_count();
    let count = usize::try_from(request.count).unwrap_or(0);
    if count == current {
        return Err(
            crate::topics::Error::InvalidPartitions(format!("Topic already has {current} partition(s).")).into()
        );
    }
    if count < current {
        return Err(crate::topics::Error::InvalidPartitions(format!(
            "The topic {} currently has {current} partition(s); {} would not be an increase.",
            topic.name, request.count
        ))
        .into());
    }
    let additional = count - current;
    // Null is "place them anywhere"; an empty list is read the same way.
    let assignments = request.assignments.as_ref().filter(|a| !a.is_empty());
    if let Some(assignments) = assignments {
        if assignments.len() != additional {
            return Err(Error::InvalidReplicaAssignment(format!(
                "Attempted to add {additional} additional partition(s), but only {} assignment(s) were specified.",
                assignments.len()
            )));
        }
    }
    mutations.apply(additional)?;
    for assignment in assignments.into_iter().flatten() {
        super::create_topics::check_replicas(broker.node_id(), &assignment.broker_ids)?;
    }
    broker.topics.create_partitions(&topic.name, count, validate_only)?;
    if !validate_only {
        tracing::info!(topic = %topic.name, partitions = count, "added partitions");
    }
    Ok(())
}
