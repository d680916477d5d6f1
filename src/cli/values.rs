//! `releasegen values`: the values as combined from files and `--set`, as JSON; nothing is
//! validated.

use super::ExitCode;
use super::args::{NotForValues, ValueFlags};
use super::io::{finish, read_values, unsupported, values_only};
use releasegen::input::values::Limits;
use std::path::PathBuf;

pub fn run(file: Option<PathBuf>, input: &ValueFlags, not_for_values: &NotForValues) -> ExitCode {
    if let Err(code) = unsupported(input).and_then(|()| values_only(not_for_values)) {
        return code;
    }
    let values = match read_values(file, input, Limits::values(input.max_input_bytes), true) {
        Ok(v) => v,
        Err(code) => return code,
    };
    let text = format!("{}\n", serde_json::to_string_pretty(&values.root.to_json()).unwrap_or_default());
    finish(&values.labels, Ok((text, values.notes)))
}
