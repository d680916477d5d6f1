//! `releasegen render`: the release's manifests, with `--ready` the live routing object.

use super::ExitCode;
use super::args::{Common, ReadyFlags};
use super::io::{finish, noted, read_values};
use std::path::PathBuf;

pub fn run(file: Option<PathBuf>, common: &Common, ready: &ReadyFlags) -> ExitCode {
    let mut opts = common.options();
    opts.ready = ready.ready.clone();
    opts.sync_waves = !ready.no_sync_waves;
    let values = match read_values(file, &common.input, opts.limits, true) {
        Ok(v) => v,
        Err(code) => return code,
    };
    // The process ends once the stream is written: the objects are not freed one by one
    // first (a tenth of a small render's instructions).
    let rendered = releasegen::render_values(values.root, &opts).map(|r| {
        std::mem::forget(r.objects);
        (r.yaml, r.warnings)
    });
    finish(&values.labels, noted(values.notes, rendered))
}
