//! The routing object as a function of the weights of a readiness state.
//!
//! `plan` builds, once per release, a tree whose list items and fields may carry a *guard*
//! ("version 1 has weight > 0") and whose weights may be references into `.Weights`. That
//! one tree is then read two ways:
//! - `Plan::at(weights)` evaluates it to the concrete object (the `ready-*` keys, `--ready`);
//! - `emit::template` writes it as the Go template the Iter8 controller executes.
//!
//! Because both readings come from the same tree, the precomputed states and the controller's
//! result cannot disagree; the tests execute the template with a Go-template engine to prove it.

use super::affinity;
use crate::model::{Env, Release, Strategy, Version};
use serde_json::{Value, json};

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

    fn not(g: Guard) -> Guard {
        match g {
            Guard::Always => Guard::Never,
            Guard::Never => Guard::Always,
            Guard::Not(inner) => *inner,
            g => Guard::Not(Box::new(g)),
        }
    }

    fn all(gs: Vec<Guard>) -> Guard {
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
fn map(entries: Vec<(&str, Tree)>) -> Tree {
    Tree::Map(entries.into_iter().map(|(k, t)| (k.to_string(), Guard::Always, t)).collect())
}

fn val(v: Value) -> Tree {
    Tree::Value(v)
}

fn s(text: &str) -> Tree {
    Tree::Value(Value::String(text.to_string()))
}

/// The routing plan of a release, or `None` for strategy `none` / environment `deployment`.
pub fn plan(r: &Release) -> Option<Tree> {
    let spec = match (r.strategy, r.env) {
        (s, e) if !e.routes(s) => return None,
        (Strategy::None, _) => return None,
        (Strategy::BlueGreen, Env::DeploymentIstio) => {
            istio_spec(r, [istio_cohorts(r), istio_affinity(r), vec![blue_green_rule(r, &r.name, destination_deploy)]].concat())
        }
        (Strategy::BlueGreen, Env::ModelMesh) => istio_spec(r, [istio_cohorts(r), vec![blue_green_rule(r, "", destination_mm)]].concat()),
        (Strategy::BlueGreen, Env::DeploymentGtw) => gtw_spec(r, [gtw_cohorts(r), gtw_affinity(r), gtw_blue_green(r)].concat(), true),
        (Strategy::BlueGreen, _) => istio_spec(r, [istio_cohorts(r), kserve_blue_green(r)].concat()),
        (Strategy::Canary, Env::DeploymentGtw) => gtw_spec(r, gtw_canary(r), false),
        (Strategy::Canary, _) => istio_spec(r, istio_canary(r)),
        (Strategy::Mirror, Env::DeploymentGtw) => gtw_spec(r, vec![gtw_mirror(r)], false),
        (Strategy::Mirror, _) => istio_spec(r, vec![mirror_rule(r)]),
    };
    let (api, kind) = match r.env {
        // A GRPCRoute is served at v1 only.
        Env::DeploymentGtw if r.grpc => ("gateway.networking.k8s.io/v1".to_string(), "GRPCRoute"),
        Env::DeploymentGtw => (format!("gateway.networking.k8s.io/{}", r.apis.gateway), "HTTPRoute"),
        _ => (format!("networking.istio.io/{}", r.apis.istio), "VirtualService"),
    };
    Some(map(vec![
        ("apiVersion", s(&api)),
        ("kind", s(kind)),
        ("metadata", val(json!({"name": r.name, "namespace": r.namespace, "labels": {crate::model::ROUTING_LABEL: r.name}}))),
        ("spec", spec),
    ]))
}

fn istio_spec(r: &Release, http: Vec<(Guard, Tree)>) -> Tree {
    let gateways: Vec<Value> = if r.env.is_kserve() {
        ["knative-serving/knative-ingress-gateway", "knative-serving/knative-local-gateway", "mesh"].map(Value::from).to_vec()
    } else {
        r.gateways.iter().map(|g| Value::from(g.istio())).chain([Value::from("mesh")]).collect()
    };
    let fields = crate::model::policy::istio_fields(&r.policy);
    let http = http.into_iter().map(|(g, route)| (g, with_fields(route, &fields))).collect();
    map(vec![("gateways", val(Value::Array(gateways))), ("hosts", val(json!(app_hosts(r)))), ("http", Tree::Seq(http))])
}

/// A rule with the policy's fields added after its own (`application.routing`).
fn with_fields(rule: Tree, fields: &[(&str, Value)]) -> Tree {
    let Tree::Map(mut entries) = rule else { return rule };
    entries.extend(fields.iter().map(|(k, v)| (k.to_string(), Guard::Always, val(v.clone()))));
    Tree::Map(entries)
}

/// A Gateway API rule with the policy: `timeouts`, and its filters ahead of the rule's own
/// (a mirror rule's guarded RequestMirror filters), in one `filters` list.
fn with_gtw_policy(rule: Tree, p: &crate::model::policy::Policy) -> Tree {
    let Tree::Map(mut entries) = rule else { return rule };
    let filters: Vec<(Guard, Tree)> = crate::model::policy::gtw_filters(p).into_iter().map(|f| (Guard::Always, val(f))).collect();
    if !filters.is_empty() {
        match entries.iter_mut().find(|(k, _, _)| k == "filters") {
            Some((_, guard, Tree::Seq(items))) => {
                items.splice(0..0, filters);
                *guard = Guard::Always;
            }
            _ => entries.push(("filters".into(), Guard::Always, Tree::Seq(filters))),
        }
    }
    if let Some(t) = crate::model::policy::gtw_timeouts(p) {
        entries.push(("timeouts".into(), Guard::Always, val(t)));
    }
    Tree::Map(entries)
}

fn app_hosts(r: &Release) -> [String; 3] {
    let (a, n) = (&r.name, &r.namespace);
    [format!("{a}.{n}"), format!("{a}.{n}.svc"), format!("{a}.{n}.svc.cluster.local")]
}

/// More than one of these versions carries traffic (weights are written only then).
fn several_ready(indices: &[usize]) -> Guard {
    if indices.len() < 2 { Guard::Never } else { Guard::Several(indices.to_vec()) }
}

fn app_version_header(name: &str) -> Value {
    json!({"app-version": name})
}

fn destination_deploy(r: &Release, v: &Version) -> (Value, Value) {
    let host = format!("{}.{}.svc.cluster.local", v.target.name, v.target.namespace);
    let dest = json!({"host": host, "port": {"number": v.port().unwrap_or(80)}});
    let mut add = app_version_header(&v.target.name);
    if let Some(a) = &r.affinity {
        add["set-cookie"] = json!(a.set_cookie(&v.target.name));
    }
    (dest, json!({"response": {"add": add}}))
}

fn destination_mm(r: &Release, v: &Version) -> (Value, Value) {
    let dest = json!({"host": r.service_host, "port": {"number": r.service_port}});
    let mut request = json!({"set": {"mm-vmodel-id": v.target.name}});
    if std::ptr::eq(v, &r.versions[0]) {
        request["remove"] = json!(["branch"]);
    }
    (dest, json!({"request": request, "response": {"add": app_version_header(&v.target.name)}}))
}

type Destination = fn(&Release, &Version) -> (Value, Value);

/// One route with a weighted destination per ready version.
fn blue_green_rule(r: &Release, name: &str, dest: Destination) -> (Guard, Tree) {
    let all: Vec<usize> = (0..r.versions.len()).collect();
    let weighted = several_ready(&all);
    let route = r.versions.iter().enumerate().map(|(i, v)| {
        let (d, headers) = dest(r, v);
        let item = Tree::Map(vec![
            ("destination".into(), Guard::Always, val(d)),
            ("weight".into(), weighted.clone(), Tree::Weight(i)),
            ("headers".into(), Guard::Always, val(headers)),
        ]);
        (Guard::Ready(i), item)
    });
    let mut rule = Vec::new();
    if !name.is_empty() {
        rule.push(("name", s(name)));
    }
    rule.push(("route", Tree::Seq(route.collect())));
    (Guard::Always, map(rule))
}

const KNATIVE_LOCAL: &str = "knative-local-gateway.istio-system.svc.cluster.local";

fn predictor_host(r: &Release, v: &Version) -> String {
    let suffix = if r.env == Env::Kserve010 { "predictor-default" } else { "predictor" };
    format!("{}-{suffix}.{}.svc.cluster.local", v.target.name, v.target.namespace)
}

/// A KServe route straight to one version: the model's infer path and predictor Host.
fn kserve_route(r: &Release, v: &Version, name: &str, with_match: Option<Value>, remove_branch: bool) -> Tree {
    let mut request = json!({"set": {"Host": predictor_host(r, v)}});
    if remove_branch {
        request["remove"] = json!(["branch"]);
    }
    let mut rule = vec![("name", s(name))];
    if let Some(m) = with_match {
        rule.push(("match", val(m)));
    }
    rule.push(("rewrite", val(json!({"uri": format!("/v2/models/{}/infer", v.target.name)}))));
    let headers = json!({"request": request, "response": {"add": app_version_header(&v.target.name)}});
    rule.push(("route", val(json!([{"destination": {"host": KNATIVE_LOCAL}, "headers": headers}]))));
    map(rule)
}

fn kserve_blue_green(r: &Release) -> Vec<(Guard, Tree)> {
    let mut http: Vec<(Guard, Tree)> = r
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let branch = json!([{"headers": {"branch": {"exact": v.target.name}}}]);
            // A candidate's route exists while it has weight; the primary's in
            // every state, so a request that names it always has a route.
            (candidate_guard(i), kserve_route(r, v, &v.target.name, Some(branch), true))
        })
        .collect();
    let all: Vec<usize> = (0..r.versions.len()).collect();
    let weighted = several_ready(&all);
    let host = format!("{}.{}", r.name, r.namespace);
    let split = r.versions.iter().enumerate().map(|(i, v)| {
        let headers = json!({"request": {"set": {"branch": v.target.name, "host": host}}});
        let item = Tree::Map(vec![
            ("destination".into(), Guard::Always, val(json!({"host": KNATIVE_LOCAL}))),
            ("weight".into(), weighted.clone(), Tree::Weight(i)),
            ("headers".into(), Guard::Always, val(headers)),
        ]);
        (Guard::Ready(i), item)
    });
    http.push((Guard::Always, map(vec![("name", s("split")), ("route", Tree::Seq(split.collect()))])));
    http
}

