//! The broker's global allocator: the system allocator, except that very large
//! allocations are reserved lazily so that a hostile length prefix cannot abort
//! the process.
//!
//! Why: kafka-protocol 0.18 decodes an array by calling `Vec::with_capacity(n)`
//! with the element count straight from the wire. Twelve bytes claiming 2^28
//! topics ask for hundreds of gigabytes; the system allocator refuses, and Rust
//! aborts the whole broker on a failed allocation (stable Rust cannot turn that
//! into an error). Here an allocation of 1 GiB or more is an anonymous
//! `MAP_NORESERVE` mapping instead: address space only, no memory is committed
//! until it is written. The decoder then runs out of request bytes after a few
//! elements, returns an error, the connection is closed, and the mapping is
//! unmapped. Real memory use stays bounded by what the request actually carries
//! (at most `max_request_bytes` of input). Under `vm.overcommit_memory = 2`
//! (strict accounting) the kernel refuses such mappings and the abort remains
//! possible; the default heuristic mode accepts them.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations at least this large are mapped lazily.
const LAZY_FROM: usize = 1 << 30;
/// mmap returns page-aligned memory; stricter alignments go to the system allocator.
const PAGE: usize = 4096;

pub struct BrokerAllocator;

fn is_lazy(layout: &Layout) -> bool {
    layout.size() >= LAZY_FROM && layout.align() <= PAGE
}

// SAFETY: every pointer handed out comes from either `System` or `mmap`, and
// `is_lazy(layout)` (a pure function of the layout the caller must pass back
// unchanged) routes each `dealloc` to the same source that allocated it.
unsafe impl GlobalAlloc for BrokerAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if !is_lazy(&layout) {
            // SAFETY: forwarded with the caller's guarantees.
            return unsafe { System.alloc(layout) };
        }
        // SAFETY: an anonymous private mapping with no address hint touches no
        // existing memory; failure is reported as MAP_FAILED and mapped to null.
        let ptr = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                layout.size(),
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
                -1,
                0,
            )
        };
        if ptr == libc::MAP_FAILED {
            std::ptr::null_mut()
        } else {
            ptr.cast()
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_lazy(&layout) {
            // SAFETY: anonymous mappings are zero-filled by the kernel.
            unsafe { self.alloc(layout) }
        } else {
            // SAFETY: forwarded with the caller's guarantees.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_lazy(&layout) {
            // SAFETY: `ptr` came from the mmap in `alloc` with this same size.
            unsafe { libc::munmap(ptr.cast(), layout.size()) };
        } else {
            // SAFETY: `ptr` came from `System` with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the new layout keeps the old alignment, as `realloc` requires.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_lazy(&layout) && !is_lazy(&new_layout) {
            // SAFETY: both sides belong to `System`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // Crossing between the two sources: allocate, copy, free.
        // SAFETY: `new_layout` is non-zero (it is at least the old size or LAZY_FROM)
        // and the copy stays within both blocks.
        unsafe {
            let new = self.alloc(new_layout);
            if !new.is_null() {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
            new
        }
    }
}

/// In the library, so the broker binary and every test binary that runs broker
/// code get it.
#[global_allocator]
static GLOBAL: BrokerAllocator = BrokerAllocator;
