//! OffsetCommit (key 8), v2-v9.
//!
//! Members of a group commit with their generation; a consumer that uses
//! `assign()` commits with generation -1 into a group nobody has joined, as Kafka
//! allows. Offsets for partitions this broker does not host are
//! UNKNOWN_TOPIC_OR_PARTITION, metadata over Kafka's `offset.metadata.max.bytes`
//! (4096) is OFFSET_METADATA_TOO_LARGE; the rest is made durable in one write
//! before the response. Kafka measures the metadata with Java's `String.length()`:
//! in UTF-16 code units, not bytes, so 4096 two-byte characters fit. An empty
//! group id is accepted, as Kafka accepts it.

use kafka_protocol::messages::offset_commit_response::{OffsetCommitResponsePartition, OffsetCommitResponseTopic};
use kafka_protocol::messages::{OffsetCommitRequest, OffsetCommitResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::{resolve, Error, TopicRef};
use crate::broker::Broker;
use crate::group::{CommittedOffset, TopicPartition};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <OffsetCommitRequest as Message>::VERSIONS;

pub async fn handle(broker: &Broker, version: i16, request: OffsetCommitRequest) -> OffsetCommitResponse {
    let now = crate::now_ms();
    // Per partition: Ok(index into `valid`) or the partition's own error.
    let mut valid = Vec::new();
    let mut codes: Vec<Vec<Result<usize, Error>>> = Vec::with_capacity(request.topics.len());
    for topic in &request.topics {
        let resolved = resolve(broker, TopicRef::Name(topic.name.as_str()));
        codes.push(
            topic
                .partitions
                .iter()
                .map(|p| {
                    resolved.partition(p.partition_index)?;
                    if p.committed_metadata
                        .as_ref()
                        .is_some_and(|m| m.encode_utf16().count() > crate::group::OFFSET_METADATA_MAX_BYTES)
                    {
                        return Err(Error::OffsetMetadataTooLarge { max: crate::group::OFFSET_METADATA_MAX_BYTES });
                    }
                    valid.push((
                        TopicPartition { topic: topic.name.to_string(), partition: p.partition_index },
                        CommittedOffset {
                            offset: p.committed_offset,
                            leader_epoch: if version >= 6 { p.committed_leader_epoch } else { -1 },
                            metadata: p.committed_metadata.as_ref().map(|m| m.to_string()),
                            commit_timestamp: now,
                        },
                    ));
                    Ok(valid.len() - 1)
                })
                .collect(),
        );
    }
    let committed = if valid.is_empty() {
        Ok(())
    } else {
        let instance = request.group_instance_id.as_deref();
        broker
            .groups
            .commit(&request.group_id, request.generation_id_or_member_epoch, &request.member_id, instance, valid)
            .await
    };
    if let Err(e) = &committed {
        tracing::debug!(group = %request.group_id.as_str(), error = %e, "offset commit refused");
    }
    let group_code = committed.err().map(|e| Error::from(e).code());
    let topics = request
        .topics
        .into_iter()
        .zip(codes)
        .map(|(topic, codes)| {
            let partitions = topic
                .partitions
                .iter()
                .zip(codes)
                .map(|(p, result)| {
                    let code = match result {
                        Ok(_) => group_code.unwrap_or(0),
                        Err(error) => error.code(),
                    };
                    OffsetCommitResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code)
                })
                .collect();
            OffsetCommitResponseTopic::default().with_name(topic.name).with_partitions(partitions)
        })
        .collect();
    OffsetCommitResponse::default().with_topics(topics)
}
