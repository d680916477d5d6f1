//! The writers: objects → YAML text, written by releasegen itself rather than by a serializer.
//! One walker (`Writer`, here) in three modes over the scalar rules of `scalar`: plain YAML,
//! the Go template of a plan (`template`), and a plan compiled for its states (`states`).
//!
//! kubectl reads YAML 1.1: an unquoted `yes`, `on`, `y`, `0755` or `1_000` is not a string
//! there. The serde_yaml family writes such strings bare. Here a string is written plain
//! only when it is made of `[A-Za-z0-9._/-]`, starts with a letter, `_` or `/`, and is not
//! one of the YAML 1.1 boolean or null words; everything else is double-quoted (JSON-style
//! escapes, which YAML accepts) or, when it spans lines, a literal block. Keys follow the
//! same rule, and the output is the same bytes for the same objects.
//!
//! The same writer produces the Go template of a routing plan: guarded parts become
//! `{{- if … }}` … `{{- end }}` lines and weights become `{{ index .Weights i }}`. In that
//! mode every `{`, `}`, `<`, `>` and `&` of a string is written as a `\xNN` escape, so no
//! user text can open a template action or change `html/template`'s context; YAML decodes
//! the escapes back to the original characters.
//!
//! And it compiles a plan for its precomputed states (`States`): the text that every state
//! shares, with the guarded parts and weights between, so the 2^N states of a routemap are
//! written by running that program instead of walking the plan 2^N times.

pub mod json;
mod scalar;
mod states;
mod template;

pub use scalar::{double_quoted, plain_ok};
pub use states::States;
pub use template::template;

use crate::plan::routing::{push_decimal, Guard, Tree};
use scalar::{block_chars_ok, blank, key_text, next_newline, IMPLICIT_KEY_MAX};
use states::Op;
use template::go_expr;
use serde_json::Value;
use std::borrow::Cow;

/// A YAML stream: every document starts with `---`.
pub fn stream(docs: &[Value]) -> String {
    let mut w = Writer::new(4096, Mode::Plain);
    for doc in docs {
        w.out.push_str("---\n");
        w.top(N::V(doc));
    }
    w.out
}

/// One document, block style.
pub fn document(v: &Value) -> String {
    let mut w = Writer::new(1024, Mode::Plain);
    w.top(N::V(v));
    w.out
}

/// Indentation, cut from one string.
const SPACES: &str = "                                                                ";

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    /// Values: no guards, no weights.
    Plain,
    /// A plan as a Go template: guards and weights become template actions.
    Template,
    /// A plan as a program for its states: guards and weights become `Op`s.
    Compile,
}

