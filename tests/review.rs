//! `diff` against `states`: for random pairs of releases (two or three versions, canary or
//! blue-green, on Istio or the Gateway API, cohorts drawn from a few headers so that they
//! often coincide), the traffic `diff --output json` gives each class of requests in each
//! state is where the two sides' `states --output json` send it when their rules are tried
//! first-match, in the order listed. The oracle here reads only the states' JSON: a class is
//! the set of conditions its text joins with `and`, and a rule takes it when all the
//! conditions of one of its clauses are among them (a rule without clauses takes everyone).

use proptest::prelude::*;
use releasegen::input::Context;
use releasegen::input::values::{self, Limits};
use releasegen::{DiffFormat, Options, StatesFormat};
use serde_json::Value;
use std::collections::BTreeSet;

#[derive(Clone, Debug)]
struct Candidate {
    weight: u32,
    /// Clauses, each a list of (header, value); `None`: the default cohort (canary) or none.
    cohort: Option<Vec<Vec<(u8, u8)>>>,
}

#[derive(Clone, Debug)]
struct Release {
    gateway_api: bool,
    canary: bool,
    primary_weight: u32,
    candidates: Vec<Candidate>,
}

fn candidate() -> impl Strategy<Value = Candidate> {
    let clause = prop::collection::vec((0u8..2, 0u8..2), 1..=2);
    let cohort = prop::option::of(prop::collection::vec(clause, 1..=2));
    (prop::sample::select(vec![0u32, 1, 30, 50]), cohort).prop_map(|(weight, cohort)| Candidate { weight, cohort })
}

fn release() -> impl Strategy<Value = Release> {
    (any::<bool>(), any::<bool>(), prop::sample::select(vec![1u32, 50]), prop::collection::vec(candidate(), 1..=2))
        .prop_map(|(gateway_api, canary, primary_weight, candidates)| Release { gateway_api, canary, primary_weight, candidates })
}

fn values(r: &Release) -> String {
    let env = if r.gateway_api { "deployment-gtw" } else { "deployment-istio" };
    let strategy = if r.canary { "canary" } else { "blue-green" };
    let mut out = format!("environment: {env}\napplication:\n  strategy: {strategy}\n  versions:\n  - image: app:0\n    weight: {}\n", r.primary_weight);
    for (i, c) in r.candidates.iter().enumerate() {
        out.push_str(&format!("  - image: app:{}\n    weight: {}\n", i + 1, c.weight));
        let Some(clauses) = &c.cohort else { continue };
        out.push_str(if r.gateway_api { "    matches:\n" } else { "    match:\n" });
        for clause in clauses {
            let mut seen = BTreeSet::new();
            let headers: Vec<(u8, u8)> = clause.iter().copied().filter(|(h, _)| seen.insert(*h)).collect();
            if r.gateway_api {
                out.push_str("    - headers:\n");
                for (h, v) in headers {
                    out.push_str(&format!("      - name: h{h}\n        value: v{v}\n"));
                }
            } else {
                out.push_str("    - headers:\n");
                for (h, v) in headers {
                    out.push_str(&format!("        h{h}:\n          exact: v{v}\n"));
                }
            }
        }
    }
    out
}

fn options() -> Options {
    let context = Context { release_name: Some("app".into()), namespace: Some("demo".into()), ..Context::default() };
    Options { context, ..Options::default() }
}

fn states_json(text: &str) -> Value {
    let out = releasegen::states(text.as_bytes(), &options(), StatesFormat::Json).expect("states");
    serde_json::from_str(&out.yaml).expect("JSON")
}

fn diff_json(base: &str, head: &str) -> Value {
    let parse = |t: &str| values::parse(t.as_bytes(), Limits::default()).expect("values");
    let d = releasegen::diff_values(parse(base), parse(head), &options(), DiffFormat::Json).map_err(|(_, r)| format!("{r:?}")).expect("diff");
    serde_json::from_str(&d.text).expect("JSON")
}

