//! The one produce path of the REST APIs (v2 `POST /topics/{topic}`, v3
//! `POST /v3/clusters/{id}/topics/{topic}/records`): records a handler has
//! decoded from JSON become Kafka v2 record batches, one per partition, appended
//! through `Broker::append` with the checks the Kafka Produce handler makes
//! (`api::produce`), so any Kafka client reads them as if a producer had sent them.
//!
//! Partitioning follows the Java client's default partitioner
//! (`BuiltInPartitioner.partitionForKey`): a record with a key goes to
//! `toPositive(Utils.murmur2(key)) % partitions`, the partition librdkafka's
//! `murmur2_random` also picks, so REST and Kafka producers co-partition by key.
//! A record that names its partition goes there. Keyless records have no
//! deterministic home in Kafka either (the Java client's sticky partitioner sticks
//! to one partition per batch): here the keyless records of one request all go to
//! one partition, which moves round-robin from request to request, so a request
//! costs one batch and successive requests spread over the partitions.
//!
//! A request is checked whole before anything is appended (record count against
//! `http_max_records_per_request`, partitions, every batch against the topic's
//! `max.message.bytes`), and each partition's records are one batch, so a
//! partition gets all of its records or none. A topic that does not exist is a
//! 404: the REST APIs never create topics on produce.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::{Bytes, BytesMut};
use kafka_protocol::protocol::StrBytes;
use kafka_protocol::records::{Compression, Record, RecordBatchEncoder, RecordEncodeOptions, TimestampType};

use super::RestError;
use crate::broker::Broker;
use crate::log::{self, Log};
use crate::topics::config::TopicConfig;
use crate::topics::Topic;

/// One record as a REST client sent it, its key and value already serialized.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OutRecord {
    /// The partition the client asked for, if any.
    pub partition: Option<i32>,
    pub key: Option<Bytes>,
    pub value: Option<Bytes>,
    /// Kafka headers, in order (a name given twice keeps the last value: the
    /// record encoder keys headers by name).
    pub headers: Vec<(String, Option<Bytes>)>,
    /// CreateTime in ms; the broker's clock when absent.
    pub timestamp: Option<i64>,
}

/// Where one record landed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Placed {
    pub partition: i32,
    pub offset: i64,
    /// The record's timestamp as the log keeps it (LogAppendTime when the topic says so).
    pub timestamp: i64,
}

/// The request-wide rule for keyless records: all of one request's go to the
/// partition this counter names, modulo the partition count.
static NEXT_KEYLESS: AtomicUsize = AtomicUsize::new(0);

