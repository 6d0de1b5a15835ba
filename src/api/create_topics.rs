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
//! creates nothing. A topic that passes the checks takes its partitions from
//! the client's controller mutation quota (KIP-599; `throttle::Mutations`),
//! which from v6 refuses it with THROTTLING_QUOTA_EXCEEDED once used up. From v5 a success carries the partition count, replication
//! factor and every topic config with its value and source; from v7 its id.

use std::collections::HashSet;

use kafka_protocol::messages::create_topics_request::CreatableTopic;
use kafka_protocol::messages::create_topics_response::{CreatableTopicConfigs, CreatableTopicResult};
use kafka_protocol::messages::{BrokerId, CreateTopicsRequest, CreateTopicsResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::throttle::Mutations;
use super::Error;
use crate::broker::Broker;
use crate::topics::config::{self, Overrides};
use crate::topics::{self, NewTopic};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <CreateTopicsRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    mutations: &mut Mutations<'_>,
    _version: i16,
    request: CreateTopicsRequest,
) -> CreateTopicsResponse {
    // A name given twice gets one INVALID_REQUEST result, after the others, as
    // Kafka's controller answers.
    let mut seen = HashSet::new();
    let mut duplicates = Vec::new();
    for topic in &request.topics {
        if !seen.insert(topic.name.as_str()) && !duplicates.contains(&topic.name) {
            duplicates.push(topic.name.clone());
        }
    }
    let mut topics: Vec<CreatableTopicResult> = request
        .topics
        .iter()
        .filter(|topic| !duplicates.contains(&topic.name))
        .map(|topic| {
            let result = CreatableTopicResult::default().with_name(topic.name.clone());
            match create(broker, mutations, topic, request.validate_only) {
                Ok((id, partitions, overrides)) => {
                    // What DescribeConfigs would answer for the topic, sources included.
                    let brokers = crate::config::kafka::broker_configs(&broker.config);
                    let configs = config::describe(&overrides, &broker.config, &brokers)
                        .into_iter()
                        .map(|described| {
                            CreatableTopicConfigs::default()
                                .with_name(StrBytes::from_static_str(described.name))
                                .with_value(described.value.map(StrBytes::from_string))
                                .with_config_source(described.source.code())
                        })
                        .collect();
                    result
                        .with_topic_id(id.unwrap_or_default())
                        .with_num_partitions(partitions as i32)
                        .with_replication_factor(1)
                        .with_configs(Some(configs))
                }
                Err(error) => refused(result, &topic.name, error),
            }
        })
        .collect();
    for name in duplicates {
        let error = Error::DuplicateTopic("Duplicate topic name.".into());
        topics.push(refused(CreatableTopicResult::default().with_name(name.clone()), &name, error));
    }
    CreateTopicsResponse::default().with_topics(topics)
}

fn refused(result: CreatableTopicResult, name: &TopicName, error: Error) -> CreatableTopicResult {
    tracing::debug!(topic = %name.as_str(), %error, "create topic refused");
    result
        .with_error_code(error.code())
        .with_error_message(Some(StrBytes::from_string(error.to_string())))
        .with_num_partitions(-1)
        .with_replication_factor(-1)
}

/// Checks one topic in Kafka's order (name, existence, configs, replication
/// factor, partitions, assignments) and, unless `validate_only`, creates it:
/// its id (when created), partition count and configs.
fn create(
    broker: &Broker,
    mutations: &mut Mutations<'_>,
    topic: &CreatableTopic,
    validate_only: bool,
) -> Result<(Option<uuid::Uuid>, usize, Overrides), Error> {
    let name = topic.name.as_str();
    topics::name::validate(name).map_err(topics::Error::InvalidName)?;
    broker.topics.check_name_free(name)?;
    let overrides = Overrides::parse(topic.configs.iter().map(|c| (c.name.as_str(), c.value.as_deref())))
        .map_err(topics::Error::from)?;
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
                 reached because only 1 broker(s) are registered or some brokers have all their log directories \
                 cordoned."
            )))
        }
    }
    let partitions = if topic.assignments.is_empty() {
        match topic.num_partitions {
            -1 => broker.config.num_partitions as usize,
            n if n > 0 => n as usize,
            _ => {
                return Err(topics::Error::InvalidPartitions(
                    "Number of partitions was set to an invalid non-positive value.".into(),
                )
                .into())
            }
        }
    } else {
        if topic.num_partitions != -1 {
            return Err(Error::InvalidRequest(
                "A manual partition assignment was specified, but numPartitions was not set to -1.".into(),
            ));
        }
        if topic.replication_factor != -1 {
            return Err(Error::InvalidRequest(
                "A manual partition assignment was specified, but replication factor was not set to -1.".into(),
            ));
        }
        check_assignments(broker, topic)?;
        topic.assignments.len()
    };
    mutations.apply(partitions)?;
    let created = broker.topics.create(NewTopic { name, partitions, overrides: overrides.clone() }, validate_only)?;
    if let Some(created) = &created {
        tracing::info!(topic = %created.name, partitions, "created topic");
    }
    Ok((created.map(|t| t.id), partitions, overrides))
}

/// Manual assignments: each on this broker alone, once each, and together the
/// partitions 0, 1, ... n-1.
fn check_assignments(broker: &Broker, topic: &CreatableTopic) -> Result<(), Error> {
    let node = broker.node_id();
    let mut seen = std::collections::BTreeSet::new();
    for assignment in &topic.assignments {
        check_replicas(node, &assignment.broker_ids)?;
        if !seen.insert(assignment.partition_index) {
            return Err(Error::InvalidReplicaAssignment(format!(
                "Found multiple manual partition assignments for partition {}",
                assignment.partition_index
            )));
        }
    }
    if !seen.iter().copied().eq(0..seen.len() as i32) {
        return Err(Error::InvalidReplicaAssignment(
            "partitions should be a consecutive 0-based integer sequence".into(),
        ));
    }
    Ok(())
}

/// One manual replica list, checked as Kafka checks each one (for new topics
/// and new partitions alike): not empty, only registered brokers (this one),
/// none twice, and as many replicas as the topic has (one).
pub(super) fn check_replicas(node: i32, replicas: &[BrokerId]) -> Result<(), Error> {
    if replicas.is_empty() {
        return Err(Error::InvalidReplicaAssignment(
            "The manual partition assignment includes an empty replica list.".into(),
        ));
    }
    if let Some(other) = replicas.iter().find(|id| id.0 != node) {
        return Err(Error::InvalidReplicaAssignment(format!(
            "The manual partition assignment includes broker {}, but no such broker is registered.",
            other.0
        )));
    }
    if replicas.len() > 1 {
        return Err(Error::InvalidReplicaAssignment(format!(
            "The manual partition assignment includes the broker {node} more than once."
        )));
    }
    Ok(())
}
