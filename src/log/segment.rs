//! One segment: a `.log` store, its `.index` and `.timeindex`, all named by the
//! base offset (see `layout`).
//!
//! Only the log's single writer calls the `&self` methods that mutate (`append`,
//! `trim_indexes`, `seal`, `recover`); readers use `read`, `find_batch` and
//! `find_by_timestamp` concurrently, and the log's flusher `sync`s a rolled one. The indexes sit behind `RwLock`s that the writer takes for the
//! length of one entry append; a sealed segment's locks are never taken for writing.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use bytes::Bytes;

use super::batch::{self, BatchHeader, HEADER_LEN, LOG_OVERHEAD};
use super::index::OffsetIndex;
use super::layout::SegmentFile;
use super::records;
use super::store::Store;
use super::time_index::TimeIndex;
use super::Error;

/// How much of the store one scanning read pulls in at a time.
const SCAN_WINDOW: u64 = 64 * 1024;
/// How much one header-walking read pulls in: the default `index_interval_bytes`,
/// so a walk from an index entry usually takes one `pread`.
const LOCATE_WINDOW: usize = 4096;

/// Per-segment settings taken from the log's configuration.
#[derive(Clone, Copy, Debug)]
pub struct SegmentConfig {
    /// Mirrors `log.index.interval.bytes`.
    pub index_interval_bytes: u64,
    /// Mirrors `log.index.size.max.bytes`: the pre-allocated size of each index.
    pub index_max_bytes: usize,
}

pub struct Segment {
    base_offset: i64,
    store: Store,
    index: RwLock<OffsetIndex>,
    time_index: RwLock<TimeIndex>,
    config: SegmentConfig,
    /// Last offset + 1 of the last batch in this segment.
    next_offset: AtomicI64,
    /// Largest batch maxTimestamp seen, and the base offset of that batch; -1 if none.
    max_timestamp: AtomicI64,
    offset_of_max_timestamp: AtomicI64,
    /// maxTimestamp of the first batch: the clock `segment_ms` rolls by, as in Kafka.
    first_batch_timestamp: AtomicI64,
    bytes_since_index_entry: AtomicU64,
    /// Wall-clock creation time, for rolling segments whose batches carry no timestamp.
    created_ms: i64,
}

/// What scanning a segment's store from the start found.
pub struct RecoveryReport {
    pub valid_bytes: u64,
    pub truncated_bytes: u64,
    pub batches: u64,
}

impl Segment {
    /// Opens the segment's files, creating any that are missing. The in-memory state
    /// is not loaded yet: call `load` (trusting the files after a clean shutdown) or
    /// `recover` (re-validating every batch).
    pub fn open(dir: &Path, base_offset: i64, config: SegmentConfig, now_ms: i64) -> Result<Self, Error> {
        let segment = Self {
            base_offset,
            store: Store::open(&SegmentFile::Log.path(dir, base_offset))?,
            index: RwLock::new(OffsetIndex::open(&SegmentFile::Index.path(dir, base_offset), base_offset)?),
            time_index: RwLock::new(TimeIndex::open(&SegmentFile::TimeIndex.path(dir, base_offset), base_offset)?),
            config,
            next_offset: AtomicI64::new(base_offset),
            max_timestamp: AtomicI64::new(-1),
            offset_of_max_timestamp: AtomicI64::new(-1),
            first_batch_timestamp: AtomicI64::new(-1),
            bytes_since_index_entry: AtomicU64::new(0),
            created_ms: now_ms,
        };
        if segment.size() == 0 {
            // An empty log has nothing to index. Entries found here belong to a
            // segment that a crash interrupted half-way through deleting.
            segment.index_mut().file_mut().truncate_entries(0);
            segment.time_index_mut().file_mut().truncate_entries(0);
        }
        Ok(segment)
    }

    pub fn base_offset(&self) -> i64 {
        self.base_offset
    }
    pub fn next_offset(&self) -> i64 {
        self.next_offset.load(Ordering::Acquire)
    }
    pub fn size(&self) -> u64 {
        self.store.size()
    }
    pub fn max_timestamp(&self) -> i64 {
        self.max_timestamp.load(Ordering::Acquire)
    }
    pub fn offset_of_max_timestamp(&self) -> i64 {
        self.offset_of_max_timestamp.load(Ordering::Acquire)
    }
    pub fn paths(&self) -> [PathBuf; 3] {
        [
            self.store.path().to_owned(),
            self.index().file().path().to_owned(),
            self.time_index().file().path().to_owned(),
        ]
    }