/// Kafka's `Utils.murmur2`: MurmurHash2, seed 0x9747b28c, over the key bytes,
/// as the Java client hashes keys to partitions.
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let mut h: u32 = SEED ^ (data.len() as u32);
    let mut chunks = data.chunks_exact(4);
    for chunk in &mut chunks {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let tail = chunks.remainder();
    if tail.len() >= 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// The partition the Java client's default partitioner picks for `key`.
pub fn partition_for_key(key: &[u8], partitions: usize) -> i32 {
    ((murmur2(key) & 0x7fff_ffff) as usize % partitions) as i32
}

/// The topic a REST request names, or 404 40401.
pub fn topic(broker: &Broker, name: &str) -> Result<std::sync::Arc<Topic>, RestError> {
    broker.topics.get(name).ok_or(RestError::TopicNotFound)
}

/// Checks and appends `records` to `topic`, one batch per partition; the
/// answer has one entry per record, in request order: where it landed, or the
/// error its partition's append failed with. Errors that refuse the whole
/// request (too many records, an unknown partition, a batch over
/// `max.message.bytes`) come back as `Err` with nothing appended.
pub async fn produce(
    broker: &Broker,
    topic: &Topic,
    records: Vec<OutRecord>,
) -> Result<Vec<Result<Placed, RestError>>, RestError> {
    let started = std::time::Instant::now();
    let limit = broker.config.http_max_records_per_request as usize;
    if records.is_empty() {
        return Err(RestError::Unprocessable("records may not be empty".into()));
    }
    if records.len() > limit {
        return Err(RestError::Unprocessable(format!(
            "{} records in one request; http_max_records_per_request is {limit}",
            records.len()
        )));
    }
    let partitions = topic.partition_count();
    if partitions == 0 {
        return Err(RestError::PartitionNotFound);
    }
    let keyless = NEXT_KEYLESS.fetch_add(1, Ordering::Relaxed) % partitions;
    // partition -> indexes of its records in request order.
    let mut by_partition: BTreeMap<i32, Vec<usize>> = BTreeMap::new();
    for (i, record) in records.iter().enumerate() {
        let partition = match (record.partition, &record.key) {
            (Some(p), _) => {
                if p < 0 || p as usize >= partitions {
                    return Err(RestError::PartitionNotFound);
                }
                p
            }
            (None, Some(key)) => partition_for_key(key, partitions),
            (None, None) => keyless as i32,
        };
        by_partition.entry(partition).or_default().push(i);
    }
    let config = topic.config();
    let now = crate::now_ms();
    let mut batches = Vec::with_capacity(by_partition.len());
    for (&partition, indexes) in &by_partition {
        let log = topic.partition(partition).ok_or(RestError::PartitionNotFound)?;
        let batch = encode_batch(indexes.iter().map(|&i| &records[i]), now)?;
        check_size(&batch, &config)?;
        batches.push((partition, log, batch));
    }
    let mut results: Vec<Option<Result<Placed, RestError>>> = (0..records.len()).map(|_| None).collect();
    let (mut appended_records, mut appended_bytes) = (0u64, 0u64);
    for (partition, log, batch) in batches {
        let indexes = &by_partition[&partition];
        match append(&log, &config, &batch) {
            Ok(info) => {
                appended_records += indexes.len() as u64;
                appended_bytes += batch.len() as u64;
                for (n, &i) in indexes.iter().enumerate() {
                    let timestamp = if info.log_append_time_ms >= 0 {
                        info.log_append_time_ms
                    } else {
                        records[i].timestamp.unwrap_or(now)
                    };
                    results[i] = Some(Ok(Placed { partition, offset: info.base_offset + n as i64, timestamp }));
                }
            }
            Err(error) => {
                let message = error.to_string();
                for &i in indexes {
                    results[i] = Some(Err(same_error(&error, &message)));
                }
            }
        }
    }
    // The topic's stats count REST produce as they count the Kafka Produce API's.
    topic.stats.record_produce(appended_records, appended_bytes, started.elapsed());
    Ok(results.into_iter().map(|r| r.expect("every record belongs to one partition's batch")).collect())
}

/// A copy of a partition's append error for each of its records.
fn same_error(error: &RestError, message: &str) -> RestError {
    match error {
        RestError::RecordTooLarge(_) => RestError::RecordTooLarge(message.to_owned()),
        RestError::Unprocessable(_) => RestError::Unprocessable(message.to_owned()),
        RestError::KafkaRetriable(_) => RestError::KafkaRetriable(message.to_owned()),
        _ => RestError::Kafka(message.to_owned()),
    }
}

/// One uncompressed v2 batch of `records`, as a non-idempotent producer sends it
/// (producer id -1, no sequence), CreateTime stamped `now` where the record has no time.
fn encode_batch<'a>(records: impl Iterator<Item = &'a OutRecord>, now: i64) -> Result<Bytes, RestError> {
    let records: Vec<Record> = records
        .enumerate()
        .map(|(i, r)| {
            let mut record = Record {
                transactional: false,
                control: false,
                delete_horizon: false,
                partition_leader_epoch: -1,
                producer_id: -1,
                producer_epoch: -1,
                timestamp_type: TimestampType::Creation,
                offset: i as i64,
                // The encoder starts a new batch whenever offset - sequence changes:
                // -1 + i keeps one batch whose base sequence is -1 (none).
                sequence: i as i32 - 1,
                timestamp: r.timestamp.unwrap_or(now),
                key: r.key.clone(),
                value: r.value.clone(),
                headers: Default::default(),
            };
            for (name, value) in &r.headers {
                record.headers.insert(StrBytes::from_string(name.clone()), value.clone());
            }
            record
        })
        .collect();
    let mut buf = BytesMut::new();
    let options = RecordEncodeOptions { version: 2, compression: Compression::None };
    RecordBatchEncoder::encode(&mut buf, &records, &options)
        .map_err(|e| RestError::Internal(format!("cannot encode the record batch: {e}")))?;
    Ok(buf.freeze())
}

