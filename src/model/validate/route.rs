//! `application.route`: the user's own routing object, checked as the routing API checks it,
//! with the one rule marked `release: true` taken apart for the plan (`model::route`).
//!
//! What the release owns in the marked rule is refused there by name: its backends or
//! destinations (each version's, with the state's weights), a redirect (which cannot stand
//! beside backends), the `app-version` response header, and a policy field that
//! `application.routing` already sets. A user rule that sends traffic to a version's Service
//! or pool is refused too: that traffic would bypass the release's weights.

use super::*;
use super::gtw_rules::GTW_MAX_FILTERS;
use super::matches::nth;
use crate::model::route::{Marked, UserRoute, canonical, conflict};

// The field names are matches rather than tables of strings: every string pointer in static
// data is one more relocation at every start of the binary (docs/performance.md).

/// The spec fields of each API's route, and the list a message gives.
fn gtw_field(k: &str) -> bool {
    matches!(k, "hostnames" | "parentRefs" | "rules")
}
fn istio_field(k: &str) -> bool {
    matches!(k, "hosts" | "gateways" | "http" | "exportTo")
}

/// Rule fields: an HTTPRoute's, a GRPCRoute's (no timeouts), an Istio HTTPRoute's.
fn gtw_rule(k: &str) -> bool {
    matches!(k, "name" | "matches" | "filters" | "backendRefs" | "timeouts" | "release")
}
fn grpc_rule(k: &str) -> bool {
    k != "timeouts" && gtw_rule(k)
}
fn istio_rule(k: &str) -> bool {
    matches!(k, "name" | "match" | "release" | "rewrite" | "timeout" | "retries" | "fault" | "corsPolicy" | "headers") || istio_destination(k)
}
/// Istio rule fields that say where the requests go: the release's to write in the marked rule.
fn istio_destination(k: &str) -> bool {
    matches!(k, "route" | "redirect" | "directResponse" | "delegate" | "mirror" | "mirrors" | "mirrorPercentage")
}
const GTW_RULE_FIELDS: &str = "name, matches, filters, backendRefs, timeouts";
const GRPC_RULE_FIELDS: &str = "name, matches, filters, backendRefs";
const ISTIO_RULE_FIELDS: &str = "name, match, route, redirect, directResponse, delegate, rewrite, timeout, retries, fault, mirror, mirrors, mirrorPercentage, corsPolicy, headers";