/// Guard of a version's own route: a candidate's exists while it has weight; the primary's
/// always, because the primary is the default destination in every state.
fn candidate_guard(i: usize) -> Guard {
    if i == 0 { Guard::Always } else { Guard::Ready(i) }
}

/// Blue-green cohorts: a candidate with `match` clauses also gets a route of its own before
/// the weighted split, while it is ready, so testers pinned by a header always reach it and
/// everyone else follows the weights. It is the canary route (same match, rewrite and
/// headers; named `<version>-cohort`, as KServe's blue-green already has a route named after
/// each version).
fn istio_cohorts(r: &Release) -> Vec<(Guard, Tree)> {
    let with_match = r.versions.iter().enumerate().skip(1).filter(|(_, v)| !v.istio_match.is_empty());
    with_match.map(|(i, v)| (Guard::Ready(i), cohort_route(r, v, &format!("{}-cohort", v.target.name)))).collect()
}

fn cohort_route(r: &Release, v: &Version, name: &str) -> Tree {
    canary_route(r, v, name, Some(Value::Array(v.istio_match.clone())))
}

/// The Gateway API's blue-green cohorts: a rule with the candidate's `matches` and only its
/// backend. A rule with matches takes precedence over the split's match-all rule.
fn gtw_cohorts(r: &Release) -> Vec<(Guard, Tree)> {
    let with_matches = r.versions.iter().enumerate().skip(1).filter(|(_, v)| !v.gtw_matches.is_empty());
    with_matches.map(|(i, v)| (Guard::Ready(i), gtw_cohort_rule(r, v))).collect()
}

