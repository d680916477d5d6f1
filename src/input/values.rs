//! Stage 1: input text → a tree of values that remembers where each value came from.
//!
//! YAML is read from the parser's event stream here instead of deserialized, because
//! releasegen must (a) report the line and column of every problem, (b) reject duplicate
//! keys the way kubectl does, and (c) bound what hostile input can cost: size, nesting and
//! alias expansion are all limited here, before anything else sees the input.
//!
//! Plain scalars are resolved the way Helm reads values (go-yaml v2, YAML 1.1): `yes`, `on`
//! and `y` are booleans, `0755` is octal. That is what the same file means to `helm`, so a
//! label written `version: 1.10` is known to be a number here and can be refused with a hint
//! instead of silently becoming `1.1`.

use crate::problem::{Pos, Problem};
use indexmap::IndexMap;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::collections::HashMap;
use std::rc::Rc;

pub use super::limits::Limits;

#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    pub value: Val,
    /// Where a problem with this value is reported: for the value of a mapping entry, its
    /// key's line and column (the place a user searches for, and the same line even when
    /// the value is a block on the lines below); otherwise where the value starts.
    pub pos: Pos,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Null,
    Bool(bool),
    Int(i128),
    /// Kept as written (normalized to JSON syntax) so `1.10` is never rewritten as `1.1`.
    Float(String),
    Str(String),
    /// Collections are shared, not copied: an anchor, an alias and a merge all point at the
    /// one list the parser built, so their cost does not multiply with nesting.
    Seq(Rc<Vec<Node>>),
    Map(Rc<Vec<(String, Node)>>),
}

impl Node {
    /// Looks up a key of a mapping; `None` for other kinds of node.
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Val::Map(entries) => entries.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Val::Null)
    }

    /// A short description for messages: `"abc"`, `integer 12`, `a mapping`.
    pub fn describe(&self) -> String {
        match &self.value {
            Val::Null => "null".into(),
            Val::Bool(b) => format!("boolean {b}"),
            Val::Int(i) => format!("integer {i}"),
            Val::Float(f) => format!("number {f}"),
            Val::Str(s) => serde_json::to_string(s).unwrap_or_default(),
            Val::Seq(_) => "a list".into(),
            Val::Map(_) => "a mapping".into(),
        }
    }

    /// About how many bytes the value takes written out: its text, keys and one per value.
    pub fn text_size(&self) -> usize {
        1 + match &self.value {
            Val::Str(s) | Val::Float(s) => s.len(),
            Val::Null | Val::Bool(_) | Val::Int(_) => 8,
            Val::Seq(items) => items.iter().map(Node::text_size).sum(),
            Val::Map(entries) => entries.iter().map(|(k, v)| k.len() + v.text_size()).sum(),
        }
    }

    /// Converts to JSON for pass-through fields (`*Specification.spec`, `match`).
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value;
        match &self.value {
            Val::Null => Value::Null,
            Val::Bool(b) => Value::Bool(*b),
            Val::Int(i) => number(&i.to_string()),
            Val::Float(f) => number(f),
            Val::Str(s) => Value::String(s.clone()),
            Val::Seq(items) => Value::Array(items.iter().map(Node::to_json).collect()),
            Val::Map(entries) => {
                Value::Object(entries.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
        }
    }
}

/// A JSON number from text that is already valid JSON number syntax.
fn number(text: &str) -> serde_json::Value {
    serde_json::from_str::<serde_json::Number>(text)
        .map(serde_json::Value::Number)
        .unwrap_or(serde_json::Value::Null)
}

/// Parses one YAML document of release values.
pub fn parse(bytes: &[u8], limits: Limits) -> Result<Node, Problem> {
    one_document(parse_stream(bytes, limits)?)?
        .ok_or_else(|| Problem::input("no release values: the input is empty".into()))
}

/// The document of a one-document stream; `None` for an empty stream.
fn one_document(docs: Vec<Node>) -> Result<Option<Node>, Problem> {
    let mut docs = docs.into_iter();
    match (docs.next(), docs.next()) {
        (_, Some(second)) => Err(Problem::at("", Some(second.pos), "the input holds several YAML documents; give one document of release values")),
        (doc, None) => Ok(doc),
    }
}

/// Parses a YAML stream (JSON is YAML too); empty documents are dropped.
pub fn parse_stream(bytes: &[u8], limits: Limits) -> Result<Vec<Node>, Problem> {
    parse_stream_of(bytes, limits, 0)
}

