//! `route` and `states`: readiness from live objects, the routing object for it, and
//! the reviewer's table.

mod common;

use releasegen::model::{Kind, Release};
use releasegen::plan::routing::{self, State};
use serde_json::{Value, json};

/// Live objects for `state`: ready versions fully ready; each unready version unready for
/// one of the reasons the controller knows, in turn. Objects of another release are mixed in.
fn live_for(r: &Release, state: State, salt: usize) -> Value {
    let mut items = vec![json!({"apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "someone-else", "namespace": r.namespace},
        "status": {"conditions": [{"type": "Available", "status": "False"}]}})];
    for (i, v) in r.versions.iter().enumerate() {
        let reason = if state.is_ready(i) { None } else { Some((i + salt) % 4) };
        for (k, res) in v.resources.iter().enumerate() {
            let last = k + 1 == v.resources.len();
            if reason == Some(0) && last {
                continue; // missing object
            }
            let mut meta = json!({"name": res.obj.name, "namespace": res.obj.namespace, "generation": 2});
            if reason == Some(1) && last {
                meta["deletionTimestamp"] = json!("2026-11-22T00:00:00Z");
            }
            let (cond, status, observed) = match res.kind {
                Kind::Deployment => ("Available", reason != Some(2), if reason == Some(3) { 1 } else { 2 }),
                Kind::InferenceService => ("Ready", reason != Some(2), if reason == Some(3) { 1 } else { 2 }),
                _ => ("None", true, 2),
            };
            let status = if status { "True" } else { "False" };
            items.push(json!({
                "apiVersion": "v1", "kind": res.kind.kind(), "metadata": meta,
                "status": {"observedGeneration": observed, "conditions": [{"type": cond, "status": status}]}
            }));
        }
    }
    json!({"apiVersion": "v1", "kind": "List", "items": items})
}

#[test]
fn route_agrees_with_the_precomputed_state_for_every_fixture_and_state() {
    let mut checked = 0;
    for (stem, path) in common::fixtures() {
        let values = std::fs::read(&path).unwrap();
        let opts = common::options(&stem, None);
        let (r, _) = releasegen::release(&values, &opts).unwrap();
        let Some(plan) = routing::plan(&r) else { continue };
        for state in State::all(r.versions.len()) {
            for salt in 0..2 {
                let live = live_for(&r, state, salt).to_string();
                let routed = releasegen::route(&values, live.as_bytes(), &opts).unwrap();
                let got = common::docs(&routed.yaml);
                assert_eq!(got, vec![routing::object_for(&r, &plan, state)], "{stem} {}", state.label(r.versions.len()));
                for (i, _) in r.versions.iter().enumerate() {
                    let want = if state.is_ready(i) { ": ready," } else { ": not ready," };
                    assert!(routed.explain.iter().any(|l| l.starts_with(&format!("version {i} ")) && l.contains(want)), "{stem}: {:?}", routed.explain);
                }
                checked += 1;
            }
        }
    }
    assert!(checked > 100, "only {checked}");
}

fn run(args: &[&str], stdin: &[u8]) -> (Option<i32>, String, String) {
    let r = common::run_bin(args, stdin);
    (r.code, r.stdout, r.stderr)
}

#[test]
fn live_fixtures_route_as_snapshotted() {
    let dir = common::root().join("tests/live");
    let mut cases: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    assert!(cases.len() >= 6);
    for case in cases {
        let stem = case.file_stem().unwrap().to_string_lossy().into_owned();
        let values = format!("fixtures/{}.yaml", stem.split("--").next().unwrap());
        let live = std::fs::read(&case).unwrap();
        let (code, out, err) = run(&["route", "-f", &values, "--name", "demo", "--namespace", "demo", "-v"], &live);
        assert_eq!(code, Some(0), "{stem}: {err}");
        insta::assert_snapshot!(format!("route-{stem}"), format!("# stderr (-v)\n{err}# stdout\n{out}"));
    }
}

