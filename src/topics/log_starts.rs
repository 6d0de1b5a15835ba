//! The data dir's `log-start-offset-checkpoint`: each partition's log start
//! offset where DeleteRecords moved it past its first segment's base offset,
//! which the segment files alone cannot tell a restart.
//!
//! Kafka's `LogManager` writes the same file, in the same format, every
//! `log.flush.start.offset.checkpoint.interval.ms` and on shutdown; strand
//! writes it (temporary file, fsync, rename) each time a start moves, before
//! DeleteRecords is answered, so an acknowledged deletion survives even a
//! `kill -9`. Partitions whose start is their first segment's base offset
//! (it never moved, or retention moved it by deleting segments) are left out,
//! as Kafka leaves them out: the segments say it. A file that cannot be read is
//! ignored with a warning, as Kafka ignores it: every log then starts at its
//! first segment.
//!
//! The file names partitions, not topic ids: the entries of a deleted topic are
//! removed before its deletion is answered, so a topic created again under the
//! same name never inherits its predecessor's start.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::Error;
use crate::durable;
use crate::log::layout::{self, CheckpointEntry, LOG_START_CHECKPOINT_FILE};

/// The checkpoint file and what it holds; the lock serialises its writers.
pub(super) struct LogStarts {
    path: PathBuf,
    on_disk: Mutex<Vec<CheckpointEntry>>,
}

/// The checkpoint's entries, by topic and partition.
pub(super) type Starts = HashMap<(String, usize), i64>;

impl LogStarts {
    /// Reads the checkpoint in `data_dir`: the starts it keeps, and the handle
    /// that writes it from now on.
    pub fn open(data_dir: &Path) -> (Self, Starts) {
        let path = data_dir.join(LOG_START_CHECKPOINT_FILE);
        let entries = match std::fs::read_to_string(&path) {
            Ok(text) => layout::decode_offset_checkpoint(&text).unwrap_or_else(|| {
                tracing::warn!(path = %path.display(), "ignoring a malformed log start offset checkpoint");
                Vec::new()
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "ignoring an unreadable log start offset checkpoint");
                Vec::new()
            }
        };
        let starts = entries
            .iter()
            .filter_map(|(topic, partition, offset)| {
                Some(((topic.clone(), usize::try_from(*partition).ok()?), *offset))
            })
            .collect();
        (Self { path, on_disk: Mutex::new(entries) }, starts)
    }

    /// Held by whoever moves a log start until the checkpoint says so, so that
    /// two writers never put an older picture over a newer one.
    pub fn lock(&self) -> MutexGuard<'_, Vec<CheckpointEntry>> {
        self.on_disk.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `entries` the checkpoint, unless it already is.
    pub fn write(&self, on_disk: &mut Vec<CheckpointEntry>, mut entries: Vec<CheckpointEntry>) -> Result<(), Error> {
        entries.sort_unstable();
        if *on_disk == entries {
            return Ok(());
        }
        durable::write_durably(&self.path, layout::encode_offset_checkpoint(&entries).as_bytes())?;
        *on_disk = entries;
        Ok(())
    }
}

/// True when the checkpoint holds an entry for `topic`.
pub(super) fn names(on_disk: &[CheckpointEntry], topic: &str) -> bool {
    on_disk.iter().any(|(t, _, _)| t == topic)
}
