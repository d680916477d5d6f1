//! `post-render` on streams shaped as Helm 3 (`---` + `# Source:`) and Helm 4
//! (`postrenderer.helm.sh/postrender-filename` on every document) write them: other charts'
//! documents and hooks pass through as the same text, every Release document becomes its
//! manifest set, and a bad Release fails with nothing on stdout.

mod common;

use std::io::Write;
use std::process::Stdio;

fn post_render(input: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let mut child = common::bin()
        .arg("post-render")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn stream(name: &str) -> String {
    std::fs::read_to_string(common::root().join("tests/helm").join(name)).unwrap()
}

#[test]
fn helm3_stream() {
    let input = stream("helm3-stream.yaml");
    let (code, out, err) = post_render(&input, &[]);
    assert_eq!(code, Some(0), "{err}");
    // Other documents come back as the very same text, comments and all.
    assert!(out.starts_with("---\n# Source: umbrella/charts/redis/templates/configmap.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: redis-config\n  labels:\n    enabled: yes\n"), "{out}");
    assert!(out.contains("    ---not a separator, indented content---\n"));
    assert!(out.ends_with("      args: ['httpbin:80']\n  restartPolicy: Never\n"), "the hook passes through");
    assert!(!out.contains("releasegen.dev/v1alpha1") && !out.contains("kind: Release\n"), "no Release document is left");
    let docs = common::docs(&out);
    let kinds: Vec<&str> = docs.iter().map(|d| d["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["ConfigMap", "Deployment", "Service", "Deployment", "Service", "Service", "ConfigMap", "InferenceService", "ServiceEntry", "ConfigMap", "ConfigMap", "Pod"]);
    assert_eq!(out.matches("# Source: umbrella/templates/release-httpbin.yaml\n").count(), 6);
    insta::assert_snapshot!("post-render-helm3", out);
}

#[test]
fn helm4_stream_keeps_the_filename_annotation_on_every_document() {
    let input = stream("helm4-stream.yaml");
    let (code, out, err) = post_render(&input, &[]);
    assert_eq!(code, Some(0), "{err}");
    let docs = common::docs(&out);
    assert_eq!(docs.len(), 2 + 4 + 1 + 2 + 1);
    for d in &docs {
        let name = d["metadata"]["annotations"]["postrenderer.helm.sh/postrender-filename"].as_str();
        assert!(name.is_some(), "missing annotation on {}", d["kind"]);
    }
    let expanded = docs.iter().filter(|d| d["metadata"]["annotations"]["postrenderer.helm.sh/postrender-filename"] == "templates/release.yaml").count();
    assert_eq!(expanded, 8);
    assert_eq!(docs.last().unwrap()["metadata"]["annotations"]["helm.sh/hook"], "pre-upgrade");
    insta::assert_snapshot!("post-render-helm4", out);
}

#[test]
fn ready_and_sync_waves_apply_to_each_release() {
    let (code, out, _) = post_render(&stream("helm4-stream.yaml"), &["--ready", "all"]);
    assert_eq!(code, Some(0));
    assert!(out.contains("kind: VirtualService"));
    assert_eq!(out.matches("argocd.argoproj.io/sync-wave: \"1\"").count(), 1);
}

#[test]
fn a_bad_release_fails_with_nothing_on_stdout() {
    let bad = stream("helm3-stream.yaml").replace("    - storageUri: s3://models/a\n", "    - storageUri: s3://models/a\n      weight: heavy\n");
    let (code, out, err) = post_render(&bad, &[]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("error: documents[2].spec.application.versions[0].weight: expected a non-negative integer, found \"heavy\""), "{err}");
    let (code, out, err) = post_render("", &[]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("no documents to post-render"), "{err}");
    let (code, out, _) = post_render("apiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetadata: {name: x}\nspec: [1]\n", &[]);
    assert_eq!((code, out.as_str()), (Some(1), ""));
}

/// Found by an adversarial review: a byte-order mark, content on a separator line, and a
/// foreign document that merely mentions releasegen's group. Everything that is not a Release keeps
/// its bytes, or the stream is refused with the reason, never dropped.
#[test]
fn everything_else_passes_through_or_is_refused_clearly() {
    let release = stream("helm3-stream.yaml");
    let (code, plain, err) = post_render(&release, &[]);
    assert_eq!(code, Some(0), "{err}");
    // A leading BOM: the same output as without it (kubectl rejected `---\n\u{feff}---`).
    let (code, out, err) = post_render(&format!("\u{feff}{release}"), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, plain);
    assert!(!out.contains('\u{feff}'));
    // Content on a separator line: refused by line, nothing on stdout.
    let (code, out, err) = post_render("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n--- {apiVersion: v1, kind: ConfigMap, metadata: {name: b}}\n", &[]);
    assert_eq!(code, Some(1));
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("line 4: content on a document separator line (`--- {apiVersion: v1, kind: ConfigMap, metada`) is read differently by Helm and kubectl"), "{err}");
    // Another chart's object that mentions releasegen.dev/ and would fail the values' limits
    // (a duplicate key): its bytes come back untouched.
    let foreign = "# Source: other/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: docs\ndata:\n  link: https://releasegen.dev/docs\n  link: again\n";
    let (code, out, err) = post_render(&format!("---\n{foreign}"), &[]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out, format!("---\n{foreign}"));
}

/// Helm 3 shows a post-renderer's stderr only when it fails, so an unknown key is an error
/// here unless `--allow-unknown`.
#[test]
fn unknown_keys_fail_post_render_unless_allowed() {
    let stream = "---\n# Source: releasegen/templates/release.yaml\napiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  environment: deployment\n  application:\n    versions:\n    - image: x\n      wieght: 3\n";
    let (code, out, err) = post_render(stream, &[]);
    assert_eq!(code, Some(1), "{err}");
    assert!(out.is_empty());
    assert!(err.contains("error: documents[0].spec.application.versions[0].wieght: unknown key"), "{err}");
    assert!(err.contains("  --> <stdin>:13:7"), "the position of the key in the stream: {err}");
    let (code, out, err) = post_render(stream, &["--allow-unknown"]);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("kind: Deployment"));
    assert!(err.contains("warning: documents[0].spec.application.versions[0].wieght: unknown key"), "{err}");
}
