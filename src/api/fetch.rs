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
//! Leader epochs as Kafka's leader checks them (`check_epochs`): a
//! `current_leader_epoch` (v9+) other than strand's 0 is UNKNOWN_LEADER_EPOCH
//! (newer; negative ones are not checked, so nothing is ever fenced here), and a
//! `last_fetched_epoch` (v12+, sent by followers, -1 from consumers) is looked
//! up in the epoch history: an epoch newer than 0 is OFFSET_OUT_OF_RANGE, a fetch
//! offset past the log end in epoch 0 gets `diverging_epoch` {0, log end} instead
//! of records. The records carry the epoch the log stamped into every batch.
//!
//! Fetch sessions (KIP-227) are not kept: every response has session id 0, which
//! tells clients to keep sending full requests; a full fetch (session epoch 0 or
//! -1) is served whatever session id it names, an incremental one (any other
//! epoch) is FETCH_SESSION_ID_NOT_FOUND. Nothing is transactional yet, so the last
//! stable offset is the high watermark and no transaction is ever aborted.
//!
//! Under a consumer quota (`api::throttle`) the dispatch caps `max_bytes` at
//! what one quota window holds before calling `handle`, and answers a
//! throttled fetch with `throttled()` instead of what `handle` read.

use std::time::Duration;

use bytes::Bytes;
use kafka_protocol::messages::fetch_request::FetchPartition;
use kafka_protocol::messages::fetch_response::{EpochEndOffset, FetchableTopicResponse, PartitionData};
use kafka_protocol::messages::{BrokerId, FetchRequest, FetchResponse};
use kafka_protocol::protocol::{Message, VersionRange};

use tokio::sync::watch;

use super::{leader_epoch, resolve, Error, TopicRef};
use crate::broker::Broker;
use crate::log::leader_epoch::end_offset_for;
use crate::log::Log;

/// Every version the codec decodes.
pub const VERSIONS: VersionRange = <FetchRequest as Message>::VERSIONS;

/// `isolation_level` 1: only committed (below the last stable offset) data.
const READ_COMMITTED: i8 = 1;

