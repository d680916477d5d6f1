//! Stage 2: parsed values → a validated, normalized release (`model::Release`).
//!
//! Everything the later stages need is decided here: names, namespaces, ports, weights,
//! labels, matches and workload sources, with the chart's precedence (version, then
//! application, then default). Every check of the input lives in this folder: the readers of
//! single values here, the release as a whole in `release`, `application.routing` in
//! `policies`, the versions in `versions`, match clauses in `matches`. The types it produces live in `model`, so the
//! stages after it depend on the model, not on validation.

use crate::input::Context;
use crate::input::vocabulary::{Key, has, *};
use crate::model::{
    API_GROUPS, Apis, DEFAULT_WEIGHT, DeploySource, Env, Gateway, Given, MAX_INHERITED_COPIES, MAX_ROUTED_VERSIONS, MAX_VERSIONS, MAX_GTW_WEIGHT, MAX_WEIGHT, Model,
    ModelSource, ObjRef, Release, Strategy, Version, Workload, to_object,
};
use crate::model::names;
use crate::model::policy::{self, Affinity, Cors, HeaderOps, Policy, Retries};
use crate::problem::{Problem, Report};
use crate::input::values::{Node, Val};
use indexmap::IndexMap;
use serde_json::{Map, Value};
use std::collections::HashMap;

mod matches;
mod policies;
mod release;
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

struct AppDefaults<'a> {
    node: &'a Node,
    port: Option<u32>,
    meta: &'a Meta,
    external: bool,
    grpc: bool,
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
mod tests {
    use super::*;

    #[test]
    fn every_known_key_is_within_reach_of_the_typo_search() {
        let tables = [RELEASE, SERVICE, GATEWAY, APPLICATION, METADATA, VERSION, ISTIO_MATCH, STRING_MATCH, GATEWAY_API_MATCH, ROUTING, RETRIES, CORS, HEADER_CHANGES, SPECIFICATION];
        for key in tables.iter().flat_map(|t| t.iter()).map(|k| k.name) {
            assert!(key.is_ascii() && key.len() <= LONGEST_KEY, "{key}");
            assert_eq!(distance(key, key, 0), Some(0), "{key}");
        }
    }

