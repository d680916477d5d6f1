//! Stage 1, several inputs: values from `-f` files and `--set` expressions, combined into one
//! tree as Helm combines them (`helm template NAME CHART -f a.yaml -f b.yaml --set x=y`):
//!
//! - files are deep-merged in order: mappings key by key, lists and scalars replaced by the
//!   later file, and a `null` in a later file deletes the key;
//! - then every `--set`, then every `--set-string` (Helm's order, whatever the order on the
//!   command line), parsed with Helm's `strvals` rules into the merged tree: `a.b=c`,
//!   `list[0].x=y`, `{a,b}` lists, commas between assignments, `\` escapes; `--set` types
//!   `true`/`false`/`null` and integers without a leading zero, `--set-string` keeps text.
//!   A `null` from `--set` deletes the key, as Helm's coalescing does.
//!
//! Every value keeps where it came from (`Pos::source`), so a problem found later still
//! names the file, line and column, or the `--set` expression.

use crate::problem::{Pos, Problem};
use crate::input::values::{self, Limits, Node, Val};
use indexmap::IndexMap;
use std::rc::Rc;

/// One source of values, in the order given.
pub enum Source {
    /// A values file's text (`label` names it in messages).
    File { label: String, bytes: Vec<u8> },
    /// A `--set` expression.
    Set(String),
    /// A `--set-string` expression.
    SetString(String),
}

impl Source {
    /// How messages name the source.
    pub fn label(&self) -> String {
        match self {
            Source::File { label, .. } => label.clone(),
            Source::Set(e) => format!("--set {e}"),
            Source::SetString(e) => format!("--set-string {e}"),
        }
    }
}

/// How the values read from stdin are labelled.
pub const STDIN: &str = "<stdin>";

/// Nothing but whitespace, comments, document markers and a byte-order mark.
fn is_blank(bytes: &[u8]) -> bool {
    let text = String::from_utf8_lossy(bytes);
    text.trim_start_matches('\u{feff}').lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}

/// The values of all sources as one tree. One file alone is returned as parsed.
pub fn combine(sources: &[Source], limits: Limits) -> Result<(Node, Vec<Problem>), Problem> {
    let total: usize = sources.iter().map(|s| match s { Source::File { bytes, .. } => bytes.len(), Source::Set(e) | Source::SetString(e) => e.len() }).sum();
    if total > limits.max_bytes {
        // A file is read only up to one byte past the limit, so its size is not known here:
        // no count is given that could be read as the file's.
        return Err(Problem::input(format!(
            "the values sources hold more than the limit of {} bytes (--max-input-bytes raises it)",
            limits.max_bytes
        )));
    }
    if let [Source::File { bytes, .. }] = sources {
        return values::parse_noting(bytes, limits);
    }
    let mut notes = Vec::new();
    let mut merged: IndexMap<String, MergeTree> = IndexMap::new();
    // Files first, in order; then --set, then --set-string, as Helm applies them.
    let order = sources.iter().enumerate().filter(|(_, s)| matches!(s, Source::File { .. }))
        .chain(sources.iter().enumerate().filter(|(_, s)| matches!(s, Source::Set(_))))
        .chain(sources.iter().enumerate().filter(|(_, s)| matches!(s, Source::SetString(_))));
    for (i, source) in order {
        match source {
            // An empty pipe is what a failed command upstream leaves (`cat missing.yaml |`):
            // refused even beside other sources, never read as "no values".
            Source::File { label, bytes } if label == STDIN && is_blank(bytes) => {
                return Err(Problem::input("no release values on <stdin>: the input is empty".into()));
            }
            Source::File { bytes, .. } => {
                let (node, more) = values::parse_source_noting(bytes, limits, i)?;
                notes.extend(more);
                let MergeTree::Map(from, _) = MergeTree::from(&node) else {
                    return Err(Problem::at("", Some(node.pos), &format!("values must be a mapping, found {}", node.describe())));
                };
                merge(&mut merged, from);
            }
            Source::Set(e) | Source::SetString(e) => {
                let mut p = Parser { chars: e.chars().collect(), at: 0, strings: matches!(source, Source::SetString(_)), source: i };
                p.parse(&mut merged).map_err(|msg| {
                    Problem::at("", Some(Pos { line: 1, col: p.at + 1, source: i }), &format!("{}: {msg}", source.label()))
                })?;
                drop_nulls(&mut merged);
            }
        }
    }
    Ok((MergeTree::Map(merged, Pos { line: 1, col: 1, source: 0 }).into_node(), notes))
}