/// Parses one document of the values source numbered `source` (positions say so); an empty
/// source is an empty mapping, as an empty values file is to Helm.
pub fn parse_source(bytes: &[u8], limits: Limits, source: usize) -> Result<Node, Problem> {
    let empty = || Node { value: Val::Map(Rc::default()), pos: Pos { line: 1, col: 1, source } };
    Ok(one_document(parse_stream_of(bytes, limits, source)?)?.unwrap_or_else(empty))
}

fn parse_stream_of(bytes: &[u8], limits: Limits, source: usize) -> Result<Vec<Node>, Problem> {
    parse_stream_noting(bytes, limits, source).map(|(docs, _)| docs)
}

/// `parse`, with the warnings found on the way (keys written bare that Helm reads as booleans).
pub fn parse_noting(bytes: &[u8], limits: Limits) -> Result<(Node, Vec<Problem>), Problem> {
    let (docs, notes) = parse_stream_noting(bytes, limits, 0)?;
    let node = one_document(docs)?.ok_or_else(|| Problem::input("no release values: the input is empty".into()))?;
    Ok((node, notes))
}

/// Parses one document of the values source numbered `source`, as `parse_source`, with the
/// warnings found on the way (keys written bare that Helm reads as booleans).
pub fn parse_source_noting(bytes: &[u8], limits: Limits, source: usize) -> Result<(Node, Vec<Problem>), Problem> {
    let empty = || Node { value: Val::Map(Rc::default()), pos: Pos { line: 1, col: 1, source } };
    let (docs, notes) = parse_stream_noting(bytes, limits, source)?;
    Ok((one_document(docs)?.unwrap_or_else(empty), notes))
}

fn parse_stream_noting(bytes: &[u8], limits: Limits, source: usize) -> Result<(Vec<Node>, Vec<Problem>), Problem> {
    if bytes.len() > limits.max_bytes {
        // Read only up to one byte past the limit: the true size is not known.
        return Err(Problem::input(format!("input is more than the limit of {} bytes (--max-input-bytes raises it)", limits.max_bytes)));
    }
    let text = decode(bytes)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Builder { source, ..Builder::new(limits) }.run(text).map_err(|mut p| {
        if let Some(pos) = p.pos.as_mut() {
            pos.source = source;
        }
        p
    })
}

/// Input must be UTF-8 without NUL bytes; say exactly where it is not.
fn decode(bytes: &[u8]) -> Result<&str, Problem> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Problem::at("", Some(position(&bytes[..e.valid_up_to()])), "input is not valid UTF-8"))?;
    // YAML cannot carry a NUL; some scanners would take it for the end of the input.
    if let Some(i) = bytes.iter().position(|&b| b == 0) {
        return Err(Problem::at("", Some(position(&bytes[..i])), "input contains a NUL byte, which YAML text cannot hold"));
    }
    Ok(text)
}

/// The line and column just after `before`.
fn position(before: &[u8]) -> Pos {
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let col = String::from_utf8_lossy(&before[start..]).chars().count() + 1;
    Pos { line, col, source: 0 }
}

enum Frame {
    Seq { items: Vec<Node>, pos: Pos, anchor: usize },
    Map {
        /// In the order written, hashed so merges and duplicate checks stay linear.
        entries: IndexMap<String, Slot>,
        key: Option<Key>,
        pos: Pos,
        anchor: usize,
    },
}

struct Slot {
    node: Node,
    /// Written in this mapping (a second one is a duplicate), not brought in by a merge.
    written: bool,
}

/// The key whose value comes next.
enum Key {
    Name(String, Pos),
    /// A plain `<<`: YAML's merge key. A quoted `"<<"` is an ordinary key, as go-yaml and
    /// PyYAML read it.
    Merge(Pos),
}

struct Builder {
    limits: Limits,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Node>,
    alias_nodes: usize,
    values: usize,
    /// Which values source this is, for positions (`Pos::source`).
    source: usize,
    docs: Vec<Node>,
    /// Warnings found while reading: keys written bare that YAML 1.1 reads as booleans.
    notes: Vec<Problem>,
}

impl Builder {
    fn new(limits: Limits) -> Self {
        Builder { limits, stack: Vec::new(), anchors: HashMap::new(), alias_nodes: 0, values: 0, source: 0, docs: Vec::new(), notes: Vec::new() }
    }

