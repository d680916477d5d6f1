//! A state's routing object read as a reviewer reads it: its rules in the order the routing
//! API tries them, each with its match clauses in one line of words, its shares and mirrors,
//! and whether an earlier rule takes every request it matches.

use crate::problem::terminal_safe;
use crate::review::matching::{self, Api, Conditions};
use serde_json::Value;

/// What one rule of a routing object does with the traffic it matches, in the order the
/// routing API tries the rules (`matching`).
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    /// The rule's name (Istio), or its place in the route (`rules[2]`; `rules[2].matches[1]`
    /// for one match of a Gateway API rule with several, which rank each on their own).
    pub name: String,
    /// Match clauses, ORed; empty means "all remaining traffic".
    pub matches: Vec<String>,
    /// The conditions of each clause (one without conditions for a rule without matches).
    pub conditions: Vec<Conditions>,
    /// (version, percent of this rule's traffic).
    pub to: Vec<(String, u32)>,
    /// (version, percent mirrored).
    pub mirrored: Vec<(String, u32)>,
    /// The earlier rule that takes every request this one matches: no request reaches it.
    pub shadowed_by: Option<String>,
    /// Its rank is the implementation's choice (a regular-expression path on the Gateway
    /// API): it is never said to hide another rule, nor to be hidden.
    pub rank_uncertain: bool,
}

/// The routing API of a routing object, by its kind.
fn api_of(obj: &Value) -> Api {
    match obj["kind"].as_str() {
        Some("HTTPRoute") => Api::HttpRoute,
        Some("GRPCRoute") => Api::GrpcRoute,
        _ => Api::Istio,
    }
}

/// Reads the rules of a VirtualService, an HTTPRoute or a GRPCRoute, in the order the API
/// tries them, each marked when an earlier one takes all its requests; and whether that order
/// is partly the implementation's.
pub fn rules_of(obj: &Value) -> (Vec<Rule>, bool) {
    let api = api_of(obj);
    let mut out = Vec::new();
    for (k, rule) in obj["spec"]["http"].as_array().into_iter().flatten().enumerate() {
        let dests: Vec<(String, Option<u64>)> = rule["route"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|d| (istio_version(d), d["weight"].as_u64()))
            .collect();
        let mut mirrored = Vec::new();
        if let Some(host) = rule["mirror"]["host"].as_str() {
            mirrored.push((host_version(host), percent(&rule["mirrorPercentage"]["value"])));
        }
        for m in rule["mirrors"].as_array().into_iter().flatten() {
            mirrored.push((host_version(m["destination"]["host"].as_str().unwrap_or("")), percent(&m["percentage"]["value"])));
        }
        let clauses: Vec<&Value> = rule["match"].as_array().into_iter().flatten().collect();
        out.push(Rule {
            name: rule["name"].as_str().map_or_else(|| format!("http[{k}]"), terminal_safe),
            matches: clauses.iter().map(|m| clause(m)).collect(),
            conditions: conditions(api, &clauses),
            to: answered_by_istio(rule).unwrap_or_else(|| shares(dests)),
            mirrored,
            shadowed_by: None,
            rank_uncertain: false,
        });
    }
    let mut ranked = Vec::new();
    let mut implementation_specific = false;
    for (k, rule) in obj["spec"]["rules"].as_array().into_iter().flatten().enumerate() {
        let dests: Vec<(String, Option<u64>)> = rule["backendRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| (terminal_safe(b["name"].as_str().unwrap_or("")), b["weight"].as_u64()))
            .collect();
        // Gateway API mirrors: a RequestMirror filter per mirrored version, `percent` of the
        // rule's traffic (all of it without one).
        let mirrored: Vec<(String, u32)> = rule["filters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["type"] == "RequestMirror")
            .map(|f| {
                let m = &f["requestMirror"];
                (terminal_safe(m["backendRef"]["name"].as_str().unwrap_or("?")), m.get("percent").map_or(100, percent))
            })
            .collect();
        let to = if dests.is_empty() { vec![(answer_without_backends(rule), 100)] } else { shares(dests) };
        // Each match ranks on its own; a rule without matches is the API server's `PathPrefix /`.
        let clauses: Vec<&Value> = rule["matches"].as_array().into_iter().flatten().collect();
        let empty = Value::Object(serde_json::Map::new());
        let several = clauses.len() > 1;
        let each: Vec<(Option<&Value>, String)> = if clauses.is_empty() {
            vec![(None, format!("rules[{k}]"))]
        } else {
            clauses.iter().enumerate().map(|(j, c)| (Some(*c), if several { format!("rules[{k}].matches[{j}]") } else { format!("rules[{k}]") })).collect()
        };
        for (c, name) in each {
            let m = c.unwrap_or(&empty);
            let rank_uncertain = matching::rank_is_implementation_specific(api, m);
            implementation_specific |= rank_uncertain;
            let entry = Rule {
                name,
                matches: c.map(clause).into_iter().collect(),
                conditions: vec![Conditions::of(api, m)],
                to: to.clone(),
                mirrored: mirrored.clone(),
                shadowed_by: None,
                rank_uncertain,
            };
            ranked.push((matching::rank(api, m), entry));
        }
    }
    // Greatest rank first; a stable sort keeps list order among equals.
    ranked.sort_by(|a, b| b.0.cmp(&a.0));
    out.extend(ranked.into_iter().map(|(_, rule)| rule));
    mark_shadowed(&mut out);
    (out, implementation_specific)
}

fn conditions(api: Api, clauses: &[&Value]) -> Vec<Conditions> {
    if clauses.is_empty() { vec![Conditions::default()] } else { clauses.iter().map(|c| Conditions::of(api, c)).collect() }
}

/// A rule every one of whose clauses an earlier rule's clause surely takes is reached by no
/// request; it names the first such rule.
fn mark_shadowed(rules: &mut [Rule]) {
    for k in 1..rules.len() {
        let (earlier, rest) = rules.split_at_mut(k);
        let rule = &mut rest[0];
        if rule.rank_uncertain {
            continue;
        }
        let by = |c: &Conditions| earlier.iter().position(|e| !e.rank_uncertain && e.conditions.iter().any(|x| x.take_all_of(c)));
        let found: Vec<Option<usize>> = rule.conditions.iter().map(by).collect();
        if found.iter().all(Option::is_some) {
            let first = found.into_iter().flatten().min().unwrap_or(0);
            rule.shadowed_by = Some(earlier[first].name.clone());
        }
    }
}

/// The rule that takes a request meeting exactly `class`'s conditions (and no others): the
/// first whose clause it surely meets. `None`: no rule does (the API answers 404).
pub fn reached<'a>(rules: &'a [Rule], class: &Conditions) -> Option<&'a Rule> {
    rules.iter().find(|r| r.conditions.iter().any(|c| c.met_by(class)))
}

