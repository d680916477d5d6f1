//! `releasegen states`: every readiness state of a release and what each routing rule does
//! in it, for a person reviewing the release (a Markdown table that also reads well in a
//! terminal) or for a machine (`--output json`). It reads the very objects the `ready-*` keys
//! hold, so the review shows what will be applied.

use crate::model::Release;
use crate::problem::{Pos, Problem, terminal_safe};
use crate::plan::routing::{self, State, Tree};
use crate::review::matching::{self, Api, Conditions};
use serde_json::{Value, json};

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

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub state: String,
    pub ready: Vec<usize>,
    /// Whether the primary is ready. When it is not, default traffic (canary, mirror, and
    /// blue-green with nothing ready) goes to a version that cannot serve it.
    pub primary_ready: bool,
    pub weights: Vec<u32>,
    /// In the order the routing API tries them.
    pub rules: Vec<Rule>,
    /// A rule's rank is the implementation's choice (a regular-expression path on the Gateway
    /// API): its place in `rules` is releasegen's reading.
    pub order_is_implementation_specific: bool,
}

pub fn rows(r: &Release, plan: &Tree) -> Vec<Row> {
    let n = r.versions.len();
    State::all(n)
        .map(|state| {
            let weights = routing::weights_for(r, state);
            let obj = plan.at(&weights);
            let (rules, order_is_implementation_specific) = rules_of(&obj);
            Row {
                state: state.label(n),
                ready: (0..n).filter(|&i| state.is_ready(i)).collect(),
                primary_ready: state.is_ready(0),
                weights: crate::review::shares::shares(r, &weights),
                rules,
                order_is_implementation_specific,
            }
        })
        .collect()
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
            name: rule["name"].as_str().map_or_else(|| format!("http[{k}]"), str::to_string),
            matches: clauses.iter().map(|m| clause(m)).collect(),
            conditions: conditions(api, &clauses),
            to: shares(dests),
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
            .map(|b| (b["name"].as_str().unwrap_or("").to_string(), b["weight"].as_u64()))
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
                (m["backendRef"]["name"].as_str().unwrap_or("?").to_string(), m.get("percent").map_or(100, percent))
            })
            .collect();
        let to = shares(dests);
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

/// The version a destination serves: its `app-version` header, or (KServe split) its `branch`.
fn istio_version(d: &Value) -> String {
    let h = &d["headers"];
    h["response"]["add"]["app-version"]
        .as_str()
        .or(h["request"]["set"]["branch"].as_str())
        .unwrap_or("?")
        .to_string()
}

