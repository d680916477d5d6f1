//! `releasegen diff`: each kind of change a reviewer meets, as a snapshot of what they read
//! (tests/diff/*.yaml against tests/diff/base.yaml), the exit codes, the refusals, and
//! `git:REF:PATH` read from a repository with two commits.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod common;

use common::root;

fn diff_in(dir: &Path, args: &[&str]) -> Output {
    common::bin().arg("diff").args(args).args(["--name", "httpbin", "--namespace", "test"]).current_dir(dir).output().expect("releasegen runs")
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
        ("affinity", "base.yaml", "affinity.yaml"),
        ("no-change", "base.yaml", "base.yaml"),
    ];
    for (name, base, head) in cases {
        insta::assert_snapshot!(format!("diff-{name}"), text(&diff(&[base, head])));
    }
    insta::assert_snapshot!("diff-promote-markdown", text(&diff(&["base.yaml", "promote.yaml", "--output", "markdown"])));
    insta::assert_snapshot!("diff-weight-json", text(&diff(&["base.yaml", "weight.yaml", "--output", "json"])));
}

/// Two candidates with the same cohort, then the first drained: the testers move from the
/// first candidate to the second in the state where both are ready. Every output says so per
/// class of requests, in the order Istio tries the rules; the hidden cohort is a warning on
/// both sides, an error under --strict.
#[test]
fn a_cohort_that_moves_between_candidates() {
    let dir = root().join("tests/diff/same-cohort");
    let out = diff_in(&dir, &["base.yaml", "head.yaml"]);
    let text = text(&out);
    assert!(text.contains("ready: {httpbin-1, httpbin-2} or {httpbin-0, httpbin-1, httpbin-2}\n  header traffic exact \"test\": httpbin-1 100% -> httpbin-2 100%\n"), "{text}");
    insta::assert_snapshot!("diff-same-cohort", text);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let hidden = "warning: application.versions[2]: version 2's default cohort (header traffic: test) is reached by no request in readiness states 1-2, 0-1-2: rule httpbin-1 (to httpbin-1) is tried first";
    assert!(stderr.contains(hidden), "{stderr}");
    assert!(stderr.contains("--> base.yaml:9:5"), "{stderr}");
    let json = self::text(&diff_in(&dir, &["base.yaml", "head.yaml", "--output", "json"]));
    let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let both = v["states"].as_array().unwrap().iter().find(|s| s["ready"] == serde_json::json!(["httpbin-1", "httpbin-2"])).expect("the state with both candidates ready");
    let to = |side: &str| both[side][0]["to"][0]["version"].clone();
    assert_eq!((both["before"][0]["class"].as_str(), to("before"), to("after")), (Some("header traffic exact \"test\""), "httpbin-1".into(), "httpbin-2".into()));
    insta::assert_snapshot!("diff-same-cohort-json", json);
    insta::assert_snapshot!("diff-same-cohort-markdown", self::text(&diff_in(&dir, &["base.yaml", "head.yaml", "--output", "markdown"])));
    // `states` shows the hidden rule as shadowed, in Istio's order; `render` warns too.
    let states = common::bin().args(["states", "base.yaml", "--name", "httpbin", "-n", "test"]).current_dir(&dir).output().expect("runs");
    let table = self::text(&states);
    assert!(table.contains("| httpbin-1 | header traffic exact \"test\" | httpbin-1 100%              |          |\n|                          | httpbin-2 | header traffic exact \"test\" | none: shadowed by httpbin-1 |"), "{table}");
    insta::assert_snapshot!("states-same-cohort", table);
    assert!(String::from_utf8_lossy(&states.stderr).contains(hidden));
    for command in ["render", "states"] {
        let strict = common::bin().args([command, "base.yaml", "--name", "httpbin", "-n", "test", "--strict"]).current_dir(&dir).output().expect("runs");
        assert_eq!(strict.status.code(), Some(1), "{command}");
        assert!(strict.stdout.is_empty(), "{command}");
        assert!(String::from_utf8_lossy(&strict.stderr).contains(&hidden.replace("warning:", "error:")), "{command}");
    }
    // The head has one candidate routed in every state: nothing is hidden, nothing said.
    let head = common::bin().args(["render", "head.yaml", "--name", "httpbin", "-n", "test", "--strict"]).current_dir(&dir).output().expect("runs");
    assert_eq!(head.status.code(), Some(0));
    assert!(head.stderr.is_empty(), "{}", String::from_utf8_lossy(&head.stderr));
}

