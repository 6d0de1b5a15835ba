//! The log's central invariant under random histories: whatever sequence of
//! appends, rolls, clean restarts and crashes (with torn or garbage tails) it
//! goes through, it holds exactly a prefix of what was appended, every batch
//! reads back at its offset, offsets are contiguous, and appends continue at the
//! end.

mod log_common;

use std::path::Path;

use bytes::Bytes;
use log_common::*;
use proptest::prelude::*;
use strand::log::{Error, Log, LogConfig};

#[derive(Debug, Clone)]
enum Op {
    Append {
        records: usize,
        value_size: usize,
    },
    RestartClean,
    /// Stop without sealing anything or leaving the marker.
    Crash,
    /// Crash, then cut the last segment to `keep` of its length and append
    /// `garbage`, as a torn write would leave it.
    CrashTorn {
        keep: f64,
        garbage: Vec<u8>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (1usize..12, 0usize..400).prop_map(|(records, value_size)| Op::Append { records, value_size }),
        1 => Just(Op::RestartClean),
        1 => Just(Op::Crash),
        1 => (0.0f64..1.0, prop::collection::vec(any::<u8>(), 0..80)).prop_map(|(keep, garbage)| Op::CrashTorn { keep, garbage }),
    ]
}

fn config() -> impl Strategy<Value = LogConfig> {
    (1024u64..6144, 0u64..600, prop_oneof![Just(48usize), Just(4096)]).prop_map(
        |(segment_bytes, index_interval_bytes, index_max_bytes)| LogConfig {
            segment_bytes,
            index_interval_bytes,
            index_max_bytes,
            ..small_config()
        },
    )
}

/// What the log must hold: every accepted batch, in order, with its base offset.
#[derive(Default)]
struct Model {
    batches: Vec<(i64, Bytes)>,
}

impl Model {
    fn end(&self) -> i64 {
        self.batches.last().map_or(0, |(base, batch)| base + record_count(batch))
    }

    /// Keeps what survives cutting the segment based at `segment_base` to `len` bytes.
    fn cut(&mut self, segment_base: i64, len: u64) {
        let mut pos = 0;
        self.batches.retain(|(base, batch)| {
            if *base < segment_base {
                return true;
            }
            pos += batch.len() as u64;
            pos <= len
        });
    }
}

fn record_count(batch: &[u8]) -> i64 {
    i64::from(i32::from_be_bytes(batch[57..61].try_into().unwrap()))
}

/// Reads the whole log front to back, one read per step, and checks it against
/// the model batch by batch.
fn check(log: &Log, model: &Model) {
    assert_eq!(log.start_offset(), 0);
    assert_eq!(log.end_offset(), model.end());
    let mut expected = model.batches.iter();
    let mut offset = 0;
    while offset < log.end_offset() {
        let data = log.read(offset, 1 << 16, true).unwrap();
        let read = batches(&data);
        assert!(!read.is_empty(), "nothing read at {offset} below the end {}", log.end_offset());
        for stored in read {
            let (base, batch) = expected.next().expect("the log holds more batches than were appended");
            assert_eq!(stored.base_offset, offset, "offsets are not contiguous");
            assert_same_batch(&stored, batch, *base);
            offset = stored.last_offset + 1;
        }
    }
    assert!(expected.next().is_none(), "batches missing after offset {offset}");
    // And every batch is found directly from any offset inside it.
    for (base, batch) in &model.batches {
        let last = base + record_count(batch) - 1;
        assert_same_batch(&read_one(log, last), batch, *base);
    }
}

fn tear_last_segment(dir: &Path, keep: f64, garbage: &[u8], model: &mut Model) {
    let last = last_segment_file(dir, "log");
    let base: i64 = last.file_stem().unwrap().to_str().unwrap().parse().unwrap();
    let len = std::fs::metadata(&last).unwrap().len();
    let kept = (len as f64 * keep) as u64;
    cut_file(&last, kept);
    append_bytes(&last, garbage);
    model.cut(base, kept);
}

fn run(config: LogConfig, ops: Vec<Op>) {
    let dir = tempfile::tempdir().unwrap();
    let mut model = Model::default();
    let mut log = open(dir.path(), &config);
    for (step, op) in ops.into_iter().enumerate() {
        match op {
            Op::Append { records, value_size } => {
                let batch = make_batch(records, value_size, step as i64 * 100);
                match log.append(&batch, 0) {
                    Ok(info) => {
                        assert_eq!(info.base_offset, model.end());
                        assert_eq!(info.last_offset, model.end() + records as i64 - 1);
                        model.batches.push((info.base_offset, batch));
                    }
                    Err(Error::BatchLargerThanSegment { .. }) => assert!(batch.len() as u64 > config.segment_bytes),
                    Err(e) => panic!("append failed: {e}"),
                }
                assert_eq!(log.end_offset(), model.end());
                continue;
            }
            Op::RestartClean => {
                drop(log);
                let report;
                (log, report) = Log::open(dir.path(), config.clone(), 0).unwrap();
                assert_eq!(report.recovered_segments, 0, "a clean restart rescans nothing");
            }
            Op::Crash => {
                crash(log, dir.path());
                log = open(dir.path(), &config);
            }
            Op::CrashTorn { keep, garbage } => {
                crash(log, dir.path());
                tear_last_segment(dir.path(), keep, &garbage, &mut model);
                log = open(dir.path(), &config);
            }
        }
        check(&log, &model);
    }
    check(&log, &model);
    drop(log);
    let (log, report) = Log::open(dir.path(), config, 0).unwrap();
    assert_eq!(report.recovered_segments, 0);
    check(&log, &model);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_history_of_appends_restarts_and_crashes_keeps_a_contiguous_prefix(
        config in config(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        run(config, ops);
    }
}
