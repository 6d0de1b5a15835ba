//! What record validation costs on the produce path (issue 17): CPU per batch,
//! and so per message, of
//!
//! - `before`: the checks the produce path made before full validation
//!   (`batch::validate`: length, magic, CRC32C, codec, count);
//! - `after`: full validation as Kafka's LogValidator does it
//!   (`log::validate::validate`: the header, every record walked, a compressed
//!   batch decompressed first, every timestamp checked against Kafka 4's limits);
//! - `append`: `Log::append` as it runs now (full validation, then the write into
//!   the page cache of a fresh log's active segment), the whole produce path below
//!   the protocol.
//!
//! Each for an uncompressed and an lz4-compressed batch (lz4 is the codec Java
//! and librdkafka producers are most often set to), of 8 and 1000 records of
//! 100 bytes. Criterion reports time per batch and records per second; CPU per
//! million messages is 1e6 / (records per second), all on one core.
//!
//! `cargo bench --bench validation` (a filter: `-- after`, `-- append/lz4`).

mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};
use support::make_batch;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput};
use strand::log::batch;
use strand::log::records::Codec;
use strand::log::testing;
use strand::log::validate::{self, TimestampRules};
use strand::log::{Log, LogConfig};

/// The producer's timestamps in these batches (`log::testing`): the broker's
/// clock is set there, so every record passes Kafka 4's one-hour limit.
const NOW: i64 = testing::DEFAULT_TIMESTAMP;

fn batches() -> Vec<(String, usize, Bytes)> {
    let mut all = Vec::new();
    for records in [8, 1000] {
        let plain = make_batch(records, 100);
        all.push((format!("none/{records}x100B"), records, checked(&plain, false)));
        all.push((format!("lz4/{records}x100B"), records, checked(&plain, true)));
    }
    all
}

/// The batch as benchmarked, checked to pass full validation first.
fn checked(plain: &Bytes, compress: bool) -> Bytes {
    let batch = if compress { testing::compress(plain, Codec::Lz4) } else { plain.clone() };
    validate::validate(&batch, &kafka_rules(), NOW).expect("the benchmarked batch is valid");
    batch
}

/// Kafka 4's defaults: CreateTime, any age, at most an hour ahead.
fn kafka_rules() -> TimestampRules {
    TimestampRules { after_max_ms: 3_600_000, ..TimestampRules::default() }
}

fn validation(c: &mut Criterion) {
    let mut group = c.benchmark_group("produce_validation");
    group.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(3));
    let rules = kafka_rules();
    for (name, records, batch) in batches() {
        group.throughput(Throughput::Elements(records as u64));
        group.bench_with_input(BenchmarkId::new("before", &name), &batch, |b, batch| {
            b.iter(|| black_box(batch::validate(batch).expect("valid").record_count()));
        });
        group.bench_with_input(BenchmarkId::new("after", &name), &batch, |b, batch| {
            b.iter(|| black_box(validate::validate(batch, &rules, NOW).expect("valid").max_timestamp));
        });
    }
    group.finish();
}

fn append(c: &mut Criterion) {
    let mut group = c.benchmark_group("produce_append");
    group.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    let config = LogConfig { timestamp_after_max_ms: 3_600_000, ..LogConfig::default() };
    for (name, records, batch) in batches() {
        group.throughput(Throughput::Elements(records as u64));
        group.bench_with_input(BenchmarkId::from_parameter(&name), &batch, |b, batch| {
            // A fresh log per sample (writes land in the page cache, as the
            // produce path's do); opening and closing are not timed.
            b.iter_custom(|iters| {
                let dir = scratch_dir();
                let (log, _) = Log::open(dir.path(), config.clone(), NOW).expect("open log");
                let started = Instant::now();
                for _ in 0..iters {
                    black_box(log.append(batch, NOW).expect("append"));
                }
                let elapsed = started.elapsed();
                drop(log);
                elapsed
            });
        });
    }
    group.finish();
}

/// Under `STRAND_BENCH_DIR` when set, as `benches/log.rs`.
fn scratch_dir() -> tempfile::TempDir {
    match std::env::var_os("STRAND_BENCH_DIR") {
        Some(dir) => tempfile::tempdir_in(dir).expect("temp dir under STRAND_BENCH_DIR"),
        None => tempfile::tempdir().expect("temp dir"),
    }
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    validation(&mut c);
    append(&mut c);
    c.final_summary();
}