/// A mutable values tree for merging (not the routing plan's `MergeTree`); converted from and back
/// to `Node` once.
#[derive(Clone, Debug)]
enum MergeTree {
    Leaf(Node),
    Map(IndexMap<String, MergeTree>, Pos),
    Seq(Vec<MergeTree>, Pos),
}

impl From<&Node> for MergeTree {
    fn from(n: &Node) -> MergeTree {
        match &n.value {
            Val::Map(entries) => MergeTree::Map(entries.iter().map(|(k, v)| (k.clone(), MergeTree::from(v))).collect(), n.pos),
            Val::Seq(items) => MergeTree::Seq(items.iter().map(MergeTree::from).collect(), n.pos),
            _ => MergeTree::Leaf(n.clone()),
        }
    }
}

impl MergeTree {
    fn into_node(self) -> Node {
        match self {
            MergeTree::Leaf(n) => n,
            MergeTree::Map(m, pos) => Node { value: Val::Map(Rc::new(m.into_iter().map(|(k, v)| (k, v.into_node())).collect())), pos },
            MergeTree::Seq(items, pos) => Node { value: Val::Seq(Rc::new(items.into_iter().map(MergeTree::into_node).collect())), pos },
        }
    }

    fn is_null(&self) -> bool {
        matches!(self, MergeTree::Leaf(n) if n.is_null())
    }

    fn leaf(value: Val, pos: Pos) -> MergeTree {
        MergeTree::Leaf(Node { value, pos })
    }
}

/// Helm's merge of a later values file into the earlier ones.
fn merge(into: &mut IndexMap<String, MergeTree>, from: IndexMap<String, MergeTree>) {
    for (k, v) in from {
        match (into.get_mut(&k), v) {
            (Some(MergeTree::Map(existing, _)), MergeTree::Map(v, _)) => merge(existing, v),
            (_, v) if v.is_null() => {
                into.shift_remove(&k);
            }
            (_, v) => {
                into.insert(k, v);
            }
        }
    }
}

/// `--set a=null` deletes `a` (Helm's coalescing drops null values).
fn drop_nulls(m: &mut IndexMap<String, MergeTree>) {
    m.retain(|_, v| !v.is_null());
    for v in m.values_mut() {
        if let MergeTree::Map(inner, _) = v {
            drop_nulls(inner);
        }
    }
}

const MAX_INDEX: i64 = 65536;
const MAX_NESTED_NAME_LEVEL: usize = 30;

/// Why parsing stopped: the end of the expression, or an error.
enum Stop {
    End,
    Fail(String),
}

impl From<String> for Stop {
    fn from(s: String) -> Stop {
        Stop::Fail(s)
    }
}

enum ListRead {
    List(Vec<MergeTree>),
    NotList,
    End,
}

/// Helm's `strvals` parser (pkg/strvals/parser.go), reading into an existing tree.
struct Parser {
    chars: Vec<char>,
    at: usize,
    strings: bool,
    source: usize,
}

impl Parser {
    fn parse(&mut self, data: &mut IndexMap<String, MergeTree>) -> Result<(), String> {
        loop {
            match self.key(data, 0) {
                Ok(()) => {}
                Err(Stop::End) => return Ok(()),
                Err(Stop::Fail(msg)) => return Err(msg),
            }
        }
    }

    fn next(&mut self) -> Option<char> {
        let c = self.chars.get(self.at).copied();
        if c.is_some() {
            self.at += 1;
        }
        c
    }

    fn pos(&self) -> Pos {
        Pos { line: 1, col: self.at + 1, source: self.source }
    }

    /// Text up to one of `stop` (consumed and returned), or to the end (`None`); `\` takes
    /// the next character as it is.
    fn until(&mut self, stop: &[char]) -> (String, Option<char>) {
        let mut v = String::new();
        loop {
            match self.next() {
                None => return (v, None),
                Some(c) if stop.contains(&c) => return (v, Some(c)),
                Some('\\') => match self.next() {
                    None => return (v, None),
                    Some(n) => v.push(n),
                },
                Some(c) => v.push(c),
            }
        }
    }