#[test]
fn route_refuses_unreadable_live_input() {
    let v = "fixtures/deployment-istio-blue-green.yaml";
    for (input, message) in [
        (&b"{not: [json"[..], "error: <stdin>: live objects: not valid YAML"),
        (b"- just\n- a list\n", "error: <stdin>: document 1: expected a Kubernetes object, found a list"),
        (b"kind: List\nitems: 3\n", "error: <stdin>: items: a List needs a list of items"),
        (b"kind: \"\"\nmetadata: {name: a}\n", "error: <stdin>: document 1: an object needs a kind"),
        (b"kind: List\nitems:\n- {kind: Service, metadata: {name: a}}\n- {apiVersion: v1, kind: Service, metadata: {}}\n", "error: <stdin>: items[1] (Service): an object needs metadata.name"),
        (b"kind: Service\nmetadata: {name: a}\n---\nkind: Service\nmetadata: {name: a}\n", "error: <stdin>: document 2 (Service demo/a): appears twice in the live objects"),
    ] {
        let (code, out, err) = run(&["route", v, "--name", "demo", "--namespace", "demo"], input);
        assert_eq!(code, Some(1), "{err}");
        assert!(out.is_empty(), "{out}");
        assert!(err.contains(message), "{message:?} not in {err}");
        assert!(!err.contains(v), "a live-object problem points at the values file:\n{err}");
    }
    // Positions point at stdin, never at the values file.
    let (_, _, err) = run(&["route", v, "--name", "demo", "--namespace", "demo"], b"kind: List\nitems:\n- 3\n");
    assert!(err.contains("  --> <stdin>:3:3"), "{err}");
    let (code, out, err) = run(&["route", "fixtures/deployment-istio-none.yaml", "--name", "demo"], b"kind: List\nitems: []\n");
    assert_eq!((code, out.is_empty()), (Some(1), true));
    assert!(err.contains("has no routing object"), "{err}");
}

/// Empty stdin is what `kubectl get … | releasegen route` gets when kubectl fails: it must
/// never route as "nothing ready" and take the candidates' traffic away.
#[test]
fn route_refuses_empty_stdin() {
    for input in [&b""[..], b"\n", b"  \n\n", b"# only a comment\n", b"---\n", b"\xef\xbb\xbf"] {
        let (code, out, err) = run(&["route", "fixtures/deployment-istio-canary.yaml", "--name", "demo", "--namespace", "demo"], input);
        assert_eq!(code, Some(1), "{input:?}: {err}");
        assert!(out.is_empty(), "{input:?}: {out}");
        assert!(err.contains("error: <stdin>: no live objects: the input is empty"), "{input:?}: {err}");
    }
}

/// A readable list that holds nothing of the release (wrong namespace or context) routes as
/// nothing ready, with a warning naming the release, the namespace and what was seen; an
/// explicitly empty List does the same with a note.
#[test]
fn route_says_when_nothing_of_the_release_is_live() {
    let v = "fixtures/deployment-istio-canary.yaml";
    let foreign = br#"{"kind": "List", "items": [{"kind": "Deployment", "metadata": {"name": "httpbin-0", "namespace": "test"}}]}"#;
    let (code, out, err) = run(&["route", v, "--name", "demo", "--namespace", "demo"], foreign);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("kind: VirtualService"));
    assert!(
        err.contains("warning: <stdin>: no live object belongs to release demo in namespace demo (saw Deployment test/httpbin-0); check --namespace"),
        "{err}"
    );
    let (code, out, err) = run(&["route", v, "--name", "demo", "--namespace", "demo"], b"kind: List\nitems: []\n");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("kind: VirtualService"));
    assert!(err.contains("warning: <stdin>: the live objects are an empty List: nothing of release demo is deployed in namespace demo yet"), "{err}");
}

/// The warning about foreign objects names five of them, then counts the rest.
#[test]
fn route_names_five_foreign_objects_then_counts() {
    let v = "fixtures/deployment-istio-canary.yaml";
    let list = |n: usize| {
        let items: Vec<Value> = (0..n).map(|i| json!({"kind": "Service", "metadata": {"name": format!("s{i}"), "namespace": "other"}})).collect();
        json!({"kind": "List", "items": items}).to_string()
    };
    let (_, _, err) = run(&["route", v, "--name", "demo", "--namespace", "demo"], list(5).as_bytes());
    assert!(err.contains("(saw Service other/s0, Service other/s1, Service other/s2, Service other/s3, Service other/s4)"), "{err}");
    let (_, _, err) = run(&["route", v, "--name", "demo", "--namespace", "demo"], list(7).as_bytes());
    assert!(err.contains("Service other/s4, 2 more)"), "{err}");
}

