//! The last stage: objects → YAML text, written by us rather than by a serializer.
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

use crate::routing::{Guard, Tree, Weights};
use serde_json::Value;
use std::borrow::Cow;
use std::collections::BTreeMap;

/// A YAML stream: every document starts with `---`.
pub fn stream(docs: &[Value]) -> String {
    let mut w = Writer::new(4096, false, None);
    for doc in docs {
        w.out.push_str("---\n");
        w.top(N::V(doc));
    }
    w.out
}

/// One document, block style.
pub fn document(v: &Value) -> String {
    Writer::new(1024, false, None).finish(N::V(v))
}

/// The Go template source of a routing plan.
pub fn template(t: &Tree) -> String {
    Writer::new(4096, true, None).finish(N::T(t))
}

/// Writes one plan at many states (a routemap holds 2^N of them). The plan's fixed parts
/// (`Tree::Value`: metadata, hosts, destinations, headers) sit at the same place with the
/// same indentation in every state, so each is written once and its text reused; only
/// guards and weights are looked at again per state.
pub struct States<'p> {
    plan: &'p Tree,
    memo: Memo,
    /// The last state's length: the next is about as long.
    last_len: usize,
}

/// Text written after a fixed part's key (or its `-`), by the part's address, its
/// indentation and whether it is a sequence item.
type Memo = BTreeMap<(usize, usize, bool), String>;

impl<'p> States<'p> {
    pub fn new(plan: &'p Tree) -> Self {
        States { plan, memo: Memo::new(), last_len: 1024 }
    }

    /// The plan at one state's weights.
    pub fn document(&mut self, weights: &Weights) -> String {
        let mut w = Writer::new(self.last_len + self.last_len / 8, false, Some(weights));
        w.memo = std::mem::take(&mut self.memo);
        w.top(N::T(self.plan));
        self.memo = std::mem::take(&mut w.memo);
        self.last_len = w.out.len();
        w.out
    }
}

#[derive(Clone, Copy)]
enum N<'a> {
    V(&'a Value),
    T(&'a Tree),
}

/// How a node is written. Mappings and sequences keep their node: their entries are walked
/// where they are written, never collected (a state is written 2^N times per render).
enum Shape<'a> {
    Scalar(Cow<'a, str>),
    Weight(usize),
    /// A multi-line string whose characters a literal block carries (`block_chars_ok`).
    Block(&'a str),
    Map(N<'a>),
    Seq(N<'a>),
}

/// The entries of a mapping that are written: all of a value's; of a plan's, those whose
/// guard holds when a state is evaluated.
enum Entries<'a, 'w> {
    V(serde_json::map::Iter<'a>),
    T(std::slice::Iter<'a, (String, Guard, Tree)>, Option<&'w Weights>),
}

type Entry<'a> = (&'a str, Option<&'a Guard>, N<'a>);

impl<'a> Iterator for Entries<'a, '_> {
    type Item = Entry<'a>;
    fn next(&mut self) -> Option<Entry<'a>> {
        match self {
            Entries::V(it) => it.next().map(|(k, v)| (k.as_str(), None, N::V(v))),
            Entries::T(it, w) => it.find(|(_, g, _)| holds(*w, g)).map(|(k, g, t)| (k.as_str(), shown_guard(*w, g), N::T(t))),
        }
    }
}

/// The items of a sequence that are written, as `Entries` for mappings.
enum Items<'a, 'w> {
    V(std::slice::Iter<'a, Value>),
    T(std::slice::Iter<'a, (Guard, Tree)>, Option<&'w Weights>),
}

impl<'a> Iterator for Items<'a, '_> {
    type Item = (Option<&'a Guard>, N<'a>);
    fn next(&mut self) -> Option<Self::Item> {
        match self {
            Items::V(it) => it.next().map(|v| (None, N::V(v))),
            Items::T(it, w) => it.find(|(g, _)| holds(*w, g)).map(|(g, t)| (shown_guard(*w, g), N::T(t))),
        }
    }
}

/// Whether a guarded part is written at all: always in a template, else if it holds.
fn holds(w: Option<&Weights>, g: &Guard) -> bool {
    w.is_none_or(|w| g.eval(&w.raw))
}

/// The guard to write around a part: none when evaluating, or when it always holds.
fn shown_guard<'a>(w: Option<&Weights>, g: &'a Guard) -> Option<&'a Guard> {
    if w.is_some() || *g == Guard::Always { None } else { Some(g) }
}