    /// Loads the in-memory state from files that a clean shutdown left behind: the
    /// indexes are sanity-checked against the log, then only the batches after the
    /// last index entry are read, so a clean start does not scan the log.
    /// Returns false when a file is off and the segment needs `recover`.
    pub fn load(&self) -> Result<bool, Error> {
        let size = self.store.size();
        let (first_entry, last_entry) = {
            let index = self.index();
            if !index.is_consistent(size)? {
                return Ok(false);
            }
            let last = index.len().checked_sub(1);
            (last.map(|_| index.entry(0)), last.map(|n| index.entry(n)))
        };
        if !self.load_time_index(first_entry, last_entry)? {
            return Ok(false);
        }
        let start = last_entry.map_or(0, |(_, pos)| pos);
        let (mut pos, mut next, mut bytes_since_index) = (start, self.base_offset, 0);
        for item in self.batches_from(start) {
            let Ok((at, batch)) = item else { return Ok(false) };
            let header = BatchHeader::new(&batch)?;
            let in_place = if at == start {
                // An entry names the batch that ends at its offset (a zeroed or stale
                // index names another); without one the scan starts at the base offset.
                last_entry
                    .map_or(header.base_offset() == self.base_offset, |(offset, _)| header.last_offset() == offset)
            } else {
                // Offsets must follow on, and no stretch longer than the index
                // interval may lack an entry (a deleted index shows here).
                header.base_offset() == next && bytes_since_index <= self.config.index_interval_bytes
            };
            if !in_place {
                return Ok(false);
            }
            self.observe_timestamp(header.max_timestamp(), header.base_offset());
            next = header.last_offset() + 1;
            bytes_since_index += batch.len() as u64;
            pos = at + batch.len() as u64;
        }
        if pos != size {
            return Ok(false);
        }
        self.bytes_since_index_entry.store(bytes_since_index, Ordering::Relaxed);
        self.next_offset.store(next, Ordering::Release);
        self.load_first_batch_timestamp()?;
        Ok(true)
    }

    /// Checks the time index against the offset index and the log, and takes the
    /// segment's largest timestamp from its last entry. Both indexes get their
    /// entries at the same batches, so the time index is empty exactly when the
    /// offset index is, or when no batch up to the first index entry has a
    /// timestamp; and its last entry names the batch that reached its timestamp.
    fn load_time_index(&self, first_entry: Option<(i64, u64)>, last_entry: Option<(i64, u64)>) -> Result<bool, Error> {
        let time_index = self.time_index();
        let (Some((_, first_pos)), Some((last_indexed, _))) = (first_entry, last_entry) else {
            return Ok(time_index.is_empty());
        };
        if !time_index.is_consistent(last_indexed + 1)? {
            return Ok(false);
        }
        let Some((ts, offset)) = time_index.len().checked_sub(1).map(|n| time_index.entry(n)) else {
            for item in self.batches_from(0) {
                let Ok((at, batch)) = item else { return Ok(false) };
                if BatchHeader::new(&batch)?.max_timestamp() >= 0 {
                    return Ok(false);
                }
                if at >= first_pos {
                    break;
                }
            }
            return Ok(true);
        };
        let Ok(Some((_, batch))) = self.first_batch_ending_at_or_after(offset) else { return Ok(false) };
        let header = BatchHeader::new(&batch)?;
        if header.base_offset() != offset || header.max_timestamp() != ts {
            return Ok(false);
        }
        self.max_timestamp.store(ts, Ordering::Release);
        self.offset_of_max_timestamp.store(offset, Ordering::Release);
        Ok(true)
    }