impl Reader {
    /// `application.route`, or `None` when it is absent, not used, or wrong.
    pub(super) fn user_route(&mut self, node: Option<&Node>, c: &RouteContext) -> Option<UserRoute> {
        let path = "application.route";
        let node = node.filter(|n| !n.is_null())?;
        let node = self.map(Some(node), path)?;
        let gtw = c.env == Env::DeploymentGtw;
        if !gtw && c.env != Env::DeploymentIstio {
            let msg = format!("a route of your own is for deployment-istio and deployment-gtw, where releasegen writes the routing object; environment {} has none", c.env.name());
            self.error(path, Some(node), msg);
            return None;
        }
        match c.strategy {
            None => return None,
            Some(Strategy::None) => {
                self.ignored(Problem::at(path, Some(node.pos), "is not used: strategy none renders no routing object (ignored)"));
                return None;
            }
            Some(_) => {}
        }
        if !c.gateways.is_empty() {
            let where_ = if gtw { "its parentRefs" } else { "its gateways" };
            let msg = format!("with application.route, the route says where it attaches ({where_}); write the gateway there, not in `gateway`");
            self.error("gateway", c.gateway, msg);
        }
        let (known, list, rules_key, other): (fn(&str) -> bool, _, _, _) =
            if gtw { (gtw_field, "hostnames, parentRefs, rules", "rules", "http") } else { (istio_field, "hosts, gateways, http, exportTo", "http", "rules") };
        let Val::Map(entries) = &node.value else { return None };
        let mut fields = Vec::new();
        for (k, v) in entries.iter() {
            let p = join(path, k);
            if !known(k) {
                let hint = if k == other { format!("; this environment's route holds its rules in `{rules_key}`") } else { String::new() };
                self.error(&p, Some(v), format!("not a field of the route ({list}){hint}"));
                continue;
            }
            let value = if k == rules_key { Value::Null } else { v.to_json() };
            fields.push((k.clone(), value));
        }
        if gtw {
            self.parent_refs(node, path);
            self.hostnames(node.get("hostnames"), &join(path, "hostnames"));
        } else {
            self.istio_hosts(node, path);
        }
        let rp = join(path, rules_key);
        let Some(rules) = self.list(node.get(rules_key), &rp) else {
            self.error(&rp, Some(node), format!("the route needs its `{rules_key}`, one of them marked `release: true`"));
            return None;
        };
        let Val::Seq(items) = &rules.value else { return None };
        let mut marked: Option<(usize, Marked)> = None;
        let (mut before, mut after) = (Vec::new(), Vec::new());
        for (i, rule) in items.iter().enumerate() {
            let p = format!("{rp}[{i}]");
            let Some(rule) = self.map(Some(rule), &p) else { continue };
            let is_marked = match rule.get("release").filter(|n| !n.is_null()) {
                None => false,
                Some(Node { value: Val::Bool(b), .. }) => *b,
                Some(n) => {
                    self.error(&join(&p, "release"), Some(n), format!("expected true or false, found {}", n.describe()));
                    false
                }
            };
            if is_marked {
                if let Some((first, _)) = &marked {
                    let msg = format!("a second rule marked `release: true` ({rp}[{first}] is the first); the release's traffic goes to one rule");
                    self.error(&join(&p, "release"), rule.get("release"), msg);
                    continue;
                }
                marked = Some((i, if gtw { self.gtw_marked(rule, &p, c) } else { self.istio_marked(rule, &p, c) }));
                continue;
            }
            let mut user = if gtw { self.gtw_user_rule(rule, &p, c) } else { self.istio_user_rule(rule, &p, c) };
            // `release: false` is releasegen's too, and no field of the routing API.
            if let Value::Object(fields) = &mut user {
                fields.shift_remove("release");
            }
            if marked.is_some() { after.push(user) } else { before.push(user) }
        }
        let Some((at, marked)) = marked else {
            self.error(&rp, Some(rules), "no rule is marked `release: true`: mark the one whose traffic the release splits between its versions");
            return None;
        };
        let route = canonical_route(UserRoute { fields, before, after, marked });
        self.route_conflicts(&route, &format!("{rp}[{at}]"), items.get(at), c);
        if gtw {
            self.prefix_rewrites(&route, &format!("{rp}[{at}]"), items.get(at), c);
            self.rule_names(items, &rp);
        } else {
            self.unreachable_rules(&route, items, &rp, at);
        }
        Some(route)
    }

    // ---- the Gateway API ------------------------------------------------------------------------

    /// A rule of the user's other than the marked one: its matches, filters and backends as the
    /// API checks them, and no backend that is one of the release's versions.
    fn gtw_user_rule(&mut self, rule: &Node, path: &str, c: &RouteContext) -> Value {
        self.gtw_rule_fields(rule, path, c.grpc);
        self.rule_name(rule, path);
        self.gtw_matches(rule.get("matches"), &join(path, "matches"), false, true, c.grpc);
        let backends = self.backend_refs(rule.get("backendRefs"), &join(path, "backendRefs"), c);
        let types = self.gtw_filters(rule.get("filters"), &join(path, "filters"), c.grpc);
        if backends > 0 && types.iter().any(|t| t == "RequestRedirect") {
            self.error(&join(path, "filters"), rule.get("filters"), "a RequestRedirect filter cannot stand beside backendRefs (the Gateway API refuses the rule)");
        }
        let json = rule.to_json();
        if replaces_prefix(&json["filters"]) && !one_prefix_match(&json["matches"]) {
            self.error(&join(path, "filters"), rule.get("filters"), PREFIX_REWRITE);
        }
        json
    }

