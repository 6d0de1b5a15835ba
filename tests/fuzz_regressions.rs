//! Every crash the fuzz targets in `fuzz/` found, replayed: the minimized input
//! as the fuzzer saved it (under `tests/data/fuzz/<target>/`), and the behaviour
//! behind it stated as a test of its own. The release profile has no overflow
//! checks, so each test asserts what the arithmetic must produce, not merely
//! that nothing panics.

mod log_common;

use std::path::{Path, PathBuf};

use log_common::*;
use strand::log::batch::{self, HEADER_LEN};
use strand::log::records::{self, DEFAULT_DECOMPRESSED_LIMIT};
use strand::log::{Log, LogConfig};

fn inputs(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz").join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files.into_iter().map(|path| (path.clone(), std::fs::read(&path).unwrap())).collect()
}

/// A v2 batch built by hand, for fields the encoder will not produce: each
/// record is (timestampDelta, offsetDelta), with a null key and a 1-byte value.
fn raw_batch(base_timestamp: i64, max_timestamp: i64, last_offset_delta: i32, records: &[(i64, i64)]) -> Vec<u8> {
    let mut body = Vec::new();
    for &(ts_delta, offset_delta) in records {
        let mut record = vec![0u8]; // attributes
        put_varint(&mut record, ts_delta);
        put_varint(&mut record, offset_delta);
        put_varint(&mut record, -1); // key length: null
        put_varint(&mut record, 1); // value length
        record.push(b'v');
        put_varint(&mut record, 0); // header count
        put_varint(&mut body, record.len() as i64);
        body.extend_from_slice(&record);
    }
    let mut batch = Vec::with_capacity(HEADER_LEN + body.len());
    batch.extend_from_slice(&0i64.to_be_bytes());
    batch.extend_from_slice(&((HEADER_LEN - 12 + body.len()) as i32).to_be_bytes());
    batch.extend_from_slice(&0i32.to_be_bytes()); // partition leader epoch
    batch.push(2); // magic
    batch.extend_from_slice(&[0; 4]); // crc, below
    batch.extend_from_slice(&0i16.to_be_bytes()); // attributes
    batch.extend_from_slice(&last_offset_delta.to_be_bytes());
    batch.extend_from_slice(&base_timestamp.to_be_bytes());
    batch.extend_from_slice(&max_timestamp.to_be_bytes());
    batch.extend_from_slice(&(-1i64).to_be_bytes()); // producer id
    batch.extend_from_slice(&(-1i16).to_be_bytes()); // producer epoch
    batch.extend_from_slice(&(-1i32).to_be_bytes()); // base sequence
    batch.extend_from_slice(&(records.len() as i32).to_be_bytes());
    batch.extend_from_slice(&body);
    let crc = crc32c::crc32c(&batch[21..]);
    batch[17..21].copy_from_slice(&crc.to_be_bytes());
    batch
}

fn put_varint(buf: &mut Vec<u8>, value: i64) {
    let mut zigzag = ((value << 1) ^ (value >> 63)) as u64;
    while zigzag >= 0x80 {
        buf.push((zigzag as u8 & 0x7f) | 0x80);
        zigzag >>= 7;
    }
    buf.push(zigzag as u8);
}

/// The record ListOffsets would answer with (`records::find_record`); a batch
/// whose records cannot be read answers none, and the lookup falls back to the batch.
fn find_record(batch: &[u8], pred: impl Fn(i64) -> bool) -> Option<(i64, i64)> {
    records::find_record(batch, i64::MIN, DEFAULT_DECOMPRESSED_LIMIT, pred).ok().flatten()
}

/// What `find_record` answers must lie inside the batch it was asked about.
fn assert_answer_in_batch(bytes: &[u8], answer: Option<(i64, i64)>) {
    if let (Some((offset, _)), Ok(header)) = (answer, batch::BatchHeader::new(bytes)) {
        assert!(
            (header.base_offset()..=header.last_offset()).contains(&offset),
            "find_record answered offset {offset} outside the batch [{}, {}]",
            header.base_offset(),
            header.last_offset()
        );
    }
}