    /// Re-validates every batch from the start, rebuilds both indexes, and cuts the
    /// store at the first torn or corrupt batch (or an offset that goes backwards).
    pub fn recover(&self) -> Result<RecoveryReport, Error> {
        self.index_mut().file_mut().truncate_entries(0);
        self.time_index_mut().file_mut().truncate_entries(0);
        self.max_timestamp.store(-1, Ordering::Release);
        self.offset_of_max_timestamp.store(-1, Ordering::Release);
        self.bytes_since_index_entry.store(0, Ordering::Relaxed);
        self.next_offset.store(self.base_offset, Ordering::Release);
        let (mut valid, mut batches) = (0u64, 0u64);
        for item in self.batches_from(0) {
            let (pos, bytes) = match item {
                Ok(found) => found,
                // A read that failed says nothing about the data: cutting there
                // would throw away batches that may well be whole.
                Err(e @ Error::Io { .. }) => return Err(e),
                Err(_) => break,
            };
            let Ok(header) = batch::validate(&bytes) else { break };
            if header.base_offset() != self.next_offset() {
                break;
            }
            self.index_batch(&header, header.base_offset(), pos, bytes.len() as u64);
            valid = pos + bytes.len() as u64;
            batches += 1;
        }
        let size = self.store.size();
        if valid < size {
            self.store.truncate(valid)?;
        }
        self.load_first_batch_timestamp()?;
        Ok(RecoveryReport { valid_bytes: valid, truncated_bytes: size - valid, batches })
    }

    /// Appends one validated batch at `base_offset`, which the log assigns,
    /// stamped with the partition's `leader_epoch`.
    pub fn append(&self, base_offset: i64, leader_epoch: i32, batch: &[u8]) -> Result<(), Error> {
        let header = BatchHeader::new(batch)?;
        let pos = self.store.append_batch(base_offset, leader_epoch, batch)?;
        if pos == 0 {
            self.first_batch_timestamp.store(header.max_timestamp(), Ordering::Release);
        }
        self.index_batch(&header, base_offset, pos, batch.len() as u64);
        Ok(())
    }

    /// Index bookkeeping for a batch at `pos`, shared by append and recovery:
    /// an entry in both indexes once more than `index_interval_bytes` have passed.
    fn index_batch(&self, header: &BatchHeader<'_>, base_offset: i64, pos: u64, len: u64) {
        let last_offset = base_offset + i64::from(header.last_offset_delta());
        self.observe_timestamp(header.max_timestamp(), base_offset);
        if self.bytes_since_index_entry.load(Ordering::Relaxed) > self.config.index_interval_bytes {
            // The log rolls before either index fills (see `should_roll`), so these fit.
            self.index_mut().append(last_offset, pos);
            // Batches without timestamps (-1) have nothing to index by time, as in Kafka.
            let (ts, at) = (self.max_timestamp(), self.offset_of_max_timestamp());
            if ts >= 0 {
                self.time_index_mut().maybe_append(ts, at);
            }
            self.bytes_since_index_entry.store(0, Ordering::Relaxed);
        }
        self.bytes_since_index_entry.fetch_add(len, Ordering::Relaxed);
        self.next_offset.store(last_offset + 1, Ordering::Release);
    }

    fn observe_timestamp(&self, max_timestamp: i64, base_offset: i64) {
        if max_timestamp > self.max_timestamp() {
            self.max_timestamp.store(max_timestamp, Ordering::Release);
            self.offset_of_max_timestamp.store(base_offset, Ordering::Release);
        }
    }

    fn load_first_batch_timestamp(&self) -> Result<(), Error> {
        let ts = match self.batches_from(0).next() {
            Some(Ok((_, batch))) => BatchHeader::new(&batch)?.max_timestamp(),
            _ => -1,
        };
        self.first_batch_timestamp.store(ts, Ordering::Release);
        Ok(())
    }

    /// True when the next append must go to a new segment: `segment_bytes` or
    /// `segment_ms` reached (time measured, as in Kafka, from the first batch's
    /// timestamp to the incoming batch's), an index full, or relative offsets
    /// about to overflow u32.
    pub fn should_roll(&self, batch: &BatchHeader<'_>, segment_bytes: u64, segment_ms: i64, now_ms: i64) -> bool {
        if self.size() == 0 {
            return false;
        }
        let first = self.first_batch_timestamp.load(Ordering::Acquire);
        // Saturating: the timestamp is the producer's, and one far before the first
        // batch's would wrap around to "waited forever" and roll on every append.
        let waited = if first >= 0 { batch.max_timestamp().saturating_sub(first) } else { now_ms - self.created_ms };
        self.size() + batch.size() as u64 > segment_bytes
            || waited > segment_ms
            || self.index().file().is_full()
            || self.time_index().file().is_full()
            || self.next_offset() + i64::from(batch.last_offset_delta()) - self.base_offset > i64::from(u32::MAX)
    }

    /// Grows the indexes for appends: the segment becomes the active one.
    pub fn activate(&self) -> Result<(), Error> {
        let max = self.config.index_max_bytes;
        self.index_mut().file_mut().preallocate(max)?;
        self.time_index_mut().file_mut().preallocate(max)
    }