struct Writer<'w> {
    out: String,
    template: bool,
    /// Evaluate guards (on the raw weights) and write the shown weights, instead of writing
    /// template syntax.
    weights: Option<&'w Weights>,
    /// Fixed parts already written, when writing states.
    memo: Memo,
}

impl<'w> Writer<'w> {
    fn new(capacity: usize, template: bool, weights: Option<&'w Weights>) -> Self {
        Writer { out: String::with_capacity(capacity), template, weights, memo: Memo::new() }
    }

    fn finish(mut self, n: N) -> String {
        self.top(n);
        self.out
    }

    /// The memo's key for a fixed part of a plan, when writing states.
    fn memo_key(&self, n: N, indent: usize, item: bool) -> Option<(usize, usize, bool)> {
        match n {
            N::T(Tree::Value(v)) if self.weights.is_some() => Some((std::ptr::from_ref(v).addr(), indent, item)),
            _ => None,
        }
    }

    /// Writes `n` with `write`, or copies what an earlier state wrote for it.
    fn memoized(&mut self, n: N, indent: usize, item: bool, write: fn(&mut Self, N, usize)) {
        let Some(key) = self.memo_key(n, indent, item) else { return write(self, n, indent) };
        if let Some(text) = self.memo.get(&key) {
            self.out.push_str(text);
            return;
        }
        let start = self.out.len();
        write(self, n, indent);
        self.memo.insert(key, self.out[start..].to_string());
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

    fn entries<'a>(&self, n: N<'a>) -> Entries<'a, 'w> {
        match n {
            N::V(Value::Object(m)) => Entries::V(m.iter()),
            N::T(Tree::Map(e)) => Entries::T(e.iter(), self.weights),
            // Not a mapping: no entries (shape() sends only mappings here).
            _ => Entries::T([].iter(), None),
        }
    }

    fn items<'a>(&self, n: N<'a>) -> Items<'a, 'w> {
        match n {
            N::V(Value::Array(a)) => Items::V(a.iter()),
            N::T(Tree::Seq(items)) => Items::T(items.iter(), self.weights),
            _ => Items::V([].iter()),
        }
    }

    fn string<'a>(&self, s: &'a str) -> Shape<'a> {
        if plain_ok(s) {
            Shape::Scalar(Cow::Borrowed(s))
        } else if block_chars_ok(s, self.template) {
            Shape::Block(s)
        } else {
            Shape::Scalar(Cow::Owned(double_quoted(s, self.template)))
        }
    }

    fn top(&mut self, n: N) {
        match self.shape(n) {
            Shape::Map(m) => match self.entries(m).next() {
                Some(_) => self.map_body(m, 0, false),
                None => self.out.push_str("{}\n"),
            },
            Shape::Seq(s) => match self.items(s).next() {
                Some(_) => self.seq_body(s, 0),
                None => self.out.push_str("[]\n"),
            },
            Shape::Scalar(s) => self.line(&s),
            Shape::Weight(i) => self.weight_line(i),
            Shape::Block(s) => self.line(&double_quoted(s, self.template)),
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

    /// A weight: the state's shown weight, or the template action that reads it.
    fn weight_line(&mut self, i: usize) {
        match self.weights {
            Some(w) => push_decimal(&mut self.out, w.shown.get(i).map_or(0, |&x| x as usize)),
            None => {
                self.out.push_str("{{ index .Weights ");
                push_decimal(&mut self.out, i);
                self.out.push_str(" }}");
            }
        }
        self.out.push('\n');
    }

    fn indent(&mut self, n: usize) {
        const SPACES: &str = "                                                                ";
        let mut n = n;
        while n > 0 {
            let k = n.min(SPACES.len());
            self.out.push_str(&SPACES[..k]);
            n -= k;
        }
    }

    fn open(&mut self, g: Option<&Guard>) {
        if let Some(g) = g {
            self.out.push_str("{{- if ");
            go_expr(&mut self.out, g);
            self.out.push_str(" }}\n");
        }
    }

    fn close(&mut self, g: Option<&Guard>) {
        if g.is_some() {
            self.out.push_str("{{- end }}\n");
        }
    }

    /// Entries of a mapping at `indent`; with `inline_first` the first entry continues a
    /// `- ` already written.
    fn map_body(&mut self, map: N, indent: usize, inline_first: bool) {
        for (i, (key, g, child)) in self.entries(map).enumerate() {
            self.open(g);
            if !(inline_first && i == 0) {
                self.indent(indent);
            }
            let text = key_text(key, self.template);
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
            self.after_key(child, indent);
            self.close(g);
        }
    }

    fn after_key(&mut self, child: N, indent: usize) {
        self.memoized(child, indent, false, Self::value);
    }

    /// A mapping's value, after its key.
    fn value(&mut self, child: N, indent: usize) {
        match self.shape(child) {
            Shape::Scalar(s) => self.scalar_after(&s),
            Shape::Weight(i) => self.weight_after(i),
            Shape::Block(s) => self.block(s, indent + 2),
            Shape::Map(m) if self.entries(m).next().is_none() => self.line(" {}"),
            Shape::Seq(s) if self.items(s).next().is_none() => self.line(" []"),
            Shape::Map(m) => {
                self.out.push('\n');
                self.map_body(m, indent + 2, false);
            }
            Shape::Seq(s) => {
                self.out.push('\n');
                self.seq_body(s, indent);
            }
        }
    }

    fn seq_body(&mut self, seq: N, indent: usize) {
        for (g, child) in self.items(seq) {
            self.open(g);
            self.indent(indent);
            self.out.push('-');
            self.memoized(child, indent, true, Self::item);
            self.close(g);
        }
    }

    /// A sequence item, after its `-`.
    fn item(&mut self, child: N, indent: usize) {
        match self.shape(child) {
            Shape::Scalar(s) => self.scalar_after(&s),
            Shape::Weight(i) => self.weight_after(i),
            Shape::Block(s) => self.scalar_after(&double_quoted(s, self.template)),
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
            Shape::Seq(s) if self.items(s).next().is_none() => self.line(" []"),
            Shape::Seq(s) => {
                self.out.push('\n');
                self.seq_body(s, indent + 2);
            }
        }
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
                return self.line(&double_quoted(s, self.template));
            }
            if !text.is_empty() {
                self.indent(indent);
            }
            self.out.push_str(line);
        }
        if !body.ends_with('\n') {
            self.out.push('\n');
        }
    }
}

