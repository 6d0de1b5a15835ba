//! The log's append and read contract: offsets, reads of whole batches (KIP-74),
//! segment rolls by size and time, lookups by offset and timestamp across segment
//! edges, retention, the log start offset DeleteRecords moves, and the flush
//! policy, each on real files in a temp dir.

mod log_common;

use bytes::Bytes;
use log_common::*;
use strand::log::records::Codec;
use strand::log::testing::compress;
use strand::log::{Error, Log, LogConfig, OffsetLookup};

/// Appends `count` batches of `records` records each; batch i's records carry
/// timestamps from `1000 * i`. Returns (base offset, batch) of each.
fn fill(log: &Log, count: usize, records: usize, value_size: usize) -> Vec<(i64, Bytes)> {
    (0..count)
        .map(|i| {
            let batch = make_batch(records, value_size, 1000 * i as i64);
            let info = log.append(&batch, 0).unwrap();
            (info.base_offset, batch)
        })
        .collect()
}

#[test]
fn append_assigns_contiguous_offsets_from_zero() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let first = log.append(&make_batch(3, 10, 0), 0).unwrap();
    let second = log.append(&make_batch(5, 10, 0), 0).unwrap();
    assert_eq!((first.base_offset, first.last_offset), (0, 2));
    assert_eq!((second.base_offset, second.last_offset), (3, 7));
    assert_eq!(log.end_offset(), 8);
    assert_eq!(log.start_offset(), 0);
}

#[test]
fn read_returns_each_appended_batch_with_its_assigned_base_offset() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let appended = fill(&log, 10, 3, 50);
    for (offset, batch) in &appended {
        assert_same_batch(&read_one(&log, *offset), batch, *offset);
    }
}

#[test]
fn read_with_room_returns_every_following_batch_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let appended = fill(&log, 10, 3, 50);
    let read = batches(&log.read(0, u64::MAX, false).unwrap());
    assert_eq!(read.len(), appended.len());
    for (stored, (offset, batch)) in read.iter().zip(&appended) {
        assert_same_batch(stored, batch, *offset);
    }
}

#[test]
fn reopen_after_clean_close_keeps_every_batch_and_the_end_offset() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let appended = {
        let log = open(dir.path(), &config);
        let appended = fill(&log, 20, 4, 200);
        log.close().unwrap();
        appended
    };
    let log = open(dir.path(), &config);
    assert_eq!(log.end_offset(), 80);
    for (offset, batch) in &appended {
        assert_same_batch(&read_one(&log, *offset), batch, *offset);
    }
}

#[test]
fn appends_after_reopen_continue_at_the_end_offset() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    {
        let log = open(dir.path(), &config);
        log.append(&make_batch(7, 10, 0), 0).unwrap();
    }
    let log = open(dir.path(), &config);
    let info = log.append(&make_batch(2, 10, 0), 0).unwrap();
    assert_eq!((info.base_offset, info.last_offset), (7, 8));
}

#[test]
fn read_inside_a_batch_returns_that_whole_batch() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let appended = fill(&log, 3, 10, 20);
    for offset in 10..20 {
        assert_same_batch(&read_one(&log, offset), &appended[1].1, 10);
    }
}

#[test]
fn read_at_log_end_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    assert!(log.read(0, 1 << 20, true).unwrap().is_empty());
    fill(&log, 2, 3, 10);
    assert!(log.read(6, 1 << 20, true).unwrap().is_empty());
}

#[test]
fn read_past_log_end_is_offset_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    fill(&log, 2, 3, 10);
    let err = log.read(7, 1 << 20, true).unwrap_err();
    assert!(matches!(err, Error::OffsetOutOfRange { offset: 7, start: 0, end: 6 }), "{err:?}");
    assert!(matches!(log.read(-1, 1 << 20, true), Err(Error::OffsetOutOfRange { .. })));
}

#[test]
fn read_stops_at_the_last_whole_batch_that_fits_max_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let appended = fill(&log, 5, 2, 100);
    let two = (appended[0].1.len() + appended[1].1.len()) as u64;
    assert_eq!(batches(&log.read(0, two, false).unwrap()).len(), 2);
    assert_eq!(batches(&log.read(0, two + 1, false).unwrap()).len(), 2);
    assert_eq!(batches(&log.read(0, two - 1, false).unwrap()).len(), 1);
}

