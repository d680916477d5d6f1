//! Helpers shared by the integration tests.
#![allow(dead_code)]

use releasegen::model::Context;
use releasegen::values::{self, Limits};
use releasegen::{Options, Ready};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every values file in `fixtures/`, sorted, as (stem, path).
pub fn fixtures() -> Vec<(String, PathBuf)> {
    let mut out: Vec<(String, PathBuf)> = std::fs::read_dir(root().join("fixtures"))
        .expect("fixtures/ exists")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| (p.file_stem().unwrap().to_string_lossy().into_owned(), p))
        .collect();
    out.sort();
    assert!(out.len() >= 20, "expected the fixtures, found {}", out.len());
    out
}

/// The release name and namespace each fixture is rendered with: the seeds' own.
pub fn name_for(stem: &str) -> (&'static str, &'static str) {
    if stem.starts_with("seed-gateway-api") {
        ("httpbin", "test")
    } else if stem.starts_with("seed-modelmesh") {
        ("wisdom", "default")
    } else {
        ("demo", "demo")
    }
}

pub fn options(stem: &str, ready: Option<Ready>) -> Options {
    let (name, ns) = name_for(stem);
    Options {
        context: Context { release_name: Some(name.into()), namespace: Some(ns.into()), strict: true },
        ready,
        ..Options::default()
    }
}

pub fn render(path: &Path, stem: &str) -> String {
    let input = std::fs::read(path).unwrap();
    match releasegen::render(&input, &options(stem, None)) {
        Ok(out) => {
            assert!(out.warnings.is_empty(), "{stem}: warnings {:?}", out.warnings);
            out.yaml
        }
        Err(f) => panic!("{stem} failed to render: {:?}", f.errors),
    }
}

/// Parses one YAML document as JSON (through releasegen's own reader).
pub fn yaml(text: &str) -> Value {
    values::parse(text.as_bytes(), Limits::default())
        .unwrap_or_else(|e| panic!("not YAML ({e}):\n{text}"))
        .to_json()
}

/// Splits a stream where kubectl does (lines that begin with `---`) and parses each document.
pub fn docs(stream: &str) -> Vec<Value> {
    let mut docs = vec![String::new()];
    for line in stream.split_inclusive('\n') {
        if line.starts_with("---") {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        }
    }
    docs.iter().filter(|d| d.lines().any(|l| !l.trim().is_empty() && !l.starts_with('#'))).map(|d| yaml(d)).collect()
}

/// Every version a routing object sends live traffic to, with its stated weight.
pub fn live_destinations(obj: &Value) -> Vec<Vec<(String, Option<u64>)>> {
    let mut rules = Vec::new();
    for rule in obj["spec"]["http"].as_array().into_iter().flatten() {
        let dests = rule["route"].as_array().expect("every http rule has a route");
        rules.push(
            dests
                .iter()
                .map(|d| {
                    // KServe's split route names the version in the `branch` header it sets.
                    let name = d["headers"]["response"]["add"]["app-version"]
                        .as_str()
                        .or(d["headers"]["request"]["set"]["branch"].as_str())
                        .expect("every destination names its version");
                    (name.to_string(), d["weight"].as_u64())
                })
                .collect(),
        );
    }
    for rule in obj["spec"]["rules"].as_array().into_iter().flatten() {
        let refs = rule["backendRefs"].as_array().expect("every rule has backendRefs");
        rules.push(refs.iter().map(|b| (b["name"].as_str().unwrap().to_string(), b["weight"].as_u64())).collect());
    }
    rules
}

/// Hosts that receive mirrored traffic.
pub fn mirrored_hosts(obj: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for rule in obj["spec"]["http"].as_array().into_iter().flatten() {
        if let Some(h) = rule["mirror"]["host"].as_str() {
            out.push(h.to_string());
        }
        for m in rule["mirrors"].as_array().into_iter().flatten() {
            out.push(m["destination"]["host"].as_str().unwrap().to_string());
        }
    }
    out
}


/// Checks the routing invariants in every readiness state of a release; returns how many
/// states were checked. No destination whose weight in the state is 0 receives or mirrors
/// traffic; no rule is left without a destination; weighted destinations' shares sum to
/// 100; with nothing ready, the primary takes all traffic.
pub fn check_routing(r: &releasegen::model::Release, what: &str) -> usize {
    use releasegen::routing::{self, State};
    let Some(plan) = routing::plan(r) else { return 0 };
    let n = r.versions.len();
    let by_target: std::collections::HashMap<&str, usize> =
        r.versions.iter().enumerate().map(|(i, v)| (v.target.name.as_str(), i)).collect();
    for state in State::all(n) {
        let weights = routing::shown_weights(r, &routing::state_weights(r, state, &[]));
        let obj = routing::object_for(r, &plan, state);
        let ctx = format!("{what} state {}", state.label(n));
        for rule in live_destinations(&obj) {
            assert!(!rule.is_empty(), "{ctx}: a rule has no destination");
            for (name, _) in &rule {
                let i = by_target[name.as_str()];
                assert!(weights[i] > 0, "{ctx}: traffic to {name}, whose weight is 0");
            }
            if rule.len() > 1 {
                let sum: u64 = rule.iter().map(|(_, w)| w.expect("several destinations state weights")).sum();
                assert_eq!(sum, 100, "{ctx}: shares sum to {sum}");
            }
            if let [(_, Some(w))] = rule.as_slice() {
                assert_eq!(*w, 100, "{ctx}: a single weighted destination takes everything");
            }
        }
        for host in mirrored_hosts(&obj) {
            let i = r.versions.iter().position(|v| host.starts_with(&format!("{}.", v.target.name))).unwrap();
            assert!(weights[i] > 0 && i > 0, "{ctx}: mirrors to {host} with weight 0");
        }
        if state == State(0) {
            let primary = r.versions[0].target.name.as_str();
            for rule in live_destinations(&obj) {
                assert!(rule.iter().all(|(name, _)| name == primary), "{ctx}: nothing is ready, so the primary takes all");
            }
            assert!(mirrored_hosts(&obj).is_empty(), "{ctx}: nothing to mirror to");
        }
    }
    1 << n
}