    fn gtw_rule_fields(&mut self, rule: &Node, path: &str, grpc: bool) {
        if grpc { self.only_fields(rule, path, grpc_rule, GRPC_RULE_FIELDS) } else { self.only_fields(rule, path, gtw_rule, GTW_RULE_FIELDS) }
    }

    /// The marked rule: its own matches, filters and timeouts; the backends are the release's.
    fn gtw_marked(&mut self, rule: &Node, path: &str, c: &RouteContext) -> Marked {
        self.gtw_rule_fields(rule, path, c.grpc);
        let name = self.rule_name(rule, path);
        let matches = self.gtw_matches(rule.get("matches"), &join(path, "matches"), false, true, c.grpc);
        if let Some(b) = rule.get("backendRefs").filter(|n| !n.is_null()) {
            let what = if c.pools { "each version's InferencePool" } else { "each version's Service" };
            self.error(&join(path, "backendRefs"), Some(b), format!("the release writes this rule's backends ({what}, with the weights of each readiness state); leave backendRefs out of the marked rule"));
        }
        let fp = join(path, "filters");
        let types = self.gtw_filters(rule.get("filters"), &fp, c.grpc);
        let filters: Vec<Value> = rule.get("filters").map(Node::to_json).and_then(|v| v.as_array().cloned()).unwrap_or_default();
        if types.iter().any(|t| t == "RequestRedirect") {
            self.error(&fp, rule.get("filters"), "a RequestRedirect filter cannot stand beside the release's backends (the Gateway API refuses it with backendRefs); redirect in a rule of its own");
        }
        // The filters the policy writes (`gtw_filters`), each at most once in a rule.
        for kind in &types {
            let policy = match kind.as_str() {
                "CORS" if c.policy.cors.is_some() => "cors",
                "RequestHeaderModifier" if !c.policy.request_headers.is_empty() => "requestHeaders",
                "ResponseHeaderModifier" if !c.policy.response_headers.is_empty() => "responseHeaders",
                _ => continue,
            };
            let msg = format!("application.routing.{policy} writes a {kind} filter into this rule too, and the Gateway API takes one per rule; write the change in one place");
            self.error(&fp, rule.get("filters"), msg);
        }
        for (j, f) in filters.iter().enumerate() {
            if touches_app_version(&f["responseHeaderModifier"]) {
                let at = rule.get("filters").and_then(|l| nth(l, j));
                self.error(&format!("{fp}[{j}]"), at, "changes the app-version response header, which the release writes to say which version answered");
            }
        }
        let mut fields = Vec::new();
        if let Some(t) = rule.get("timeouts").filter(|n| !n.is_null()) {
            if c.policy.timeout.is_some() {
                self.error(&join(path, "timeouts"), Some(t), "application.routing.timeout sets this rule's timeouts too; write it in one place");
            }
            fields.push(("timeouts".to_string(), t.to_json()));
        }
        let mirrors = if c.strategy == Some(Strategy::Mirror) { c.versions.len().saturating_sub(1) } else { 0 };
        let total = filters.len() + c.policy.gtw_filter_count() + mirrors;
        if total > GTW_MAX_FILTERS && filters.len() <= GTW_MAX_FILTERS {
            let msg = format!("{total} filters in the release's rules ({} here, the routing policy's and a RequestMirror per candidate); the Gateway API takes at most {GTW_MAX_FILTERS} in a rule", filters.len());
            self.error(&fp, rule.get("filters"), msg);
        }
        Marked { matches, name, filters, fields }
    }

    // ---- Istio ----------------------------------------------------------------------------------