#[test]
fn first_batch_larger_than_max_bytes_is_returned_whole_only_with_min_one() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let appended = fill(&log, 2, 4, 500);
    assert!(log.read(0, 100, false).unwrap().is_empty());
    assert_same_batch(&read_one(&log, 0), &appended[0].1, 0);
}

#[test]
fn batch_too_large_for_max_bytes_without_min_one_is_not_skipped_for_the_next_segment() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig { segment_ms: 1000, ..small_config() });
    log.append(&make_batch(4, 200, 0), 0).unwrap();
    log.append(&make_batch(1, 10, 5000), 0).unwrap();
    assert_eq!(log.segment_count(), 2);
    // Offset 0's batch does not fit in 200 bytes; the next segment's would.
    assert!(log.read(0, 200, false).unwrap().is_empty());
}

#[test]
fn subscribers_see_the_end_offset_move_on_append() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    let mut end = log.subscribe();
    assert_eq!(*end.borrow_and_update(), 0);
    log.append(&make_batch(4, 10, 0), 0).unwrap();
    assert!(end.has_changed().unwrap());
    assert_eq!(*end.borrow_and_update(), 4);
}

#[test]
fn rolls_when_the_next_batch_would_pass_segment_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let log = open(dir.path(), &config);
    let appended = fill(&log, 20, 4, 200);
    assert!(log.segment_count() >= 5, "{} segments", log.segment_count());
    for file in segment_files(dir.path(), "log") {
        let size = std::fs::metadata(&file).unwrap().len();
        assert!(size <= config.segment_bytes, "{} is {size} bytes", file.display());
    }
    // Each segment is named by the offset of its first batch.
    let bases: Vec<i64> = segment_files(dir.path(), "log")
        .iter()
        .map(|p| p.file_stem().unwrap().to_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(bases[0], 0);
    for base in bases {
        assert!(appended.iter().any(|(offset, _)| *offset == base), "segment base {base} is not a batch start");
    }
}

#[test]
fn segment_file_names_are_twenty_digit_base_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    fill(&log, 8, 4, 200);
    let names: Vec<String> =
        segment_files(dir.path(), "log").iter().map(|p| p.file_name().unwrap().to_str().unwrap().to_owned()).collect();
    assert_eq!(names[0], "00000000000000000000.log");
    assert!(names.iter().all(|n| n.len() == "00000000000000000000.log".len()));
    assert!(dir.path().join("00000000000000000000.index").exists());
    assert!(dir.path().join("00000000000000000000.timeindex").exists());
}

#[test]
fn batch_larger_than_segment_bytes_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    let err = log.append(&make_batch(1, 5000, 0), 0).unwrap_err();
    assert!(matches!(err, Error::BatchLargerThanSegment { .. }), "{err:?}");
    assert_eq!(log.end_offset(), 0);
}

fn time_roll_config() -> LogConfig {
    LogConfig { segment_ms: 1000, ..LogConfig::default() }
}

#[test]
fn rolls_when_batch_timestamps_span_more_than_segment_ms() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &time_roll_config());
    log.append(&make_batch(1, 10, 5_000), 0).unwrap();
    log.append(&make_batch(1, 10, 5_500), 0).unwrap();
    assert_eq!(log.segment_count(), 1);
    log.append(&make_batch(1, 10, 6_001), 0).unwrap();
    assert_eq!(log.segment_count(), 2);
    assert!(dir.path().join("00000000000000000002.log").exists());
}

#[test]
fn a_span_of_exactly_segment_ms_does_not_roll() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &time_roll_config());
    log.append(&make_batch(1, 10, 5_000), 0).unwrap();
    log.append(&make_batch(1, 10, 6_000), 0).unwrap();
    assert_eq!(log.segment_count(), 1);
}

#[test]
fn time_roll_measures_from_the_first_batchs_max_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &time_roll_config());
    // The first batch's records reach 5_009; 6_009 is exactly segment_ms later.
    log.append(&make_batch(10, 10, 5_000), 0).unwrap();
    log.append(&make_batch(1, 10, 6_009), 0).unwrap();
    assert_eq!(log.segment_count(), 1);
    log.append(&make_batch(1, 10, 6_010), 0).unwrap();
    assert_eq!(log.segment_count(), 2);
}