/// A guard as a Go template pipeline (`and`, `or`, `not`, `gt` and `index` are builtins of
/// both `text/template` and `html/template`), written onto `out`.
fn go_expr(out: &mut String, g: &Guard) {
    let (word, parts) = match g {
        Guard::Always => return out.push_str("true"),
        Guard::Never => return out.push_str("false"),
        Guard::Ready(i) => {
            out.push_str("gt (index .Weights ");
            push_decimal(out, *i);
            return out.push_str(") 0");
        }
        Guard::Not(inner) => ("not", std::slice::from_ref(&**inner)),
        Guard::All(gs) => ("and", gs.as_slice()),
        Guard::Any(gs) => ("or", gs.as_slice()),
        Guard::Several(ix) => return go_expr(out, &Guard::pairs(ix)),
    };
    out.push_str(word);
    for part in parts {
        let bare = matches!(part, Guard::Always | Guard::Never);
        out.push_str(if bare { " " } else { " (" });
        go_expr(out, part);
        if !bare {
            out.push(')');
        }
    }
}

/// A number in decimal, without the formatting machinery (weights and state labels are
/// written thousands of times per render).
pub fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

const YAML11_WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null"];

/// Strings that every YAML 1.1 and 1.2 reader takes as the same string when unquoted.
/// Byte by byte: every key and scalar of every state passes through here.
pub fn plain_ok(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(&first) = b.first() else { return false };
    (first.is_ascii_alphabetic() || first == b'_' || first == b'/')
        && b.iter().all(|&c| PLAIN[usize::from(c)])
        && !(b.len() <= 5 && YAML11_WORDS.iter().any(|w| w.eq_ignore_ascii_case(s)))
}

/// `[A-Za-z0-9._/-]`, as a table.
const PLAIN: [bool; 256] = {
    let mut t = [false; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'/' | b'-');
        c += 1;
    }
    t
};

/// Multi-line text is clearer as a literal block, when the block can carry it exactly: no
/// control characters but tab and newline, no BOM or Unicode line separators, no line of
/// only spaces (it would be read back as empty), and in a template none of the characters
/// that must be escaped.
#[cfg(test)]
fn block_ok(s: &str, template: bool) -> bool {
    block_chars_ok(s, template) && !s.split('\n').any(blank)
}

const ONES: u64 = 0x0101_0101_0101_0101;

