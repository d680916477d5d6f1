//! `releasegen diff`: each kind of change a reviewer meets, as a snapshot of what they read
//! (tests/diff/*.yaml against tests/diff/base.yaml), the exit codes, the refusals, and
//! `git:REF:PATH` read from a repository with two commits.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn diff_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_releasegen"))
        .arg("diff")
        .args(args)
        .args(["--name", "httpbin", "--namespace", "test"])
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .output()
        .expect("releasegen runs")
}

fn diff(args: &[&str]) -> Output {
    diff_in(&root().join("tests/diff"), args)
}

fn text(o: &Output) -> String {
    assert!(o.status.code() == Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout.clone()).expect("UTF-8")
}

#[test]
fn every_kind_of_change_as_a_reviewer_reads_it() {
    let cases = [
        ("weight", "base.yaml", "weight.yaml"),
        ("candidate-added", "one-version.yaml", "base.yaml"),
        ("promote", "base.yaml", "promote.yaml"),
        ("strategy", "base.yaml", "canary.yaml"),
        ("policy", "base.yaml", "timeout.yaml"),
        ("gateway", "base.yaml", "gateway.yaml"),
        ("cohort", "base.yaml", "cohort.yaml"),
        ("no-change", "base.yaml", "base.yaml"),
    ];
    for (name, base, head) in cases {
        insta::assert_snapshot!(format!("diff-{name}"), text(&diff(&[base, head])));
    }
    insta::assert_snapshot!("diff-promote-markdown", text(&diff(&["base.yaml", "promote.yaml", "--output", "markdown"])));
    insta::assert_snapshot!("diff-weight-json", text(&diff(&["base.yaml", "weight.yaml", "--output", "json"])));
}

/// The example of the guide is what the command prints.
#[test]
fn the_guides_example_is_current() {
    let guide = std::fs::read_to_string(root().join("docs/guide/states.md")).expect("the guide");
    let out = text(&diff(&["base.yaml", "weight.yaml"]));
    assert!(guide.contains(&format!("```text\n{out}```")), "docs/guide/states.md shows another output than:\n{out}");
}

/// A promote reads as one: version names are matched, so the old primary's share goes to the
/// new one, and no state shows the promoted version losing traffic.
#[test]
fn a_promote_moves_traffic_by_name() {
    let out = text(&diff(&["base.yaml", "promote.yaml"]));
    assert!(out.contains("default route: httpbin-v1 63%, httpbin-v2 37% -> httpbin-v2 100%"), "{out}");
    assert!(out.contains("- Deployment test/httpbin-v1 (removed)"), "{out}");
}

/// The JSON Patch of each object applies: replaying it over the base objects gives the head's.
#[test]
fn json_patches_are_rfc_6902_operations_with_their_old_values() {
    let out: serde_json::Value = serde_json::from_str(&text(&diff(&["base.yaml", "weight.yaml", "--output", "json"]))).expect("JSON");
    let objects = out["objects"].as_array().expect("objects");
    let weight = objects.iter().find(|o| o["object"] == "ConfigMap test/httpbin-v2-weight-config").expect("the weight-config");
    assert_eq!(
        weight["patch"],
        serde_json::json!([{"op": "replace", "path": "/metadata/annotations/iter8.tools~1weight", "value": "10", "old": "30"}])
    );
    assert_eq!(out["changed"], true);
}

#[test]
fn exit_code_says_whether_anything_differs() {
    assert_eq!(diff(&["base.yaml", "base.yaml", "--exit-code"]).status.code(), Some(0));
    let changed = diff(&["base.yaml", "weight.yaml", "--exit-code"]);
    assert_eq!(changed.status.code(), Some(1));
    assert!(!changed.stdout.is_empty(), "the comparison is still written");
}

#[test]
fn a_bad_side_is_named_and_nothing_reaches_stdout() {
    let dir = std::env::temp_dir().join(format!("releasegen-diff-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("good.yaml"), std::fs::read(root().join("tests/diff/base.yaml")).expect("base")).expect("write");
    std::fs::write(dir.join("bad.yaml"), "environment: deployment-istio\napplication:\n  versions:\n  - image: x\n    weight: lots\n").expect("write");
    let o = diff_in(&dir, &["good.yaml", "bad.yaml"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(o.stdout.is_empty());
    assert!(err.contains("application.versions[0].weight") && err.contains("--> bad.yaml:5:5"), "{err}");
    let both_stdin = diff_in(&dir, &["-", "-"]);
    assert_eq!(both_stdin.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both_stdin.stderr).contains("stdin (-) can be read once"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `git:REF:PATH`, as CI compares a pull request with its target branch.
#[test]
fn git_revisions_are_read_with_git_show() {
    let dir = std::env::temp_dir().join(format!("releasegen-diff-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let git = |args: &[&str]| {
        let o = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
            .args(args)
            .current_dir(&dir)
            .output()
            .expect("git runs");
        assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
    };
    git(&["init", "-q"]);
    std::fs::copy(root().join("tests/diff/base.yaml"), dir.join("values.yaml")).expect("copy");
    git(&["add", "values.yaml"]);
    git(&["commit", "-q", "-m", "base"]);
    std::fs::copy(root().join("tests/diff/weight.yaml"), dir.join("values.yaml")).expect("copy");
    git(&["commit", "-q", "-am", "weight"]);
    let o = diff_in(&dir, &["git:HEAD~1:values.yaml", "git:HEAD:values.yaml"]);
    assert_eq!(text(&o), text(&diff(&["base.yaml", "weight.yaml"])));
    let missing = diff_in(&dir, &["git:HEAD~1:nothing.yaml", "values.yaml"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(missing.stdout.is_empty());
    assert!(String::from_utf8_lossy(&missing.stderr).contains("git:HEAD~1:nothing.yaml: git show HEAD~1:nothing.yaml failed"), "{}", String::from_utf8_lossy(&missing.stderr));
    let _ = std::fs::remove_dir_all(&dir);
}
