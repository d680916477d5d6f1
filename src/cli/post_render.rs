//! `releasegen post-render`: Helm's post-renderer, every Release document of the stream on
//! stdin expanded.

use super::ExitCode;
use super::args::{ReadyFlags, StreamFlags, stream_options};
use super::io::{finish, read_one};

pub fn run(ready: &ReadyFlags, allow_unknown: bool, stream: &StreamFlags) -> ExitCode {
    let mut opts = stream_options(!allow_unknown, stream);
    opts.ready = ready.ready.clone();
    opts.sync_waves = !ready.no_sync_waves;
    let (label, input) = match read_one(None, opts.limits.max_bytes, "Helm's rendered stream") {
        Ok(read) => read,
        Err(code) => return code,
    };
    finish(&[label], releasegen::frontends::post_render::run(&input, &opts))
}
