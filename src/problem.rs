//! Problems found in the input: each names the path of the offending value, so a user can
//! find it without reading our code (`application.versions[1].weight: …`).

use std::fmt;

/// A place in the input text (1-based line and column).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Problem {
    /// Dotted path of the value (`application.versions[0].image`); empty for the whole input.
    pub path: String,
    pub message: String,
    pub pos: Option<Pos>,
}

impl Problem {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        Problem { path: path.to_string(), message: message.into(), pos: None }
    }

    pub fn at_pos(path: &str, message: &str, pos: Pos) -> Self {
        Problem { path: path.to_string(), message: message.to_string(), pos: Some(pos) }
    }

    pub fn input(message: String) -> Self {
        Problem { path: String::new(), message, pos: None }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Errors and warnings gathered while validating, so one run reports every problem.
#[derive(Debug, Default)]
pub struct Report {
    pub errors: Vec<Problem>,
    pub warnings: Vec<Problem>,
}

impl Report {
    pub fn error(&mut self, p: Problem) {
        self.errors.push(p);
    }

    pub fn warn(&mut self, p: Problem) {
        self.warnings.push(p);
    }
}
