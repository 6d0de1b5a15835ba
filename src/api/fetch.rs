//! Fetch (key 1), v4-v18 (v13+ names topics by id, KIP-516).
//!
//! A long poll: the response is sent as soon as `min_bytes` are available or a
//! partition has an error, else when `max_wait_ms` passes. An append to any of
//! the partitions asked for wakes the wait through that log's end-offset
//! channel; nothing polls. Deleting a topic wakes its waiters too, and the
//! next pass answers UNKNOWN_TOPIC_OR_PARTITION. Reads never wait on each
//! other: a partition is read from the page cache under no lock but its own
//! segment list's, for as long as it takes to clone a segment handle. `max_bytes` and
//! `partition_max_bytes` bound the answer, except that the first batch is returned
//! whole even when larger (KIP-74). A fetch at an offset inside a batch gets that
//! whole batch; clients drop the records before the offset they asked for.
//!
//! Fetch sessions (KIP-227) are not kept: every response has session id 0, which
//! tells clients to keep sending full requests; an incremental fetch naming a
//! session is FETCH_SESSION_ID_NOT_FOUND. Nothing is transactional yet, so the last
//! stable offset is the high watermark and no transaction is ever aborted.

use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::error::ResponseError;
use kafka_protocol::messages::fetch_response::{FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use tokio::sync::watch;

use super::{resolve, Error, TopicRef};
use crate::broker::Broker;
use crate::log::Log;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <FetchRequest as Message>::VERSIONS;

/// `isolation_level` 1: only committed (below the last stable offset) data.
const READ_COMMITTED: i8 = 1;

pub async fn handle(broker: &Broker, version: i16, request: FetchRequest) -> FetchResponse {
    if version >= 7 && request.session_id != 0 && request.session_epoch != -1 {
        return FetchResponse::default().with_error_code(Error::FetchSessionIdNotFound.code());
    }
    let max_wait = Duration::from_millis(request.max_wait_ms.max(0) as u64);
    let deadline = tokio::time::Instant::now() + max_wait;
    // Subscribed once, before the first read, to every partition asked for that exists.
    let mut appended: Vec<watch::Receiver<i64>> = request
        .topics
        .iter()
        .flat_map(|topic| {
            let resolved = resolve(broker, topic_ref(version, topic));
            topic.partitions.iter().filter_map(move |p| resolved.partition(p.partition).ok().map(|log| log.subscribe()))
        })
        .collect();
    let mut shutdown = broker.shutdown.clone();
    loop {
        // Mark the current end offsets seen before reading, so an append that lands
        // while we read still wakes the wait below.
        for receiver in &mut appended {
            receiver.borrow_and_update();
        }
        let (response, bytes, has_error) = read(broker, version, &request);
        if bytes >= i64::from(request.min_bytes)
            || has_error
            || tokio::time::Instant::now() >= deadline
            || *shutdown.borrow()
        {
            crate::metrics::fetched(bytes as u64);
            return response;
        }
        tokio::select! {
            _ = any_changed(&mut appended) => {}
            _ = tokio::time::sleep_until(deadline) => {}
            _ = shutdown.changed() => {}
        }
    }
}

/// Resolves when any of the logs' end offsets moves (or its log is gone, which
/// the next read reports). With nothing to wait on, never.
async fn any_changed(receivers: &mut [watch::Receiver<i64>]) {
    if receivers.is_empty() {
        return std::future::pending().await;
    }
    let _ = futures_util::future::select_all(receivers.iter_mut().map(|r| Box::pin(r.changed()))).await;
}

fn topic_ref(version: i16, topic: &kafka_protocol::messages::fetch_request::FetchTopic) -> TopicRef<'_> {
    if version >= 13 {
        TopicRef::Id(topic.topic_id)
    } else {
        TopicRef::Name(topic.topic.as_str())
    }
}

/// One pass over the requested partitions: the response, the record bytes in it,
/// and whether any partition has an error (which makes Kafka answer at once).
fn read(broker: &Broker, version: i16, request: &FetchRequest) -> (FetchResponse, i64, bool) {
    // KIP-74: a limit of 0 (or less) still returns the first batch, and nothing more.
    let mut remaining = i64::from(request.max_bytes.max(0));
    let mut total = 0i64;
    let mut has_error = false;
    let read_committed = request.isolation_level == READ_COMMITTED;
    let topics = request
        .topics
        .iter()
        .map(|topic| {
            let resolved = resolve(broker, topic_ref(version, topic));
            let partitions = topic
                .partitions
                .iter()
                .map(|p| {
                    let (log, result) = match resolved.partition(p.partition) {
                        Ok(log) => {
                            let limit = i64::from(p.partition_max_bytes.max(0)).min(remaining);
                            // KIP-74: the first batch of the response is returned whole.
                            let read = log.read(p.fetch_offset, limit.max(0) as u64, total == 0);
                            (Some(log), read.map_err(Error::from))
                        }
                        Err(error) => (None, Err(error)),
                    };
                    let data = PartitionData::default()
                        .with_partition_index(p.partition)
                        .with_preferred_read_replica(BrokerId(-1))
                        .with_aborted_transactions(read_committed.then(Vec::new));
                    match result {
                        Ok(records) => {
                            remaining -= records.len() as i64;
                            total += records.len() as i64;
                            with_offsets(log.as_deref(), data).with_records(Some(records))
                        }
                        Err(error) => {
                            has_error = true;
                            let data = data.with_error_code(error.code()).with_records(Some(Bytes::new()));
                            if error.kafka() == ResponseError::OffsetOutOfRange {
                                with_offsets(log.as_deref(), data)
                            } else {
                                data.with_high_watermark(-1).with_last_stable_offset(-1).with_log_start_offset(-1)
                            }
                        }
                    }
                })
                .collect();
            FetchableTopicResponse::default()
                .with_topic(topic.topic.clone())
                .with_topic_id(topic.topic_id)
                .with_partitions(partitions)
        })
        .collect();
    (FetchResponse::default().with_responses(topics), total, has_error)
}

/// The record sets of a response, for the frame to reference instead of copy.
pub fn record_sets(response: &FetchResponse) -> Vec<Bytes> {
    response.responses.iter().flat_map(|t| &t.partitions).filter_map(|p| p.records.clone()).collect()
}

fn with_offsets(log: Option<&Log>, data: PartitionData) -> PartitionData {
    match log {
        Some(log) => {
            let end = log.end_offset();
            data.with_high_watermark(end).with_last_stable_offset(end).with_log_start_offset(log.start_offset())
        }
        None => data,
    }
}