    fn key(&mut self, data: &mut IndexMap<String, MergeTree>, level: usize) -> Result<(), Stop> {
        let pos = self.pos();
        let (k, last) = self.until(&['=', '[', ',', '.']);
        match last {
            None if k.is_empty() => Err(Stop::End),
            None => Err(format!("key {} has no value", go_quote(&k)).into()),
            Some('[') => {
                let i = self.index()?;
                let mut list = match data.get(&k) {
                    None => Vec::new(),
                    Some(MergeTree::Seq(l, _)) => l.clone(),
                    Some(_) => return Err(format!("{} is not a list", go_quote(&k)).into()),
                };
                let result = self.list_item(&mut list, i, level);
                set(data, k, MergeTree::Seq(list, pos));
                result
            }
            Some('=') => match self.list()? {
                ListRead::List(items) => {
                    set(data, k, MergeTree::Seq(items, pos));
                    Ok(())
                }
                ListRead::End => {
                    set(data, k, MergeTree::leaf(Val::Str(String::new()), pos));
                    Err(Stop::End)
                }
                ListRead::NotList => {
                    let v = self.value();
                    set(data, k, v);
                    Ok(())
                }
            },
            Some(',') => {
                set(data, k.clone(), MergeTree::leaf(Val::Str(String::new()), pos));
                Err(format!("key {} has no value (cannot end with ,)", go_quote(&k)).into())
            }
            _ => {
                let level = level + 1;
                if level > MAX_NESTED_NAME_LEVEL {
                    return Err(format!("value name nested level is greater than maximum supported nested level of {MAX_NESTED_NAME_LEVEL}").into());
                }
                if let Some(existing) = data.get_mut(&k) {
                    let MergeTree::Map(inner, _) = existing else {
                        return Err(format!("{} is not a mapping", go_quote(&k)).into());
                    };
                    let result = self.key(inner, level);
                    return match result {
                        Ok(()) if inner.is_empty() => Err(format!("key map {} has no value", go_quote(&k)).into()),
                        other => other,
                    };
                }
                let mut inner = IndexMap::new();
                let result = self.key(&mut inner, level);
                let empty = inner.is_empty();
                if !empty {
                    set(data, k.clone(), MergeTree::Map(inner, pos));
                }
                match result {
                    Ok(()) if empty => Err(format!("key map {} has no value", go_quote(&k)).into()),
                    other => other,
                }
            }
        }
    }

    /// The index between `[` and `]`, as Go's `strconv.Atoi` reads it.
    fn index(&mut self) -> Result<i64, Stop> {
        let (v, last) = self.until(&[']']);
        if last.is_none() {
            return Err("error parsing index: EOF".to_string().into());
        }
        v.parse::<i64>().map_err(|_| format!("error parsing index: strconv.Atoi: parsing {}: invalid syntax", go_quote(&v)).into())
    }

    fn list_item(&mut self, list: &mut Vec<MergeTree>, i: i64, level: usize) -> Result<(), Stop> {
        if i < 0 {
            return Err(format!("negative {i} index not allowed").into());
        }
        let pos = self.pos();
        let (k, last) = self.until(&['[', '.', '=']);
        if !k.is_empty() {
            return Err(format!("unexpected data at end of array index: {}", go_quote(&k)).into());
        }
        match last {
            None => Err(Stop::End),
            Some('=') => {
                let v = match self.list()? {
                    ListRead::List(items) => MergeTree::Seq(items, pos),
                    ListRead::End => MergeTree::leaf(Val::Str(String::new()), pos),
                    ListRead::NotList => self.value(),
                };
                set_index(list, i, v)
            }
            // Helm's parser changes an element that exists in place (Go's maps and slices are
            // shared), so what it set stays when the parse then stops, as it does at a trailing
            // `key=`: `versions[1].image=` empties an existing image. A new element is kept only
            // when the parse goes on.
            Some('[') => {
                let next = self.index()?;
                let existing = match list.get_mut(i as usize) {
                    Some(MergeTree::Seq(l, _)) => Some(l),
                    Some(t) if !t.is_null() => return Err(format!("element {i} is not a list").into()),
                    _ => None,
                };
                if let Some(inner) = existing {
                    return self.list_item(inner, next, level);
                }
                let mut inner = Vec::new();
                self.list_item(&mut inner, next, level)?;
                set_index(list, i, MergeTree::Seq(inner, pos))
            }
            _ => {
                if let Some(existing) = list.get_mut(i as usize) {
                    // An element that is not a mapping is replaced by an empty one first.
                    if !matches!(existing, MergeTree::Map(..)) {
                        *existing = MergeTree::Map(IndexMap::new(), pos);
                    }
                    if let MergeTree::Map(inner, _) = existing {
                        return self.key(inner, level);
                    }
                }
                let mut inner = IndexMap::new();
                self.key(&mut inner, level)?;
                set_index(list, i, MergeTree::Map(inner, pos))
            }
        }
    }