    fn run(mut self, text: &str) -> Result<(Vec<Node>, Vec<Problem>), Problem> {
        for item in Parser::new_from_str(text) {
            let (event, span) = item.map_err(|e| scan_error(e, self.limits))?;
            self.event(event, span)?;
        }
        Ok((self.docs.into_iter().filter(|d| !d.is_null()).collect(), self.notes))
    }

    /// A key written bare that YAML 1.1 reads as a boolean: Helm's reader (go-yaml v2) turns
    /// `on:` into the key `true`, releasegen keeps the text, so the same file would mean two
    /// things. Said once per key, with its path, so it can be quoted.
    fn note_bare_bool_key(&mut self, text: &str, pos: Pos) {
        let Ok(Val::Bool(b)) = resolve_plain(text, pos) else { return };
        // `true:` and `false:` are the same key to both.
        if text == b.to_string() {
            return;
        }
        let path = self.path_to(text);
        let msg = format!(
            "the key {text} is written bare: Helm's YAML reader (YAML 1.1, as kubectl's) reads it as the key `{b}`, releasegen as the text {text:?}; quote it ({text:?}:) so the file means the same to both"
        );
        self.notes.push(Problem::at(&path, Some(pos), &msg));
    }

    /// The dotted path of `key` in the mapping being read (`application.routing.retries.on`).
    fn path_to(&self, key: &str) -> String {
        let mut path = String::new();
        let last = self.stack.len().saturating_sub(1);
        for (i, frame) in self.stack.iter().enumerate() {
            let part = match frame {
                Frame::Seq { items, .. } => {
                    path.push_str(&format!("[{}]", items.len()));
                    continue;
                }
                Frame::Map { .. } if i == last => key.to_string(),
                Frame::Map { key: Some(Key::Name(k, _)), .. } => k.clone(),
                Frame::Map { .. } => "<<".to_string(),
            };
            if !path.is_empty() {
                path.push('.');
            }
            path.push_str(&part);
        }
        path
    }

    fn event(&mut self, event: Event, span: Span) -> Result<(), Problem> {
        let pos = Pos { line: span.start.line(), col: span.start.col() + 1, source: self.source };
        if matches!(event, Event::Scalar(..) | Event::SequenceStart(..) | Event::MappingStart(..)) {
            self.values += 1;
            if self.values > self.limits.max_values {
                let msg = format!(
                    "the input holds more than {} values (the value limit; --max-input-bytes raises it)",
                    self.limits.max_values
                );
                return Err(Problem::at("", Some(pos), &msg));
            }
        }
        match event {
            Event::Scalar(text, style, anchor, tag) => {
                let is_str_tag = tag.as_ref().is_some_and(|t| t.suffix == "str");
                let plain = style == ScalarStyle::Plain && !is_str_tag;
                if self.expects_key() {
                    // Keys stay as written: `y:` is the key "y", not "true".
                    if plain {
                        self.note_bare_bool_key(&text, pos);
                    }
                    let merge = plain && text == "<<";
                    let node = Node { value: Val::Str(text.into_owned()), pos };
                    self.remember(anchor, &node);
                    return self.key(node, merge);
                }
                let value = if plain { resolve_plain(&text, pos)? } else { Val::Str(text.into_owned()) };
                self.finish(Node { value, pos }, anchor)
            }
            Event::SequenceStart(anchor, _) => self.open(Frame::Seq { items: Vec::new(), pos, anchor }, pos),
            Event::MappingStart(anchor, _) => {
                self.open(Frame::Map { entries: IndexMap::new(), key: None, pos, anchor }, pos)
            }
            Event::SequenceEnd | Event::MappingEnd => self.close(),
            Event::Alias(id) => self.alias(id, pos),
            _ => Ok(()),
        }
    }

