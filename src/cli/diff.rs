//! `releasegen diff` on the command line: reading each side (a file, stdin, or `git show`),
//! combining it with the shared flags, and reporting each side's problems with its own labels.

use super::ExitCode;
use super::args::{Common, DiffOutput};
use super::io::{fail_read, finish, read_input, report, unsupported, write_stdout};
use releasegen::Report;
use releasegen::input::sources::{STDIN, Source};
use releasegen::problem::{Severity, terminal_safe};
use std::io::IsTerminal;
use std::path::PathBuf;

/// `--exit-code`'s status when the sides differ. Not git's and kubectl's 1, which is every
/// command's status for invalid input, nor terraform's 2, which is a usage error here: a
/// pipeline tells "changed" from "broken" by the number alone.
const DIFFER: u8 = 3;

/// `releasegen diff`: each side's sources are its own file, then the shared `-f` files and
/// `--set`s; each side is combined and reported with its own labels.
pub fn run(base: &str, head: &str, common: &Common, output: DiffOutput, exit_code: bool) -> ExitCode {
    let opts = common.options();
    if let Err(code) = unsupported(&common.input) {
        return code;
    }
    if base == "-" && head == "-" {
        eprintln!("error: stdin (-) can be read once: give BASE or HEAD as a file or git:REF:PATH");
        return ExitCode::from(2);
    }
    if common.input.values.iter().any(|f| f.as_os_str() == "-") {
        eprintln!("error: diff reads every -f file for both sides, and stdin can be read once: give it as a file");
        return ExitCode::from(2);
    }
    let mut sides = Vec::new();
    for spec in [base, head] {
        let sources = match diff_sources(spec, common, opts.limits.max_bytes) {
            Ok(s) => s,
            Err(code) => return code,
        };
        let labels: Vec<String> = sources.iter().map(Source::label).collect();
        match releasegen::input::sources::combine(&sources, opts.limits) {
            Ok((root, notes)) => sides.push((labels, root, notes)),
            Err(p) => return finish(&labels, Err(Report::one(p))),
        }
    }
    let (Some((head_labels, head_root, head_notes)), Some((base_labels, base_root, base_notes))) = (sides.pop(), sides.pop()) else {
        return ExitCode::from(1);
    };
    let format = match output {
        DiffOutput::Text => releasegen::DiffFormat::Text { colour: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()) },
        DiffOutput::Json => releasegen::DiffFormat::Json,
        DiffOutput::Markdown => releasegen::DiffFormat::Markdown,
    };
    match releasegen::diff_values(base_root, head_root, &opts, format) {
        Err((side, failure)) => {
            let (labels, notes) = if side == 0 { (base_labels, base_notes) } else { (head_labels, head_notes) };
            finish(&labels, Err(failure.warnings_with(|w| [notes, w].concat())))
        }
        Ok(d) => {
            let [base_warnings, head_warnings] = d.warnings;
            report(&[base_notes, base_warnings].concat(), Severity::Warning, &base_labels);
            report(&[head_notes, head_warnings].concat(), Severity::Warning, &head_labels);
            let code = write_stdout(d.text.as_bytes());
            if code.0 == 0 && exit_code && d.changed { ExitCode::from(DIFFER) } else { code }
        }
    }
}

/// One side of a diff: its values (a file, `-`, or `git:REF:PATH`), then the shared `-f` files,
/// `--set` and `--set-string`.
fn diff_sources(spec: &str, common: &Common, max_bytes: usize) -> Result<Vec<Source>, ExitCode> {
    let mut sources = vec![side_source(spec, max_bytes)?];
    for f in &common.input.values {
        let label = f.display().to_string();
        match read_input(Some(f), max_bytes, "the release values") {
            Ok(bytes) => sources.push(Source::File { label, bytes }),
            Err(e) => return Err(fail_read(&label, &e)),
        }
    }
    sources.extend(common.input.set.iter().cloned().map(Source::Set));
    sources.extend(common.input.set_string.iter().cloned().map(Source::SetString));
    Ok(sources)
}

fn side_source(spec: &str, max_bytes: usize) -> Result<Source, ExitCode> {
    let Some(rest) = spec.strip_prefix("git:") else {
        let path = Some(PathBuf::from(spec)).filter(|p| p.as_os_str() != "-");
        let label = path.as_ref().map_or(STDIN.to_string(), |p| p.display().to_string());
        return match read_input(path.as_ref(), max_bytes, "the release values") {
            Ok(bytes) => Ok(Source::File { label, bytes }),
            Err(e) => Err(fail_read(&label, &e)),
        };
    };
    // A ref cannot hold a colon, so the first one ends it.
    let Some((rev, path)) = rest.split_once(':').filter(|(r, p)| !r.is_empty() && !p.is_empty()) else {
        eprintln!("error: {}: expected git:REF:PATH, such as git:origin/main:values.yaml", terminal_safe(spec));
        return Err(ExitCode::from(2));
    };
    let out = std::process::Command::new("git").args(["show", &format!("{rev}:{path}")]).output();
    match out {
        Ok(o) if o.status.success() && o.stdout.len() <= max_bytes => Ok(Source::File { label: spec.to_string(), bytes: o.stdout }),
        Ok(o) if o.status.success() => {
            eprintln!("error: {}: more than the limit of {max_bytes} bytes (--max-input-bytes raises it)", terminal_safe(spec));
            Err(ExitCode::from(1))
        }
        Ok(o) => {
            // git's message may run over several lines: joined, each escaped on its own.
            let why = String::from_utf8_lossy(&o.stderr);
            let why: Vec<String> = why.lines().map(str::trim).filter(|l| !l.is_empty()).map(terminal_safe).collect();
            eprintln!("error: {}: git show {} failed: {}", terminal_safe(spec), terminal_safe(&format!("{rev}:{path}")), why.join("; "));
            Err(ExitCode::from(1))
        }
        Err(e) => {
            eprintln!("error: {}: could not run git: {e}", terminal_safe(spec));
            Err(ExitCode::from(1))
        }
    }
}
