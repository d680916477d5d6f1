//! `releasegen diff`: what a change of values does, in a reviewer's words. For every readiness
//! state, the traffic each rule sends where before and after; and which objects are added,
//! removed or changed, each change as RFC 6902 JSON Patch operations.
//!
//! Versions are matched by name, not by position: a state is a set of ready version names, and
//! each side reads it as its own versions of those names. So a promote (the candidate becomes
//! version 0, the old primary goes) reads as one: in the state where the candidate is ready,
//! its share goes from the cohort to all traffic.

use crate::problem::terminal_safe;
use crate::review::events::{self, Event, Member};
use crate::review::matching::Conditions;
use crate::review::states::{Row, mermaid_text};
use serde_json::{Value, json};
use std::collections::BTreeMap;

mod markdown;
mod patch;
mod text;
pub use markdown::markdown;
pub use patch::json_patch;
use patch::object_changes;
pub use text::{Colour, text};

/// One side of a comparison: the release's version names, its rows (one per readiness state,
/// as `states` computes them; empty when nothing is routed) and its objects.
pub struct Side {
    pub name: String,
    pub environment: String,
    pub strategy: String,
    pub versions: Vec<String>,
    pub rows: Vec<Row>,
    /// The routing object of each state, by state (as `rows`); empty when nothing is routed.
    pub routing: Vec<Value>,
    pub objects: Vec<Value>,
    /// KServe's own split of traffic between the versions when all are ready, where KServe
    /// routes the release (no routing object of ours, so no readiness states).
    pub kserve_split: Option<Vec<(String, u32)>>,
    /// The versions with their weights and what they run, for the events.
    pub members: Vec<Member>,
}

/// More versions than this in both sides together are compared in the states of each side
/// only, not in every combination (2^N states).
const MAX_COMBINED: usize = 12;

/// Where one class of requests goes on one side: the rule that takes it (`None`: no rule
/// does, and the API answers 404), its shares and its mirrors.
#[derive(Debug, Clone, PartialEq)]
struct Reach {
    rule: Option<String>,
    to: Vec<(String, u32)>,
    mirrored: Vec<(String, u32)>,
}

impl Reach {
    /// Whether two reaches send requests to the same places (the rule's name aside).
    fn same_traffic(&self, other: &Reach) -> bool {
        self.rule.is_some() == other.rule.is_some() && self.to == other.to && self.mirrored == other.mirrored
    }
}

/// A kind of request a reviewer thinks in: one match clause of either side, or everyone else.
/// A request of the class meets exactly the clause's conditions and carries nothing else.
#[derive(Debug, Clone)]
struct Class {
    name: String,
    conditions: Conditions,
}

/// Where each class of requests goes in one state of one side, classes in evaluation order.
#[derive(Debug, Default)]
struct Traffic(Vec<(String, Reach)>);

impl Traffic {
    fn get(&self, class: &str) -> Option<&Reach> {
        self.0.iter().find(|(c, _)| c == class).map(|(_, r)| r)
    }

    /// Whether any class of requests goes elsewhere in `other`.
    fn moves(&self, other: &Traffic) -> bool {
        self.0.len() != other.0.len() || self.0.iter().zip(&other.0).any(|((c, a), (d, b))| c != d || !a.same_traffic(b))
    }
}

#[derive(Debug)]
struct StateChange {
    ready: Vec<String>,
    before: Traffic,
    after: Traffic,
    /// The routing object's changes in this state (policies, gateways, hosts, …).
    patch: Vec<Value>,
}

#[derive(Debug)]
struct ObjectChange {
    object: String,
    kind: &'static str,
    patch: Vec<Value>,
}

pub struct Diff {
    base: Side,
    head: Side,
    events: Vec<Event>,
    states: Vec<StateChange>,
    compared: usize,
    objects: Vec<ObjectChange>,
}

impl Diff {
    pub fn changed(&self) -> bool {
        !self.states.is_empty() || !self.objects.is_empty()
    }
}

