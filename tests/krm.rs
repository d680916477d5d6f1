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
    let mut child = Command::new(env!("CARGO_BIN_EXE_releasegen"))
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
    assert!(items.iter().all(|i| i["kind"] != "Release"), "Releases are replaced");
    assert_eq!(items.len(), 1 + 8 + 8);
    assert!(list.get("results").is_none());
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
    assert_eq!(result["field"]["path"], "items[0].spec.application.versions[1].weight");
    assert!(result["message"].as_str().unwrap().contains("expected a non-negative integer"));
    assert_eq!(list["items"][0]["kind"], "Release", "the input items come back unchanged");
    let (code, out) = krm("kind: NotAList\n");
    assert_eq!(code, Some(1));
    assert!(out.contains("expected a ResourceList"));
}

#[test]
fn kpt_fn_eval_exec() {
    if Command::new("kpt").arg("version").output().is_err() {
        assert!(std::env::var("CI").is_err(), "kpt is needed in CI");
        eprintln!("kpt not found; skipped outside CI");
        return;
    }
    let dir = std::env::temp_dir().join(format!("releasegen-kpt-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("release.yaml"), RELEASE).unwrap();
    let exec = format!("{} krm", env!("CARGO_BIN_EXE_releasegen"));
    let out = Command::new("kpt").args(["fn", "eval", "--exec", &exec, "--truncate-output=false"]).arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let mut files: Vec<String> = walk(&dir).iter().map(|p| p.strip_prefix(&dir).unwrap().display().to_string()).collect();
    files.sort();
    assert!(!files.contains(&"release.yaml".to_string()), "{files:?}");
    assert!(files.contains(&"test/configmap_httpbin-routemap.yaml".to_string()), "{files:?}");
    assert_eq!(files.len(), 8, "{files:?}");
    let routemap = std::fs::read_to_string(dir.join("test/configmap_httpbin-routemap.yaml")).unwrap();
    let cm: Value = common::yaml(&routemap);
    assert!(cm["data"]["ready-0-1.yaml"].as_str().unwrap().contains("weight: 71"));
    // A bad release: kpt reports our result and fails.
    std::fs::write(dir.join("bad.yaml"), RELEASE.replace("name: httpbin", "name: Bad_Name")).unwrap();
    let out = Command::new("kpt").args(["fn", "eval", "--exec", &exec]).arg(&dir).output().unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stderr).to_string() + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("Bad_Name"), "{said}");
    let _ = std::fs::remove_dir_all(&dir);
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out
}
