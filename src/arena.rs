//! The command's memory allocator: the first MiB of small blocks is cut from one chunk.
//!
//! A render allocates a thousand small blocks (map entries, keys, short strings) and exits;
//! glibc's malloc and free were a third of a two-version render's instructions,
//! bookkeeping for reuse that a process this short hardly needs. Here a small block is cut
//! from a chunk by moving a cursor; its memory comes back when it is the block cut last
//! (temporaries freed in turn, a string grown where it is), else at exit. Once the chunk is
//! used up, and for every large block, glibc's allocator serves as before, so a long run
//! (`post-render` of many releases, a 4 MiB values file) reuses memory as it always did and
//! holds at most one chunk more.
//!
//! The chunk is the process's, its cursor an atomic: any thread may cut from it or free into
//! it, and whether a block is the chunk's or the system's follows from its address alone.
//!
//! With `main`'s two declarations, the command's only unsafe code; `tests/arena.rs` runs it
//! directly and as the allocator of a test that renders from several threads.

#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::ptr;
use std::sync::atomic::{AtomicPtr, AtomicUsize, Ordering::{AcqRel, Acquire}};

/// The chunk's size. The system maps a chunk this large lazily: untouched pages cost nothing.
const CHUNK: usize = 1 << 20;
/// Blocks up to this size are cut from the chunk; larger ones (a routemap's states, the
/// output) are the system's, which gives them back.
const SMALL: usize = 4 << 10;
/// The chunk's alignment, and the most any block cut from it asks for.
const PAGE: usize = 4096;

pub struct Arena;

/// The chunk (null until the first small block), and how many of its bytes are cut. The
/// cursor moves with acquire-release: what a thread did with a block before freeing it
/// happens before another thread's use of the same bytes, cut again.
static START: AtomicPtr<u8> = AtomicPtr::new(ptr::null_mut());
static USED: AtomicUsize = AtomicUsize::new(0);

/// The chunk, made on first use; null if the system has no memory for it.
#[cold]
fn chunk() -> *mut u8 {
    let start = START.load(Acquire);
    if !start.is_null() {
        return start;
    }
    // SAFETY: CHUNK is not zero and PAGE is a power of two.
    let layout = unsafe { Layout::from_size_align_unchecked(CHUNK, PAGE) };
    // SAFETY: a layout of non-zero size.
    let made = unsafe { System.alloc(layout) };
    if made.is_null() {
        return made;
    }
    match START.compare_exchange(ptr::null_mut(), made, AcqRel, Acquire) {
        Ok(_) => made,
        Err(theirs) => {
            // Another thread made the chunk first.
            // SAFETY: `made` is ours, from System with this layout, and was never handed out.
            unsafe { System.dealloc(made, layout) };
            theirs
        }
    }
}

/// Where `block` starts in the chunk, if it is the chunk's.
fn offset(block: *mut u8) -> Option<usize> {
    let start = START.load(Acquire);
    let at = block.addr().wrapping_sub(start.addr());
    (!start.is_null() && at < CHUNK).then_some(at)
}

/// A small block cut from the chunk; none when it does not fit (or the system has no memory
/// for a chunk).
fn cut(layout: Layout) -> Option<*mut u8> {
    let (size, align) = (layout.size(), layout.align());
    if size > SMALL || align > PAGE {
        return None;
    }
    let mut start = START.load(Acquire);
    if start.is_null() {
        start = chunk();
        if start.is_null() {
            return None;
        }
    }
    let mut used = USED.load(Acquire);
    loop {
        // The chunk is page-aligned and `align` a power of two up to a page, so an offset
        // that is a multiple of `align` is an address that is.
        let at = (used + (align - 1)) & !(align - 1);
        let end = at + size;
        if end > CHUNK {
            return None;
        }
        match USED.compare_exchange_weak(used, end, AcqRel, Acquire) {
            Ok(_) => return Some(start.wrapping_add(at)),
            Err(now) => used = now,
        }
    }
}

/// Moves the cursor from the end of the block at `at` (`old` bytes long) to `new` bytes past
/// its start, when that block is the one cut last: it is freed (`new` 0), shrunk or grown in
/// place. False if another block was cut after it (or the chunk has no room).
fn resize_last(at: usize, old: usize, new: usize) -> bool {
    at + new <= CHUNK && USED.compare_exchange(at + old, at + new, AcqRel, Acquire).is_ok()
}

// SAFETY: a block is either the system allocator's or lies inside the chunk, aligned as asked
// (`align_offset`; the chunk is page-aligned), and no two live blocks overlap: the cursor
// moves forward over a block atomically, and back only over the block cut last, when that
// block is freed or shrunk. Which of the two a block is follows from its address (`offset`),
// never from the layout a caller passes back.
unsafe impl GlobalAlloc for Arena {
    // Not inlined: inlined at every allocation site, the allocator added 400 KB of code, and
    // touching it cost more memory than the allocator saves.
    #[inline(never)]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        match cut(layout) {
            Some(block) => block,
            // SAFETY: the caller's layout, passed on.
            None => unsafe { System.alloc(layout) },
        }
    }

    #[inline(never)]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        match cut(layout) {
            // SAFETY: a block of layout.size() bytes, just cut: the chunk's memory may have
            // been used before.
            Some(block) => unsafe {
                ptr::write_bytes(block, 0, layout.size());
                block
            },
            // SAFETY: the caller's layout, passed on.
            None => unsafe { System.alloc_zeroed(layout) },
        }
    }

    #[inline(never)]
    unsafe fn dealloc(&self, block: *mut u8, layout: Layout) {
        match offset(block) {
            Some(at) => {
                resize_last(at, layout.size(), 0);
            }
            // SAFETY: not the chunk's, so the system's, allocated with this layout.
            None => unsafe { System.dealloc(block, layout) },
        }
    }

    #[inline(never)]
    unsafe fn realloc(&self, block: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let Some(at) = offset(block) else {
            // SAFETY: not the chunk's, so the system's, allocated with this layout.
            return unsafe { System.realloc(block, layout, new_size) };
        };
        // The block cut last grows or shrinks where it is, up to the small-block size (a
        // string that grows past it moves to the system, which can give it back).
        if new_size <= SMALL && resize_last(at, layout.size(), new_size) {
            return block;
        }
        // SAFETY: `new_size` is not zero and, rounded up to the alignment, does not overflow
        // (the caller's contract for realloc).
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        // SAFETY: a layout of non-zero size.
        let moved = unsafe { self.alloc(new_layout) };
        if !moved.is_null() {
            // SAFETY: both blocks are live, distinct, and at least this long.
            unsafe {
                ptr::copy_nonoverlapping(block, moved, layout.size().min(new_size));
                self.dealloc(block, layout);
            }
        }
        moved
    }
}
