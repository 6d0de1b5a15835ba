//! Restarts: a clean one trusts the files and scans nothing; an unclean one
//! re-validates what may be torn and keeps exactly a prefix of what was appended;
//! damaged indexes are rebuilt from the log.

mod log_common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use log_common::*;
use strand::log::{Log, LogConfig, OffsetLookup, OpenReport};

/// (base offset, batch) of every batch appended, in order.
type Appended = Vec<(i64, Bytes)>;

/// Appends `count` batches of 4 records of 200 bytes; batch i's records have
/// timestamps 1000 * i .. 1000 * i + 3.
fn fill(log: &Log, count: usize) -> Appended {
    (0..count)
        .map(|i| {
            let batch = make_batch(4, 200, 1000 * i as i64);
            (log.append(&batch, 0).unwrap().base_offset, batch)
        })
        .collect()
}

/// The log holds exactly `expected`: every batch reads back at its offset, every
/// batch's first timestamp finds it, and the next append follows on.
fn assert_holds_exactly(log: &Log, expected: &[(i64, Bytes)]) {
    let end = expected.last().map_or(0, |(base, batch)| base + batch_record_count(batch));
    assert_eq!(log.end_offset(), end);
    for (base, batch) in expected {
        assert_same_batch(&read_one(log, *base), batch, *base);
        let first_ts = i64::from_be_bytes(batch[27..35].try_into().unwrap());
        assert_eq!(
            log.offset_for_timestamp(first_ts).unwrap(),
            Some(OffsetLookup { offset: *base, timestamp: first_ts, leader_epoch: Some(0) })
        );
    }
    assert!(log.read(end, 1 << 20, true).unwrap().is_empty());
}

fn batch_record_count(batch: &[u8]) -> i64 {
    i64::from(i32::from_be_bytes(batch[57..61].try_into().unwrap()))
}

/// Every file of a log dir, by name.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| (p.file_name().unwrap().to_str().unwrap().to_owned(), std::fs::read(&p).unwrap()))
        .collect()
}

fn restore(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (name, bytes) in files {
        std::fs::write(dir.join(name), bytes).unwrap();
    }
}

fn reopen(dir: &Path, config: &LogConfig) -> (Log, OpenReport) {
    Log::open(dir, config.clone(), 0).unwrap()
}

/// A log of `count` batches over several segments, stopped by a crash.
fn crashed_log(dir: &Path, config: &LogConfig, count: usize) -> Appended {
    let log = open(dir, config);
    let appended = fill(&log, count);
    assert!(log.segment_count() >= 3);
    crash(log, dir);
    appended
}

fn segment_base(path: &Path) -> i64 {
    path.file_stem().unwrap().to_str().unwrap().parse().unwrap()
}

#[test]
fn clean_restart_does_not_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let appended = {
        let log = open(dir.path(), &config);
        fill(&log, 24)
    };
    let (log, report) = reopen(dir.path(), &config);
    assert!(report.clean);
    assert_eq!(report.recovered_segments, 0);
    assert_eq!(report.truncated_bytes, 0);
    assert_eq!(report.segments, log.segment_count());
    assert_holds_exactly(&log, &appended);
}

#[test]
fn clean_restart_of_batches_without_timestamps_does_not_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    {
        let log = open(dir.path(), &config);
        for _ in 0..12 {
            log.append(&batch_with_timestamps(&[-1, -1], 300), 0).unwrap();
        }
        assert_eq!(log.offset_for_timestamp(0).unwrap(), None);
    }
    let (log, report) = reopen(dir.path(), &config);
    assert_eq!(report.recovered_segments, 0);
    assert_eq!(log.end_offset(), 24);
    assert_eq!(log.max_timestamp().unwrap(), None);
}

#[test]
fn clean_restart_after_a_clean_restart_does_not_rescan() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    drop(open(dir.path(), &config).append(&make_batch(4, 200, 0), 0));
    drop(reopen(dir.path(), &config));
    let (_, report) = reopen(dir.path(), &config);
    assert_eq!(report.recovered_segments, 0);
}

#[test]
fn a_running_log_is_not_marked_clean_once_it_takes_records() {
    let dir = tempfile::tempdir().unwrap();
    drop(open(dir.path(), &small_config()));
    let log = open(dir.path(), &small_config());
    // Nothing appended yet: the files are as the clean stop left them.
    assert!(dir.path().join(".clean_shutdown").exists());
    fill(&log, 1);
    assert!(!dir.path().join(".clean_shutdown").exists());
    drop(log);
    assert!(dir.path().join(".clean_shutdown").exists());
}

