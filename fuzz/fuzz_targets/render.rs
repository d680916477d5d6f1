//! Values parsing and rendering: any bytes either render or are refused; never a panic.
//! Small outputs are also rendered twice to check that the output is deterministic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use releasegen::{Options, Ready};

fuzz_target!(|data: &[u8]| {
    let mut opts = Options::default();
    opts.context.release_name = Some("fuzz".into());
    opts.ready = Some(Ready::All);
    let Ok(out) = releasegen::render(data, &opts) else { return };
    if out.yaml.len() < 16 << 10 {
        assert_eq!(releasegen::render(data, &opts).map(|o| o.yaml).ok(), Some(out.yaml));
        for f in [releasegen::StatesFormat::Table, releasegen::StatesFormat::Json, releasegen::StatesFormat::Mermaid] {
            let _ = releasegen::states(data, &opts, f);
        }
    }
});