    /// Trims the indexes to their entries: the segment stops being active. Cheap
    /// (no fsync), so a roll can do it under the log's writer lock; `sync` makes
    /// it durable.
    pub fn trim_indexes(&self) -> Result<(), Error> {
        self.index_mut().file_mut().trim()?;
        self.time_index_mut().file_mut().trim()
    }

    /// The segment stops being active for good (rolled, or found sealed at
    /// open): its `.log` descriptor joins the shared cache of sealed files.
    pub fn release_files(&self) {
        self.store.release();
    }

    /// fsyncs the store and both indexes. Only reads the segment, so it may run
    /// on another thread than the writer's once the segment is sealed.
    pub fn sync(&self) -> Result<(), Error> {
        self.store.flush()?;
        self.index().file().sync()?;
        self.time_index().file().sync()
    }

    /// `trim_indexes` and `sync`: how a segment stops being active at open and on
    /// clean shutdown.
    pub fn seal(&self) -> Result<(), Error> {
        self.trim_indexes()?;
        self.sync()
    }

    /// fsyncs the store and the index pages (the flush policy's unit of work).
    pub fn flush(&self) -> Result<(), Error> {
        self.store.flush()?;
        self.index().file().flush()?;
        self.time_index().file().flush()
    }

    /// Position of the batch holding `offset`, or of the first batch after it
    /// (`None` when the segment holds nothing at or after `offset`).
    pub fn find_batch(&self, offset: i64) -> Result<Option<u64>, Error> {
        if offset >= self.next_offset() {
            return Ok(None);
        }
        self.locate(offset, self.store.size())
    }

