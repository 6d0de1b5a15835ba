//! The sparse offset index (`.index`) and the memory-mapped file both indexes use.
//!
//! Like Kafka's, an entry is (offset relative to the segment base: u32, position of
//! a batch in the `.log`: u32), added at most once every `index_interval_bytes` of
//! log data. The entry's offset is the batch's last offset, as Kafka writes it, so
//! "largest entry with offset <= target" always points at or before the batch that
//! holds the target. While the segment is active the file is pre-allocated to
//! `max_bytes` (Kafka's `segment.index.bytes`) and mapped; when the segment rolls or
//! the broker stops it is trimmed to its entries.
//!
//! No file descriptor stays open: a mapping outlives the descriptor it was made
//! from, so the file is opened only to resize, map or fsync it (a roll, a clean
//! close) and closed again. An index costs its mapping, not one of the process's
//! descriptors, however many partitions and segments the broker holds.

use std::fs::{File, OpenOptions};
use std::path::{Path, PathBuf};

use memmap2::MmapMut;

use super::layout::{self, OFFSET_INDEX_ENTRY};
use super::Error;

/// A file of fixed-size entries, mapped into memory, appended in place.
pub struct IndexFile {
    path: PathBuf,
    mmap: Option<MmapMut>,
    entry_size: usize,
    entries: usize,
}

