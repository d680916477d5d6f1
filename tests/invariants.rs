//! Invariants over every readiness state of every fixture:
//! - no destination whose weight in the state is 0 receives or mirrors traffic;
//! - no rule is left without a destination;
//! - weighted destinations carry exactly their version's weight in the state;
//! - with nothing ready, the primary takes all traffic;
//! - the Go template in `strSpec`, executed with Go's own `html/template` exactly as the
//!   Iter8 controller executes it (the state's raw weights), routes exactly as that state's
//!   `ready-*` key does: the same object, weights included. (The keys once wrote percentages,
//!   and the real controller of tests/cluster/run wrote 50 and 30 where the key said 63 and 37:
//!   a release run without a controller routed differently from one run with it.)

mod common;

use releasegen::input::Context;
use releasegen::plan::routing::{self, State};
use releasegen::Options;
use serde_json::Value;

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

#[test]
fn routing_invariants_hold_in_every_state() {
    let mut checked = 0;
    for case in cases() {
        checked += common::check_routing(&case.release, &case.stem);
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
            let weights = routing::weights_for(r, state);
            let key = format!("ready-{}.yaml", state.label(n));
            let precomputed = common::yaml(data[&key].as_str().unwrap_or_else(|| panic!("{}: no {key}", case.stem)));
            let written = data[&key].as_str().unwrap();
            let plan = routing::plan(r).unwrap();
            assert_eq!(written, releasegen::emit::document(&routing::object_for(r, &plan, state)), "{} {key}: written directly", case.stem);
            let executed = execute(template, &weights);
            assert_eq!(common::yaml(&executed), precomputed, "{} {key}: template and state differ", case.stem);
            checked += 1;
        }
        assert_eq!(data.as_object().unwrap().len(), 1 + (1 << n), "{}: one key per state", case.stem);
    }
    assert!(checked > 60, "only {checked} states were checked");
}

/// Runs the template as the Iter8 controller does: Go's `html/template`, `.Weights` set.
fn execute(template: &str, weights: &[u32]) -> String {
    common::with_go(|go| go.execute(template, weights)).unwrap_or_else(|e| panic!("template does not execute: {e}\n{template}"))
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
    let (r, plan, executed) = executed_with_both_ready(&values);
    let header = &executed["spec"]["http"][0]["match"][0]["headers"]["x-evil"]["exact"];
    assert_eq!(header, "{{ .Weights }} <script>alert(1)</script> & \"q\" 'a' \\ {{- end }}");
    assert_eq!(executed, routing::object_for(&r, &plan, State(3)));
}

/// The same for text in a route of the user's own: its rules are plain text in the template,
/// escaped, and reach the executed object as written, the marked rule's text in the release's
/// rules too.
#[test]
fn the_users_route_reaches_the_output_literally_through_the_template() {
    let evil = "{{ .Weights }} <script>alert(1)</script> & \"q\" {{- end }}";
    let values = format!(
        "environment: deployment-gtw\napplication:\n  strategy: canary\n  route:\n    parentRefs: [{{name: web}}]\n    rules:\n    - matches: [{{headers: [{{name: x-evil, value: '{evil}'}}]}}]\n      backendRefs: [{{name: other, port: 80}}]\n    - matches: [{{queryParams: [{{name: q, value: '{evil}'}}]}}]\n      release: true\n  versions:\n  - image: x\n  - image: x\n"
    );
    let (r, plan, executed) = executed_with_both_ready(&values);
    let rules = executed["spec"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 3);
    assert_eq!(rules[0]["matches"][0]["headers"][0]["value"], evil);
    for rule in &rules[1..] {
        assert_eq!(rule["matches"][0]["queryParams"][0]["value"], evil);
    }
    assert_eq!(executed, routing::object_for(&r, &plan, State(3)));
}

/// A two-version release's template, checked to hold none of the hostile text raw, and
/// executed by Go's `html/template` with both versions ready.
fn executed_with_both_ready(values: &str) -> (releasegen::model::Release, routing::Tree, serde_json::Value) {
    let opts = common::options("demo", None);
    let (r, _) = releasegen::release(values.as_bytes(), &opts).unwrap();
    let plan = routing::plan(&r).unwrap();
    let template = releasegen::emit::template(&plan);
    for bad in ["{{ .Weights }}", "<script", "&", "{{- end }} \""] {
        assert!(!template.contains(bad), "raw {bad:?} in the template");
    }
    let executed = common::yaml(&execute(&template, &[1, 1]));
    (r, plan, executed)
}

/// Extreme ratios: the controller's template and the precomputed state write the same object,
/// weights included, and no ready version vanishes.
#[test]
fn extreme_weights_route_the_same_in_the_template_and_every_state() {
    let cases = [
        ("deployment-istio", "blue-green", vec![1000, 1]),
        ("deployment-istio", "canary", vec![1000, 1]),
        ("deployment-gtw", "blue-green", vec![1_000_000, 1, 1, 1]),
        ("deployment-gtw", "canary", vec![1000, 1]),
        ("kserve", "blue-green", vec![2_147_483_647, 1, 1]),
        ("kserve-modelmesh-istio", "blue-green", vec![1, 1_000_000]),
    ];
    for (env, strategy, weights) in cases {
        let versions: Vec<serde_json::Value> = weights
            .iter()
            .map(|w| serde_json::json!({"weight": w, "image": "x", "modelFormat": "sklearn", "storageUri": "s3://m"}))
            .collect();
        let values = serde_json::json!({"environment": env, "application": {"strategy": strategy, "versions": versions}});
        let opts = Options { context: Context { release_name: Some("x".into()), namespace: Some("ns".into()), strict: false, namespace_origin: None, ..Default::default() }, ..Options::default() };
        let (r, _) = releasegen::release(values.to_string().as_bytes(), &opts).unwrap();
        let plan = routing::plan(&r).unwrap();
        let template = releasegen::emit::template(&plan);
        let what = format!("{env} {strategy} {weights:?}");
        assert_eq!(common::check_routing(&r, &what), 1 << weights.len());
        for state in State::all(weights.len()) {
            let w = routing::weights_for(&r, state);
            let executed = common::yaml(&execute(&template, &w));
            assert_eq!(executed, routing::object_for(&r, &plan, state), "{what} state {}", state.label(weights.len()));
        }
    }
}
