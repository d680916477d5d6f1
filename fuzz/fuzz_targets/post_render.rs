//! The Helm post-renderer's input: any stream is expanded or refused, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = releasegen::frontends::post_render::run(data, &releasegen::Options::default());
});