#[test]
fn time_roll_survives_a_clean_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = time_roll_config();
    {
        let log = open(dir.path(), &config);
        log.append(&make_batch(1, 10, 5_000), 0).unwrap();
    }
    let log = open(dir.path(), &config);
    log.append(&make_batch(1, 10, 6_001), 0).unwrap();
    assert_eq!(log.segment_count(), 2);
}

#[test]
fn batches_without_timestamps_roll_by_segment_age_on_the_callers_clock() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = Log::open(dir.path(), time_roll_config(), 0).unwrap();
    let untimed = || batch_with_timestamps(&[-1], 10);
    log.append(&untimed(), 0).unwrap();
    log.append(&untimed(), 1000).unwrap();
    assert_eq!(log.segment_count(), 1);
    log.append(&untimed(), 1001).unwrap();
    assert_eq!(log.segment_count(), 2);
    log.append(&untimed(), 2001).unwrap();
    assert_eq!(log.segment_count(), 2);
    log.append(&untimed(), 2002).unwrap();
    assert_eq!(log.segment_count(), 3);
}

/// A log of 24 batches of 4 records over several segments; batch i's records
/// have timestamps 1000 * i .. 1000 * i + 3.
fn segmented_log(dir: &std::path::Path) -> (Log, Vec<(i64, Bytes)>) {
    let log = open(dir, &small_config());
    let appended = fill(&log, 24, 4, 200);
    assert!(log.segment_count() >= 4);
    (log, appended)
}

fn segment_bases(dir: &std::path::Path) -> Vec<i64> {
    segment_files(dir, "log").iter().map(|p| p.file_stem().unwrap().to_str().unwrap().parse().unwrap()).collect()
}

#[test]
fn reads_at_segment_edges_return_the_batch_holding_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let (log, appended) = segmented_log(dir.path());
    let batch_at = |offset: i64| appended.iter().rev().find(|(base, _)| *base <= offset).unwrap();
    for base in segment_bases(dir.path()).into_iter().skip(1) {
        for offset in [base - 1, base, base + 1] {
            let (expected_base, expected) = batch_at(offset);
            assert_same_batch(&read_one(&log, offset), expected, *expected_base);
        }
    }
}

#[test]
fn every_offset_reads_back_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (log, appended) = segmented_log(dir.path());
    for (base, batch) in &appended {
        for offset in *base..*base + 4 {
            assert_same_batch(&read_one(&log, offset), batch, *base);
        }
    }
}

#[test]
fn timestamp_lookup_finds_the_first_record_at_or_after_the_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    // Batch 5 holds offsets 20..24 with timestamps 5000..5003.
    assert_eq!(
        log.offset_for_timestamp(5002).unwrap(),
        Some(OffsetLookup { offset: 22, timestamp: 5002, leader_epoch: Some(0) })
    );
    assert_eq!(
        log.offset_for_timestamp(5000).unwrap(),
        Some(OffsetLookup { offset: 20, timestamp: 5000, leader_epoch: Some(0) })
    );
    // Between batches: the next batch's first record.
    assert_eq!(
        log.offset_for_timestamp(5004).unwrap(),
        Some(OffsetLookup { offset: 24, timestamp: 6000, leader_epoch: Some(0) })
    );
    assert_eq!(
        log.offset_for_timestamp(i64::MIN).unwrap(),
        Some(OffsetLookup { offset: 0, timestamp: 0, leader_epoch: Some(0) })
    );
}

#[test]
fn timestamp_lookup_at_segment_edges() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    for base in segment_bases(dir.path()).into_iter().skip(1) {
        let first_ts = 1000 * base / 4;
        // The segment's first record, asked for exactly and from just after the
        // previous segment's last record.
        let expected = Some(OffsetLookup { offset: base, timestamp: first_ts, leader_epoch: Some(0) });
        assert_eq!(log.offset_for_timestamp(first_ts).unwrap(), expected);
        assert_eq!(log.offset_for_timestamp(first_ts - 996).unwrap(), expected);
        // The previous segment's last record.
        let last = Some(OffsetLookup { offset: base - 1, timestamp: first_ts - 997, leader_epoch: Some(0) });
        assert_eq!(log.offset_for_timestamp(first_ts - 997).unwrap(), last);
    }
}

