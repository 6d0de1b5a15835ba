//! The `.log` file of a segment: record batches back to back, append-only.
//!
//! One writer appends; any number of readers read with positional reads (`pread`)
//! and never take a lock. Record bytes are read, not memory-mapped: a disk that
//! fails to read a mapped page kills the process with SIGBUS, where `pread` returns
//! an error the broker answers with KAFKA_STORAGE_ERROR (and a fetch-sized copy
//! measured within noise of a map in CPU). `size` is published only after the
//! bytes are written, so a reader never sees a half-written batch.
//!
//! The active segment's store holds its descriptor; a sealed one's is opened on
//! demand and closed by the process-wide cache in `open_files`.

use std::fs::{File, OpenOptions};
use std::io::{IoSlice, Write};
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use bytes::{Bytes, BytesMut};

use super::open_files::Slot;
use super::Error;

pub struct Store {
    file: Arc<Slot>,
    path: PathBuf,
    size: AtomicU64,
}

impl Store {
    pub fn open(path: &Path) -> Result<Self, Error> {
        let file =
            OpenOptions::new().read(true).append(true).create(true).open(path).map_err(|e| Error::io(path, e))?;
        let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
        Ok(Self { file: Slot::pinned(file), path: path.to_owned(), size: AtomicU64::new(size) })
    }

    /// The segment is sealed: nothing writes the file any more, and its
    /// descriptor may be closed between reads (see `open_files`).
    pub fn release(&self) {
        self.file.unpin();
    }

    fn with_file<R>(&self, f: impl FnOnce(&File) -> std::io::Result<R>) -> Result<R, Error> {
        self.file.with(&self.path, f).map_err(|e| Error::io(&self.path, e))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.size.load(Ordering::Acquire)
    }

    /// Appends one batch, writing `base_offset` over its first 8 bytes and
    /// `leader_epoch` over its partitionLeaderEpoch (bytes 12..16, outside the
    /// CRC) on the way (one vectored write, so the client's bytes are never
    /// copied), and returns the position it starts at. Only the log's single
    /// writer calls this. A failed write (disk full) is cut back off the file so
    /// no torn batch stays behind.
    pub fn append_batch(&self, base_offset: i64, leader_epoch: i32, batch: &[u8]) -> Result<u64, Error> {
        let pos = self.size();
        let batch_length = batch.get(8..12).ok_or(Error::CorruptBatch("batch shorter than its header"))?;
        let mut head = [0u8; 16];
        head[..8].copy_from_slice(&base_offset.to_be_bytes());
        head[8..12].copy_from_slice(batch_length);
        head[12..].copy_from_slice(&leader_epoch.to_be_bytes());
        let rest = batch.get(head.len()..).ok_or(Error::CorruptBatch("batch shorter than its header"))?;
        let mut parts = [IoSlice::new(&head), IoSlice::new(rest)];
        self.with_file(|mut file: &File| {
            let mut parts = &mut parts[..];
            while !parts.is_empty() {
                match file.write_vectored(parts) {
                    Ok(0) => return Err(undo(file, &self.path, pos, std::io::ErrorKind::WriteZero.into())),
                    Ok(n) => IoSlice::advance_slices(&mut parts, n),
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(undo(file, &self.path, pos, e)),
                }
            }
            Ok(())
        })?;
        self.size.store(pos + batch.len() as u64, Ordering::Release);
        Ok(pos)
    }

    /// Reads up to `len` bytes at `pos`, clamped to the published size.
    pub fn read(&self, pos: u64, len: u64) -> Result<Bytes, Error> {
        let end = self.size().min(pos.saturating_add(len));
        if pos >= end {
            return Ok(Bytes::new());
        }
        let mut buf = BytesMut::zeroed((end - pos) as usize);
        self.with_file(|file| file.read_exact_at(&mut buf, pos))?;
        Ok(buf.freeze())
    }

    /// Reads exactly `buf.len()` bytes at `pos`; used for batch headers.
    pub fn read_exact_at(&self, buf: &mut [u8], pos: u64) -> Result<(), Error> {
        self.with_file(|file| file.read_exact_at(buf, pos))
    }

    /// Cuts the file back to `size` bytes: recovery drops a torn tail this way.
    pub fn truncate(&self, size: u64) -> Result<(), Error> {
        self.with_file(|file| file.set_len(size))?;
        self.size.store(size, Ordering::Release);
        Ok(())
    }

    pub fn flush(&self) -> Result<(), Error> {
        self.with_file(|file| file.sync_data())
    }
}

/// Cuts a failed append back off the file and hands back the write's error.
fn undo(file: &File, path: &Path, pos: u64, error: std::io::Error) -> std::io::Error {
    if let Err(cut) = file.set_len(pos) {
        tracing::error!(path = %path.display(), error = %cut, "could not cut a failed append back off");
    }
    error
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store holding `batches` chunks of 10 000 patterned bytes (the store does
    /// not look inside what it appends, past the base offset and epoch it writes).
    fn store_with(dir: &Path, batches: i64) -> Store {
        let store = Store::open(&dir.join("00000000000000000000.log")).unwrap();
        let chunk: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for i in 0..batches {
            store.append_batch(i, 0, &chunk).unwrap();
        }
        store
    }

    #[test]
    fn a_read_stops_at_the_published_size() {
        let dir = tempfile::tempdir().unwrap();
        let store = store_with(dir.path(), 30);
        assert_eq!(store.read(store.size() - 70_000, 1 << 20).unwrap().len(), 70_000);
        assert!(store.read(store.size(), 1 << 20).unwrap().is_empty());
    }

    #[test]
    fn an_append_writes_the_base_offset_and_leader_epoch_and_keeps_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("00000000000000000000.log")).unwrap();
        let chunk: Vec<u8> = (0..100u8).collect();
        store.append_batch(7, 3, &chunk).unwrap();
        let read = store.read(0, 100).unwrap();
        assert_eq!(read[..8], 7i64.to_be_bytes());
        assert_eq!(read[8..12], chunk[8..12]);
        assert_eq!(read[12..16], 3i32.to_be_bytes());
        assert_eq!(read[16..], chunk[16..]);
        assert!(store.append_batch(8, 0, &chunk[..15]).is_err());
        assert_eq!(store.size(), 100);
    }
}