pub fn compare(base: Side, head: Side) -> Diff {
    let names = union(&base.versions, &head.versions);
    let mut states = Vec::new();
    let mut compared = 0;
    if !base.rows.is_empty() || !head.rows.is_empty() {
        for ready in ready_sets(&names, &base.versions, &head.versions) {
            compared += 1;
            let classes = classes(&[row_of(&head, &ready), row_of(&base, &ready)]);
            let before = traffic(&base, &ready, &classes);
            let after = traffic(&head, &ready, &classes);
            let mut patch = Vec::new();
            json_patch(routing_object(&base, &ready), routing_object(&head, &ready), &mut String::new(), &mut patch);
            if before.moves(&after) || !patch.is_empty() {
                states.push(StateChange { ready, before, after, patch });
            }
        }
    }
    if base.rows.is_empty() && head.rows.is_empty() && (base.kserve_split.is_some() || head.kserve_split.is_some()) {
        compared = 1;
        let (before, after) = (traffic(&base, &names, &[]), traffic(&head, &names, &[]));
        if before.moves(&after) {
            states.push(StateChange { ready: names.clone(), before, after, patch: Vec::new() });
        }
    }
    let objects = object_changes(&base.objects, &head.objects);
    let events = events::events(&base.members, &head.members);
    Diff { base, head, events, states, compared, objects }
}

fn union(a: &[String], b: &[String]) -> Vec<String> {
    let mut out = a.to_vec();
    out.extend(b.iter().filter(|n| !a.contains(n)).cloned());
    out
}

/// The states compared: every combination of the versions of both sides, or, with too many
/// of them, the states of each side.
fn ready_sets(names: &[String], base: &[String], head: &[String]) -> Vec<Vec<String>> {
    let subsets = |of: &[String]| -> Vec<Vec<String>> {
        (0..1u64 << of.len()).map(|bits| of.iter().enumerate().filter(|(i, _)| bits >> i & 1 == 1).map(|(_, n)| n.clone()).collect()).collect()
    };
    if names.len() <= MAX_COMBINED {
        return subsets(names);
    }
    let mut out = subsets(base);
    for s in subsets(head) {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}

/// The state of a side in which the named versions are ready (its other versions are not).
fn state_of(side: &Side, ready: &[String]) -> usize {
    side.versions.iter().enumerate().filter(|(_, n)| ready.contains(n)).fold(0usize, |b, (i, _)| b | 1 << i)
}

fn routing_object<'a>(side: &'a Side, ready: &[String]) -> &'a Value {
    side.routing.get(state_of(side, ready)).unwrap_or(&Value::Null)
}

fn row_of<'a>(side: &'a Side, ready: &[String]) -> Option<&'a Row> {
    side.rows.get(state_of(side, ready))
}

/// The classes of requests of a state: every match clause of the rules of either side (the
/// first side's first, each in evaluation order), then everyone else.
fn classes(rows: &[Option<&Row>]) -> Vec<Class> {
    let mut out: Vec<Class> = Vec::new();
    for rule in rows.iter().flatten().flat_map(|row| &row.rules) {
        for (name, conditions) in rule.matches.iter().zip(&rule.conditions) {
            if !conditions.is_everything() && !out.iter().any(|c| &c.name == name) {
                out.push(Class { name: name.clone(), conditions: conditions.clone() });
            }
        }
    }
    out.push(Class { name: EVERYONE_ELSE.to_string(), conditions: Conditions::default() });
    out
}

/// A side's traffic when the named versions are ready: where each class of requests goes.
/// Where KServe routes the release, its split when all are ready, whatever the state asked
/// (KServe keeps the share of a version that is not ready with the model that serves now).
fn traffic(side: &Side, ready: &[String], classes: &[Class]) -> Traffic {
    if let Some(split) = &side.kserve_split {
        let reach = Reach { rule: Some(KSERVE_SPLIT.to_string()), to: split.clone(), mirrored: Vec::new() };
        return Traffic(vec![(KSERVE_SPLIT.to_string(), reach)]);
    }
    let Some(row) = row_of(side, ready) else { return Traffic::default() };
    Traffic(
        classes
            .iter()
            .map(|class| {
                let reach = match crate::review::rules::reached(&row.rules, &class.conditions) {
                    Some(rule) => Reach { rule: Some(rule.name.clone()), to: rule.to.clone(), mirrored: rule.mirrored.clone() },
                    None => Reach { rule: None, to: Vec::new(), mirrored: Vec::new() },
                };
                (class.name.clone(), reach)
            })
            .collect(),
    )
}

/// The requests that no cohort or cookie clause describes.
const EVERYONE_ELSE: &str = "everyone else";

/// The rule of a release that KServe routes itself.
const KSERVE_SPLIT: &str = "KServe's split, all ready";

// ---- Output -------------------------------------------------------------------------------------

