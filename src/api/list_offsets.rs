//! ListOffsets (key 2), v1-v10.
//!
//! Special timestamps as Kafka defines them: -1 latest (the log end offset; with
//! no transactions also the last stable offset), -2 earliest, -3 the record with
//! the largest timestamp (KIP-734), -4 earliest local (KIP-405: everything is local,
//! so earliest). -5 (earliest pending tiered upload, KIP-1005) and any other negative
//! value find nothing: offset -1. A real timestamp T finds the first record whose
//! timestamp is >= T through the time index, or offset -1 when there is none.

use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::{resolve, Error, TopicRef};
use crate::broker::Broker;
use crate::log::{Log, OffsetLookup};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ListOffsetsRequest as Message>::VERSIONS;

const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const MAX_TIMESTAMP: i64 = -3;
const EARLIEST_LOCAL: i64 = -4;

pub fn handle(broker: &Broker, version: i16, request: ListOffsetsRequest) -> ListOffsetsResponse {
    let topics = request
        .topics
        .into_iter()
        .map(|topic| {
            let resolved = resolve(broker, TopicRef::Name(topic.name.as_str()));
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let response = ListOffsetsPartitionResponse::default().with_partition_index(p.partition_index);
                    match resolved.partition(p.partition_index).and_then(|log| lookup(&log, p.timestamp)) {
                        Ok(found) => {
                            let found = found.unwrap_or(OffsetLookup { offset: -1, timestamp: -1 });
                            let response = response.with_offset(found.offset).with_timestamp(found.timestamp);
                            // leader_epoch exists from v4 on; the codec refuses it earlier.
                            if version >= 4 {
                                response.with_leader_epoch(0)
                            } else {
                                response
                            }
                        }
                        Err(error) => response.with_error_code(error.code()).with_offset(-1).with_timestamp(-1),
                    }
                })
                .collect();
            ListOffsetsTopicResponse::default().with_name(topic.name).with_partitions(partitions)
        })
        .collect();
    ListOffsetsResponse::default().with_topics(topics)
}

fn lookup(log: &Log, timestamp: i64) -> Result<Option<OffsetLookup>, Error> {
    let at = |offset| Ok(Some(OffsetLookup { offset, timestamp: -1 }));
    match timestamp {
        LATEST => at(log.end_offset()),
        EARLIEST | EARLIEST_LOCAL => at(log.start_offset()),
        MAX_TIMESTAMP => Ok(log.max_timestamp()?),
        t if t < 0 => Ok(None),
        t => Ok(log.offset_for_timestamp(t)?),
    }
}