    fn istio_hosts(&mut self, route: &Node, path: &str) {
        let p = join(path, "hosts");
        match self.list(route.get("hosts"), &p) {
            Some(Node { value: Val::Seq(items), .. }) if !items.is_empty() => self.texts(route.get("hosts"), &p),
            Some(list) => self.error(&p, Some(list), "the route needs at least one host (Istio routes the requests for its hosts)"),
            None => self.error(&p, Some(route), "the route needs its hosts (Istio routes the requests for its hosts)"),
        }
        self.texts(route.get("gateways"), &join(path, "gateways"));
        self.texts(route.get("exportTo"), &join(path, "exportTo"));
    }

    /// A list of text, each item said where it is not text.
    fn texts(&mut self, node: Option<&Node>, path: &str) {
        if let Some(Node { value: Val::Seq(items), .. }) = self.list(node, path) {
            for (i, item) in items.iter().enumerate() {
                self.string(Some(item), &format!("{path}[{i}]"));
            }
        }
    }

    fn istio_user_rule(&mut self, rule: &Node, path: &str, c: &RouteContext) -> Value {
        self.only_fields(rule, path, istio_rule, ISTIO_RULE_FIELDS);
        self.string(rule.get("name"), &join(path, "name"));
        self.istio_match(rule.get("match"), &join(path, "match"), false, true);
        let given: Vec<&str> = rule_keys(rule).filter(|k| matches!(*k, "route" | "redirect" | "directResponse" | "delegate")).collect();
        match given.len() {
            0 => self.error(path, Some(rule), "a rule needs a route, redirect, directResponse or delegate (Istio refuses one without)"),
            1 => {}
            _ => self.error(path, Some(rule), format!("a rule takes one of route, redirect, directResponse and delegate; this one has {}", given.join(" and "))),
        }
        let rp = join(path, "route");
        if let Some(Node { value: Val::Seq(items), .. }) = self.list(rule.get("route"), &rp) {
            for (j, d) in items.iter().enumerate() {
                let p = format!("{rp}[{j}].destination");
                let Some(dest) = self.map(d.get("destination"), &p) else {
                    self.error(&p, Some(d), "a route needs its destination");
                    continue;
                };
                let Some(host) = self.required(dest.get("host"), &join(&p, "host"), dest, "a destination needs its host") else { continue };
                if let Some(i) = c.versions.iter().position(|v| names_version(&host, v, c.namespace)) {
                    let msg = format!("is version {i}'s Service, whose traffic the release decides with its weights; send it through the rule marked `release: true`");
                    self.error(&join(&p, "host"), dest.get("host"), msg);
                }
            }
        }
        rule.to_json()
    }

    fn istio_marked(&mut self, rule: &Node, path: &str, c: &RouteContext) -> Marked {
        self.only_fields(rule, path, istio_rule, ISTIO_RULE_FIELDS);
        let name = self.string(rule.get("name"), &join(path, "name"));
        let matches = self.istio_match(rule.get("match"), &join(path, "match"), false, true);
        let mut fields = Vec::new();
        let Val::Map(entries) = &rule.value else { return Marked { matches, name, filters: Vec::new(), fields } };
        for (k, v) in entries.iter() {
            let p = join(path, k);
            if matches!(k.as_str(), "name" | "match" | "release") || !istio_rule(k) {
                continue;
            }
            if istio_destination(k) {
                self.error(&p, Some(v), format!("the release writes where this rule's requests go (each version's Service, with the weights of each readiness state, and its mirrors); leave `{k}` out of the marked rule"));
                continue;
            }
            let by_policy = match k.as_str() {
                "timeout" => c.policy.timeout.is_some().then_some("timeout"),
                "retries" => c.policy.retries.is_some().then_some("retries"),
                "corsPolicy" => c.policy.cors.is_some().then_some("cors"),
                "headers" => (!c.policy.request_headers.is_empty() || !c.policy.response_headers.is_empty()).then_some("requestHeaders or responseHeaders"),
                _ => None,
            };
            if let Some(policy) = by_policy {
                self.error(&p, Some(v), format!("application.routing.{policy} sets this rule's `{k}` too; write it in one place"));
                continue;
            }
            if k == "headers" && touches_app_version(&v.to_json()["response"]) {
                self.error(&p, Some(v), "changes the app-version response header, which the release writes to say which version answered");
            }
            fields.push((k.clone(), v.to_json()));
        }
        Marked { matches, name, filters: Vec::new(), fields }
    }

