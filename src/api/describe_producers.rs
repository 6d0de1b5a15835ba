//! DescribeProducers (key 61), v0 (KIP-664): the idempotent producers each
//! partition's log remembers (`log::producer_state`), as Kafka's
//! `UnifiedLog.activeProducers` lists them: producer id and epoch, the last
//! sequence and maxTimestamp of its last batch, coordinator epoch -1 and
//! current transaction start offset -1 (strand has no transactions).
//!
//! Per topic, in Kafka's order: an illegal name is INVALID_TOPIC_EXCEPTION, a
//! topic the principal may not READ is TOPIC_AUTHORIZATION_FAILED, an unknown
//! one UNKNOWN_TOPIC_OR_PARTITION, each on every partition asked for and with a
//! message; a partition the topic does not have is UNKNOWN_TOPIC_OR_PARTITION
//! without one.

use kafka_protocol::messages::describe_producers_request::TopicRequest;
use kafka_protocol::messages::describe_producers_response::{PartitionResponse, ProducerState, TopicResponse};
use kafka_protocol::messages::{DescribeProducersRequest, DescribeProducersResponse, ProducerId};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{resolve, Error, RequestContext, Resolved, TopicRef};
use crate::broker::Broker;
use crate::log::producer_state::ActiveProducer;
use crate::topics;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DescribeProducersRequest as Message>::VERSIONS;

/// Kafka's message for UNKNOWN_TOPIC_OR_PARTITION (`Errors.message()`), which
/// it sends for a topic it does not have.
const UNKNOWN_TOPIC_MESSAGE: &str = "This server does not host this topic-partition.";

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: DescribeProducersRequest,
) -> DescribeProducersResponse {
    let topics = request.topics.into_iter().map(|topic| describe(broker, ctx, topic)).collect();
    DescribeProducersResponse::default().with_topics(topics)
}

fn describe(broker: &Broker, ctx: &RequestContext, topic: TopicRequest) -> TopicResponse {
    let name = topic.name.as_str();
    let resolved = resolve(broker, TopicRef::Name(name));
    let topic_error = refusal(ctx, name, &resolved);
    let partitions = topic
        .partition_indexes
        .iter()
        .map(|&index| {
            let response = PartitionResponse::default().with_partition_index(index);
            match &topic_error {
                Some((error, message)) => response
                    .with_error_code(error.code())
                    .with_error_message(Some(StrBytes::from_string(message.clone()))),
                None => match resolved.partition(index) {
                    Ok(log) => response.with_active_producers(log.active_producers().iter().map(state).collect()),
                    Err(error) => response.with_error_code(error.code()),
                },
            }
        })
        .collect();
    TopicResponse::default().with_name(topic.name).with_partitions(partitions)
}

/// The error Kafka answers for the whole topic, and the message it sends with it.
fn refusal(ctx: &RequestContext, name: &str, resolved: &Resolved<'_>) -> Option<(Error, String)> {
    if let Err(reason) = topics::name::validate(name) {
        return Some((topics::Error::InvalidName(reason.clone()).into(), reason));
    }
    if let Err(error) = authorize(ctx, Operation::Read, Resource::Topic(name)) {
        let message = error.to_string();
        return Some((error, message));
    }
    if let Err(error) = resolved.check() {
        return Some((error, UNKNOWN_TOPIC_MESSAGE.to_owned()));
    }
    None
}

fn state(producer: &ActiveProducer) -> ProducerState {
    ProducerState::default()
        .with_producer_id(ProducerId(producer.producer_id))
        .with_producer_epoch(i32::from(producer.epoch))
        .with_last_sequence(producer.last_sequence)
        .with_last_timestamp(producer.last_timestamp)
        .with_coordinator_epoch(-1)
        .with_current_txn_start_offset(-1)
}