/// Where a class goes, in a reviewer's words: `shop-1 100%`, `shop-0 100%; mirrored to shop-1 10%`.
fn shares(reach: Option<&Reach>) -> String {
    let Some(reach) = reach else { return "(not routed)".to_string() };
    if reach.rule.is_none() {
        return "(no rule matches: 404)".to_string();
    }
    let list = |items: &[(String, u32)]| items.iter().map(|(v, p)| format!("{v} {p}%")).collect::<Vec<_>>().join(", ");
    let mut out = if reach.to.is_empty() { "(nothing)".to_string() } else { list(&reach.to) };
    if !reach.mirrored.is_empty() {
        out.push_str(&format!("; mirrored to {}", list(&reach.mirrored)));
    }
    out
}

fn ready_label(ready: &[String]) -> String {
    if ready.is_empty() { "none".to_string() } else { ready.join(", ") }
}

/// (what, before, after) for each line of a state's change: each class of requests that goes
/// elsewhere, in evaluation order; then, where no class moves, the routing object's field
/// changes.
fn lines(c: &StateChange) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    let classes = c.after.0.iter().map(|(k, _)| k).chain(c.before.0.iter().map(|(k, _)| k).filter(|k| c.after.get(k).is_none()));
    for k in classes {
        let (b, a) = (c.before.get(k), c.after.get(k));
        let same = match (b, a) {
            (Some(b), Some(a)) => b.same_traffic(a),
            _ => false,
        };
        if !same {
            out.push((k.clone(), shares(b), shares(a)));
        }
    }
    // Where the traffic changed, the routing object's field changes say the same again in
    // other words; they are counted, and listed where they are the whole change (a policy, a
    // gateway, a header).
    if out.is_empty() {
        for op in &c.patch {
            out.push((format!("routing object {} {}", op["op"].as_str().unwrap_or(""), op["path"].as_str().unwrap_or("")), value_of(op, true), value_of(op, false)));
        }
    } else if !c.patch.is_empty() {
        let n = c.patch.len();
        out.push(("routing object".to_string(), String::new(), format!("{n} field {} (--output json lists them)", if n == 1 { "change" } else { "changes" })));
    }
    out
}

/// The longest value shown in full, in characters of JSON.
const SHORT: usize = 80;

/// What a routing-object operation's value was (`before`) or becomes, in short JSON.
fn value_of(op: &Value, before: bool) -> String {
    let shown = |v: &Value| {
        let t = v.to_string();
        if t.chars().count() > SHORT { format!("{}…", t.chars().take(SHORT - 1).collect::<String>()) } else { t }
    };
    match (op["op"].as_str(), before) {
        (Some("add"), true) => "(absent)".to_string(),
        (Some("remove"), false) => "(absent)".to_string(),
        (_, true) => op.get("old").map_or_else(|| "…".to_string(), shown),
        (_, false) => op.get("value").map_or_else(|| "…".to_string(), shown),
    }
}

/// The changed states, those with the same change lines together (a gateway change reads once,
/// for every state it applies to).
fn groups(d: &Diff) -> Vec<Group<'_>> {
    let mut out: Vec<Group> = Vec::new();
    for c in &d.states {
        let l = lines(c);
        let p = priority(d, &c.ready);
        match out.iter_mut().find(|g| g.lines == l) {
            Some(g) => {
                g.states.push(ready_label(&c.ready));
                g.priority = g.priority.min(p);
            }
            None => out.push(Group { states: vec![ready_label(&c.ready)], lines: l, first: c, priority: p }),
        }
    }
    out
}

/// States whose change reads the same, and the first of them (drawn in Markdown's chart).
struct Group<'a> {
    states: Vec<String>,
    lines: Vec<(String, String, String)>,
    first: &'a StateChange,
    /// `ALL_READY`, `PRIMARY_ALONE` or `OTHER_STATES`: the most telling state of the group.
    priority: u8,
}

/// Every version ready: how the release runs once rolled out.
const ALL_READY: u8 = 0;
/// The primary alone ready: how it runs before the candidates come up, or after they fail.
const PRIMARY_ALONE: u8 = 1;
const OTHER_STATES: u8 = 2;

fn priority(d: &Diff, ready: &[String]) -> u8 {
    let all = union(&d.base.versions, &d.head.versions);
    let primaries: Vec<&String> = d.head.versions.first().into_iter().chain(d.base.versions.first()).collect();
    if ready.len() == all.len() {
        ALL_READY
    } else if ready.len() == 1 && primaries.contains(&&ready[0]) {
        PRIMARY_ALONE
    } else {
        OTHER_STATES
    }
}

fn states_label(states: &[String], d: &Diff) -> String {
    match states {
        _ if states.len() == d.compared && d.compared > 1 => "every state".to_string(),
        [one] => one.clone(),
        several => several.iter().map(|s| format!("{{{s}}}")).collect::<Vec<_>>().join(" or "),
    }
}