pub async fn handle(broker: &Broker, version: i16, request: FetchRequest) -> FetchResponse {
    // KIP-227: epoch 0 (a new session) and -1 (none) are full fetches, whatever the
    // session id (Kafka closes a session a full fetch names); any other epoch is an
    // incremental fetch on a session, and strand has none to find.
    if version >= 7 && request.session_epoch != 0 && request.session_epoch != -1 {
        return FetchResponse::default().with_error_code(Error::FetchSessionIdNotFound.code());
    }
    let started = tokio::time::Instant::now();
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
        let (response, bytes, answer_now) = read(broker, version, &request);
        if bytes >= i64::from(request.min_bytes)
            || answer_now
            || tokio::time::Instant::now() >= deadline
            || *shutdown.borrow()
        {
            record_latency(broker, version, &request, started.elapsed());
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

/// The request's latency, in each topic's stats (`topics::stats`), wait included.
fn record_latency(broker: &Broker, version: i16, request: &FetchRequest, latency: Duration) {
    for topic in request.topics.iter().filter_map(|t| resolve(broker, topic_ref(version, t)).topic) {
        topic.stats.record_fetch(latency);
    }
}

fn topic_ref(version: i16, topic: &kafka_protocol::messages::fetch_request::FetchTopic) -> TopicRef<'_> {
    if version >= 13 {
        TopicRef::Id(topic.topic_id)
    } else {
        TopicRef::Name(topic.topic.as_str())
    }
}

/// One pass over the requested partitions: the response, the record bytes in it,
/// and whether any partition has an error or a diverging epoch (either makes
/// Kafka answer at once).
fn read(broker: &Broker, version: i16, request: &FetchRequest) -> (FetchResponse, i64, bool) {
    // KIP-74: a limit of 0 (or less) still returns the first batch, and nothing more.
    let mut remaining = i64::from(request.max_bytes.max(0));
    let mut total = 0i64;
    let mut answer_now = false;
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
                    let mut unresolved = false;
                    let (log, result) = match resolved.partition(p.partition) {
                        Ok(log) => {
                            let read = check_epochs(p, &log).and_then(|diverging| match diverging {
                                Some(diverging) => Ok(Read::Diverging(diverging)),
                                None => {
                                    let limit = i64::from(p.partition_max_bytes.max(0)).min(remaining);
                                    // KIP-74: the first batch of the response is returned whole.
                                    let read = log.read(p.fetch_offset, limit.max(0) as u64, total == 0);
                                    read.map(Read::Records).map_err(Error::from)
                                }
                            });
                            (Some(log), read)
                        }
                        Err(error) => {
                            unresolved = true;
                            (None, Err(error))
                        }
                    };
                    let data = PartitionData::default()
                        .with_partition_index(p.partition)
                        .with_preferred_read_replica(BrokerId(-1))
                        .with_aborted_transactions(read_committed.then(Vec::new));
                    match result {
                        // Kafka answers a diverging partition at once, with no records.
                        Ok(Read::Diverging(diverging)) => {
                            answer_now = true;
                            with_offsets(log.as_deref(), data)
                                .with_diverging_epoch(diverging)
                                .with_records(Some(Bytes::new()))
                        }
                        Ok(Read::Records(records)) => {
                            remaining -= records.len() as i64;
                            total += records.len() as i64;
                            with_offsets(log.as_deref(), data).with_records(Some(records))
                        }
                        // Kafka's ReplicaManager answers a failed read (OFFSET_OUT_OF_RANGE
                        // included) with -1 for the high watermark, last stable offset and
                        // log start. A partition refused before the read (unknown topic or
                        // partition) is FetchResponse.partitionResponse, whose
                        // aborted_transactions is the generated default: an empty array.
                        Err(error) => {
                            answer_now = true;
                            let data = data
                                .with_error_code(error.code())
                                .with_records(Some(Bytes::new()))
                                .with_high_watermark(-1)
                                .with_last_stable_offset(-1)
                                .with_log_start_offset(-1);
                            if unresolved {
                                data.with_aborted_transactions(Some(Vec::new()))
                            } else {
                                data
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
    (FetchResponse::default().with_responses(topics), total, answer_now)
}

/// What reading one partition found.
enum Read {
    Records(Bytes),
    /// The log does not hold the fetcher's last fetched epoch up to its fetch
    /// offset: where that epoch ends here (KIP-595), instead of records.
    Diverging(EpochEndOffset),
}

/// What Kafka's `Partition.readRecords` checks before reading: the request's
/// current leader epoch, and from v12 its last fetched epoch, which the leader
/// looks up in its epoch history (`log::leader_epoch`). An epoch the history
/// cannot place, or a fetch offset before the log start, is OFFSET_OUT_OF_RANGE;
/// a fetch offset past where the last fetched epoch ends here is a diverging
/// epoch. Consumers send no last fetched epoch (-1); followers do.
fn check_epochs(p: &FetchPartition, log: &Log) -> Result<Option<EpochEndOffset>, Error> {
    leader_epoch::check_current(leader_epoch::from_fetch(p.current_leader_epoch))?;
    let Some(last_fetched) = leader_epoch::from_fetch(p.last_fetched_epoch) else { return Ok(None) };
    let (start, end) = (log.start_offset(), log.end_offset());
    let Some(found) = end_offset_for(last_fetched, start, end) else {
        return Err(Error::OffsetOutOfRange(format!(
            "Could not determine the end offset of the last fetched epoch {last_fetched}"
        )));
    };
    if p.fetch_offset < start {
        return Err(Error::OffsetOutOfRange(format!(
            "Received request for offset {} but we only have log segments in the range {start} to {end}.",
            p.fetch_offset
        )));
    }
    if found.epoch < last_fetched || found.end_offset < p.fetch_offset {
        return Ok(Some(EpochEndOffset::default().with_epoch(found.epoch).with_end_offset(found.end_offset)));
    }
    Ok(None)
}

/// A throttled fetch's answer, as Kafka's fetch context gives it
/// (`getThrottledResponse`): no error, no partitions, no session; the caller
/// sets its throttle time.
pub fn throttled() -> FetchResponse {
    FetchResponse::default()
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
