//! The routing object on the Gateway API: an HTTPRoute or a GRPCRoute, with the routing
//! policy in the Gateway API's spelling (filters and timeouts).

use super::affinity;
use super::shared::{app_hosts, ops_with, sticky_versions, user_spec};
use super::tree::{Guard, Tree, map, s, val};
use crate::model::policy::{HeaderOps, Policy};
use crate::model::route::UserRoute;
use crate::model::{INFERENCE_GROUP, Release, Version};
use serde_json::{Value, json};

/// A Gateway API rule with the policy: `timeouts`, and its filters ahead of the rule's own
/// (a mirror rule's guarded RequestMirror filters), in one `filters` list.
pub(super) fn with_gtw_policy(rule: Tree, p: &Policy) -> Tree {
    let Tree::Map(mut entries) = rule else { return rule };
    let filters: Vec<(Guard, Tree)> = gtw_filters(p).into_iter().map(|f| (Guard::Always, val(f))).collect();
    if !filters.is_empty() {
        match entries.iter_mut().find(|(k, _, _)| k == "filters") {
            Some((_, guard, Tree::Seq(items))) => {
                items.splice(0..0, filters);
                *guard = Guard::Always;
            }
            _ => entries.push(("filters".into(), Guard::Always, Tree::Seq(filters))),
        }
    }
    if let Some(t) = gtw_timeouts(p) {
        entries.push(("timeouts".into(), Guard::Always, val(t)));
    }
    Tree::Map(entries)
}

/// The Gateway API's blue-green cohorts: a rule with the candidate's `matches` and only its
/// backend. A rule with matches takes precedence over the split's match-all rule.
pub(super) fn gtw_cohorts(r: &Release) -> Vec<(Guard, Tree)> {
    let with_matches = r.versions.iter().enumerate().skip(1).filter(|(_, v)| !v.gtw_matches.is_empty());
    with_matches.map(|(i, v)| (Guard::Ready(i), gtw_cohort_rule(r, v))).collect()
}

pub(super) fn gtw_cohort_rule(r: &Release, v: &Version) -> Tree {
    map(vec![("matches", val(Value::Array(r.within(&v.gtw_matches)))), ("backendRefs", Tree::Seq(vec![(Guard::Always, backend(r, v, None))]))])
}

/// The rule that carries the release's split, primary or mirrors: with `application.route`,
/// the marked rule's `name` and `matches` first.
fn main_rule(r: &Release, rest: Vec<(String, Guard, Tree)>) -> Tree {
    let mut entries = Vec::new();
    if let Some(u) = &r.route {
        if let Some(name) = &u.marked.name {
            entries.push(("name".to_string(), Guard::Always, s(name)));
        }
        if !u.marked.matches.is_empty() {
            entries.push(("matches".to_string(), Guard::Always, val(Value::Array(u.marked.matches.clone()))));
        }
    }
    entries.extend(rest);
    Tree::Map(entries)
}

/// A rule of the release with the marked rule's filters ahead of its own and its other
/// fields after them.
fn with_marked(rule: Tree, u: &UserRoute) -> Tree {
    let Tree::Map(mut entries) = rule else { return rule };
    if !u.marked.filters.is_empty() {
        let filters: Vec<(Guard, Tree)> = u.marked.filters.iter().map(|f| (Guard::Always, val(f.clone()))).collect();
        match entries.iter_mut().find(|(k, _, _)| k == "filters") {
            Some((_, guard, Tree::Seq(items))) => {
                items.splice(0..0, filters);
                *guard = Guard::Always;
            }
            _ => entries.push(("filters".into(), Guard::Always, Tree::Seq(filters))),
        }
    }
    entries.extend(u.marked.fields.iter().map(|(k, v)| (k.clone(), Guard::Always, val(v.clone()))));
    Tree::Map(entries)
}

pub(super) fn gtw_affinity(r: &Release) -> Vec<(Guard, Tree)> {
    let Some(a) = &r.affinity else { return vec![] };
    sticky_versions(r)
        .map(|(i, v)| {
            let clause = r.within(&[affinity::gtw_clause(a, &v.target.name)]);
            let rule = map(vec![("matches", val(Value::Array(clause))), ("backendRefs", Tree::Seq(vec![(Guard::Always, backend(r, v, None))]))]);
            (Guard::Ready(i), rule)
        })
        .collect()
}

pub(super) fn gtw_spec(r: &Release, rules: Vec<(Guard, Tree)>, blue_green: bool) -> Tree {
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
    let rules: Vec<(Guard, Tree)> = rules.into_iter().map(|(g, rule)| (g, with_gtw_policy(rule, &r.policy))).collect();
    match &r.route {
        Some(u) => user_spec(u, "rules", rules.into_iter().map(|(g, rule)| (g, with_marked(rule, u))).collect()),
        None => map(vec![("hostnames", val(hostnames)), ("parentRefs", val(Value::Array(parents))), ("rules", Tree::Seq(rules))]),
    }
}

/// A version's Service as a backend, or with `backend: inferencepool` its InferencePool (which
/// takes no port: the pool says its own). One in another namespace than the route is named
/// with its namespace (the Gateway API then needs a ReferenceGrant there); without it, the
/// reference would mean one of the route's namespace.
pub(super) fn service_ref(r: &Release, v: &Version) -> Vec<(&'static str, Value)> {
    let (group, kind) = if r.pools { (INFERENCE_GROUP, "InferencePool") } else { ("", "Service") };
    let mut fields = vec![("group", json!(group)), ("kind", json!(kind)), ("name", json!(v.target.name))];
    if v.target.namespace != r.namespace {
        fields.push(("namespace", json!(v.target.namespace)));
    }
    if !r.pools {
        fields.push(("port", json!(v.port().unwrap_or(80))));
    }
    fields
}

