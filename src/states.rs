//! `releasegen states`: every readiness state of a release and what each routing rule does
//! in it, for a person reviewing the release (a Markdown table that also reads well in a
//! terminal) or for a machine (`--output json`). It reads the very objects the `ready-*` keys
//! hold, so the review shows what will be applied.

use crate::model::Release;
use crate::routing::{self, State, Tree};
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
                weights: weights.shown,
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
        out.push(Rule {
            name: format!("rules[{k}]"),
            matches: rule["matches"].as_array().into_iter().flatten().map(clause).collect(),
            to: shares(dests),
            mirrored: vec![],
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

/// A match clause in one line: `headers.traffic.exact=test`, `headers: traffic=test`.
fn clause(m: &Value) -> String {
    let mut parts = Vec::new();
    flatten("", m, &mut parts);
    parts.join(", ")
}

fn flatten(prefix: &str, v: &Value, out: &mut Vec<String>) {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        Value::Object(m) if m.contains_key("name") && m.contains_key("value") => {
            let op = m.get("type").and_then(Value::as_str).map(|t| format!(" ({t})")).unwrap_or_default();
            out.push(format!("{prefix}: {}={}{op}", scalar(&m["name"]), scalar(&m["value"])));
        }
        Value::Object(m) => m.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Value::Array(a) => a.iter().for_each(|v| flatten(prefix, v, out)),
        v => out.push(format!("{prefix}={}", scalar(v))),
    }
}

fn scalar(v: &Value) -> String {
    v.as_str().map_or_else(|| v.to_string(), str::to_string)
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
            let ready = if k == 0 { row.state.clone() } else { String::new() };
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