#[test]
fn timestamp_lookup_past_the_newest_record_is_none() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    assert_eq!(
        log.offset_for_timestamp(23_003).unwrap(),
        Some(OffsetLookup { offset: 95, timestamp: 23_003, leader_epoch: Some(0) })
    );
    assert_eq!(log.offset_for_timestamp(23_004).unwrap(), None);
}

#[test]
fn timestamp_lookup_with_timestamps_out_of_order_finds_the_first_record_at_or_after() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    log.append(&batch_with_timestamps(&[100, 900, 200], 10), 0).unwrap();
    log.append(&batch_with_timestamps(&[300, 400], 10), 0).unwrap();
    assert_eq!(
        log.offset_for_timestamp(250).unwrap(),
        Some(OffsetLookup { offset: 1, timestamp: 900, leader_epoch: Some(0) })
    );
    assert_eq!(log.offset_for_timestamp(950).unwrap(), None);
}

#[test]
fn max_timestamp_is_the_first_record_with_the_largest_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    assert_eq!(log.max_timestamp().unwrap(), None);
    log.append(&batch_with_timestamps(&[100, 900, 200], 10), 0).unwrap();
    log.append(&batch_with_timestamps(&[300, 900], 10), 0).unwrap();
    log.append(&batch_with_timestamps(&[400], 10), 0).unwrap();
    assert_eq!(log.max_timestamp().unwrap(), Some(OffsetLookup { offset: 1, timestamp: 900, leader_epoch: Some(0) }));
}

#[test]
fn max_timestamp_across_segments() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    assert_eq!(
        log.max_timestamp().unwrap(),
        Some(OffsetLookup { offset: 95, timestamp: 23_003, leader_epoch: Some(0) })
    );
}

#[test]
fn size_retention_deletes_the_oldest_segments_and_moves_the_start_offset() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_bytes: 8192, ..small_config() };
    let log = open(dir.path(), &config);
    fill(&log, 24, 4, 200);
    let before = log.segment_count();
    let deleted = log.apply_retention(0).unwrap();
    assert!(!deleted.is_empty());
    assert_eq!(log.segment_count(), before - deleted.len());
    assert_eq!(log.start_offset(), segment_bases(dir.path())[0]);
    assert!(log.start_offset() > 0);
    for base in deleted {
        assert!(!dir.path().join(format!("{base:020}.log")).exists());
        assert!(!dir.path().join(format!("{base:020}.index")).exists());
        assert!(!dir.path().join(format!("{base:020}.timeindex")).exists());
    }
}

#[test]
fn size_retention_keeps_at_least_retention_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_bytes: 8192, ..small_config() };
    let log = open(dir.path(), &config);
    fill(&log, 24, 4, 200);
    log.apply_retention(0).unwrap();
    // As in Kafka, a segment goes only if the log stays at or above the limit
    // without it, so the oldest one left is the one that would take it below.
    let oldest = std::fs::metadata(&segment_files(dir.path(), "log")[0]).unwrap().len();
    assert!(log.size_bytes() >= 8192);
    assert!(log.size_bytes() - oldest < 8192);
}

#[test]
fn size_retention_never_deletes_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_bytes: 0, ..small_config() };
    let log = open(dir.path(), &config);
    fill(&log, 24, 4, 200);
    log.apply_retention(0).unwrap();
    assert_eq!(log.segment_count(), 1);
    assert!(log.size_bytes() > 0);
    assert_eq!(log.end_offset(), 96);
    assert_eq!(log.apply_retention(0).unwrap(), Vec::<i64>::new());
}