fn gtw_cohort_rule(r: &Release, v: &Version) -> Tree {
    map(vec![("matches", val(Value::Array(v.gtw_matches.clone()))), ("backendRefs", Tree::Seq(vec![(Guard::Always, backend(r, v, None))]))])
}

/// Canary on Istio: each ready candidate's cohort first, then its affinity rule, then the
/// default route to the primary, in every state (a canary never takes over the primary's
/// traffic).
fn istio_canary(r: &Release) -> Vec<(Guard, Tree)> {
    let mut http = Vec::new();
    for (i, v) in r.versions.iter().enumerate().skip(1) {
        http.push((Guard::Ready(i), cohort_route(r, v, &v.target.name)));
    }
    http.extend(istio_affinity(r));
    http.push((Guard::Always, canary_route(r, &r.versions[0], &r.versions[0].target.name, None)));
    http
}

fn canary_route(r: &Release, v: &Version, name: &str, with_match: Option<Value>) -> Tree {
    match r.env {
        Env::DeploymentIstio | Env::ModelMesh => {
            let (dest, headers) =
                if r.env == Env::ModelMesh { destination_mm(r, v) } else { destination_deploy(r, v) };
            let mut rule = vec![("name", s(name))];
            if let Some(m) = with_match {
                rule.push(("match", val(m)));
            }
            rule.push(("route", val(json!([{"destination": dest, "headers": headers}]))));
            map(rule)
        }
        _ => kserve_route(r, v, name, with_match, false),
    }
}

