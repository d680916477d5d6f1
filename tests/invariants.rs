//! Invariants over every readiness state of every fixture:
//! - no destination whose weight in the state is 0 receives or mirrors traffic;
//! - no rule is left without a destination;
//! - weighted destinations' shares sum to 100;
//! - with nothing ready, the primary takes all traffic;
//! - the Go template in `strSpec`, executed with the state's weights, yields exactly the
//!   object of that state's `ready-*` key.

mod common;

use releasegen::routing::{self, State};
use serde_json::Value;
use std::collections::HashMap;

struct Case {
    stem: String,
    release: releasegen::model::Release,
    routemap: Value,
}

fn cases() -> Vec<Case> {
    common::fixtures()
        .into_iter()
        .filter_map(|(stem, path)| {
            let input = std::fs::read(&path).unwrap();
            let (release, _) = releasegen::release(&input, &common::options(&stem, None)).unwrap();
            let docs = common::docs(&common::render(&path, &stem));
            let routemap = docs.into_iter().find(|d| d["metadata"]["name"].as_str().is_some_and(|n| n.ends_with("-routemap")));
            // KServe-native releases and modify-weights have no routemap by design.
            let expected = !release.env.kserve_native() && !release.weights_only;
            assert_eq!(routemap.is_some(), expected, "{stem}: routemap");
            Some(Case { stem, release, routemap: routemap? })
        })
        .collect()
}

/// Every version a routing object sends live traffic to, with its stated weight.
fn live_destinations(obj: &Value) -> Vec<Vec<(String, Option<u64>)>> {
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
fn mirrored_hosts(obj: &Value) -> Vec<String> {
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

#[test]
fn routing_invariants_hold_in_every_state() {
    let mut checked = 0;
    for case in cases() {
        let r = &case.release;
        let Some(plan) = routing::plan(r) else { continue };
        let n = r.versions.len();
        let by_target: HashMap<&str, usize> = r.versions.iter().enumerate().map(|(i, v)| (v.target.name.as_str(), i)).collect();
        for state in State::all(n) {
            let weights = routing::shown_weights(r, &routing::state_weights(r, state, &[]));
            let obj = routing::object_for(r, &plan, state);
            let ctx = format!("{} state {}", case.stem, state.label(n));
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
            checked += 1;
        }
    }
    assert!(checked > 60, "only {checked} states were checked");
}

#[test]
fn precomputed_states_equal_the_template_result() {
    let mut checked = 0;
    for case in cases() {
        let r = &case.release;
        let data = &case.routemap["data"];
        let spec = common::yaml(data["strSpec"].as_str().unwrap());
        let Some(templates) = spec["routingTemplates"].as_object() else {
            assert!(routing::plan(r).is_none(), "{}: routing without a template", case.stem);
            assert_eq!(data.as_object().unwrap().len(), 1, "{}: ready keys without routing", case.stem);
            continue;
        };
        assert_eq!(templates.len(), 1);
        let template = templates[r.strategy.name()]["template"].as_str().unwrap();
        let n = r.versions.len();
        for state in State::all(n) {
            let weights = routing::shown_weights(r, &routing::state_weights(r, state, &[]));
            let key = format!("ready-{}.yaml", state.label(n));
            let precomputed = common::yaml(data[&key].as_str().unwrap_or_else(|| panic!("{}: no {key}", case.stem)));
            let executed = execute(template, &weights);
            assert_eq!(common::yaml(&executed), precomputed, "{} {key}: template and state differ", case.stem);
            checked += 1;
        }
        assert_eq!(data.as_object().unwrap().len(), 1 + (1 << n), "{}: one key per state", case.stem);
    }
    assert!(checked > 60, "only {checked} states were checked");
}

/// Runs the template as the Iter8 controller does, with `.Weights` set.
fn execute(template: &str, weights: &[u32]) -> String {
    let w: Vec<gtmpl::Value> = weights.iter().map(|&x| gtmpl::Value::from(u64::from(x))).collect();
    let ctx = gtmpl::Value::Object(HashMap::from([("Weights".to_string(), gtmpl::Value::Array(w))]));
    gtmpl::template(template, ctx).unwrap_or_else(|e| panic!("template does not execute: {e}\n{template}"))
}

#[test]
fn user_text_reaches_the_output_literally_through_the_template() {
    let values = r#"
environment: deployment-istio
gateway: "gw"
application:
  strategy: canary
  versions:
  - image: x
  - image: x
    match:
    - headers:
        x-evil:
          exact: "{{ .Weights }} <script>alert(1)</script> & \"q\" 'a' \\ {{- end }}"
"#;
    let opts = common::options("demo", None);
    let (r, _) = releasegen::release(values.as_bytes(), &opts).unwrap();
    let plan = routing::plan(&r).unwrap();
    let template = releasegen::emit::template(&plan);
    for bad in ["{{ .Weights }}", "<script", "&", "{{- end }} \""] {
        assert!(!template.contains(bad), "raw {bad:?} in the template");
    }
    let executed = common::yaml(&execute(&template, &[1, 1]));
    let header = &executed["spec"]["http"][0]["match"][0]["headers"]["x-evil"]["exact"];
    assert_eq!(header, "{{ .Weights }} <script>alert(1)</script> & \"q\" 'a' \\ {{- end }}");
    assert_eq!(executed, routing::object_for(&r, &plan, State(3)));
}
