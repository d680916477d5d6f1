//! Match clauses (`match` on Istio, `matches` on the Gateway API), checked as the cluster
//! checks them, so a cohort the mesh would refuse fails here, at the path of the offending
//! value, and not at apply time. The rules are those of Istio's admission webhook
//! (`validateHTTPRouteMatchRequest`: header names, empty prefixes, RE2 regexes up to 1024
//! bytes, ports, labels, namespaces) with the VirtualService CRD's types (a StringMatch is one
//! of `exact`, `prefix`, `regex`), and those of the HTTPRoute CRD (its enums, lengths, list
//! sizes, unique names and the CEL rules on paths).

use super::*;
use super::api_rules::{grpc_method, grpc_service, gtw_path_value, istio_header_name, match_gateway};
use crate::model::re2;
use crate::model::route::UserRoute;

/// The HTTPRoute CRD's limits.
const GTW_MAX_MATCHES: usize = 64;
const GTW_MAX_ROUTE_MATCHES: usize = 128;
const GTW_MAX_FILTERS: usize = 16;
const GTW_MAX_RULES: usize = 16;
const GTW_MAX_NAMED: usize = 16;
const GTW_MAX_PATH: usize = 1024;
const GTW_MAX_HEADER_VALUE: usize = 4096;
const GTW_MAX_QUERY_VALUE: usize = 1024;

/// Item `i` of a list node.
pub(super) fn nth(node: &Node, i: usize) -> Option<&Node> {
    match &node.value {
        Val::Seq(items) => items.get(i),
        _ => None,
    }
}

impl Reader {
    /// `match`: checked in full where it routes (`deep`), else only its shape.
    pub(super) fn istio_match(&mut self, node: Option<&Node>, path: &str, canary: bool, deep: bool) -> Vec<Value> {
        let Some(node) = self.list(node, path) else {
            return if canary { vec![serde_json::json!({"headers": {"traffic": {"exact": "test"}}})] } else { vec![] };
        };
        self.clauses(node, path, ISTIO_MATCH, if deep { Reader::istio_clause } else { |_, _, _| {} })
    }

    /// `matches`: checked in full where it routes (`deep`), else only its shape; GRPCRoute
    /// clauses with `grpc`.
    pub(super) fn gtw_matches(&mut self, node: Option<&Node>, path: &str, canary: bool, deep: bool, grpc: bool) -> Vec<Value> {
        let Some(node) = self.list(node, path) else {
            return if canary { vec![serde_json::json!({"headers": [{"name": "traffic", "value": "test"}]})] } else { vec![] };
        };
        if deep {
            if let Val::Seq(items) = &node.value {
                if items.len() > GTW_MAX_MATCHES {
                    self.error(path, Some(node), format!("{} match clauses; an HTTPRoute rule takes at most {GTW_MAX_MATCHES}", items.len()));
                }
            }
        }
        let (keys, check): (&[Key], fn(&mut Reader, &Node, &str)) = match (grpc, deep) {
            (true, true) => (GRPC_MATCH, Reader::grpc_clause),
            (true, false) => (GRPC_MATCH, |_, _, _| {}),
            (false, true) => (GATEWAY_API_MATCH, Reader::gtw_clause),
            (false, false) => (GATEWAY_API_MATCH, |_, _, _| {}),
        };
        self.clauses(node, path, keys, check)
    }

    /// Match clauses pass through as written, one list item each; keys the routing API does
    /// not have would make the routing object invalid, so they are errors here.
    fn clauses(&mut self, node: &Node, path: &str, keys: &[Key], check: fn(&mut Reader, &Node, &str)) -> Vec<Value> {
        let Val::Seq(items) = &node.value else { return vec![] };
        if items.is_empty() {
            self.error(path, Some(node), "a match list needs at least one clause (omit it for the default)");
        }
        let mut out = Vec::new();
        for (j, item) in items.iter().enumerate() {
            let p = format!("{path}[{j}]");
            let Val::Map(entries) = &item.value else {
                self.error(&p, Some(item), format!("expected a match clause (a mapping), found {}", item.describe()));
                continue;
            };
            for (k, v) in entries.iter().filter(|(k, _)| !has(keys, k)) {
                let hint = self.closest(k, keys).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
                self.error(&join(&p, k), Some(v), format!("not a field of a match clause{hint}"));
            }
            check(self, item, &p);
            out.push(item.to_json());
        }
        out
    }

    // ---- Istio ----------------------------------------------------------------------------------

