//! ListOffsets (key 2), v1-v10.
//!
//! Special timestamps as Kafka defines them: -1 latest (the log end offset; with
//! no transactions also the last stable offset), -2 earliest, -3 the record with
//! the largest timestamp (KIP-734), -4 earliest local (KIP-405: everything is local,
//! so earliest). -5 (latest tiered, KIP-1005) finds nothing: offset -1. Each is
//! UNSUPPORTED_VERSION below the version that introduced it, and any other
//! negative value always, as in Kafka. A real timestamp T finds the first record whose
//! timestamp is >= T through the time index, or offset -1 when there is none.
//! Inside a compressed batch both land on the exact record, as in Kafka: the one
//! batch the time index points at is decompressed (`log::records`).
//!
//! Leader epochs (v4+) as Kafka answers them: `current_leader_epoch` checked
//! (`api::leader_epoch`; -1 means none); latest, earliest and earliest local
//! answer the current epoch 0, a timestamp or -3 the partitionLeaderEpoch of the
//! batch found (none, -1, for a batch written before strand stamped epochs),
//! and nothing found answers -1.

use kafka_protocol::messages::list_offsets_response::{ListOffsetsPartitionResponse, ListOffsetsTopicResponse};
use kafka_protocol::messages::{ListOffsetsRequest, ListOffsetsResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use super::{leader_epoch, resolve, Error, TopicRef};
use crate::broker::Broker;
use crate::log::leader_epoch::LEADER_EPOCH;
use crate::log::{Log, OffsetLookup};

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <ListOffsetsRequest as Message>::VERSIONS;

const LATEST: i64 = -1;
const EARLIEST: i64 = -2;
const MAX_TIMESTAMP: i64 = -3;
const EARLIEST_LOCAL: i64 = -4;
const LATEST_TIERED: i64 = -5;

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
                    let found = supported(p.timestamp, version)
                        .and_then(|()| resolved.partition(p.partition_index))
                        .and_then(|log| {
                            leader_epoch::check_current(leader_epoch::from_request(p.current_leader_epoch))?;
                            lookup(&log, p.timestamp)
                        });
                    match found {
                        Ok(found) => {
                            let found = found.unwrap_or(OffsetLookup { offset: -1, timestamp: -1, leader_epoch: None });
                            let response = response.with_offset(found.offset).with_timestamp(found.timestamp);
                            // leader_epoch exists from v4 on; the codec refuses it earlier.
                            match found.leader_epoch {
                                Some(epoch) if version >= 4 => response.with_leader_epoch(epoch),
                                _ => response,
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

/// Kafka's `timestampMinSupportedVersion`: each special timestamp from the
/// version that introduced it, any other negative one never (checked against
/// Kafka 4.4: -3 from v7, -4 from v8, -5 from v9, -6 and below refused).
fn supported(timestamp: i64, version: i16) -> Result<(), Error> {
    let since = match timestamp {
        t if t >= 0 => 0,
        LATEST | EARLIEST => 1,
        MAX_TIMESTAMP => 7,
        EARLIEST_LOCAL => 8,
        LATEST_TIERED => 9,
        _ => i16::MAX,
    };
    if version >= since {
        Ok(())
    } else {
        Err(Error::UnsupportedVersion)
    }
}

fn lookup(log: &Log, timestamp: i64) -> Result<Option<OffsetLookup>, Error> {
    // The log end and start are in the current (and only) epoch of the history.
    let at = |offset| Ok(Some(OffsetLookup { offset, timestamp: -1, leader_epoch: Some(LEADER_EPOCH) }));
    match timestamp {
        LATEST => at(log.end_offset()),
        EARLIEST | EARLIEST_LOCAL => at(log.start_offset()),
        // These two read batches from disk and may decompress one: off the async
        // worker, so the connections it serves keep going meanwhile.
        MAX_TIMESTAMP => Ok(tokio::task::block_in_place(|| log.max_timestamp())?),
        t if t < 0 => Ok(None),
        t => Ok(tokio::task::block_in_place(|| log.offset_for_timestamp(t))?),
    }
}
