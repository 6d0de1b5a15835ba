//! ElectLeaders (key 43), v0-v2 (KIP-183, KIP-460).
//!
//! Every partition has one replica, this broker, which leads it: it is both
//! the preferred leader and a live one, so Kafka's controller
//! (`ReplicationControlManager.electLeaders`) answers ELECTION_NOT_NEEDED for
//! each partition named, whether the election asked for is PREFERRED (0) or
//! UNCLEAN (1). The answer mirrors the request, topic entry for topic entry and
//! partition for partition, duplicates included; a topic or partition that does
//! not exist is UNKNOWN_TOPIC_OR_PARTITION with Kafka's message. A null
//! partition list means every partition, and then, as in Kafka, the partitions
//! that need no election are left out: every topic is listed with no results.
//!
//! Refused as a whole, as Kafka's controller refuses it (the error on the
//! response and on every partition named): an election type other than 0 and 1
//! (INVALID_REQUEST, "Unknown election type N"), a timeout of 0 or less
//! (REQUEST_TIMED_OUT: the controller's deadline has passed before it runs), and
//! a principal that may not Alter the cluster. v0 has no election type (it is
//! PREFERRED) and no top-level error code.

use kafka_protocol::messages::elect_leaders_response::{PartitionResult, ReplicaElectionResult};
use kafka_protocol::messages::{ElectLeadersRequest, ElectLeadersResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{Error, RequestContext};
use crate::broker::Broker;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ElectLeadersRequest as Message>::VERSIONS;

/// Kafka's `ElectionType` ids.
const PREFERRED: i8 = 0;
const UNCLEAN: i8 = 1;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    version: i16,
    request: ElectLeadersRequest,
) -> ElectLeadersResponse {
    if let Err(error) = check(ctx, &request) {
        return refused(version, &request, &error);
    }
    let results = match &request.topic_partitions {
        None => broker
            .topics
            .all()
            .iter()
            .map(|topic| {
                ReplicaElectionResult::default()
                    .with_topic(TopicName(StrBytes::from_string(topic.name.clone())))
                    .with_partition_result(Vec::new())
            })
            .collect(),
        Some(topics) => topics
            .iter()
            .map(|requested| {
                let topic = broker.topics.get(requested.topic.as_str());
                let partitions = requested
                    .partitions
                    .iter()
                    .map(|&index| {
                        let error = match &topic {
                            None => {
                                Error::NoSuchTopicOrPartition(format!("No such topic as {}", requested.topic.as_str()))
                            }
                            Some(topic) if topic.partition(index).is_none() => Error::NoSuchTopicOrPartition(format!(
                                "No such partition as {}-{index}",
                                requested.topic.as_str()
                            )),
                            Some(_) => Error::ElectionNotNeeded,
                        };
                        PartitionResult::default()
                            .with_partition_id(index)
                            .with_error_code(error.code())
                            .with_error_message(Some(StrBytes::from_string(error.to_string())))
                    })
                    .collect();
                ReplicaElectionResult::default().with_topic(requested.topic.clone()).with_partition_result(partitions)
            })
            .collect(),
    };
    ElectLeadersResponse::default().with_replica_election_results(results)
}

/// What refuses the whole request, in the order Kafka checks it.
fn check(ctx: &RequestContext, request: &ElectLeadersRequest) -> Result<(), Error> {
    authorize(ctx, Operation::Alter, Resource::Cluster)?;
    if request.timeout_ms <= 0 {
        return Err(Error::RequestTimedOut);
    }
    match request.election_type {
        PREFERRED | UNCLEAN => Ok(()),
        other => Err(Error::InvalidRequest(format!("Unknown election type {other}"))),
    }
}

/// Kafka's error response: the error at the top (v1+: v0 has no field for it)
/// and on every partition named, with its message where Kafka gives one (not
/// for a timeout).
fn refused(version: i16, request: &ElectLeadersRequest, error: &Error) -> ElectLeadersResponse {
    let message = match error {
        Error::RequestTimedOut => None,
        other => Some(StrBytes::from_string(other.to_string())),
    };
    let results = request
        .topic_partitions
        .iter()
        .flatten()
        .map(|topic| {
            let partitions = topic
                .partitions
                .iter()
                .map(|&index| {
                    PartitionResult::default()
                        .with_partition_id(index)
                        .with_error_code(error.code())
                        .with_error_message(message.clone())
                })
                .collect();
            ReplicaElectionResult::default().with_topic(topic.topic.clone()).with_partition_result(partitions)
        })
        .collect();
    let top = if version >= 1 { error.code() } else { 0 };
    ElectLeadersResponse::default().with_error_code(top).with_replica_election_results(results)
}