    fn istio_clause(&mut self, clause: &Node, path: &str) {
        for key in ["name", "statPrefix"] {
            self.string(clause.get(key), &join(path, key));
        }
        // The URI may be an empty prefix (every path); scheme, method and authority may not.
        self.string_match(clause.get("uri"), &join(path, "uri"), true);
        for key in ["scheme", "method", "authority"] {
            self.string_match(clause.get(key), &join(path, key), false);
        }
        for key in ["headers", "withoutHeaders", "queryParams"] {
            let p = join(path, key);
            let Some(map) = self.map(clause.get(key), &p) else { continue };
            let Val::Map(entries) = &map.value else { continue };
            for (name, m) in entries.iter() {
                let mp = join(&p, name);
                if key != "queryParams" {
                    if let Err(e) = istio_header_name(name) {
                        self.error(&mp, Some(m), e);
                    }
                }
                // In withoutHeaders, `regex: "*"` is Istio's "header absent", not a regex.
                let absent = key == "withoutHeaders" && m.get("regex").is_some_and(|r| matches!(&r.value, Val::Str(s) if s == "*"));
                if m.is_null() {
                    self.error(&mp, Some(m), "a header match cannot be null (write {} to match any value)");
                } else if !absent {
                    self.string_match(Some(m), &mp, false);
                }
            }
        }
        if clause.get("port").is_some_and(|n| !n.is_null()) {
            self.port(clause.get("port"), &join(path, "port"));
        }
        self.bool_value(clause.get("ignoreUriCase"), &join(path, "ignoreUriCase"));
        if let Some(ns) = self.string(clause.get("sourceNamespace"), &join(path, "sourceNamespace")) {
            self.name(&ns, clause.get("sourceNamespace"), &join(path, "sourceNamespace"), names::dns_label);
        }
        self.source_labels(clause.get("sourceLabels"), &join(path, "sourceLabels"));
        let gp = join(path, "gateways");
        if let Some(list) = self.list(clause.get("gateways"), &gp) {
            if let Val::Seq(items) = &list.value {
                for (k, g) in items.iter().enumerate() {
                    let p = format!("{gp}[{k}]");
                    if let Some(name) = self.string(Some(g), &p) {
                        match match_gateway(&name) {
                            Err(e) => self.error(&p, Some(g), e),
                            Ok(Some(w)) => self.report.warn(Problem::at(&p, Some(g.pos), w)),
                            Ok(None) => {}
                        }
                    }
                }
            }
        }
    }

    /// An Istio StringMatch: one of `exact`, `prefix`, `regex`, a string each; a prefix is not
    /// empty (but on the URI), a regex is RE2 of at most 1024 bytes.
    fn string_match(&mut self, node: Option<&Node>, path: &str, empty_prefix: bool) {
        let Some(node) = self.map(node, path) else { return };
        let Val::Map(entries) = &node.value else { return };
        if entries.len() > 1 {
            let kinds: Vec<&str> = entries.iter().map(|(k, _)| k.as_str()).collect();
            self.error(path, Some(node), format!("a string match is one of exact, prefix or regex; found {}", kinds.join(" and ")));
        }
        for (kind, v) in entries.iter() {
            let p = join(path, kind);
            if !has(STRING_MATCH, kind) {
                let hint = self.closest(kind, STRING_MATCH).map(|c| format!("; did you mean `{c}`?")).unwrap_or_default();
                self.error(&p, Some(v), format!("not a kind of string match (exact, prefix or regex){hint}"));
                continue;
            }
            let Some(text) = self.string(Some(v), &p) else {
                if v.is_null() {
                    self.error(&p, Some(v), "expected a string, found nothing");
                }
                continue;
            };
            match kind.as_str() {
                "prefix" if text.is_empty() && !empty_prefix => self.error(&p, Some(v), "an empty prefix: Istio refuses it here (leave the field out to match anything)"),
                "regex" => {
                    if let Err(e) = re2::check(&text) {
                        self.error(&p, Some(v), e);
                    }
                }
                _ => {}
            }
        }
    }

    fn bool_value(&mut self, node: Option<&Node>, path: &str) {
        if let Some(n) = node.filter(|n| !n.is_null() && !matches!(n.value, Val::Bool(_))) {
            self.error(path, Some(n), format!("expected true or false, found {}", n.describe()));
        }
    }

