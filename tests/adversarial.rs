//! The adversarial corpus (`tests/adversarial/`, plus inputs too large to keep as files):
//! every case either renders correctly or fails with a clear message, exit status 1 and
//! nothing on stdout — never a panic, a hang or a partial stream.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

fn render(input: &[u8]) -> common::Ran {
    common::run_bin(&["render", "--name", "app", "--namespace", "app"], input)
}

fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(common::root().join("tests/adversarial").join(name)).unwrap()
}

fn refused(input: &[u8], message: &str, what: &str) {
    let r = render(input);
    assert_eq!(r.code, Some(1), "{what}: {}", r.stderr);
    assert!(r.stdout.is_empty(), "{what}: stdout must be empty");
    assert!(r.stderr.contains(message), "{what}: expected {message:?} in\n{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{what}: {}", r.stderr);
    assert!(r.stderr.len() < 2000, "{what}: the message should be short, got {} bytes", r.stderr.len());
}

#[test]
fn every_file_of_the_corpus() {
    let cases: &[(&str, &str)] = &[
        ("alias-bomb.yaml", "aliases expand to more than 10000 values (the alias expansion limit)"),
        ("bad-merge.yaml", "a merge key (<<) needs a mapping or a list of mappings"),
        ("complex-key.yaml", "a mapping key must be a plain string, not a list or mapping"),
        ("duplicate-keys.yaml", "duplicate key \"image\""),
        ("empty-documents.yaml", "no release values: the input is empty"),
        ("empty.yaml", "no release values: the input is empty"),
        ("fractional-weight.yaml", "weight: expected a non-negative integer, found number 33.3"),
        ("huge-integer.yaml", "is too large"),
        ("infinite-weight.yaml", ".inf (infinity or not-a-number) has no JSON form"),
        ("invalid-utf8.yaml", "input is not valid UTF-8\n  --> <stdin>:4:15"),
        ("negative-weight.yaml", "weight: expected a non-negative integer, found integer -1"),
        ("nul-byte.yaml", "input contains a NUL byte, which YAML text cannot hold\n  --> <stdin>:1:24"),
        ("nul-in-string.yaml", "input contains a NUL byte"),
        ("null-application.yaml", "application is required"),
        ("number-for-string.yaml", "image: expected a string, found integer 123; quote it if text is meant"),
        ("only-comment.yaml", "no release values: the input is empty"),
        ("several-documents.yaml", "the input holds several YAML documents"),
        ("string-for-number.yaml", "port: expected a port number (1-65535), found \"80\""),
        ("tab-indentation.yaml", "not valid YAML: tabs disallowed"),
        ("twenty-versions.yaml", "20 versions have 2^20 readiness states"),
        ("unicode-label-key.yaml", "labels.☃: the key \"☃\" must be a name"),
        ("unknown-alias.yaml", "unknown anchor"),
        ("very-long-name.yaml", "(10000 characters) is 10000 characters long; at most 63 are allowed"),
        ("wrong-shapes.yaml", "environment: expected a string, found a list"),
        // Found by the render fuzzer: `states` and `--ready` counted 2^40 states.
        ("fuzz-oom-many-versions-states.yaml", "readiness states; the routemap that precomputes their routing would be larger"),
    ];
    let listed = std::fs::read_dir(common::root().join("tests/adversarial")).unwrap().count();
    assert_eq!(listed, cases.len() + 3, "every corpus file has an expectation (3 render)");
    for (file, message) in cases {
        refused(&corpus(file), message, file);
    }
}