#[test]
fn age_retention_deletes_segments_whose_newest_record_is_older_than_retention_ms() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_ms: 10_000, ..small_config() };
    let log = open(dir.path(), &config);
    fill(&log, 24, 4, 200);
    // At 20_003 a segment goes once its newest record is older than 10_003.
    let deleted = log.apply_retention(20_003).unwrap();
    assert!(!deleted.is_empty());
    let first = log.read(log.start_offset(), 1, true).map(|d| batches(&d).remove(0)).unwrap();
    let newest_deleted = 1000 * (first.base_offset / 4 - 1) + 3;
    assert!(newest_deleted < 10_003);
    // The first segment left still holds a record that is young enough.
    let segment_end = segment_bases(dir.path()).get(1).copied().unwrap_or(log.end_offset());
    let newest_kept = 1000 * ((segment_end - 1) / 4) + 3;
    assert!(newest_kept >= 10_003, "segment ending at {segment_end} should have been deleted");
}

#[test]
fn age_retention_never_deletes_the_active_segment() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_ms: 1, ..small_config() };
    let log = open(dir.path(), &config);
    fill(&log, 24, 4, 200);
    log.apply_retention(1_000_000).unwrap();
    assert_eq!(log.segment_count(), 1);
    assert_eq!(log.end_offset(), 96);
    assert!(!log.read(log.start_offset(), 1, true).unwrap().is_empty());
}

#[test]
fn reads_below_the_start_offset_after_retention_are_out_of_range() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_bytes: 8192, ..small_config() };
    let log = open(dir.path(), &config);
    let appended = fill(&log, 24, 4, 200);
    log.apply_retention(0).unwrap();
    let start = log.start_offset();
    let err = log.read(start - 1, 1 << 20, true).unwrap_err();
    assert!(matches!(err, Error::OffsetOutOfRange { start: s, end: 96, .. } if s == start), "{err:?}");
    let (base, batch) = appended.iter().find(|(base, _)| *base == start).unwrap();
    assert_same_batch(&read_one(&log, start), batch, *base);
}

#[test]
fn start_offset_after_retention_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_bytes: 8192, ..small_config() };
    let start = {
        let log = open(dir.path(), &config);
        fill(&log, 24, 4, 200);
        log.apply_retention(0).unwrap();
        log.start_offset()
    };
    let log = open(dir.path(), &config);
    assert_eq!(log.start_offset(), start);
    assert_eq!(log.end_offset(), 96);
    assert_eq!(log.append(&make_batch(1, 10, 0), 0).unwrap().log_start_offset, start);
}

#[test]
fn flush_every_message_appends_and_reads_back() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { flush_interval_messages: 1, ..small_config() };
    let appended = {
        let log = open(dir.path(), &config);
        let appended = fill(&log, 12, 4, 200);
        for (offset, batch) in &appended {
            assert_same_batch(&read_one(&log, *offset), batch, *offset);
        }
        crash(log, dir.path());
        appended
    };
    let (log, report) = Log::open(dir.path(), config, 0).unwrap();
    assert_eq!(report.truncated_bytes, 0);
    assert_eq!(log.end_offset(), 48);
    for (offset, batch) in &appended {
        assert_same_batch(&read_one(&log, *offset), batch, *offset);
    }
}

#[test]
fn flush_by_interval_ms_keeps_appends_readable_across_a_crash() {
    // An fsync cannot be observed from here; this checks the path runs and
    // loses nothing.
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { flush_interval_ms: Some(100), ..small_config() };
    let (log, _) = Log::open(dir.path(), config.clone(), 0).unwrap();
    let first = make_batch(2, 10, 0);
    let second = make_batch(2, 10, 0);
    log.append(&first, 0).unwrap();
    log.flush_if_due(50).unwrap();
    log.flush_if_due(100).unwrap();
    log.append(&second, 150).unwrap();
    log.flush_if_due(250).unwrap();
    crash(log, dir.path());
    let (log, report) = Log::open(dir.path(), config, 0).unwrap();
    assert_eq!(report.truncated_bytes, 0);
    assert_same_batch(&read_one(&log, 0), &first, 0);
    assert_same_batch(&read_one(&log, 2), &second, 2);
    assert_eq!(log.end_offset(), 4);
}

#[test]
fn append_after_close_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &LogConfig::default());
    log.append(&make_batch(1, 10, 0), 0).unwrap();
    log.close().unwrap();
    assert!(matches!(log.append(&make_batch(1, 10, 0), 0), Err(Error::Closed)));
    assert!(dir.path().join(".clean_shutdown").exists());
    // Closing twice is harmless, and reads still work.
    log.close().unwrap();
    assert_eq!(batches(&log.read(0, 1 << 20, false).unwrap()).len(), 1);
}

