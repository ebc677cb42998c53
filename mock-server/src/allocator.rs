//! The binary's allocator: mimalloc, asked for alignment only where a layout needs more than
//! every block of mimalloc has.
//!
//! Why mimalloc: glibc's allocator serialises threads that free what another allocated (every
//! journal entry does, freed by the log's thread or the ring); mimalloc does not, which
//! `bench/load.py` shows as throughput.
//!
//! Why not the `mimalloc` crate's `MiMalloc` (0.1.52, the newest): it sends every allocation
//! through `mi_malloc_aligned`, and mimalloc v3 takes that call's fast path only while the size
//! class has a free block at hand, and its plain path only for a power-of-two size. Any other
//! size (a 96-byte future, a 40-byte string header) is over-allocated from the next class up,
//! so its own class is never filled and every such allocation pays the slow path again: about
//! 230 instructions instead of 20, some 1,300 a request of the workshop's Step 6
//! (`bench/load.py --instructions`; purpleprotocol/mimalloc_rust#170 is the same fix, not
//! merged). Every mimalloc block is a multiple of 8 bytes from a 16-aligned page start, so an
//! alignment of 8 or less is what plain `mi_malloc` gives anyway.
//!
//! `examples/ceiling.rs` includes this file too: the bench's ratio measures the mock's work, not
//! malloc.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc, mi_zalloc_aligned,
};

/// The alignment every mimalloc block has: its word size.
const BLOCK_ALIGN: usize = std::mem::size_of::<usize>();

pub struct Mimalloc;

// SAFETY: each call hands mimalloc the layout's size, and its alignment wherever that is more
// than every block of mimalloc's has (`BLOCK_ALIGN`); mimalloc returns null when it cannot
// allocate, as `GlobalAlloc` asks. `mi_free` takes any pointer of mimalloc's, aligned or not.
unsafe impl GlobalAlloc for Mimalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as above.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: `ptr` came from one of the calls above.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from one of the calls above, with `layout`'s alignment.
        unsafe {
            if layout.align() <= BLOCK_ALIGN {
                mi_realloc(ptr.cast(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every size up to 64 KiB (and a few huge ones) at every alignment up to 4 KiB comes back
    /// aligned and writable, zeroed where asked, and keeps its bytes when it grows.
    #[test]
    fn every_layout_comes_back_aligned() {
        let sizes = (1..=1024).chain((1025..=65_536).step_by(509)).chain([1 << 20, 5 << 20]);
        for size in sizes {
            for align in [1, 2, 4, 8, 16, 32, 64, 128, 4096] {
                let layout = Layout::from_size_align(size, align).unwrap();
                // SAFETY: a layout of non-zero size; each pointer freed with its own layout.
                unsafe {
                    let plain = Mimalloc.alloc(layout);
                    assert!(!plain.is_null() && plain.align_offset(align) == 0, "{layout:?}");
                    plain.write_bytes(0xA5, size);

                    let zeroed = Mimalloc.alloc_zeroed(layout);
                    assert!(!zeroed.is_null() && zeroed.align_offset(align) == 0, "{layout:?}");
                    assert!(std::slice::from_raw_parts(zeroed, size).iter().all(|&b| b == 0));
                    Mimalloc.dealloc(zeroed, layout);

                    let grown = Mimalloc.realloc(plain, layout, size * 2 + 24);
                    assert!(!grown.is_null() && grown.align_offset(align) == 0, "{layout:?} grown");
                    assert!(std::slice::from_raw_parts(grown, size).iter().all(|&b| b == 0xA5));
                    Mimalloc.dealloc(grown, Layout::from_size_align(size * 2 + 24, align).unwrap());
                }
            }
        }
    }
}