/// Where an Istio rule of the user's (`application.route`) sends requests when it has no
/// `route`: a redirect, a response of the mesh's own, a delegate VirtualService. Named in
/// parentheses, as no Service is.
fn answered_by_istio(rule: &Value) -> Option<Vec<(String, u32)>> {
    let what = if rule.get("redirect").is_some() {
        "(redirect)".to_string()
    } else if let Some(d) = rule.get("directResponse") {
        format!("(direct response {})", d["status"])
    } else if let Some(d) = rule.get("delegate") {
        format!("(delegate {})", terminal_safe(d["name"].as_str().unwrap_or("?")))
    } else {
        return None;
    };
    Some(vec![(what, 100)])
}

/// What a Gateway API rule without backends answers: a redirect, or the API's 500.
fn answer_without_backends(rule: &Value) -> String {
    let redirect = rule["filters"].as_array().is_some_and(|f| f.iter().any(|f| f["type"] == "RequestRedirect"));
    if redirect { "(redirect)".to_string() } else { "(no backend: 500)".to_string() }
}

/// The version a destination serves: its `app-version` header, or (KServe split) its `branch`;
/// a destination of the user's own (`application.route`) by its host's first label.
fn istio_version(d: &Value) -> String {
    let h = &d["headers"];
    h["response"]["add"]["app-version"]
        .as_str()
        .or(h["request"]["set"]["branch"].as_str())
        .map(terminal_safe)
        .or_else(|| d["destination"]["host"].as_str().map(host_version))
        .unwrap_or_else(|| "?".to_string())
}

fn host_version(host: &str) -> String {
    terminal_safe(host.split('.').next().unwrap_or(host))
}

fn percent(v: &Value) -> u32 {
    v.as_f64().map_or(100, |f| f.round().clamp(0.0, 100.0) as u32)
}

