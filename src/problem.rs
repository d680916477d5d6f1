//! Problems found in the input: each names the path of the offending value, so a user can
//! find it without reading releasegen's code (`application.versions[1].weight: …`).

use std::fmt;

/// A place in the input text (1-based line and column), in the values source numbered
/// `source` (0: the first or only values file; more with several `-f` files and `--set`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
    pub source: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Dotted path of the value (`application.versions[0].image`); empty for the whole input.
    pub path: String,
    pub message: String,
    pub pos: Option<Pos>,
    /// The input the problem is in, when it is not the values (`<stdin>` for `route`'s live
    /// objects), so a message never points at the values file for a fault in another input.
    pub source: Option<String>,
}

impl Problem {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Problem { path: path.to_string(), message: message.into(), pos: None, source: None }
    }

    /// The same problem, said to be in `source`.
    pub fn in_source(mut self, source: &str) -> Self {
        self.source = Some(source.to_string());
        self
    }

    /// A problem at a value: its path and where it was written go together, so no caller
    /// can name one and forget the other.
    pub fn at(path: &str, pos: Option<Pos>, message: impl Into<String>) -> Self {
        Problem { path: path.to_string(), message: message.into(), pos, source: None }
    }

    pub fn input(message: String) -> Self {
        Problem { path: String::new(), message, pos: None, source: None }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(source) = &self.source {
            write!(f, "{source}: ")?;
        }
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for Problem {}

/// How much a problem matters: an error stops the command (exit 1, nothing on stdout), a
/// warning is said on stderr (or in a KRM function's results) and the command goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

impl Severity {
    /// The word KRM function results and terminal messages use.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Text for a person's terminal: control characters (ESC, newlines, DEL, C1) are written as
/// `\u{..}` escapes, so user text cannot forge lines or colours.
pub fn terminal_safe(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars().map(|c| if c.is_control() { format!("\\u{{{:x}}}", c as u32) } else { c.to_string() }).collect()
}

/// Errors and warnings: gathered while validating, so one run reports every problem, and
/// returned as the reason a command failed (with at least one error; nothing may reach stdout
/// then).
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Report {
    /// A failure of one error.
    pub fn one(p: Problem) -> Self {
        Report { errors: vec![p], warnings: vec![] }
    }

    /// A failure of one error, with the warnings found before it (still said on stderr).
    pub fn fail(p: Problem, warnings: &[Problem]) -> Self {
        Report { errors: vec![p], warnings: warnings.to_vec() }
    }

    /// A failure of these errors, with the warnings found beside them.
    pub fn of(errors: Vec<Problem>, warnings: Vec<Problem>) -> Self {
        Report { errors, warnings }
    }

    /// The same failure, every problem passed through `f` (a path prefixed, a position
    /// moved to the file it came from).
    pub fn each(self, f: impl Fn(Problem) -> Problem) -> Self {
        Report { errors: self.errors.into_iter().map(&f).collect(), warnings: self.warnings.into_iter().map(&f).collect() }
    }

    /// The same failure, its warnings passed through `f` (more put before them, or fewer kept).
    pub fn warnings_with(self, f: impl FnOnce(Vec<Problem>) -> Vec<Problem>) -> Self {
        Report { errors: self.errors, warnings: f(self.warnings) }
    }

    pub fn error(&mut self, p: Problem) {
        self.errors.push(p);
    }

    pub fn warn(&mut self, p: Problem) {
        self.warnings.push(p);
    }
}