/// Where the first newline of `b` is, eight bytes at a time: the routemap's lines are short,
/// and `memchr` pays its set-up on each one.
fn next_newline(b: &[u8]) -> Option<usize> {
    let mut i = 0;
    while let Some(chunk) = b.get(i..).and_then(<[u8]>::first_chunk::<8>) {
        // A zero byte of `x` is a newline of the chunk; the lowest flagged byte is exact
        // (a borrow only runs upwards, from a true zero).
        let x = u64::from_le_bytes(*chunk) ^ (ONES * u64::from(b'\n'));
        let found = x.wrapping_sub(ONES) & !x & (ONES * 0x80);
        if found != 0 {
            return Some(i + (found.trailing_zeros() / 8) as usize);
        }
        i += 8;
    }
    b.get(i..)?.iter().position(|&c| c == b'\n').map(|k| i + k)
}

/// A line a literal block cannot carry: only spaces and tabs.
fn blank(line: &str) -> bool {
    !line.is_empty() && line.bytes().all(|c| c == b' ' || c == b'\t')
}

/// The characters of `block_ok`, and at least one content line (only newlines, `"\n"`, has
/// none, and a block without one reads back as ""). Printable ASCII, tabs and newlines are
/// told in one branch-free pass the compiler vectorizes (the routemap's strings are large);
/// other text is looked at byte by byte.
fn block_chars_ok(s: &str, template: bool) -> bool {
    let b = s.as_bytes();
    if !b.contains(&b'\n') || b.iter().all(|&c| c == b'\n') {
        return false;
    }
    let odd = |c: u8| (c < 0x20) & (c != b'\n') & (c != b'\t') | (c >= 0x7f);
    let syntax = |c: u8| (c == b'{') | (c == b'}') | (c == b'<') | (c == b'>') | (c == b'&');
    let plain_ascii = if template {
        !b.iter().fold(false, |acc, &c| acc | odd(c) | syntax(c))
    } else {
        !b.iter().fold(false, |acc, &c| acc | odd(c))
    };
    plain_ascii
        || b.iter().enumerate().all(|(i, &c)| match BLOCK[usize::from(c)] {
            Byte::Control => false,
            Byte::Syntax => !template,
            Byte::Lead => !special_at(&b[i..]),
            Byte::Text => true,
        })
}

#[derive(Clone, Copy)]
enum Byte {
    /// Printable, a tab or a newline: carried as it is.
    Text,
    /// Never in a block: C0 controls but tab and newline, and DEL.
    Control,
    /// `{ } < > &`: escaped in a template.
    Syntax,
    /// May start a character a block cannot carry (`special_at`).
    Lead,
}

const BLOCK: [Byte; 256] = {
    let mut t = [Byte::Text; 256];
    let mut c = 0;
    while c < 256 {
        t[c] = match c as u8 {
            b'\t' | b'\n' => Byte::Text,
            0..=0x1f | 0x7f => Byte::Control,
            b'{' | b'}' | b'<' | b'>' | b'&' => Byte::Syntax,
            0xC2 | 0xE2 | 0xEF => Byte::Lead,
            _ => Byte::Text,
        };
        c += 1;
    }
    t
};

/// Whether the UTF-8 sequence at the start of `b` is a C1 control, U+2028/U+2029, the BOM,
/// or U+FFFE/U+FFFF.
fn special_at(b: &[u8]) -> bool {
    let next = |k: usize| b.get(k).copied().unwrap_or(0);
    match next(0) {
        0xC2 => (0x80..=0x9F).contains(&next(1)),
        0xE2 => next(1) == 0x80 && matches!(next(2), 0xA8 | 0xA9),
        0xEF => (next(1) == 0xBB && next(2) == 0xBF) || (next(1) == 0xBF && matches!(next(2), 0xBE | 0xBF)),
        _ => false,
    }
}

/// Characters written as escapes although they are not control characters: the BOM and the
/// Unicode line breaks (YAML 1.2 and go-yaml fold or strip them), and U+FFFE/U+FFFF, which
/// go-yaml refuses raw ("control characters are not allowed").
fn special(c: char) -> bool {
    matches!(c, '\u{feff}' | '\u{2028}' | '\u{2029}' | '\u{85}' | '\u{fffe}' | '\u{ffff}')
}

/// The longest implicit key go-yaml and libyaml read is 1024 characters
/// (`simple_key.mark.index + 1024`); bytes are compared, which errs on the explicit side.
const IMPLICIT_KEY_MAX: usize = 1000;

fn key_text(k: &str, template: bool) -> Cow<'_, str> {
    if plain_ok(k) { Cow::Borrowed(k) } else { Cow::Owned(double_quoted(k, template)) }
}

