//! The routing object on Istio: a VirtualService, for the deployment environments, KServe and
//! ModelMesh, with the routing policy in Istio's spelling.

use super::affinity;
use super::shared::{app_hosts, user_spec, app_version_header, candidate_guard, ops_with, several_ready, sticky_versions};
use super::tree::{Guard, Tree, map, s, val};
use crate::model::policy::{HeaderOps, Policy};
use crate::model::{Env, Release, Version};
use serde_json::{Value, json};

pub(super) fn istio_spec(r: &Release, http: Vec<(Guard, Tree)>) -> Tree {
    let gateways: Vec<Value> = if r.env.is_kserve() {
        ["knative-serving/knative-ingress-gateway", "knative-serving/knative-local-gateway", "mesh"].map(Value::from).to_vec()
    } else {
        r.gateways.iter().map(|g| Value::from(g.istio())).chain([Value::from("mesh")]).collect()
    };
    let mut fields = istio_fields(&r.policy);
    if let Some(u) = &r.route {
        fields.extend(u.marked.fields.iter().map(|(k, v)| (k.as_str(), v.clone())));
    }
    let http: Vec<(Guard, Tree)> = http.into_iter().map(|(g, route)| (g, with_fields(route, &fields))).collect();
    match &r.route {
        Some(u) => user_spec(u, "http", http),
        None => map(vec![("gateways", val(Value::Array(gateways))), ("hosts", val(json!(app_hosts(r)))), ("http", Tree::Seq(http))]),
    }
}

/// The name of the rule that carries the release's split (or its primary, or its mirrors):
/// the marked rule's own, or `default`.
pub(super) fn main_name<'a>(r: &'a Release, default: &'a str) -> &'a str {
    r.route.as_ref().and_then(|u| u.marked.name.as_deref()).unwrap_or(default)
}

/// The marked rule's match clauses, which the release's split takes as its own.
pub(super) fn main_match(r: &Release) -> Option<Value> {
    r.route.as_ref().filter(|u| !u.marked.matches.is_empty()).map(|u| Value::Array(u.marked.matches.clone()))
}

/// A rule with the policy's fields added after its own (`application.routing`).
pub(super) fn with_fields(rule: Tree, fields: &[(&str, Value)]) -> Tree {
    let Tree::Map(mut entries) = rule else { return rule };
    entries.extend(fields.iter().map(|(k, v)| (k.to_string(), Guard::Always, val(v.clone()))));
    Tree::Map(entries)
}

pub(super) fn destination_deploy(r: &Release, v: &Version) -> (Value, Value) {
    let host = format!("{}.{}.svc.cluster.local", v.target.name, v.target.namespace);
    let dest = json!({"host": host, "port": {"number": v.port().unwrap_or(80)}});
    let mut add = app_version_header(&v.target.name);
    if let Some(a) = &r.affinity {
        add["set-cookie"] = json!(a.set_cookie(&v.target.name));
    }
    (dest, json!({"response": {"add": add}}))
}

pub(super) fn destination_mm(r: &Release, v: &Version) -> (Value, Value) {
    let dest = json!({"host": r.service_host, "port": {"number": r.service_port}});
    let mut request = json!({"set": {"mm-vmodel-id": v.target.name}});
    if std::ptr::eq(v, &r.versions[0]) {
        request["remove"] = json!(["branch"]);
    }
    (dest, json!({"request": request, "response": {"add": app_version_header(&v.target.name)}}))
}

pub(super) type Destination = fn(&Release, &Version) -> (Value, Value);

/// One route with a weighted destination per ready version.
pub(super) fn blue_green_rule(r: &Release, name: &str, dest: Destination) -> (Guard, Tree) {
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
        rule.push(("name", s(main_name(r, name))));
    }
    if let Some(m) = main_match(r) {
        rule.push(("match", val(m)));
    }
    rule.push(("route", Tree::Seq(route.collect())));
    (Guard::Always, map(rule))
}

pub(super) const KNATIVE_LOCAL: &str = "knative-local-gateway.istio-system.svc.cluster.local";

pub(super) fn predictor_host(r: &Release, v: &Version) -> String {
    let suffix = if r.env == Env::Kserve010 { "predictor-default" } else { "predictor" };
    format!("{}-{suffix}.{}.svc.cluster.local", v.target.name, v.target.namespace)
}

