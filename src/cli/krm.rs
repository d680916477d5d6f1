//! `releasegen krm`: a KRM function, the Release documents of the ResourceList on stdin
//! expanded.

use super::ExitCode;
use super::args::{ReadyFlags, StreamFlags, stream_options};
use super::io::{read_one, write_stdout};

pub fn run(ready: &ReadyFlags, stream: &StreamFlags) -> ExitCode {
    let mut opts = stream_options(false, stream);
    opts.ready = ready.ready.clone();
    opts.sync_waves = !ready.no_sync_waves;
    let (_, input) = match read_one(None, opts.limits.max_bytes, "a ResourceList") {
        Ok(read) => read,
        Err(code) => return code,
    };
    let out = releasegen::frontends::krm::run(&input, &opts);
    // The KRM protocol wants the ResourceList, with its results, even on failure.
    match (write_stdout(out.text.as_bytes()), out.ok) {
        (code, true) => code,
        (_, false) => ExitCode::from(1),
    }
}
