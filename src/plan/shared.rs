//! What the routing builders of every API share: the application's hosts, the guards of a
//! version's rules, the `app-version` header, the versions that get an affinity rule,
//! header operations spelled as an API spells its pairs, and the user's own route with the
//! release's rules in it.

use super::tree::{Guard, Tree, val};
use crate::model::policy::HeaderOps;
use crate::model::route::UserRoute;
use crate::model::{Release, Strategy, Version};
use serde_json::{Value, json};

pub(super) fn app_hosts(r: &Release) -> [String; 3] {
    let (a, n) = (&r.name, &r.namespace);
    [format!("{a}.{n}"), format!("{a}.{n}.svc"), format!("{a}.{n}.svc.cluster.local")]
}

/// More than one of these versions carries traffic (weights are written only then).
pub(super) fn several_ready(indices: &[usize]) -> Guard {
    if indices.len() < 2 { Guard::Never } else { Guard::Several(indices.to_vec()) }
}

pub(super) fn app_version_header(name: &str) -> Value {
    json!({"app-version": name})
}

/// Guard of a version's own route: a candidate's exists while it has weight; the primary's
/// always, because the primary is the default destination in every state.
pub(super) fn candidate_guard(i: usize) -> Guard {
    if i == 0 { Guard::Always } else { Guard::Ready(i) }
}

/// The versions that get an affinity rule: every one in blue-green, the candidates in canary,
/// where the default rule already sends the primary everyone else.
pub(super) fn sticky_versions(r: &Release) -> impl Iterator<Item = (usize, &Version)> {
    let first = if r.strategy == Strategy::Canary { 1 } else { 0 };
    r.versions.iter().enumerate().skip(first)
}

/// `set`, `add`, `remove` of one side, with `pairs` spelling a list of name/value pairs as
/// the API does (Istio: a map; Gateway API: a list of `{name, value}`).
pub(super) fn ops_with(ops: &HeaderOps, pairs: fn(&[(String, String)]) -> Value) -> Value {
    let mut m = serde_json::Map::new();
    if !ops.set.is_empty() {
        m.insert("set".into(), pairs(&ops.set));
    }
    if !ops.add.is_empty() {
        m.insert("add".into(), pairs(&ops.add));
    }
    if !ops.remove.is_empty() {
        m.insert("remove".into(), json!(ops.remove));
    }
    Value::Object(m)
}

/// The user's routing object spec (`application.route`) with the release's rules in the
/// marked rule's place of its list of rules (`rules_key`), every other field as written.
pub(super) fn user_spec(u: &UserRoute, rules_key: &str, release: Vec<(Guard, Tree)>) -> Tree {
    let user = |rules: &[Value]| rules.iter().map(|x| (Guard::Always, val(x.clone()))).collect::<Vec<_>>();
    let rules = [user(&u.before), release, user(&u.after)].concat();
    let mut rules = Some(Tree::Seq(rules));
    let entries = u.fields.iter().map(|(k, v)| {
        let t = if k == rules_key { rules.take().unwrap_or(Tree::Seq(Vec::new())) } else { val(v.clone()) };
        (k.clone(), Guard::Always, t)
    });
    Tree::Map(entries.collect())
}
