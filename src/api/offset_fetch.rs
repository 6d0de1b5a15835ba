//! OffsetFetch (key 9), v1-v9 (several groups per request from v8).
//!
//! A partition with no committed offset, of a group or a topic that does not
//! exist, answers offset -1 and empty metadata, not an error, as Kafka does (a
//! Java consumer's `assign()` + `committed()` relies on it). No
//! transactions are pending, so `require_stable` never has to wait.
//!
//! While the offset store's backend is away (Redis) a group is answered
//! COORDINATOR_NOT_AVAILABLE where each version carries it, as Kafka's
//! `OffsetFetchRequest.getErrorResponse` does: v8+ on the group, v2-v7 at the
//! top level, v0-v1 on every asked partition.

use kafka_protocol::messages::offset_fetch_response::{
    OffsetFetchResponseGroup, OffsetFetchResponsePartition, OffsetFetchResponsePartitions, OffsetFetchResponseTopic,
    OffsetFetchResponseTopics,
};
use kafka_protocol::messages::{OffsetFetchRequest, OffsetFetchResponse, TopicName};
use kafka_protocol::protocol::{Message, StrBytes, VersionRange};

use super::error::Error;
use crate::broker::Broker;
use crate::group::{CommittedOffset, TopicPartition};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <OffsetFetchRequest as Message>::VERSIONS;

/// (topic, partition, committed, error code) for one requested partition.
type Answer = (String, i32, Option<CommittedOffset>, i16);

pub fn handle(broker: &Broker, version: i16, request: OffsetFetchRequest) -> OffsetFetchResponse {
    if version >= 8 {
        let groups = request
            .groups
            .into_iter()
            .map(|group| {
                let asked = group.topics.map(|topics| {
                    topics
                        .into_iter()
                        .flat_map(|t| {
                            let name = t.name.to_string();
                            t.partition_indexes.into_iter().map(move |p| (name.clone(), p))
                        })
                        .collect::<Vec<_>>()
                });
                let answer = OffsetFetchResponseGroup::default();
                match lookup(broker, &group.group_id, asked) {
                    Ok(answers) => answer.with_group_id(group.group_id).with_topics(group_topics(answers)),
                    Err(code) => answer.with_group_id(group.group_id).with_error_code(code),
                }
            })
            .collect();
        return OffsetFetchResponse::default().with_groups(groups);
    }
    let asked = request.topics.map(|topics| {
        topics
            .into_iter()
            .flat_map(|t| {
                let name = t.name.to_string();
                t.partition_indexes.into_iter().map(move |p| (name.clone(), p))
            })
            .collect::<Vec<_>>()
    });
    let answers = match lookup(broker, &request.group_id, asked.clone()) {
        Ok(answers) => answers,
        Err(code) if version >= 2 => return OffsetFetchResponse::default().with_error_code(code),
        Err(code) => {
            let asked = asked.unwrap_or_default();
            asked.into_iter().map(|(topic, partition)| (topic, partition, None, code)).collect()
        }
    };
    let mut topics: Vec<OffsetFetchResponseTopic> = Vec::new();
    for (topic, partition, committed, code) in answers {
        let p = fill(OffsetFetchResponsePartition::default().with_partition_index(partition), version, committed, code);
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partitions.push(p),
            None => topics.push(OffsetFetchResponseTopic::default().with_name(name(topic)).with_partitions(vec![p])),
        }
    }
    OffsetFetchResponse::default().with_topics(topics)
}

/// Committed offsets for the asked (topic, partition) list, or for everything
/// the group committed when the list is null; or the group's error code.
fn lookup(broker: &Broker, group_id: &str, asked: Option<Vec<(String, i32)>>) -> Result<Vec<Answer>, i16> {
    let keys: Option<Vec<TopicPartition>> =
        asked.map(|asked| asked.into_iter().map(|(topic, partition)| TopicPartition { topic, partition }).collect());
    let found = broker.groups.offset_fetch(group_id, keys.as_deref()).map_err(|e| Error::from(e).code())?;
    Ok(found.into_iter().map(|(tp, committed)| (tp.topic, tp.partition, committed, 0)).collect())
}

fn group_topics(answers: Vec<Answer>) -> Vec<OffsetFetchResponseTopics> {
    let mut topics: Vec<OffsetFetchResponseTopics> = Vec::new();
    for (topic, partition, committed, code) in answers {
        let p = OffsetFetchResponsePartitions::default().with_partition_index(partition);
        let (offset, epoch, metadata) = values(committed);
        let p = p
            .with_committed_offset(offset)
            .with_committed_leader_epoch(epoch)
            .with_metadata(Some(metadata))
            .with_error_code(code);
        match topics.iter_mut().find(|t| t.name.as_str() == topic) {
            Some(t) => t.partitions.push(p),
            None => topics.push(OffsetFetchResponseTopics::default().with_name(name(topic)).with_partitions(vec![p])),
        }
    }
    topics
}

fn fill(
    p: OffsetFetchResponsePartition,
    version: i16,
    committed: Option<CommittedOffset>,
    code: i16,
) -> OffsetFetchResponsePartition {
    let (offset, epoch, metadata) = values(committed);
    let p = p.with_committed_offset(offset).with_metadata(Some(metadata)).with_error_code(code);
    // committed_leader_epoch exists from v5 on.
    if version >= 5 {
        p.with_committed_leader_epoch(epoch)
    } else {
        p
    }
}

fn values(committed: Option<CommittedOffset>) -> (i64, i32, StrBytes) {
    match committed {
        Some(c) => (c.offset, c.leader_epoch, StrBytes::from_string(c.metadata.unwrap_or_default())),
        None => (-1, -1, StrBytes::default()),
    }
}

fn name(topic: String) -> TopicName {
    TopicName(StrBytes::from_string(topic))
}
