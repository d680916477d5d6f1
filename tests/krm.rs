//! The KRM function: a pure ResourceList round trip, and `kpt fn eval --exec` for real
//! (kpt is on every machine of this project; CI, CI=true, fails without it).

mod common;

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const RELEASE: &str = "apiVersion: releasegen.dev/v1alpha1
kind: Release
metadata:
  name: httpbin
  namespace: test
spec:
  environment: deployment-istio
  application:
    strategy: blue-green
    versions:
    - image: kennethreitz/httpbin
    - image: kennethreitz/httpbin
      weight: 20
";

fn krm(input: &str) -> (Option<i32>, String) {
    let mut child = common::bin()
        .arg("krm")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap())
}

fn indent(text: &str, n: usize) -> String {
    text.lines().map(|l| format!("{}{l}\n", " ".repeat(n))).collect()
}

#[test]
fn resource_list_round_trip() {
    let other = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: keep\n  annotations:\n    config.kubernetes.io/index: '0'\ndata:\n  a: \"yes\"\n";
    let input = format!(
        "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}- {}functionConfig:\n{}",
        indent(other, 2).trim_start(),
        indent(&RELEASE.replace("httpbin", "web"), 2).trim_start(),
        indent(RELEASE, 2)
    );
    let (code, out) = krm(&input);
    assert_eq!(code, Some(0), "{out}");
    let list = common::yaml(&out);
    assert_eq!(list["kind"], "ResourceList");
    let items = list["items"].as_array().unwrap();
    assert_eq!(items[0]["metadata"]["name"], "keep");
    assert_eq!(items[0]["data"]["a"], "yes");
    let names: Vec<&str> = items.iter().map(|i| i["metadata"]["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"web-routemap") && names.contains(&"httpbin-routemap"), "{names:?}");
    // The Release in the package stays, as local config; the function config is not an item.
    let releases: Vec<&Value> = items.iter().filter(|i| i["kind"] == "Release").collect();
    assert_eq!(releases.len(), 1);
    assert_eq!(releases[0]["metadata"]["name"], "web");
    assert_eq!(releases[0]["metadata"]["annotations"]["config.kubernetes.io/local-config"], "true");
    assert_eq!(items.len(), 1 + 1 + 8 + 8);
    let generated: Vec<&Value> = items.iter().filter(|i| i["metadata"]["annotations"]["releasegen.dev/generated-from"].is_string()).collect();
    assert_eq!(generated.len(), 16);
    assert!(list.get("results").is_none());
    // Fed its own output again (a re-run): the same list, nothing duplicated.
    assert!(list["functionConfig"]["kind"] == "Release");
    let (code, out2) = krm(&out);
    assert_eq!(code, Some(0), "{out2}");
    assert_eq!(common::yaml(&out2)["items"], list["items"]);
}

#[test]
fn problems_are_results_with_a_non_zero_exit() {
    let bad = RELEASE.replace("weight: 20", "weight: -20");
    let input = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {}", indent(&bad, 2).trim_start());
    let (code, out) = krm(&input);
    assert_eq!(code, Some(1));
    let list = common::yaml(&out);
    let result = &list["results"][0];
    assert_eq!(result["severity"], "error");
    assert_eq!(result["field"]["path"], "spec.application.versions[1].weight");
    assert_eq!(result["resourceRef"]["name"], "httpbin");
    assert_eq!(result["resourceRef"]["kind"], "Release");
    let message = result["message"].as_str().unwrap();
    assert!(message.starts_with("expected a non-negative integer"), "{message}");
    assert!(!message.contains("spec.application"), "the path is said once, in field.path: {message}");
    assert_eq!(list["items"][0]["kind"], "Release", "the input items come back unchanged");
    let (code, out) = krm("kind: NotAList\n");
    assert_eq!(code, Some(1));
    assert!(out.contains("expected a ResourceList"));
}

fn kpt_here() -> bool {
    if Command::new("kpt").arg("version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "kpt is needed in CI");
        eprintln!("kpt not found; skipped outside CI");
        return false;
    }
    true
}

fn kpt(args: &[&str], dir: &std::path::Path) -> std::process::Output {
    common::hermetic(&mut Command::new("kpt")).args(args).arg(dir).output().unwrap()
}

fn files(dir: &std::path::Path) -> Vec<String> {
    let mut files: Vec<String> = walk(dir).iter().map(|p| p.strip_prefix(dir).unwrap().display().to_string()).collect();
    files.sort();
    files
}

/// The kinds and names of the objects in a generated file.
fn objects_in(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    common::docs(&text).iter().map(|d| format!("{} {}", d["kind"].as_str().unwrap(), d["metadata"]["name"].as_str().unwrap())).collect()
}

fn temp_package(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("releasegen-kpt-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("apps")).unwrap();
    std::fs::write(dir.join("apps/release.yaml"), RELEASE).unwrap();
    dir
}

/// `kpt fn eval --exec`: the Release stays (as local config), its manifests go next to it;
/// a re-run replaces them; after a promote the stale objects are gone; a bad Release fails.
#[test]
fn kpt_fn_eval_exec() {
    if !kpt_here() {
        return;
    }
    let dir = temp_package("eval");
    let exec = format!("{} krm", env!("CARGO_BIN_EXE_releasegen"));
    let eval = ["fn", "eval", "--exec", &exec, "--truncate-output=false"];
    let out = kpt(&eval, &dir);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(files(&dir), ["apps/httpbin.manifests.yaml", "apps/release.yaml"]);
    let release = std::fs::read_to_string(dir.join("apps/release.yaml")).unwrap();
    assert!(release.contains("config.kubernetes.io/local-config: \"true\""), "{release}");
    let generated = dir.join("apps/httpbin.manifests.yaml");
    let first = objects_in(&generated);
    assert_eq!(first.len(), 8, "{first:?}");
    let routemap = common::docs(&std::fs::read_to_string(&generated).unwrap()).into_iter().find(|d| d["metadata"]["name"] == "httpbin-routemap").unwrap();
    let both = routemap["data"]["ready-0-1.yaml"].as_str().unwrap();
    assert!(both.contains("weight: 50") && both.contains("weight: 20"), "{both}");
    // Again: the same objects, not twice as many.
    assert!(kpt(&eval, &dir).status.success());
    assert_eq!(objects_in(&generated), first);
    // Promote: the candidate's objects go.
    std::fs::write(dir.join("apps/release.yaml"), release.replace("    - image: kennethreitz/httpbin\n      weight: 20\n", "")).unwrap();
    assert!(kpt(&eval, &dir).status.success());
    let promoted = objects_in(&generated);
    assert!(!promoted.iter().any(|o| o.contains("httpbin-1")), "{promoted:?}");
    assert_eq!(promoted.len(), 5, "{promoted:?}");
    // A bad release: kpt reports releasegen's result and fails, and the package is left as it was.
    std::fs::write(dir.join("bad.yaml"), RELEASE.replace("name: httpbin", "name: Bad_Name")).unwrap();
    let out = kpt(&["fn", "eval", "--exec", &exec], &dir);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Bad_Name"), "{said}");
    assert_eq!(objects_in(&generated), promoted);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The Release as `--fn-config` (outside the package), twice; and as both function config and
/// package item: one manifest set every time.
#[test]
fn kpt_fn_eval_with_fn_config() {
    if !kpt_here() {
        return;
    }
    let dir = temp_package("fncfg");
    let config = dir.with_extension("release.yaml");
    std::fs::write(&config, RELEASE).unwrap();
    std::fs::remove_file(dir.join("apps/release.yaml")).unwrap();
    std::fs::write(dir.join("apps/other.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: other\n").unwrap();
    let exec = format!("{} krm", env!("CARGO_BIN_EXE_releasegen"));
    let config_arg = config.display().to_string();
    let eval = ["fn", "eval", "--exec", &exec, "--fn-config", &config_arg];
    for _ in 0..2 {
        let out = kpt(&eval, &dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(files(&dir), ["apps/other.yaml", "httpbin.manifests.yaml"]);
        assert_eq!(objects_in(&dir.join("httpbin.manifests.yaml")).len(), 8);
    }
    // The same Release in the package as well: still one set (the package's, next to it).
    std::fs::write(dir.join("apps/release.yaml"), RELEASE).unwrap();
    let _ = std::fs::remove_file(dir.join("httpbin.manifests.yaml"));
    for _ in 0..2 {
        assert!(kpt(&eval, &dir).status.success());
        assert_eq!(files(&dir), ["apps/httpbin.manifests.yaml", "apps/other.yaml", "apps/release.yaml"]);
        assert_eq!(objects_in(&dir.join("apps/httpbin.manifests.yaml")).len(), 8);
    }
    // Different specs under one name: refused, not guessed.
    std::fs::write(&config, RELEASE.replace("weight: 20", "weight: 30")).unwrap();
    let out = kpt(&eval, &dir);
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("given twice with different specs"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&config);
}

/// In a Kptfile pipeline under `kpt fn render`, twice; a warning is a `warning` result naming
/// the Release, its file and the field path once.
#[test]
fn kpt_fn_render_pipeline_and_warnings() {
    if !kpt_here() {
        return;
    }
    let dir = temp_package("render");
    let exec = format!("{} krm", env!("CARGO_BIN_EXE_releasegen"));
    let kptfile = format!("apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: {exec:?}\n");
    std::fs::write(dir.join("Kptfile"), kptfile).unwrap();
    std::fs::write(dir.join("apps/release.yaml"), RELEASE.replace("weight: 20", "wieght: 20")).unwrap();
    let results = dir.with_extension("results");
    let results_arg = results.display().to_string();
    for _ in 0..2 {
        let out = kpt(&["fn", "render", "--allow-exec", "--results-dir", &results_arg], &dir);
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(files(&dir), ["Kptfile", "apps/httpbin.manifests.yaml", "apps/release.yaml"]);
        assert_eq!(objects_in(&dir.join("apps/httpbin.manifests.yaml")).len(), 8);
    }
    let list = common::yaml(&std::fs::read_to_string(results.join("results.yaml")).unwrap());
    let result = &list["items"][0]["results"][0];
    assert_eq!(result["severity"], "warning");
    assert_eq!(result["message"], "unknown key; did you mean `weight`?");
    assert_eq!(result["field"]["path"], "spec.application.versions[1].wieght");
    assert_eq!(result["resourceRef"]["name"], "httpbin");
    assert_eq!(result["file"]["path"], "apps/release.yaml");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&results);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