    /// Istio tries rules in order: one after a rule that matches every request is reached by
    /// none (Istio says so too, as a warning). The release's split or primary rule takes the
    /// marked rule's matches. (An empty `match` list is refused where it is read.)
    fn unreachable_rules(&mut self, route: &UserRoute, items: &[Node], path: &str, at: usize) {
        let matches_all = |i: usize| if i == at { route.marked.matches.is_empty() } else { items[i].get("match").is_none_or(Node::is_null) };
        let Some(first) = (0..items.len()).find(|&i| matches_all(i)) else { return };
        for (i, rule) in items.iter().enumerate().skip(first + 1) {
            let msg = format!("is reached by no request: {path}[{first}] before it matches every request, and Istio tries rules in order");
            self.report.warn(Problem::at(&format!("{path}[{i}]"), Some(rule.pos), msg));
        }
    }

    /// A path prefix rewrite in the marked rule reaches every rule of the release, and the
    /// Gateway API takes one only in a rule of exactly one PathPrefix match: so the marked rule
    /// has one, and each cohort one clause.
    fn prefix_rewrites(&mut self, route: &UserRoute, marked_path: &str, marked: Option<&Node>, c: &RouteContext) {
        if !replaces_prefix(&Value::Array(route.marked.filters.clone())) {
            return;
        }
        if !one_prefix_match(&Value::Array(route.marked.matches.clone())) {
            self.error(&join(marked_path, "filters"), marked.and_then(|m| m.get("filters")), PREFIX_REWRITE);
            return;
        }
        for (i, v) in c.versions.iter().enumerate().skip(1) {
            if v.gtw_matches.len() > 1 {
                let msg = format!("{} clauses, and the rule marked `release: true` rewrites a path prefix, which the Gateway API takes only in a rule of one PathPrefix match; give the cohort one clause", v.gtw_matches.len());
                self.report.error(Problem::at(&format!("application.versions[{i}].matches"), v.written.matches, msg));
            }
        }
    }

    // ---- both -----------------------------------------------------------------------------------

    /// The release's cohorts and affinity rules take only the requests the marked rule matches,
    /// each clause ANDed with each of its. A pair no request meets is refused, naming both.
    fn route_conflicts(&mut self, route: &UserRoute, marked_path: &str, marked: Option<&Node>, c: &RouteContext) {
        let gtw = c.env == Env::DeploymentGtw;
        let mkey = if gtw { "matches" } else { "match" };
        let canary = c.strategy == Some(Strategy::Canary);
        for (i, v) in c.versions.iter().enumerate().skip(1) {
            let own = if gtw { &v.gtw_matches } else { &v.istio_match };
            if own.is_empty() || !(canary || c.strategy == Some(Strategy::BlueGreen)) {
                continue;
            }
            for (j, clause) in own.iter().enumerate() {
                for (k, m) in route.marked.matches.iter().enumerate() {
                    let Some(key) = conflict(m, clause) else { continue };
                    let (p, at) = match v.written.matches {
                        Some(_) => (format!("application.versions[{i}].{mkey}[{j}]"), v.written.clauses.get(j).copied().or(v.written.matches)),
                        None => (format!("application.versions[{i}]"), v.written.version),
                    };
                    let msg = format!("sets `{key}` differently from {marked_path}.{mkey}[{k}], the rule marked `release: true`, so no request meets both and the cohort would take nothing; the cohort takes only requests the marked rule matches");
                    self.report.error(Problem::at(&p, at, msg));
                }
            }
        }
        if c.affinity {
            for (k, m) in route.marked.matches.iter().enumerate() {
                let cookie = if gtw {
                    m["headers"].as_array().is_some_and(|h| h.iter().any(|x| x["name"].as_str().is_some_and(|n| n.eq_ignore_ascii_case("cookie"))))
                } else {
                    m["headers"].get("cookie").is_some()
                };
                if cookie {
                    let at = marked.and_then(|n| n.get(mkey)).and_then(|l| nth(l, k));
                    let msg = "matches the Cookie header, which version affinity matches in the rules it adds here; match another header";
                    self.error(&format!("{marked_path}.{mkey}[{k}]"), at, msg);
                }
            }
        }
    }
}

