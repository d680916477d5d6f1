//! Values the way Helm takes them: several `-f` files deep-merged in order, then
//! `--set` and `--set-string`; problems name the source they came from. (That `--set` reads
//! exactly as Helm's own parser is checked against Helm's SDK in `tests/helm_e2e.py`.)

mod common;

fn run(args: &[&str], stdin: &str) -> (Option<i32>, String, String) {
    let r = common::run_bin(args, stdin.as_bytes());
    (r.code, r.stdout, r.stderr)
}

fn files(texts: &[(&str, &str)]) -> tempdir::Dir {
    let dir = tempdir::Dir::new();
    for (name, text) in texts {
        std::fs::write(dir.path.join(name), text).unwrap();
    }
    dir
}

mod tempdir {
    pub struct Dir {
        pub path: std::path::PathBuf,
    }
    impl Dir {
        pub fn new() -> Dir {
            static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
            let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let path = std::env::temp_dir().join(format!("releasegen-values-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&path).unwrap();
            Dir { path }
        }
        pub fn file(&self, name: &str) -> String {
            self.path.join(name).display().to_string()
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

const BASE: &str = "environment: deployment-istio\napplication:\n  strategy: blue-green\n  metadata:\n    labels: {team: a}\n  versions:\n  - image: a\n    weight: 70\n  - image: b\n";

#[test]
fn files_merge_as_helm_merges_them() {
    let dir = files(&[("a.yaml", BASE), ("b.yaml", "application:\n  metadata:\n    labels: {tier: web}\n  strategy: null\n  versions:\n  - image: c\n")]);
    let (code, out, err) = run(&["values", "-f", &dir.file("a.yaml"), "-f", &dir.file("b.yaml")], "");
    assert_eq!(code, Some(0), "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // Maps key by key; lists replaced; null deletes.
    assert_eq!(v["application"]["metadata"]["labels"], serde_json::json!({"team": "a", "tier": "web"}));
    assert_eq!(v["application"]["versions"], serde_json::json!([{"image": "c"}]));
    assert!(v["application"].get("strategy").is_none(), "{v}");
    assert_eq!(v["environment"], "deployment-istio");
}

/// A trailing `key=` empties a value the files set, inside list items too, as Helm's strvals
/// does (it changes an existing element in place); a new item set that way is not kept. The
/// cluster harness compares a corpus of such expressions with Helm 3's and Helm 4's `.Values`.
#[test]
fn an_empty_set_over_an_existing_value_empties_it() {
    let dir = files(&[("a.yaml", "application:\n  versions:\n  - image: a\n  - image: b\n    match:\n    - headers: {x: {exact: beta}}\n")]);
    let a = dir.file("a.yaml");
    let values = |expr: &str| {
        let (code, out, err) = run(&["values", "-f", &a, "--set", expr], "");
        assert_eq!(code, Some(0), "{expr}: {err}");
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["application"]["versions"].clone()
    };
    assert_eq!(values("application.versions[1].image=")[1]["image"], "");
    assert_eq!(values("application.versions[1].match[0].headers.x.exact=")[1]["match"][0]["headers"]["x"]["exact"], "");
    assert_eq!(values("application.versions[2].image=").as_array().unwrap().len(), 2);
    assert_eq!(values("application.versions[2].image=c")[2]["image"], "c");
}

#[test]
fn set_after_files_and_set_string_after_set() {
    let dir = files(&[("a.yaml", BASE)]);
    let a = dir.file("a.yaml");
    let (code, out, err) = run(&["render", "--name", "web", "-n", "x", "-f", &a, "--set-string", "application.versions[1].metadata.labels.v=1.10", "--set", "application.versions[1].weight=30,application.versions[1].metadata.labels.v=9"], "");
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("web-1-weight-config") && out.contains("iter8.tools/weight: \"30\""), "{out}");
    // --set-string is applied after --set, so the label is the string "1.10".
    assert!(out.contains("v: \"1.10\""), "{out}");
    // The positional file and -f together: the positional first.
    let (code, out, _) = run(&["values", &a, "-f", &a, "--set", "environment=deployment"], "");
    assert_eq!(code, Some(0));
    assert!(out.contains("\"environment\": \"deployment\""), "{out}");
}

#[test]
fn problems_name_the_source_they_came_from() {
    let dir = files(&[("a.yaml", BASE), ("b.yaml", "application:\n  versions:\n  - image: a\n    wieght: 3\n")]);
    let (code, out, err) = run(&["render", "--name", "web", "-n", "x", "-f", &dir.file("a.yaml"), "-f", &dir.file("b.yaml"), "--set", "application.versions[0].weight=abc"], "");
    assert_eq!(code, Some(1));
    assert!(out.is_empty());
    assert!(err.contains(&format!("--> {}:4:5", dir.file("b.yaml"))), "{err}");
    assert!(err.contains("application.versions[0].weight: expected a non-negative integer, found \"abc\"\n  --> --set application.versions[0].weight=abc, column 32"), "{err}");
    let (code, out, err) = run(&["render", "--name", "web", "-n", "x", "-f", &dir.file("a.yaml"), "--set", "a.b"], "");
    assert_eq!((code, out.as_str()), (Some(1), ""));
    assert!(err.contains("error: --set a.b: key \"b\" has no value"), "{err}");
}

/// A failed command upstream leaves an empty pipe: refused even when --set or other files
/// would give enough values to render something.
#[test]
fn an_empty_pipe_is_refused_beside_other_sources() {
    let dir = files(&[("a.yaml", BASE)]);
    for stdin in ["", "\n", "# nothing\n---\n"] {
        let (code, out, err) = run(&["render", "--name", "web", "-n", "x", "--set", "environment=deployment", "--set", "application.versions[0].image=x"], stdin);
        assert_eq!((code, out.as_str()), (Some(1), ""), "{stdin:?}: {err}");
        assert!(err.contains("no release values on <stdin>: the input is empty"), "{err}");
        let (code, out, _) = run(&["render", "--name", "web", "-n", "x", "-f", &dir.file("a.yaml"), "-f", "-"], stdin);
        assert_eq!((code, out.as_str()), (Some(1), ""), "{stdin:?}");
    }
}

#[test]
fn each_stdin_has_one_use() {
    let (code, out, err) = run(&["route", "--name", "web", "-n", "x", "-"], "");
    assert_eq!((code, out.as_str()), (Some(2), ""));
    assert!(err.contains("route reads the live objects on stdin"), "{err}");
    let (code, _, err) = run(&["route", "--name", "web", "-n", "x"], "");
    assert_eq!(code, Some(2));
    assert!(err.contains("route needs the values as a file"), "{err}");
    let (code, _, err) = run(&["render", "-f", "-", "-f", "-"], BASE);
    assert_eq!(code, Some(2));
    assert!(err.contains("stdin (-) is given more than once"), "{err}");
    // stdin as one of several files.
    let dir = files(&[("b.yaml", "application:\n  strategy: canary\n")]);
    let (code, out, err) = run(&["values", "-f", "-", "-f", &dir.file("b.yaml")], BASE);
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("\"strategy\": \"canary\""), "{out}");
}

/// Helm's other value flags are refused by name with what to use instead (exit 2, nothing on
/// stdout), in every command that reads values; not taken for a file name, not ignored.
#[test]
fn helm_value_flags_not_taken_are_named() {
    let values = "environment: deployment\napplication:\n  versions:\n  - image: x\n";
    for flag in ["--set-json", "--set-file", "--set-literal"] {
        for cmd in ["render", "states", "values"] {
            let (code, out, err) = run(&[cmd, "--name", "app", flag, "a=b", "-"], values);
            assert_eq!(code, Some(2), "{cmd} {flag}: {err}");
            assert!(out.is_empty(), "{cmd} {flag}: {out}");
            assert!(err.contains(&format!("error: {flag} is a Helm flag releasegen does not take; use --set, --set-string, or a values file (-f)")), "{err}");
        }
    }
}
