//! CreateTopics (key 19), v2-v7.
//!
//! Kafka's checks, in Kafka's order, each with Kafka's code: a name given twice
//! in one request (INVALID_REQUEST), an illegal or colliding name
//! (INVALID_TOPIC_EXCEPTION), an existing one (TOPIC_ALREADY_EXISTS), a partition
//! count of 0 or below -1 (INVALID_PARTITIONS), a replication factor other than 1
//! or -1 (INVALID_REPLICATION_FACTOR: this cluster has one broker), manual
//! assignments that name another broker or skip a partition
//! (INVALID_REPLICA_ASSIGNMENT), configs strand does not know or values it
//! refuses (INVALID_CONFIG), and the broker's partition cap (POLICY_VIOLATION).
//! -1 partitions is `num_partitions`; `validate_only` runs every check and
//! creates nothing. From v5 a success carries the partition count, replication
//! factor and the topic's own configs; from v7 its id.

use std::collections::HashSet;

use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use kafka_protocol::messages::{CreateTopicsRequest, CreateTopicsResponse};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::Error;
use crate::broker::Broker;
use crate::topics::config::Overrides;
use crate::topics::NewTopic;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <CreateTopicsRequest as Message>::VERSIONS;

/// Kafka's `DescribeConfigsResponse.ConfigSource.DYNAMIC_TOPIC_CONFIG`.
const DYNAMIC_TOPIC_CONFIG: i8 = 1;

pub fn handle(broker: &Broker, _version: i16, request: CreateTopicsRequest) -> CreateTopicsResponse {
    let mut seen = HashSet::new();
    let duplicates: HashSet<String> =
        request.topics.iter().filter(|t| !seen.insert(t.name.as_str())).map(|t| t.name.to_string()).collect();
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let result = CreatableTopicResult::default().with_name(topic.name.clone());
            let outcome = if duplicates.contains(topic.name.as_str()) {
                Err(Error::DuplicateResource("Duplicate topic name.".into()))
            } else {
                create(broker, &topic, request.validate_only)
            };
            match outcome {
                Ok((id, partitions, overrides)) => {
                    let configs = overrides
                        .iter()
                        .map(|(name, value)| {
                            CreatableTopicConfigs::default()
                                .with_name(StrBytes::from_string(name.to_owned()))
                                .with_value(Some(StrBytes::from_string(value.to_owned())))
                                .with_config_source(DYNAMIC_TOPIC_CONFIG)
                        })
                        .collect();
                    result
                        .with_topic_id(id.unwrap_or_default())
                        .with_num_partitions(partitions as i32)
                        .with_replication_factor(1)
                        .with_configs(Some(configs))
                }
                Err(error) => {
                    tracing::debug!(topic = %topic.name.as_str(), %error, "create topic refused");
                    result
                        .with_error_code(error.code())
                        .with_error_message(Some(StrBytes::from_string(error.to_string())))
                        .with_num_partitions(-1)
                        .with_replication_factor(-1)
                }
            }
        })
        .collect();
    CreateTopicsResponse::default().with_topics(topics)
}

/// Checks one topic and, unless `validate_only`, creates it: its id (when
/// created), partition count and configs.
fn create(
    broker: &Broker,
    topic: &CreatableTopic,
    validate_only: bool,
) -> Result<(Option<uuid::Uuid>, usize, Overrides), Error> {
    crate::topics::name::validate(topic.name.as_str()).map_err(crate::topics::Error::InvalidName)?;
    let partitions = if topic.assignments.is_empty() {
        match topic.num_partitions {
            -1 => broker.config.num_partitions as usize,
            n if n > 0 => n as usize,
            _ => {
                return Err(crate::topics::Error::InvalidPartitions(
                    "Number of partitions was set to an invalid non-positive value.".into(),
                )
                .into())
            }
        }
    } else {
        if topic.num_partitions != -1 || topic.replication_factor != -1 {
            return Err(Error::InvalidRequest(
                "A manual partition assignment was specified, but numPartitions or replicationFactor was not set to -1."
                    .into(),
            ));
        }
        check_assignments(broker, topic)?;
        topic.assignments.len()
    };
    match topic.replication_factor {
        -1 | 1 => {}
        n if n <= 0 => {
            return Err(Error::InvalidReplicationFactor(
                "Replication factor must be larger than 0, or -1 to use the default value.".into(),
            ))
        }
        n => {
            return Err(Error::InvalidReplicationFactor(format!(
                "Unable to replicate the partition {n} time(s): The target replication factor of {n} cannot be \
                 reached because only 1 broker(s) are registered."
            )))
        }
    }
    let overrides = Overrides::parse(topic.configs.iter().map(|c| (c.name.as_str(), c.value.as_deref())))
        .map_err(crate::topics::Error::from)?;
    let created = broker
        .topics
        .create(NewTopic { name: topic.name.as_str(), partitions, overrides: overrides.clone() }, validate_only)?;
    if let Some(created) = &created {
        tracing::info!(topic = %created.name, partitions, "created topic");
    }
    Ok((created.map(|t| t.id), partitions, overrides))
}

/// Manual assignments: partitions 0, 1, ... in order, each on this broker alone.
fn check_assignments(broker: &Broker, topic: &CreatableTopic) -> Result<(), Error> {
    for (expected, assignment) in topic.assignments.iter().enumerate() {
        if assignment.partition_index != expected as i32 {
            return Err(Error::InvalidReplicaAssignment(format!(
                "Partitions should be sequential and start at 0, but partition {} was found at position {expected}.",
                assignment.partition_index
            )));
        }
        match assignment.broker_ids.as_slice() {
            [only] if only.0 == broker.node_id() => {}
            [] => {
                return Err(Error::InvalidReplicaAssignment(format!(
                    "The manual partition assignment includes an empty replica list for partition {expected}."
                )))
            }
            ids => {
                let other = ids.iter().find(|id| id.0 != broker.node_id()).map_or(broker.node_id(), |id| id.0);
                return Err(Error::InvalidReplicaAssignment(if other == broker.node_id() {
                    format!("The manual partition assignment includes the broker {other} more than once.")
                } else {
                    format!(
                        "The manual partition assignment includes broker {other}, but no broker with that ID is \
                         registered."
                    )
                }));
            }
        }
    }
    Ok(())
}
