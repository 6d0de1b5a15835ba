//! Shared setup for the storage tests: real v2 record batches (the library's
//! `log::testing` builder), a log in a fresh temp dir, ways to leave that dir as
//! a crash would, and a reader that splits what `Log::read` returns into batches.
#![allow(dead_code)]

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use strand::log::layout::CLEAN_SHUTDOWN_FILE;
// Not every test file builds batches of both kinds.
#[allow(unused_imports)]
pub use strand::log::testing::{batch_with_timestamps, make_batch};
use strand::log::{Log, LogConfig};

/// A config small enough that a handful of batches spans several segments and
/// several index entries, with nothing expiring on its own.
pub fn small_config() -> LogConfig {
    LogConfig {
        segment_bytes: 4096,
        segment_ms: i64::MAX,
        retention_bytes: -1,
        retention_ms: -1,
        index_interval_bytes: 256,
        index_max_bytes: 4096,
        ..LogConfig::default()
    }
}

/// A temp dir for tests that reopen a log thousands of times: in memory when the
/// machine has a tmpfs, since each clean close costs several fsyncs on a disk.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::tempdir_in(shm) {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

pub fn open(dir: &Path, config: &LogConfig) -> Log {
    Log::open(dir, config.clone(), 0).expect("open log").0
}

/// A batch as `Log::read` returned it.
#[derive(Debug)]
pub struct ReadBatch {
    pub base_offset: i64,
    pub last_offset: i64,
    pub bytes: Bytes,
}

/// Splits a read result into its batches; panics on a partial batch, which a
/// read must never return.
pub fn batches(data: &Bytes) -> Vec<ReadBatch> {
    let mut out = Vec::new();
    let mut pos = 0;
    while pos < data.len() {
        let rest = &data[pos..];
        assert!(rest.len() >= 61, "partial batch header at byte {pos}");
        let size = 12 + i32::from_be_bytes(rest[8..12].try_into().unwrap()) as usize;
        assert!(rest.len() >= size, "partial batch at byte {pos}");
        let base_offset = i64::from_be_bytes(rest[..8].try_into().unwrap());
        let delta = i32::from_be_bytes(rest[23..27].try_into().unwrap());
        out.push(ReadBatch {
            base_offset,
            last_offset: base_offset + i64::from(delta),
            bytes: data.slice(pos..pos + size),
        });
        pos += size;
    }
    out
}

/// The single batch that a read at `offset` starts with.
pub fn read_one(log: &Log, offset: i64) -> ReadBatch {
    let data = log.read(offset, 1, true).expect("read");
    let mut found = batches(&data);
    assert_eq!(found.len(), 1, "min_one read with max_bytes 1 returns exactly one batch");
    found.remove(0)
}

/// The stored batch is the appended one with only its base offset rewritten.
pub fn assert_same_batch(stored: &ReadBatch, appended: &[u8], base_offset: i64) {
    assert_eq!(stored.base_offset, base_offset);
    assert_eq!(&stored.bytes[8..], &appended[8..], "batch at {base_offset} differs from what was appended");
}

/// `.log` files of the log dir, oldest first.
pub fn segment_files(dir: &Path, extension: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == extension))
        .collect();
    files.sort();
    files
}

pub fn last_segment_file(dir: &Path, extension: &str) -> PathBuf {
    segment_files(dir, extension).pop().expect("at least one segment")
}

pub fn file_sizes(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files: Vec<(PathBuf, u64)> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap()).map(|e| (e.path(), e.metadata().unwrap().len())).collect();
    files.sort();
    files
}

/// Makes the next open treat the dir as a crash left it: the marker a clean
/// shutdown writes is gone.
pub fn forget_clean_shutdown(dir: &Path) {
    std::fs::remove_file(dir.join(CLEAN_SHUTDOWN_FILE)).expect("a closed log leaves the clean shutdown marker");
}

/// Stops the log as a killed process would: files exactly as they are now
/// (indexes still pre-allocated, nothing sealed) and no clean shutdown marker.
/// The files are copied aside, the log is closed, and the copies put back, so
/// no file handle leaks. The crash comes after the background flushes of rolled
/// segments have finished, so the recovery point is where the last roll put it.
pub fn crash(log: Log, dir: &Path) {
    log.wait_for_rolled_flushes().expect("rolled segments flushed");
    crash_now(log, dir);
}

/// `crash` at whatever point the background flushes of rolled segments have
/// reached: a file the flusher renames or removes while the dir is copied is
/// taken as the copy found it, or not at all.
pub fn crash_now(log: Log, dir: &Path) {
    let files: Vec<(PathBuf, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter_map(|p| match std::fs::read(&p) {
            Ok(bytes) => Some((p, bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => panic!("{}: {e}", p.display()),
        })
        .collect();
    drop(log);
    for entry in std::fs::read_dir(dir).unwrap() {
        std::fs::remove_file(entry.unwrap().path()).unwrap();
    }
    for (path, bytes) in files {
        std::fs::write(path, bytes).unwrap();
    }
}

pub fn cut_file(path: &Path, len: u64) {
    OpenOptions::new().write(true).open(path).unwrap().set_len(len).unwrap();
}

pub fn append_bytes(path: &Path, bytes: &[u8]) {
    OpenOptions::new().append(true).open(path).unwrap().write_all(bytes).unwrap();
}

pub fn zero_file(path: &Path) {
    let len = std::fs::metadata(path).unwrap().len();
    std::fs::write(path, vec![0u8; len as usize]).unwrap();
}
