//! Open file descriptors stay bounded as partitions grow: a log keeps one
//! descriptor open, its active segment's `.log`; indexes are memory-mapped with
//! their descriptors closed; sealed segments' `.log` files are opened on demand
//! through one cache shared by every log in the process.
//!
//! One test in this binary: it counts the process's descriptors, which tests
//! running beside it would disturb.

mod log_common;

use log_common::*;
use strand::log::{Log, LogConfig};

const PARTITIONS: usize = 40;
const SEALED_FILE_LIMIT: usize = 8;

/// Memory mappings: indexes cost these instead of descriptors (`vm.max_map_count`).
fn mappings() -> usize {
    std::fs::read_to_string("/proc/self/maps").expect("/proc/self/maps").lines().count()
}

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd lists this process's descriptors").count()
}

#[test]
fn descriptors_per_log_stay_at_one_however_many_segments_and_reads() {
    strand::log::set_sealed_segment_file_limit(SEALED_FILE_LIMIT);
    let root = tempfile::tempdir().unwrap();
    let config = LogConfig { segment_bytes: 2048, ..small_config() };
    let (baseline, baseline_maps) = (open_fds(), mappings());

    let mut logs: Vec<Log> = Vec::new();
    for p in 0..PARTITIONS {
        let log = open(&root.path().join(format!("events-{p}")), &config);
        for i in 0..30i64 {
            log.append(&make_batch(2, 200, 1000 * i), 0).unwrap();
        }
        log.wait_for_rolled_flushes().unwrap();
        logs.push(log);
    }
    let segments: usize = logs.iter().map(|l| l.segment_count()).sum();
    assert!(segments >= 4 * PARTITIONS, "each log has several sealed segments ({segments} in all)");
    let after_appends = open_fds().saturating_sub(baseline);

    // Read every offset of every log: each sealed segment's file is opened in turn.
    for log in &logs {
        for offset in (log.start_offset()..log.end_offset()).step_by(2) {
            read_one(log, offset);
        }
    }
    let after_reads = open_fds().saturating_sub(baseline);
    // Not asserted: other threads' stacks and allocations come and go.
    eprintln!("{} more memory mappings (2 per segment with index entries)", mappings().saturating_sub(baseline_maps));
    eprintln!(
        "{PARTITIONS} logs, {segments} segments: {after_appends} descriptors after the appends, \
         {after_reads} after reading every segment (sealed-file limit {SEALED_FILE_LIMIT})"
    );
    assert!(after_appends <= PARTITIONS + SEALED_FILE_LIMIT, "{after_appends} descriptors after the appends");
    assert!(after_reads <= PARTITIONS + SEALED_FILE_LIMIT, "{after_reads} descriptors after the reads");

    // Closed and reopened: the same bound from a clean start.
    drop(logs);
    let logs: Vec<Log> = (0..PARTITIONS).map(|p| open(&root.path().join(format!("events-{p}")), &config)).collect();
    let reopened = open_fds().saturating_sub(baseline);
    for log in &logs {
        read_one(log, log.start_offset());
    }
    let reopened_and_read = open_fds().saturating_sub(baseline);
    eprintln!("reopened: {reopened} descriptors, {reopened_and_read} after one read per log");
    assert!(reopened_and_read <= PARTITIONS + SEALED_FILE_LIMIT, "{reopened_and_read} descriptors after reopening");

    // Readers on several threads, two sealed files for all of them: files close
    // under the cache while others are read, and every read still finds its batch.
    strand::log::set_sealed_segment_file_limit(2);
    std::thread::scope(|scope| {
        for chunk in logs.chunks(PARTITIONS / 4) {
            scope.spawn(move || {
                for _ in 0..3 {
                    for log in chunk {
                        for offset in log.start_offset()..log.end_offset() {
                            let batch = read_one(log, offset);
                            assert!((batch.base_offset..=batch.last_offset).contains(&offset));
                        }
                    }
                }
            });
        }
    });
    assert!(open_fds().saturating_sub(baseline) <= PARTITIONS + 2);
}