/// The conditions of a class or a clause: its text's parts joined by ` and `.
fn conditions(text: &str) -> BTreeSet<String> {
    if text == "everyone else" { BTreeSet::new() } else { text.split(" and ").map(str::to_string).collect() }
}

/// Where one side's state sends a class: the first rule one of whose clauses asks only for
/// conditions the class has. `None`: no rule takes it.
fn first_match(state: &Value, class: &BTreeSet<String>) -> Option<Value> {
    for rule in state["rules"].as_array().expect("rules") {
        let clauses = rule["match"].as_array().expect("match");
        let takes = clauses.is_empty() || clauses.iter().any(|c| conditions(c.as_str().unwrap_or_default()).is_subset(class));
        if takes {
            return Some(rule["to"].clone());
        }
    }
    None
}

/// The state of a side in which exactly the named versions are ready.
fn state_of<'a>(side: &'a Value, ready: &[String]) -> &'a Value {
    let names: Vec<&str> = side["versions"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap()).collect();
    let want: Vec<u64> = (0..names.len()).filter(|&i| ready.iter().any(|r| r == names[i])).map(|i| i as u64).collect();
    side["states"].as_array().unwrap().iter().find(|s| s["ready"].as_array().unwrap().iter().map(|x| x.as_u64().unwrap()).collect::<Vec<_>>() == want).expect("a state")
}

/// `render` warns of a hidden cohort exactly when `states` shows a cohort rule shadowed in
/// some state by a rule that sends its requests elsewhere (its cheap first look must never
/// miss one).
fn warns_when_shadowed(text: &str, states: &Value) -> Result<(), TestCaseError> {
    // A cohort rule shadowed by a rule that sends its requests elsewhere.
    let shadowed = states["states"].as_array().unwrap().iter().any(|s| {
        let rules = s["rules"].as_array().unwrap();
        rules.iter().any(|r| {
            let by = rules.iter().find(|x| x["name"] == r["shadowedBy"]);
            !r["match"].as_array().unwrap().is_empty() && by.is_some_and(|x| x["to"] != r["to"])
        })
    });
    let out = releasegen::render(text.as_bytes(), &options()).expect("render");
    let warned = out.warnings.iter().any(|w| w.message.contains("is reached by no request"));
    prop_assert_eq!(shadowed, warned, "{}", text);
    Ok(())
}

fn check(base: &Release, head: &Release) -> Result<usize, TestCaseError> {
    let (b, h) = (values(base), values(head));
    let (sb, sh, d) = (states_json(&b), states_json(&h), diff_json(&b, &h));
    warns_when_shadowed(&b, &sb)?;
    warns_when_shadowed(&h, &sh)?;
    let mut compared = 0;
    let changed = d["states"].as_array().unwrap();
    // Every state of the versions of both sides (here the same names on both).
    let names: Vec<String> = sh["versions"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_string()).collect();
    let longer = if sb["versions"].as_array().unwrap().len() > names.len() { &sb } else { &sh };
    let names: Vec<String> = longer["versions"].as_array().unwrap().iter().map(|v| v["name"].as_str().unwrap().to_string()).collect();
    for bits in 0..1u64 << names.len() {
        let ready: Vec<String> = names.iter().enumerate().filter(|(i, _)| bits >> i & 1 == 1).map(|(_, n)| n.clone()).collect();
        let (before, after) = (state_of(&sb, &ready), state_of(&sh, &ready));
        let listed = changed.iter().find(|c| c["ready"].as_array().unwrap().iter().map(|x| x.as_str().unwrap().to_string()).collect::<Vec<_>>() == ready);
        // The classes: every clause of either side, and everyone else.
        let mut classes: Vec<String> = Vec::new();
        for state in [after, before] {
            for rule in state["rules"].as_array().unwrap() {
                for c in rule["match"].as_array().unwrap() {
                    let c = c.as_str().unwrap().to_string();
                    if !classes.contains(&c) {
                        classes.push(c);
                    }
                }
            }
        }
        classes.push("everyone else".into());
        for class in &classes {
            let set = conditions(class);
            let (want_before, want_after) = (first_match(before, &set), first_match(after, &set));
            compared += 1;
            match listed {
                Some(c) => {
                    let got = |side: &str| c[side].as_array().unwrap().iter().find(|x| x["class"] == class.as_str()).map(|x| if x["rule"].is_null() { Value::Null } else { x["to"].clone() });
                    let (gb, ga) = (got("before"), got("after"));
                    prop_assert_eq!(gb, Some(want_before.unwrap_or(Value::Null)), "before, ready {:?}, class {}\n{}\n{}", ready, class, b, h);
                    prop_assert_eq!(ga, Some(want_after.unwrap_or(Value::Null)), "after, ready {:?}, class {}\n{}\n{}", ready, class, b, h);
                }
                // A state diff does not list sends every class where it went before.
                None => prop_assert_eq!(want_before, want_after, "ready {:?}, class {} moved, unlisted\n{}\n{}", ready, class, b, h),
            }
        }
    }
    Ok(compared)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn diff_traffic_is_first_match_over_the_states(base in release(), head in release()) {
        // Both sides on one API and strategy, as a change of values usually is; versions as
        // many as the longer side has (a candidate added or removed).
        let head = Release { gateway_api: base.gateway_api, canary: base.canary, ..head };
        check(&base, &head)?;
    }
}

