//! `releasegen states`: every readiness state and what each routing rule does in it.

use super::ExitCode;
use super::args::{Common, Format};
use super::io::{finish, noted, read_values};
use std::path::PathBuf;

pub fn run(file: Option<PathBuf>, common: &Common, output: Format) -> ExitCode {
    let opts = common.options();
    let values = match read_values(file, &common.input, opts.limits, true) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let format = match output {
        Format::Table => releasegen::StatesFormat::Table,
        Format::Json => releasegen::StatesFormat::Json,
        Format::Mermaid => releasegen::StatesFormat::Mermaid,
    };
    finish(&values.labels, noted(values.notes, releasegen::states_values(values.root, &opts, format).map(|r| (r.yaml, r.warnings))))
}
