//! The tree of values built from the YAML parser's events: positions kept, duplicate keys and
//! merge keys handled as kubectl and Helm handle them, and what the input may cost bounded.

use super::*;
use super::scalar::resolve_plain;
use indexmap::IndexMap;
use saphyr_parser::{Event, Parser, ScalarStyle, ScanError, Span};
use std::collections::HashMap;
use std::rc::Rc;

pub(super) enum Frame {
    Seq { items: Vec<Node>, pos: Pos, anchor: usize },
    Map {
        /// In the order written, hashed so merges and duplicate checks stay linear.
        entries: IndexMap<String, Slot>,
        key: Option<Key>,
        pos: Pos,
        anchor: usize,
    },
}

pub(super) struct Slot {
    node: Node,
    /// Written in this mapping (a second one is a duplicate), not brought in by a merge.
    written: bool,
}

/// The key whose value comes next.
pub(super) enum Key {
    Name(String, Pos),
    /// A plain `<<`: YAML's merge key. A quoted `"<<"` is an ordinary key, as go-yaml and
    /// PyYAML read it.
    Merge(Pos),
}

pub(super) struct Builder {
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
    /// A builder for the values source numbered `source` (for positions).
    pub(super) fn new(limits: Limits, source: usize) -> Self {
        Builder { limits, stack: Vec::new(), anchors: HashMap::new(), alias_nodes: 0, values: 0, source, docs: Vec::new(), notes: Vec::new() }
    }

    pub(super) fn run(mut self, text: &str) -> Result<(Vec<Node>, Vec<Problem>), Problem> {
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
pub(super) fn merge_into(entries: &mut IndexMap<String, Slot>, node: Node) -> Result<(), Problem> {
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
pub(super) fn count_nodes_upto(node: &Node, limit: usize) -> Option<usize> {
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

pub(super) fn quoted(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_default()
}

pub(super) fn scan_error(e: ScanError, limits: Limits) -> Problem {
    let m = e.marker();
    let pos = Pos { line: m.line(), col: m.col() + 1, source: 0 };
    // The scanner has its own depth guard for flow collections; it is the same limit to a user.
    if e.info().contains("recursion limit") {
        return nesting_error(limits, pos);
    }
    Problem::at("", Some(pos), &format!("not valid YAML: {}", e.info()))
}

pub(super) fn nesting_error(limits: Limits, pos: Pos) -> Problem {
    let msg = format!("values are nested more than {} levels deep (the nesting limit)", limits.max_depth);
    Problem::at("", Some(pos), &msg)
}