// The log start offset DeleteRecords moves (`advance_start`).

#[test]
fn advancing_the_start_hides_the_records_before_it_and_keeps_the_rest_of_their_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (log, appended) = segmented_log(dir.path());
    assert_eq!(log.advance_start(6).unwrap(), 6);
    assert_eq!(log.start_offset(), 6);
    assert!(matches!(log.read(5, 1 << 20, true), Err(Error::OffsetOutOfRange { offset: 5, start: 6, end: 96 })));
    // Batch 1 holds offsets 4..8: a read at the start returns it whole, as Kafka's does.
    assert_same_batch(&read_one(&log, 6), &appended[1].1, 4);
    assert_eq!(log.end_offset(), 96);
}

#[test]
fn the_start_never_moves_back_and_never_past_the_end() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    log.advance_start(10).unwrap();
    assert_eq!(log.advance_start(3).unwrap(), 10);
    assert_eq!(log.advance_start(10).unwrap(), 10);
    assert!(matches!(log.advance_start(97), Err(Error::OffsetOutOfRange { offset: 97, start: 10, end: 96 })));
    assert!(matches!(log.advance_start(-1), Err(Error::OffsetOutOfRange { .. })));
    assert_eq!(log.start_offset(), 10);
    assert_eq!(log.advance_start(96).unwrap(), 96);
    assert!(log.read(96, 1 << 20, true).unwrap().is_empty());
}

#[test]
fn segments_wholly_below_the_start_are_deleted_and_the_one_holding_it_stays() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    let bases = segment_bases(dir.path());
    // Inside the third segment: the first two go, the third stays with its head hidden.
    let start = bases[2] + 1;
    log.advance_start(start).unwrap();
    assert_eq!(log.delete_segments_below_start().unwrap(), bases[..2].to_vec());
    assert_eq!(segment_bases(dir.path()), bases[2..].to_vec());
    assert_eq!(log.first_segment_base(), bases[2]);
    assert_eq!(log.start_offset(), start);
    // A start exactly at a segment's base deletes every segment before it.
    log.advance_start(bases[3]).unwrap();
    assert_eq!(log.delete_segments_below_start().unwrap(), vec![bases[2]]);
    assert_eq!(log.first_segment_base(), bases[3]);
    // The active segment stays even when the start is its end.
    log.advance_start(96).unwrap();
    log.delete_segments_below_start().unwrap();
    assert_eq!(segment_bases(dir.path()), vec![*bases.last().unwrap()]);
    assert_eq!((log.start_offset(), log.end_offset()), (96, 96));
}

#[test]
fn retention_deletes_segments_a_roll_left_wholly_below_the_start() {
    let dir = tempfile::tempdir().unwrap();
    // Every batch a segment of its own (their timestamps are 1000 apart).
    let log = open(dir.path(), &LogConfig { segment_ms: 500, ..small_config() });
    fill(&log, 2, 4, 200);
    log.advance_start(8).unwrap();
    // The active segment (4..8) stays, hidden.
    assert_eq!(log.delete_segments_below_start().unwrap(), vec![0]);
    // The next batch rolls past it; retention then removes it.
    assert_eq!(log.append(&make_batch(4, 200, 5000), 0).unwrap().base_offset, 8);
    assert_eq!(log.apply_retention(0).unwrap(), vec![4]);
    assert_eq!((log.start_offset(), log.first_segment_base()), (8, 8));
}

#[test]
fn timestamp_lookup_skips_the_records_before_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let (log, _) = segmented_log(dir.path());
    // Batch 5 holds offsets 20..24 with timestamps 5000..5003.
    log.advance_start(22).unwrap();
    assert_eq!(
        log.offset_for_timestamp(0).unwrap(),
        Some(OffsetLookup { offset: 22, timestamp: 5002, leader_epoch: Some(0) })
    );
    assert_eq!(
        log.offset_for_timestamp(5001).unwrap(),
        Some(OffsetLookup { offset: 22, timestamp: 5002, leader_epoch: Some(0) })
    );
    assert_eq!(
        log.offset_for_timestamp(5003).unwrap(),
        Some(OffsetLookup { offset: 23, timestamp: 5003, leader_epoch: Some(0) })
    );
    log.advance_start(24).unwrap();
    assert_eq!(
        log.offset_for_timestamp(5002).unwrap(),
        Some(OffsetLookup { offset: 24, timestamp: 6000, leader_epoch: Some(0) })
    );
}

