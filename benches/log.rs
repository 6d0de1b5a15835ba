//! Storage engine benchmarks: append throughput into the page cache, sequential
//! read throughput (fetch-sized reads), append latency across segment rolls, and
//! the time to reopen a 1 GiB log after a clean and an unclean shutdown.
//!
//! `cargo bench --bench log` runs everything; a filter (`-- append`, `-- read`,
//! `-- roll`, `-- recovery`) runs only the matching part. Logs live in temp dirs under
//! `STRAND_BENCH_DIR` (default: the system temp dir), which must be on a real
//! disk for the figures to mean anything, with ~2.5 GiB free for the recovery part.

mod support;

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, Instant};
use support::make_batch;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use strand::log::{Log, LogConfig};

/// Batches of about 1 KiB (8 records) and 64 KiB (64 records), the sizes the
/// performance targets are stated for.
fn batches() -> [(&'static str, Bytes); 2] {
    [("1KiB", make_batch(8, 112)), ("64KiB", make_batch(64, 1013))]
}

fn temp_dir() -> tempfile::TempDir {
    match std::env::var_os("STRAND_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).expect("temp dir under STRAND_BENCH_DIR"),
        None => tempfile::tempdir().expect("temp dir"),
    }
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("append");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    for (name, batch) in batches() {
        group.throughput(Throughput::Bytes(batch.len() as u64));
        group.bench_with_input(BenchmarkId::from_parameter(name), &batch, |b, batch| {
            // A fresh log per sample keeps the disk footprint to one sample's
            // worth; opening and the fsyncs of closing stay outside the timing.
            b.iter_custom(|iters| {
                let dir = temp_dir();
                let (log, _) = Log::open(dir.path(), LogConfig::default(), 0).expect("open log");
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(log.append(batch, 0).expect("append"));
                }
                let elapsed = started.elapsed();
                drop(log);
                elapsed
            });
        });
    }
    group.finish();
}

/// Fills a log with `bytes` of copies of `batch`.
fn fill(dir: &Path, batch: &Bytes, bytes: u64) -> Log {
    let (log, _) = Log::open(dir, LogConfig::default(), 0).expect("open log");
    for _ in 0..bytes / batch.len() as u64 {
        log.append(batch, 0).expect("append");
    }
    log
}

/// Offset after the last batch in a read result.
fn next_offset(data: &[u8]) -> i64 {
    let mut pos = 0;
    let mut next = 0;
    while pos < data.len() {
        let base = i64::from_be_bytes(data[pos..pos + 8].try_into().expect("8 bytes"));
        let len = i32::from_be_bytes(data[pos + 8..pos + 12].try_into().expect("4 bytes"));
        let delta = i32::from_be_bytes(data[pos + 23..pos + 27].try_into().expect("4 bytes"));
        next = base + i64::from(delta) + 1;
        pos += 12 + len as usize;
    }
    next
}

/// A consumer reading a 256 MiB log front to back in 1 MiB fetches, starting
/// over at the end.
fn read(c: &mut Criterion) {
    const FETCH: u64 = 1 << 20;
    let mut group = c.benchmark_group("read");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    for (name, batch) in batches() {
        let dir = temp_dir();
        let log = fill(dir.path(), &batch, 256 << 20);
        // Whole batches only, so a fetch returns a little under FETCH.
        let per_fetch = FETCH / batch.len() as u64 * batch.len() as u64;
        group.throughput(Throughput::Bytes(per_fetch));
        let mut offset = 0;
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                let data = log.read(offset, FETCH, true).expect("read");
                offset = next_offset(&data);
                if offset >= log.end_offset() {
                    offset = 0;
                }
                black_box(data)
            });
        });
    }
    group.finish();
}