    fn expects_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Map { key: None, .. }))
    }

    fn open(&mut self, frame: Frame, pos: Pos) -> Result<(), Problem> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(nesting_error(self.limits, pos));
        }
        if self.expects_key() {
            return Err(Problem::at("", Some(pos), "a mapping key must be a plain string, not a list or mapping"));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn close(&mut self) -> Result<(), Problem> {
        let (node, anchor) = match self.stack.pop() {
            Some(Frame::Seq { items, pos, anchor }) => (Node { value: Val::Seq(Rc::new(items)), pos }, anchor),
            Some(Frame::Map { entries, pos, anchor, .. }) => {
                let entries = entries.into_iter().map(|(k, slot)| (k, slot.node)).collect();
                (Node { value: Val::Map(Rc::new(entries)), pos }, anchor)
            }
            None => return Ok(()),
        };
        self.finish(node, anchor)
    }

    fn alias(&mut self, id: usize, pos: Pos) -> Result<(), Problem> {
        let Some(node) = self.anchors.get(&id) else {
            return Err(Problem::at("", Some(pos), "alias to an unknown anchor"));
        };
        // Sharing makes the alias itself cheap, but what reads the values walks every copy;
        // the count stops at the limit, so counting costs no more than the limit allows.
        let room = self.limits.max_alias_nodes - self.alias_nodes;
        match count_nodes_upto(node, room) {
            Some(n) => self.alias_nodes += n,
            None => {
                let msg = format!(
                    "aliases expand to more than {} values (the alias expansion limit)",
                    self.limits.max_alias_nodes
                );
                return Err(Problem::at("", Some(pos), &msg));
            }
        }
        let node = node.clone();
        if self.expects_key() {
            return self.key(node, false);
        }
        self.finish(node, 0)
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor != 0 {
            self.anchors.insert(anchor, node.clone());
        }
    }

    /// Takes a mapping key; a key written twice is refused, as kubectl refuses it.
    fn key(&mut self, node: Node, merge: bool) -> Result<(), Problem> {
        let Some(Frame::Map { entries, key, .. }) = self.stack.last_mut() else { return Ok(()) };
        if merge {
            *key = Some(Key::Merge(node.pos));
            return Ok(());
        }
        let text = match node.value {
            Val::Str(s) => s,
            Val::Null => String::new(),
            Val::Bool(b) => b.to_string(),
            Val::Int(i) => i.to_string(),
            Val::Float(f) => f,
            // `open` refuses collections in key position; only an alias could bring one, and
            // it has no text.
            Val::Seq(_) | Val::Map(_) => String::new(),
        };
        if entries.get(&text).is_some_and(|slot| slot.written) {
            let msg = format!("duplicate key {} (kubectl rejects duplicate keys too)", quoted(&text));
            return Err(Problem::at("", Some(node.pos), &msg));
        }
        *key = Some(Key::Name(text, node.pos));
        Ok(())
    }

    /// Places a completed value into its parent (or the document list).
    fn finish(&mut self, node: Node, anchor: usize) -> Result<(), Problem> {
        self.remember(anchor, &node);
        match self.stack.last_mut() {
            None => self.docs.push(node),
            Some(Frame::Seq { items, .. }) => items.push(node),
            Some(Frame::Map { entries, key, .. }) => match key.take() {
                Some(Key::Merge(pos)) => merge_into(entries, Node { pos, ..node })?,
                // A local key replaces the one a merge brought in.
                Some(Key::Name(k, pos)) => {
                    let node = Node { pos, ..node };
                    // An existing key keeps its place in the order.
                    entries.insert(k, Slot { node, written: true });
                }
                // Keys go through `Builder::key` and `open` refuses collection keys, so a value
                // always has its key; refuse rather than guess should that ever change.
                None => return Err(Problem::at("", Some(node.pos), "a mapping key must be a plain string")),
            },
        }
        Ok(())
    }
}

/// YAML merge keys (`<<: *defaults`), as Helm's YAML reader supports them: keys already
/// present win over merged ones.
fn merge_into(entries: &mut IndexMap<String, Slot>, node: Node) -> Result<(), Problem> {
    let refuse = |pos| Err(Problem::at("", Some(pos), "a merge key (<<) needs a mapping or a list of mappings"));
    let sources: Vec<Node> = match &node.value {
        Val::Map(_) => vec![node],
        Val::Seq(items) => items.to_vec(),
        _ => return refuse(node.pos),
    };
    for source in sources {
        let Val::Map(more) = &source.value else { return refuse(source.pos) };
        for (k, v) in more.iter() {
            if !entries.contains_key(k) {
                entries.insert(k.clone(), Slot { node: v.clone(), written: false });
            }
        }
    }
    Ok(())
}