    /// Walks batch headers from the index entry at or before `offset` to the first
    /// batch whose last offset is >= `offset`.
    fn locate(&self, offset: i64, end: u64) -> Result<Option<u64>, Error> {
        let mut found = None;
        self.walk_headers(self.index().lookup(offset), end, |pos, header| {
            if header.last_offset() >= offset {
                found = Some(pos);
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        })?;
        Ok(found)
    }

    /// Calls `f` with the position and header of each batch from `pos` (a batch
    /// boundary) until `end` or until `f` breaks, reading only the headers, a few
    /// KiB at a time: a batch walked past costs nothing however large it is.
    fn walk_headers(
        &self,
        mut pos: u64,
        end: u64,
        mut f: impl FnMut(u64, &BatchHeader<'_>) -> ControlFlow<()>,
    ) -> Result<(), Error> {
        let mut window = [0u8; LOCATE_WINDOW];
        let (mut window_start, mut window_len) = (0u64, 0usize);
        while pos < end {
            if pos < window_start || pos + HEADER_LEN as u64 > window_start + window_len as u64 {
                window_len = (end - pos).min(LOCATE_WINDOW as u64) as usize;
                self.store.read_exact_at(&mut window[..window_len], pos)?;
                window_start = pos;
            }
            let header = BatchHeader::new(&window[(pos - window_start) as usize..window_len])?;
            if header.size() < HEADER_LEN as i64 {
                return Err(Error::CorruptBatch("torn or impossible batch length"));
            }
            if f(pos, &header).is_break() {
                break;
            }
            pos += header.size() as u64;
        }
        Ok(())
    }

    /// The position of the last indexed batch that starts at or before `pos`.
    fn indexed_position_at_or_before(&self, pos: u64) -> Option<u64> {
        let index = self.index();
        let (mut lo, mut hi) = (0, index.len());
        while lo < hi {
            let mid = (lo + hi) / 2;
            if index.entry(mid).1 <= pos {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo.checked_sub(1).map(|n| index.entry(n).1)
    }

    /// The first batch whose last offset is >= `offset`, and its position, found
    /// from the offset index without regard to the published end.
    fn first_batch_ending_at_or_after(&self, offset: i64) -> Result<Option<(u64, Bytes)>, Error> {
        let start = self.index().lookup(offset);
        for item in self.batches_from(start) {
            let (pos, batch) = item?;
            if BatchHeader::new(&batch)?.last_offset() >= offset {
                return Ok(Some((pos, batch)));
            }
        }
        Ok(None)
    }

    /// Whole batches starting with the one that holds `offset`, at most `max_bytes`
    /// of them, except that the first batch is returned whole even when it is
    /// larger (KIP-74) if `min_one` is set.
    ///
    /// One `pread` of exactly the answer; the connection writes these bytes to the
    /// socket as they are, without copying them into the response.
    pub fn read(&self, offset: i64, max_bytes: u64, min_one: bool) -> Result<Bytes, Error> {
        if offset >= self.next_offset() {
            return Ok(Bytes::new());
        }
        let size = self.store.size();
        let Some(start) = self.locate(offset, size)? else { return Ok(Bytes::new()) };
        let limit = size.min(start.saturating_add(max_bytes));
        // Everything between `start` and an indexed batch at or before `limit` is
        // whole batches: only the headers from there on need reading to find the
        // last batch that fits, not the ones of every batch in the answer.
        let from = self.indexed_position_at_or_before(limit).filter(|&p| p > start).unwrap_or(start);
        let (mut end, mut first_size) = (from, 0);
        self.walk_headers(from, size, |pos, header| {
            let batch_end = pos + header.size() as u64;
            if pos == start {
                first_size = header.size() as u64;
            }
            if batch_end > limit {
                return ControlFlow::Break(());
            }
            end = batch_end;
            ControlFlow::Continue(())
        })?;
        if end == start && min_one {
            end = start + first_size;
        }
        self.store.read(start, end - start)
    }

    /// First record at or after `min_offset` (the log start offset) with
    /// timestamp >= `ts`: (offset, timestamp, the partition leader epoch of
    /// its batch), or `None`.
    pub fn find_by_timestamp(&self, ts: i64, min_offset: i64) -> Result<Option<(i64, i64, i32)>, Error> {
        if self.max_timestamp() < ts {
            return Ok(None);
        }
        let from_offset = self.time_index().lookup(ts).unwrap_or(self.base_offset).max(min_offset);
        let start = self.index().lookup(from_offset);
        for item in self.batches_from(start) {
            let (_, batch) = item?;
            let header = BatchHeader::new(&batch)?;
            if header.last_offset() < from_offset || header.max_timestamp() < ts {
                continue;
            }
            let epoch = header.partition_leader_epoch();
            // Kafka's FileRecords.searchForTimestamp: the first record of the batch
            // (decompressed if need be) at or after the log start with a timestamp at
            // or after `ts`; a batch with none (all before the log start, or a max
            // timestamp no record has) passes the search on to the next batch.
            match records::find_record(&batch, min_offset, records::DEFAULT_DECOMPRESSED_LIMIT, |t| t >= ts) {
                Ok(Some((offset, timestamp))) => return Ok(Some((offset, timestamp, epoch))),
                Ok(None) => continue,
                // Records the log took but cannot read back (appended before records were
                // validated): the batch answers for all of them, as it did before.
                Err(e) => {
                    tracing::warn!(offset = header.base_offset(), error = %e, "timestamp lookup cannot read a batch's records");
                    return Ok(Some((header.base_offset().max(min_offset), header.max_timestamp(), epoch)));
                }
            }
        }
        Ok(None)
    }

    /// Calls `f` with the header of every batch from the one holding `offset` on.
    pub fn for_each_batch(&self, offset: i64, mut f: impl FnMut(&BatchHeader<'_>)) -> Result<(), Error> {
        let Some(pos) = self.find_batch(offset)? else { return Ok(()) };
        for item in self.batches_from(pos) {
            let (_, batch) = item?;
            f(&BatchHeader::new(&batch)?);
        }
        Ok(())
    }

    /// The batch whose base offset is `offset`, read whole (for ListOffsets -3).
    pub fn batch_at(&self, offset: i64) -> Result<Option<Bytes>, Error> {
        if offset >= self.next_offset() {
            return Ok(None);
        }
        Ok(self.first_batch_ending_at_or_after(offset)?.map(|(_, batch)| batch))
    }

    /// Deletes the segment's files. Readers holding the segment keep reading
    /// through their open descriptors until they drop it.
    pub fn delete(&self) -> Result<(), Error> {
        for path in self.paths() {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(Error::io(&path, e)),
                _ => {}
            }
        }
        Ok(())
    }

    fn batches_from(&self, pos: u64) -> Batches<'_> {
        Batches { store: &self.store, pos, end: self.store.size(), window: Bytes::new(), window_start: pos }
    }

    fn index(&self) -> RwLockReadGuard<'_, OffsetIndex> {
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }
    fn index_mut(&self) -> RwLockWriteGuard<'_, OffsetIndex> {
        self.index.write().unwrap_or_else(|e| e.into_inner())
    }
    fn time_index(&self) -> RwLockReadGuard<'_, TimeIndex> {
        self.time_index.read().unwrap_or_else(|e| e.into_inner())
    }
    fn time_index_mut(&self) -> RwLockWriteGuard<'_, TimeIndex> {
        self.time_index.write().unwrap_or_else(|e| e.into_inner())
    }
}

