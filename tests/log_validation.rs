//! What `Log::append` refuses: every malformed batch gets a typed error and leaves
//! the log exactly as it was, on disk and in memory.

mod log_common;

use log_common::*;
use strand::log::batch;
use strand::log::records::{self, DEFAULT_DECOMPRESSED_LIMIT};
use strand::log::testing::BatchBuilder;
use strand::log::{Error, Log, LogConfig};

/// A log holding two good batches, and a snapshot of what it looked like.
struct Fixture {
    dir: tempfile::TempDir,
    log: Log,
    end_offset: i64,
    files: Vec<(std::path::PathBuf, u64)>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    log.append(&make_batch(3, 50, 0), 0).unwrap();
    log.append(&make_batch(2, 50, 0), 0).unwrap();
    let files = file_sizes(dir.path());
    Fixture { end_offset: log.end_offset(), files, log, dir }
}

impl Fixture {
    fn assert_untouched(&self) {
        assert_eq!(self.log.end_offset(), self.end_offset);
        assert_eq!(file_sizes(self.dir.path()), self.files);
        // The next good batch still lands right after the last good one.
        let info = self.log.append(&make_batch(1, 10, 0), 0).unwrap();
        assert_eq!(info.base_offset, self.end_offset);
    }
}

/// Recomputes the CRC so that a test hits the check it means to, not the CRC's.
fn fix_crc(batch: &mut [u8]) {
    let crc = crc32c::crc32c(&batch[21..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
}

fn good_batch() -> Vec<u8> {
    make_batch(4, 30, 1_000).to_vec()
}

#[test]
fn a_good_batch_validates_and_its_header_reads_back() {
    let batch = good_batch();
    let header = batch::validate(&batch).unwrap();
    assert_eq!(header.record_count(), 4);
    assert_eq!(header.last_offset_delta(), 3);
    assert_eq!(header.size(), batch.len() as i64);
    assert_eq!(header.magic(), 2);
    assert_eq!(header.base_timestamp(), 1_000);
    assert_eq!(header.max_timestamp(), 1_003);
    assert_eq!(header.producer_id(), -1);
    assert_eq!(header.compression(), 0);
    assert!(!header.is_log_append_time());
}

/// The record ListOffsets would answer with; a batch whose records cannot be
/// read answers none (the caller falls back to the batch's base offset).
fn find_record(batch: &[u8], pred: impl Fn(i64) -> bool) -> Option<(i64, i64)> {
    records::find_record(batch, i64::MIN, DEFAULT_DECOMPRESSED_LIMIT, pred).ok().flatten()
}

#[test]
fn find_record_walks_the_records_of_an_uncompressed_batch() {
    let batch = batch_with_timestamps(&[10, 30, 20], 5);
    assert_eq!(find_record(&batch, |t| t >= 15), Some((1, 30)));
    assert_eq!(find_record(&batch, |t| t == 20), Some((2, 20)));
    assert_eq!(find_record(&batch, |t| t > 30), None);
}

#[test]
fn find_record_on_a_truncated_batch_is_none_not_a_panic() {
    let batch = batch_with_timestamps(&[10, 30, 20], 5);
    for len in 0..batch.len() {
        assert_eq!(find_record(&batch[..len], |t| t >= 20), None, "cut to {len} bytes");
    }
    assert_eq!(find_record(&batch, |t| t >= 20), Some((1, 30)));
}

#[test]
fn find_record_with_an_absurd_record_length_is_none_not_a_panic() {
    let mut batch = batch_with_timestamps(&[10], 5).to_vec();
    // The first record's length varint, made the largest a varint can say.
    let huge = [0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01];
    batch.splice(61..62, huge);
    assert_eq!(find_record(&batch, |_| true), None);
}

#[test]
fn bad_crc_is_a_corrupt_batch_and_leaves_the_log_untouched() {
    let f = fixture();
    let mut batch = good_batch();
    let last = batch.len() - 1;
    batch[last] ^= 0x01;
    let err = f.log.append(&batch, 0).unwrap_err();
    assert!(matches!(err, Error::CorruptBatch(_)), "{err:?}");
    f.assert_untouched();
}

#[test]
fn wrong_magic_is_unsupported_magic_and_leaves_the_log_untouched() {
    let f = fixture();
    for magic in [0u8, 1, 3] {
        let mut batch = good_batch();
        batch[16] = magic;
        let err = f.log.append(&batch, 0).unwrap_err();
        assert!(matches!(err, Error::UnsupportedMagic(m) if m == magic as i8), "{err:?}");
    }
    f.assert_untouched();
}

#[test]
fn length_field_disagreeing_with_the_bytes_is_a_corrupt_batch_and_leaves_the_log_untouched() {
    let f = fixture();
    let batch = good_batch();
    for delta in [-1i32, 1, i32::MIN / 2, i32::MAX / 2] {
        let mut wrong = batch.clone();
        let length = i32::from_be_bytes(wrong[8..12].try_into().unwrap()).wrapping_add(delta);
        wrong[8..12].copy_from_slice(&length.to_be_bytes());
        let err = f.log.append(&wrong, 0).unwrap_err();
        assert!(matches!(err, Error::CorruptBatch(_)), "length {length}: {err:?}");
    }
    // Bytes missing at the end, or extra ones after the batch.
    let err = f.log.append(&batch[..batch.len() - 1], 0).unwrap_err();
    assert!(matches!(err, Error::CorruptBatch(_)), "{err:?}");
    let mut longer = batch.clone();
    longer.extend_from_slice(&[0; 5]);
    assert!(matches!(f.log.append(&longer, 0), Err(Error::CorruptBatch(_))));
    f.assert_untouched();
}

#[test]
fn a_batch_shorter_than_its_header_is_a_corrupt_batch_and_leaves_the_log_untouched() {
    let f = fixture();
    let batch = good_batch();
    for len in [0, 1, 12, 60] {
        let err = f.log.append(&batch[..len], 0).unwrap_err();
        assert!(matches!(err, Error::CorruptBatch(_)), "{len} bytes: {err:?}");
    }
    f.assert_untouched();
}

#[test]
fn record_count_disagreeing_with_last_offset_delta_is_an_invalid_record_and_leaves_the_log_untouched() {
    let f = fixture();
    for (count, delta) in [(5i32, 3i32), (3, 3), (0, -1), (-1, -2), (4, 4)] {
        let mut batch = good_batch();
        batch[23..27].copy_from_slice(&delta.to_be_bytes());
        batch[57..61].copy_from_slice(&count.to_be_bytes());
        fix_crc(&mut batch);
        let err = f.log.append(&batch, 0).unwrap_err();
        assert!(matches!(err, Error::InvalidRecord(_)), "count {count}, delta {delta}: {err:?}");
    }
    f.assert_untouched();
}

#[test]
fn unknown_compression_codec_is_an_invalid_record_and_leaves_the_log_untouched() {
    let f = fixture();
    let mut batch = good_batch();
    batch[22] |= 0x07;
    fix_crc(&mut batch);
    let err = f.log.append(&batch, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidRecord(_)), "{err:?}");
    f.assert_untouched();
}

#[test]
fn a_refused_batch_does_not_roll_the_segment() {
    let f = fixture();
    let segments = f.log.segment_count();
    let mut batch = make_batch(1, 4000, 0).to_vec();
    batch[16] = 1;
    assert!(f.log.append(&batch, 0).is_err());
    assert_eq!(f.log.segment_count(), segments);
    assert!(!f.dir.path().join(format!("{:020}.log", f.end_offset)).exists());
    f.assert_untouched();
}

#[test]
fn a_client_base_offset_other_than_0_is_an_invalid_record_before_the_crc_is_checked() {
    // Kafka 4 refuses it from a client (UnifiedLog.analyzeAndValidateRecords),
    // and checks it first: the CRC does not cover the base offset.
    let f = fixture();
    let mut batch = good_batch();
    batch[..8].copy_from_slice(&1234i64.to_be_bytes());
    let err = f.log.append(&batch, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidRecord(_)), "{err:?}");
    let last = batch.len() - 1;
    batch[last] ^= 0x01;
    let err = f.log.append(&batch, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidRecord(_)), "{err:?}");
    f.assert_untouched();
}