pub(super) fn backend(r: &Release, v: &Version, weight: Option<usize>) -> Tree {
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
pub(super) fn gtw_blue_green(r: &Release) -> Vec<(Guard, Tree)> {
    let refs = r.versions.iter().enumerate().map(|(i, v)| (Guard::Ready(i), backend(r, v, Some(i))));
    vec![(Guard::Always, main_rule(r, vec![("backendRefs".into(), Guard::Always, Tree::Seq(refs.collect()))]))]
}

pub(super) fn gtw_canary(r: &Release) -> Vec<(Guard, Tree)> {
    let mut rules = Vec::new();
    for (i, v) in r.versions.iter().enumerate().skip(1) {
        rules.push((Guard::Ready(i), gtw_cohort_rule(r, v)));
    }
    rules.extend(gtw_affinity(r));
    let primary = main_rule(r, vec![("backendRefs".into(), Guard::Always, Tree::Seq(vec![(Guard::Always, backend(r, &r.versions[0], None))]))]);
    rules.push((Guard::Always, primary));
    rules
}

/// Mirror on the Gateway API (standard channel): one rule to the primary in every state, with
/// a `RequestMirror` filter per ready candidate whose `percent` is the candidate's weight (the
/// filter may repeat within a rule). No filters at all while no candidate is ready.
pub(super) fn gtw_mirror(r: &Release) -> (Guard, Tree) {
    let primary = Tree::Seq(vec![(Guard::Always, backend(r, &r.versions[0], None))]);
    let filters = r.versions.iter().enumerate().skip(1).map(|(i, v)| {
        let target: serde_json::Map<String, Value> = service_ref(r, v).into_iter().map(|(k, x)| (k.to_string(), x)).collect();
        let mirror = map(vec![("backendRef", val(Value::Object(target))), ("percent", Tree::Weight(i))]);
        (Guard::Ready(i), map(vec![("type", s("RequestMirror")), ("requestMirror", mirror)]))
    });
    let any_ready = Guard::any((1..r.versions.len()).map(Guard::Ready).collect());
    let rule = main_rule(r, vec![
        ("backendRefs".into(), Guard::Always, primary),
        ("filters".into(), any_ready, Tree::Seq(filters.collect())),
    ]);
    (Guard::Always, rule)
}

// ---- the routing policy in the Gateway API's spelling ----

pub(super) fn gtw_ops(ops: &HeaderOps) -> Value {
    ops_with(ops, |v| v.iter().map(|(k, x)| json!({"name": k, "value": x})).collect())
}

/// A Gateway API rule's `timeouts`, if any.
pub fn gtw_timeouts(p: &Policy) -> Option<Value> {
    p.timeout.map(|t| json!({"request": gtw_duration(t)}))
}

/// GEP-2257 spelling of milliseconds.
pub(super) fn gtw_duration(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{ms}ms") }
}

/// A Gateway API rule's filters: `CORS`, `RequestHeaderModifier`, `ResponseHeaderModifier`.
pub fn gtw_filters(p: &Policy) -> Vec<Value> {
    let mut out = Vec::new();
    if let Some(c) = &p.cors {
        let mut v = serde_json::Map::new();
        for (key, list) in [
            ("allowOrigins", &c.allow_origins),
            ("allowMethods", &c.allow_methods),
            ("allowHeaders", &c.allow_headers),
            ("exposeHeaders", &c.expose_headers),
        ] {
            if !list.is_empty() {
                v.insert(key.into(), json!(list));
            }
        }
        if let Some(age) = c.max_age {
            v.insert("maxAge".into(), json!(age));
        }
        if let Some(b) = c.allow_credentials {
            v.insert("allowCredentials".into(), json!(b));
        }
        out.push(json!({"type": "CORS", "cors": v}));
    }
    if !p.request_headers.is_empty() {
        out.push(json!({"type": "RequestHeaderModifier", "requestHeaderModifier": gtw_ops(&p.request_headers)}));
    }
    if !p.response_headers.is_empty() {
        out.push(json!({"type": "ResponseHeaderModifier", "responseHeaderModifier": gtw_ops(&p.response_headers)}));
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    /// The validation counts the filters the policy takes without writing them; the count is
    /// what is written.
    #[test]
    fn the_filters_are_as_many_as_the_policy_counts() {
        let ops = HeaderOps { set: vec![("a".into(), "b".into())], ..HeaderOps::default() };
        let cors = crate::model::policy::Cors { allow_origins: vec!["*".into()], ..Default::default() };
        let full = Policy { cors: Some(cors), request_headers: ops.clone(), response_headers: ops.clone(), ..Policy::default() };
        for p in [Policy::default(), Policy { request_headers: ops, ..Policy::default() }, full] {
            assert_eq!(gtw_filters(&p).len(), p.gtw_filter_count(), "{p:?}");
        }
    }

    #[test]
    fn spellings() {
        assert_eq!(gtw_duration(90_000), "90s");
        assert_eq!(gtw_duration(1_500), "1500ms");
    }
}