/// A YAML double-quoted scalar; in template mode also hides template and HTML syntax.
pub fn double_quoted(s: &str, template: bool) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '{' | '}' | '<' | '>' | '&' if template => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if c.is_control() => out.push_str(&format!("\\x{:02X}", c as u32)),
            c if special(c) => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_what_yaml11_misreads() {
        for s in ["yes", "NO", "on", "y", "1_000", "0755", "<<", "~", "null", "1.10", "", " x", "a: b", "true"] {
            assert!(!plain_ok(s), "{s} must be quoted");
        }
        for s in ["httpbin-0", "app.kubernetes.io/version", "/v2/models/x/infer", "v1.10"] {
            assert!(plain_ok(s), "{s} may be plain");
        }
    }

    #[test]
    fn layout() {
        let v = json!({"a": [{"b": 1, "c": ["x"]}, "yes"], "d": {}, "e": "l1\nl2\n", "f": []});
        assert_eq!(document(&v), "a:\n- b: 1\n  c:\n  - x\n- \"yes\"\nd: {}\ne: |\n  l1\n  l2\nf: []\n");
    }

    #[test]
    fn literal_blocks_only_when_exact() {
        assert!(block_ok("a\nb\n", false));
        assert!(block_ok("a\n\nb", false));
        assert!(!block_ok("a\n  \nb", false), "a line of spaces would come back empty");
        assert!(block_ok("a  \nb  ", false), "trailing spaces after content are kept");
        assert!(!block_ok("a\n   ", false));
        assert!(!block_ok("a\u{85}\nb", false));
        assert!(!block_ok("a\u{2028}\nb", false));
        assert!(!block_ok("\u{feff}a\nb", false));
        assert!(!block_ok("a\x07\nb", false));
        assert!(block_ok("\ta\nb", false), "a leading tab gets an indentation indicator");
        assert!(!block_ok("\n", false), "only newlines: no content line to carry them");
        assert!(!block_ok("\n\n", false));
        assert!(!block_ok("a\u{fffe}\nb", false));
        assert!(!block_ok("{{ x }}\nb", true));
        assert!(block_ok("{{ x }}\nb", false));
        assert!(block_ok("naïve ☃\nb", false));
    }

    #[test]
    fn newlines_found_at_every_offset() {
        for len in 0..40 {
            for at in 0..len {
                let mut b = vec![b'x'; len];
                b[at] = b'\n';
                if at + 3 < len {
                    b[at + 3] = b'\n';
                }
                assert_eq!(next_newline(&b), Some(at), "len {len}, newline at {at}");
            }
            assert_eq!(next_newline(&vec![b' '; len]), None);
        }
        // Bytes next to 0x0A (0x0B, 0x8A) are not newlines.
        assert_eq!(next_newline(b"\x0b\x8a\x09\x0b\x8a\x09\x0b\x8a\x09\n"), Some(9));
    }

    #[test]
    fn a_blank_line_found_while_writing_makes_the_string_quoted() {
        let v = json!({"k": "a\nb\n  \nc\n", "l": "a\nb\n"});
        assert_eq!(document(&v), "k: \"a\\nb\\n  \\nc\\n\"\nl: |\n  a\n  b\n");
        let long = format!("{}\n   \n", "word ".repeat(40));
        assert!(document(&json!({"k": long})).starts_with("k: \"word"));
    }

    #[test]
    fn template_mode_escapes_syntax() {
        let t = Tree::Value(json!({"k": "{{ .X }}<script>&"}));
        assert_eq!(template(&t), "k: \"\\x7B\\x7B .X \\x7D\\x7D\\x3Cscript\\x3E\\x26\"\n");
    }

    #[test]
    fn every_string_has_a_form_go_yaml_reads() {
        let v = json!({"a": "\n\tx\ny", "b": "\n", "c": "x\u{fffe}\u{ffff}", "d": "\t\n"});
        assert_eq!(
            document(&v),
            "a: |2-\n\n  \tx\n  y\nb: \"\\n\"\nc: \"x\\uFFFE\\uFFFF\"\nd: \"\\t\\n\"\n"
        );
        let long = "k".repeat(1001);
        let v = json!({ long.clone(): {"x": 1}, "short": 2 });
        assert_eq!(document(&v), format!("? {long}\n:\n  x: 1\nshort: 2\n"));
        let v = json!([{ long.clone(): "v" }]);
        assert_eq!(document(&v), format!("- ? {long}\n  : v\n"));
    }
}