/// The number of values in `node`, or `None` when it is more than `limit`; stops counting
/// there.
fn count_nodes_upto(node: &Node, limit: usize) -> Option<usize> {
    let mut count = 0;
    let mut todo = vec![node];
    while let Some(n) = todo.pop() {
        count += 1;
        // Every value waiting in `todo` counts at least one, so a large list is refused
        // before it is queued.
        let more = match &n.value {
            Val::Seq(items) => items.len(),
            Val::Map(entries) => entries.len(),
            _ => 0,
        };
        if count + todo.len() + more > limit {
            return None;
        }
        match &n.value {
            Val::Seq(items) => todo.extend(items.iter()),
            Val::Map(entries) => todo.extend(entries.iter().map(|(_, v)| v)),
            _ => {}
        }
    }
    Some(count)
}

fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

fn scan_error(e: ScanError, limits: Limits) -> Problem {
    let m = e.marker();
    let pos = Pos { line: m.line(), col: m.col() + 1, source: 0 };
    // The scanner has its own depth guard for flow collections; it is the same limit to a user.
    if e.info().contains("recursion limit") {
        return nesting_error(limits, pos);
    }
    Problem::at("", Some(pos), &format!("not valid YAML: {}", e.info()))
}

fn nesting_error(limits: Limits, pos: Pos) -> Problem {
    let msg = format!("values are nested more than {} levels deep (the nesting limit)", limits.max_depth);
    Problem::at("", Some(pos), &msg)
}

/// Resolves a plain scalar as go-yaml v2 (Helm's and kubectl's YAML 1.1 reader) does.
fn resolve_plain(text: &str, pos: Pos) -> Result<Val, Problem> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Ok(Val::Null),
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Ok(Val::Bool(true));
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Ok(Val::Bool(false));
        }
        _ => {}
    }
    // A number starts with a digit, a sign or a point (`.5`, `.inf`): anything else is a
    // string, told without the number parsers' copies.
    if !text.starts_with(|c: char| c.is_ascii_digit() || matches!(c, '-' | '+' | '.')) {
        return Ok(Val::Str(text.to_string()));
    }
    if let Some(i) = resolve_int(text) {
        return i.map(Val::Int).ok_or_else(|| {
            Problem::at("", Some(pos), &format!("the integer {text} is too large"))
        });
    }
    if let Some(f) = resolve_float(text) {
        return f.map(Val::Float).ok_or_else(|| {
            Problem::at("", Some(pos), &format!("{text} (infinity or not-a-number) has no JSON form"))
        });
    }
    Ok(Val::Str(text.to_string()))
}

/// `Some(None)` means "an integer, but too large".
fn resolve_int(text: &str) -> Option<Option<i128>> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let (radix, digits) = if let Some(d) = body.strip_prefix("0x") {
        (16, d)
    } else if let Some(d) = body.strip_prefix("0b") {
        (2, d)
    } else if let Some(d) = body.strip_prefix("0o") {
        (8, d)
    } else if body.len() > 1 && body.starts_with('0') {
        (8, &body[1..])
    } else {
        (10, body)
    };
    let clean: String = digits.chars().filter(|&c| c != '_').collect();
    if clean.is_empty() || !clean.chars().all(|c| c.is_digit(radix)) || digits.starts_with('_') {
        return None;
    }
    let magnitude = i128::from_str_radix(&clean, radix).ok();
    Some(magnitude.map(|m| if negative { -m } else { m }))
}

/// `Some(None)` means ".inf" or ".nan", which JSON cannot carry.
fn resolve_float(text: &str) -> Option<Option<String>> {
    let lower = text.to_ascii_lowercase();
    let unsigned = lower.trim_start_matches(['-', '+']);
    if unsigned == ".inf" || unsigned == ".nan" {
        return Some(None);
    }
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match body.find(['e', 'E']) {
        Some(i) => (&body[..i], Some(&body[i + 1..])),
        None => (body, None),
    };
    let (int_part, frac) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], Some(&mantissa[i + 1..])),
        None => (mantissa, None),
    };
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit() || c == '_');
    let int_ok = digits(int_part) && !int_part.starts_with('_');
    let frac_ok = frac.is_none_or(digits);
    let exp_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['-', '+']).unwrap_or(e);
        !e.is_empty() && e.chars().all(|c| c.is_ascii_digit())
    });
    let has_digits = int_part.chars().any(|c| c.is_ascii_digit())
        || frac.is_some_and(|f| f.chars().any(|c| c.is_ascii_digit()));
    if !(int_ok && frac_ok && exp_ok && has_digits && (frac.is_some() || exponent.is_some())) {
        return None;
    }
    let value: f64 = text.replace('_', "").parse().ok()?;
    Some(Some(json_float(text, value)))
}

