//! Stage 2: parsed values → a validated, normalized release (`model::Release`).
//!
//! Everything the later stages need is decided here: names, namespaces, ports, weights,
//! labels, matches and workload sources, with the chart's precedence (version, then
//! application, then default). Every check of the input lives in this folder: the readers of
//! single values here, the release as a whole in `release`, `application.routing` in
//! `policies`, the versions in `versions`, match clauses in `matches`, `application.route` in
//! `route` (its Gateway API fields in `gtw_rules`), InferencePools in `pools`. The types it
//! produces live in `model`, so the stages after it depend on the model, not on validation.

use crate::input::Context;
use crate::input::vocabulary::{Key, has, *};
use crate::model::{
    API_GROUPS, Apis, DEFAULT_WEIGHT, DeploySource, Env, Gateway, Given, MAX_INHERITED_COPIES, MAX_ROUTED_VERSIONS, MAX_VERSIONS, MAX_GTW_WEIGHT, MAX_WEIGHT, Model,
    ModelSource, ObjRef, Pool, Release, Strategy, Version, Workload, to_object,
};
use crate::model::names;
use crate::model::policy::{self, Affinity, Cors, HeaderOps, Policy, Retries};
use crate::problem::{Problem, Report};
use crate::input::values::{Node, Val};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;

mod api_rules;
mod gtw_rules;
mod matches;
mod policies;
mod pools;
mod release;
mod route;
mod versions;

/// The Gateway API allows 32 parentRefs; the application's Service takes one.
const MAX_GATEWAYS: usize = 31;
/// Why ModelMesh cannot mirror: every model is served by one Service and chosen by the
/// `mm-vmodel-id` request header, and an Istio mirror has a destination and a percentage but no
/// headers of its own, so the copy would ask the primary's model again.
const MODELMESH_NO_MIRROR: &str = ". ModelMesh cannot mirror to a candidate: all models share the serving Service and are chosen by the mm-vmodel-id header, and an Istio mirror copies the request with the primary's header (a mirror has no headers of its own), so the copy would reach the primary's model again";

/// Where a key written at the wrong level belongs (`strategy` at the top level: in
/// `application`), so a misplaced key does not just vanish with "unknown key".
fn misplaced(key: &str, path: &str) -> Option<String> {
    let in_version = path.starts_with("application.versions[") && path.ends_with(']');
    match path {
        "" if has(APPLICATION, key) => Some(format!("application.{key}")),
        "" if has(VERSION, key) => Some(format!("application.versions[i].{key}")),
        "application" if has(RELEASE, key) => Some(format!("{key} at the top level")),
        "application" if has(VERSION, key) => Some(format!("application.versions[i].{key}")),
        _ if in_version && has(APPLICATION, key) => Some(format!("application.{key}")),
        _ if in_version && has(RELEASE, key) => Some(format!("{key} at the top level")),
        _ => None,
    }
}

/// Validates the values and builds the release, or returns every problem found.
pub fn build(root: &Node, ctx: &Context) -> (Option<Release>, Report) {
    let mut r = Reader { report: Report::default(), strict: ctx.strict };
    let release = r.release(root, ctx);
    if !r.report.errors.is_empty() {
        return (None, r.report);
    }
    (release, r.report)
}

struct Reader {
    report: Report,
    strict: bool,
}

/// `path.key`. Every field read builds its path, so not through `format!` (its machinery
/// cost more than the reading).
fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { [path, ".", key].concat() }
}

impl Reader {
    pub(super) fn error(&mut self, path: &str, node: Option<&Node>, msg: impl Into<String>) {
        let p = Problem::at(path, node.map(|n| n.pos), msg);
        self.report.error(p);
    }

