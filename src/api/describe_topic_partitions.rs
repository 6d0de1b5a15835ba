//! DescribeTopicPartitions (key 75), v0 (KIP-966).
//!
//! The paginated Metadata the Java AdminClient's `describeTopics` prefers when
//! it is advertised: topics in name order, each partition with its leader,
//! leader epoch, replicas and ISR (this broker), and the KIP-966 eligible
//! leader replicas, last known ELR and offline replicas, all empty on one node.
//! strand has no internal topics (group offsets are not kept in a topic), so
//! `is_internal` is always false.
//!
//! Pagination is Kafka's (`DescribeTopicPartitionsRequestHandler` and
//! `KRaftMetadataCache.describeTopicResponse`): the topics asked for (none means
//! every topic) at or after the cursor's topic, in name order, each at most
//! once; the cursor's topic starts at the cursor's partition, the others at 0.
//! At most `response_partition_limit` partitions are answered, clamped to
//! [1, 2000] (Kafka's `max.request.partition.size.limit`). A topic cut short
//! sets `next_cursor` to its first partition left out; a limit used up exactly
//! at the end of a topic sets it to the next topic's partition 0, or leaves it
//! null when no topic follows. A cursor with a negative partition, or naming a
//! topic the request's list does not hold, makes the whole request
//! INVALID_REQUEST: every topic of the request answered with that code, as
//! Kafka's error response has it (none, when every topic was asked for). Named topics that do not exist are answered in their place in the order
//! (UNKNOWN_TOPIC_OR_PARTITION, INVALID_TOPIC_EXCEPTION for an illegal name);
//! when every topic is asked for, they cannot occur.
//!
//! Each topic needs Describe; a named topic the principal may not describe is
//! answered TOPIC_AUTHORIZATION_FAILED after the others, and with "every topic"
//! it is silently left out, as in Kafka. Authorized operations are always
//! answered (this API has no flag for them): every topic operation.

use std::collections::BTreeSet;

use kafka_protocol::messages::describe_topic_partitions_response::{
    Cursor, DescribeTopicPartitionsResponsePartition, DescribeTopicPartitionsResponseTopic,
};
use kafka_protocol::messages::{BrokerId, DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{authorized_operations as operations, Error, RequestContext};
use crate::broker::Broker;
use crate::topics::{self, Topic};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeTopicPartitionsRequest as Message>::VERSIONS;

/// The most partitions one response carries (Kafka's `max.request.partition.size.limit`).
pub const MAX_PARTITIONS: i32 = 2000;

/// Every partition's leader epoch: 0, as a Kafka partition that never changed
/// leader has, and as Metadata answers.
const LEADER_EPOCH: i32 = 0;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: DescribeTopicPartitionsRequest,
) -> DescribeTopicPartitionsResponse {
    match describe(broker, ctx, &request) {
        Ok(response) => response,
        Err(error) => refused(&request, &error),
    }
}

fn describe(
    broker: &Broker,
    ctx: &RequestContext,
    request: &DescribeTopicPartitionsRequest,
) -> Result<DescribeTopicPartitionsResponse, Error> {
    let every_topic = request.topics.is_empty();
    let cursor = request.cursor.as_ref();
    let cursor_topic = cursor.map(|c| c.topic_name.as_str()).unwrap_or("");
    // In name order and once each, from the cursor's topic on.
    let names: BTreeSet<String> = if every_topic {
        broker.topics.all().iter().map(|t| t.name.clone()).filter(|n| n.as_str() >= cursor_topic).collect()
    } else {
        request.topics.iter().map(|t| t.name.to_string()).filter(|n| n.as_str() >= cursor_topic).collect()
    };
    if let Some(cursor) = cursor {
        if cursor.partition_index < 0 {
            return Err(Error::InvalidRequest(format!(
                "DescribeTopicPartitionsRequest cursor partition must be valid: {cursor:?}"
            )));
        }
        // Only a list must hold the cursor's topic: with every topic asked
        // for, a cursor on a topic since deleted goes on from the next name.
        if !every_topic && !names.contains(cursor_topic) {
            return Err(Error::InvalidRequest(format!(
                "DescribeTopicPartitionsRequest topic list should contain the cursor topic: {cursor_topic}"
            )));
        }
    }

    let mut unauthorized = Vec::new();
    let mut topics = Vec::new();
    let mut next_cursor = None;
    let mut remaining = request.response_partition_limit.clamp(1, MAX_PARTITIONS) as usize;
    for name in &names {
        if let Err(error) = authorize(ctx, Operation::Describe, Resource::Topic(name)) {
            if !every_topic {
                unauthorized.push(topic_entry(name).with_error_code(error.code()));
            }
            continue;
        }
        if remaining == 0 {
            // The limit ran out at the end of the previous topic: go on from this one.
            next_cursor = Some(Cursor::default().with_topic_name(topic_name(name)).with_partition_index(0));
            break;
        }
        let Some(topic) = broker.topics.get(name) else {
            let error: Error = match topics::name::validate(name) {
                Err(reason) => topics::Error::InvalidName(reason).into(),
                Ok(()) => Error::UnknownTopicOrPartition,
            };
            topics.push(
                topic_entry(name).with_error_code(error.code()).with_topic_authorized_operations(operations::TOPIC),
            );
            continue;
        };
        let first = if name == cursor_topic { cursor.map_or(0, |c| c.partition_index) as usize } else { 0 };
        let count = topic.partition_count();
        let end = count.min(first.saturating_add(remaining));
        let partitions: Vec<_> = (first..end).map(|index| partition(index as i32, broker.node_id())).collect();
        remaining -= partitions.len();
        topics.push(describe_topic(&topic, partitions));
        if end < count {
            next_cursor = Some(Cursor::default().with_topic_name(topic_name(name)).with_partition_index(end as i32));
            break;
        }
    }
    topics.extend(unauthorized);
    Ok(DescribeTopicPartitionsResponse::default().with_topics(topics).with_next_cursor(next_cursor))
}

fn describe_topic(
    topic: &Topic,
    partitions: Vec<DescribeTopicPartitionsResponsePartition>,
) -> DescribeTopicPartitionsResponseTopic {
    topic_entry(&topic.name)
        .with_topic_id(topic.id)
        .with_partitions(partitions)
        .with_topic_authorized_operations(operations::TOPIC)
}

fn partition(index: i32, node: i32) -> DescribeTopicPartitionsResponsePartition {
    let node = BrokerId(node);
    DescribeTopicPartitionsResponsePartition::default()
        .with_partition_index(index)
        .with_leader_id(node)
        .with_leader_epoch(LEADER_EPOCH)
        .with_replica_nodes(vec![node])
        .with_isr_nodes(vec![node])
        .with_eligible_leader_replicas(Some(Vec::new()))
        .with_last_known_elr(Some(Vec::new()))
        .with_offline_replicas(Vec::new())
}

/// A topic's entry with only its name: nil id, no partitions, operations "not requested".
fn topic_entry(name: &str) -> DescribeTopicPartitionsResponseTopic {
    DescribeTopicPartitionsResponseTopic::default().with_name(Some(topic_name(name)))
}

fn topic_name(name: &str) -> TopicName {
    TopicName(StrBytes::from_string(name.to_owned()))
}

/// Kafka's error response: every topic of the request, as asked, with the error.
fn refused(request: &DescribeTopicPartitionsRequest, error: &Error) -> DescribeTopicPartitionsResponse {
    let topics = request.topics.iter().map(|t| topic_entry(t.name.as_str()).with_error_code(error.code())).collect();
    DescribeTopicPartitionsResponse::default().with_topics(topics)
}