/// Replays an input as the batch target reads it: consecutive batches, each
/// taken by its length field, each walked by `find_record` and, when valid,
/// appended to one log. Overflow panics show in a debug run
/// (`cargo test --test fuzz_regressions`); the release run checks the answers.
#[test]
fn every_saved_batch_input_replays_without_a_panic_or_an_answer_outside_its_batch() {
    for (path, bytes) in inputs("batch") {
        eprintln!("replaying {}", path.display());
        let dir = scratch_dir();
        let log = Log::open(dir.path(), LogConfig { segment_ms: 7 * 24 * 3600 * 1000, ..small_config() }, 0).unwrap().0;
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            let size = batch::BatchHeader::peek_size(rest)
                .and_then(|s| usize::try_from(s).ok())
                .filter(|s| (HEADER_LEN..=rest.len()).contains(s))
                .unwrap_or(rest.len());
            let (chunk, next) = rest.split_at(size);
            rest = next;
            for answer in [find_record(chunk, |_| false), find_record(chunk, |_| true), find_record(chunk, |t| t < 0)] {
                assert_answer_in_batch(chunk, answer);
            }
            if batch::validate(chunk).is_ok() {
                let _ = log.append(chunk, 0);
            }
        }
        log.max_timestamp().unwrap();
    }
}

/// Fuzz crash: `base_timestamp + timestamp_delta` overflowed in `find_record`
/// (tests/data/fuzz/batch/find-record-timestamp-overflow.bin). Released builds
/// wrapped to a timestamp near i64::MIN and could answer with that record.
#[test]
fn find_record_gives_up_on_a_record_whose_timestamp_overflows() {
    let bytes = raw_batch(i64::MAX, i64::MAX, 1, &[(0, 0), (1, 1)]);
    assert_eq!(find_record(&bytes, |t| t < 0), None);
    assert_eq!(find_record(&bytes, |_| false), None);
    // The record before the bad one is still found.
    assert_eq!(find_record(&bytes, |t| t == i64::MAX), Some((0, i64::MAX)));
}

/// Found beside the timestamp overflow: a record's offset delta is the
/// producer's and was trusted, so ListOffsets by timestamp could answer with an
/// offset past the log end. Such a record now makes the lookup fall back to the
/// batch's base offset.
#[test]
fn list_offsets_by_timestamp_never_answers_an_offset_outside_the_batch() {
    let bytes = raw_batch(1_000, 1_001, 1, &[(0, 0), (1, 100)]);
    assert_eq!(find_record(&bytes, |t| t >= 1_001), None);
    assert_eq!(find_record(&bytes, |t| t >= 1_000), Some((0, 1_000)));

    let dir = scratch_dir();
    let log = open(dir.path(), &small_config());
    let info = log.append(&bytes, 0).unwrap();
    assert_eq!((info.base_offset, info.last_offset), (0, 1));
    let max = log.max_timestamp().unwrap().unwrap();
    assert_eq!((max.offset, max.timestamp), (0, 1_001));
    let found = log.offset_for_timestamp(1_001).unwrap().unwrap();
    assert!(found.offset <= 1, "offset_for_timestamp answered {} in a log ending at 2", found.offset);
}

/// Fuzz crash (tests/data/fuzz/batch/roll-timestamp-overflow.bin is the same
/// two batches): `Segment::should_roll` computed the time waited as the incoming
/// batch's max timestamp minus the segment's first one, which overflowed for a
/// timestamp near i64::MIN. Released builds wrapped to "waited for ages" and
/// rolled a new segment on every such append, which any producer could repeat.
#[test]
fn a_batch_timestamped_before_the_segments_first_does_not_roll_it() {
    let config = LogConfig { segment_ms: 7 * 24 * 3600 * 1000, ..small_config() };
    let dir = scratch_dir();
    let log = Log::open(dir.path(), config, 0).unwrap().0;
    log.append(&raw_batch(1_000, 1_000, 0, &[(0, 0)]), 0).unwrap();
    log.append(&raw_batch(i64::MIN, i64::MIN, 0, &[(0, 0)]), 0).unwrap();
    log.append(&raw_batch(-1, -1, 0, &[(0, 0)]), 0).unwrap();
    assert_eq!(log.segment_count(), 1);
    // A batch newer than segment_ms past the first still rolls, as in Kafka.
    log.append(&raw_batch(i64::MAX, i64::MAX, 0, &[(0, 0)]), 0).unwrap();
    assert_eq!(log.segment_count(), 2);
}