#[test]
fn a_checkpointed_start_is_where_the_reopened_log_starts() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    {
        let (log, _) = segmented_log(dir.path());
        log.advance_start(6).unwrap();
    }
    let (log, _) = Log::open_with_start(dir.path(), config.clone(), 0, 6).unwrap();
    assert_eq!((log.start_offset(), log.first_segment_base(), log.end_offset()), (6, 0, 96));
    assert!(matches!(log.read(5, 1 << 20, true), Err(Error::OffsetOutOfRange { .. })));
    drop(log);
    // A start below the first segment (retention went further since) is the segment's base.
    let (log, _) = Log::open_with_start(dir.path(), config, 0, -5).unwrap();
    assert_eq!(log.start_offset(), 0);
}

#[test]
fn a_log_that_ends_before_its_checkpointed_start_starts_empty_there() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    {
        let (log, _) = segmented_log(dir.path());
        crash(log, dir.path());
    }
    // As after a crash that lost a tail DeleteRecords had already passed.
    let (log, _) = Log::open_with_start(dir.path(), config.clone(), 0, 120).unwrap();
    assert_eq!((log.start_offset(), log.end_offset()), (120, 120));
    assert_eq!(segment_bases(dir.path()), vec![120]);
    assert_eq!(log.append(&make_batch(2, 10, 0), 0).unwrap().base_offset, 120);
    drop(log);
    let (log, _) = Log::open_with_start(dir.path(), config, 0, 120).unwrap();
    assert_eq!((log.start_offset(), log.end_offset()), (120, 122));
}

const CODECS: [Codec; 4] = [Codec::Gzip, Codec::Snappy, Codec::Lz4, Codec::Zstd];

#[test]
fn timestamp_lookup_lands_on_the_record_inside_compressed_batches() {
    for codec in CODECS {
        let dir = tempfile::tempdir().unwrap();
        let log = open(dir.path(), &small_config());
        // Offsets 0..4 at 100..400, then 4..7 at 500, 900, 600 (out of order).
        log.append(&compress(&batch_with_timestamps(&[100, 200, 300, 400], 10), codec), 0).unwrap();
        log.append(&compress(&batch_with_timestamps(&[500, 900, 600], 10), codec), 0).unwrap();
        let at = |offset, timestamp| Some(OffsetLookup { offset, timestamp, leader_epoch: Some(0) });
        for (ts, expected) in [
            (0, at(0, 100)),
            (100, at(0, 100)),
            (101, at(1, 200)),
            (300, at(2, 300)),
            (400, at(3, 400)),
            (401, at(4, 500)),
            (550, at(5, 900)),
            (900, at(5, 900)),
            (901, None),
        ] {
            assert_eq!(log.offset_for_timestamp(ts).unwrap(), expected, "{codec} at {ts}");
        }
        assert_eq!(log.max_timestamp().unwrap(), at(5, 900), "{codec}");
    }
}

#[test]
fn timestamp_lookup_in_a_compressed_batch_skips_records_before_the_log_start() {
    for codec in CODECS {
        let dir = tempfile::tempdir().unwrap();
        let log = open(dir.path(), &small_config());
        log.append(&compress(&batch_with_timestamps(&[100, 200, 300, 400], 10), codec), 0).unwrap();
        log.append(&compress(&batch_with_timestamps(&[500, 600], 10), codec), 0).unwrap();
        log.advance_start(2).unwrap();
        let at = |offset, timestamp| Some(OffsetLookup { offset, timestamp, leader_epoch: Some(0) });
        assert_eq!(log.offset_for_timestamp(100).unwrap(), at(2, 300), "{codec}");
        assert_eq!(log.offset_for_timestamp(400).unwrap(), at(3, 400), "{codec}");
        log.advance_start(4).unwrap();
        assert_eq!(log.offset_for_timestamp(100).unwrap(), at(4, 500), "{codec}: on to the next batch");
    }
}