/// A KServe route straight to one version: the model's infer path and predictor Host.
pub(super) fn kserve_route(r: &Release, v: &Version, name: &str, with_match: Option<Value>, remove_branch: bool) -> Tree {
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

pub(super) fn kserve_blue_green(r: &Release) -> Vec<(Guard, Tree)> {
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

/// Blue-green cohorts: a candidate with `match` clauses also gets a route of its own before
/// the weighted split, while it is ready, so testers pinned by a header always reach it and
/// everyone else follows the weights. It is the canary route (same match, rewrite and
/// headers; named `<version>-cohort`, as KServe's blue-green already has a route named after
/// each version).
pub(super) fn istio_cohorts(r: &Release) -> Vec<(Guard, Tree)> {
    let with_match = r.versions.iter().enumerate().skip(1).filter(|(_, v)| !v.istio_match.is_empty());
    with_match.map(|(i, v)| (Guard::Ready(i), cohort_route(r, v, &format!("{}-cohort", v.target.name)))).collect()
}

pub(super) fn cohort_route(r: &Release, v: &Version, name: &str) -> Tree {
    canary_route(r, v, name, Some(Value::Array(r.within(&v.istio_match))))
}

/// Canary on Istio: each ready candidate's cohort first, then its affinity rule, then the
/// default route to the primary, in every state (a canary never takes over the primary's
/// traffic).
pub(super) fn istio_canary(r: &Release) -> Vec<(Guard, Tree)> {
    let mut http = Vec::new();
    for (i, v) in r.versions.iter().enumerate().skip(1) {
        http.push((Guard::Ready(i), cohort_route(r, v, &v.target.name)));
    }
    http.extend(istio_affinity(r));
    let primary = &r.versions[0];
    http.push((Guard::Always, canary_route(r, primary, main_name(r, &primary.target.name), main_match(r))));
    http
}

pub(super) fn canary_route(r: &Release, v: &Version, name: &str, with_match: Option<Value>) -> Tree {
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

pub(super) fn istio_affinity(r: &Release) -> Vec<(Guard, Tree)> {
    let Some(a) = &r.affinity else { return vec![] };
    sticky_versions(r)
        .map(|(i, v)| {
            let clause = Value::Array(r.within(&[affinity::istio_clause(a, &v.target.name)]));
            (Guard::Ready(i), canary_route(r, v, &format!("{}-affinity", v.target.name), Some(clause)))
        })
        .collect()
}

/// Mirror: live traffic to the primary in every state (a shadow never takes over the
/// primary's traffic); every ready candidate receives a copy of its weight's percentage.
pub(super) fn mirror_rule(r: &Release) -> (Guard, Tree) {
    let n = r.versions.len();
    let (primary, headers) = destination_deploy(r, &r.versions[0]);
    let mut entries = vec![("name".to_string(), Guard::Always, s(main_name(r, &r.name)))];
    if let Some(m) = main_match(r) {
        entries.push(("match".to_string(), Guard::Always, val(m)));
    }
    entries.push(("route".to_string(), Guard::Always, val(json!([{"destination": primary, "headers": headers}]))));
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
pub(super) fn merge_alternatives(entries: Vec<(String, Guard, Tree)>) -> Tree {
    Tree::Map(entries.into_iter().filter(|(_, g, _)| *g != Guard::Never).collect())
}

// ---- the routing policy in Istio's spelling ----

pub(super) fn seconds(ms: u64) -> String {
    if ms.is_multiple_of(1000) { format!("{}s", ms / 1000) } else { format!("{}.{:03}s", ms / 1000, ms % 1000) }
}

/// An origin as an Istio StringMatch: exact, or an RE2 regex for `*` and `*.` wildcards.
pub(super) fn istio_origin(o: &str) -> Value {
    if o == "*" {
        return json!({"regex": ".*"});
    }
    if !o.contains('*') {
        return json!({"exact": o});
    }
    let escaped: String = o.chars().map(|c| if "\\.+?()|[]{}^$".contains(c) { format!("\\{c}") } else { c.to_string() }).collect();
    json!({"regex": escaped.replace('*', "[^.]+")})
}

pub(super) fn istio_ops(ops: &HeaderOps) -> Value {
    ops_with(ops, |v| Value::Object(v.iter().map(|(k, x)| (k.clone(), json!(x))).collect()))
}

/// The fields of an Istio HTTPRoute, in the order written: `timeout`, `retries`,
/// `corsPolicy`, `headers`.
pub fn istio_fields(p: &Policy) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    if let Some(t) = p.timeout {
        out.push(("timeout", json!(seconds(t))));
    }
    if let Some(r) = &p.retries {
        let mut v = json!({"attempts": r.attempts});
        if let Some(t) = r.per_try_timeout {
            v["perTryTimeout"] = json!(seconds(t));
        }
        if !r.on.is_empty() {
            v["retryOn"] = json!(r.on.join(","));
        }
        out.push(("retries", v));
    }
    if let Some(c) = &p.cors {
        let mut v = serde_json::Map::new();
        if !c.allow_origins.is_empty() {
            v.insert("allowOrigins".into(), c.allow_origins.iter().map(|o| istio_origin(o)).collect());
        }
        for (key, list) in [("allowMethods", &c.allow_methods), ("allowHeaders", &c.allow_headers), ("exposeHeaders", &c.expose_headers)] {
            if !list.is_empty() {
                v.insert(key.into(), json!(list));
            }
        }
        if let Some(age) = c.max_age {
            v.insert("maxAge".into(), json!(format!("{age}s")));
        }
        if let Some(b) = c.allow_credentials {
            v.insert("allowCredentials".into(), json!(b));
        }
        out.push(("corsPolicy", Value::Object(v)));
    }
    let mut headers = serde_json::Map::new();
    if !p.request_headers.is_empty() {
        headers.insert("request".into(), istio_ops(&p.request_headers));
    }
    if !p.response_headers.is_empty() {
        headers.insert("response".into(), istio_ops(&p.response_headers));
    }
    if !headers.is_empty() {
        out.push(("headers", Value::Object(headers)));
    }
    out
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings() {
        assert_eq!(seconds(250), "0.250s");
        assert_eq!(seconds(90_000), "90s");
        assert_eq!(istio_origin("https://*.example.com"), json!({"regex": "https://[^.]+\\.example\\.com"}));
        assert_eq!(istio_origin("*"), json!({"regex": ".*"}));
    }
}
