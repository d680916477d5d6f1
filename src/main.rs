//! The `releasegen` command line: the process entry point. The commands are in `cli/`.

// `main` is the C entry point (see there) and `arena` the allocator: the only unsafe code is
// main's two declarations and that module.
#![no_main]
#![deny(unsafe_code)]

use std::ffi::{c_char, c_int};

mod arena;
mod cli;

/// See `arena`: a render's small blocks are cut from one chunk, not kept by glibc one by one.
#[global_allocator]
static ALLOCATOR: arena::Arena = arena::Arena;

/// The process entry point, called by the C runtime in place of std's runtime start-up. That
/// start-up finds the main thread's stack guard by reading `/proc/self/maps` with `sscanf`,
/// for a stack-overflow message: more instructions than parsing a small release's values.
/// What it did that releasegen needs is done here: SIGPIPE ignored, so a reader
/// that closes early is an error to handle (`write_stdout`) and not a kill; and a panic ends
/// the process with status 101 after its message, as before. Arguments still come from
/// `std::env::args_os`, which std reads for itself.
#[allow(unsafe_code)]
#[unsafe(no_mangle)]
extern "C" fn main(_argc: c_int, _argv: *const *const c_char) -> c_int {
    ignore_sigpipe();
    let code = std::panic::catch_unwind(cli::run).unwrap_or(cli::ExitCode(101));
    c_int::from(code.0)
}

#[cfg(unix)]
fn ignore_sigpipe() {
    #[allow(unsafe_code)]
    unsafe extern "C" {
        /// POSIX `signal(2)`. Setting a signal's disposition to "ignore" touches no memory of
        /// ours, so the call is safe whatever the arguments.
        safe fn signal(signum: c_int, handler: usize) -> usize;
    }
    const SIGPIPE: c_int = 13;
    const SIG_IGN: usize = 1;
    signal(SIGPIPE, SIG_IGN);
}

#[cfg(not(unix))]
fn ignore_sigpipe() {}
