//! OffsetDelete (key 47), v0 (KIP-496): removes a group's committed offsets for
//! some partitions, refused (GROUP_SUBSCRIBED_TO_TOPIC) for a topic the group's
//! live members subscribe to.

use kafka_protocol::messages::offset_delete_response::{OffsetDeleteResponsePartition, OffsetDeleteResponseTopic};
use kafka_protocol::messages::{OffsetDeleteRequest, OffsetDeleteResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::{resolve, Error, TopicRef};
use crate::broker::Broker;
use crate::group::TopicPartition;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <OffsetDeleteRequest as Message>::VERSIONS;

pub async fn handle(broker: &Broker, _version: i16, request: OffsetDeleteRequest) -> OffsetDeleteResponse {
    let mut known = Vec::new();
    let mut codes: Vec<Vec<Option<i16>>> = Vec::new();
    for topic in &request.topics {
        let resolved = resolve(broker, TopicRef::Name(topic.name.as_str()));
        codes.push(
            topic
                .partitions
                .iter()
                .map(|p| match resolved.partition(p.partition_index) {
                    Ok(_) => {
                        known.push(TopicPartition { topic: topic.name.to_string(), partition: p.partition_index });
                        None
                    }
                    Err(error) => Some(error.code()),
                })
                .collect(),
        );
    }
    let results = match broker.groups.delete_offsets(&request.group_id, &known).await {
        Ok(results) => results,
        Err(error) => return OffsetDeleteResponse::default().with_error_code(Error::from(error).code()),
    };
    let mut results = results.into_iter();
    let topics = request
        .topics
        .into_iter()
        .zip(codes)
        .map(|(topic, codes)| {
            let partitions = topic
                .partitions
                .iter()
                .zip(codes)
                .map(|(p, code)| {
                    let code = code
                        .unwrap_or_else(|| results.next().and_then(|r| r.err()).map_or(0, |e| Error::from(e).code()));
                    OffsetDeleteResponsePartition::default()
                        .with_partition_index(p.partition_index)
                        .with_error_code(code)
                })
                .collect();
            OffsetDeleteResponseTopic::default().with_name(topic.name).with_partitions(partitions)
        })
        .collect();
    OffsetDeleteResponse::default().with_topics(topics)
}