#[test]
fn a_crash_of_a_log_untouched_since_a_clean_start_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let log = open(dir.path(), &config);
    let appended = fill(&log, 24);
    drop(log);
    // Opened clean, took nothing, killed: the marker is still there, and the
    // active segment's indexes are still pre-allocated.
    let log = open(dir.path(), &config);
    crash_now(log, dir.path());
    assert!(dir.path().join(".clean_shutdown").exists());
    let (log, report) = reopen(dir.path(), &config);
    assert!(report.clean);
    assert_eq!(report.recovered_segments, 1, "the pre-allocated active segment is recovered");
    assert_holds_exactly(&log, &appended);
    let end = log.end_offset();
    fill(&log, 1);
    assert_eq!(log.end_offset(), end + 4);
}

#[test]
fn unclean_restart_rescans_only_segments_after_the_recovery_point() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let appended = crashed_log(dir.path(), &config, 24);
    let (log, report) = reopen(dir.path(), &config);
    assert!(!report.clean);
    assert_eq!(report.recovered_segments, 1);
    assert_eq!(report.truncated_bytes, 0);
    assert_holds_exactly(&log, &appended);
}

#[test]
fn unclean_restart_without_a_recovery_point_rescans_every_segment() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let appended = crashed_log(dir.path(), &config, 24);
    std::fs::remove_file(dir.path().join("recovery-point")).unwrap();
    let (log, report) = reopen(dir.path(), &config);
    assert_eq!(report.recovered_segments, report.segments);
    assert_holds_exactly(&log, &appended);
}

#[test]
fn appends_after_an_unclean_restart_continue_at_the_end_offset() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    let mut appended = crashed_log(dir.path(), &config, 10);
    let (log, _) = reopen(dir.path(), &config);
    appended.extend(fill(&log, 10));
    let offsets: Vec<i64> = appended.iter().map(|(base, _)| *base).collect();
    assert_eq!(offsets, (0..20).map(|i| 4 * i).collect::<Vec<_>>());
    drop(log);
    let (log, _) = reopen(dir.path(), &config);
    for (base, batch) in &appended {
        assert_same_batch(&read_one(&log, *base), batch, *base);
    }
}

/// A crash while rolled segments still wait for their fsync: the recovery point
/// on disk is an older one (or none), never past a segment the flusher has not
/// reached, so the restart re-validates more segments and keeps every batch.
#[test]
fn a_crash_before_the_background_flush_of_rolls_keeps_every_batch() {
    let config = small_config();
    for round in 0..20 {
        let dir = scratch_dir();
        let log = open(dir.path(), &config);
        let appended = fill(&log, 24 + round);
        let segments = log.segment_count();
        crash_now(log, dir.path());
        let recovery_point =
            std::fs::read_to_string(dir.path().join("recovery-point")).map_or(0, |s| s.parse().unwrap());
        let bases: Vec<i64> = segment_files(dir.path(), "log").iter().map(|p| segment_base(p)).collect();
        assert_eq!(bases.len(), segments);
        assert!(recovery_point <= *bases.last().unwrap(), "recovery point {recovery_point} past the active segment");
        let (log, report) = reopen(dir.path(), &config);
        assert_eq!(report.recovered_segments, bases.iter().filter(|&&b| b >= recovery_point).count().max(1));
        assert_eq!(report.truncated_bytes, 0);
        assert_holds_exactly(&log, &appended);
    }
}

/// The prefix of `appended` that lies wholly within `len` bytes of the segment
/// starting at `segment_base`, plus everything before that segment.
fn surviving(appended: &Appended, segment_base: i64, len: u64) -> Appended {
    let mut pos = 0u64;
    appended
        .iter()
        .filter(|(base, batch)| {
            if *base < segment_base {
                return true;
            }
            pos += batch.len() as u64;
            pos <= len
        })
        .cloned()
        .collect()
}

