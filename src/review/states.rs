//! `releasegen states`: every readiness state of a release and what each routing rule does
//! in it, for a person reviewing the release (a Markdown table that also reads well in a
//! terminal) or for a machine (`--output json`). It reads the very objects the `ready-*` keys
//! hold, so the review shows what will be applied.

use crate::model::Release;
use crate::problem::terminal_safe;
use crate::plan::routing::{self, State, Tree};
use serde_json::{Value, json};

/// What one rule of a routing object does with the traffic it matches.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub name: String,
    /// Match clauses, ORed; empty means "all remaining traffic".
    pub matches: Vec<String>,
    /// (version, percent of this rule's traffic).
    pub to: Vec<(String, u32)>,
    /// (version, percent mirrored).
    pub mirrored: Vec<(String, u32)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub state: String,
    pub ready: Vec<usize>,
    /// Whether the primary is ready. When it is not, default traffic (canary, mirror, and
    /// blue-green with nothing ready) goes to a version that cannot serve it.
    pub primary_ready: bool,
    pub weights: Vec<u32>,
    pub rules: Vec<Rule>,
}

pub fn rows(r: &Release, plan: &Tree) -> Vec<Row> {
    let n = r.versions.len();
    State::all(n)
        .map(|state| {
            let weights = routing::weights_for(r, state);
            let obj = plan.at(&weights);
            Row {
                state: state.label(n),
                ready: (0..n).filter(|&i| state.is_ready(i)).collect(),
                primary_ready: state.is_ready(0),
                weights: routing::shares(r, &weights.raw),
                rules: rules_of(&obj),
            }
        })
        .collect()
}

/// Reads the rules of a VirtualService or an HTTPRoute.
pub fn rules_of(obj: &Value) -> Vec<Rule> {
    let mut out = Vec::new();
    for rule in obj["spec"]["http"].as_array().into_iter().flatten() {
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
        out.push(Rule {
            name: rule["name"].as_str().unwrap_or("").to_string(),
            matches: rule["match"].as_array().into_iter().flatten().map(clause).collect(),
            to: shares(dests),
            mirrored,
        });
    }
    for (k, rule) in obj["spec"]["rules"].as_array().into_iter().flatten().enumerate() {
        let dests = rule["backendRefs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|b| (b["name"].as_str().unwrap_or("").to_string(), b["weight"].as_u64()))
            .collect();
        // Gateway API mirrors: a RequestMirror filter per mirrored version, `percent` of the
        // rule's traffic (all of it without one).
        let mirrored = rule["filters"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| f["type"] == "RequestMirror")
            .map(|f| {
                let m = &f["requestMirror"];
                (m["backendRef"]["name"].as_str().unwrap_or("?").to_string(), m.get("percent").map_or(100, percent))
            })
            .collect();
        out.push(Rule {
            name: format!("rules[{k}]"),
            matches: rule["matches"].as_array().into_iter().flatten().map(clause).collect(),
            to: shares(dests),
            mirrored,
        });
    }
    out
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
    dests.into_iter().map(|(n, _)| n).zip(routing::percentages(&weights)).collect()
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

/// The Markdown table.
pub fn table(r: &Release, rows: &[Row]) -> String {
    let mut out = format!("# {} ({}, {})\n\n", r.name, r.env.name(), r.strategy.name());
    for (i, v) in r.versions.iter().enumerate() {
        let role = if i == 0 { "primary" } else { "candidate" };
        out.push_str(&format!("- version {i}: `{}` ({role}, weight {})\n", v.target.name, v.weight));
    }
    out.push('\n');
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
            cells.push([ready, rule.name.clone(), matches, list(&rule.to), list(&rule.mirrored)]);
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
            _ => format!("traffic outside the cohorts still goes to `{primary}` (the primary is the default destination in every state), which cannot serve it"),
        };
        out.push_str(&format!("\n(primary not ready): {note}.\n"));
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
        for (j, rule) in row.rules.iter().enumerate() {
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