/// A seven-version release whose every candidate changes weight and image: 128 states, most
/// of them changed. The comment leads with every version ready (then the primary alone, which
/// here routes as before), folds the rest, and stays within what GitHub takes in a comment
/// (65,536 characters): the states beyond it are counted, not written.
#[test]
fn a_seven_version_comment_keeps_to_its_budget() {
    let values = |weight: u32, cohort: &str| {
        let mut v = String::from("environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: app:0\n");
        for i in 1..7 {
            v.push_str(&format!("  - image: app:{i}{cohort}\n    weight: {}\n", weight + i as u32));
        }
        v
    };
    let dir = std::env::temp_dir().join(format!("releasegen-diff-seven-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("base.yaml"), values(10, "")).expect("write");
    std::fs::write(dir.join("head.yaml"), values(40, "-next")).expect("write");
    let md = text(&diff_in(&dir, &["base.yaml", "head.yaml", "--output", "markdown"]));
    let json: serde_json::Value = serde_json::from_slice(&diff_in(&dir, &["base.yaml", "head.yaml", "--output", "json"]).stdout).expect("JSON");
    std::fs::remove_dir_all(&dir).ok();
    assert!(json["states"].as_array().unwrap().len() > 100, "most of the 128 states change");
    assert!(md.chars().count() <= 65_536, "{} characters", md.chars().count());
    let first = md.find("#### Ready: ").expect("a state");
    assert!(md[first..].starts_with("#### Ready: httpbin-0, httpbin-1, httpbin-2, httpbin-3, httpbin-4, httpbin-5, httpbin-6\n"), "{}", &md[first..first + 200]);
    // The primary alone routes as before (all traffic to it); every other changed state is folded.
    let second = first + 1 + md[first + 1..].find("#### Ready: ").expect("a second state");
    assert!(md[..second].contains("\n<details><summary>119 other states change</summary>\n"), "{}", &md[..second]);
    assert!(md.contains("more groups of states left out to keep this comment within GitHub's size; `releasegen diff --output json` lists every state."));
    assert!(md.trim_end().ends_with("</details>"));
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
    assert!(out.contains("everyone else: httpbin-v1 63%, httpbin-v2 37% -> httpbin-v2 100%"), "{out}");
    assert!(out.contains("- Deployment test/httpbin-v1 (removed)"), "{out}");
}

/// The JSON Patch of each changed object, applied by kubectl (`kubectl patch --local
/// --type=json`) to the base's object, gives the head's object, for every kind of change.
#[test]
fn kubectl_applies_each_patch_to_the_base_and_gets_the_head() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff-patches");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut patched = 0;
    for head in ["weight.yaml", "candidate-added.yaml", "promote.yaml", "canary.yaml", "timeout.yaml", "gateway.yaml", "cohort.yaml", "hostile.yaml"] {
        let head = if head == "candidate-added.yaml" { "base.yaml" } else { head };
        let base = if head == "base.yaml" { "one-version.yaml" } else { "base.yaml" };
        let out: serde_json::Value = serde_json::from_str(&text(&diff(&[base, head, "--output", "json"]))).expect("JSON");
        let (before, after) = (objects_of(base, &dir), objects_of(head, &dir));
        for change in out["objects"].as_array().expect("objects").iter().filter(|o| o["change"] == "changed") {
            let name = change["object"].as_str().expect("a name");
            let file = dir.join("object.json");
            std::fs::write(&file, before.get(name).expect("on the base side").to_string()).expect("write");
            let o = Command::new("kubectl")
                .args(["patch", "--local", "--type=json", "-o", "json", "-f"])
                .arg(&file)
                .arg("-p")
                .arg(change["patch"].to_string())
                .output()
                .expect("kubectl runs");
            assert!(o.status.success(), "{base} -> {head}, {name}: {}", String::from_utf8_lossy(&o.stderr));
            let got: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON");
            assert_eq!(&got, after.get(name).expect("on the head side"), "{base} -> {head}, {name}");
            patched += 1;
        }
    }
    assert!(patched >= 10, "{patched} patches applied");
}

/// A rendered release's objects as kubectl reads them, by "Kind namespace/name".
fn objects_of(values: &str, dir: &Path) -> std::collections::BTreeMap<String, serde_json::Value> {
    let o = common::bin()
        .args(["render", values, "--name", "httpbin", "--namespace", "test"])
        .current_dir(root().join("tests/diff"))
        .output()
        .expect("render");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stream = dir.join("stream.yaml");
    std::fs::write(&stream, &o.stdout).expect("write");
    // kubectl reads a stream without a cluster through `--local` commands; the label is set
    // on both sides alike.
    let o = Command::new("kubectl").args(["label", "--local", "diff-test=yes", "-o", "json", "-f"]).arg(&stream).output().expect("kubectl runs");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let mut out = std::collections::BTreeMap::new();
    for v in serde_json::Deserializer::from_slice(&o.stdout).into_iter::<serde_json::Value>() {
        let v = v.expect("JSON");
        let items = if v["kind"] == "List" { v["items"].as_array().cloned().unwrap_or_default() } else { vec![v] };
        for item in items {
            let name = format!("{} {}/{}", item["kind"].as_str().unwrap_or(""), item["metadata"]["namespace"].as_str().unwrap_or(""), item["metadata"]["name"].as_str().unwrap_or(""));
            out.insert(name, item);
        }
    }
    out
}

/// The operations carry the value each replaces, as `old`.
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
    assert_eq!(changed.status.code(), Some(3));
    assert!(!changed.stdout.is_empty(), "the comparison is still written");
    // Invalid input stays 1 and a usage error 2, so a pipeline never reads them as "changed".
    let dir = std::env::temp_dir().join(format!("releasegen-diff-exit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("bad.yaml"), "application:\n  versions: 3\n").expect("write");
    let base = root().join("tests/diff/base.yaml");
    let invalid = diff_in(&dir, &[base.to_str().unwrap(), "bad.yaml", "--exit-code"]);
    assert_eq!(invalid.status.code(), Some(1), "{}", String::from_utf8_lossy(&invalid.stderr));
    assert!(invalid.stdout.is_empty());
    let usage = diff_in(&dir, &[base.to_str().unwrap(), "bad.yaml", "--exit-code", "--no-such-flag"]);
    assert_eq!(usage.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).ok();
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

/// The tutorials' steps, each as the pull request that makes it would be commented: the comment
/// for every step of every tutorial among the fixtures.
#[test]
fn the_tutorials_steps_as_pull_request_comments() {
    let fixtures = root().join("fixtures");
    let mut seeds: Vec<String> = std::fs::read_dir(&fixtures)
        .expect("fixtures")
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| n.starts_with("seed-") && n.ends_with(".yaml"))
        .collect();
    seeds.sort();
    // seed-TUTORIAL-N-STEP.yaml: consecutive steps of one tutorial.
    let tutorial = |n: &str| {
        let parts: Vec<&str> = n.split('-').collect();
        let step = parts.iter().position(|p| p.parse::<u32>().is_ok()).unwrap_or(parts.len());
        parts[..step].join("-")
    };
    let mut pairs = 0;
    for w in seeds.windows(2) {
        if tutorial(&w[0]) != tutorial(&w[1]) {
            continue;
        }
        let o = diff_in(&fixtures, &[&w[0], &w[1], "--output", "markdown"]);
        let md = text(&o);
        write_comment(&format!("step-{}", w[1].trim_end_matches(".yaml")), &md, &o);
        insta::assert_snapshot!(format!("diff-{}", w[1].trim_end_matches(".yaml")), md);
        pairs += 1;
    }
    assert!(pairs >= 10, "{pairs} steps found in fixtures/");
}

/// Every environment and strategy: a fixture against itself is no change (exit 0 with
/// --exit-code), and against itself without its last version it is a change that names the
/// version (exit 1). Each comment is kept for the Markdown and Mermaid parsers of .ci/run.
#[test]
fn every_environment_and_strategy_compares() {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff-heads");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    for e in std::fs::read_dir(root().join("fixtures")).expect("fixtures") {
        let path = e.expect("entry").path();
        let stem = path.file_stem().and_then(|s| s.to_str()).expect("name").to_string();
        let file = path.to_str().expect("UTF-8 path");
        let same = diff_in(&dir, &[file, file, "--exit-code"]);
        assert!(text(&same).contains("no change"), "{stem}");
        let values: serde_json::Value = serde_json::from_slice(
            &common::bin().args(["values", file]).output().expect("values").stdout,
        )
        .expect("values as JSON");
        let mut head = values.clone();
        let Some(versions) = head["application"]["versions"].as_array_mut().filter(|v| v.len() > 1) else { continue };
        versions.pop();
        let head_file = dir.join(format!("{stem}.json"));
        std::fs::write(&head_file, head.to_string()).expect("write");
        let o = diff_in(&dir, &[file, head_file.to_str().expect("UTF-8"), "--output", "markdown", "--exit-code"]);
        assert_eq!(o.status.code(), Some(3), "{stem}: {}", String::from_utf8_lossy(&o.stderr));
        let md = String::from_utf8(o.stdout.clone()).expect("UTF-8");
        assert!(md.contains("(candidate)") && !md.contains("no change"), "{stem}:\n{md}");
        write_comment(&stem, &md, &o);
    }
}

/// User text (a header value full of Markdown, HTML and Mermaid) stays text: a code span in one
/// table cell, one chart label. The parsers of .ci/run confirm it on the comment kept here.
#[test]
fn user_text_cannot_become_markup() {
    let o = diff(&["base.yaml", "hostile.yaml", "--output", "markdown"]);
    let md = text(&o);
    for line in md.lines().filter(|l| l.starts_with("| ")) {
        let unescaped = line.replace("\\|", "");
        assert_eq!(unescaped.matches('|').count(), 4, "{line}");
    }
    write_comment("hostile", &md, &o);
    let value = r#"a \| b ` <details><script>alert(1)</script> ~~no~~ www.example.com ``` --> x[\"y\"] #35; %%"#;
    assert!(md.contains(&format!("| ````header x-test exact \"{value}\"```` |")), "{md}");
}

/// Keeps a comment for .ci/run's parsers: NAME.md, and NAME.nodes with the number of nodes
/// each chart must have (a requests node and one per version, before and after), so text cannot
/// have added one.
fn write_comment(name: &str, md: &str, o: &Output) {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("diff-comments");
    std::fs::create_dir_all(&dir).expect("comments dir");
    let _ = o;
    std::fs::write(dir.join(format!("{name}.md")), md).expect("write");
    let versions = |side: &str| md.lines().find(|l| l.starts_with(&format!("- {side}: "))).map_or(0, |l| l.matches(" (primary)").count() + l.matches(" (candidate)").count());
    std::fs::write(dir.join(format!("{name}.nodes")), format!("{}\n", 2 + versions("before") + versions("after"))).expect("write");
}

// ---- The pull-request examples (examples/pull-request/) ---------------------------------------

/// A repository as a CI job sees it: `origin` with the values on main, and a clone on a branch
/// whose commit changes them (the candidate's weight from 30 to 10). Also a folder of stand-ins
/// for the programs the jobs call that are not under test: `cargo` (install: already done),
/// `gh` and `curl` (they record what they would post), and `releasegen` itself.
struct PullRequest {
    dir: PathBuf,
    work: PathBuf,
    bin: PathBuf,
}

impl PullRequest {
    fn new(tag: &str) -> PullRequest {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("pull-request-{tag}"));
        let _ = std::fs::remove_dir_all(&dir);
        let (origin, work, bin) = (dir.join("origin"), dir.join("work"), dir.join("bin"));
        for d in [&origin, &bin] {
            std::fs::create_dir_all(d).expect("folder");
        }
        let example = root().join("examples/pull-request");
        std::fs::create_dir_all(origin.join("examples/pull-request")).expect("folder");
        for f in ["comment.sh", "values.yaml"] {
            std::fs::copy(example.join(f), origin.join("examples/pull-request").join(f)).expect("copy");
        }
        git(&origin, &["init", "-q"]);
        git(&origin, &["add", "."]);
        git(&origin, &["commit", "-q", "-m", "a release"]);
        git(&dir, &["clone", "-q", "origin", "work"]);
        git(&work, &["checkout", "-q", "-b", "lower-the-weight"]);
        let values = work.join("examples/pull-request/values.yaml");
        let text = std::fs::read_to_string(&values).expect("values");
        std::fs::write(&values, text.replace("weight: 30", "weight: 10")).expect("write");
        git(&work, &["commit", "-q", "-am", "candidate at 10"]);
        let stub = |name: &str, body: &str| {
            let path = bin.join(name);
            std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("stub");
            let mut perms = std::fs::metadata(&path).expect("stub").permissions();
            std::os::unix::fs::PermissionsExt::set_mode(&mut perms, 0o755);
            std::fs::set_permissions(&path, perms).expect("chmod");
        };
        let log = dir.join("posted");
        stub("cargo", "exit 0");
        // The body is the file after --body-file (gh) or after body@ (curl); both are recorded.
        let record = format!(
            "echo \"$(basename \"$0\") $*\" >> '{log}'\nfor a in \"$@\"; do case \"$prev$a\" in --body-file*) cat \"$a\" >> '{log}';; body@*) cat \"${{a#body@}}\" >> '{log}';; esac; prev=$a; done",
            log = log.display()
        );
        stub("gh", &record);
        stub("curl", &record.replace("case \"$prev$a\"", "case \"$a\""));
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_releasegen"), bin.join("releasegen")).expect("symlink");
        PullRequest { dir, work, bin }
    }

    /// Runs one step of a job in the clone, with the stand-ins first on the PATH.
    fn step(&self, shell: &str, script: &str, env: &[(String, String)]) -> Output {
        let path = format!("{}:{}", self.bin.display(), std::env::var("PATH").unwrap_or_default());
        common::hermetic(&mut Command::new(shell)).args(["-e", "-c", script]).current_dir(&self.work).env("PATH", path).envs(env.iter().cloned()).output().expect("the step runs")
    }

    fn posted(&self) -> String {
        std::fs::read_to_string(self.dir.join("posted")).unwrap_or_default()
    }
}