#[test]
fn cutting_the_last_segment_at_any_byte_recovers_exactly_the_whole_batches_before_the_cut() {
    let config = small_config();
    let crashed = tempfile::tempdir().unwrap();
    let appended = crashed_log(crashed.path(), &config, 22);
    let files = snapshot(crashed.path());
    let last = last_segment_file(crashed.path(), "log");
    let (last_name, last_base) = (last.file_name().unwrap().to_owned(), segment_base(&last));
    let full_len = std::fs::metadata(&last).unwrap().len();
    assert!(full_len > 1000, "the last segment should hold several batches");

    for cut in 0..full_len {
        let dir = scratch_dir();
        restore(dir.path(), &files);
        cut_file(&dir.path().join(&last_name), cut);
        let expected = surviving(&appended, last_base, cut);
        let (log, report) = reopen(dir.path(), &config);
        let kept: u64 = expected.iter().filter(|(b, _)| *b >= last_base).map(|(_, b)| b.len() as u64).sum();
        assert_eq!(report.truncated_bytes, cut - kept, "cut at {cut}");
        assert_holds_exactly(&log, &expected);
        let next = log.append(&make_batch(1, 10, 0), 0).unwrap();
        assert_eq!(next.base_offset, log.end_offset() - 1);
    }
}

#[test]
fn garbage_after_the_last_batch_is_cut_off() {
    let config = small_config();
    let crashed = tempfile::tempdir().unwrap();
    let appended = crashed_log(crashed.path(), &config, 22);
    let files = snapshot(crashed.path());
    let last_name = last_segment_file(crashed.path(), "log").file_name().unwrap().to_owned();
    let last_batch = &appended.last().unwrap().1;

    let mut plausible_header = last_batch[..61].to_vec();
    plausible_header[..8].copy_from_slice(&appended.last().unwrap().0.to_be_bytes());
    let mut bad_crc = last_batch.to_vec();
    bad_crc[..8].copy_from_slice(&(appended.last().unwrap().0 + 4).to_be_bytes());
    *bad_crc.last_mut().unwrap() ^= 0xff;
    let mut offset_going_back = last_batch.to_vec();
    offset_going_back[..8].copy_from_slice(&0i64.to_be_bytes());
    let pseudo_random: Vec<u8> = (0..5000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8).collect();
    let garbage: [(&str, Vec<u8>); 7] = [
        ("zeros", vec![0; 4096]),
        ("one byte", vec![7]),
        ("ones", vec![0xff; 100]),
        ("pseudo-random bytes", pseudo_random),
        ("a header without its records", plausible_header),
        ("a whole batch with a bad CRC", bad_crc),
        ("a valid batch whose offset goes backwards", offset_going_back),
    ];
    for (what, bytes) in garbage {
        let dir = tempfile::tempdir().unwrap();
        restore(dir.path(), &files);
        append_bytes(&dir.path().join(&last_name), &bytes);
        let (log, report) = reopen(dir.path(), &config);
        assert_eq!(report.truncated_bytes, bytes.len() as u64, "{what}");
        assert_holds_exactly(&log, &appended);
        let next = log.append(&make_batch(1, 10, 0), 0).unwrap();
        assert_eq!(next.base_offset, 88, "{what}");
    }
}

#[test]
fn a_flipped_bit_in_the_last_segment_cuts_from_the_batch_that_holds_it() {
    let config = small_config();
    let crashed = tempfile::tempdir().unwrap();
    let appended = crashed_log(crashed.path(), &config, 22);
    let files = snapshot(crashed.path());
    let last = last_segment_file(crashed.path(), "log");
    let (last_name, last_base) = (last.file_name().unwrap().to_str().unwrap().to_owned(), segment_base(&last));
    let mut batch_starts = Vec::new();
    let mut pos = 0;
    for (_, batch) in appended.iter().filter(|(base, _)| *base >= last_base) {
        batch_starts.push(pos);
        pos += batch.len() as u64;
    }
    for at in 0..pos {
        let start = *batch_starts.iter().rev().find(|&&s| s <= at).unwrap();
        // The partition leader epoch lies outside the CRC, in Kafka as here:
        // nothing can notice it changed.
        if (12..16).contains(&(at - start)) {
            continue;
        }
        let dir = scratch_dir();
        let mut damaged = files.clone();
        damaged.get_mut(&last_name).unwrap()[at as usize] ^= 0x10;
        restore(dir.path(), &damaged);
        let (log, _) = reopen(dir.path(), &config);
        assert_holds_exactly(&log, &surviving(&appended, last_base, start));
    }
}