    fn source_labels(&mut self, node: Option<&Node>, path: &str) {
        let Some(map) = self.map(node, path) else { return };
        let Val::Map(entries) = &map.value else { return };
        for (k, v) in entries.iter() {
            let p = join(path, k);
            if let Err(e) = names::qualified_name(k) {
                self.error(&p, Some(v), format!("{} {e}", quote(k)));
            }
            if let Some(value) = self.string(Some(v), &p) {
                self.name(&value, Some(v), &p, names::label_value);
            }
        }
    }

    // ---- Gateway API ----------------------------------------------------------------------------

    fn gtw_clause(&mut self, clause: &Node, path: &str) {
        if let Some(m) = self.string(clause.get("method"), &join(path, "method")) {
            if !crate::model::policy::HTTP_METHODS.contains(&m.as_str()) {
                self.error(&join(path, "method"), clause.get("method"), format!("{} is not a method the Gateway API matches ({})", quote(&m), crate::model::policy::HTTP_METHODS.join(", ")));
            }
        }
        self.gtw_path(clause.get("path"), &join(path, "path"));
        self.gtw_named(clause.get("headers"), &join(path, "headers"), GTW_MAX_HEADER_VALUE);
        self.gtw_named(clause.get("queryParams"), &join(path, "queryParams"), GTW_MAX_QUERY_VALUE);
    }

    /// A GRPCRouteMatch: `method` as the GRPCRoute CRD checks it, and headers as an HTTPRoute's.
    fn grpc_clause(&mut self, clause: &Node, path: &str) {
        self.gtw_named(clause.get("headers"), &join(path, "headers"), GTW_MAX_HEADER_VALUE);
        let mp = join(path, "method");
        let Some(method) = self.map(clause.get("method"), &mp) else { return };
        self.only_keys(method, &mp, &["type", "service", "method"]);
        let kind = self.string(method.get("type"), &join(&mp, "type")).unwrap_or_else(|| "Exact".into());
        if !["Exact", "RegularExpression"].contains(&kind.as_str()) {
            self.error(&join(&mp, "type"), method.get("type"), format!("{} is not a method match type (Exact or RegularExpression)", quote(&kind)));
            return;
        }
        let service = self.string(method.get("service"), &join(&mp, "service"));
        let name = self.string(method.get("method"), &join(&mp, "method"));
        if service.is_none() && name.is_none() {
            self.error(&mp, Some(method), "a method match names a service, a method or both");
        }
        for (key, value, rule) in [("service", service, grpc_service as fn(&str) -> bool), ("method", name, grpc_method)] {
            let Some(value) = value else { continue };
            let (p, at) = (join(&mp, key), method.get(key));
            if value.len() > GTW_MAX_PATH {
                self.error(&p, at, format!("{} bytes; the Gateway API takes at most {GTW_MAX_PATH}", value.len()));
            } else if kind == "RegularExpression" {
                if let Err(e) = re2::check(&value) {
                    self.error(&p, at, e);
                }
            } else if !rule(&value) {
                let what = if key == "service" { "a gRPC service name (package.Service: letters, digits and _, dot-separated)" } else { "a gRPC method name (letters, digits and _)" };
                self.error(&p, at, format!("{} is not {what}", quote(&value)));
            }
        }
    }

    /// `{type, value}`: the CRD's enum, length and CEL rules for Exact and PathPrefix.
    fn gtw_path(&mut self, node: Option<&Node>, path: &str) {
        let Some(node) = self.map(node, path) else { return };
        self.only_keys(node, path, &["type", "value"]);
        let kind = self.string(node.get("type"), &join(path, "type")).unwrap_or_else(|| "PathPrefix".into());
        if !["Exact", "PathPrefix", "RegularExpression"].contains(&kind.as_str()) {
            self.error(&join(path, "type"), node.get("type"), format!("{} is not a path match type (Exact, PathPrefix or RegularExpression)", quote(&kind)));
            return;
        }
        let vp = join(path, "value");
        let Some(value) = self.string(node.get("value"), &vp) else { return };
        let at = node.get("value");
        if value.len() > GTW_MAX_PATH {
            self.error(&vp, at, format!("a path of {} bytes; the Gateway API takes at most {GTW_MAX_PATH}", value.len()));
        } else if kind == "RegularExpression" {
            if let Err(e) = re2::check(&value) {
                self.error(&vp, at, e);
            }
        } else if let Err(e) = gtw_path_value(&value) {
            self.error(&vp, at, format!("{} {e} (the Gateway API's rule for {kind} paths)", quote(&value)));
        }
    }

