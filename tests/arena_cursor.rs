//! The command's allocator (`src/arena.rs`) as the global allocator of a process of its own,
//! so its chunk is fresh: what this test asserts about the block cut last holds only while the
//! chunk has room, and in `tests/arena.rs` other tests use the chunk up.

#[path = "../src/arena.rs"]
mod arena;

use arena::Arena;
use std::alloc::{GlobalAlloc, Layout};

#[global_allocator]
static ALLOCATOR: Arena = Arena;

/// A block freed right after it was cut is cut again (temporaries do not use up the chunk),
/// and the block cut last grows where it is. Tried a few times: the harness's own thread may
/// cut a block in between.
#[test]
fn the_block_cut_last_is_reused_and_grown_in_place() {
    let (small, large) = (Layout::from_size_align(200, 8).unwrap(), Layout::from_size_align(1000, 8).unwrap());
    // SAFETY: non-zero layouts; each block is freed once, with its layout.
    let reused = (0..100).any(|_| unsafe {
        let first = Arena.alloc(small);
        Arena.dealloc(first, small);
        let again = Arena.alloc(small);
        Arena.dealloc(again, small);
        again == first
    });
    assert!(reused, "the block freed last is cut again");
    // SAFETY: as above.
    let grown = (0..100).any(|_| unsafe {
        let block = Arena.alloc(small);
        let grown = Arena.realloc(block, small, 1000);
        Arena.dealloc(grown, large);
        grown == block
    });
    assert!(grown, "the block cut last grows in place");
}