/// An invalid weight annotation is a warning every time, not only with -v.
#[test]
fn route_warns_about_an_invalid_weight_annotation() {
    let values = std::fs::read(common::root().join("fixtures/deployment-istio-blue-green.yaml")).unwrap();
    let opts = common::options("deployment-istio-blue-green", None);
    let (r, _) = releasegen::release(&values, &opts).unwrap();
    // "+5" parses as a number in Rust but not in Go's strconv.ParseUint, which the controller uses.
    for bad in ["30%", "-1", "1e9", "", "4294967296", "+5"] {
        let mut live = live_for(&r, State(3), 0);
        for item in live["items"].as_array_mut().unwrap() {
            if item["metadata"]["name"] == "demo-1-weight-config" {
                item["metadata"]["annotations"] = json!({"iter8.tools/weight": bad});
            }
        }
        let (code, _, err) = run(&["route", "fixtures/deployment-istio-blue-green.yaml", "--name", "demo", "--namespace", "demo"], live.to_string().as_bytes());
        assert_eq!(code, Some(0), "{err}");
        let want = format!("warning: <stdin>: ConfigMap demo/demo-1-weight-config: annotation iter8.tools/weight is {bad:?}, not a whole number");
        assert!(err.contains(&want), "{bad}: {err}");
    }
}

#[test]
fn states_tables_as_snapshotted() {
    for fixture in [
        "deployment-istio-blue-green",
        "three-versions-deployment-istio-canary",
        "three-versions-deployment-istio-mirror",
        "seed-gateway-api-canary-2-candidate",
        "seed-kserve-canary-5-tag-routing",
        "kserve-standard-canary",
    ] {
        let (code, out, err) = run(&["states", &format!("fixtures/{fixture}.yaml"), "--name", "demo"], b"");
        assert_eq!(code, Some(0), "{err}");
        insta::assert_snapshot!(format!("states-{fixture}"), out);
    }
    let (code, out, _) = run(&["states", "fixtures/three-versions-kserve-blue-green.yaml", "--name", "demo", "--output", "json"], b"");
    assert_eq!(code, Some(0));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["states"].as_array().unwrap().len(), 8);
    insta::assert_snapshot!("states-json-three-versions-kserve-blue-green", out);
}

/// `states` reads each state's routing object by its fields: every destination and mirror of
/// every fixture's states names a version of the release (none reads as `?`), and every share
/// of a rule adds up to 100.
#[test]
fn states_name_a_version_for_every_destination() {
    for entry in std::fs::read_dir(common::root().join("fixtures")).unwrap() {
        let path = entry.unwrap().path();
        let (code, out, err) = run(&["states", path.to_str().unwrap(), "--name", "demo", "--output", "json"], b"");
        assert_eq!(code, Some(0), "{}: {err}", path.display());
        let v: Value = serde_json::from_str(&out).unwrap();
        let mut versions: Vec<String> = v["versions"].as_array().into_iter().flatten().map(|x| x["name"].as_str().unwrap_or_default().to_string()).collect();
        versions.extend(user_destinations(&path));
        for state in v["states"].as_array().into_iter().flatten() {
            for rule in state["rules"].as_array().unwrap() {
                let to = rule["to"].as_array().unwrap();
                for d in to.iter().chain(rule["mirrored"].as_array().unwrap()) {
                    let name = d["version"].as_str().unwrap();
                    assert!(versions.iter().any(|n| n == name), "{}: {name} is not one of {versions:?}", path.display());
                }
                let total: u64 = to.iter().map(|d| d["percent"].as_u64().unwrap()).sum();
                assert!(to.is_empty() || total == 100, "{}: shares add up to {total}", path.display());
            }
        }
    }
}