/// Destination weights as percentages of the rule's traffic.
fn shares(dests: Vec<(String, Option<u64>)>) -> Vec<(String, u32)> {
    if dests.len() == 1 {
        return dests.into_iter().map(|(n, _)| (n, 100)).collect();
    }
    let weights: Vec<u32> = dests.iter().map(|(_, w)| w.unwrap_or(0).min(u64::from(u32::MAX)) as u32).collect();
    dests.into_iter().map(|(n, _)| n).zip(crate::plan::state::percentages(&weights)).collect()
}

/// A match clause in one line, in the same words for Istio and the Gateway API:
/// `header traffic exact "test" and path prefix "/beta/"`. Values are JSON-quoted, so a
/// control character in a header value is shown escaped and can never forge a table row or
/// move a terminal's cursor.
pub(crate) fn clause(m: &Value) -> String {
    let Some(fields) = m.as_object() else { return quoted(m) };
    let mut parts = Vec::new();
    for (key, v) in fields {
        match key.as_str() {
            "headers" | "queryParams" | "withoutHeaders" => {
                let what = match key.as_str() {
                    "headers" => "header",
                    "queryParams" => "query",
                    _ => "no header",
                };
                named_matches(what, v, &mut parts);
            }
            "uri" | "path" => parts.push(format!("path {}", string_match(v))),
            // A GRPCRouteMatch's method: `{service, method, type}`.
            "method" if v.get("service").is_some() || v.get("method").is_some() => {
                let op = if v["type"] == "RegularExpression" { "regex" } else { "exact" };
                let name = [&v["service"], &v["method"]].iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join("/");
                parts.push(format!("grpc method {op} {}", quoted(&Value::String(name))));
            }
            "method" if v.is_string() => parts.push(format!("method exact {}", quoted(v))),
            "method" | "authority" | "scheme" => parts.push(format!("{key} {}", string_match(v))),
            _ => parts.push(format!("{} {}", terminal_safe(key), quoted(v))),
        }
    }
    parts.join(" and ")
}

/// Istio's `{name: StringMatch}` maps and the Gateway API's `[{name, value, type}]` lists.
fn named_matches(what: &str, v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (name, sm) in m {
                let cookie = (what == "header").then(|| cookie_match(name, sm["regex"].as_str())).flatten();
                out.push(cookie.unwrap_or_else(|| format!("{what} {} {}", terminal_safe(name), string_match(sm))));
            }
        }
        Value::Array(items) => {
            for item in items {
                let name = item["name"].as_str().map_or_else(|| quoted(&item["name"]), terminal_safe);
                let regex = if item["type"] == "RegularExpression" { item["value"].as_str() } else { None };
                let cookie = (what == "header").then(|| cookie_match(&name, regex)).flatten();
                out.push(cookie.unwrap_or_else(|| format!("{what} {name} {}", string_match(item))));
            }
        }
        other => out.push(format!("{what} {}", quoted(other))),
    }
}

/// A `Cookie` header regex that matches one cookie's value (version affinity's) as the cookie
/// it is: `cookie version exact "shop-1"`.
fn cookie_match(header: &str, regex: Option<&str>) -> Option<String> {
    if !header.eq_ignore_ascii_case("cookie") {
        return None;
    }
    let (name, value) = crate::plan::affinity::cookie_of_regex(regex?)?;
    Some(format!("cookie {} exact {}", terminal_safe(&name), quoted(&Value::String(value))))
}

/// `exact "v"`, `prefix "v"` or `regex "v"`, from an Istio StringMatch (`{exact: v}`) or a
/// Gateway API match (`{type: PathPrefix, value: v}`; no type means exact).
fn string_match(v: &Value) -> String {
    if let Some(value) = v.get("value") {
        let op = match v.get("type").and_then(Value::as_str) {
            None | Some("Exact") => "exact".to_string(),
            Some("PathPrefix") => "prefix".to_string(),
            Some("RegularExpression") => "regex".to_string(),
            Some(other) => terminal_safe(other),
        };
        return format!("{op} {}", quoted(value));
    }
    match v.as_object().and_then(|m| m.iter().next()) {
        Some((op, value)) => format!("{} {}", terminal_safe(op), quoted(value)),
        None => quoted(v),
    }
}

fn quoted(v: &Value) -> String {
    v.to_string()
}