// ---- version affinity (the matching itself: `affinity`) ----

/// The versions that get an affinity rule: every one in blue-green, the candidates in canary,
/// where the default rule already sends the primary everyone else.
fn sticky_versions(r: &Release) -> impl Iterator<Item = (usize, &Version)> {
    let first = if r.strategy == Strategy::Canary { 1 } else { 0 };
    r.versions.iter().enumerate().skip(first)
}

fn istio_affinity(r: &Release) -> Vec<(Guard, Tree)> {
    let Some(a) = &r.affinity else { return vec![] };
    sticky_versions(r)
        .map(|(i, v)| {
            let clause = json!([affinity::istio_clause(a, &v.target.name)]);
            (Guard::Ready(i), canary_route(r, v, &format!("{}-affinity", v.target.name), Some(clause)))
        })
        .collect()
}

fn gtw_affinity(r: &Release) -> Vec<(Guard, Tree)> {
    let Some(a) = &r.affinity else { return vec![] };
    sticky_versions(r)
        .map(|(i, v)| {
            let rule = map(vec![("matches", val(json!([affinity::gtw_clause(a, &v.target.name)]))), ("backendRefs", Tree::Seq(vec![(Guard::Always, backend(r, v, None))]))]);
            (Guard::Ready(i), rule)
        })
        .collect()
}

/// Mirror: live traffic to the primary in every state (a shadow never takes over the
/// primary's traffic); every ready candidate receives a copy of its weight's percentage.
fn mirror_rule(r: &Release) -> (Guard, Tree) {
    let n = r.versions.len();
    let (primary, headers) = destination_deploy(r, &r.versions[0]);
    let mut entries = vec![
        ("name".to_string(), Guard::Always, s(&r.name)),
        ("route".to_string(), Guard::Always, val(json!([{"destination": primary, "headers": headers}]))),
    ];
    let candidates: Vec<usize> = (1..n).collect();
    let several = several_ready(&candidates);
    for (i, v) in r.versions.iter().enumerate().skip(1) {
        let (dest, _) = destination_deploy(r, v);
        let single = Guard::all(vec![Guard::Ready(i), Guard::not(several.clone())]);
        entries.push(("mirror".into(), single.clone(), val(dest)));
        let pct = Tree::Map(vec![("value".into(), Guard::Always, Tree::Weight(i))]);
        entries.push(("mirrorPercentage".into(), single, pct));
    }
    let mirrors = r.versions.iter().enumerate().skip(1).map(|(i, v)| {
        let (dest, _) = destination_deploy(r, v);
        let pct = Tree::Map(vec![("value".into(), Guard::Always, Tree::Weight(i))]);
        (Guard::Ready(i), map(vec![("destination", val(dest)), ("percentage", pct)]))
    });
    entries.push(("mirrors".into(), several, Tree::Seq(mirrors.collect())));
    (Guard::Always, merge_alternatives(entries))
}

/// Keeps map entries that share a key (mutually exclusive alternatives) in order; the
/// evaluator and the template both emit only the one whose guard holds.
fn merge_alternatives(entries: Vec<(String, Guard, Tree)>) -> Tree {
    Tree::Map(entries.into_iter().filter(|(_, g, _)| *g != Guard::Never).collect())
}

fn gtw_spec(r: &Release, rules: Vec<(Guard, Tree)>, blue_green: bool) -> Tree {
    let (a, n) = (&r.name, &r.namespace);
    let hostnames = if blue_green {
        json!([a, format!("{a}.{n}"), format!("{a}.{n}.svc.cluster.local")])
    } else {
        json!(app_hosts(r))
    };
    let mut parents = vec![json!({"group": "", "kind": "Service", "name": a, "port": r.app_port})];
    for g in &r.gateways {
        let mut parent = json!({"name": g.name});
        if let Some(ns) = &g.namespace {
            parent["namespace"] = json!(ns);
        }
        if let Some(section) = &g.section {
            parent["sectionName"] = json!(section);
        }
        parents.push(parent);
    }
    let rules = rules.into_iter().map(|(g, rule)| (g, with_gtw_policy(rule, &r.policy))).collect();
    map(vec![("hostnames", val(hostnames)), ("parentRefs", val(Value::Array(parents))), ("rules", Tree::Seq(rules))])
}

