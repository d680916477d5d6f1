//! What every command does around its work: reading the values sources and other input,
//! reporting problems with the place they were written, and writing the output once, after
//! everything succeeded.

use super::ExitCode;
use super::args::ValueFlags;
use releasegen::Report;
use releasegen::input::sources::{STDIN, Source};
use releasegen::input::values::{Limits, Node};
use releasegen::problem::{Problem, Severity, terminal_safe};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;

/// The values read and combined: each source's label (for messages), the tree, and the notes
/// found while reading (keys Helm reads otherwise).
pub struct Values {
    pub labels: Vec<String>,
    pub root: Node,
    pub notes: Vec<Problem>,
}

/// Reads and combines the values sources (`sources::combine`); on failure the problem is
/// reported and the exit status returned.
pub fn read_values(file: Option<PathBuf>, input: &ValueFlags, limits: Limits, stdin_ok: bool) -> Result<Values, ExitCode> {
    let sources = values_sources(file, input, limits.max_bytes, stdin_ok)?;
    let labels: Vec<String> = sources.iter().map(Source::label).collect();
    match releasegen::input::sources::combine(&sources, limits) {
        Ok((root, notes)) => Ok(Values { labels, root, notes }),
        Err(p) => Err(finish(&labels, Err(Report::one(p)))),
    }
}

/// Reads one input (a file, or stdin for `None` or `-`) for a stream command; on failure the
/// reason is said and the exit status returned. Gives the input's label and bytes.
pub fn read_one(file: Option<PathBuf>, max_bytes: usize, what: &str) -> Result<(String, Vec<u8>), ExitCode> {
    let source = file.filter(|f| f.as_os_str() != "-");
    let label = source.as_ref().map_or(STDIN.to_string(), |f| f.display().to_string());
    match read_input(source.as_ref(), max_bytes, what) {
        Ok(bytes) => Ok((label, bytes)),
        Err(e) => Err(fail_read(&label, &e)),
    }
}

/// The values sources in order: the positional file, each `-f`, then `--set` and
/// `--set-string`. With no file, stdin — except for `route`, whose stdin is the live objects.
fn values_sources(file: Option<PathBuf>, input: &ValueFlags, max_bytes: usize, stdin_ok: bool) -> Result<Vec<Source>, ExitCode> {
    unsupported(input)?;
    let mut files: Vec<PathBuf> = file.into_iter().chain(input.values.iter().cloned()).collect();
    let is_stdin = |f: &PathBuf| f.as_os_str() == "-";
    if !stdin_ok && files.iter().any(is_stdin) {
        eprintln!("error: route reads the live objects on stdin (kubectl get … -o json); give the values as a file, not -");
        return Err(ExitCode::from(2));
    }
    if !stdin_ok && files.is_empty() {
        eprintln!("error: route needs the values as a file (FILE or -f FILE): stdin carries the live objects");
        return Err(ExitCode::from(2));
    }
    if files.iter().filter(|f| is_stdin(f)).count() > 1 {
        eprintln!("error: stdin (-) is given more than once as a values file");
        return Err(ExitCode::from(2));
    }
    if files.is_empty() {
        files.push(PathBuf::from("-"));
    }
    let mut sources = Vec::new();
    for f in files {
        let path = Some(f).filter(|f| !is_stdin(f));
        let label = path.as_ref().map_or(releasegen::input::sources::STDIN.to_string(), |f| f.display().to_string());
        match read_input(path.as_ref(), max_bytes, "the release values") {
            Ok(bytes) => sources.push(Source::File { label, bytes }),
            Err(e) => return Err(fail_read(&label, &e)),
        }
    }
    sources.extend(input.set.iter().cloned().map(Source::Set));
    sources.extend(input.set_string.iter().cloned().map(Source::SetString));
    Ok(sources)
}

/// `values` prints the merged values and nothing else: a flag that would change a render has
/// nothing to change here, so it is refused by name rather than accepted and ignored.
pub fn values_only(given: &super::args::NotForValues) -> Result<(), ExitCode> {
    let given = [
        ("--name", given.name.is_some()),
        ("--namespace", given.namespace.is_some()),
        ("--api-versions", !given.api_versions.is_empty()),
        ("--strict", given.strict),
    ];
    let Some((flag, _)) = given.iter().find(|(_, set)| *set) else { return Ok(()) };
    eprintln!("error: {flag} changes what `render` makes of the values; `values` only prints them as merged (nothing is validated or rendered), so it does not take {flag}. To check the values, run `releasegen render --strict` with the same files");
    Err(ExitCode::from(2))
}

