//! DeleteRecords (key 21), v0-v2: moves partitions' log start offsets forward,
//! as `kafka-delete-records` and `AdminClient.deleteRecords` ask.
//!
//! Each partition's start moves to the offset asked for (-1: the high
//! watermark); the records before it are gone for Fetch (OFFSET_OUT_OF_RANGE),
//! ListOffsets (earliest answers the new start) and consumers resetting to the
//! earliest offset, and the segments wholly below it are deleted (see
//! `Topics::delete_records`, which also keeps the start across restarts). An
//! offset past the high watermark, or negative other than -1, is
//! OFFSET_OUT_OF_RANGE; one at or before the current start changes nothing.
//! The answer's `low_watermark` is the log start after, -1 with an error.
//!
//! As Kafka's `KafkaApis`: the caller needs Delete on each topic
//! (TOPIC_AUTHORIZATION_FAILED otherwise, checked before whether the topic
//! exists), an unknown topic or partition is UNKNOWN_TOPIC_OR_PARTITION, and a
//! partition named twice is answered once, for the last offset given.
//! `timeout_ms` is how long Kafka waits for the followers to catch up with the
//! new start; with no followers it answers at once, and so does strand.

use kafka_protocol::messages::delete_records_response::{DeleteRecordsPartitionResult, DeleteRecordsTopicResult};
use kafka_protocol::messages::{DeleteRecordsRequest, DeleteRecordsResponse, TopicName};
use kafka_protocol::protocol::{Message, VersionRange};

use super::authorize::{authorize, Operation, Resource};
use super::{resolve, Error, RequestContext, TopicRef};
use crate::broker::Broker;
use crate::log::Log;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <DeleteRecordsRequest as Message>::VERSIONS;

/// The offset that stands for the partition's high watermark.
const HIGH_WATERMARK: i64 = -1;
/// `low_watermark` of a partition answered with an error.
const INVALID_LOW_WATERMARK: i64 = -1;

pub fn handle(
    broker: &Broker,
    ctx: &RequestContext,
    _version: i16,
    request: DeleteRecordsRequest,
) -> DeleteRecordsResponse {
    // One entry per topic and per partition, in the order first named; a
    // partition named again takes the later offset, as Kafka's map of them does.
    let mut asked: Vec<(TopicName, Vec<(i32, i64)>)> = Vec::new();
    for topic in request.topics {
        let at = match asked.iter().position(|(name, _)| *name == topic.name) {
            Some(at) => at,
            None => {
                asked.push((topic.name, Vec::new()));
                asked.len() - 1
            }
        };
        let partitions = &mut asked[at].1;
        for p in topic.partitions {
            match partitions.iter_mut().find(|(index, _)| *index == p.partition_index) {
                Some(entry) => entry.1 = p.offset,
                None => partitions.push((p.partition_index, p.offset)),
            }
        }
    }
    // Each partition may delete segments and fsync the checkpoint.
    let topics = tokio::task::block_in_place(|| {
        asked
            .into_iter()
            .map(|(name, partitions)| {
                let allowed = authorize(ctx, Operation::Delete, Resource::Topic(name.as_str()));
                let resolved = resolve(broker, TopicRef::Name(name.as_str()));
                let results = partitions
                    .into_iter()
                    .map(|(index, offset)| {
                        let result = DeleteRecordsPartitionResult::default().with_partition_index(index);
                        let deleted = match &allowed {
                            Ok(()) => resolved
                                .partition(index)
                                .map_err(|e| e.code())
                                .and_then(|log| delete(broker, &log, offset)),
                            Err(refused) => Err(refused.code()),
                        };
                        match deleted {
                            Ok(low_watermark) => result.with_low_watermark(low_watermark),
                            Err(code) => result.with_low_watermark(INVALID_LOW_WATERMARK).with_error_code(code),
                        }
                    })
                    .collect();
                DeleteRecordsTopicResult::default().with_name(name).with_partitions(results)
            })
            .collect()
    });
    DeleteRecordsResponse::default().with_topics(topics)
}

/// The partition's new log start offset, or the code of the error Kafka answers.
fn delete(broker: &Broker, log: &Log, offset: i64) -> Result<i64, i16> {
    let offset = if offset == HIGH_WATERMARK { log.end_offset() } else { offset };
    broker.topics.delete_records(log, offset).map_err(|e| Error::from(e).code())
}