/// `batch` with the attribute bits `bits` set and the CRC made to match.
fn with_attributes(batch: &[u8], bits: i16) -> Vec<u8> {
    let mut batch = batch.to_vec();
    let attributes = i16::from_be_bytes([batch[21], batch[22]]) | bits;
    batch[21..23].copy_from_slice(&attributes.to_be_bytes());
    fix_crc(&mut batch);
    batch
}

#[test]
fn control_batches_and_producer_ids_without_a_sequence_are_invalid_records() {
    let f = fixture();
    for bits in [0x20, 0x30] {
        let err = f.log.append(&with_attributes(&good_batch(), bits), 0).unwrap_err();
        assert!(matches!(err, Error::InvalidRecord(_)), "attributes {bits:#x}: {err:?}");
    }
    let no_sequence = BatchBuilder::records(2, 10).producer(42, 0, -1).build();
    let err = f.log.append(&no_sequence, 0).unwrap_err();
    assert!(matches!(err, Error::InvalidRecord(_)), "{err:?}");
    f.assert_untouched();
}

/// The position of record `index`'s length varint in an uncompressed `batch`
/// whose records are each shorter than 64 bytes (one-byte lengths).
fn record_position(batch: &[u8], index: usize) -> usize {
    let mut pos = 61;
    for _ in 0..index {
        let length = usize::from(batch[pos] >> 1);
        pos += 1 + length;
    }
    pos
}

