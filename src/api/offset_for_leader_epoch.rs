//! OffsetForLeaderEpoch (key 23), v2-v4 (Kafka 4 serves no older version).
//!
//! For each partition, where the requested leader epoch ends in the leader's
//! epoch history, as Kafka's leader answers from its `LeaderEpochFileCache`
//! (`log::leader_epoch`): epoch 0, strand's only one, ends at the log end
//! offset; -1 and any epoch newer than 0 are UNDEFINED (leader epoch -1, end
//! offset -1, no error), which a consumer takes as log truncation. Consumers
//! (KIP-320) send it to validate their position after a leader change or a seek
//! with an epoch; followers, which strand has none of, to find where to
//! truncate. `current_leader_epoch` is checked first (`api::leader_epoch`), after
//! the partition is found: UNKNOWN_TOPIC_OR_PARTITION for a topic or partition
//! strand does not have.
//!
//! Authorization as Kafka's `KafkaApis`: CLUSTER_ACTION on the cluster (a
//! broker) allows every topic; otherwise each topic needs DESCRIBE, and the
//! topics refused are answered TOPIC_AUTHORIZATION_FAILED after the others.
//! `replica_id` (v3+) changes nothing, as in Kafka: the answer always comes from
//! the leader.

use kafka_protocol::messages::offset_for_leader_epoch_request::{OffsetForLeaderPartition, OffsetForLeaderTopic};
use kafka_protocol::messages::offset_for_leader_epoch_response::{EpochEndOffset, OffsetForLeaderTopicResult};
use kafka_protocol::messages::{OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::authorize::{authorize, denied, Operation, Resource};
use super::{leader_epoch, resolve, Error, RequestContext, Resolved, TopicRef};
use crate::broker::Broker;
use crate::log::leader_epoch::end_offset_for;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <OffsetForLeaderEpochRequest as Message>::VERSIONS;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: OffsetForLeaderEpochRequest,
) -> OffsetForLeaderEpochResponse {
    let cluster_action = authorize(ctx, Operation::ClusterAction, Resource::Cluster).is_ok();
    let (allowed, refused): (Vec<_>, Vec<_>) = request.topics.into_iter().partition(|topic| {
        cluster_action || authorize(ctx, Operation::Describe, Resource::Topic(topic.topic.as_str())).is_ok()
    });
    let mut topics: Vec<OffsetForLeaderTopicResult> = allowed.into_iter().map(|topic| answer(broker, topic)).collect();
    topics.extend(refused.into_iter().map(|topic| {
        let error = denied(Resource::Topic(topic.topic.as_str()));
        let partitions = topic.partitions.iter().map(|p| refusal(p.partition, &error)).collect();
        OffsetForLeaderTopicResult::default().with_topic(topic.topic).with_partitions(partitions)
    }));
    OffsetForLeaderEpochResponse::default().with_topics(topics)
}

fn answer(broker: &Broker, topic: OffsetForLeaderTopic) -> OffsetForLeaderTopicResult {
    let resolved = resolve(broker, TopicRef::Name(topic.topic.as_str()));
    let partitions = topic.partitions.iter().map(|p| end_offset(&resolved, p)).collect();
    OffsetForLeaderTopicResult::default().with_topic(topic.topic).with_partitions(partitions)
}

fn end_offset(resolved: &Resolved<'_>, p: &OffsetForLeaderPartition) -> EpochEndOffset {
    let found = resolved.partition(p.partition).and_then(|log| {
        leader_epoch::check_current(leader_epoch::from_request(p.current_leader_epoch))?;
        Ok(end_offset_for(p.leader_epoch, log.start_offset(), log.end_offset()))
    });
    let response = EpochEndOffset::default().with_partition(p.partition);
    match found {
        Ok(Some(found)) => response.with_leader_epoch(found.epoch).with_end_offset(found.end_offset),
        // UNDEFINED: the defaults, epoch -1 and offset -1.
        Ok(None) => response,
        Err(error) => refusal(p.partition, &error),
    }
}

fn refusal(partition: i32, error: &Error) -> EpochEndOffset {
    EpochEndOffset::default().with_partition(partition).with_error_code(error.code())
}
