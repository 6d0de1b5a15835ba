//! Per-log settings a topic carries: `message.timestamp.type=LogAppendTime` (the
//! batch stamped as Kafka's LogValidator stamps it) and configs changed on a
//! live log (`Log::set_config`), each taking effect at its next use.

mod log_common;

use bytes::Bytes;
use kafka_protocol::records::{RecordBatchDecoder, TimestampType as RecordTimestampType};
use log_common::*;
use strand::log::batch::{self, BatchHeader};
use strand::log::testing::BatchBuilder;
use strand::log::{Log, LogConfig, OffsetLookup, TimestampType};

/// The broker's clock in these tests: far from the producer's timestamps.
const NOW: i64 = 1_800_000_000_000;

fn log_append_time() -> LogConfig {
    LogConfig { timestamp_type: TimestampType::LogAppendTime, ..small_config() }
}

/// The timestamp type of every record, as a client library decodes them (the
/// kafka-protocol crate checks the CRC; unlike the Java client and librdkafka it
/// leaves each record's own timestamp in place of the batch's LogAppendTime).
fn decoded_timestamp_types(bytes: &Bytes) -> Vec<RecordTimestampType> {
    let mut buf = bytes.clone();
    let records = RecordBatchDecoder::decode(&mut buf).expect("a client decodes the stored batch (CRC included)");
    records.records.iter().map(|r| r.timestamp_type).collect()
}

#[test]
fn log_append_time_stamps_the_batch_with_the_brokers_clock_and_a_new_crc() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &log_append_time());
    let appended = make_batch(3, 20, 1000);
    let info = log.append(&appended, NOW).unwrap();
    assert_eq!(info.log_append_time_ms, NOW);

    let stored = read_one(&log, 0);
    let header = batch::validate(&stored.bytes).expect("the stored batch's CRC32C matches its bytes");
    assert!(header.is_log_append_time());
    assert_eq!(header.max_timestamp(), NOW);
    // As in Kafka: the base timestamp and the records stay as the producer wrote them.
    let original = BatchHeader::new(&appended).unwrap();
    assert_eq!(header.base_timestamp(), original.base_timestamp());
    assert_eq!(&stored.bytes[61..], &appended[61..]);
    assert_eq!(header.attributes(), original.attributes() | 0x08);
    assert_eq!(decoded_timestamp_types(&stored.bytes), vec![RecordTimestampType::LogAppend; 3]);
}

#[test]
fn create_time_leaves_the_batch_as_the_producer_sent_it() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    let appended = make_batch(3, 20, 1000);
    assert_eq!(log.append(&appended, NOW).unwrap().log_append_time_ms, -1);
    assert_same_batch(&read_one(&log, 0), &appended, 0);
}

#[test]
fn log_append_time_keeps_the_other_attribute_bits() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &log_append_time());
    let mut appended = make_batch(2, 20, 1000).to_vec();
    // The transactional bit (4), with the CRC made to match, as a producer sends it.
    appended[22] |= 0x10;
    let crc = crc32c::crc32c(&appended[21..]);
    appended[17..21].copy_from_slice(&crc.to_be_bytes());
    log.append(&appended, NOW).unwrap();
    let stored = read_one(&log, 0);
    assert_eq!(batch::validate(&stored.bytes).unwrap().attributes(), 0x18);
}

#[test]
fn lookups_by_time_go_by_the_log_append_time_across_restarts_and_recovery() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &log_append_time());
    // Producer timestamps run backwards; the broker's clock runs forwards.
    for i in 0..40i64 {
        log.append(&make_batch(2, 100, 1_000_000 - i), NOW + 10 * i).unwrap();
    }
    assert!(log.segment_count() > 2, "the test wants several segments, each with index entries");
    let check = |log: &Log| {
        for i in [0i64, 1, 17, 39] {
            assert_eq!(
                log.offset_for_timestamp(NOW + 10 * i).unwrap(),
                Some(OffsetLookup { offset: 2 * i, timestamp: NOW + 10 * i, leader_epoch: Some(0) })
            );
        }
        assert_eq!(log.offset_for_timestamp(NOW + 391).unwrap(), None);
        // Every record of the newest batch has the largest timestamp; the first one answers.
        assert_eq!(
            log.max_timestamp().unwrap(),
            Some(OffsetLookup { offset: 78, timestamp: NOW + 390, leader_epoch: Some(0) })
        );
    };
    check(&log);
    log.close().unwrap();
    drop(log);
    let log = open(dir.path(), &log_append_time());
    check(&log);
    crash(log, dir.path());
    let log = open(dir.path(), &log_append_time());
    check(&log);
}