#[test]
fn a_torn_segment_before_the_last_drops_every_later_segment() {
    let config = small_config();
    let dir = tempfile::tempdir().unwrap();
    let appended = crashed_log(dir.path(), &config, 22);
    // Without a recovery point every segment may be torn.
    std::fs::remove_file(dir.path().join("recovery-point")).unwrap();
    let logs = segment_files(dir.path(), "log");
    let second = &logs[1];
    let second_base = segment_base(second);
    let cut = std::fs::metadata(second).unwrap().len() - 10;
    cut_file(second, cut);

    let (log, _) = reopen(dir.path(), &config);
    let expected = surviving(&appended, second_base, cut);
    let expected: Appended = expected.into_iter().filter(|(base, _)| *base < segment_base(&logs[2])).collect();
    assert_holds_exactly(&log, &expected);
    assert_eq!(log.segment_count(), 2);
    assert_eq!(segment_files(dir.path(), "log").len(), 2);
    let next = log.append(&make_batch(1, 10, 0), 0).unwrap();
    assert_eq!(next.base_offset, expected.last().map_or(0, |(b, _)| b + 4));
}

/// A cleanly closed log over several segments, and the exact bytes of its indexes.
fn closed_log(dir: &Path, config: &LogConfig) -> (Appended, BTreeMap<String, Vec<u8>>) {
    let appended = {
        let log = open(dir, config);
        let appended = fill(&log, 24);
        assert!(log.segment_count() >= 3);
        appended
    };
    let indexes = snapshot(dir).into_iter().filter(|(name, _)| name.ends_with("index")).collect();
    (appended, indexes)
}

/// After a restart and a clean close, every index is back to what it was.
fn assert_indexes_rebuilt(dir: &Path, config: &LogConfig, appended: &Appended, original: &BTreeMap<String, Vec<u8>>) {
    let (log, report) = reopen(dir, config);
    assert!(report.recovered_segments >= 1, "a damaged index must be noticed");
    assert_holds_exactly(&log, appended);
    assert_eq!(
        log.max_timestamp().unwrap(),
        Some(OffsetLookup { offset: 95, timestamp: 23_003, leader_epoch: Some(0) })
    );
    drop(log);
    let now: BTreeMap<String, Vec<u8>> =
        snapshot(dir).into_iter().filter(|(name, _)| name.ends_with("index")).collect();
    for (name, bytes) in original {
        assert!(now.get(name) == Some(bytes), "{name} was not rebuilt to what it was");
    }
    let (_, report) = reopen(dir, config);
    assert_eq!(report.recovered_segments, 0, "a rebuilt index is trusted next time");
}

fn damage_and_check(extension: &str, which: impl Fn(&[PathBuf]) -> PathBuf, damage: impl Fn(&Path)) {
    let config = small_config();
    let dir = tempfile::tempdir().unwrap();
    let (appended, original) = closed_log(dir.path(), &config);
    let target = which(&segment_files(dir.path(), extension));
    assert!(std::fs::metadata(&target).unwrap().len() > 0, "{} should have entries", target.display());
    damage(&target);
    assert_indexes_rebuilt(dir.path(), &config, &appended, &original);
}

fn sealed(files: &[PathBuf]) -> PathBuf {
    files[1].clone()
}

fn active(files: &[PathBuf]) -> PathBuf {
    files.last().unwrap().clone()
}

fn delete(path: &Path) {
    std::fs::remove_file(path).unwrap();
}

fn drop_last_half_entry(path: &Path) {
    let len = std::fs::metadata(path).unwrap().len();
    cut_file(path, len - 4);
}

#[test]
fn a_deleted_offset_index_is_rebuilt() {
    damage_and_check("index", sealed, delete);
}

#[test]
fn a_deleted_offset_index_of_the_active_segment_is_rebuilt() {
    damage_and_check("index", active, delete);
}

#[test]
fn a_zeroed_offset_index_is_rebuilt() {
    damage_and_check("index", sealed, zero_file);
}

#[test]
fn a_zeroed_offset_index_of_the_active_segment_is_rebuilt() {
    damage_and_check("index", active, zero_file);
}

#[test]
fn an_offset_index_with_a_partial_entry_is_rebuilt() {
    damage_and_check("index", sealed, drop_last_half_entry);
}

#[test]
fn a_deleted_time_index_is_rebuilt() {
    damage_and_check("timeindex", sealed, delete);
}

#[test]
fn a_deleted_time_index_of_the_active_segment_is_rebuilt() {
    damage_and_check("timeindex", active, delete);
}

#[test]
fn a_zeroed_time_index_is_rebuilt() {
    damage_and_check("timeindex", sealed, zero_file);
}