    /// A `{a,b}` list after `=`, if there is one.
    fn list(&mut self) -> Result<ListRead, Stop> {
        match self.chars.get(self.at) {
            None => return Ok(ListRead::End),
            Some('{') => self.at += 1,
            Some(_) => return Ok(ListRead::NotList),
        }
        let mut items = Vec::new();
        loop {
            let pos = self.pos();
            let (v, last) = self.until(&[',', '}']);
            match last {
                None => return Err("list must terminate with '}'".to_string().into()),
                Some('}') => {
                    if self.chars.get(self.at).is_some_and(|&c| c == ',') {
                        self.at += 1;
                    }
                    items.push(self.typed(v, pos));
                    return Ok(ListRead::List(items));
                }
                _ => items.push(self.typed(v, pos)),
            }
        }
    }

    /// A scalar value up to the next `,`.
    fn value(&mut self) -> MergeTree {
        let pos = self.pos();
        let (v, _) = self.until(&[',']);
        self.typed(v, pos)
    }

    /// Helm's `typedVal`: with `--set`, `true`/`false`/`null` in any case and integers that
    /// do not start with 0 (but `0` itself); everything else, and all of `--set-string`, text.
    fn typed(&self, v: String, pos: Pos) -> MergeTree {
        if self.strings {
            return MergeTree::leaf(Val::Str(v), pos);
        }
        let value = if fold_eq(&v, "true") {
            Val::Bool(true)
        } else if fold_eq(&v, "false") {
            Val::Bool(false)
        } else if fold_eq(&v, "null") {
            Val::Null
        } else if v == "0" {
            Val::Int(0)
        } else if !v.is_empty() && !v.starts_with('0') && let Ok(i) = v.parse::<i64>() {
            Val::Int(i128::from(i))
        } else {
            Val::Str(v)
        };
        MergeTree::leaf(value, pos)
    }
}

fn set(data: &mut IndexMap<String, MergeTree>, key: String, value: MergeTree) {
    if !key.is_empty() {
        data.insert(key, value);
    }
}

fn set_index(list: &mut Vec<MergeTree>, i: i64, value: MergeTree) -> Result<(), Stop> {
    if i > MAX_INDEX {
        return Err(format!("index of {i} is greater than maximum supported index of {MAX_INDEX}").into());
    }
    let i = i as usize;
    let pos = match &value {
        MergeTree::Leaf(n) => n.pos,
        MergeTree::Map(_, p) | MergeTree::Seq(_, p) => *p,
    };
    while list.len() <= i {
        list.push(MergeTree::leaf(Val::Null, pos));
    }
    list[i] = value;
    Ok(())
}

/// Go's `strings.EqualFold` against an ASCII word: simple case folding, in which the long s
/// (U+017F) also equals `s`.
fn fold_eq(v: &str, word: &str) -> bool {
    let mut a = v.chars();
    for w in word.chars() {
        match a.next() {
            Some(c) if c.to_ascii_lowercase() == w => {}
            Some('\u{17f}') if w == 's' => {}
            _ => return false,
        }
    }
    a.next().is_none()
}

/// A key as Go's `%q` writes it in Helm's messages.
fn go_quote(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set_json(expr: &str, strings: bool) -> Result<serde_json::Value, String> {
        let mut data = IndexMap::new();
        let mut p = Parser { chars: expr.chars().collect(), at: 0, strings, source: 0 };
        p.parse(&mut data)?;
        Ok(MergeTree::Map(data, Pos::default()).into_node().to_json())
    }

    #[test]
    fn helm_examples() {
        assert_eq!(set_json("a=1,b.c=two,ports={80,443}", false).unwrap(), serde_json::json!({"a": 1, "b": {"c": "two"}, "ports": [80, 443]}));
        assert_eq!(set_json("port=80", true).unwrap(), serde_json::json!({"port": "80"}));
        assert_eq!(set_json("a[1]=x", false).unwrap(), serde_json::json!({"a": [null, "x"]}));
        assert_eq!(set_json("x", false).unwrap_err(), "key \"x\" has no value");
    }
}
