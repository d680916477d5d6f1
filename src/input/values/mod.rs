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
use std::rc::Rc;

pub use super::limits::Limits;

mod builder;
mod scalar;

use builder::Builder;

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
    Builder::new(limits, source).run(text).map_err(|mut p| {
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
