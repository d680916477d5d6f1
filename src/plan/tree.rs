//! The routing plan's tree: a routing object whose list items and fields may carry a guard
//! ("version 1 has weight > 0") and whose weights are references into the state's weights,
//! and its evaluation for one state's weights.

use serde_json::Value;

/// A condition on the weights of a state. `Ready(i)` means "version i has weight > 0".
#[derive(Clone, Debug, PartialEq)]
pub enum Guard {
    Always,
    Never,
    Ready(usize),
    Not(Box<Guard>),
    All(Vec<Guard>),
    Any(Vec<Guard>),
    /// At least two of these versions are ready. Counted when evaluated (a routemap of N
    /// versions asks this N times in each of 2^N states); written into a template as any
    /// pair of them both ready (`pairs`, `emit::several_expr`), since Go's template builtins
    /// cannot count.
    Several(Vec<usize>),
}

impl Guard {
    pub fn eval(&self, w: &[u32]) -> bool {
        match self {
            Guard::Always => true,
            Guard::Never => false,
            Guard::Ready(i) => w.get(*i).is_some_and(|&x| x > 0),
            Guard::Not(g) => !g.eval(w),
            Guard::All(gs) => gs.iter().all(|g| g.eval(w)),
            Guard::Any(gs) => gs.iter().any(|g| g.eval(w)),
            Guard::Several(ix) => ix.iter().filter(|&&i| w.get(i).is_some_and(|&x| x > 0)).nth(1).is_some(),
        }
    }

    /// `Several` as Go's template builtins can say it: any pair of the versions both ready.
    /// The definition the template's text is tested against (`emit` writes it directly).
    #[cfg(test)]
    pub fn pairs(indices: &[usize]) -> Guard {
        let mut pairs = Vec::new();
        for (k, &i) in indices.iter().enumerate() {
            for &j in &indices[k + 1..] {
                pairs.push(Guard::all(vec![Guard::Ready(i), Guard::Ready(j)]));
            }
        }
        Guard::any(pairs)
    }

    pub(super) fn not(g: Guard) -> Guard {
        match g {
            Guard::Always => Guard::Never,
            Guard::Never => Guard::Always,
            Guard::Not(inner) => *inner,
            g => Guard::Not(Box::new(g)),
        }
    }

    pub(super) fn all(gs: Vec<Guard>) -> Guard {
        if gs.contains(&Guard::Never) {
            return Guard::Never;
        }
        let flat = gs.into_iter().flat_map(|g| match g {
            Guard::All(inner) => inner,
            g => vec![g],
        });
        let mut gs: Vec<Guard> = flat.filter(|g| *g != Guard::Always).collect();
        match gs.len() {
            0 => Guard::Always,
            1 => gs.remove(0),
            _ => Guard::All(gs),
        }
    }

    pub(crate) fn any(gs: Vec<Guard>) -> Guard {
        if gs.contains(&Guard::Always) {
            return Guard::Always;
        }
        let flat = gs.into_iter().flat_map(|g| match g {
            Guard::Any(inner) => inner,
            g => vec![g],
        });
        let mut gs: Vec<Guard> = flat.filter(|g| *g != Guard::Never).collect();
        match gs.len() {
            0 => Guard::Never,
            1 => gs.remove(0),
            _ => Guard::Any(gs),
        }
    }
}

/// A routing object with guarded parts.
#[derive(Clone, Debug, PartialEq)]
pub enum Tree {
    /// A fixed value (scalars, and user-written match clauses).
    Value(Value),
    /// `.Weights[i]` of the state.
    Weight(usize),
    Map(Vec<(String, Guard, Tree)>),
    Seq(Vec<(Guard, Tree)>),
}

impl Tree {
    /// The concrete object for one state's weights.
    /// The weights are the state's, as the Iter8 controller's `.Weights` hands them to the
    /// template: they decide which rules and destinations exist, and are written as they are.
    pub fn at(&self, w: &[u32]) -> Value {
        match self {
            Tree::Value(v) => v.clone(),
            Tree::Weight(i) => Value::from(w.get(*i).copied().unwrap_or(0)),
            Tree::Map(entries) => Value::Object(
                entries.iter().filter(|(_, g, _)| g.eval(w)).map(|(k, _, t)| (k.clone(), t.at(w))).collect(),
            ),
            Tree::Seq(items) => {
                Value::Array(items.iter().filter(|(g, _)| g.eval(w)).map(|(_, t)| t.at(w)).collect())
            }
        }
    }
}

/// Builds a map whose entries are all unconditional.
pub(super) fn map(entries: Vec<(&str, Tree)>) -> Tree {
    Tree::Map(entries.into_iter().map(|(k, t)| (k.to_string(), Guard::Always, t)).collect())
}

pub(super) fn val(v: Value) -> Tree {
    Tree::Value(v)
}

pub(super) fn s(text: &str) -> Tree {
    Tree::Value(Value::String(text.to_string()))
}
