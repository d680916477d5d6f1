//! Helpers shared by the integration tests.
#![allow(dead_code)]

use releasegen::input::Context;
use releasegen::input::values::{self, Limits};
use releasegen::{Options, Ready};
use serde_json::Value;
use std::path::{Path, PathBuf};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The environment of every run of releasegen in the tests, whoever starts it (the binary, or
/// a script, kpt or git hook that runs it): nothing of the machine's Helm or kubectl setup
/// ($HELM_NAMESPACE, a kubeconfig's namespace) and no NO_COLOR reaches it. A test that wants one
/// sets it after this.
pub fn hermetic(c: &mut std::process::Command) -> &mut std::process::Command {
    c.env_remove("HELM_NAMESPACE").env("KUBECONFIG", "/nonexistent/releasegen-test-kubeconfig").env_remove("NO_COLOR")
}

/// The releasegen binary under test, hermetic, in the repository's top folder.
pub fn bin() -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_releasegen"));
    hermetic(&mut c).current_dir(root());
    c
}

/// What a run of the binary gave.
pub struct Ran {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

/// Runs the binary (`bin()`) with `args`, `stdin` on its standard input, and `env` set.
pub fn run_bin_env(args: &[&str], stdin: &[u8], env: &[(&str, &str)]) -> Ran {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = bin()
        .args(args)
        .envs(env.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("releasegen runs");
    let mut input = child.stdin.take().expect("stdin");
    // A refused input may be closed before it is all written; that is fine.
    let _ = input.write_all(stdin);
    drop(input);
    let out = child.wait_with_output().expect("releasegen ends");
    Ran {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary with `args` and `stdin`.
pub fn run_bin(args: &[&str], stdin: &[u8]) -> Ran {
    run_bin_env(args, stdin, &[])
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
        context: Context { release_name: Some(name.into()), namespace: Some(ns.into()), strict: true, namespace_origin: None, ..Default::default() },
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
    // The Gateway API: RequestMirror filters of a rule, named as a host would be.
    for rule in obj["spec"]["rules"].as_array().into_iter().flatten() {
        for f in rule["filters"].as_array().into_iter().flatten().filter(|f| f["type"] == "RequestMirror") {
            let b = &f["requestMirror"]["backendRef"];
            let ns = b["namespace"].as_str().or(obj["metadata"]["namespace"].as_str()).unwrap();
            out.push(format!("{}.{ns}", b["name"].as_str().unwrap()));
        }
    }
    out
}


/// Checks the routing invariants in every readiness state of a release; returns how many
/// states were checked:
/// - no candidate whose weight in the state is 0 receives or mirrors traffic;
/// - canary and mirror: the primary is the default destination in every state, ready or not;
/// - every version with weight > 0 appears where its strategy puts it (blue-green: in the
///   split; canary: its own cohort rule; mirror: mirrored);
/// - no rule is left without a destination; a weighted destination carries its version's
///   weight in the state, exactly as the controller's template writes it;
/// - with nothing ready, the primary takes all traffic and nothing is mirrored.
pub fn check_routing(r: &releasegen::model::Release, what: &str) -> usize {
    use releasegen::model::Strategy;
    use releasegen::plan::routing::{self, State};
    let Some(plan) = routing::plan(r) else { return 0 };
    let n = r.versions.len();
    let by_target: std::collections::HashMap<&str, usize> =
        r.versions.iter().enumerate().map(|(i, v)| (v.target.name.as_str(), i)).collect();
    let primary = r.versions[0].target.name.as_str();
    for state in State::all(n) {
        let weights = routing::weights_for(r, state);
        let ctx = format!("{what} state {}", state.label(n));
        let obj = release_part(r, routing::object_for(r, &plan, state), &ctx);
        let rules = live_destinations(&obj);
        for rule in &rules {
            assert!(!rule.is_empty(), "{ctx}: a rule has no destination");
            for (name, _) in rule {
                let i = by_target[name.as_str()];
                assert!(i == 0 || weights[i] > 0, "{ctx}: traffic to candidate {name}, whose weight is 0");
            }
            if rule.len() > 1 {
                assert!(rule.iter().all(|(_, w)| w.is_some()), "{ctx}: several destinations state weights");
            }
            for (name, w) in rule {
                // The weight the controller's template writes: the version's own in the state.
                if let Some(w) = w {
                    let i = by_target[name.as_str()];
                    assert_eq!(*w, u64::from(weights[i]), "{ctx}: {name} carries weight {w}, not its weight in the state");
                }
            }
        }
        let mirrored: Vec<usize> = mirrored_hosts(&obj)
            .iter()
            .map(|host| r.versions.iter().position(|v| host.starts_with(&format!("{}.", v.target.name))).unwrap())
            .collect();
        for &i in &mirrored {
            assert!(i > 0 && weights[i] > 0, "{ctx}: mirrors to version {i} with weight 0");
        }
        let carried: std::collections::HashSet<usize> =
            rules.iter().flatten().map(|(name, _)| by_target[name.as_str()]).collect();
        match r.strategy {
            Strategy::Canary | Strategy::Mirror => {
                let default = rules.last().expect("a default rule");
                assert_eq!(default.len(), 1, "{ctx}: the default rule has one destination");
                assert_eq!(default[0].0, primary, "{ctx}: the primary is the default destination");
            }
            _ => {}
        }
        for i in (0..n).filter(|&i| weights[i] > 0) {
            match r.strategy {
                Strategy::Mirror if i > 0 => assert!(mirrored.contains(&i), "{ctx}: version {i} has weight but is not mirrored"),
                Strategy::Mirror => {}
                _ => assert!(carried.contains(&i), "{ctx}: version {i} has weight but no route"),
            }
        }
        if r.strategy == Strategy::BlueGreen {
            check_cohorts(r, &obj, &rules, &weights, &ctx);
        }
        if r.affinity.is_some() {
            check_affinity(r, &obj, &rules, &weights, &ctx);
        }
        if state == State(0) {
            for rule in &rules {
                assert!(rule.iter().all(|(name, _)| name == primary), "{ctx}: nothing is ready, so the primary takes all");
            }
            assert!(mirrored.is_empty(), "{ctx}: nothing to mirror to");
        }
    }
    1 << n
}

/// The routing object with only the release's rules: with a route of the user's
/// (`application.route`), its rules before and after the marked one are checked to be there
/// verbatim and in order, and taken out, so the invariants read the release's rules alone.
fn release_part(r: &releasegen::model::Release, mut obj: Value, ctx: &str) -> Value {
    let Some(u) = &r.route else { return obj };
    let key = if r.env == releasegen::model::Env::DeploymentGtw { "rules" } else { "http" };
    let rules = obj["spec"][key].as_array_mut().expect("a list of rules");
    assert!(rules.len() > u.before.len() + u.after.len(), "{ctx}: the release has no rule of its own");
    assert_eq!(&rules[..u.before.len()], u.before.as_slice(), "{ctx}: the user's rules before the marked one, verbatim and first");
    assert_eq!(&rules[rules.len() - u.after.len()..], u.after.as_slice(), "{ctx}: the user's rules after the marked one, verbatim and last");
    let keep = rules.len() - u.after.len();
    rules.truncate(keep);
    rules.drain(..u.before.len());
    for (k, v) in &u.fields {
        if k != key {
            assert_eq!(&obj["spec"][k], v, "{ctx}: the route's {k} as written");
        }
    }
    obj
}

/// Blue-green cohorts: a candidate with match clauses and weight in the state has a
/// rule with exactly its clauses and only itself as destination, before the weighted split;
/// with weight 0 there is no such rule.
fn check_cohorts(r: &releasegen::model::Release, obj: &Value, rules: &[Vec<(String, Option<u64>)>], raw: &[u32], ctx: &str) {
    let raw_rules: Vec<&Value> = obj["spec"]["http"].as_array().or(obj["spec"]["rules"].as_array()).into_iter().flatten().collect();
    let split = rules.iter().position(|rule| rule.iter().any(|(_, w)| w.is_some())).unwrap_or(rules.len());
    for (i, v) in r.versions.iter().enumerate().skip(1) {
        let gtw = r.env == releasegen::model::Env::DeploymentGtw;
        let clauses = if gtw { &v.gtw_matches } else { &v.istio_match };
        if clauses.is_empty() {
            continue;
        }
        // Its clauses, and only it as the destination (two candidates may share clauses).
        let alone = vec![(v.target.name.clone(), None)];
        let cohort = raw_rules.iter().zip(rules).position(|(rule, dests)| {
            let m = rule.get("match").or(rule.get("matches"));
            m.and_then(Value::as_array) == Some(&r.within(clauses)) && *dests == alone
        });
        match cohort {
            Some(k) if raw[i] > 0 => assert!(k < split, "{ctx}: version {i}'s cohort comes before the weighted split"),
            Some(_) => panic!("{ctx}: version {i} has weight 0, yet its cohort is routed"),
            None if raw[i] > 0 => panic!("{ctx}: version {i} is ready with match clauses, but has no cohort"),
            None => {}
        }
    }
}

/// Version affinity: each version that gets a cookie rule (every one in blue-green, the
/// candidates in canary) has exactly one while it has weight and none without; the rule
/// matches only its cookie and sends everything to it; the cookie rules sit together after
/// every other matching rule and before the default rule; and every destination of every rule
/// sets the cookie to its own version.
fn check_affinity(r: &releasegen::model::Release, obj: &Value, rules: &[Vec<(String, Option<u64>)>], raw: &[u32], ctx: &str) {
    use releasegen::model::{Env, Strategy};
    use releasegen::plan::affinity;
    let a = r.affinity.as_ref().unwrap();
    let gtw = r.env == Env::DeploymentGtw;
    let raw_rules: Vec<&Value> = obj["spec"]["http"].as_array().or(obj["spec"]["rules"].as_array()).into_iter().flatten().collect();
    let clause = |name: &str| if gtw { affinity::gtw_clause(a, name) } else { affinity::istio_clause(a, name) };
    let sticky_at: Vec<Option<usize>> = r
        .versions
        .iter()
        .map(|v| raw_rules.iter().position(|rule| rule.get("match").or(rule.get("matches")) == Some(&Value::Array(r.within(&[clause(&v.target.name)])))))
        .collect();
    let first = if r.strategy == Strategy::Canary { 1 } else { 0 };
    for (i, v) in r.versions.iter().enumerate() {
        match sticky_at[i] {
            Some(k) => {
                assert!(i >= first && raw[i] > 0, "{ctx}: version {i} has a cookie rule without weight, or in canary as the primary");
                assert_eq!(rules[k], vec![(v.target.name.clone(), None)], "{ctx}: version {i}'s cookie rule sends to it alone");
            }
            None => assert!(i < first || raw[i] == 0, "{ctx}: version {i} has weight but no cookie rule"),
        }
    }
    let at: Vec<usize> = sticky_at.iter().flatten().copied().collect();
    if let (Some(&lo), Some(&hi)) = (at.iter().min(), at.iter().max()) {
        assert_eq!(hi - lo + 1, at.len(), "{ctx}: the cookie rules sit together");
        assert_eq!(hi + 1, raw_rules.len() - 1, "{ctx}: the default rule follows the cookie rules");
    }
    for rule in &raw_rules {
        for d in rule["route"].as_array().into_iter().flatten() {
            let add = &d["headers"]["response"]["add"];
            let name = add["app-version"].as_str().unwrap();
            assert_eq!(add["set-cookie"].as_str(), Some(a.set_cookie(name).as_str()), "{ctx}: {name}'s responses set its cookie");
        }
        for b in rule["backendRefs"].as_array().into_iter().flatten() {
            let name = b["name"].as_str().unwrap();
            let want = serde_json::json!({"name": "set-cookie", "value": a.set_cookie(name)});
            let adds = b["filters"][0]["responseHeaderModifier"]["add"].as_array().unwrap();
            assert!(adds.contains(&want), "{ctx}: {name}'s responses set its cookie");
        }
    }
}

/// Executes routing templates with Go's own `html/template`, exactly as the Iter8 controller
/// does (`tests/gotemplate/main.go`). One Go process serves a whole test binary. Go is
/// required: `.ci/run` installs Debian's `golang-go`; without it these tests fail and say so.
pub struct GoTemplate(GoHelper);

/// A Go program of the tests (stdlib only), built once per test binary and kept running: it
/// answers one JSON line per JSON line it reads.
pub struct GoHelper {
    child: std::process::Child,
    out: std::io::BufReader<std::process::ChildStdout>,
}

impl GoHelper {
    /// Builds and starts `tests/<dir>/main.go`; `why` says what Go is needed for.
    pub fn start(dir: &str, why: &str) -> GoHelper {
        use std::process::{Command, Stdio};
        let bin = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{dir}-{}", std::process::id()));
        let status = Command::new("go")
            .args(["build", "-o"])
            .arg(&bin)
            .arg(root().join(format!("tests/{dir}/main.go")))
            .env("GOTOOLCHAIN", "local")
            .env("GOFLAGS", "")
            .env("GOPROXY", "off")
            .current_dir(env!("CARGO_TARGET_TMPDIR"))
            .status()
            .unwrap_or_else(|e| panic!("cannot run `go` ({e}): install Go (apt-get install golang-go) to {why}"));
        assert!(status.success(), "go build of tests/{dir} failed");
        let mut child = Command::new(&bin).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn().expect("the Go helper starts");
        let out = std::io::BufReader::new(child.stdout.take().unwrap());
        GoHelper { child, out }
    }

    /// Sends one request, reads its answer.
    pub fn ask(&mut self, request: &Value) -> Value {
        use std::io::{BufRead, Write};
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{request}").and_then(|()| stdin.flush()).expect("write to the Go helper");
        let mut line = String::new();
        self.out.read_line(&mut line).expect("read from the Go helper");
        serde_json::from_str(&line).expect("the Go helper answers JSON")
    }
}

impl GoTemplate {
    fn start() -> GoTemplate {
        GoTemplate(GoHelper::start("gotemplate", "execute routing templates as the Iter8 controller does"))
    }

    /// The template's output for these `.Weights`, or the Go error.
    pub fn execute(&mut self, template: &str, weights: &[u32]) -> Result<String, String> {
        let response = self.0.ask(&serde_json::json!({"template": template, "weights": weights}));
        match response["error"].as_str() {
            Some(e) => Err(e.to_string()),
            None => Ok(response["output"].as_str().unwrap_or_default().to_string()),
        }
    }
}

/// Runs `f` with the test binary's one Go template process.
pub fn with_go<T>(f: impl FnOnce(&mut GoTemplate) -> T) -> T {
    static GO: std::sync::OnceLock<std::sync::Mutex<GoTemplate>> = std::sync::OnceLock::new();
    let go = GO.get_or_init(|| std::sync::Mutex::new(GoTemplate::start()));
    let mut guard = go.lock().unwrap_or_else(|e| e.into_inner());
    f(&mut guard)
}

/// The stream decoded by kubectl itself (Go's YAML 1.1 reader, as `kubectl apply` reads it),
/// offline: `kubectl label --local` adds a label to each object and prints it as JSON; the
/// label is taken off again. `None` when kubectl is missing outside CI; in CI (CI set) a
/// missing kubectl fails the test.
pub fn kubectl_decode(stream: &str) -> Option<Vec<Value>> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let child = Command::new("kubectl")
        .args(["label", "--local", "-f", "-", "releasegen-test=x", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(_) if std::env::var("CI").is_err() => return None,
        Err(e) => panic!("kubectl is needed in CI: {e}"),
    };
    // Written from a thread of its own: kubectl prints each object as it reads it, so a
    // stream larger than the pipes would otherwise block both sides.
    let mut stdin = child.stdin.take().unwrap();
    let input = stream.as_bytes().to_vec();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "kubectl refused the stream: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    Some(serde_json::Deserializer::from_str(&text).into_iter::<Value>().map(|v| without_test_label(v.unwrap())).collect())
}

fn without_test_label(mut obj: Value) -> Value {
    let meta = obj["metadata"].as_object_mut().unwrap();
    let labels = meta["labels"].as_object_mut().unwrap();
    labels.remove("releasegen-test");
    if labels.is_empty() {
        meta.remove("labels");
    }
    obj
}
