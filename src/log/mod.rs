//! The partition's storage: a segmented commit log laid out as Kafka lays it out.
//!
//! Layers, each knowing only the one below: `store` (bytes at positions), `index`
//! and `time_index` (memory-mapped entries), `segment` (one of each under a base
//! offset) and `partition` (one partition's log: segments, roll, retention, recovery),
//! whose `flusher` fsyncs rolled segments off the append path, and `open_files`
//! bounds the descriptors sealed segments hold across every partition.
//! `batch` is the v2 record-batch header view all of them share, `records` the
//! records inside a batch (decompressed, one by one); `leader_epoch`
//! is the partition's epoch history, which every appended batch is stamped from;
//! `layout` names the files and their entry formats, for the log and for
//! `strand inspect`; `testing` builds record batches for the tests and benches.

pub mod batch;
mod flusher;
pub mod index;
pub mod layout;
pub mod leader_epoch;
mod open_files;
pub mod partition;
pub mod producer_state;
pub mod records;
pub mod segment;
pub mod store;
#[doc(hidden)]
pub mod testing;
pub mod time_index;

use std::path::{Path, PathBuf};

pub use self::open_files::{set_sealed_segment_file_limit, DEFAULT_SEALED_FILE_LIMIT};
pub use self::partition::{AppendInfo, Log, LogConfig, OffsetLookup, OpenReport, TimestampType};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
    #[error("corrupt record batch: {0}")]
    CorruptBatch(&'static str),
    #[error("invalid record batch: {0}")]
    InvalidRecord(&'static str),
    #[error("record batch magic {0} is not supported; only v2 batches are accepted")]
    UnsupportedMagic(i8),
    #[error("record batch of {size} bytes is larger than the segment size {segment_bytes}")]
    BatchLargerThanSegment { size: u64, segment_bytes: u64 },
    #[error("offset {offset} is out of range: the log holds [{start}, {end})")]
    OffsetOutOfRange { offset: i64, start: i64, end: i64 },
    #[error("the log is closed")]
    Closed,
    #[error("producer {producer_id}: expected sequence {expected}, got {got}")]
    OutOfOrderSequence { producer_id: i64, expected: i32, got: i32 },
    #[error("producer {producer_id}: epoch {epoch} is older than the current {current}")]
    InvalidProducerEpoch { producer_id: i64, epoch: i16, current: i16 },
}

/// The space of the volume a dir is on, as Java's `FileStore` reports it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DirSpace {
    /// All of the volume's blocks (`getTotalSpace`).
    pub total_bytes: i64,
    /// The blocks an unprivileged process may still fill (`getUsableSpace`).
    pub usable_bytes: i64,
}

/// The space of the volume `dir` is on (statvfs). Sizes past `i64::MAX` read as
/// `i64::MAX`, as Kafka reads a Java `FileStore`'s overflowing answers.
pub fn dir_space(dir: &Path) -> Result<DirSpace, Error> {
    let stat = rustix::fs::statvfs(dir).map_err(|e| Error::io(dir, e.into()))?;
    let bytes = |blocks: u64| i64::try_from(blocks.saturating_mul(stat.f_frsize)).unwrap_or(i64::MAX);
    Ok(DirSpace { total_bytes: bytes(stat.f_blocks), usable_bytes: bytes(stat.f_bavail) })
}

impl From<crate::durable::Error> for Error {
    fn from(e: crate::durable::Error) -> Self {
        Error::Io { path: e.path, source: e.source }
    }
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Self {
        Error::Io { path: path.to_owned(), source }
    }
}