/// A version's Service as a backend. A Service in another namespace than the route is named
/// with its namespace (the Gateway API then needs a ReferenceGrant there); without it, the
/// reference would mean a Service of the route's namespace.
fn service_ref(r: &Release, v: &Version) -> Vec<(&'static str, Value)> {
    let mut fields = vec![("group", json!("")), ("kind", json!("Service")), ("name", json!(v.target.name))];
    if v.target.namespace != r.namespace {
        fields.push(("namespace", json!(v.target.namespace)));
    }
    fields.push(("port", json!(v.port().unwrap_or(80))));
    fields
}

fn backend(r: &Release, v: &Version, weight: Option<usize>) -> Tree {
    let mut add = vec![json!({"name": "app-version", "value": v.target.name})];
    if let Some(a) = &r.affinity {
        add.push(json!({"name": "set-cookie", "value": a.set_cookie(&v.target.name)}));
    }
    let filter = json!([{"type": "ResponseHeaderModifier", "responseHeaderModifier": {"add": add}}]);
    let mut entries: Vec<(&str, Tree)> = service_ref(r, v).into_iter().map(|(k, x)| (k, val(x))).collect();
    if let Some(i) = weight {
        entries.push(("weight", Tree::Weight(i)));
    }
    entries.push(("filters", val(filter)));
    map(entries)
}

/// Gateway API blue-green: one rule; every ready version with its weight, always stated.
fn gtw_blue_green(r: &Release) -> Vec<(Guard, Tree)> {
    let refs = r.versions.iter().enumerate().map(|(i, v)| (Guard::Ready(i), backend(r, v, Some(i))));
    vec![(Guard::Always, map(vec![("backendRefs", Tree::Seq(refs.collect()))]))]
}

fn gtw_canary(r: &Release) -> Vec<(Guard, Tree)> {
    let mut rules = Vec::new();
    for (i, v) in r.versions.iter().enumerate().skip(1) {
        rules.push((Guard::Ready(i), gtw_cohort_rule(r, v)));
    }
    rules.extend(gtw_affinity(r));
    let primary = map(vec![("backendRefs", Tree::Seq(vec![(Guard::Always, backend(r, &r.versions[0], None))]))]);
    rules.push((Guard::Always, primary));
    rules
}

/// Mirror on the Gateway API (standard channel): one rule to the primary in every state, with
/// a `RequestMirror` filter per ready candidate whose `percent` is the candidate's weight (the
/// filter may repeat within a rule). No filters at all while no candidate is ready.
fn gtw_mirror(r: &Release) -> (Guard, Tree) {
    let primary = Tree::Seq(vec![(Guard::Always, backend(r, &r.versions[0], None))]);
    let filters = r.versions.iter().enumerate().skip(1).map(|(i, v)| {
        let target: serde_json::Map<String, Value> = service_ref(r, v).into_iter().map(|(k, x)| (k.to_string(), x)).collect();
        let mirror = map(vec![("backendRef", val(Value::Object(target))), ("percent", Tree::Weight(i))]);
        (Guard::Ready(i), map(vec![("type", s("RequestMirror")), ("requestMirror", mirror)]))
    });
    let any_ready = Guard::any((1..r.versions.len()).map(Guard::Ready).collect());
    let rule = Tree::Map(vec![
        ("backendRefs".into(), Guard::Always, primary),
        ("filters".into(), any_ready, Tree::Seq(filters.collect())),
    ]);
    (Guard::Always, rule)
}

// ---- readiness states and their weights ----

/// A readiness state: bit i set when version i is ready.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct State(pub u64);

impl State {
    pub fn all(n: usize) -> impl Iterator<Item = State> {
        (0..1u64 << n).map(State)
    }

    pub fn is_ready(self, i: usize) -> bool {
        self.0 >> i & 1 == 1
    }

    /// `none`, `0`, `0-1`: as in the `ready-<state>.yaml` keys.
    pub fn label(self, n: usize) -> String {
        let mut label = String::with_capacity(2 * n);
        for i in (0..n).filter(|&i| self.is_ready(i)) {
            if !label.is_empty() {
                label.push('-');
            }
            push_decimal(&mut label, i);
        }
        if label.is_empty() { "none".into() } else { label }
    }
}