    /// The known key a typo was meant to be, for the first `HINTED_PROBLEMS` problems of a run.
    /// Past them the input is not a release with a few typos but something else entirely,
    /// and a search for each of a quarter of a million keys would cost more than reading them.
    pub(super) fn closest(&self, key: &str, known: &[Key]) -> Option<&'static str> {
        let found = self.report.errors.len() + self.report.warnings.len();
        if found >= HINTED_PROBLEMS { None } else { closest(key, known) }
    }

    /// Unknown keys are warnings (a typo such as `wieght` must not pass silently);
    /// `--strict` makes them errors.
    pub(super) fn known_keys(&mut self, node: &Node, path: &str, known: &[Key]) {
        let Val::Map(entries) = &node.value else { return };
        for (key, value) in entries.iter() {
            if has(known, key) {
                continue;
            }
            // Helm's YAML 1.1 reader turns an unquoted `on:` key into `true:` (releasegen takes
            // keys as written), so under Helm `on` arrives as `true`.
            let yaml11 = (key == "true" && has(known, "on")).then(|| "; did you mean `on`? Helm's YAML reader turns an unquoted `on:` into `true:`, so write \"on\":".to_string());
            let hint = misplaced(key, path)
                .map(|at| format!("; did you mean {at}?"))
                .or_else(|| self.closest(key, known).map(|k| format!("; did you mean `{k}`?")));
            let hint = yaml11.or(hint).unwrap_or_default();
            let p = Problem::at(&join(path, key), Some(value.pos), format!("unknown key{hint}"));
            if self.strict { self.report.error(p) } else { self.report.warn(p) }
        }
    }

    /// A value the release does not use where it is (`match` on the Gateway API, `protocol:
    /// grpc` on Istio, a routing policy with nothing routed): a warning that says why, and an
    /// error under `--strict`, which a pipeline uses so that nothing it wrote is dropped
    /// without failing.
    pub(super) fn ignored(&mut self, p: Problem) {
        if self.strict { self.report.error(p) } else { self.report.warn(p) }
    }

    /// A mapping (or absent/null); anything else is an error.
    pub(super) fn map<'a>(&mut self, node: Option<&'a Node>, path: &str) -> Option<&'a Node> {
        self.shaped(node, path, "a mapping", |v| matches!(v, Val::Map(_)))
    }

    /// A list (or absent/null); anything else is an error.
    pub(super) fn list<'a>(&mut self, node: Option<&'a Node>, path: &str) -> Option<&'a Node> {
        self.shaped(node, path, "a list", |v| matches!(v, Val::Seq(_)))
    }

    pub(super) fn shaped<'a>(&mut self, node: Option<&'a Node>, path: &str, what: &str, ok: fn(&Val) -> bool) -> Option<&'a Node> {
        let node = node.filter(|n| !n.is_null())?;
        if ok(&node.value) {
            Some(node)
        } else {
            self.error(path, Some(node), format!("expected {what}, found {}", node.describe()));
            None
        }
    }

    pub(super) fn string(&mut self, node: Option<&Node>, path: &str) -> Option<String> {
        let node = node.filter(|n| !n.is_null())?;
        match &node.value {
            Val::Str(s) => Some(s.clone()),
            Val::Seq(_) | Val::Map(_) => {
                self.error(path, Some(node), format!("expected a string, found {}", node.describe()));
                None
            }
            _ => {
                let msg = format!("expected a string, found {}; quote it if text is meant", node.describe());
                self.error(path, Some(node), msg);
                None
            }
        }
    }

    /// A string that must be present: a wrong type and a missing value are each said once.
    pub(super) fn required(&mut self, value: Option<&Node>, path: &str, parent: &Node, missing: &str) -> Option<String> {
        let value = value.filter(|n| !n.is_null());
        match value.map(|n| &n.value) {
            Some(Val::Str(s)) if !s.is_empty() => Some(s.clone()),
            Some(Val::Str(_)) | None => {
                self.error(path, Some(value.unwrap_or(parent)), missing);
                None
            }
            Some(_) => self.string(value, path),
        }
    }

    pub(super) fn integer(&mut self, node: Option<&Node>, path: &str, what: &str, range: (i128, i128)) -> Option<u32> {
        let node = node.filter(|n| !n.is_null())?;
        match node.value {
            Val::Int(i) if i >= range.0 && i <= range.1 => u32::try_from(i).ok(),
            Val::Int(i) if i >= 0 && i > range.1 => {
                self.error(path, Some(node), format!("{what} must be at most {}, found {i}", range.1));
                None
            }
            _ => {
                self.error(path, Some(node), format!("expected {what}, found {}", node.describe()));
                None
            }
        }
    }

    pub(super) fn port(&mut self, node: Option<&Node>, path: &str) -> Option<u32> {
        self.integer(node, path, "a port number (1-65535)", (1, 65535))
    }

    pub(super) fn name(&mut self, value: &str, node: Option<&Node>, path: &str, check: fn(&str) -> Result<(), String>) {
        if let Err(e) = check(value) {
            self.error(path, node, format!("{} {e}", quote(value)));
        }
    }
}

#[derive(Default)]
struct Meta {
    name: Option<String>,
    namespace: Option<String>,
    labels: IndexMap<String, String>,
    annotations: IndexMap<String, String>,
}