#[test]
fn states_route_and_ready_refuse_too_many_versions_before_counting_states() {
    let input = corpus("fuzz-oom-many-versions-states.yaml");
    for args in [&["states", "--name", "app"][..], &["render", "--name", "app", "--ready", "all"], &["route", "/dev/stdin", "--name", "app"]] {
        let out = common::run_bin(args, &input);
        assert_eq!(out.code, Some(1), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(out.stderr.contains("at most 16 versions are routed"), "{args:?}");
    }
}

#[test]
fn byte_order_mark_and_crlf_render_like_plain_text() {
    let plain = render(&corpus("good.yaml"));
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    for file in ["bom.yaml", "crlf.yaml"] {
        let r = render(&corpus(file));
        assert_eq!(r.code, Some(0), "{file}: {}", r.stderr);
        assert_eq!(r.stdout, plain.stdout, "{file}");
    }
}

#[test]
fn generated_inputs_too_large_to_keep() {
    let deep_flow = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refused(deep_flow.as_bytes(), "nested more than 100 levels deep (the nesting limit)", "100k-deep flow lists");
    let deep_maps = format!("a: {}1{}", "{a: ".repeat(100_000), "}".repeat(100_000));
    refused(deep_maps.as_bytes(), "the nesting limit", "100k-deep flow mappings");
    let deep_block: String = (0..150).map(|i| format!("{}k{i}:\n", "  ".repeat(i))).collect();
    refused(deep_block.as_bytes(), "nested more than 100 levels deep", "150-deep block mappings");
    let big = format!("environment: deployment\n# {}\n", "x".repeat(5 << 20));
    refused(big.as_bytes(), "more than the limit of 4194304 bytes", "5 MiB input");
    let many_keys: String = (0..100_000).map(|i| format!("k{i}: {i}\n")).collect();
    refused(many_keys.as_bytes(), "environment is required", "100k keys");
    let long_line = format!("environment: deployment\napplication:\n  versions:\n  - image: \"{}\"\n", "y".repeat(1 << 20));
    let r = render(long_line.as_bytes());
    assert_eq!(r.code, Some(0), "a 1 MiB image name is odd but valid: {}", r.stderr);
    let wide_bomb = format!("a: &a [{}]\nb: [{}]\n", vec!["x"; 1000].join(","), vec!["*a"; 1000].join(","));
    refused(wide_bomb.as_bytes(), "the alias expansion limit", "1000 × 1000 aliases");
}

/// A quoted `"<<"` is an ordinary key (go-yaml and PyYAML read it so); only a plain `<<`
/// merges. Checked through `releasegen values`, which shows the values as read without
/// validating them (a header *named* `<<` would be refused by Istio's webhook, so the check
/// does not go through a route).
#[test]
fn a_quoted_merge_key_is_an_ordinary_key() {
    for key in ["\"<<\"", "'<<'"] {
        let values = format!("m:\n  {key}: {{exact: x}}\nplain:\n  <<: {{exact: x}}\n");
        let out = common::run_bin(&["values"], values.as_bytes());
        assert_eq!(out.code, Some(0), "{}", out.stderr);
        let v: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        assert_eq!(v["m"], serde_json::json!({"<<": {"exact": "x"}}), "{key}");
        assert_eq!(v["plain"], serde_json::json!({"exact": "x"}), "a plain << merges");
    }
}

/// Runs releasegen with `args` on `input`, expecting exit 1, an empty stdout and `message`.
fn refused_by(args: &[&str], input: &[u8], message: &str) {
    let out = common::run_bin(args, input);
    let err = &out.stderr;
    assert_eq!(out.code, Some(1), "{args:?}: {err}");
    assert!(out.stdout.is_empty(), "{args:?}: stdout must be empty");
    assert!(err.contains(message), "{args:?}: expected {message:?} in\n{err}");
}

/// Limits on work and memory, not only bytes (the worst-case corpus in `benches/worst-case`
/// measures them; these check that each limit names itself and refuses cleanly).
#[test]
fn counts_that_would_cost_too_much_are_refused_by_name() {
    let versions: String = (0..65).map(|i| format!("  - {{image: x, metadata: {{name: v{i}}}}}\n")).collect();
    refused(format!("environment: deployment\napplication:\n  versions:\n{versions}").as_bytes(), "application.versions: 65 versions; a release has at most 64 (the version limit)", "65 versions");
    let annotations: String = (0..20_000).map(|i| format!("      k{i}: \"{}\"\n", "v".repeat(20))).collect();
    let versions: String = (0..30).map(|i| format!("  - {{image: x, metadata: {{name: v{i}}}}}\n")).collect();
    let values = format!("environment: deployment\napplication:\n  metadata:\n    annotations:\n{annotations}  versions:\n{versions}");
    refused(values.as_bytes(), "30 copies are more than 8388608 bytes (the copy limit)", "inherited annotations × versions");
    let nulls = format!("environment: deployment\nx: [{}]\n", vec!["~"; 600_000].join(","));
    refused(nulls.as_bytes(), "the input holds more than 524288 values (the value limit; --max-input-bytes raises it)", "600k values");
    // `states` refuses what `render` refuses: sixteen versions do not fit the routemap.
    let sixteen: String = (0..16).map(|i| format!("  - image: b{i}\n")).collect();
    let values = format!("environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n{sixteen}");
    for format in ["table", "json", "mermaid"] {
        refused_by(&["states", "--name", "app", "-n", "app", "-o", format], values.as_bytes(), "would be larger than one `kubectl apply` takes");
    }
    refused_by(&["render", "--name", "app", "-n", "app"], values.as_bytes(), "would be larger than one `kubectl apply` takes");
    // Many Release documents in one stream: refused at the output limit, not rendered to
    // hundreds of MiB.
    let release = "---\napiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetadata: {name: a, namespace: ns}\nspec: {environment: deployment-istio, application: {strategy: blue-green, versions: [{image: a}, {image: b}]}}\n";
    let stream: String = (0..6000).map(|i| release.replace("name: a,", &format!("name: a{i},"))).collect();
    refused_by(&["post-render"], stream.as_bytes(), "the output limit");
}

/// The routemap must go through one client-side `kubectl apply`, which keeps the whole object
/// as JSON in an annotation the API server limits to 262144 bytes: the cluster harness saw the
/// server refuse an eight-version routemap there ("metadata.annotations: Too long") while the
/// rest of the release was applied. Seven versions render, and their routemap leaves room under
/// the limit as Go's JSON writes it; eight are refused before anything reaches the cluster.
#[test]
fn the_routemap_fits_one_client_side_kubectl_apply() {
    let values = |n: usize| {
        let versions: String = (0..n).map(|i| format!("  - image: example.com/app:{i}\n")).collect();
        format!("environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n{versions}")
    };
    let seven = render(values(7).as_bytes());
    assert_eq!(seven.code, Some(0), "{}", seven.stderr);
    let stream = seven.stdout;
    let routemap = stream.split("\n---\n").find(|d| d.contains("name: app-routemap")).unwrap();
    // kubectl writes the annotation with Go's encoding/json: compact, `<>&` escaped.
    let json = kubectl_json(routemap);
    let go_len = json.len() + json.matches(['<', '>', '&']).count() * 5;
    assert!(go_len < 262_144 - 4096, "seven versions: the routemap is {go_len} bytes as JSON");
    refused_by(&["render", "--name", "app", "-n", "app"], values(8).as_bytes(), "would be larger than one `kubectl apply` takes");
}

/// The object as compact JSON, read by kubectl as it reads a file to apply.
fn kubectl_json(doc: &str) -> String {
    let mut child = Command::new("kubectl")
        .args(["label", "--local", "-f", "-", "releasegen.dev/test=json", "-o", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("kubectl is required");
    child.stdin.take().unwrap().write_all(doc.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    value.to_string()
}