/// The example that started this: two candidates with the default cohort, the first drained.
/// The oracle finds the testers' move, and the check sees it in diff.
#[test]
fn the_same_cohort_drained_moves_the_testers() {
    let cand = |weight| Candidate { weight, cohort: None };
    let base = Release { gateway_api: false, canary: true, primary_weight: 50, candidates: vec![cand(50), cand(50)] };
    let head = Release { candidates: vec![cand(0), cand(50)], ..base.clone() };
    let compared = check(&base, &head).expect("diff agrees with first-match over states");
    assert_eq!(compared, 14, "every class of every state");
    let d = diff_json(&values(&base), &values(&head));
    let both = d["states"].as_array().unwrap().iter().find(|s| s["ready"] == serde_json::json!(["app-1", "app-2"])).expect("listed");
    assert_eq!(both["before"][0]["to"][0]["version"], "app-1");
    assert_eq!(both["after"][0]["to"][0]["version"], "app-2");
}

/// The Gateway API ranks a match with more headers before one with more query parameters,
/// whatever their order in the route ("Largest number of header matches" comes before
/// "Largest number of query param matches" in HTTPRouteRule's documented precedence). So the
/// version-affinity rules (one cookie header each), listed after a cohort that matches a query
/// parameter only, are tried before it, and `states` lists them first.
#[test]
fn gateway_api_rules_are_listed_by_rank() {
    let text = "environment: deployment-gtw\napplication:\n  strategy: blue-green\n  sessionAffinity: {cookie: app-version, maxAge: 24h}\n  versions:\n  - image: app:0\n  - image: app:1\n    matches:\n    - queryParams: [{name: beta, value: \"yes\"}]\n";
    let states = states_json(text);
    let all = &states["states"][3];
    assert_eq!(all["state"], "0-1");
    let names: Vec<&str> = all["rules"].as_array().unwrap().iter().map(|r| r["name"].as_str().unwrap()).collect();
    // rules[0] is the cohort, rules[1] and rules[2] the cookies, rules[3] the split.
    assert_eq!(names, ["rules[1]", "rules[2]", "rules[0]", "rules[3]"]);
    let matches: Vec<&str> = all["rules"].as_array().unwrap().iter().map(|r| r["match"][0].as_str().unwrap_or("")).collect();
    assert_eq!(matches, ["cookie app-version exact \"app-0\"", "cookie app-version exact \"app-1\"", "query beta exact \"yes\"", ""]);
}
