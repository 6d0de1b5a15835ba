//! The `.log` file of a segment: record batches back to back, append-only.
//!
//! One writer appends; any number of readers read with positional reads (`pread`)
//! or, for fetch-sized reads, a memory map of just the range read, and never take
//! a lock. `size` is published only after the bytes are written, so a reader
//! never sees a half-written batch.

use std::fs::{File, OpenOptions};
use std::io::{IoSlice, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::{Bytes, BytesMut};
use memmap2::MmapOptions;

use super::Error;

/// Reads at least this long are served from a memory map of the range rather
/// than copied: a map costs two syscalls whatever its length, a copy costs per
/// byte (and the copy would be copied again into the socket).
const MAP_FROM: u64 = 64 * 1024;

pub struct Store {
    file: File,
    path: PathBuf,
    size: AtomicU64,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, Error> {
        let file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Ok(Self { file, path: path.to_owned(), size: AtomicU64::new(size) })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Appends one batch, writing `base_offset` over its first 8 bytes on the way
    /// (one vectored write, so the client's bytes are never copied), and returns
    /// the position it starts at. Only the log's single writer calls this. A failed
    /// write (disk full) is cut back off the file so no torn batch stays behind.
    pub fn append_batch(&self, base_offset: i64, batch: &[u8]) -> Result<u64, Error> {
        let pos = self.size();
        let head = base_offset.to_be_bytes();
        let mut parts = [IoSlice::new(&head), IoSlice::new(&batch[head.len()..])];
        let mut parts = &mut parts[..];
        while !parts.is_empty() {
            match (&self.file).write_vectored(parts) {
                Ok(0) => return Err(self.undo(pos, std::io::ErrorKind::WriteZero.into())),
                Ok(n) => IoSlice::advance_slices(&mut parts, n),
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(self.undo(pos, e)),
            }
        }
        self.size.store(pos + batch.len() as u64, Ordering::Release);
        Ok(pos)
    }

    fn undo(&self, pos: u64, error: std::io::Error) -> Error {
        if let Err(cut) = self.file.set_len(pos) {
            tracing::error!(path = %self.path.display(), error = %cut, "could not cut a failed append back off");
        }
        Error::io(&self.path, error)
    }

    /// Reads up to `len` bytes at `pos`, clamped to the published size.
    pub fn read(&self, pos: u64, len: u64) -> Result<Bytes, Error> {
        let end = self.size().min(pos.saturating_add(len));
        if pos >= end {
            return Ok(Bytes::new());
        }
        let mut buf = BytesMut::zeroed((end - pos) as usize);
        self.file.read_exact_at(&mut buf, pos).map_err(|e| Error::io(&self.path, e))?;
        Ok(buf.freeze())
    }

    /// Reads up to `len` bytes at `pos` like `read`, without copying long reads:
    /// the result then borrows the page cache through a read-only map of the
    /// range, unmapped when the last clone of the `Bytes` is dropped. This is how
    /// fetches move record bytes: from the page cache to the socket with one copy,
    /// the kernel's, and without the pages staying in the broker's RSS afterwards.
    /// The price: a disk that fails to read a mapped page raises SIGBUS where
    /// `pread` would have returned an error.
    pub fn read_shared(&self, pos: u64, len: u64) -> Result<Bytes, Error> {
        let end = self.size().min(pos.saturating_add(len));
        if end.saturating_sub(pos) < MAP_FROM {
            return self.read(pos, len);
        }
        let len = usize::try_from(end - pos).map_err(|_| Error::CorruptBatch("read longer than the address space"))?;
        // SAFETY: a map is only sound while no one cuts the file under it. Every
        // mapped byte lies below the published size, and this store only ever
        // shortens the file to drop bytes that were never published (`undo`) or
        // during recovery, before the log is shared with any reader. Other
        // processes must not write a running broker's segments (as for the
        // indexes, which are mapped too).
        let map = unsafe { MmapOptions::new().offset(pos).len(len).populate().map(&self.file) }
            .map_err(|e| Error::io(&self.path, e))?;
        Ok(Bytes::from_owner(map))
    }

    /// Reads exactly `buf.len()` bytes at `pos`; used for batch headers.
    pub fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> Result<(), Error> {
        self.file.read_exact_at(buf, pos).map_err(|e| Error::io(&self.path, e))
    }

    /// Cuts the file back to `size` bytes: recovery drops a torn tail this way.
    pub fn truncate(&self, size: u64) -> Result<(), Error> {
        self.file.set_len(size).map_err(|e| Error::io(&self.path, e))?;
        self.size.store(size, Ordering::Release);
        Ok(())
    }

    pub fn flush(&self) -> Result<(), Error> {
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding `batches` chunks of 10 000 patterned bytes (the store does
    /// not look inside what it appends, past the base offset it writes).
    fn store_with(dir: &Path, batches: i64) -> Store {
        let store = Store::open(&dir.join("00000000000000000000.log")).unwrap();
        let chunk: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for i in 0..batches {
            store.append_batch(i, &chunk).unwrap();
        }
        store
    }

    #[test]
    fn a_shared_read_has_the_bytes_of_a_copied_one() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 30);
        for (pos, len) in
            [(0, MAP_FROM), (1, MAP_FROM + 7), (4095, 200_000), (123_457, u64::MAX), (0, 10), (299_990, 100)]
        {
            assert_eq!(store.read_shared(pos, len).unwrap(), store.read(pos, len).unwrap(), "at {pos}, {len} bytes");
        }
    }

    #[test]
    fn a_shared_read_stops_at_the_published_size() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 30);
        assert_eq!(store.read_shared(store.size() - 70_000, 1 << 20).unwrap().len(), 70_000);
        assert!(store.read_shared(store.size(), 1 << 20).unwrap().is_empty());
    }

    #[test]
    fn a_shared_read_outlives_its_store_and_file() {
        // Retention deletes a segment while a fetch may still be writing its bytes.
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 30);
        let copied = store.read(0, 1 << 20).unwrap();
        let shared = store.read_shared(0, 1 << 20).unwrap();
        std::fs::remove_file(store.path()).unwrap();
        drop(store);
        assert_eq!(shared, copied);
    }
}