/// An object's operations, one line each, except the routemap's `ready-*` keys: they are the
/// states' routing objects, compared field by field per state above, so one line counts them.
fn op_lines(patch: &[Value]) -> Vec<String> {
    let is_state = |op: &Value| op["path"].as_str().is_some_and(|p| p.starts_with("/data/ready-"));
    let mut out: Vec<String> =
        patch.iter().filter(|op| !is_state(op)).map(op_line).collect();
    let states = patch.iter().filter(|op| is_state(op)).count();
    if states > 0 {
        let what = if states == 1 { "the ready key of 1 state (its routing is" } else { "the ready keys of {states} states (their routing is" };
        out.push(format!("{} compared state by state above)", what.replace("{states}", &states.to_string())));
    }
    out
}

/// One operation with its values: `replace /a: 1 -> 2`, `add /b: "x"`, `remove /c (was 3)`.
/// Values too long to read on a line (a routemap's template) are left to `--output json`.
fn op_line(op: &Value) -> String {
    let (kind, path) = (op["op"].as_str().unwrap_or(""), op["path"].as_str().unwrap_or(""));
    let long = |v: Option<&Value>| v.is_some_and(|v| v.to_string().chars().count() > SHORT);
    if long(op.get("old")) || long(op.get("value")) {
        return format!("{kind} {path} (a long value; --output json has it)");
    }
    match kind {
        "add" => format!("add {path}: {}", value_of(op, false)),
        "remove" => format!("remove {path} (was {})", value_of(op, true)),
        _ => format!("{kind} {path}: {} -> {}", value_of(op, true), value_of(op, false)),
    }
}

fn side_line(s: &Side) -> String {
    let versions: Vec<String> =
        s.versions.iter().enumerate().map(|(i, v)| format!("{v} ({})", if i == 0 { "primary" } else { "candidate" })).collect();
    format!("{} {}: {}", s.environment, s.strategy, versions.join(", "))
}

fn summary(d: &Diff) -> String {
    if !d.changed() {
        return "no change: every readiness state routes as before, and every object is the same".to_string();
    }
    let count = |kind: &str| d.objects.iter().filter(|o| o.kind == kind).count();
    let (moved, fields) = moved_and_fields(d);
    let states = match (d.compared, moved, fields) {
        (0, _, _) => "nothing is routed on either side".to_string(),
        (_, 0, 0) => "no readiness state routes differently".to_string(),
        (n, 0, f) => format!("no traffic moves; {f} of {n} readiness states change only in routing fields"),
        (n, m, 0) => format!("traffic moves in {m} of {n} readiness states"),
        (n, m, f) => format!("traffic moves in {m} of {n} readiness states, and {f} more change only in routing fields"),
    };
    format!(
        "{states}; objects: {} added, {} removed, {} changed",
        count("added"),
        count("removed"),
        count("changed")
    )
}

/// The changed states in which some class of requests goes elsewhere, and those whose routing
/// object changes only in fields that send no request elsewhere (a timeout, a gateway).
fn moved_and_fields(d: &Diff) -> (usize, usize) {
    let moved = d.states.iter().filter(|c| c.before.moves(&c.after)).count();
    (moved, d.states.len() - moved)
}

pub fn json(d: &Diff) -> Value {
    let pairs = |items: &[(String, u32)]| -> Vec<Value> { items.iter().map(|(v, p)| json!({"version": v, "percent": p})).collect() };
    let traffic = |t: &Traffic| -> Vec<Value> {
        t.0.iter().map(|(class, r)| json!({"class": class, "rule": r.rule, "to": pairs(&r.to), "mirrored": pairs(&r.mirrored)})).collect()
    };
    json!({
        "changed": d.changed(),
        "summary": summary(d),
        "base": {"name": d.base.name, "environment": d.base.environment, "strategy": d.base.strategy, "versions": d.base.versions},
        "head": {"name": d.head.name, "environment": d.head.environment, "strategy": d.head.strategy, "versions": d.head.versions},
        "events": d.events.iter().map(Event::json).collect::<Vec<_>>(),
        "statesCompared": d.compared,
        "statesMovingTraffic": moved_and_fields(d).0,
        "statesChangingOnlyFields": moved_and_fields(d).1,
        "states": d.states.iter().map(|c| json!({"ready": c.ready, "before": traffic(&c.before), "after": traffic(&c.after), "routing": c.patch})).collect::<Vec<_>>(),
        "objects": d.objects.iter().map(|o| json!({"object": o.object, "change": o.kind, "patch": o.patch})).collect::<Vec<_>>(),
    })
}
