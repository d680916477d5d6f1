//! `releasegen states`: every readiness state of a release and what each routing rule does
//! in it, for a person reviewing the release (a Markdown table that also reads well in a
//! terminal) or for a machine (`--output json`). It reads the very objects the `ready-*` keys
//! hold, so the review shows what will be applied.

use crate::model::Release;
use crate::problem::terminal_safe;
use crate::plan::routing::{self, State, Tree};
pub use crate::review::rules::{Rule, rules_of};
use serde_json::{Value, json};

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
            let arrows = Arrows { to: &rule.to, mirrored: &rule.mirrored, mirror_prefix: "" };
            arrows.write(&mut out, &format!("s{k}"), &matched, index_of);
        }
        out.push_str("  end\n");
    }
    out
}

/// Where one class of requests goes in a Mermaid subgraph: an arrow to each version it reaches
/// (with its share when split), a dotted one to each that gets a mirrored copy.
pub struct Arrows<'a> {
    pub to: &'a [(String, u32)],
    pub mirrored: &'a [(String, u32)],
    /// Put before "mirror N%" on a dotted arrow's label.
    pub mirror_prefix: &'a str,
}

impl Arrows<'_> {
    /// The arrows from the subgraph `id`'s entry node to its version nodes `{id}_v{i}`, where
    /// `index_of` gives a version's `i` by name (a name it does not know gets no arrow).
    pub fn write(&self, out: &mut String, id: &str, class: &str, index_of: impl Fn(&str) -> Option<usize>) {
        for (name, pct) in self.to {
            let Some(i) = index_of(name) else { continue };
            let label = if self.to.len() > 1 { format!("{class}: {pct}%") } else { class.to_string() };
            out.push_str(&format!("    {id}_in -->|\"{}\"| {id}_v{i}\n", mermaid_text(&label)));
        }
        for (name, pct) in self.mirrored {
            let Some(i) = index_of(name) else { continue };
            let label = format!("{}mirror {pct}%", self.mirror_prefix);
            out.push_str(&format!("    {id}_in -.->|\"{}\"| {id}_v{i}\n", mermaid_text(&label)));
        }
    }
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

// ---- strategy none: nothing is routed ----

/// `states` of a release with no routing object (strategy `none`), as a table.
pub fn unrouted_table(r: &Release) -> String {
    format!(
        "# {} ({}, none)\n\nStrategy none: releasegen emits no routing object; every state routes as the app-level Service does.\n",
        r.name,
        r.env.name()
    )
}

/// The same as JSON: no states.
pub fn unrouted_json(r: &Release) -> Value {
    json!({"name": r.name, "strategy": "none", "states": []})
}

/// The same as a chart: every request to the Service.
pub fn unrouted_mermaid(r: &Release) -> String {
    format!("flowchart LR\n  in([\"requests to {0}\"]) --> app[\"Service {0}: no routing object (strategy none)\"]\n", r.name)
}