/// What the rules of a fixture's own route (`application.route`) send requests to, as
/// `states` names them: a backend by name, an Istio destination by its host's first label, a
/// redirect or a response of the mesh's own in parentheses.
fn user_destinations(fixture: &std::path::Path) -> Vec<String> {
    let values = common::yaml(&std::fs::read_to_string(fixture).unwrap());
    let route = &values["application"]["route"];
    let rules = route["rules"].as_array().or(route["http"].as_array()).cloned().unwrap_or_default();
    let mut out = Vec::new();
    for rule in rules.iter().filter(|r| r["release"] != true) {
        out.extend(rule["backendRefs"].as_array().into_iter().flatten().map(|b| b["name"].as_str().unwrap().to_string()));
        out.extend(rule["route"].as_array().into_iter().flatten().map(|d| d["destination"]["host"].as_str().unwrap().split('.').next().unwrap().to_string()));
        if rule.get("redirect").is_some() || rule["filters"].as_array().is_some_and(|f| f.iter().any(|f| f["type"] == "RequestRedirect")) {
            out.push("(redirect)".to_string());
        }
        if let Some(status) = rule["directResponse"]["status"].as_u64() {
            out.push(format!("(direct response {status})"));
        }
    }
    out
}

/// With `--ready`: the routing object is wave "1", every other object "0", also
/// when the workloads are external (the old code counted workload documents never rendered).
#[test]
fn ready_sets_argo_cd_sync_waves() {
    for fixture in ["deployment-istio-blue-green", "external-workloads-deployment-gtw-canary", "kserve-canary"] {
        let path = format!("fixtures/{fixture}.yaml");
        let (code, out, err) = run(&["render", &path, "--name", "demo", "--ready", "all"], b"");
        assert_eq!(code, Some(0), "{err}");
        let docs = common::docs(&out);
        let wave = |d: &Value| d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str().map(str::to_string);
        let (last, rest) = docs.split_last().unwrap();
        assert!(matches!(last["kind"].as_str(), Some("VirtualService" | "HTTPRoute" | "GRPCRoute")), "{fixture}: routing object last");
        assert_eq!(wave(last).as_deref(), Some("1"), "{fixture}: routing object");
        for d in rest {
            assert_eq!(wave(d).as_deref(), Some("0"), "{fixture}: {} {}", d["kind"], d["metadata"]["name"]);
        }
        let (_, plain, _) = run(&["render", &path, "--name", "demo", "--ready", "all", "--no-sync-waves"], b"");
        assert!(!plain.contains("sync-wave"));
        let (_, without_ready, _) = run(&["render", &path, "--name", "demo"], b"");
        assert!(!without_ready.contains("sync-wave"));
    }
}

