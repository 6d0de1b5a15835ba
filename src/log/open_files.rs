//! Sealed segments' `.log` descriptors, opened on demand and bounded for the
//! whole process.
//!
//! An active segment keeps its `.log` open: every append writes it, and most
//! fetches read it. A sealed one is read only by consumers behind the tail,
//! ListOffsets and the flusher, so its descriptor is a cache entry: the first
//! read opens the file, and once more than `limit` sealed files are open across
//! every log, the least recently used one that nobody is reading is closed (the
//! next read opens it again, one `open` call). With the indexes mapped and their
//! descriptors closed (`index`), a broker holds one descriptor per partition
//! plus at most `limit`, however many segments its partitions have; Kafka holds
//! three per segment.

use std::fs::File;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};

/// Sealed `.log` files open at once across every log, unless the broker says
/// otherwise: enough for a consumer group reading a few hundred partitions from
/// the beginning without reopening a file per fetch.
pub const DEFAULT_SEALED_FILE_LIMIT: usize = 512;

static CACHE: Cache = Cache {
    open: Mutex::new(Vec::new()),
    limit: AtomicUsize::new(DEFAULT_SEALED_FILE_LIMIT),
    clock: AtomicU64::new(0),
};

/// How many sealed segments' `.log` files the process keeps open at most (at
/// least one). Files open beyond a lowered limit close as others are opened.
pub fn set_sealed_segment_file_limit(limit: usize) {
    CACHE.limit.store(limit.max(1), Ordering::Relaxed);
}

struct Cache {
    /// The sealed slots holding an open file (and dead ones not yet swept).
    open: Mutex<Vec<Weak<Slot>>>,
    limit: AtomicUsize,
    /// Ticks once per file opened: a slot's `last_used` is the tick of its last
    /// read, coarse enough that a read costs a load and a store, no shared write.
    clock: AtomicU64,
}

/// One `.log` file's descriptor: held for good while `pinned` (the active
/// segment), else opened on demand and closed by the cache.
pub struct Slot {
    file: RwLock<Option<File>>,
    pinned: AtomicBool,
    last_used: AtomicU64,
}

impl Slot {
    pub fn pinned(file: File) -> Arc<Self> {
        Arc::new(Self { file: RwLock::new(Some(file)), pinned: AtomicBool::new(true), last_used: AtomicU64::new(0) })
    }

    /// Runs `f` on the file, opening it (read-only) if the cache closed it. Reads
    /// hold the slot's read lock for the length of `f`, which is what keeps the
    /// cache from closing a file under a read.
    pub fn with<R>(self: &Arc<Self>, path: &Path, f: impl FnOnce(&File) -> std::io::Result<R>) -> std::io::Result<R> {
        {
            let file = self.file.read().unwrap_or_else(|e| e.into_inner());
            if let Some(file) = file.as_ref() {
                if !self.pinned.load(Ordering::Relaxed) {
                    self.last_used.store(CACHE.clock.load(Ordering::Relaxed), Ordering::Relaxed);
                }
                return f(file);
            }
        }
        let file = File::open(path)?;
        let result = f(&file);
        self.offer(file);
        result
    }

    /// The segment is sealed: its descriptor becomes a cache entry like any other.
    pub fn unpin(self: &Arc<Self>) {
        if self.pinned.swap(false, Ordering::Relaxed) {
            self.last_used.store(CACHE.clock.fetch_add(1, Ordering::Relaxed) + 1, Ordering::Relaxed);
            CACHE.admit(self);
        }
    }

    /// Keeps a file just opened, unless another read opened one first. Never
    /// waits on a lock: at worst the file is closed and opened again later.
    fn offer(self: &Arc<Self>, file: File) {
        {
            // Busy means another read opened it first and is using it: ours closes.
            let Ok(mut slot) = self.file.try_write() else { return };
            if slot.is_some() {
                return;
            }
            *slot = Some(file);
        }
        self.last_used.store(CACHE.clock.fetch_add(1, Ordering::Relaxed) + 1, Ordering::Relaxed);
        CACHE.admit(self);
    }
}

impl Cache {
    /// Registers `slot`'s open file and closes the least recently used others
    /// until at most `limit` are open. A file being read is passed over (closing
    /// it would wait on the read), so the bound can be exceeded by the reads in
    /// flight, never for longer than they last.
    fn admit(&self, slot: &Arc<Slot>) {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        open.retain(|s| s.strong_count() > 0);
        open.push(Arc::downgrade(slot));
        let limit = self.limit.load(Ordering::Relaxed);
        if open.len() <= limit {
            return;
        }
        let mut candidates: Vec<(u64, usize, Arc<Slot>)> = open
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.upgrade().map(|s| (s.last_used.load(Ordering::Relaxed), i, s)))
            .filter(|(_, _, s)| !Arc::ptr_eq(s, slot))
            .collect();
        candidates.sort_unstable_by_key(|&(used, i, _)| (used, i));
        let mut excess = open.len() - limit;
        let mut closed = Vec::new();
        for (_, i, victim) in candidates {
            if excess == 0 {
                break;
            }
            if let Ok(mut file) = victim.file.try_write() {
                *file = None;
                closed.push(i);
                excess -= 1;
            }
        }
        closed.sort_unstable_by(|a, b| b.cmp(a));
        for i in closed {
            open.swap_remove(i);
        }
    }
}
