//! The KRM function's input: any ResourceList is expanded or answered with results.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let out = releasegen::frontends::krm::run(data, &releasegen::Options::default());
    assert!(!out.text.is_empty(), "a ResourceList always comes back");
});