    /// `headers` or `queryParams`: at most 16 `{name, value, type?}`, names unique.
    fn gtw_named(&mut self, node: Option<&Node>, path: &str, max_value: usize) {
        let Some(list) = self.list(node, path) else { return };
        let Val::Seq(items) = &list.value else { return };
        if items.len() > GTW_MAX_NAMED {
            self.error(path, Some(list), format!("{} entries; the Gateway API takes at most {GTW_MAX_NAMED}", items.len()));
        }
        let mut seen: Vec<String> = Vec::new();
        for (k, item) in items.iter().enumerate() {
            let p = format!("{path}[{k}]");
            let Some(item) = self.map(Some(item), &p) else { continue };
            self.only_keys(item, &p, &["name", "value", "type"]);
            if let Some(name) = self.required(item.get("name"), &join(&p, "name"), item, "a name is required") {
                if let Err(e) = policy::header_name(&name) {
                    self.error(&join(&p, "name"), item.get("name"), e);
                } else if seen.contains(&name) {
                    self.error(&join(&p, "name"), item.get("name"), format!("{} is named twice; the Gateway API takes each name once", quote(&name)));
                }
                seen.push(name);
            }
            let kind = self.string(item.get("type"), &join(&p, "type")).unwrap_or_else(|| "Exact".into());
            if !["Exact", "RegularExpression"].contains(&kind.as_str()) {
                self.error(&join(&p, "type"), item.get("type"), format!("{} is not a match type here (Exact or RegularExpression)", quote(&kind)));
            }
            let vp = join(&p, "value");
            if let Some(value) = self.required(item.get("value"), &vp, item, "a value is required (1 or more characters)") {
                if value.chars().count() > max_value {
                    self.error(&vp, item.get("value"), format!("a value of {} characters; the Gateway API takes at most {max_value}", value.chars().count()));
                } else if kind == "RegularExpression" {
                    if let Err(e) = re2::check(&value) {
                        self.error(&vp, item.get("value"), e);
                    }
                }
            }
        }
    }

    /// The HTTPRoute's limits over all its rules, in the state with every version ready: at
    /// most 16 rules and 128 matches in all (a rule without matches counts as the one the API
    /// server fills in), and at most 16 filters in the mirror rule (a RequestMirror per
    /// candidate, after the policy's). With a route of the user's, its rules count too, and
    /// each rule of the release has a clause per pair of its own and the marked rule's.
    pub(super) fn gtw_route_limits(&mut self, strategy: Option<Strategy>, versions: &[Version], policy: &Policy, affinity: Option<&Affinity>, route: Option<&UserRoute>, node: Option<&Node>) {
        let path = "application.versions";
        let per = route.map_or(1, |u| u.marked.matches.len().max(1));
        let user_rules: Vec<&Value> = route.map(|u| u.before.iter().chain(&u.after).collect()).unwrap_or_default();
        let user_matches: usize = user_rules.iter().map(|r| r["matches"].as_array().map_or(1, |m| m.len().max(1))).sum();
        let user_part = if user_rules.is_empty() { String::new() } else { format!(", {user_matches} in the rules of application.route") };
        let user_rule_part = if user_rules.is_empty() { String::new() } else { format!(", {} of application.route", user_rules.len()) };
        match strategy {
            Some(s @ (Strategy::Canary | Strategy::BlueGreen)) => {
                let cohorts: usize = versions.iter().skip(1).map(|v| v.gtw_matches.len() * per).sum();
                let cohort_rules = versions.iter().skip(1).filter(|v| !v.gtw_matches.is_empty()).count();
                // Version affinity: a rule of one match per version (per candidate in canary,
                // where the default rule already goes to the primary).
                let sticky = match (affinity, s) {
                    (None, _) => 0,
                    (Some(_), Strategy::Canary) => versions.len() - 1,
                    (Some(_), _) => versions.len(),
                };
                let sticky_part = if sticky > 0 { format!(", {} for version affinity", sticky * per) } else { String::new() };
                let total = cohorts + sticky * per + per + user_matches;
                let default_part = if per == 1 { "one".to_string() } else { per.to_string() };
                if total > GTW_MAX_ROUTE_MATCHES {
                    let msg = format!("{total} match clauses in the route with every version ready ({cohorts} in the cohorts{sticky_part}{user_part} and the default rule's {default_part}); the Gateway API takes at most {GTW_MAX_ROUTE_MATCHES} in a route");
                    self.error(path, node, msg);
                }
                let sticky_rule_part = if sticky > 0 { format!(", {sticky} for version affinity") } else { String::new() };
                let rules = cohort_rules + sticky + 1 + user_rules.len();
                if rules > GTW_MAX_RULES {
                    let msg = format!("{rules} rules in the route with every version ready ({cohort_rules} for cohorts{sticky_rule_part}{user_rule_part} and the default rule); the Gateway API takes at most {GTW_MAX_RULES} in a route");
                    self.error(path, node, msg);
                }
                if per > 1 {
                    for (i, v) in versions.iter().enumerate().skip(1) {
                        let n = v.gtw_matches.len() * per;
                        if n > GTW_MAX_MATCHES {
                            let msg = format!("{n} match clauses in version {i}'s cohort rule (each of its {} with each of the marked rule's {per}); the Gateway API takes at most {GTW_MAX_MATCHES} in a rule", v.gtw_matches.len());
                            self.error(&format!("{path}[{i}]"), node.and_then(|n| nth(n, i)).or(node), msg);
                        }
                    }
                }
                if affinity.is_some() {
                    self.outranked_cohorts(versions, node);
                }
            }
            Some(Strategy::Mirror) => {
                let filters = policy.gtw_filter_count() + versions.len() - 1;
                if filters > GTW_MAX_FILTERS && route.is_none() {
                    let msg = format!("{filters} filters in the mirror rule with every candidate ready (one RequestMirror per candidate, and the routing policy's); the Gateway API takes at most {GTW_MAX_FILTERS} in a rule");
                    self.error(path, node, msg);
                }
                let total = per + user_matches;
                let rules = 1 + user_rules.len();
                if total > GTW_MAX_ROUTE_MATCHES || rules > GTW_MAX_RULES {
                    let msg = format!("{rules} rules and {total} match clauses in the route (the mirror rule{user_part}); the Gateway API takes at most {GTW_MAX_RULES} rules and {GTW_MAX_ROUTE_MATCHES} match clauses in a route");
                    self.error("application.route", None, msg);
                }
            }
            _ => {}
        }
    }