/// The Iter8 controller's rule: declared weight when ready, else 0; all zero gives the
/// primary 1. `overrides` replace declared weights (the weight-config annotation).
pub fn state_weights(r: &Release, state: State, overrides: &[Option<u32>]) -> Vec<u32> {
    let mut w: Vec<u32> = r
        .versions
        .iter()
        .enumerate()
        .map(|(i, v)| if state.is_ready(i) { overrides.get(i).copied().flatten().unwrap_or(v.weight) } else { 0 })
        .collect();
    if w.iter().all(|&x| x == 0) {
        w[0] = 1;
    }
    w
}

/// The shares a reviewer reads: integer percentages for split strategies, and mirror weights,
/// which are already percentages, as they are.
pub fn shares(r: &Release, w: &[u32]) -> Vec<u32> {
    if r.strategy == Strategy::Mirror { w.to_vec() } else { percentages(w) }
}

/// Integer percentages that sum to 100, in the weights' proportions, where every non-zero
/// weight gets at least 1 (a ready version never rounds away) and a zero weight stays 0.
/// Largest remainder method; ties go to the lower index. All zero stays all zero.
pub fn percentages(w: &[u32]) -> Vec<u32> {
    let total: u64 = w.iter().map(|&x| u64::from(x)).sum();
    if total == 0 {
        return w.to_vec();
    }
    // Each non-zero weight first takes its floor or 1; what is left is shared by largest
    // remainder. Taking the floor-or-1 can overshoot 100 only when many tiny weights sit
    // next to a huge one; then the largest shares give back the excess, one at a time.
    let mut out: Vec<u32> = w.iter().map(|&x| if x == 0 { 0 } else { ((u64::from(x) * 100 / total) as u32).max(1) }).collect();
    let sum: u32 = out.iter().sum();
    if sum > 100 {
        let mut excess = sum - 100;
        while excess > 0 {
            let Some(k) = (0..out.len()).filter(|&k| out[k] > 1).max_by_key(|&k| (out[k], std::cmp::Reverse(k))) else { break };
            out[k] -= 1;
            excess -= 1;
        }
        return out;
    }
    let mut rest = 100 - sum;
    let mut order: Vec<usize> = (0..w.len()).filter(|&i| w[i] > 0 && u64::from(w[i]) * 100 >= total).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(u64::from(w[i]) * 100 % total));
    if order.is_empty() {
        order = (0..w.len()).filter(|&i| w[i] > 0).collect();
    }
    let mut k = 0;
    while rest > 0 {
        out[order[k % order.len()]] += 1;
        rest -= 1;
        k += 1;
    }
    out
}

/// The weights a state's routing object is evaluated with: exactly the controller's `.Weights`
/// in that state, so a `ready-*` key, `--ready` and `route` write the object the controller
/// writes, byte for byte. Istio and the Gateway API read weights as relative shares;
/// percentages are for people (`states`).
pub fn weights_for(r: &Release, state: State) -> Vec<u32> {
    state_weights(r, state, &[])
}

/// The routing object of one state, as `ready-*` keys and `--ready` show it.
pub fn object_for(r: &Release, tree: &Tree, state: State) -> Value {
    tree.at(&weights_for(r, state))
}

/// A number in decimal, without the formatting machinery (weights and state labels are
/// written thousands of times per render).
pub fn push_decimal(out: &mut String, n: usize) {
    if n >= 10 {
        push_decimal(out, n / 10);
    }
    out.push(char::from(b'0' + (n % 10) as u8));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_sum_to_100() {
        assert_eq!(percentages(&[50, 50, 50]), vec![34, 33, 33]);
        assert_eq!(percentages(&[30, 70]), vec![30, 70]);
        assert_eq!(percentages(&[1, 0]), vec![100, 0]);
        assert_eq!(percentages(&[1, 2]), vec![33, 67]);
    }

    #[test]
    fn a_non_zero_weight_never_rounds_to_zero() {
        assert_eq!(percentages(&[1000, 1]), vec![99, 1]);
        assert_eq!(percentages(&[u32::MAX, 50]), vec![99, 1]);
        assert_eq!(percentages(&[0, 0, 7]), vec![0, 0, 100]);
        let mut many = vec![1u32; 15];
        many.insert(0, 1_000_000);
        let p = percentages(&many);
        assert_eq!(p.iter().sum::<u32>(), 100);
        assert!(p.iter().all(|&x| x >= 1), "{p:?}");
        assert_eq!(p[0], 85);
    }

    #[test]
    fn labels() {
        assert_eq!(State(0).label(2), "none");
        assert_eq!(State(3).label(2), "0-1");
        assert_eq!(State(2).label(2), "1");
    }
}