fn host_version(host: &str) -> String {
    host.split('.').next().unwrap_or(host).to_string()
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
fn clause(m: &Value) -> String {
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


fn list(items: &[(String, u32)]) -> String {
    items.iter().map(|(n, p)| format!("{n} {p}%")).collect::<Vec<_>>().join(", ")
}

/// How the rules of a state are ordered, in a reviewer's words.
fn order_words(r: &Release) -> &'static str {
    match r.env {
        crate::model::Env::DeploymentGtw if r.grpc => {
            "Rules in the order the Gateway API ranks a GRPCRoute's matches (longest service, longest method, most headers; then list order): the first that matches takes the request."
        }
        crate::model::Env::DeploymentGtw => {
            "Rules in the order the Gateway API ranks an HTTPRoute's matches (exact path, longest prefix, method, most headers, most query parameters; then list order): the first that matches takes the request."
        }
        _ => "Rules in list order, as Istio tries them: the first that matches takes the request.",
    }
}

/// What a rule's traffic column says: its shares, or that no request reaches it.
fn traffic_cell(rule: &Rule) -> String {
    match &rule.shadowed_by {
        Some(by) => format!("none: shadowed by {by}"),
        None => list(&rule.to),
    }
}

/// The Markdown table.
pub fn table(r: &Release, rows: &[Row]) -> String {
    let mut out = format!("# {} ({}, {})\n\n", r.name, r.env.name(), r.strategy.name());
    for (i, v) in r.versions.iter().enumerate() {
        let role = if i == 0 { "primary" } else { "candidate" };
        out.push_str(&format!("- version {i}: `{}` ({role}, weight {})\n", v.target.name, v.weight));
    }
    out.push_str(&format!("\n{}\n\n", order_words(r)));
    let mut cells = vec![["ready".to_string(), "rule".into(), "match".into(), "traffic".into(), "mirrored".into()]];
    for row in rows {
        for (k, rule) in row.rules.iter().enumerate() {
            let ready = match (k, row.primary_ready) {
                (0, true) => row.state.clone(),
                (0, false) => format!("{} (primary not ready)", row.state),
                _ => String::new(),
            };
            let matches = match (rule.matches.is_empty(), k) {
                (false, _) => rule.matches.join(" or "),
                (true, 0) => "(all traffic)".to_string(),
                (true, _) => "(all other traffic)".to_string(),
            };
            let mirrored = if rule.shadowed_by.is_some() { String::new() } else { list(&rule.mirrored) };
            cells.push([ready, rule.name.clone(), matches, traffic_cell(rule), mirrored]);
        }
    }
    let widths: Vec<usize> = (0..5).map(|c| cells.iter().map(|row| row[c].chars().count()).max().unwrap_or(0)).collect();
    for (i, row) in cells.iter().enumerate() {
        out.push_str(&format_row(row, &widths));
        if i == 0 {
            let dashes: Vec<String> = widths.iter().map(|w| "-".repeat((*w).max(3))).collect();
            out.push_str(&format!("| {} |\n", dashes.join(" | ")));
        }
    }
    if rows.iter().any(|row| !row.primary_ready) {
        let primary = &r.versions[0].target.name;
        let note = match r.strategy {
            crate::model::Strategy::BlueGreen => format!(
                "the ready versions share the traffic; with none ready, all of it goes to `{primary}`, which cannot serve it"
            ),
            crate::model::Strategy::Mirror => format!("live traffic still goes to `{primary}` (the primary is the default destination in every state), which cannot serve it"),
            _ => format!("traffic outside the cohorts still goes to `{primary}` (the primary is the default destination in every state), which cannot serve it"),
        };
        out.push_str(&format!("\n(primary not ready): {note}.\n"));
    }
    if rows.iter().any(|row| row.rules.iter().any(|rule| rule.shadowed_by.is_some())) {
        out.push_str("\nshadowed: an earlier rule takes every request this rule matches, so none reaches it.\n");
    }
    if rows.iter().any(|row| row.order_is_implementation_specific) {
        out.push_str("\nA regular-expression path ranks as the Gateway API implementation chooses; it is listed here after exact and prefix paths.\n");
    }
    out
}

fn format_row(row: &[String; 5], widths: &[usize]) -> String {
    let cells: Vec<String> = row
        .iter()
        .zip(widths)
        .map(|(c, w)| format!("{}{}", c.replace('|', "\\|"), " ".repeat(w.max(&3) - c.chars().count())))
        .collect();
    format!("| {} |\n", cells.join(" | "))
}

pub fn json(r: &Release, rows: &[Row]) -> Value {
    let pairs = |items: &[(String, u32)]| -> Value {
        items.iter().map(|(n, p)| json!({"version": n, "percent": p})).collect()
    };
    json!({
        "name": r.name,
        "namespace": r.namespace,
        "environment": r.env.name(),
        "strategy": r.strategy.name(),
        "ruleOrder": order_words(r),
        "versions": r.versions.iter().map(|v| json!({"name": v.target.name, "weight": v.weight})).collect::<Vec<_>>(),
        "states": rows.iter().map(|row| json!({
            "state": row.state,
            "ready": row.ready,
            "primaryReady": row.primary_ready,
            "weights": row.weights,
            "rules": row.rules.iter().map(|rule| json!({
                "name": rule.name,
                "match": rule.matches,
                "to": pairs(&rule.to),
                "mirrored": pairs(&rule.mirrored),
                "shadowedBy": rule.shadowed_by,
            })).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

/// A Mermaid flowchart (GitHub and GitLab render it in a pull request): one box per readiness
/// state, in it every version, and an arrow for each cohort and share of traffic (dotted:
/// mirrored copies). Versions that are not ready in the state are drawn dashed and red.
pub fn mermaid(r: &Release, rows: &[Row]) -> String {
    let mut out = String::from("flowchart TB\n");
    out.push_str("  classDef ready stroke:#2a7d2a,stroke-width:2px\n");
    out.push_str("  classDef unready stroke:#c0392b,stroke-width:2px,stroke-dasharray:5 5,color:#c0392b\n");
    for (k, row) in rows.iter().enumerate() {
        let title = if row.primary_ready {
            format!("state {}", row.state)
        } else {
            format!("state {}: primary not ready", row.state)
        };
        out.push_str(&format!("  subgraph s{k} [\"{}\"]\n    direction LR\n", mermaid_text(&title)));
        out.push_str(&format!("    s{k}_in([\"requests to {}\"])\n", mermaid_text(&r.name)));
        for (i, v) in r.versions.iter().enumerate() {
            let ready = row.ready.contains(&i);
            let (label, class) = if ready { (v.target.name.clone(), "ready") } else { (format!("{} (not ready)", v.target.name), "unready") };
            out.push_str(&format!("    s{k}_v{i}[\"{}\"]:::{class}\n", mermaid_text(&label)));
        }
        let index_of = |name: &str| r.versions.iter().position(|v| v.target.name == name);
        for (j, rule) in row.rules.iter().enumerate().filter(|(_, rule)| rule.shadowed_by.is_none()) {
            let matched = match (rule.matches.is_empty(), j) {
                (false, _) => rule.matches.join(" or "),
                (true, 0) => "all traffic".to_string(),
                (true, _) => "all other traffic".to_string(),
            };
            for (name, pct) in &rule.to {
                let Some(i) = index_of(name) else { continue };
                let label = if rule.to.len() > 1 { format!("{matched}: {pct}%") } else { matched.clone() };
                out.push_str(&format!("    s{k}_in -->|\"{}\"| s{k}_v{i}\n", mermaid_text(&label)));
            }
            for (name, pct) in &rule.mirrored {
                let Some(i) = index_of(name) else { continue };
                out.push_str(&format!("    s{k}_in -.->|\"mirror {pct}%\"| s{k}_v{i}\n"));
            }
        }
        out.push_str("  end\n");
    }
    out
}

/// Text inside a quoted Mermaid label: `#`, `"`, `<`, `>`, `&`, `|` and the backtick become entity
/// codes, so a header value can neither end the label nor add nodes or HTML; control
/// characters are escaped as for a terminal.
pub fn mermaid_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in terminal_safe(s).chars() {
        match c {
            '#' => out.push_str("#35;"),
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '|' => out.push_str("#124;"),
            c => out.push(c),
        }
    }
    out
}

/// Cohorts that an earlier rule hides: in some readiness state, no request reaches a
/// candidate's cohort clause, because a rule tried before it takes every request it matches
/// (two candidates with the same cohort; on the Gateway API, a cohort outranked by another).
/// Each is said once, at the clause's place in the values, with the states it is hidden in.
/// Only the state with every version ready is read unless it hides something: no rule hidden
/// there can be reached in a state with fewer versions ready.
pub fn hidden_cohorts(r: &Release, plan: &Tree) -> Vec<Problem> {
    let gtw = r.env == crate::model::Env::DeploymentGtw;
    if !may_hide_a_cohort(r, gtw) {
        return Vec::new();
    }
    let n = r.versions.len();
    let all = State((1u64 << n) - 1);
    let (rules, _) = rules_of(&plan.at(&routing::weights_for(r, all)));
    if !rules.iter().any(|rule| rule.shadowed_by.is_some() && !rule.matches.is_empty()) {
        return Vec::new();
    }
    let mut found: Vec<Hidden> = Vec::new();
    for row in rows(r, plan) {
        for rule in row.rules.iter().filter(|rule| !rule.matches.is_empty()) {
            let Some(by) = &rule.shadowed_by else { continue };
            let by_rule = row.rules.iter().find(|x| &x.name == by);
            // A clause repeated within one cohort hides nothing: its requests go where it sends them.
            if by_rule.is_some_and(|x| x.to == rule.to && x.mirrored == rule.mirrored) {
                continue;
            }
            let Some((path, at, what)) = cohort_of(r, rule, gtw) else { continue };
            let by_to = by_rule.map(|x| x.to.iter().map(|(v, _)| v.as_str()).collect::<Vec<_>>().join(", ")).unwrap_or_default();
            let by_text = format!("rule {by} (to {by_to})");
            match found.iter_mut().find(|f| f.path == path && f.by == by_text) {
                Some(f) => f.states.push(row.state.clone()),
                None => found.push(Hidden { path, at, what, by: by_text, states: vec![row.state.clone()] }),
            }
        }
    }
    found
        .into_iter()
        .map(|Hidden { path, at, what, by, states }| {
            let which = if states.len() == 1 { format!("state {}", states[0]) } else { format!("states {}", states.join(", ")) };
            let msg = format!(
                "{what} is reached by no request in readiness {which}: {by} is tried first and takes every request it matches; give each candidate a cohort of its own"
            );
            Problem::at(&path, at, msg)
        })
        .collect()
}

/// A hidden cohort: its values path and place, which cohort, the rule that hides it, and the
/// states it is hidden in.
struct Hidden {
    path: String,
    at: Option<Pos>,
    what: String,
    by: String,
    states: Vec<String>,
}

/// Whether any clause of another version's rules (its cohort, its version-affinity cookie,
/// KServe's branch header) may take every request one of a candidate's cohort clauses
/// matches: without one, no cohort can be hidden in any state, and no state need be read. A
/// cookie or branch clause can only take a cohort clause that itself asks for that header.
fn may_hide_a_cohort(r: &Release, gtw: bool) -> bool {
    let api = match r.env {
        crate::model::Env::DeploymentGtw if r.grpc => Api::GrpcRoute,
        crate::model::Env::DeploymentGtw => Api::HttpRoute,
        _ => Api::Istio,
    };
    let mut clauses: Vec<(usize, Conditions)> = Vec::new();
    for (i, v) in r.versions.iter().enumerate() {
        let cohort = if gtw { &v.gtw_matches } else { &v.istio_match };
        clauses.extend(cohort.iter().map(|c| (i, Conditions::of(api, c))));
    }
    let generated = |c: &Conditions| (r.affinity.is_some() && c.asks_for("header cookie")) || (r.env.is_kserve() && c.asks_for("header branch"));
    clauses.iter().filter(|(i, _)| *i > 0).any(|(i, c)| generated(c) || clauses.iter().any(|(j, other)| j != i && other.take_all_of(c)))
}

/// The values path, place and description of the candidate cohort a rule was built from, or
/// `None` for a rule that is not a written or default cohort (version affinity's).
fn cohort_of(r: &Release, rule: &Rule, gtw: bool) -> Option<(String, Option<Pos>, String)> {
    let [(target, 100)] = rule.to.as_slice() else { return None };
    let (i, v) = r.versions.iter().enumerate().skip(1).find(|(_, v)| &v.target.name == target)?;
    let base = format!("application.versions[{i}]");
    let written = &v.written;
    if gtw {
        let j = v.gtw_matches.iter().position(|m| rule.matches.first() == Some(&clause(m)))?;
        return Some(match written.matches {
            Some(_) => (format!("{base}.matches[{j}]"), written.clauses.get(j).copied(), format!("version {i}'s cohort clause")),
            None => (base, written.version, format!("version {i}'s default cohort (header traffic: test)")),
        });
    }
    let texts: Vec<String> = v.istio_match.iter().map(clause).collect();
    if texts != rule.matches {
        return None;
    }
    Some(match written.matches {
        Some(at) => (format!("{base}.match"), Some(at), format!("version {i}'s cohort")),
        None => (base, written.version, format!("version {i}'s default cohort (header traffic: test)")),
    })
}