/// Helm value flags releasegen does not take yet: a usage error that says what to use instead,
/// never a guess at what the flag meant.
pub fn unsupported(input: &ValueFlags) -> Result<(), ExitCode> {
    let given = [("--set-json", &input.set_json), ("--set-file", &input.set_file), ("--set-literal", &input.set_literal)];
    let Some((flag, _)) = given.iter().find(|(_, v)| !v.is_empty()) else { return Ok(()) };
    eprintln!("error: {flag} is a Helm flag releasegen does not take; use --set, --set-string, or a values file (-f)");
    Err(ExitCode::from(2))
}

pub fn fail_read(label: &str, e: &std::io::Error) -> ExitCode {
    eprintln!("error: cannot read {label}: {e}");
    ExitCode::from(1)
}

/// Reports problems, and writes the output only when everything succeeded.
/// `labels` names each values source (`Pos::source`), so a position names its own file or
/// `--set` expression.
/// The warnings found while reading the values (keys Helm reads otherwise), first, before
/// those of the command.
pub fn noted(notes: Vec<Problem>, result: Result<(String, Vec<Problem>), Report>) -> Result<(String, Vec<Problem>), Report> {
    let first = |mut warnings: Vec<Problem>| {
        warnings.splice(0..0, notes);
        warnings
    };
    match result {
        Ok((text, warnings)) => Ok((text, first(warnings))),
        Err(f) => Err(f.warnings_with(first)),
    }
}

pub fn finish(labels: &[String], result: Result<(String, Vec<Problem>), Report>) -> ExitCode {
    match result {
        Ok((text, warnings)) => {
            report(&warnings, Severity::Warning, labels);
            write_stdout(text.as_bytes())
        }
        Err(failure) => {
            report(&failure.warnings, Severity::Warning, labels);
            report(&failure.errors, Severity::Error, labels);
            ExitCode::from(1)
        }
    }
}

/// Reads at most one byte past the limit, so a huge input is refused without being held.
/// `what` names the input for the note a person at a terminal gets: a command waiting on a
/// terminal for input nobody knew it wanted looks like a hang.
pub fn read_input(file: Option<&PathBuf>, limit: usize, what: &str) -> std::io::Result<Vec<u8>> {
    let cap = u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1);
    let mut bytes = Vec::new();
    match file {
        Some(path) => std::fs::File::open(path)?.take(cap).read_to_end(&mut bytes)?,
        None => {
            let stdin = std::io::stdin();
            if stdin.is_terminal() {
                eprintln!("note: reading {what} from standard input (a terminal): type or paste, then Ctrl-D; or give a file");
            }
            stdin.lock().take(cap).read_to_end(&mut bytes)?
        }
    };
    Ok(bytes)
}

/// At most this many problems of a kind are printed; the rest are counted.
const SHOWN_PROBLEMS: usize = 20;

pub fn report(problems: &[Problem], severity: Severity, labels: &[String]) {
    let kind = severity.as_str();
    // In the order a reader meets them: problems of the flags first, then by source, line and
    // column (validation finds them in its own order, by part of the values).
    let mut problems: Vec<&Problem> = problems.iter().collect();
    problems.sort_by_key(|p| p.pos.map(|at| (at.source, at.line, at.col)));
    let mut err = std::io::stderr().lock();
    if problems.len() > SHOWN_PROBLEMS {
        let _ = writeln!(err, "{kind}: {} {kind}s; the first {SHOWN_PROBLEMS} follow", problems.len());
    }
    for p in problems.into_iter().take(SHOWN_PROBLEMS) {
        // Keys, values and live object names are user text: escaped, so none can forge a line
        // (`\nerror: FAKE`) or colour the terminal.
        let _ = writeln!(err, "{kind}: {}", terminal_safe(&p.to_string()));
        if let Some(pos) = p.pos {
            let source = p.source.as_deref().or(labels.get(pos.source).map(String::as_str)).unwrap_or(STDIN);
            if source.starts_with("--set") {
                let _ = writeln!(err, "  --> {}, column {}", terminal_safe(source), pos.col);
            } else {
                let _ = writeln!(err, "  --> {}:{}:{}", terminal_safe(source), pos.line, pos.col);
            }
        }
    }
}

/// The whole output is written at once, after everything succeeded. A reader that closes
/// early (`| head -1`) is not an error.
pub fn write_stdout(bytes: &[u8]) -> ExitCode {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: cannot write the output: {e}");
            ExitCode::from(1)
        }
    }
}
