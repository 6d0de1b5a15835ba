//! Arbitrary bytes as v2 record batches: `batch::validate`, and for what it
//! accepts, `Log::append` into a fresh log, `Log::read` back, and the same reads
//! again after a reopen that recovers every segment.
//!
//! An input is a sequence of batches, each taken by its own length field (the
//! last one gets whatever remains), so one input can roll segments and replay
//! producer sequences; a fresh log per input keeps every crash reproducible from
//! its input alone. Random bytes almost never carry a matching CRC32C, so a batch
//! that fails `validate` as given is tried again with its length field and CRC
//! made right: the fuzzer's time goes into the checks after the checksum and into
//! the log, not into guessing checksums.
//!
//! What must hold for any input: no panic; `find_record` on any bytes returns or
//! gives up; a batch the log appends reads back as it was appended except the
//! base offset (the one the append reported) and what the log writes into the
//! header (leader epoch; max timestamp and timestamp type, corrected from the
//! records as Kafka corrects them); and after a close, a lost
//! clean-shutdown marker and a reopen, the log ends where it did and every batch
//! still reads back the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use strand::log::batch::{self, BatchHeader, HEADER_LEN, LOG_OVERHEAD};
use strand::log::{records, Error, Log, LogConfig};

/// Batches per input at most; more adds time, not behaviour.
const MAX_BATCHES: usize = 16;

/// Small enough that a few batches roll segments and fill the indexes.
fn config() -> LogConfig {
    LogConfig { segment_bytes: 2048, index_interval_bytes: 100, index_max_bytes: 48, ..LogConfig::default() }
}

fuzz_target!(|data: &[u8]| {
    walk_records(data);
    let dir = strand_fuzz::scratch_dir("batch");
    let _ = std::fs::remove_dir_all(&dir);
    let now = strand::now_ms();
    let (log, _) = Log::open(&dir, config(), now).expect("a log opens on an empty dir");
    let mut appended: Vec<(i64, Vec<u8>)> = Vec::new();
    for chunk in split(data).take(MAX_BATCHES) {
        walk_records(chunk);
        if batch::validate(chunk).is_ok() && BatchHeader::new(chunk).is_ok_and(|h| h.base_offset() == 0) {
            append_and_read_back(&log, chunk, now, &mut appended);
        } else if chunk.len() >= HEADER_LEN {
            let fixed = fix_length_and_crc(chunk);
            walk_records(&fixed);
            append_and_read_back(&log, &fixed, now, &mut appended);
        }
    }
    let end = log.end_offset();
    log.offset_for_timestamp(0).expect("timestamp lookup");
    log.max_timestamp().expect("max timestamp lookup");
    drop(log);

    // As after a crash that left whole files: every segment is re-validated.
    std::fs::remove_file(dir.join(".clean_shutdown")).expect("a closed log leaves the clean-shutdown marker");
    let (log, report) = Log::open(&dir, config(), now).expect("the log reopens");
    assert_eq!(report.truncated_bytes, 0, "recovery cut batches the log had accepted");
    assert_eq!(log.end_offset(), end, "the log end moved across a reopen");
    for (base, bytes) in &appended {
        check_read(&log, *base, bytes);
    }
});

/// Consecutive batches by their length fields; a length that does not fit ends
/// the walk with one last chunk of everything left.
fn split(mut data: &[u8]) -> impl Iterator<Item = &[u8]> {
    std::iter::from_fn(move || {
        if data.is_empty() {
            return None;
        }
        let size = BatchHeader::peek_size(data)
            .and_then(|s| usize::try_from(s).ok())
            .filter(|s| (HEADER_LEN..=data.len()).contains(s))
            .unwrap_or(data.len());
        let (chunk, rest) = data.split_at(size);
        data = rest;
        Some(chunk)
    })
}

/// The chunk as a producer's batch that passes the header checks: base offset 0
/// (the log refuses any other from a producer), its length and CRC made right.
fn fix_length_and_crc(chunk: &[u8]) -> Vec<u8> {
    let mut fixed = chunk.to_vec();
    fixed[..8].copy_from_slice(&0i64.to_be_bytes());
    let length = (fixed.len() - LOG_OVERHEAD) as i32;
    fixed[8..12].copy_from_slice(&length.to_be_bytes());
    let crc = crc32c::crc32c(&fixed[21..]);
    fixed[17..21].copy_from_slice(&crc.to_be_bytes());
    fixed
}

/// `find_record` visits every record when the predicate never matches.
fn walk_records(bytes: &[u8]) {
    let _ = records::find_record(bytes, i64::MIN, records::DEFAULT_DECOMPRESSED_LIMIT, |_| false);
    let _ = records::find_record(bytes, i64::MIN, records::DEFAULT_DECOMPRESSED_LIMIT, |t| t >= 0);
}

fn append_and_read_back(log: &Log, bytes: &[u8], now: i64, appended: &mut Vec<(i64, Vec<u8>)>) {
    let Ok(header) = batch::validate(bytes) else { return };
    let delta = i64::from(header.last_offset_delta());
    let end = log.end_offset();
    let info = match log.append(bytes, now) {
        Ok(info) => info,
        Err(Error::Io { path, source }) => panic!("I/O error on a scratch log: {}: {source}", path.display()),
        // Refusals (too large, invalid records or timestamps, producer sequence or
        // epoch) leave the log as it was.
        Err(_) => {
            assert_eq!(log.end_offset(), end, "a refused append moved the end offset");
            return;
        }
    };
    if info.base_offset != end {
        // An idempotent producer's retry: the earlier batch's offsets come back.
        assert!(info.last_offset < end, "a duplicate answered with offsets not yet in the log: {info:?}, end {end}");
        assert_eq!(log.end_offset(), end, "a duplicate moved the end offset");
        return;
    }
    assert_eq!(info.last_offset, info.base_offset + delta);
    assert_eq!(log.end_offset(), info.last_offset + 1);
    check_read(log, info.base_offset, bytes);
    appended.push((info.base_offset, bytes.to_vec()));
}

/// A read at the first or last offset of the batch appended at `base` returns
/// that whole batch, with `base` as its base offset, its CRC valid, and the
/// producer's bytes but for what the log writes: the leader epoch, and the max
/// timestamp and timestamp-type bit (with the CRC) Kafka's validation corrects.
fn check_read(log: &Log, base: i64, bytes: &[u8]) {
    let last = base + i64::from(BatchHeader::new(bytes).expect("an appended batch has a header").last_offset_delta());
    for offset in [base, last] {
        let read = log.read(offset, bytes.len() as u64, true).expect("reading an appended batch");
        assert_eq!(read.len(), bytes.len(), "read at {offset} returned another size");
        assert_eq!(read[..8], base.to_be_bytes(), "read at {offset}: base offset not the assigned one");
        assert!(batch::validate(&read).is_ok(), "read at {offset}: the stored batch does not validate");
        assert_eq!(read[8..12], bytes[8..12], "read at {offset}: batch length changed");
        assert_eq!(read[16], bytes[16], "read at {offset}: magic changed");
        assert_eq!(read[21], bytes[21], "read at {offset}: attributes changed");
        assert_eq!(read[22] & !0x08, bytes[22] & !0x08, "read at {offset}: attributes changed");
        assert_eq!(read[23..35], bytes[23..35], "read at {offset}: offset delta or base timestamp changed");
        assert_eq!(read[43..], bytes[43..], "read at {offset}: producer fields or records changed");
    }
}