fn git(dir: &Path, args: &[&str]) {
    let o = Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main"])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(o.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&o.stderr));
}

/// A CI file as JSON, read by releasegen's own YAML reader (`releasegen values`).
fn ci_file(name: &str) -> serde_json::Value {
    let o = common::bin().arg("values").arg(root().join("examples/pull-request").join(name)).output().expect("values");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

/// The comment the examples must post: what `releasegen diff` says about the same change.
fn expected_comment() -> String {
    let dir = root().join("examples/pull-request");
    let head = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pull-request-head.yaml");
    let text = std::fs::read_to_string(dir.join("values.yaml")).expect("values");
    std::fs::write(&head, text.replace("weight: 30", "weight: 10")).expect("write");
    text_of(diff_in(&dir, &["values.yaml", head.to_str().expect("UTF-8"), "--output", "markdown"]))
}

fn text_of(o: Output) -> String {
    text(&o)
}

#[test]
fn the_github_actions_example_posts_the_comment() {
    let pr = PullRequest::new("github");
    let workflow = ci_file("github-actions.yml");
    let job = &workflow["jobs"]["diff"];
    let expression = |v: &str| v.replace("${{ github.base_ref }}", "main").replace("${{ github.event.pull_request.number }}", "7").replace("${{ github.token }}", "t0ken");
    let env: Vec<(String, String)> =
        job["env"].as_object().expect("env").iter().map(|(k, v)| (k.clone(), expression(v.as_str().expect("text")))).collect();
    let mut ran = 0;
    for step in job["steps"].as_array().expect("steps") {
        let Some(run) = step["run"].as_str() else { continue };
        let o = pr.step("bash", &expression(run), &env);
        assert!(o.status.success(), "{run}: {}", String::from_utf8_lossy(&o.stderr));
        ran += 1;
    }
    assert_eq!(ran, 3);
    let comment = expected_comment();
    assert!(comment.contains("httpbin-v1 63%, httpbin-v2 37% | httpbin-v1 83%, httpbin-v2 17%"), "{comment}");
    assert_eq!(pr.posted(), format!("gh pr comment 7 --body-file releasegen-comment.md --edit-last\n{comment}"));
}

#[test]
fn the_gitlab_example_posts_the_comment() {
    let pr = PullRequest::new("gitlab");
    let ci = ci_file("gitlab-ci.yml");
    let job = &ci["releasegen-diff"];
    let mut env: Vec<(String, String)> =
        job["variables"].as_object().expect("variables").iter().map(|(k, v)| (k.clone(), v.as_str().expect("text").to_string())).collect();
    for (k, v) in [
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_API_V4_URL", "https://gitlab.example.com/api/v4"),
        ("CI_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_IID", "7"),
        ("RELEASEGEN_BOT_TOKEN", "t0ken"),
    ] {
        env.push((k.to_string(), v.to_string()));
    }
    let script = job["script"].as_array().expect("script");
    for line in script {
        let line = line.as_str().expect("a line");
        let o = pr.step("sh", line, &env);
        assert!(o.status.success(), "{line}: {}", String::from_utf8_lossy(&o.stderr));
    }
    assert_eq!(script.len(), 4);
    assert_eq!(
        pr.posted(),
        format!(
            "curl --fail --silent --show-error --request POST --header PRIVATE-TOKEN: t0ken --data-urlencode body@releasegen-comment.md https://gitlab.example.com/api/v4/projects/42/merge_requests/7/notes\n{}",
            expected_comment()
        )
    );
}

/// The script part alone: a release new on the branch is shown as its states, one deleted by
/// the branch as its states on the target branch; a head that releasegen refuses fails the
/// job with the position, and leaves no comment to post.
#[test]
fn the_comment_script_shows_a_new_release_and_fails_on_a_bad_one() {
    let pr = PullRequest::new("script");
    let new = pr.work.join("examples/pull-request/new.yaml");
    std::fs::copy(pr.work.join("examples/pull-request/values.yaml"), &new).expect("copy");
    let o = pr.step("sh", "examples/pull-request/comment.sh origin/main examples/pull-request/new.yaml --name web --namespace test", &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let comment = std::fs::read_to_string(pr.work.join("releasegen-comment.md")).expect("the comment");
    assert!(comment.starts_with("### releasegen: a new release\n\n`examples/pull-request/new.yaml` is not on `origin/main`."), "{comment}");
    // The states' title is a heading under the comment's own (### ...), not above it.
    assert!(comment.contains("\n#### web (deployment-istio, blue-green)\n"), "{comment}");
    assert!(!comment.lines().any(|l| l.starts_with("# ")), "{comment}");
    // A branch that deletes the values: a comment that says so, with how the release routes
    // on the target branch; not a failed job.
    std::fs::remove_file(pr.work.join("examples/pull-request/values.yaml")).expect("delete");
    let gone = pr.step("sh", "examples/pull-request/comment.sh origin/main examples/pull-request/values.yaml --name httpbin --namespace test", &[]);
    assert!(gone.status.success(), "{}", String::from_utf8_lossy(&gone.stderr));
    let comment = std::fs::read_to_string(pr.work.join("releasegen-comment.md")).expect("the comment");
    assert!(comment.starts_with("### releasegen: a release removed\n\n`examples/pull-request/values.yaml` is on `origin/main` but not on this branch"), "{comment}");
    assert!(comment.contains("\n#### httpbin (deployment-istio, blue-green)\n"), "{comment}");
    // On neither side: nothing to say, and the job fails.
    let neither = pr.step("sh", "examples/pull-request/comment.sh origin/main examples/pull-request/none.yaml --name httpbin", &[]);
    assert_eq!(neither.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&neither.stderr).contains("is neither on origin/main nor on this branch"));
    assert!(!pr.work.join("releasegen-comment.md").exists());
    std::fs::write(pr.work.join("examples/pull-request/values.yaml"), "environment: deployment-istio\napplication:\n  versions:\n  - image: x\n    weight: lots\n").expect("write");
    let bad = pr.step("sh", "examples/pull-request/comment.sh origin/main examples/pull-request/values.yaml --name httpbin", &[]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--> examples/pull-request/values.yaml:5:5"), "{}", String::from_utf8_lossy(&bad.stderr));
    assert!(!pr.work.join("releasegen-comment.md").exists(), "a stale comment was left to post");
}

/// Colour only on a terminal (util-linux `script` gives the command one), and not with NO_COLOR.
#[test]
fn colour_only_on_a_terminal_without_no_color() {
    let run = |no_color: bool| {
        let cmd = format!("'{}' diff base.yaml weight.yaml --name httpbin --namespace test", env!("CARGO_BIN_EXE_releasegen"));
        let mut c = Command::new("script");
        common::hermetic(&mut c).args(["-qec", &cmd, "/dev/null"]).current_dir(root().join("tests/diff"));
        if no_color {
            c.env("NO_COLOR", "1");
        }
        let o = c.output().expect("script (util-linux) runs");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    let coloured = run(false);
    assert!(coloured.contains("\u{1b}[31m") && coloured.contains("\u{1b}[32m"), "{coloured:?}");
    assert!(!run(true).contains('\u{1b}'));
    assert!(!text(&diff(&["base.yaml", "weight.yaml"])).contains('\u{1b}'), "a pipe is not a terminal");
}