/// A wave the user gave an object is kept; the others are set as usual.
#[test]
fn ready_keeps_a_sync_wave_the_user_set() {
    let values = "environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: a\n    metadata:\n      annotations:\n        argocd.argoproj.io/sync-wave: \"-1\"\n  - image: b\n";
    let (code, out, err) = run(&["render", "-", "--name", "demo", "--ready", "all"], values.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    let docs = common::docs(&out);
    let wave = |d: &Value| d["metadata"]["annotations"]["argocd.argoproj.io/sync-wave"].as_str().map(str::to_string);
    let of = |name: &str| docs.iter().filter(|d| d["metadata"]["name"] == name && d["kind"] != "ConfigMap").map(wave).collect::<Vec<_>>();
    assert_eq!(of("demo-0"), vec![Some("-1".to_string()); 2], "{out}");
    assert_eq!(of("demo-1"), vec![Some("0".to_string()); 2], "{out}");
    assert_eq!(docs.last().and_then(wave).as_deref(), Some("1"));
}

/// `states --output mermaid`: a flowchart per state; unready versions are drawn as such, and
/// the primary-not-ready states are titled so.
#[test]
fn states_as_mermaid_flowcharts() {
    for fixture in ["seed-gateway-api-canary-2-candidate", "three-versions-deployment-istio-mirror", "kserve-standard-canary"] {
        let (code, out, err) = run(&["states", &format!("fixtures/{fixture}.yaml"), "--name", "demo", "--output", "mermaid"], b"");
        assert_eq!(code, Some(0), "{err}");
        insta::assert_snapshot!(format!("states-mermaid-{fixture}"), out);
    }
}

/// A header value with a newline, an ANSI escape and Mermaid/Markdown syntax can neither
/// forge a row of the table nor a node of the flowchart, nor reach the terminal raw.
#[test]
fn states_escape_user_text_for_people() {
    let values = "environment: deployment-istio\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: x\n    match:\n    - headers:\n        x-c:\n          exact: \"a\\n| 1 | fake | row |\\e[31m\\\"]-->x[\\\"evil#`<b>\"\n";
    let (code, table, err) = run(&["states", "-", "--name", "demo"], values.as_bytes());
    assert_eq!(code, Some(0), "{err}");
    assert!(!table.contains('\u{1b}'), "raw ESC in:\n{table}");
    assert!(table.contains(r#"\u001b[31m"#), "{table}");
    assert!(!table.lines().any(|l| l.starts_with("| 1 | fake")), "forged row:\n{table}");
    let rows = table.lines().filter(|l| l.starts_with('|')).count();
    assert_eq!(rows, 2 + 1 + 1 + 2 + 2, "header, none, 0, 1 (two rules), 0-1 (two rules):\n{table}");
    let (code, chart, _) = run(&["states", "-", "--name", "demo", "--output", "mermaid"], values.as_bytes());
    assert_eq!(code, Some(0));
    assert!(!chart.contains('\u{1b}') && !chart.contains("<b>") && !chart.contains("-->x["), "{chart}");
    assert!(chart.contains(r#"#124;\u001b[31m\#quot;]--#gt;x[\#quot;evil#35;#96;#lt;b#gt;#quot;"|"#), "{chart}");
    // Every line of the chart is one statement: the value's newline did not start another.
    assert!(chart.lines().all(|l| l.starts_with("  ") || l == "flowchart TB"), "{chart}");
}

/// An annotated weight is written as the controller writes it, and one above what the routing
/// object's API takes is refused: the controller's apply of such a weight is refused by the API
/// server (Istio's weight is an int32, the Gateway API's at most 1000000), so `route` says why
/// and writes nothing, and a route loop leaves the routing as it is, as the controller does.
#[test]
fn route_writes_annotated_weights_and_refuses_what_the_api_cannot_take() {
    for (fixture, fits, too_big) in [("deployment-istio-blue-green", "2147483647", "4294967295"), ("deployment-gtw-blue-green", "1000000", "1000001")] {
        let values = std::fs::read(common::root().join(format!("fixtures/{fixture}.yaml"))).unwrap();
        let opts = common::options(fixture, None);
        let (r, _) = releasegen::release(&values, &opts).unwrap();
        let annotated = |w: &str| {
            let mut live = live_for(&r, State(3), 0);
            let cm = format!("{}-weight-config", r.versions[1].target.name);
            for item in live["items"].as_array_mut().unwrap() {
                if item["metadata"]["name"] == cm.as_str() {
                    item["metadata"]["annotations"] = json!({"iter8.tools/weight": w});
                }
            }
            live.to_string()
        };
        let routed = releasegen::route(&values, annotated(fits).as_bytes(), &opts).unwrap();
        let obj = &common::docs(&routed.yaml)[0];
        let dests = &common::live_destinations(obj)[0];
        let weights: Vec<Option<u64>> = dests.iter().map(|(_, w)| *w).collect();
        assert_eq!(weights, [Some(u64::from(r.versions[0].weight)), Some(fits.parse().unwrap())], "{fixture}");
        let refused = releasegen::route(&values, annotated(too_big).as_bytes(), &opts).err().expect("refused");
        let msg = refused.errors[0].to_string();
        assert!(msg.contains(&format!("has weight {too_big} from its iter8.tools/weight annotation, above the {fits}")), "{fixture}: {msg}");
    }
}

/// The guide's `-v` example is what `route -v` prints for the fixture and live objects it names.
#[test]
fn the_guides_verbose_example_is_current() {
    let guide = std::fs::read_to_string(common::root().join("docs/guide/no-controller.md")).expect("the guide");
    let live = std::fs::read(common::root().join("tests/live/deployment-istio-blue-green--candidate-stale.yaml")).expect("live objects");
    let (code, _, err) = run(&["route", "fixtures/deployment-istio-blue-green.yaml", "--name", "demo", "-n", "demo", "-v"], &live);
    assert_eq!(code, Some(0), "{err}");
    assert!(err.contains("state 0: weights [50, 0]"), "{err}");
    assert!(guide.contains(&format!("```\n{err}```")), "docs/guide/no-controller.md shows another output than:\n{err}");
}