    /// The edit distance the plain way (every cell of the table, no early stop), ignoring
    /// ASCII case: the oracle of the pruned search.
    fn edit_distance(a: &str, b: &str) -> usize {
        let (a, b): (Vec<char>, Vec<char>) = (a.to_ascii_lowercase().chars().collect(), b.to_ascii_lowercase().chars().collect());
        let mut table = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in table.iter_mut().enumerate() {
            row[0] = i;
        }
        for j in 0..=b.len() {
            table[0][j] = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let swap = table[i - 1][j - 1] + usize::from(a[i - 1] != b[j - 1]);
                table[i][j] = swap.min(table[i - 1][j] + 1).min(table[i][j - 1] + 1);
            }
        }
        table[a.len()][b.len()]
    }

    #[test]
    fn distance_is_the_edit_distance_when_within_reach() {
        let longest = "k".repeat(LONGEST_KEY);
        let words = ["", "a", "B", "ab", "ba", "weight", "wieght", "WEIGHT", "wait", "strategy", "stratgy", "sategy", "strategies",
            "match", "matches", "mtach", "versions", "versoins", "namespace", "nmaespace", "iter8Version", "itr8Versoin", "x-y", &longest];
        assert_eq!(distance(&longest, &"k".repeat(LONGEST_KEY + 1), 8), None, "longer than any known key");
        for a in words {
            for b in words {
                let d = edit_distance(a, b);
                for reach in 0..8 {
                    assert_eq!(distance(a, b, reach), (d <= reach).then_some(d), "{a:?} {b:?} reach {reach}");
                }
            }
        }
    }

    #[test]
    fn closest_reaches_a_quarter_of_the_known_key() {
        assert_eq!(closest("stratgy", APPLICATION), Some("strategy"));
        // Two characters short of `strategy` (eight): as far as it may be.
        assert_eq!(closest("sategy", APPLICATION), Some("strategy"));
        assert_eq!(closest("STRATEGY", APPLICATION), Some("strategy"));
        // Twelve characters reach three edits.
        assert_eq!(closest("itr8Versoin", RELEASE), Some("iter8Version"));
        assert_eq!(closest("zzzzzzzz", APPLICATION), None);
        assert_eq!(closest("strat", APPLICATION), None, "three edits from an eight-character key");
    }

    #[test]
    fn a_misplaced_key_is_sent_where_it_belongs() {
        let cases = [
            ("strategy", "", Some("application.strategy")),
            ("port", "", Some("application.port")),
            ("image", "", Some("application.versions[i].image")),
            ("environment", "application", Some("environment at the top level")),
            ("image", "application", Some("application.versions[i].image")),
            ("strategy", "application", None),
            ("strategy", "application.versions[1]", Some("application.strategy")),
            ("gateway", "application.versions[0]", Some("gateway at the top level")),
            ("image", "application.versions[0]", None),
            ("strategy", "application.versions[0].metadata", None),
            ("strategy", "metadata[0]", None),
            ("nothing", "", None),
        ];
        for (key, path, want) in cases {
            assert_eq!(misplaced(key, path).as_deref(), want, "{key} at {path:?}");
        }
    }

    #[test]
    fn only_a_true_key_gets_the_yaml11_hint() {
        let mut r = reader();
        r.known_keys(&node("attemps: 3\ntrue: 5xx\n"), "application.routing.retries", RETRIES);
        let said: Vec<String> = r.report.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(said[0].contains("did you mean `attempts`?") && !said[0].contains("`on`"), "{said:?}");
        assert!(said[1].contains("did you mean `on`?"), "{said:?}");
    }

    #[test]
    fn hints_stop_after_a_thousand_problems() {
        let mut r = reader();
        assert_eq!(r.closest("stratgy", APPLICATION), Some("strategy"));
        for i in 0..HINTED_PROBLEMS {
            r.report.error(Problem::new("x", format!("problem {i}")));
        }
        assert_eq!(r.closest("stratgy", APPLICATION), None);
    }

    fn reader() -> Reader {
        Reader { report: Report::default(), strict: false }
    }

    fn node(yaml: &str) -> Node {
        crate::input::values::parse(yaml.as_bytes(), crate::input::limits::Limits::default()).expect("test YAML parses")
    }

    /// The errors a reader reported, as `path: message (line:column)`; a value's position is
    /// that of its key, and a missing value is reported at its parent.
    fn said(r: &Reader) -> Vec<String> {
        r.report.errors.iter().map(|p| format!("{p} ({}:{})", p.pos.map_or(0, |x| x.line), p.pos.map_or(0, |x| x.col))).collect()
    }

    #[test]
    fn string_takes_text_and_names_what_it_found() {
        let v = node("a: text\nb: 1.10\nc: [x]\nd: null\n");
        let mut r = reader();
        assert_eq!(r.string(v.get("a"), "a").as_deref(), Some("text"));
        assert_eq!(r.string(v.get("d"), "d"), None, "null is absent");
        assert_eq!(r.string(v.get("missing"), "missing"), None);
        assert!(r.report.errors.is_empty());
        assert_eq!(r.string(v.get("b"), "b"), None);
        assert_eq!(r.string(v.get("c"), "c"), None);
        let got = said(&r);
        assert!(got[0].starts_with("b: expected a string, found") && got[0].contains("quote it if text is meant") && got[0].ends_with("(2:1)"), "{got:?}");
        assert!(got[1].starts_with("c: expected a string, found") && !got[1].contains("quote"), "{got:?}");
    }

    #[test]
    fn required_says_missing_once_at_the_parent() {
        let v = node("app:\n  name: \"\"\n");
        let app = v.get("app").expect("app");
        let mut r = reader();
        assert_eq!(r.required(app.get("name"), "app.name", app, "is required"), None);
        assert_eq!(r.required(app.get("image"), "app.image", app, "is required"), None);
        assert_eq!(said(&r), vec!["app.name: is required (2:3)".to_string(), "app.image: is required (1:1)".to_string()]);
    }

    #[test]
    fn integer_and_port_keep_to_their_range() {
        let v = node("a: 80\nb: 0\nc: 70000\nd: -1\ne: \"80\"\n");
        let mut r = reader();
        assert_eq!(r.port(v.get("a"), "a"), Some(80));
        assert_eq!(r.port(v.get("b"), "b"), None);
        assert_eq!(r.port(v.get("c"), "c"), None);
        assert_eq!(r.integer(v.get("d"), "d", "a weight", (0, 100)), None);
        assert_eq!(r.port(v.get("e"), "e"), None, "a quoted number is text");
        let got = said(&r);
        assert!(got[0].starts_with("b: expected a port number (1-65535), found"), "{got:?}");
        assert_eq!(got[1], "c: a port number (1-65535) must be at most 65535, found 70000 (3:1)");
        assert!(got[2].starts_with("d: expected a weight, found"), "{got:?}");
        assert!(got[3].starts_with("e: expected a port number"), "{got:?}");
    }

    #[test]
    fn map_and_list_accept_absent_and_refuse_the_other_shapes() {
        let v = node("m: {a: 1}\nl: [1]\nn: null\n");
        let mut r = reader();
        assert!(r.map(v.get("m"), "m").is_some());
        assert!(r.list(v.get("l"), "l").is_some());
        assert!(r.map(v.get("n"), "n").is_none() && r.list(v.get("x"), "x").is_none());
        assert!(r.report.errors.is_empty());
        assert!(r.map(v.get("l"), "l").is_none());
        assert!(r.list(v.get("m"), "m").is_none());
        let got = said(&r);
        assert!(got[0].starts_with("l: expected a mapping, found") && got[1].starts_with("m: expected a list, found"), "{got:?}");
    }

    #[test]
    fn known_keys_warn_with_a_hint_and_strict_makes_them_errors() {
        let v = node("wieght: 1\nstrategy: canary\n");
        let mut r = reader();
        r.known_keys(&v, "application.versions[0]", VERSION);
        assert!(r.report.errors.is_empty());
        let w: Vec<String> = r.report.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(w, vec!["application.versions[0].wieght: unknown key; did you mean `weight`?", "application.versions[0].strategy: unknown key; did you mean application.strategy?"]);
        let mut strict = Reader { report: Report::default(), strict: true };
        strict.known_keys(&v, "application.versions[0]", VERSION);
        assert_eq!(strict.report.errors.len(), 2);
        assert!(strict.report.warnings.is_empty());
    }

    #[test]
    fn name_reports_the_rule_broken() {
        let v = node("n: HttpBin\n");
        let mut r = reader();
        r.name("httpbin", v.get("n"), "n", names::rfc1035_label);
        assert!(r.report.errors.is_empty());
        r.name("HttpBin", v.get("n"), "n", names::rfc1035_label);
        let got = said(&r);
        assert!(got[0].starts_with("n: \"HttpBin\" ") && got[0].ends_with("(1:1)"), "{got:?}");
    }

    #[test]
    fn a_typo_finds_its_key_and_a_stranger_finds_none() {
        assert_eq!(closest("wieght", VERSION), Some("weight"));
        assert_eq!(closest("Stratgy", APPLICATION), Some("strategy"));
        assert_eq!(closest("stratgy123456", APPLICATION), None);
        assert_eq!(closest(&"x".repeat(100_000), APPLICATION), None);
        assert_eq!(distance("a", &"a".repeat(LONGEST_KEY + 1), 100), None);
        assert_eq!(distance("kitten", "sitting", 3), Some(3));
        assert_eq!(distance("kitten", "sitting", 2), None);
        assert_eq!(distance("SectionName", "sectionName", 0), Some(0));
    }
}
