//! `releasegen route`: the routing object for the readiness the live objects on stdin show.

use super::ExitCode;
use super::args::Common;
use super::io::{fail_read, finish, noted, read_input, read_values};
use releasegen::input::sources::STDIN;
use releasegen::problem::terminal_safe;
use std::io::Write;
use std::path::PathBuf;

pub fn run(file: Option<PathBuf>, common: &Common, verbose: bool) -> ExitCode {
    let opts = common.options();
    // stdin carries the live objects: the values come from files and --set.
    let values = match read_values(file, &common.input, opts.limits, false) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let live = match read_input(None, opts.limits.max_bytes, "the live objects (kubectl get … -o json)") {
        Ok(bytes) => bytes,
        Err(e) => return fail_read(STDIN, &e),
    };
    let routed = releasegen::route_values(values.root, &live, &opts);
    if verbose && let Ok(r) = &routed {
        let mut err = std::io::stderr().lock();
        r.explain.iter().for_each(|l| drop(writeln!(err, "{}", terminal_safe(l))));
    }
    finish(&values.labels, noted(values.notes, routed.map(|r| (r.yaml, r.warnings))))
}