const PREFIX_REWRITE: &str = "a URLRewrite or RequestRedirect with ReplacePrefixMatch needs its rule to match exactly one PathPrefix path (the Gateway API refuses it otherwise)";

/// Whether filters rewrite or redirect with `ReplacePrefixMatch`.
fn replaces_prefix(filters: &Value) -> bool {
    let by_prefix = |f: &Value| f["urlRewrite"]["path"]["type"] == "ReplacePrefixMatch" || f["requestRedirect"]["path"]["type"] == "ReplacePrefixMatch";
    filters.as_array().is_some_and(|fs| fs.iter().any(by_prefix))
}

/// Exactly one match, with a PathPrefix path, as the API server fills them in: no matches is
/// the one `PathPrefix /`, and a path without a type is a prefix.
fn one_prefix_match(matches: &Value) -> bool {
    match matches.as_array().map(Vec::as_slice) {
        None | Some([]) => true,
        Some([m]) => m["path"].is_object() && m["path"]["type"].as_str().unwrap_or("PathPrefix") == "PathPrefix",
        Some(_) => false,
    }
}

/// The route with every mapping's keys in alphabetical order, as Helm's `toYaml` writes them:
/// a release renders byte for byte the same from a values file as through the chart. Lists
/// (the rules, their matches and filters) keep their order.
fn canonical_route(u: UserRoute) -> UserRoute {
    let sorted = |mut fields: Vec<(String, Value)>| {
        fields.sort_by(|a, b| a.0.cmp(&b.0));
        fields.into_iter().map(|(k, v)| (k, canonical(v))).collect::<Vec<_>>()
    };
    let all = |vs: Vec<Value>| vs.into_iter().map(canonical).collect::<Vec<_>>();
    let m = u.marked;
    UserRoute {
        fields: sorted(u.fields),
        before: all(u.before),
        after: all(u.after),
        marked: Marked { matches: all(m.matches), name: m.name, filters: all(m.filters), fields: sorted(m.fields) },
    }
}

/// The keys a rule gives a value (not null), in the order written.
fn rule_keys(rule: &Node) -> impl Iterator<Item = &str> {
    let entries = match &rule.value {
        Val::Map(entries) => entries.as_slice(),
        _ => &[],
    };
    entries.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.as_str())
}

/// Whether a header change (`{set, add, remove}`, as either API spells it) touches `app-version`.
fn touches_app_version(ops: &Value) -> bool {
    let named = |v: &Value| match v {
        Value::Object(m) => m.keys().any(|k| k.eq_ignore_ascii_case("app-version")),
        Value::Array(items) => items.iter().any(|x| x.as_str().or(x["name"].as_str()).is_some_and(|n| n.eq_ignore_ascii_case("app-version"))),
        _ => false,
    };
    named(&ops["set"]) || named(&ops["add"]) || named(&ops["remove"])
}

/// Whether an Istio destination host names a version's Service (short, namespaced or full).
fn names_version(host: &str, v: &Version, namespace: &str) -> bool {
    let (n, ns) = (&v.target.name, &v.target.namespace);
    let full = format!("{n}.{ns}.svc.cluster.local");
    host == full || host == format!("{n}.{ns}") || host == format!("{n}.{ns}.svc") || (host == n && ns == namespace)
}