#[test]
fn age_retention_goes_by_the_log_append_time() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_ms: 10_000, ..log_append_time() };
    let log = open(dir.path(), &config);
    // Producer timestamps from long ago: under CreateTime every sealed segment would expire.
    for i in 0..20i64 {
        log.append(&make_batch(2, 200, 1000), NOW + i).unwrap();
    }
    let segments = log.segment_count();
    assert!(segments > 2);
    assert!(log.apply_retention(NOW + 10_000).unwrap().is_empty());
    assert_eq!(log.apply_retention(NOW + 20_000).unwrap().len(), segments - 1);
}

#[test]
fn a_retried_batch_answers_its_first_log_append_time_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &log_append_time());
    let first = BatchBuilder::records(3, 10).producer(7, 0, 0).build();
    let second = BatchBuilder::records(2, 10).producer(7, 0, 3).build();
    assert_eq!(log.append(&first, NOW).unwrap().log_append_time_ms, NOW);
    assert_eq!(log.append(&second, NOW + 5).unwrap().log_append_time_ms, NOW + 5);
    let retry = log.append(&first, NOW + 99).unwrap();
    assert_eq!((retry.base_offset, retry.last_offset, retry.log_append_time_ms), (0, 2, NOW));
    assert_eq!(log.end_offset(), 5);

    // Clean restart: from the producer snapshot.
    drop(log);
    let log = open(dir.path(), &log_append_time());
    assert_eq!(log.append(&second, NOW + 200).unwrap().log_append_time_ms, NOW + 5);
    // Crash: rebuilt from the batch headers.
    crash(log, dir.path());
    let log = open(dir.path(), &log_append_time());
    assert_eq!(log.append(&first, NOW + 300).unwrap().log_append_time_ms, NOW);
    assert_eq!(log.end_offset(), 5);
}

#[test]
fn a_retried_create_time_batch_answers_its_max_timestamp_as_kafka_does() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    let batch = BatchBuilder::records(3, 10).first_timestamp(5000).producer(7, 0, 0).build();
    assert_eq!(log.append(&batch, NOW).unwrap().log_append_time_ms, -1);
    // Kafka's UnifiedLog answers a duplicate with its BatchMetadata's timestamp, the
    // batch's maxTimestamp, whatever the topic's timestamp type.
    assert_eq!(log.append(&batch, NOW).unwrap().log_append_time_ms, 5002);
}

#[test]
fn set_config_switches_the_timestamp_type_at_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    log.append(&make_batch(1, 10, 1000), NOW).unwrap();
    log.set_config(log_append_time());
    assert_eq!(log.config().timestamp_type, TimestampType::LogAppendTime);
    log.append(&make_batch(1, 10, 1000), NOW).unwrap();
    log.set_config(small_config());
    log.append(&make_batch(1, 10, 1000), NOW).unwrap();
    let types: Vec<bool> =
        (0..3).map(|o| BatchHeader::new(&read_one(&log, o).bytes).unwrap().is_log_append_time()).collect();
    assert_eq!(types, vec![false, true, false]);
}

#[test]
fn set_config_retention_applies_at_the_next_check() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    for i in 0..20i64 {
        log.append(&make_batch(2, 200, 1000 * i), 0).unwrap();
    }
    let segments = log.segment_count();
    assert!(segments > 2);
    assert!(log.apply_retention(1_000_000).unwrap().is_empty(), "retention is off in small_config");
    log.set_config(LogConfig { retention_bytes: 0, ..small_config() });
    assert_eq!(log.apply_retention(1_000_000).unwrap().len(), segments - 1);
    assert_eq!(log.segment_count(), 1);
}

#[test]
fn set_config_segment_bytes_rolls_and_refuses_by_the_new_size() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let batch = make_batch(2, 200, 1000);
    for _ in 0..10 {
        log.append(&batch, 0).unwrap();
    }
    assert_eq!(log.segment_count(), 1);
    log.set_config(LogConfig { segment_bytes: batch.len() as u64 * 2, ..LogConfig::default() });
    for _ in 0..4 {
        log.append(&batch, 0).unwrap();
    }
    assert_eq!(log.segment_count(), 3, "one roll past the old segment, then one per two batches");
    log.set_config(LogConfig { segment_bytes: batch.len() as u64 - 1, ..LogConfig::default() });
    assert!(matches!(log.append(&batch, 0), Err(strand::log::Error::BatchLargerThanSegment { .. })));
}

#[test]
fn set_config_segment_ms_rolls_at_the_next_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    log.append(&make_batch(1, 10, 0), 0).unwrap();
    log.append(&make_batch(1, 10, 5000), 0).unwrap();
    assert_eq!(log.segment_count(), 1);
    log.set_config(LogConfig { segment_ms: 1000, ..LogConfig::default() });
    log.append(&make_batch(1, 10, 6000), 0).unwrap();
    assert_eq!(log.segment_count(), 2);
}