/// What validating the route needs to know of the release.
pub(super) struct RouteContext<'a> {
    pub env: Env,
    pub strategy: Option<Strategy>,
    pub grpc: bool,
    pub pools: bool,
    pub namespace: &'a str,
    pub gateways: &'a [Gateway],
    /// Where `gateway` was written, if it was.
    pub gateway: Option<&'a Node>,
    pub policy: &'a Policy,
    pub affinity: bool,
    pub versions: &'a [Version],
}

struct AppDefaults<'a> {
    node: &'a Node,
    port: Option<u32>,
    meta: &'a Meta,
    external: bool,
    grpc: bool,
    /// `backend: inferencepool`, and what the application gives every version's pool.
    pools: bool,
    pool: pools::PoolDefaults,
}

struct Scope<'a> {
    env: Env,
    strategy: Option<Strategy>,
    app: &'a str,
    ns: &'a str,
    defaults: &'a AppDefaults<'a>,
}

/// Request headers releasegen's own routes set or remove in an environment.
fn own_request_headers(env: Env) -> &'static [&'static str] {
    match env {
        Env::Kserve | Env::Kserve011 | Env::Kserve010 => &["host", "branch"],
        Env::ModelMesh => &["mm-vmodel-id", "branch"],
        _ => &[],
    }
}

fn describe_unrouted(env: Env, strategy: Option<Strategy>) -> String {
    match strategy {
        Some(Strategy::None) | None => "strategy none".to_string(),
        Some(s) => format!("strategy {} in environment {}", s.name(), env.name()),
    }
}

/// A `*Specification.metadata` may rename the object; routing must follow it.
fn given_ref(g: Option<&Given>, own: &ObjRef) -> ObjRef {
    let field = |k: &str, d: &str| {
        g.and_then(|g| g.metadata.get(k)).and_then(Value::as_str).unwrap_or(d).to_string()
    };
    ObjRef { name: field("name", &own.name), namespace: field("namespace", &own.namespace) }
}

/// A value quoted for a message; a very long one is cut, saying how long it was.
fn quote(s: &str) -> String {
    const SHOWN: usize = 70;
    if s.chars().count() <= SHOWN {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let head: String = s.chars().take(SHOWN).collect();
    let quoted = serde_json::to_string(&head).unwrap_or_default();
    format!("{}…\" ({} characters)", &quoted[..quoted.len() - 1], s.chars().count())
}

/// How many problems of a run get a did-you-mean hint; every problem after them is still
/// reported, without one.
const HINTED_PROBLEMS: usize = 1000;

/// The known key nearest to a typo, if any is close. It allocates nothing, and a known key
/// whose length alone puts it out of reach is not compared at all.
fn closest(key: &str, known: &[Key]) -> Option<&'static str> {
    let len = key.chars().count();
    known
        .iter()
        .map(|k| k.name)
        .filter_map(|k| {
            let reach = 2.max(k.len() / 4);
            if len.abs_diff(k.len()) > reach {
                return None;
            }
            distance(key, k, reach).map(|d| (d, k))
        })
        .min()
        .map(|(_, k)| k)
}

/// The longest known key `distance` can compare with; every key of the values is shorter.
const LONGEST_KEY: usize = 32;

/// Edit distance between a key as written and a known key, ignoring ASCII case (known keys are
/// ASCII), when it is at most `reach`. The search stops at the first row that is all beyond
/// reach (no later row can come back within it), so a key unlike the known one costs a few
/// characters, however long it is. None when out of reach or the known key is longer than
/// `LONGEST_KEY`.
fn distance(a: &str, b: &str, reach: usize) -> Option<usize> {
    let b = b.as_bytes();
    if b.len() > LONGEST_KEY {
        return None;
    }
    let mut row = [0usize; LONGEST_KEY + 1];
    for (j, cell) in row.iter_mut().enumerate().take(b.len() + 1) {
        *cell = j;
    }
    for (i, ca) in a.chars().enumerate() {
        let ca = ca.to_ascii_lowercase();
        let mut prev = row[0];
        row[0] = i + 1;
        let mut best = row[0];
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            let same = ca == char::from(cb.to_ascii_lowercase());
            row[j + 1] = (prev + usize::from(!same)).min(row[j] + 1).min(cur + 1);
            best = best.min(row[j + 1]);
            prev = cur;
        }
        if best > reach {
            return None;
        }
    }
    Some(row[b.len()]).filter(|&d| d <= reach)
}

#[cfg(test)]
mod tests;