/// Kafka's `max.message.bytes` check on the whole batch (MESSAGE_TOO_LARGE), as
/// the REST Proxy reports a record too large: 422 42206.
fn check_size(batch: &[u8], config: &TopicConfig) -> Result<(), RestError> {
    if batch.len() > config.max_message_bytes as usize {
        return Err(RestError::RecordTooLarge(format!(
            "The records of one partition make a batch of {} bytes, larger than the topic's max.message.bytes {}",
            batch.len(),
            config.max_message_bytes
        )));
    }
    Ok(())
}

/// Appends one batch as `api::produce` does: through `Broker::append`, counted in
/// the produce metrics.
fn append(log: &Log, config: &TopicConfig, batch: &[u8]) -> Result<log::AppendInfo, RestError> {
    match Broker::append(log, config.flush_messages.is_some(), batch, crate::now_ms()) {
        Ok(info) => {
            crate::metrics::produced((info.last_offset - info.base_offset + 1) as u64, batch.len() as u64);
            Ok(info)
        }
        Err(e) => {
            tracing::warn!(error = %e, "REST produce refused");
            Err(from_log(e))
        }
    }
}

/// A log refusal as the REST Proxy reports the Kafka error behind it.
fn from_log(error: log::Error) -> RestError {
    match error {
        log::Error::InvalidTimestamp(_) => RestError::Unprocessable(error.to_string()),
        log::Error::BatchLargerThanSegment { .. } => RestError::RecordTooLarge(error.to_string()),
        log::Error::Closed => RestError::KafkaRetriable(error.to_string()),
        _ => RestError::Kafka(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Kafka's own vectors (`UtilsTest.testMurmur2` in the Java client).
    #[test]
    fn murmur2_matches_kafkas_utils_murmur2() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            (b"abc", 479470107),
        ];
        for (key, expected) in cases {
            assert_eq!(murmur2(key), expected, "murmur2({:?})", String::from_utf8_lossy(key));
        }
    }

    #[test]
    fn keys_go_where_the_java_partitioner_puts_them() {
        // toPositive(-973932308) = 1173551340; % 3 = 0, % 7 = 5.
        assert_eq!(partition_for_key(b"21", 3), 1_173_551_340 % 3);
        assert_eq!(partition_for_key(b"21", 7), 1_173_551_340 % 7);
        assert_eq!(partition_for_key(b"abc", 1), 0);
    }

    #[test]
    fn a_batch_holds_every_record_in_order() {
        let records = [
            OutRecord {
                key: Some(Bytes::from_static(b"k")),
                value: Some(Bytes::from_static(b"v1")),
                ..Default::default()
            },
            OutRecord {
                value: Some(Bytes::from_static(b"v2")),
                headers: vec![("h".into(), Some(Bytes::from_static(b"x")))],
                timestamp: Some(42),
                ..Default::default()
            },
        ];
        let batch = encode_batch(records.iter(), 1_000).unwrap();
        let header = crate::log::batch::BatchHeader::new(&batch).unwrap();
        assert_eq!(header.last_offset_delta(), 1);
        let mut buf = batch.clone();
        let decoded = kafka_protocol::records::RecordBatchDecoder::decode(&mut buf).unwrap();
        assert_eq!(decoded.records.len(), 2);
        assert_eq!(decoded.records[0].key.as_deref(), Some(&b"k"[..]));
        assert_eq!(decoded.records[0].timestamp, 1_000);
        assert_eq!(decoded.records[1].value.as_deref(), Some(&b"v2"[..]));
        assert_eq!(decoded.records[1].timestamp, 42);
        assert_eq!(decoded.records[1].headers.len(), 1);
    }
}
