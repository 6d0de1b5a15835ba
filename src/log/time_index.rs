//! The time index (`.timeindex`): entries of (largest timestamp so far: i64,
//! offset relative to the segment base where it was reached: u32), written next to
//! offset index entries and only when the timestamp grows, as Kafka does. It turns
//! "first offset whose timestamp is >= T" into one binary search and a short scan.

use std::path::Path;

use super::index::IndexFile;
use super::layout::{self, TIME_INDEX_ENTRY};
use super::Error;

pub struct TimeIndex {
    file: IndexFile,
    base_offset: i64,
}

impl TimeIndex {
    pub fn open(path: &Path, base_offset: i64) -> Result<Self, Error> {
        Ok(Self { file: IndexFile::open(path, TIME_INDEX_ENTRY)?, base_offset })
    }

    pub fn file(&self) -> &IndexFile {
        &self.file
    }

    pub fn file_mut(&mut self) -> &mut IndexFile {
        &mut self.file
    }

    pub fn len(&self) -> usize {
        self.file.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file.is_empty()
    }

    pub fn entry(&self, n: usize) -> (i64, i64) {
        layout::decode_time_entry(self.base_offset, self.file.entry(n))
    }

    pub fn last_timestamp(&self) -> Option<i64> {
        self.len().checked_sub(1).map(|n| self.entry(n).0)
    }

    /// An offset at or before the first record with timestamp >= `ts`: every record
    /// up to the returned entry's offset has a smaller timestamp. `None` means
    /// "scan from the segment start".
    pub fn lookup(&self, ts: i64) -> Option<i64> {
        let key = |raw: &[u8]| layout::decode_time_entry(self.base_offset, raw).0;
        // Strictly smaller: an entry equal to `ts` may have records with `ts` before it.
        self.file.floor(ts.saturating_sub(1), key).map(|n| self.entry(n).1)
    }

    /// Appends when `ts` is larger than the last entry's; returns false when full.
    pub fn maybe_append(&mut self, ts: i64, offset: i64) -> bool {
        if self.last_timestamp().is_some_and(|last| ts <= last) {
            return true;
        }
        self.file.append(&layout::encode_time_entry(self.base_offset, ts, offset))
    }

    /// Timestamps and offsets strictly increase and stay below `next_offset`.
    pub fn is_consistent(&self, next_offset: i64) -> Result<bool, Error> {
        if self.file.has_partial_entry()? {
            return Ok(false);
        }
        let mut prev: Option<(i64, i64)> = None;
        for n in 0..self.len() {
            let entry = self.entry(n);
            if entry.1 >= next_offset || prev.is_some_and(|prev| !layout::time_entry_follows(prev, entry)) {
                return Ok(false);
            }
            prev = Some(entry);
        }
        Ok(true)
    }
}