/// Walks whole batches from a position, reading the store in windows so that a
/// scan costs one `pread` per `SCAN_WINDOW` rather than one per batch. Yields
/// `Err` at a batch whose length field is impossible or runs past the end.
struct Batches<'a> {
    store: &'a Store,
    pos: u64,
    end: u64,
    window: Bytes,
    window_start: u64,
}

impl Iterator for Batches<'_> {
    type Item = Result<(u64, Bytes), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let torn = Error::CorruptBatch("torn or impossible batch length");
        let mut off = (self.pos - self.window_start) as usize;
        if self.window.len() < off + LOG_OVERHEAD {
            if let Err(e) = self.refill(SCAN_WINDOW) {
                return Some(Err(e));
            }
            off = 0;
        }
        let size = match BatchHeader::peek_size(&self.window[off..]) {
            Some(size) if size >= HEADER_LEN as i64 && self.pos + size as u64 <= self.end => size as usize,
            _ => {
                self.pos = self.end;
                return Some(Err(torn));
            }
        };
        if self.window.len() < off + size {
            if let Err(e) = self.refill(SCAN_WINDOW.max(size as u64)) {
                return Some(Err(e));
            }
            off = 0;
        }
        let batch = self.window.slice(off..off + size);
        let at = self.pos;
        self.pos += size as u64;
        Some(Ok((at, batch)))
    }
}

impl Batches<'_> {
    fn refill(&mut self, len: u64) -> Result<(), Error> {
        self.window = self.store.read(self.pos, len)?;
        self.window_start = self.pos;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::testing::BatchBuilder;

    fn batch(records: usize, value_size: usize) -> Bytes {
        BatchBuilder::records(records, value_size).without_keys().build()
    }

    /// Every offset, at limits around every batch boundary: `read` answers with the
    /// whole batches a walk over all of them picks, whichever index entries it
    /// starts from.
    #[test]
    fn read_returns_the_whole_batches_that_fit_at_any_offset_and_limit() {
        let dir = tempfile::tempdir().unwrap();
        let config = SegmentConfig { index_interval_bytes: 1000, index_max_bytes: 1 << 20 };
        let segment = Segment::open(dir.path(), 0, config, 0).unwrap();
        segment.activate().unwrap();
        // (base offset, last offset, position, size), sizes from ~100 B to ~70 KiB.
        let mut batches = Vec::new();
        let (mut next, mut pos) = (0i64, 0u64);
        for i in 0..120usize {
            let b = batch(1 + i % 5, [10, 300, 2000, 70_000][i % 4]);
            segment.append(next, 0, &b).unwrap();
            let last = next + (1 + i % 5) as i64 - 1;
            batches.push((next, last, pos, b.len() as u64));
            next = last + 1;
            pos += b.len() as u64;
        }
        let expected = |offset: i64, max: u64, min_one: bool| {
            let first = batches.iter().position(|b| b.1 >= offset).unwrap();
            let start = batches[first].2;
            let mut end = start;
            for b in &batches[first..] {
                if b.2 + b.3 - start > max {
                    break;
                }
                end = b.2 + b.3;
            }
            if end == start && min_one {
                end = start + batches[first].3;
            }
            segment.store.read(start, end - start).unwrap()
        };
        for offset in (0..next).step_by(3) {
            let start = batches.iter().find(|b| b.1 >= offset).unwrap().2;
            let mut limits: Vec<u64> =
                batches.iter().filter(|b| b.2 > start).flat_map(|b| [b.2 - start - 1, b.2 - start]).collect();
            limits.extend([0, 1, u64::MAX]);
            for max in limits.into_iter().step_by(7).chain([0, u64::MAX]) {
                for min_one in [false, true] {
                    assert_eq!(
                        segment.read(offset, max, min_one).unwrap(),
                        expected(offset, max, min_one),
                        "offset {offset}, max {max}, min_one {min_one}"
                    );
                }
            }
        }
        assert!(segment.read(next, u64::MAX, true).unwrap().is_empty());
    }
}