/// The written form when it is already JSON (keeps `1.10`), else a canonical one.
fn json_float(text: &str, value: f64) -> String {
    let t = text.replace('_', "");
    let t = t.strip_prefix('+').unwrap_or(&t);
    if serde_json::from_str::<serde_json::Number>(t).is_ok() {
        t.to_string()
    } else {
        serde_json::Number::from_f64(value).map_or_else(|| "0".into(), |n| n.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str) -> Val {
        parse(text.as_bytes(), Limits::default()).unwrap().value
    }

    #[test]
    fn resolves_like_helm() {
        assert_eq!(one("yes"), Val::Bool(true));
        assert_eq!(one("0755"), Val::Int(493));
        assert_eq!(one("1_000"), Val::Int(1000));
        assert_eq!(one("1.10"), Val::Float("1.10".into()));
        assert_eq!(one("'yes'"), Val::Str("yes".into()));
        assert_eq!(one("v1.10"), Val::Str("v1.10".into()));
        assert_eq!(one(".5"), Val::Float("0.5".into()));
    }

    #[test]
    fn refuses_duplicates_and_bombs() {
        let dup = parse(b"a: 1\na: 2\n", Limits::default()).unwrap_err();
        assert!(dup.to_string().contains("duplicate key \"a\""), "{dup}");
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]\n";
        let err = parse(bomb.as_bytes(), Limits::default()).unwrap_err();
        assert!(err.to_string().contains("alias expansion limit"), "{err}");
    }

    #[test]
    fn merge_keys_keep_local_values() {
        let v = parse(b"base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", Limits::default()).unwrap();
        let m = v.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().value, Val::Int(1));
        assert_eq!(m.get("y").unwrap().value, Val::Int(3));
    }

    #[test]
    fn only_a_plain_merge_key_merges() {
        for text in ["m: {\"<<\": {x: 1}}\n", "m:\n  '<<': {x: 1}\n", "m: {!!str <<: {x: 1}}\n"] {
            let v = parse(text.as_bytes(), Limits::default()).unwrap();
            let m = v.get("m").unwrap();
            assert!(m.get("<<").is_some() && m.get("x").is_none(), "{text}: {m:?}");
        }
        let v = parse(b"m: {<<: {x: 1}}\n", Limits::default()).unwrap();
        assert!(v.get("m").unwrap().get("x").is_some());
    }

    #[test]
    fn merged_keys_can_be_replaced_once() {
        let v = parse(b"m: {<<: {x: 1, y: 2}, x: 3, z: 4}\n", Limits::default()).unwrap();
        let m = v.get("m").unwrap();
        assert_eq!(m.get("x").unwrap().value, Val::Int(3));
        let Val::Map(entries) = &m.value else { panic!() };
        let keys: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["x", "y", "z"]);
        let dup = parse(b"m: {<<: {x: 1}, x: 3, x: 4}\n", Limits::default()).unwrap_err();
        assert!(dup.to_string().contains("duplicate key \"x\""), "{dup}");
    }

    #[test]
    fn anchors_are_shared_not_copied() {
        // Nested anchors around one list, then an alias to the outermost: one list in memory.
        let mut text = String::from("a: ");
        for i in 0..50 {
            text.push_str(&format!("&a{i} ["));
        }
        text.push_str("1, 2, 3");
        text.push_str(&"]".repeat(50));
        text.push_str("\nb: *a0\n");
        let v = parse(text.as_bytes(), Limits::default()).unwrap();
        let (Val::Seq(a), Val::Seq(b)) = (&v.get("a").unwrap().value, &v.get("b").unwrap().value) else { panic!() };
        assert!(Rc::ptr_eq(a, b), "the alias shares the anchored list");
    }

    #[test]
    fn alias_counting_stops_at_the_limit() {
        let limits = Limits { max_alias_nodes: 5, ..Limits::default() };
        assert!(parse(b"a: &a [1, 2, 3]\nb: *a\n", limits).is_ok());
        let err = parse(b"a: &a [1, 2, 3, 4, 5, 6]\nb: *a\n", limits).unwrap_err();
        assert!(err.to_string().contains("alias expansion limit"), "{err}");
    }
}