impl IndexFile {
    /// Opens (or creates) the file; its entry count is its length in whole entries.
    /// The caller sanity-checks the entries and rebuilds the index when they are off.
    pub fn open(path: &Path, entry_size: usize) -> Result<Self, Error> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let len = file.metadata().map_err(|e| Error::io(path, e))?.len() as usize;
        let mut index = Self { path: path.to_owned(), mmap: None, entry_size, entries: len / entry_size };
        index.remap(&file, len)?;
        Ok(index)
    }

    /// The file, opened for one resize or map; it closes when the caller drops it.
    fn open_file(&self) -> Result<File, Error> {
        OpenOptions::new().read(true).write(true).open(&self.path).map_err(|e| Error::io(&self.path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn len(&self) -> usize {
        self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// True when the file length is not a whole number of entries.
    pub fn has_partial_entry(&self) -> Result<bool, Error> {
        let len = std::fs::metadata(&self.path).map_err(|e| Error::io(&self.path, e))?.len();
        Ok(layout::partial_entry_bytes(len, self.entry_size) > 0)
    }

    pub fn entry(&self, n: usize) -> &[u8] {
        let mmap = self.mmap.as_ref().expect("an index with entries is mapped");
        &mmap[n * self.entry_size..(n + 1) * self.entry_size]
    }

    /// Largest entry index whose key (decoded by `key`) is <= `target`, by binary search.
    pub fn floor(&self, target: i64, key: impl Fn(&[u8]) -> i64) -> Option<usize> {
        let (mut lo, mut hi) = (0usize, self.entries);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if key(self.entry(mid)) <= target {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.checked_sub(1)
    }

    /// Grows the file to `max_bytes` so appends are plain memory writes. An index
    /// that already holds more (`max_bytes` lowered since it was written) keeps
    /// its entries and stays full, which rolls the segment.
    pub fn preallocate(&mut self, max_bytes: usize) -> Result<(), Error> {
        let len = (max_bytes - max_bytes % self.entry_size).max(self.entries * self.entry_size);
        let file = self.open_file()?;
        file.set_len(len as u64).map_err(|e| Error::io(&self.path, e))?;
        self.remap(&file, len)
    }

    /// Returns false when the pre-allocated space is full (the segment must roll).
    pub fn append(&mut self, entry: &[u8]) -> bool {
        debug_assert_eq!(entry.len(), self.entry_size);
        let at = self.entries * self.entry_size;
        match self.mmap.as_mut() {
            Some(mmap) if at + self.entry_size <= mmap.len() => {
                mmap[at..at + self.entry_size].copy_from_slice(entry);
                self.entries += 1;
                true
            }
            _ => false,
        }
    }

    pub fn is_full(&self) -> bool {
        self.mmap.as_ref().is_none_or(|m| (self.entries + 1) * self.entry_size > m.len())
    }

    /// Forgets every entry at or after `n` (recovery truncation, rebuilds).
    pub fn truncate_entries(&mut self, n: usize) {
        self.entries = self.entries.min(n);
    }

    /// Shrinks the file to its entries (on roll and clean close). Entries written
    /// through the old map stay in the page cache, dirty, for `sync` to write.
    pub fn trim(&mut self) -> Result<(), Error> {
        let len = self.entries * self.entry_size;
        self.mmap = None;
        let file = self.open_file()?;
        file.set_len(len as u64).map_err(|e| Error::io(&self.path, e))?;
        self.remap(&file, len)
    }

    /// fsyncs the file, its length included: every entry, however it was written
    /// (an fsync through any descriptor writes the file's dirty pages).
    pub fn sync(&self) -> Result<(), Error> {
        File::open(&self.path).and_then(|f| f.sync_all()).map_err(|e| Error::io(&self.path, e))
    }

    /// Writes the mapped entries back (msync): the flush policy's cheaper sync of
    /// an active index, whose length does not change.
    pub fn flush(&self) -> Result<(), Error> {
        match &self.mmap {
            Some(mmap) => mmap.flush().map_err(|e| Error::io(&self.path, e)),
            None => Ok(()),
        }
    }

    fn remap(&mut self, file: &File, len: usize) -> Result<(), Error> {
        self.mmap = if len == 0 {
            None
        } else {
            // SAFETY: the file belongs to this segment and is only resized through
            // this struct, which drops the old map first; no other process writes it.
            let mmap = unsafe { MmapMut::map_mut(file) }.map_err(|e| Error::io(&self.path, e))?;
            // An index is written an entry at a time and read by binary search:
            // without this, the first touch of a pre-allocated index faults in (and
            // zero-fills) the device's whole readahead window, up to 8 MiB a map on
            // some disks, which made CPU per message grow with the partition count.
            if let Err(e) = mmap.advise(memmap2::Advice::Random) {
                tracing::debug!(path = %self.path.display(), error = %e, "madvise(MADV_RANDOM) failed");
            }
            Some(mmap)
        };
        Ok(())
    }
}

pub struct OffsetIndex {
    file: IndexFile,
    base_offset: i64,
}

impl OffsetIndex {
    pub fn open(path: &Path, base_offset: i64) -> Result<Self, Error> {
        Ok(Self { file: IndexFile::open(path, OFFSET_INDEX_ENTRY)?, base_offset })
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

    pub fn entry(&self, n: usize) -> (i64, u64) {
        layout::decode_offset_entry(self.base_offset, self.file.entry(n))
    }

    /// Position to start scanning from to find `offset`: the entry with the largest
    /// offset <= `offset`, or the start of the segment.
    pub fn lookup(&self, offset: i64) -> u64 {
        let key = |raw: &[u8]| layout::decode_offset_entry(self.base_offset, raw).0;
        self.file.floor(offset, key).map_or(0, |n| self.entry(n).1)
    }

    pub fn append(&mut self, offset: i64, position: u64) -> bool {
        self.file.append(&layout::encode_offset_entry(self.base_offset, offset, position))
    }

    /// Kafka's sanity check, made whole: entries strictly increase in offset and
    /// position, and the last one points inside the store.
    pub fn is_consistent(&self, store_size: u64) -> Result<bool, Error> {
        if self.file.has_partial_entry()? {
            return Ok(false);
        }
        let mut prev: Option<(i64, u64)> = None;
        for n in 0..self.len() {
            let entry = self.entry(n);
            if entry.1 >= store_size || prev.is_some_and(|prev| !layout::offset_entry_follows(prev, entry)) {
                return Ok(false);
            }
            prev = Some(entry);
        }
        Ok(true)
    }
}
