//! The command's allocator (`src/arena.rs`), compiled into this test as it is into the
//! command: called directly with random sequences of requests, and as this test binary's
//! global allocator while releases render on several threads (the harness's own threads
//! allocate through it too).

#[path = "../src/arena.rs"]
mod arena;

use arena::Arena;
use proptest::prelude::*;
use std::alloc::{GlobalAlloc, Layout};

#[global_allocator]
static ALLOCATOR: Arena = Arena;

/// The chunk is the process's: the tests here take turns, so that what one asserts about
/// the cursor is not moved by another running beside it.
static TURN: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn turn() -> std::sync::MutexGuard<'static, ()> {
    TURN.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A live block and the byte it is filled with.
struct Block {
    at: *mut u8,
    layout: Layout,
    fill: u8,
}

impl Block {
    fn bytes(&self) -> &[u8] {
        // SAFETY: a live block of layout.size() bytes, written in full when it was made.
        unsafe { std::slice::from_raw_parts(self.at, self.layout.size()) }
    }

    fn fill(&mut self, fill: u8) {
        self.fill = fill;
        // SAFETY: a live block of layout.size() bytes.
        unsafe { std::ptr::write_bytes(self.at, fill, self.layout.size()) };
    }
}

#[derive(Debug, Clone)]
enum Op {
    Alloc { size: usize, align_log2: u32, zeroed: bool },
    Free(usize),
    Realloc(usize, usize),
}

fn op() -> impl Strategy<Value = Op> {
    // Sizes around the small-block limit (4 KiB) and up to past it; alignments up to two
    // pages, past the chunk's own.
    let size = prop_oneof![1usize..64, 64usize..5000, 5000usize..40_000];
    prop_oneof![
        4 => (size.clone(), 0u32..14, any::<bool>()).prop_map(|(size, align_log2, zeroed)| Op::Alloc { size, align_log2, zeroed }),
        2 => any::<usize>().prop_map(Op::Free),
        3 => (any::<usize>(), size).prop_map(|(i, n)| Op::Realloc(i, n)),
    ]
}

fn check(live: &[Block]) -> Result<(), TestCaseError> {
    for b in live {
        prop_assert_eq!(b.at.addr() % b.layout.align(), 0, "aligned as asked");
        prop_assert!(b.bytes().iter().all(|&x| x == b.fill), "a block kept its bytes (no overlap)");
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Whatever is asked, every live block keeps its own bytes: no two overlap, none moves
    /// without its contents, and each is aligned as asked.
    #[test]
    fn blocks_keep_their_bytes_through_any_sequence(ops in prop::collection::vec(op(), 1..200)) {
        let _turn = turn();
        let mut live: Vec<Block> = Vec::new();
        for (n, op) in ops.into_iter().enumerate() {
            let fill = (n % 251) as u8 + 1;
            match op {
                Op::Alloc { size, align_log2, zeroed } => {
                    let layout = Layout::from_size_align(size, 1 << align_log2).unwrap();
                    // SAFETY: a layout of non-zero size.
                    let at = unsafe { if zeroed { Arena.alloc_zeroed(layout) } else { Arena.alloc(layout) } };
                    prop_assert!(!at.is_null());
                    let mut b = Block { at, layout, fill: 0 };
                    if zeroed {
                        prop_assert!(b.bytes().iter().all(|&x| x == 0), "zeroed");
                    }
                    b.fill(fill);
                    live.push(b);
                }
                Op::Free(i) if !live.is_empty() => {
                    let b = live.swap_remove(i % live.len());
                    // SAFETY: a live block, with the layout it was made with.
                    unsafe { Arena.dealloc(b.at, b.layout) };
                }
                Op::Realloc(i, size) if !live.is_empty() => {
                    let k = i % live.len();
                    let b = &mut live[k];
                    let kept = b.layout.size().min(size);
                    // SAFETY: a live block, its layout, and a non-zero size.
                    let at = unsafe { Arena.realloc(b.at, b.layout, size) };
                    prop_assert!(!at.is_null());
                    b.at = at;
                    b.layout = Layout::from_size_align(size, b.layout.align()).unwrap();
                    prop_assert!(b.bytes()[..kept].iter().all(|&x| x == b.fill), "realloc kept the contents");
                    b.fill(fill);
                }
                _ => {}
            }
            check(&live)?;
        }
        for b in live {
            // SAFETY: a live block, with its layout.
            unsafe { Arena.dealloc(b.at, b.layout) };
        }
    }
}

/// Past the chunk (1 MiB), small blocks come from the system and are given back to it.
#[test]
fn past_the_chunk_blocks_come_from_the_system() {
    let _turn = turn();
    let layout = Layout::from_size_align(4000, 16).unwrap();
    let mut blocks = Vec::new();
    for i in 0..600 {
        // SAFETY: a non-zero layout.
        let at = unsafe { Arena.alloc(layout) };
        assert!(!at.is_null());
        // SAFETY: a block of 4000 bytes.
        unsafe { std::ptr::write_bytes(at, i as u8, 4000) };
        blocks.push(at);
    }
    for (i, &at) in blocks.iter().enumerate() {
        // SAFETY: a live block of 4000 bytes.
        let bytes = unsafe { std::slice::from_raw_parts(at, 4000) };
        assert!(bytes.iter().all(|&x| x == i as u8));
    }
    for at in blocks {
        // SAFETY: each block once, with its layout.
        unsafe { Arena.dealloc(at, layout) };
    }
}

/// Releases rendered on four threads at once come out as on one; each result is dropped on
/// another thread than the one that made it.
#[test]
fn renders_on_several_threads_as_on_one() {
    let _turn = turn();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures");
    let mut files: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.retain(|p| p.extension().is_some_and(|e| e == "yaml"));
    files.sort();
    assert!(files.len() > 10, "fixtures found");
    let render = |path: &std::path::Path| {
        let input = std::fs::read(path).unwrap();
        let mut opts = releasegen::Options::default();
        opts.context.release_name = Some("demo".into());
        opts.context.namespace = Some("default".into());
        releasegen::render(&input, &opts).map(|r| r.yaml).unwrap_or_else(|f| format!("{:?}", f.errors))
    };
    let alone: Vec<String> = files.iter().map(|p| render(p)).collect();
    let threads: Vec<_> = (0..4)
        .map(|_| {
            let files = files.clone();
            std::thread::spawn(move || files.iter().map(|p| render(p)).collect::<Vec<String>>())
        })
        .collect();
    for t in threads {
        let together = t.join().unwrap();
        assert_eq!(together, alone);
    }
}