    /// The Gateway API does not take a route's rules in order: a match with an exact or
    /// longer path, a method, or more headers wins, and only ties go by order. The affinity
    /// rules match one header (the cookie), so a cohort clause with no path, method or header
    /// (a query parameter alone, say) loses to them: a request that carries another version's
    /// cookie goes to that version. Said, not refused: the route is valid and does what the
    /// Gateway API says.
    fn outranked_cohorts(&mut self, versions: &[Version], node: Option<&Node>) {
        for (i, v) in versions.iter().enumerate().skip(1) {
            for (j, clause) in v.gtw_matches.iter().enumerate() {
                let headers = clause.get("headers").and_then(Value::as_array).is_some_and(|h| !h.is_empty());
                let path_ranks = clause.get("path").is_some_and(|p| match p.get("type").and_then(Value::as_str) {
                    Some("Exact") => true,
                    // A regex path's rank is the implementation's to choose.
                    Some("RegularExpression") => false,
                    // A prefix outranks the cookie rules' implied `/` when it is longer.
                    _ => p.get("value").is_some_and(|x| x != "/"),
                });
                if headers || path_ranks || clause.get("method").is_some() {
                    continue;
                }
                let at = node.and_then(|n| nth(n, i)).and_then(|n| n.get("matches")).and_then(|n| nth(n, j)).or(node);
                let msg = "has no header, method, exact path or prefix longer than \"/\", so the version-affinity rules outrank it on the Gateway API (a match on more headers wins before rule order counts): a request carrying another version's cookie goes to that version; add a header to the clause to keep it first";
                let p = Problem::at(&format!("{path}[{i}].matches[{j}]", path = "application.versions"), at.map(|n| n.pos), msg);
                self.report.warn(p);
            }
        }
    }

    /// `only_keys` with the known fields as a match (`known`) and their list for the message.
    pub(super) fn only_fields(&mut self, node: &Node, path: &str, known: fn(&str) -> bool, list: &str) {
        let Val::Map(entries) = &node.value else { return };
        for (k, v) in entries.iter().filter(|(k, _)| !known(k)) {
            self.error(&join(path, k), Some(v), format!("not a field here ({list})"));
        }
    }

    /// Fields a Gateway API object does not have are refused, as the API server's strict field
    /// validation refuses them.
    pub(super) fn only_keys(&mut self, node: &Node, path: &str, keys: &[&str]) {
        let Val::Map(entries) = &node.value else { return };
        for (k, v) in entries.iter().filter(|(k, _)| !keys.contains(&k.as_str())) {
            self.error(&join(path, k), Some(v), format!("not a field here ({})", keys.join(", ")));
        }
    }
}