#[test]
fn records_that_do_not_parse_to_their_declared_lengths_are_refused_whole() {
    let f = fixture();
    let batch = make_batch(3, 20, 1_000).to_vec();
    // Kafka's produce_malformed_records: a record one byte longer than it is.
    let mut longer = batch.clone();
    longer[record_position(&batch, 1)] += 2;
    fix_crc(&mut longer);
    // Two stray bytes after the last record, the batch length counting them.
    let mut stray = batch.clone();
    stray.extend_from_slice(&[0, 0]);
    let length = stray.len() as i32 - 12;
    stray[8..12].copy_from_slice(&length.to_be_bytes());
    fix_crc(&mut stray);
    // One record fewer than the header counts (count and lastOffsetDelta agree).
    let mut fewer = batch[..record_position(&batch, 2)].to_vec();
    let length = fewer.len() as i32 - 12;
    fewer[8..12].copy_from_slice(&length.to_be_bytes());
    fix_crc(&mut fewer);
    for (name, bad) in [("a record one byte too long", longer), ("stray bytes", stray), ("a record short", fewer)] {
        let err = f.log.append(&bad, 0).unwrap_err();
        assert!(matches!(err, Error::MalformedRecords(_)), "{name}: {err:?}");
    }
    f.assert_untouched();
}

#[test]
fn a_timestamp_past_the_topics_limit_refuses_the_whole_batch_with_each_records_index() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { timestamp_after_max_ms: 3_600_000, timestamp_before_max_ms: 86_400_000, ..small_config() };
    let log = open(dir.path(), &config);
    const NOW: i64 = 1_800_000_000_000;
    log.append(&make_batch(2, 10, NOW - 1), NOW).unwrap();
    let files = file_sizes(dir.path());
    let future = batch_with_timestamps(&[NOW, NOW + 3_600_001, NOW + 2 * 86_400_000], 10);
    let Err(Error::InvalidTimestamp(errors)) = log.append(&future, NOW) else { panic!("a future timestamp appended") };
    assert_eq!(errors.iter().map(|e| e.batch_index).collect::<Vec<_>>(), [1, 2]);
    let past = batch_with_timestamps(&[NOW - 86_400_001, -1], 10);
    let Err(Error::InvalidTimestamp(errors)) = log.append(&past, NOW) else { panic!("an old timestamp appended") };
    assert_eq!(errors.iter().map(|e| e.batch_index).collect::<Vec<_>>(), [0]);
    assert_eq!(log.end_offset(), 2);
    assert_eq!(file_sizes(dir.path()), files);
}

#[test]
fn a_wrong_max_timestamp_is_corrected_as_kafka_corrects_it_and_a_right_one_is_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = open(dir.path(), &small_config());
    let appended = batch_with_timestamps(&[1_000, 1_005, 1_002], 10);
    let mut wrong = appended.to_vec();
    wrong[35..43].copy_from_slice(&1_001i64.to_be_bytes());
    fix_crc(&mut wrong);
    log.append(&wrong, 0).unwrap();
    let stored = read_one(&log, 0);
    let header = batch::validate(&stored.bytes).expect("the corrected header's CRC matches");
    assert_eq!(header.max_timestamp(), 1_005);
    assert_eq!(&stored.bytes[61..], &appended[61..]);
    // A right one leaves the producer's bytes as they came.
    log.append(&appended, 0).unwrap();
    assert_same_batch(&read_one(&log, 3), &appended, 3);
}