#[derive(Clone, Copy)]
enum N<'a> {
    V(&'a Value),
    T(&'a Tree),
}

/// How a node is written. Mappings and sequences keep their node: their entries are walked
/// where they are written, never collected.
enum Shape<'a> {
    Scalar(Cow<'a, str>),
    Weight(usize),
    /// A multi-line string whose characters a literal block carries (`block_chars_ok`).
    Block(&'a str),
    Map(N<'a>),
    Seq(N<'a>),
}

/// The entries of a mapping, with the guard of each (none for a value's, or where it
/// always holds).
enum Entries<'a> {
    V(serde_json::map::Iter<'a>),
    T(std::slice::Iter<'a, (String, Guard, Tree)>),
}

type Entry<'a> = (&'a str, Option<&'a Guard>, N<'a>);

impl<'a> Iterator for Entries<'a> {
    type Item = Entry<'a>;
    fn next(&mut self) -> Option<Entry<'a>> {
        match self {
            Entries::V(it) => it.next().map(|(k, v)| (k.as_str(), None, N::V(v))),
            Entries::T(it) => it.next().map(|(k, g, t)| (k.as_str(), shown(g), N::T(t))),
        }
    }
}

/// The items of a sequence, as `Entries` for mappings.
enum Items<'a> {
    V(std::slice::Iter<'a, Value>),
    T(std::slice::Iter<'a, (Guard, Tree)>),
}

impl<'a> Iterator for Items<'a> {
    type Item = (Option<&'a Guard>, N<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::V(it) => it.next().map(|v| (None, N::V(v))),
            Items::T(it) => it.next().map(|(g, t)| (shown(g), N::T(t))),
        }
    }
}

/// A guard that decides something: none for one that always holds.
fn shown(g: &Guard) -> Option<&Guard> {
    if *g == Guard::Always { None } else { Some(g) }
}

struct Writer {
    out: String,
    mode: Mode,
    /// The program so far, when compiling; `out` holds the text not yet moved into it.
    ops: Vec<Op>,
}

impl Writer {
    fn new(capacity: usize, mode: Mode) -> Self {
        Writer { out: String::with_capacity(capacity), mode, ops: Vec::new() }
    }

    fn template(&self) -> bool {
        self.mode == Mode::Template
    }

    /// Moves the text written so far into the program.
    fn flush(&mut self) {
        if !self.out.is_empty() {
            let text = std::mem::take(&mut self.out);
            let escapes = json::escapes_len(&text);
            self.ops.push(Op::Text(text, escapes));
        }
    }

    /// Writes `then` where `g` holds and `otherwise` where it does not: decided here when it
    /// always or never holds, else per state by the compiled program.
    fn branch(&mut self, g: &Guard, then: impl FnOnce(&mut Self), otherwise: impl FnOnce(&mut Self)) {
        match g {
            Guard::Always => then(self),
            Guard::Never => otherwise(self),
            _ => {
                self.flush();
                let outer = std::mem::take(&mut self.ops);
                then(self);
                self.flush();
                let when = std::mem::take(&mut self.ops);
                otherwise(self);
                self.flush();
                let unless = std::mem::replace(&mut self.ops, outer);
                self.ops.push(Op::If(g.clone(), when, unless));
            }
        }
    }

    /// A part of a plan that exists only where `g` holds: a template wraps it in
    /// `{{- if }}` … `{{- end }}`, a program in an `If`.
    fn guarded(&mut self, g: Option<&Guard>, part: impl FnOnce(&mut Self)) {
        match g {
            None => part(self),
            Some(g) if self.template() => {
                self.out.push_str("{{- if ");
                go_expr(&mut self.out, g);
                self.out.push_str(" }}\n");
                part(self);
                self.out.push_str("{{- end }}\n");
            }
            Some(g) => self.branch(g, part, |_| {}),
        }
    }

    /// Where a mapping or sequence has something to write. A template writes every entry,
    /// so only an empty node has nothing; compiled, a node whose entries are all guarded is
    /// empty in the states where none of them holds.
    fn filled(&self, n: N) -> Guard {
        match (self.mode, n) {
            (Mode::Compile, N::T(Tree::Map(e))) => Guard::any(e.iter().map(|(_, g, _)| g.clone()).collect()),
            (Mode::Compile, N::T(Tree::Seq(items))) => Guard::any(items.iter().map(|(g, _)| g.clone()).collect()),
            _ if self.entries(n).next().is_some() || self.items(n).next().is_some() => Guard::Always,
            _ => Guard::Never,
        }
    }

    fn shape<'a>(&self, n: N<'a>) -> Shape<'a> {
        match n {
            N::V(Value::Object(_)) | N::T(Tree::Map(_)) => Shape::Map(n),
            N::V(Value::Array(_)) | N::T(Tree::Seq(_)) => Shape::Seq(n),
            N::V(Value::String(s)) => self.string(s),
            N::V(Value::Number(num)) => Shape::Scalar(Cow::Borrowed(num.as_str())),
            N::V(Value::Bool(true)) => Shape::Scalar(Cow::Borrowed("true")),
            N::V(Value::Bool(false)) => Shape::Scalar(Cow::Borrowed("false")),
            N::V(Value::Null) => Shape::Scalar(Cow::Borrowed("null")),
            N::T(Tree::Value(v)) => self.shape(N::V(v)),
            N::T(Tree::Weight(i)) => Shape::Weight(*i),
        }
    }

    fn entries<'a>(&self, n: N<'a>) -> Entries<'a> {
        match n {
            N::V(Value::Object(m)) => Entries::V(m.iter()),
            N::T(Tree::Map(e)) => Entries::T(e.iter()),
            // Not a mapping: no entries (shape() sends only mappings here).
            _ => Entries::T([].iter()),
        }
    }

    fn items<'a>(&self, n: N<'a>) -> Items<'a> {
        match n {
            N::V(Value::Array(a)) => Items::V(a.iter()),
            N::T(Tree::Seq(items)) => Items::T(items.iter()),
            _ => Items::V([].iter()),
        }
    }

    fn string<'a>(&self, s: &'a str) -> Shape<'a> {
        if plain_ok(s) {
            Shape::Scalar(Cow::Borrowed(s))
        } else if block_chars_ok(s, self.template()) {
            Shape::Block(s)
        } else {
            Shape::Scalar(Cow::Owned(double_quoted(s, self.template())))
        }
    }

    fn top(&mut self, n: N) {
        match self.shape(n) {
            Shape::Map(m) => {
                let g = self.filled(m);
                self.branch(&g, |w| w.map_body(m, 0, false), |w| w.out.push_str("{}\n"));
            }
            Shape::Seq(s) => {
                let g = self.filled(s);
                self.branch(&g, |w| w.seq_body(s, 0), |w| w.out.push_str("[]\n"));
            }
            Shape::Scalar(s) => self.line(&s),
            Shape::Weight(i) => self.weight_line(i),
            Shape::Block(s) => self.line(&double_quoted(s, self.template())),
        }
    }

    fn line(&mut self, s: &str) {
        self.out.push_str(s);
        self.out.push('\n');
    }

    /// ` scalar` ending the line after a key or a `-`.
    fn scalar_after(&mut self, s: &str) {
        self.out.push(' ');
        self.line(s);
    }

    /// ` weight` ending the line after a key or a `-`.
    fn weight_after(&mut self, i: usize) {
        self.out.push(' ');
        self.weight_line(i);
    }

    /// A weight: the template action that reads it, or the program step that writes it.
    fn weight_line(&mut self, i: usize) {
        if self.mode == Mode::Compile {
            self.flush();
            self.ops.push(Op::Weight(i));
        } else {
            self.out.push_str("{{ index .Weights ");
            push_decimal(&mut self.out, i);
            self.out.push_str(" }}");
        }
        self.out.push('\n');
    }

    fn indent(&mut self, n: usize) {
        let mut n = n;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    /// Entries of a mapping at `indent`; with `inline_first` the first entry continues a
    /// `- ` already written.
    fn map_body(&mut self, map: N, indent: usize, inline_first: bool) {
        for (i, (key, g, child)) in self.entries(map).enumerate() {
            self.guarded(g, |w| w.entry(key, child, indent, inline_first && i == 0));
        }
    }

    /// `key: value`, at `indent` or (`inline`) after a `- `.
    fn entry(&mut self, key: &str, child: N, indent: usize, inline: bool) {
        if !inline {
            self.indent(indent);
        }
        let text = key_text(key, self.template());
        // go-yaml reads an implicit key of at most 1024 characters; a longer one is
        // written as an explicit `? key` with its `:` on the next line.
        if text.len() > IMPLICIT_KEY_MAX {
            self.out.push_str("? ");
            self.line(&text);
            self.indent(indent);
        } else {
            self.out.push_str(&text);
        }
        self.out.push(':');
        self.value(child, indent);
    }

    /// A mapping's value, after its key.
    fn value(&mut self, child: N, indent: usize) {
        match self.shape(child) {
            Shape::Scalar(s) => self.scalar_after(&s),
            Shape::Weight(i) => self.weight_after(i),
            Shape::Block(s) => self.block(s, indent + 2),
            Shape::Map(m) => self.below(m, " {}", |w| w.map_body(m, indent + 2, false)),
            Shape::Seq(s) => self.below(s, " []", |w| w.seq_body(s, indent)),
        }
    }

    /// A mapping or sequence on the lines after a key or a `-` (`body`), or `empty` on the
    /// same line where it has nothing to write.
    fn below(&mut self, n: N, empty: &str, body: impl FnOnce(&mut Self)) {
        let g = self.filled(n);
        let lines = |w: &mut Self| {
            w.out.push('\n');
            body(w);
        };
        self.branch(&g, lines, |w| w.line(empty));
    }

    fn seq_body(&mut self, seq: N, indent: usize) {
        for (g, child) in self.items(seq) {
            self.guarded(g, |w| {
                w.indent(indent);
                w.out.push('-');
                w.item(child, indent);
            });
        }
    }

    /// A sequence item, after its `-`.
    fn item(&mut self, child: N, indent: usize) {
        match self.shape(child) {
            Shape::Scalar(s) => self.scalar_after(&s),
            Shape::Weight(i) => self.weight_after(i),
            Shape::Block(s) => self.scalar_after(&double_quoted(s, self.template())),
            Shape::Map(N::T(Tree::Map(e))) if self.mode == Mode::Compile => self.item_map(e, indent + 2),
            Shape::Map(m) => match self.entries(m).next() {
                None => self.line(" {}"),
                // A guarded first entry cannot share the `- ` line with its `{{ if }}`.
                Some((_, Some(_), _)) => {
                    self.out.push('\n');
                    self.map_body(m, indent + 2, false);
                }
                Some(_) => {
                    self.out.push(' ');
                    self.map_body(m, indent + 2, true);
                }
            },
            Shape::Seq(s) => self.below(s, " []", |w| w.seq_body(s, indent + 2)),
        }
    }

    /// A plan's mapping as a sequence item, compiled: in each state the first entry that
    /// holds continues the `- ` line and the others follow it; with none, `{}`.
    fn item_map(&mut self, entries: &[(String, Guard, Tree)], indent: usize) {
        let Some(((key, g, child), rest)) = entries.split_first() else { return self.line(" {}") };
        let first = |w: &mut Self| {
            w.out.push(' ');
            w.entry(key, N::T(child), indent, true);
            for (key, g, child) in rest {
                w.guarded(shown(g), |w| w.entry(key, N::T(child), indent, false));
            }
        };
        self.branch(g, first, |w| w.item_map(rest, indent));
    }

    /// A literal block scalar after `key:`; content lines at `indent`. A line of only spaces
    /// would be read back empty: found while writing, it turns the whole string into a
    /// double-quoted scalar instead (one pass over the lines either way).
    fn block(&mut self, s: &str, indent: usize) {
        let (body, chomp) = match s.strip_suffix('\n') {
            Some(b) if b.ends_with('\n') => (b, "+"),
            Some(b) => (b, ""),
            None => (s, "-"),
        };
        // A first content line that starts with a space or a tab would be taken for
        // indentation (go-yaml refuses the tab); an explicit indentation indicator says where
        // the content starts.
        let first = body.split('\n').find(|l| !l.is_empty()).unwrap_or("");
        let indicator = if first.starts_with([' ', '\t']) { "2" } else { "" };
        let start = self.out.len();
        self.out.push_str(" |");
        self.out.push_str(indicator);
        self.out.push_str(chomp);
        self.out.push('\n');
        self.out.reserve(body.len() + body.len() / 4);
        let mut rest = body;
        while !rest.is_empty() {
            let end = next_newline(rest.as_bytes()).map_or(rest.len(), |k| k + 1);
            let (line, after) = rest.split_at_checked(end).unwrap_or((rest, ""));
            rest = after;
            let text = line.strip_suffix('\n').unwrap_or(line);
            if blank(text) {
                self.out.truncate(start);
                self.out.push(' ');
                return self.line(&double_quoted(s, self.template()));
            }
            if !text.is_empty() {
                self.indent(indent);
            }
            self.out.push_str(line);
        }
        // The line break that ends the last content line (with `|+`, the last of the kept
        // empty lines): the body left it out.
        self.out.push('\n');
    }
}

#[cfg(test)]
mod tests;