#[test]
fn a_zeroed_time_index_of_the_active_segment_is_rebuilt() {
    damage_and_check("timeindex", active, zero_file);
}

#[test]
fn a_time_index_with_a_partial_entry_is_rebuilt() {
    damage_and_check("timeindex", sealed, drop_last_half_entry);
}

#[test]
fn every_index_deleted_is_rebuilt() {
    let config = small_config();
    let dir = tempfile::tempdir().unwrap();
    let (appended, original) = closed_log(dir.path(), &config);
    for name in original.keys() {
        delete(&dir.path().join(name));
    }
    assert_indexes_rebuilt(dir.path(), &config, &appended, &original);
}

#[test]
fn zeroed_indexes_after_a_crash_are_rebuilt() {
    let config = small_config();
    let dir = tempfile::tempdir().unwrap();
    let appended = crashed_log(dir.path(), &config, 24);
    for extension in ["index", "timeindex"] {
        for file in segment_files(dir.path(), extension) {
            zero_file(&file);
        }
    }
    let (log, _) = reopen(dir.path(), &config);
    assert_holds_exactly(&log, &appended);
}

#[test]
fn a_shrunk_index_max_bytes_after_restart_keeps_the_index_and_rolls() {
    let dir = tempfile::tempdir().unwrap();
    let big = LogConfig { segment_bytes: 1 << 20, index_interval_bytes: 0, index_max_bytes: 1 << 16, ..small_config() };
    let mut appended = {
        let log = open(dir.path(), &big);
        fill(&log, 40)
    };
    // The indexes on disk already hold more entries than the new size allows.
    let small = LogConfig { index_max_bytes: 64, ..big };
    let (log, _) = reopen(dir.path(), &small);
    assert_holds_exactly(&log, &appended);
    appended.extend(fill(&log, 2));
    assert!(log.segment_count() >= 2);
    for (base, batch) in &appended {
        assert_same_batch(&read_one(&log, *base), batch, *base);
    }
    drop(log);
    let (_, report) = reopen(dir.path(), &small);
    assert_eq!(report.recovered_segments, 0);
}

#[test]
fn index_files_left_behind_by_a_deleted_segment_are_not_reused() {
    let dir = tempfile::tempdir().unwrap();
    let config = small_config();
    // What a crash half-way through deleting a segment based at 16 leaves: its
    // indexes without its log.
    let stale_entries: Vec<u8> =
        [(3u32, 2000u32), (9, 3000)].iter().flat_map(|(o, p)| [o.to_be_bytes(), p.to_be_bytes()].concat()).collect();
    std::fs::write(dir.path().join(format!("{:020}.index", 16)), stale_entries).unwrap();
    std::fs::write(dir.path().join(format!("{:020}.timeindex", 16)), [0xffu8; 24]).unwrap();
    let log = open(dir.path(), &config);
    let appended = fill(&log, 12);
    assert!(dir.path().join(format!("{:020}.log", 16)).exists(), "the test needs a segment based at 16");
    assert_holds_exactly(&log, &appended);
    drop(log);
    let (log, report) = reopen(dir.path(), &config);
    assert_eq!(report.recovered_segments, 0);
    assert_holds_exactly(&log, &appended);
}

#[test]
fn a_deleted_time_index_does_not_lose_the_segments_largest_timestamp() {
    let dir = tempfile::tempdir().unwrap();
    let config = LogConfig { retention_ms: 10_000, ..small_config() };
    {
        let log = open(dir.path(), &config);
        // The newest record comes first; the rest of the segment is much older.
        log.append(&make_batch(4, 200, 50_000), 0).unwrap();
        for _ in 0..3 {
            log.append(&make_batch(4, 200, 0), 0).unwrap();
        }
        log.append(&make_batch(4, 200, 50_000), 0).unwrap();
        assert_eq!(log.segment_count(), 2);
    }
    std::fs::remove_file(dir.path().join(format!("{:020}.timeindex", 0))).unwrap();
    let (log, _) = reopen(dir.path(), &config);
    assert_eq!(
        log.max_timestamp().unwrap(),
        Some(OffsetLookup { offset: 3, timestamp: 50_003, leader_epoch: Some(0) })
    );
    // At 55_000 nothing is older than retention_ms.
    assert_eq!(log.apply_retention(55_000).unwrap(), Vec::<i64>::new());
    assert_eq!(log.start_offset(), 0);
}