/// Reopening a 1 GiB log: a clean restart must not scan it (< 50 ms), an
/// unclean one re-validates every batch (< 2 s). Timed directly, as a few runs
/// each, since one run of the unclean case takes about a second. The files are
/// in the page cache, as they are after a process crash.
fn recovery() {
    for (name, batch) in batches() {
        let dir = temp_dir();
        let started = Instant::now();
        let log = fill(dir.path(), &batch, 1 << 30);
        let size = log.size_bytes();
        drop(log);
        println!(
            "recovery/{name}: built a {:.2} GiB log in {:.2} s",
            size as f64 / f64::from(1 << 30),
            started.elapsed().as_secs_f64()
        );

        let mut clean = Vec::new();
        for _ in 0..7 {
            let started = Instant::now();
            let (log, report) = Log::open(dir.path(), LogConfig::default(), 0).expect("open log");
            clean.push(started.elapsed());
            assert!(report.clean && report.recovered_segments == 0, "{report:?}");
            drop(log);
        }
        let mut unclean = Vec::new();
        for _ in 0..3 {
            std::fs::remove_file(dir.path().join(".clean_shutdown")).expect("clean shutdown marker");
            let started = Instant::now();
            let (log, report) = Log::open(dir.path(), LogConfig::default(), 0).expect("open log");
            unclean.push(started.elapsed());
            assert!(!report.clean && report.recovered_segments > 0 && report.truncated_bytes == 0, "{report:?}");
            drop(log);
        }
        println!("recovery/{name}/clean:   {}", summary(&mut clean));
        println!("recovery/{name}/unclean: {}", summary(&mut unclean));
    }
}

/// Append latency while the log rolls: 1 KiB batches into 32 MiB segments, 512
/// MiB in all (16 rolls). Each append is timed; the appends that rolled are
/// reported apart. A roll leaves the fsync of the segment before it to the log's
/// flusher thread; `roll/inline-fsync` waits for that fsync inside the rolling
/// append, which is what a roll cost a producer when it fsynced under the log's
/// lock, measured in the same conditions for comparison.
fn roll() {
    const SEGMENT: u64 = 32 << 20;
    const TOTAL: u64 = 512 << 20;
    let batch = make_batch(8, 112);
    for (name, wait_for_fsync) in [("roll", false), ("roll/inline-fsync", true)] {
        let dir = temp_dir();
        let config = LogConfig { segment_bytes: SEGMENT, ..LogConfig::default() };
        let (log, _) = Log::open(dir.path(), config, 0).expect("open log");
        let (mut all, mut rolls) = (Vec::new(), Vec::new());
        for _ in 0..TOTAL / batch.len() as u64 {
            let segments = log.segment_count();
            let started = Instant::now();
            black_box(log.append(&batch, 0).expect("append"));
            let rolled = log.segment_count() > segments;
            if rolled && wait_for_fsync {
                log.wait_for_rolled_flushes().expect("flush");
            }
            let took = started.elapsed();
            all.push(took);
            if rolled {
                rolls.push(took);
            }
        }
        drop(log);
        println!("{name}/append: {}", percentiles(&mut all));
        println!("{name}/rolling-append: {}", summary(&mut rolls));
    }
}

fn percentiles(times: &mut [Duration]) -> String {
    times.sort();
    let us = |q: f64| times[((times.len() - 1) as f64 * q) as usize].as_secs_f64() * 1e6;
    format!(
        "p50 {:.1} us, p99 {:.1} us, p99.9 {:.1} us, p99.99 {:.1} us, max {:.1} us ({} appends)",
        us(0.5),
        us(0.99),
        us(0.999),
        us(0.9999),
        us(1.0),
        times.len()
    )
}

fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    format!(
        "median {:.1} ms (min {:.1}, max {:.1}, {} runs)",
        ms(times[times.len() / 2]),
        ms(times[0]),
        ms(times[times.len() - 1]),
        times.len()
    )
}

fn main() {
    // Positional arguments are criterion's name filters; the recovery timings
    // honour them too.
    let filters: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let wants = |name: &str| filters.is_empty() || filters.iter().any(|f| name.contains(f.as_str()));
    let mut c = Criterion::default().configure_from_args();
    append(&mut c);
    read(&mut c);
    c.final_summary();
    if wants("roll") {
        roll();
    }
    if wants("recovery") {
        recovery();
    }
}
