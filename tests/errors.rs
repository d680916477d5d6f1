//! Bad input: every message the values rules call for, and the other refusals. Each test checks the
//! message, exit status 1 and that stdout is empty (a half stream piped into
//! `kubectl apply` would be a half-applied release).

mod common;

use common::{Ran as Run, run_bin as run, run_bin_env as run_env};
use std::process::{Command, Stdio};

/// Renders `values` and expects a refusal that says `message`.
fn refuses(values: &str, message: &str) {
    refuses_bytes(values.as_bytes(), &["render", "--name", "app"], message);
}

fn refuses_bytes(input: &[u8], args: &[&str], message: &str) {
    let r = run(args, input);
    assert_eq!(r.code, Some(1), "exit status for {message:?}; stderr:\n{}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout must be empty, got:\n{}", r.stdout);
    assert!(r.stderr.contains(message), "expected {message:?} in stderr:\n{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

const GOOD: &str = "environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: x\n";

#[test]
fn good_input_renders() {
    let r = run(&["render", "--name", "app", "-n", "default"], GOOD.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.starts_with("---\napiVersion: apps/v1\n"));
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

#[test]
fn environment_is_required() {
    refuses("application:\n  versions:\n  - image: x\n", "error: environment is required");
}

#[test]
fn application_is_required() {
    refuses("environment: deployment\n", "error: application is required");
}

#[test]
fn unknown_environment() {
    refuses("environment: nomad\napplication:\n  versions:\n  - image: x\n", "error: environment: Unknown environment: 'nomad'");
}

#[test]
fn strategy_must_be_known() {
    refuses(
        "environment: deployment-istio\napplication:\n  strategy: rainbow\n  versions:\n  - image: x\n",
        "error: application.strategy: unknown or invalid application strategy (rainbow) for environment (deployment-istio)",
    );
}

#[test]
fn strategy_must_be_supported_by_the_environment() {
    refuses(
        "environment: kserve\napplication:\n  strategy: mirror\n  versions:\n  - storageUri: s3://m\n    modelFormat: sklearn\n",
        "application.strategy: unknown or invalid application strategy (mirror) for environment (kserve); it supports none, blue-green, canary",
    );
    refuses(
        "environment: deployment\napplication:\n  strategy: canary\n  versions:\n  - image: x\n",
        "unknown or invalid application strategy (canary) for environment (deployment)",
    );
}

/// `gateway` as a list: each entry checked, duplicates and Istio-foreign fields refused.
#[test]
fn gateway_lists_are_checked_per_entry() {
    let with = |gw: &str| format!("environment: deployment-istio\ngateway: {gw}\napplication:\n  versions:\n  - image: x\n");
    refuses(&with("[a, istio-system/b, a]"), "error: gateway[2]: \"a\" is listed twice");
    refuses(&with("[{name: a, namespace: x}, x/a]"), "error: gateway[1]: \"x/a\" is listed twice");
    refuses(&with("[{name: a, sectionName: https}]"), "error: gateway[0].sectionName: sectionName is a Gateway API parentRef field");
    refuses(&with("[a/b/c]"), "error: gateway[0]: \"a/b/c\" is not a valid gateway name");
    refuses(&with("[{namespace: x}]"), "error: gateway[0].name: a gateway needs its name");
    let many: Vec<String> = (0..32).map(|i| format!("g{i}")).collect();
    refuses(&with(&format!("[{}]", many.join(", "))), "error: gateway: 32 gateways; a route attaches to at most 31");
}

/// A group releasegen writes, listed only at versions it does not write, is refused rather
/// than rendered at a version the user did not list.
#[test]
fn api_versions_without_a_version_releasegen_writes() {
    refuses_bytes(
        GOOD.as_bytes(),
        &["render", "--name", "app", "--api-versions", "networking.istio.io/v1alpha3"],
        "error: --api-versions: lists networking.istio.io at v1alpha3; releasegen writes networking.istio.io at v1beta1 or v1",
    );
}

/// `application.routing` is checked as Istio's webhook and the Gateway API's CRD would check
/// it, each problem at its path.
#[test]
fn routing_policy_is_checked_as_the_cluster_would() {
    let with = |env: &str, routing: &str| {
        format!("environment: {env}\napplication:\n  strategy: canary\n  routing:\n    {routing}\n  versions:\n  - image: x\n  - image: y2\n")
    };
    let istio = |r: &str| with("deployment-istio", r);
    refuses(&istio("timeout: 10"), "error: application.routing.timeout: expected a string, found integer 10");
    refuses(&istio("timeout: 1.5s"), "error: application.routing.timeout: \"1.5s\" is not a duration such as 10s");
    refuses(&istio("timeout: 0s"), "error: application.routing.timeout: \"0s\" is zero; Istio refuses durations under 1ms");
    refuses(&istio("retries: {attempts: 2, on: [5xx, sometimes]}"), "error: application.routing.retries.on[1]: \"sometimes\" is not a retry condition Istio knows");
    refuses(&istio("retries: {attempts: 0, perTryTimeout: 1s}"), "error: application.routing.retries: attempts 0 turns retries off; Istio refuses perTryTimeout or on with it");
    refuses(&istio("retries: {on: [5xx]}"), "error: application.routing.retries.attempts: retries need attempts");
    // What Helm makes of an unquoted `on:` (post-render sees the key `true`).
    refuses_bytes(
        istio("retries: {attempts: 2, \"true\": [5xx]}").as_bytes(),
        &["render", "--strict", "--name", "app"],
        "error: application.routing.retries.true: unknown key; did you mean `on`? Helm's YAML reader turns an unquoted `on:` into `true:`, so write \"on\":",
    );
    refuses(&with("deployment-gtw", "retries: {attempts: 2}"), "error: application.routing.retries: the Gateway API's standard channel has no retries on an HTTPRoute");
    refuses(&istio("cors: {allowOrigins: [example.com]}"), "error: application.routing.cors.allowOrigins[0]: \"example.com\" is not an origin");
    refuses(&istio("cors: {allowMethods: [GET, FETCH]}"), "error: application.routing.cors.allowMethods[1]: \"FETCH\" is not a method");
    refuses(&istio("cors: {allowMethods: [GET, \"*\"]}"), "error: application.routing.cors.allowMethods: \"*\" stands alone");
    refuses(&istio("cors: {maxAge: 1500ms}"), "error: application.routing.cors.maxAge: maxAge is whole seconds");
    refuses(&istio("requestHeaders: {set: {\"bad header\": x}}"), "error: application.routing.requestHeaders.set.bad header: \"bad header\" is not a header name");
    refuses(&istio("requestHeaders: {set: {x-a: \"50%\"}}"), "error: application.routing.requestHeaders.set.x-a: \"50%\": Envoy reads % as the start of a variable");
    refuses(&istio("requestHeaders: {set: {x-a: \"\"}}"), "error: application.routing.requestHeaders.set.x-a: a header value has 1 to 4096 characters");
    refuses(&istio("responseHeaders: {set: {App-Version: x}}"), "error: application.routing.responseHeaders.set.App-Version: releasegen sets \"App-Version\" itself here");
    refuses(&istio("requestHeaders: {remove: [Host]}"), "error: application.routing.requestHeaders.remove[0]: Istio refuses to remove Host");
    let kserve = "environment: kserve\napplication:\n  modelFormat: m\n  strategy: canary\n  routing:\n    requestHeaders: {set: {branch: x}}\n  versions:\n  - storageUri: a\n  - storageUri: b\n";
    refuses(kserve, "error: application.routing.requestHeaders.set.branch: releasegen sets \"branch\" itself here");
    // ModelMesh chooses the model by mm-vmodel-id, which releasegen's routes set.
    let modelmesh = "environment: kserve-modelmesh-istio\napplication:\n  modelFormat: m\n  strategy: canary\n  routing:\n    requestHeaders: {set: {mm-vmodel-id: x}}\n  versions:\n  - storageUri: a\n  - storageUri: b\n";
    refuses(modelmesh, "error: application.routing.requestHeaders.set.mm-vmodel-id: releasegen sets \"mm-vmodel-id\" itself here");
    // A percent sign is only Envoy's on Istio: on the Gateway API it is text.
    let r = run(&["render", "--name", "app", "-n", "default"], with("deployment-gtw", "requestHeaders: {set: {x-a: \"50%\"}}").as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
}

/// Match clauses are checked as Istio's webhook and the HTTPRoute CRD check them, each problem
/// at the path (and line) of the offending value.
#[test]
fn matches_are_checked_as_the_cluster_would() {
    let istio = |m: &str| format!("environment: deployment-istio\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: app2\n    match:\n    - {m}\n");
    let at = "application.versions[1].match[0]";
    refuses(&istio("headers: {\"bad header\": {exact: x}}"), &format!("error: {at}.headers.bad header: \"bad header\" is not a header name"));
    refuses(&istio("headers: {\":foo\": {exact: x}}"), &format!("error: {at}.headers.:foo: \":foo\" is not a pseudo-header Istio matches"));
    refuses(&istio("headers: {x-a: {prefix: \"\"}}"), &format!("error: {at}.headers.x-a.prefix: an empty prefix: Istio refuses it here"));
    refuses(&istio("headers: {x-a: {exact: a, prefix: b}}"), &format!("error: {at}.headers.x-a: a string match is one of exact, prefix or regex; found exact and prefix"));
    refuses(&istio("headers: {x-a: {exatc: a}}"), &format!("error: {at}.headers.x-a.exatc: not a kind of string match (exact, prefix or regex); did you mean `exact`?"));
    refuses(&istio("headers: {x-a: {exact: 5}}"), &format!("error: {at}.headers.x-a.exact: expected a string, found integer 5"));
    refuses(&istio("headers: {x-a: }"), &format!("error: {at}.headers.x-a: a header match cannot be null"));
    refuses(&istio("uri: {regex: \"(unclosed\"}"), &format!("error: {at}.uri.regex: not an RE2 regex"));
    refuses(&istio("uri: {regex: \"(?x)a b\"}"), &format!("error: {at}.uri.regex: not an RE2 regex as Go reads it: the x flag"));
    refuses(&istio(&format!("uri: {{regex: \"{}\"}}", "a".repeat(1025))), &format!("error: {at}.uri.regex: a regex of 1025 bytes is longer than Istio's limit of 1024"));
    refuses(&istio("method: {prefix: \"\"}"), &format!("error: {at}.method.prefix: an empty prefix"));
    refuses(&istio("port: 70000"), &format!("error: {at}.port: a port number (1-65535) must be at most 65535"));
    refuses(&istio("sourceNamespace: Bad_NS"), &format!("error: {at}.sourceNamespace: \"Bad_NS\""));
    refuses(&istio("ignoreUriCase: \"true\""), &format!("error: {at}.ignoreUriCase: expected true or false, found"));
    // An empty uri prefix matches every path: Istio takes it, as it takes `regex: "*"` in
    // withoutHeaders (header absent) and its pseudo-headers.
    let ok = istio("{uri: {prefix: \"\"}, withoutHeaders: {x-b: {regex: \"*\"}}, headers: {\":authority\": {exact: a.example.com}}, gateways: [ingress.istio-system]}");
    let r = run(&["render", "--name", "app", "-n", "default"], ok.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains(&format!("warning: {at}.gateways[0]: \"ingress.istio-system\" is Istio's legacy name.namespace form; Istio reads it, and prefers istio-system/ingress")), "{}", r.stderr);
    refuses(&istio("gateways: [Istio-System/ingress]"), &format!("error: {at}.gateways[0]: \"Istio-System\" (the namespace) must consist of"));

    let gtw = |m: &str| format!("environment: deployment-gtw\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: app2\n    matches:\n    - {m}\n");
    let at = "application.versions[1].matches[0]";
    refuses(&gtw("path: {type: PathPrefix, value: \"/a//b\"}"), &format!("error: {at}.path.value: \"/a//b\" contains \"//\" (the Gateway API's rule for PathPrefix paths)"));
    refuses(&gtw("path: {value: beta}"), &format!("error: {at}.path.value: \"beta\" is not an absolute path"));
    refuses(&gtw("path: {type: Prefix, value: /}"), &format!("error: {at}.path.type: \"Prefix\" is not a path match type"));
    refuses(&gtw("path: {type: RegularExpression, value: \"a**\"}"), &format!("error: {at}.path.value: not an RE2 regex as Go reads it: a repetition of a repetition"));
    refuses(&gtw("headers: [{name: x, value: a}, {name: x, value: b}]"), &format!("error: {at}.headers[1].name: \"x\" is named twice"));
    refuses(&gtw("headers: [{name: x, value: \"\"}]"), &format!("error: {at}.headers[0].value: a value is required"));
    refuses(&gtw("headers: [{name: x, value: a, type: Prefix}]"), &format!("error: {at}.headers[0].type: \"Prefix\" is not a match type here"));
    refuses(&gtw("headers: [{name: x, valeu: a}]"), &format!("error: {at}.headers[0].valeu: not a field here (name, value, type)"));
    refuses(&gtw("method: FETCH"), &format!("error: {at}.method: \"FETCH\" is not a method the Gateway API matches"));
    let many: String = (0..17).map(|i| format!("{{name: q{i}, value: v}}")).collect::<Vec<_>>().join(", ");
    refuses(&gtw(&format!("queryParams: [{many}]")), &format!("error: {at}.queryParams: 17 entries; the Gateway API takes at most 16"));
    // Over all rules of the route: at most 128 matches, at most 16 filters in a rule.
    let clauses: String = (0..64).map(|i| format!("    - path: {{value: /p{i}}}\n")).collect();
    let two = format!("environment: deployment-gtw\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: a2\n    matches:\n{clauses}  - image: a3\n    matches:\n{clauses}");
    refuses(&two, "error: application.versions: 129 match clauses in the route with every version ready (128 in the cohorts and the default rule's one); the Gateway API takes at most 128 in a route");
    let images: String = (0..16).map(|i| format!("  - image: a{i}\n    weight: 10\n")).collect();
    let mirror = format!("environment: deployment-gtw\napplication:\n  strategy: mirror\n  routing:\n    cors: {{allowOrigins: [\"https://a.example.com\"]}}\n    requestHeaders: {{set: {{x-a: b}}}}\n  versions:\n{images}");
    refuses(&mirror, "error: application.versions: 17 filters in the mirror rule with every candidate ready");
    // The position is that of the offending value's key, as for every value.
    let r = run(&["render", "--name", "app"], gtw("path: {value: beta}").as_bytes());
    assert!(r.stderr.contains("--> <stdin>:8:14"), "{}", r.stderr);
}

/// A policy with no routing object to carry it is said, not dropped silently.
#[test]
fn routing_policy_without_a_routing_object_is_warned() {
    let values = "environment: deployment-istio\napplication:\n  routing: {timeout: 5s}\n  versions:\n  - image: x\n";
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.routing: is not used: strategy none has no routing object to carry it (ignored)"), "{}", r.stderr);
}

/// ModelMesh cannot mirror to a candidate; the refusal says why.
#[test]
fn modelmesh_mirror_is_refused_with_the_reason() {
    refuses(
        "environment: kserve-modelmesh-istio\napplication:\n  modelFormat: m\n  strategy: mirror\n  versions:\n  - storageUri: a\n  - storageUri: b\n",
        "for environment (kserve-modelmesh-istio); it supports none, blue-green, canary. ModelMesh cannot mirror to a candidate: all models share the serving Service and are chosen by the mm-vmodel-id header",
    );
}

#[test]
fn image_required() {
    refuses(
        "environment: deployment\napplication:\n  versions:\n  - port: 80\n",
        "error: application.versions[0].image: missing field: image required when deploymentSpecification absent",
    );
}

#[test]
fn port_required() {
    refuses(
        "environment: deployment\napplication:\n  port: null\n  versions:\n  - image: x\n",
        "error: application.versions[0].port: missing field: port required when serviceSpecification absent",
    );
}

#[test]
fn model_format_required() {
    refuses(
        "environment: kserve\napplication:\n  versions:\n  - storageUri: s3://m\n",
        "error: application.versions[0].modelFormat: missing field: modelFormat required when inferenceServiceSpecification absent",
    );
}

#[test]
fn storage_uri_required() {
    refuses(
        "environment: kserve-modelmesh-istio\napplication:\n  modelFormat: sklearn\n  versions:\n  - {}\n",
        "error: application.versions[0].storageUri: missing field: storageUri required when inferenceServiceSpecification absent",
    );
}

/// `storageUri` is a version's own (there is no application default): written on the
/// application it is an unknown key, and is not used behind the warning's back.
#[test]
fn storage_uri_is_not_an_application_default() {
    let values = "environment: kserve\napplication:\n  modelFormat: sklearn\n  storageUri: s3://m\n  versions:\n  - {}\n";
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("warning: application.storageUri: unknown key; did you mean application.versions[i].storageUri?"), "{}", r.stderr);
    assert!(r.stderr.contains("error: application.versions[0].storageUri: missing field: storageUri required"), "{}", r.stderr);
}

/// A typo in a Release document's own keys is said, not left to the flags silently.
#[test]
fn release_document_unknown_keys() {
    let doc = format!("apiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetdata:\n  name: app\nspec:\n{}", GOOD.replace('\n', "\n  ").trim_end().replace("environment", "  environment"));
    let r = run(&["render", "--name", "app", "-n", "default"], doc.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: metdata: unknown key of a Release document\n  --> <stdin>:3:1"), "{}", r.stderr);
    let strict = run(&["render", "--strict", "--name", "app", "-n", "default"], doc.as_bytes());
    assert_eq!(strict.code, Some(1), "{}", strict.stderr);
    assert!(strict.stdout.is_empty());
    assert!(strict.stderr.contains("error: metdata: unknown key of a Release document"), "{}", strict.stderr);
    let meta = doc.replace("metdata:\n  name: app", "metadata:\n  name: app\n  namespce: x");
    let r = run(&["render", "--strict", "--name", "app", "-n", "default"], meta.as_bytes());
    assert!(r.code == Some(1) && r.stderr.contains("error: metadata.namespce: unknown key of a Release document"), "{}", r.stderr);
}

/// `--strict` makes unknown keys errors in the routing-actions chart's values too.
#[test]
fn routing_actions_unknown_keys_under_strict() {
    let values = "appType: deployment\naction: initialize\nappName: app\nappVersion: []\n";
    let r = run(&["render", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: appVersion: unknown key of the routing-actions chart (ignored)"), "{}", r.stderr);
    refuses_bytes(values.as_bytes(), &["render", "--strict", "-n", "default"], "error: appVersion: unknown key of the routing-actions chart");
}

#[test]
fn ready_that_is_not_a_state_is_a_usage_error() {
    let r = run(&["render", "--name", "app", "--ready", "some"], GOOD.as_bytes());
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    let want = "error: invalid value 'some' for '--ready <STATE>': \"some\" is not a version index; use all, none, or version indices such as 0,1\n\nFor more information, try '--help'.\n";
    assert_eq!(r.stderr, want);
    // A flag typo shows the command's own usage, in which only the file is positional and
    // nothing looks required.
    let r = run(&["render", "--nme", "app"], GOOD.as_bytes());
    assert_eq!(r.code, Some(2), "{}", r.stderr);
    assert!(r.stderr.contains("\nUsage: releasegen render [OPTIONS] [FILE]\n"), "{}", r.stderr);
    for (cmd, usage) in [("route", "releasegen route [OPTIONS] [FILE] < LIVE-OBJECTS.json"), ("post-render", "releasegen post-render [OPTIONS] < HELM-STREAM"),
                         ("krm", "releasegen krm [OPTIONS] < RESOURCE-LIST"), ("states", "releasegen states [OPTIONS] [FILE]"), ("values", "releasegen values [OPTIONS] [FILE]")] {
        let r = run(&[cmd, "--nme"], b"");
        assert!(r.stderr.contains(&format!("\nUsage: {usage}\n")), "{cmd}: {}", r.stderr);
    }
}

#[test]
fn not_yaml_says_line_and_column() {
    refuses("environment: deployment\napplication: [\n", "not valid YAML");
    refuses_bytes(b"environment: deployment\napplication:\n  versions: {a: 1\n", &["render"], "--> <stdin>:");
}

#[test]
fn not_utf8_says_where() {
    refuses_bytes(b"environment: deployment\nap\xffplication: x\n", &["render"], "input is not valid UTF-8\n  --> <stdin>:2:3");
}

#[test]
fn duplicate_keys() {
    refuses(
        "environment: deployment\nenvironment: deployment-istio\napplication:\n  versions:\n  - image: x\n",
        "duplicate key \"environment\" (kubectl rejects duplicate keys too)\n  --> <stdin>:2:1",
    );
}

#[test]
fn size_limit() {
    let big = format!("{GOOD}# {}\n", "x".repeat(5 << 20));
    refuses(&big, "more than the limit of 4194304 bytes (--max-input-bytes raises it)");
    refuses_bytes(GOOD.as_bytes(), &["render", "--name", "a", "--max-input-bytes", "10"], "the limit of 10 bytes");
}

#[test]
fn nesting_limit() {
    let deep = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    refuses(&deep, "nested more than 100 levels deep (the nesting limit)");
}

#[test]
fn alias_expansion_limit() {
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for (name, prev) in [("b", "a"), ("c", "b"), ("d", "c"), ("e", "d")] {
        bomb.push_str(&format!("{name}: &{name} [{}]\n", vec![format!("*{prev}"); 10].join(", ")));
    }
    refuses(&bomb, "aliases expand to more than 10000 values (the alias expansion limit)");
}

#[test]
fn empty_versions() {
    refuses(
        "environment: deployment\napplication:\n  versions: []\n",
        "error: application.versions: at least one version is required",
    );
}

#[test]
fn invalid_names() {
    refuses(
        "environment: deployment\napplication:\n  versions:\n  - image: x\n    metadata:\n      name: Web_0\n",
        "application.versions[0].metadata.name: \"Web_0\" must consist of lowercase letters",
    );
    let long = "a".repeat(62);
    refuses_bytes(
        GOOD.as_bytes(),
        &["render", "--name", &long],
        "application.versions[0].metadata.name: \"aaaa",
    );
    refuses_bytes(GOOD.as_bytes(), &["render", "--name", &long], "(derived from the release name; set metadata.name)");
    refuses_bytes(GOOD.as_bytes(), &["render", "--name", "1app"], "must start with a lowercase letter (an RFC 1035 label)");
    refuses_bytes(GOOD.as_bytes(), &["render", "--name", "app", "--namespace", "Bad"], "error: --namespace: \"Bad\" must consist");
    refuses_bytes(GOOD.as_bytes(), &["render"], "no release name: pass --name or set application.metadata.name");
}

#[test]
fn weights_are_non_negative_integers() {
    let with = |w: &str| format!("{GOOD}  - image: y\n    weight: {w}\n");
    refuses(&with("-5"), "application.versions[1].weight: expected a non-negative integer, found integer -5");
    refuses(&with("2.5"), "application.versions[1].weight: expected a non-negative integer, found number 2.5");
    refuses(&with("abc"), "application.versions[1].weight: expected a non-negative integer, found \"abc\"");
    refuses(&with("99999999999999999999"), "weight: a non-negative integer must be at most 2147483647");
}

#[test]
fn mirror_weight_at_most_100() {
    refuses(
        "environment: deployment-istio\napplication:\n  strategy: mirror\n  versions:\n  - image: x\n  - image: y\n    weight: 150\n",
        "application.versions[1].weight: a mirror candidate's weight is the percentage of traffic mirrored to it, at most 100; found 150",
    );
}

#[test]
fn labels_must_be_strings() {
    refuses(
        "environment: deployment\napplication:\n  versions:\n  - image: x\n    metadata:\n      labels:\n        version: 1.10\n",
        "application.versions[0].metadata.labels.version: label values must be strings, found number 1.10; quote it",
    );
    refuses(
        "environment: deployment\napplication:\n  metadata:\n    annotations:\n      enabled: yes\n  versions:\n  - image: x\n",
        "application.metadata.annotations.enabled: annotation values must be strings, found boolean true",
    );
}

#[test]
fn unknown_keys_warn_and_strict_refuses() {
    let typo = format!("{GOOD}    wieght: 10\n");
    let r = run(&["render", "--name", "app"], typo.as_bytes());
    assert_eq!(r.code, Some(0));
    assert!(r.stderr.contains("warning: application.versions[0].wieght: unknown key; did you mean `weight`?"), "{}", r.stderr);
    assert!(!r.stdout.is_empty());
    refuses_bytes(typo.as_bytes(), &["render", "--name", "app", "--strict"], "error: application.versions[0].wieght: unknown key");
}

#[test]
fn several_documents_and_empty_input() {
    refuses(&format!("{GOOD}---\n{GOOD}"), "the input holds several YAML documents");
    refuses("", "no release values: the input is empty");
    refuses("# only a comment\n", "no release values: the input is empty");
}

#[test]
fn ready_needs_existing_versions() {
    refuses_bytes(GOOD.as_bytes(), &["render", "--name", "a", "--ready", "3"], "--ready: version 3 does not exist");
}

/// One Argo CD setting (`--ready all`) serves every release: on one with no routing, the rest
/// is rendered and stderr says there is nothing to route.
#[test]
fn ready_without_routing_renders_the_rest_and_says_so() {
    let none = GOOD.replace("blue-green", "none");
    let deployment = "environment: deployment\napplication:\n  versions:\n  - image: x\n";
    for values in [none.as_str(), deployment] {
        let plain = run(&["render", "--name", "a", "-n", "a"], values.as_bytes());
        let ready = run(&["render", "--name", "a", "-n", "a", "--ready", "all"], values.as_bytes());
        assert_eq!(ready.code, Some(0), "{}", ready.stderr);
        assert_eq!(ready.stdout, plain.stdout, "--ready adds nothing when nothing routes");
        assert!(!ready.stdout.is_empty());
        assert!(ready.stderr.contains("warning: --ready: strategy none in environment"), "{}", ready.stderr);
        assert!(ready.stderr.contains("nothing to route"), "{}", ready.stderr);
        assert!(plain.stderr.is_empty(), "{}", plain.stderr);
    }
}

#[test]
fn usage_errors_exit_2() {
    let r = run(&["render", "--ready", "zero"], GOOD.as_bytes());
    assert_eq!(r.code, Some(2));
    assert!(r.stdout.is_empty());
}

#[test]
fn a_closed_stdout_ends_quietly() {
    let mut child = common::bin()
        .args(["render", "--name", "app", "fixtures/three-versions-deployment-istio-blue-green.yaml"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn kserve_native_rules() {
    let serverless = "environment: kserve-serverless\napplication:\n  modelFormat: sklearn\n  versions:\n  - storageUri: gs://a\n  - storageUri: gs://b\n";
    refuses(
        &format!("{serverless}  - storageUri: gs://c\n"),
        "application.versions: kserve-serverless rolls out one candidate at a time (canaryTrafficPercent); found 3 versions",
    );
    refuses(
        &format!("{serverless}    weight: 150\n"),
        "application.versions[1].weight: the candidate's weight is its canaryTrafficPercent, 0 to 100; found 150",
    );
    refuses(
        &serverless.replace("application:\n", "application:\n  workloads: external\n"),
        "application.workloads: kserve-serverless renders the InferenceService itself",
    );
    refuses(
        &serverless.replace("application:\n", "application:\n  strategy: blue-green\n"),
        "unknown or invalid application strategy (blue-green) for environment (kserve-serverless); it supports none, canary",
    );
    refuses(
        "environment: kserve-standard\napplication:\n  versions:\n  - inferenceServiceSpecification:\n      spec:\n        transformer: {}\n",
        "application.versions[0].inferenceServiceSpecification.spec.predictor: KServe's canary needs the version's predictor here",
    );
    refuses(
        "environment: kserve-standard\napplication:\n  modelFormat: x\n  versions:\n  - storageUri: a\n    metadata: {name: same}\n  - storageUri: b\n    metadata: {name: same}\n",
        "application.versions[1].metadata.name: version 1 has the same name (same) as version 0",
    );
}

#[test]
fn external_workloads_rules() {
    refuses(
        "environment: deployment-istio\napplication:\n  workloads: outside\n  versions:\n  - {}\n",
        "application.workloads: expected `external` (or nothing), found \"outside\"",
    );
    let r = run(&["render", "--name", "app"], b"environment: deployment-istio\napplication:\n  workloads: external\n  versions:\n  - image: x\n");
    assert_eq!(r.code, Some(0));
    assert!(r.stderr.contains("warning: application.versions[0].image: is not used: workloads are external (ignored)"), "{}", r.stderr);
    assert!(!r.stdout.contains("kind: Deployment"));
}

#[test]
fn routing_actions_values_rules() {
    refuses("appType: deployment\nappName: httpbin\naction: teardown\nstrategy: blue-green\n", "error: action: Unknown action: 'teardown'");
    refuses("appType: lambda\nappName: httpbin\naction: initialize\nstrategy: blue-green\n", "error: appType: Unknown appType: 'lambda'");
    refuses(
        "appType: deployment\nappName: httpbin\naction: modify-weights\nstrategy: canary\n",
        "strategy: modify-weights changes the weights of a blue-green or mirror release; strategy is 'canary'",
    );
    refuses(
        "appType: deployment\nappName: httpbin\naction: initialize\nstrategy: blue-green\nappVersions:\n- weight: -3\n",
        "error: appVersions[0].weight: expected a non-negative integer, found integer -3",
    );
    refuses("appType: deployment\nappName: Http_Bin\naction: initialize\nstrategy: canary\n", "error: appName: \"Http_Bin\"");
}

/// A bad `--name` or `--namespace` is one error, against the flag, not errors about derived
/// names the user never wrote; an empty one too (Argo CD's empty namespace).
#[test]
fn bad_flags_are_reported_against_the_flag() {
    let values = std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/deployment-istio-canary.yaml")).unwrap();
    for (args, want) in [
        (&["render", "--name", "HttpBin", "-n", "demo"][..], "error: --name: \"HttpBin\" must consist of lowercase letters"),
        (&["render", "--name", "demo", "--namespace", ""][..], "error: --namespace: \"\" must not be empty"),
        (&["states", "--name", "demo", "-n", "Demo"][..], "error: --namespace: \"Demo\" must consist"),
    ] {
        let r = run(args, &values);
        assert_eq!(r.code, Some(1), "{}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains(want), "{want:?} not in {}", r.stderr);
        assert_eq!(r.stderr.matches("error:").count(), 1, "one error, against the flag:\n{}", r.stderr);
    }
}

/// The namespace as Helm finds it: --namespace, else $HELM_NAMESPACE, else the kubeconfig's
/// current context, else default; stderr says which when it was not explicit, and
/// application.metadata.namespace wins over all without a note.
#[test]
fn namespace_as_helm_finds_it() {
    let dir = std::env::temp_dir().join(format!("releasegen-kubeconfig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = dir.join("config");
    std::fs::write(&config, "apiVersion: v1\nkind: Config\ncurrent-context: mm\ncontexts:\n- name: other\n  context: {cluster: c, namespace: nope}\n- name: mm\n  context: {cluster: c, user: u, namespace: modelmesh-serving}\n").unwrap();
    let kubeconfig = config.display().to_string();
    let ns_of = |r: &Run| common_namespace(&r.stdout);
    let r = run_env(&["render", "--name", "app"], GOOD.as_bytes(), &[("KUBECONFIG", &kubeconfig)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(ns_of(&r), "modelmesh-serving");
    assert!(r.stderr.contains("warning: --namespace: not given; using \"modelmesh-serving\", the namespace of the kubeconfig's current context \"mm\""), "{}", r.stderr);
    let r = run_env(&["render", "--name", "app"], GOOD.as_bytes(), &[("KUBECONFIG", &kubeconfig), ("HELM_NAMESPACE", "helmns")]);
    assert_eq!(ns_of(&r), "helmns");
    assert!(r.stderr.contains("using \"helmns\", from $HELM_NAMESPACE"), "{}", r.stderr);
    let r = run_env(&["render", "--name", "app", "-n", "flag"], GOOD.as_bytes(), &[("KUBECONFIG", &kubeconfig), ("HELM_NAMESPACE", "helmns")]);
    assert_eq!(ns_of(&r), "flag");
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let r = run(&["render", "--name", "app"], GOOD.as_bytes());
    assert_eq!(ns_of(&r), "default");
    assert!(r.stderr.contains("using \"default\", the default: no --namespace"), "{}", r.stderr);
    let own = GOOD.replace("application:\n", "application:\n  metadata:\n    namespace: own\n");
    let r = run_env(&["render", "--name", "app"], own.as_bytes(), &[("KUBECONFIG", &kubeconfig)]);
    assert_eq!(ns_of(&r), "own");
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A kubeconfig that is not valid YAML is not skipped in silence: the fallback to `default`
/// (Helm's too) says which file could not be read and why. A missing file is skipped, and an
/// empty one is an empty config, as kubectl reads them.
#[test]
fn an_unreadable_kubeconfig_is_named() {
    let dir = std::env::temp_dir().join(format!("releasegen-bad-kubeconfig-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad");
    std::fs::write(&bad, "apiVersion: v1\ncurrent-context: [unclosed\n").unwrap();
    let empty = dir.join("empty");
    std::fs::write(&empty, "").unwrap();
    let list = format!("{}:{}:{}", dir.join("missing").display(), empty.display(), bad.display());
    let r = run_env(&["render", "--name", "app"], GOOD.as_bytes(), &[("KUBECONFIG", &list)]);
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert_eq!(common_namespace(&r.stdout), "default");
    let want = format!("using \"default\", the default: no --namespace, no $HELM_NAMESPACE, and a kubeconfig could not be read: {}: not valid YAML:", bad.display());
    assert!(r.stderr.contains(&want), "{want:?} not in {}", r.stderr);
    assert!(r.stderr.contains("(line 3, column 1)") || r.stderr.contains("(line 2, column"), "{}", r.stderr);
    assert!(!r.stderr.contains("missing") && !r.stderr.contains(&empty.display().to_string()), "{}", r.stderr);
    let _ = std::fs::remove_dir_all(&dir);
}

fn common_namespace(stream: &str) -> String {
    let line = stream.lines().find(|l| l.starts_with("  namespace: ")).expect("a namespace");
    line.trim_start_matches("  namespace: ").to_string()
}

/// A Release document whose name or namespace differs from the flags is an error naming both.
#[test]
fn a_release_document_and_the_flags_must_agree() {
    let release = "apiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetadata:\n  name: web\n  namespace: shop\nspec:\n  environment: deployment\n  application:\n    versions:\n    - image: x\n";
    refuses_bytes(release.as_bytes(), &["render", "--name", "api"], "metadata.name: the Release is named \"web\", but --name (under Argo CD: the Application's name) says \"api\"");
    refuses_bytes(release.as_bytes(), &["render", "--namespace", "prod"], "metadata.namespace: the Release is in namespace \"shop\", but --namespace (under Argo CD: the Application's namespace) says \"prod\"");
    let r = run(&["render", "--name", "web", "-n", "shop"], release.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    // Without flags, the document's own name and namespace, with no note.
    let r = run(&["render"], release.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_eq!(common_namespace(&r.stdout), "shop");
}

/// A key written at the wrong level says where it belongs: `strategy` at the top
/// level would otherwise silently drop all routing.
#[test]
fn misplaced_keys_say_where_they_belong() {
    let values = "environment: deployment-istio\nstrategy: canary\napplication:\n  weight: 3\n  versions:\n  - image: x\n    strategy: canary\n    wieght: 3\n";
    let r = run(&["render", "--name", "a", "-n", "a"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    for want in [
        "warning: strategy: unknown key; did you mean application.strategy?",
        "warning: application.weight: unknown key; did you mean application.versions[i].weight?",
        "warning: application.versions[0].strategy: unknown key; did you mean application.strategy?",
        "warning: application.versions[0].wieght: unknown key; did you mean `weight`?",
    ] {
        assert!(r.stderr.contains(want), "{want:?} not in\n{}", r.stderr);
    }
    refuses_bytes(values.as_bytes(), &["render", "--name", "a", "-n", "a", "--strict"], "error: strategy: unknown key; did you mean application.strategy?");
}

/// Every problem points at the key's own line and column, not at the value (which
/// may start on a later line, or be an alias defined elsewhere).
#[test]
fn problems_point_at_the_key() {
    // A bad scalar: the key's column (3), not the value's (11).
    refuses(
        "environment: deployment-istio\napplication:\n  strategy: sideways\n  versions:\n  - image: x\n",
        "application.strategy: ",
    );
    let r = run(&["render", "--name", "app", "-n", "x"], b"environment: deployment-istio\napplication:\n  strategy: sideways\n  versions:\n  - image: x\n");
    assert!(r.stderr.contains("  --> <stdin>:3:3\n"), "{}", r.stderr);
    // A block value of the wrong kind: the key's line (2), not the line the block starts on.
    let r = run(&["render", "--name", "app", "-n", "x"], b"environment: deployment-istio\napplication:\n  - image: x\n");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("application: ") && r.stderr.contains("  --> <stdin>:2:1\n"), "{}", r.stderr);
    // An unknown key (a warning): the key itself.
    let r = run(&["render", "--name", "app", "-n", "x"], b"environment: deployment-istio\napplication:\n  versions:\n  - image: x\n    wieght:   3\n");
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("wieght: unknown key") && r.stderr.contains("  --> <stdin>:5:5\n"), "{}", r.stderr);
    // An alias: where it is used, not where the anchor was defined.
    let r = run(&["render", "--name", "app", "-n", "x"], b"x: &bad sideways\nenvironment: deployment-istio\napplication:\n  strategy: *bad\n  versions:\n  - image: x\n");
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stderr.contains("application.strategy: ") && r.stderr.contains("  --> <stdin>:4:3\n"), "{}", r.stderr);
}

/// `releasegen render … | head -1`: a reader that closes early is not an error, and the process
/// is not killed by SIGPIPE (main ignores it, as std's start-up did before `no_main`). The
/// stream is larger than a pipe's buffer, so the write meets the closed pipe.
#[test]
fn a_reader_that_closes_early_is_not_an_error() {
    use std::io::Read;
    let mut values = String::from("environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n");
    for i in 0..7 {
        values.push_str(&format!("  - image: example.com/app:{i}\n"));
    }
    use std::io::Write;
    let mut child = common::bin()
        .args(["render", "--name", "app", "--namespace", "default", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(values.as_bytes()).unwrap();
    let mut stdout = child.stdout.take().unwrap();
    let mut first = [0u8; 4];
    stdout.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"---\n");
    drop(stdout);
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "killed or failed: {:?}, stderr {}", out.status, String::from_utf8_lossy(&out.stderr));
}

/// A Gateway API backendRef's weight is at most 1000000 (the CRD's maximum); the controller
/// writes the declared weight, so a larger one would be refused by the API server at apply.
#[test]
fn gateway_api_weights_above_the_crd_maximum_are_refused() {
    let values = "environment: deployment-gtw\napplication:\n  strategy: blue-green\n  versions:\n  - image: x\n  - image: x\n    weight: 1000001\n";
    let r = run(&["render", "--name", "app", "-n", "x"], values.as_bytes());
    assert_eq!(r.code, Some(1), "{}", r.stderr);
    assert!(r.stdout.is_empty());
    assert!(r.stderr.contains("application.versions[1].weight: the Gateway API takes backendRef weights up to 1000000"), "{}", r.stderr);
    assert!(r.stderr.contains("  --> <stdin>:7:5"), "{}", r.stderr);
    let ok = values.replace("1000001", "1000000");
    assert_eq!(run(&["render", "--name", "app", "-n", "x"], ok.as_bytes()).code, Some(0));
}

/// `-a ""`, what `$(kubectl api-versions | paste -sd, -)` gives when kubectl cannot reach the
/// cluster, is refused rather than rendered at the default versions without a word.
#[test]
fn an_empty_api_versions_entry_is_refused() {
    let values = b"environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n  - image: x\n";
    for a in ["", "networking.istio.io/v1,"] {
        let r = run(&["render", "--name", "app", "-n", "x", "-a", a], values);
        assert_eq!(r.code, Some(1), "-a {a:?}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        assert!(r.stderr.contains("--api-versions: has an empty entry"), "{}", r.stderr);
    }
}

/// At a terminal with no file, a command that reads standard input says so on stderr instead
/// of waiting in silence; the render then goes on as usual. The terminal is a pseudo-terminal
/// that Python opens (a test cannot give a process a terminal otherwise).
#[test]
fn at_a_terminal_the_wait_for_stdin_is_said() {
    let script = r#"
import os, pty, subprocess, sys
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(slave)
os.write(master, b"environment: deployment\napplication: {versions: [{image: a}]}\n\x04")
out, err = p.communicate(timeout=30)
sys.stdout.write(f"{p.returncode}\n{len(out)}\n{err.decode()}")
"#;
    let out = common::hermetic(&mut Command::new("python3"))
        .args(["-c", script, env!("CARGO_BIN_EXE_releasegen"), "render", "--name", "app", "-n", "ns"])
        .output()
        .expect("python3 runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("0"), "{text}\n{}", String::from_utf8_lossy(&out.stderr));
    assert_ne!(lines.next(), Some("0"), "the release was rendered: {text}");
    let said = "note: reading the release values from standard input (a terminal): type or paste, then Ctrl-D; or give a file";
    assert_eq!(lines.next(), Some(said), "{text}");
    // Piped, as in every other test here, nothing is said.
    let r = run(&["render", "--name", "app", "-n", "ns"], GOOD.as_bytes());
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

/// `values` prints the merge and nothing else: the flags that shape a render are refused by
/// name (exit 2, nothing on stdout), never accepted and ignored.
#[test]
fn values_refuses_the_flags_it_would_ignore() {
    for args in [&["--strict"][..], &["--name", "app"], &["-n", "ns"], &["--namespace", "ns"], &["-a", "networking.istio.io/v1"]] {
        let mut all = vec!["values"];
        all.extend_from_slice(args);
        let r = run(&all, GOOD.as_bytes());
        assert_eq!(r.code, Some(2), "{args:?}: {}", r.stderr);
        assert!(r.stdout.is_empty(), "{args:?}: {}", r.stdout);
        let flag = match args[0] { "-n" => "--namespace", "-a" => "--api-versions", f => f };
        assert!(r.stderr.starts_with(&format!("error: {flag} changes what `render` makes of the values; `values` only prints them")), "{args:?}: {}", r.stderr);
    }
    let r = run(&["values", "--set", "application.strategy=canary"], GOOD.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("\"strategy\": \"canary\""), "{}", r.stdout);
}

/// A key written bare that YAML 1.1 reads as a boolean (`on:`, `yes:`, `y:`, `off:`, `No:` …)
/// means one thing to Helm (the key `true` or `false`) and another to releasegen (the text):
/// a warning names its path, how Helm reads it and how to quote it. Quoted, or `true:` itself,
/// nothing is said.
#[test]
fn a_bare_yaml11_boolean_key_is_warned() {
    let values = "environment: deployment-istio\napplication:\n  strategy: canary\n  routing:\n    retries:\n      attempts: 2\n      on: [5xx]\n  metadata:\n    labels:\n      Y: a\n      \"yes\": b\n      true: c\n  versions:\n  - image: a\n";
    let r = run(&["render", "--name", "app", "-n", "ns"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stdout.is_empty());
    let on = "warning: application.routing.retries.on: the key on is written bare: Helm's YAML reader (YAML 1.1, as kubectl's) reads it as the key `true`, releasegen as the text \"on\"; quote it (\"on\":) so the file means the same to both\n  --> <stdin>:7:7\n";
    assert!(r.stderr.contains(on), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.metadata.labels.Y: the key Y is written bare"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("is written bare").count(), 2, "{}", r.stderr);
    let quoted = values.replace("      on: [5xx]", "      \"on\": [5xx]").replace("      Y: a\n", "");
    let r = run(&["render", "--name", "app", "-n", "ns"], quoted.as_bytes());
    assert!(r.stderr.is_empty(), "{}", r.stderr);
}

/// The match field the environment does not route with is said to be ignored: without the
/// warning, a Gateway API canary given Istio's `match` would open its default cohort silently.
#[test]
fn the_other_apis_match_field_is_warned() {
    let gtw = "environment: deployment-gtw\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: app2\n    match:\n    - headers: {x-a: {exact: b}}\n";
    let r = run(&["render", "--name", "app", "-n", "default"], gtw.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.versions[1].match: is not used: the Gateway API routes with `matches`"), "{}", r.stderr);
    let istio = "environment: deployment-istio\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: app2\n    matches:\n    - headers: [{name: x-a, value: b}]\n";
    let r = run(&["render", "--name", "app", "-n", "default"], istio.as_bytes());
    assert!(r.stderr.contains("warning: application.versions[1].matches: is not used: environment deployment-istio routes with `match`"), "{}", r.stderr);
    // Under --strict, which pipelines use so that nothing they wrote is dropped silently, a
    // field the environment ignores is refused.
    for (values, said) in [
        (istio.to_string(), "error: application.versions[1].matches: is not used: environment deployment-istio routes with `match`"),
        (gtw.to_string(), "error: application.versions[1].match: is not used: the Gateway API routes with `matches`"),
        (istio.replace("application:\n", "application:\n  protocol: grpc\n"), "error: application.protocol: is not used: on Istio, gRPC is HTTP/2"),
        (istio.replace("strategy: canary", "strategy: none").replace("application:\n", "application:\n  routing: {timeout: 5s}\n"), "error: application.routing: is not used:"),
        // The primary has no cohort, and a mirror none at all: their clauses were once dropped
        // without a word.
        (
            gtw.replace("  - image: x\n", "  - image: x\n    matches: [{path: {value: /a}}]\n").replace("    match:\n    - headers: {x-a: {exact: b}}\n", ""),
            "error: application.versions[0].matches: is not used: the primary has no cohort",
        ),
        (
            istio.replace("strategy: canary", "strategy: mirror").replace("    matches:\n    - headers: [{name: x-a, value: b}]\n", "    match: [{uri: {prefix: /a}}]\n"),
            "error: application.versions[1].match: is not used: a mirror has no cohorts",
        ),
    ] {
        let strict = run(&["render", "--strict", "--name", "app", "-n", "default"], values.as_bytes());
        assert_eq!(strict.code, Some(1), "{}", strict.stderr);
        assert!(strict.stdout.is_empty());
        assert!(strict.stderr.contains(said), "{}", strict.stderr);
        assert!(strict.stderr.contains("--> <stdin>:"), "{}", strict.stderr);
    }
}

/// `protocol: grpc`: GRPCRoute clauses checked as its schema checks them, the policies it cannot
/// carry refused by name, and the protocol said to be unused on Istio.
#[test]
fn grpc_routes_are_checked_as_the_cluster_would() {
    let with = |routing: &str, m: &str| {
        format!("environment: deployment-gtw\napplication:\n  protocol: grpc\n  strategy: canary\n{routing}  versions:\n  - image: x\n  - image: app2\n    matches:\n    - {m}\n")
    };
    let at = "application.versions[1].matches[0]";
    refuses(&with("", "method: {service: \"hello world\"}"), &format!("error: {at}.method.service: \"hello world\" is not a gRPC service name"));
    refuses(&with("", "method: {method: Say.Hello}"), &format!("error: {at}.method.method: \"Say.Hello\" is not a gRPC method name"));
    refuses(&with("", "method: {type: Exact}"), &format!("error: {at}.method: a method match names a service, a method or both"));
    refuses(&with("", "method: {type: Prefix, service: a}"), &format!("error: {at}.method.type: \"Prefix\" is not a method match type"));
    refuses(&with("", "method: {type: RegularExpression, service: \"a**\"}"), &format!("error: {at}.method.service: not an RE2 regex as Go reads it"));
    refuses(&with("", "path: {value: /a}"), &format!("error: {at}.path: not a field of a match clause"));
    refuses(&with("  routing: {timeout: 5s}\n", "method: {service: a}"), "error: application.routing.timeout: a GRPCRoute has no timeouts (protocol: grpc)");
    refuses(&with("  routing: {cors: {allowOrigins: [\"https://a.example.com\"]}}\n", "method: {service: a}"), "error: application.routing.cors: a GRPCRoute has no CORS filter");
    refuses("environment: deployment-gtw\napplication:\n  protocol: http2\n  versions:\n  - image: x\n", "error: application.protocol: \"http2\" is not a protocol releasegen routes (http or grpc)");
    let r = run(&["render", "--name", "app", "-n", "default", "--ready", "all"], with("", "method: {service: helloworld.Greeter, method: SayHello}").as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("apiVersion: gateway.networking.k8s.io/v1\nkind: GRPCRoute\n"), "{}", r.stdout);
    assert!(r.stdout.contains("gvrShort: grpcroute"), "the routemap names the GRPCRoute's resource type");
    let istio = "environment: deployment-istio\napplication:\n  protocol: grpc\n  versions:\n  - image: x\n";
    let r = run(&["render", "--name", "app", "-n", "default"], istio.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.protocol: is not used: on Istio, gRPC is HTTP/2 and the VirtualService routes it as it is"), "{}", r.stderr);
}

#[test]
fn session_affinity_is_checked() {
    let with = |env: &str, strategy: &str, affinity: &str| {
        format!("environment: {env}\napplication:\n  strategy: {strategy}\n  sessionAffinity: {affinity}\n  versions:\n  - image: x\n  - image: z\n")
    };
    let istio = |affinity: &str| with("deployment-istio", "blue-green", affinity);
    let at = "application.sessionAffinity";
    refuses(&istio("{maxAge: 1h}"), &format!("error: {at}.cookie: is required: the cookie's name\n  --> <stdin>:4:3"));
    refuses(&istio("{cookie: v}"), &format!("error: {at}.maxAge: is required: how long a browser keeps the cookie"));
    refuses(&istio("{cookie: v, maxage: 1h}"), &format!("warning: {at}.maxage: unknown key; did you mean `maxAge`?"));
    refuses(&istio("{cookie: \"a b\", maxAge: 1h}"), &format!("error: {at}.cookie: \"a b\" is not a cookie name"));
    refuses(&istio("{cookie: \"50%\", maxAge: 1h}"), &format!("error: {at}.cookie: \"50%\" is not a cookie name"));
    refuses(&istio("{cookie: __Host-v, maxAge: 1h}"), &format!("error: {at}.cookie: \"__Host-v\": browsers drop a cookie named __Secure- or __Host- unless it is Secure"));
    refuses(&istio("{cookie: v, maxAge: 1500ms}"), &format!("error: {at}.maxAge: maxAge is whole seconds"));
    refuses(&istio("{cookie: v, maxAge: 9601h}"), &format!("error: {at}.maxAge: 34563600s is longer than browsers keep a cookie (400 days, 34560000s)"));
    refuses(&istio("{cookie: v, maxAge: 1d}"), &format!("error: {at}.maxAge: \"1d\" is not a duration"));
    refuses(&istio("{cookie: v, maxAge: 3600}"), &format!("error: {at}.maxAge: expected a string, found integer 3600; a duration has a unit, such as 3600s (with --set too)"));
    refuses(&istio("[v]"), &format!("error: {at}: expected a mapping"));
    refuses(&with("kserve", "blue-green", "{cookie: v, maxAge: 1h}").replace("image: ", "storageUri: gs://m/").replace("versions:", "modelFormat: sklearn\n  versions:"),
        &format!("error: {at}: version affinity is built for deployment-istio and deployment-gtw, not kserve"));

    // The affinity cookie is in every response: a policy may add a cookie of its own, not
    // replace or remove it.
    let policy = |ops: &str| istio("{cookie: v, maxAge: 1h}").replace("  versions:", &format!("  routing:\n    responseHeaders: {ops}\n  versions:"));
    refuses(&policy("{set: {Set-Cookie: a=b}}"), "error: application.routing.responseHeaders.set.Set-Cookie: every response carries the version-affinity cookie");
    refuses(&policy("{remove: [set-cookie]}"), "error: application.routing.responseHeaders.remove[0]: every response carries the version-affinity cookie");
    let r = run(&["render", "--name", "app", "-n", "default"], policy("{add: {set-cookie: a=b}}").as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);

    // The Gateway API's 16 rules: 8 cohorts, 8 affinity rules and the default rule.
    let mut many = "environment: deployment-gtw\napplication:\n  strategy: canary\n  sessionAffinity: {cookie: v, maxAge: 1h}\n  versions:\n".to_string();
    for i in 0..9 {
        many.push_str(&format!("  - image: x{i}\n"));
    }
    refuses(&many, "error: application.versions: 17 rules in the route with every version ready (8 for cohorts, 8 for version affinity and the default rule); the Gateway API takes at most 16 in a route");

    // Where it has nothing to do, it is said and ignored.
    for (env, strategy, why) in [
        ("deployment-istio", "mirror", "is not used: in mirror every request is served by the primary in every state"),
        ("deployment-istio", "none", "is not used: strategy none has no routing object to carry it (ignored)"),
        ("deployment", "none", "is not used: strategy none has no routing object to carry it (ignored)"),
    ] {
        let r = run(&["render", "--name", "app", "-n", "default"], with(env, strategy, "{cookie: v, maxAge: 1h}").as_bytes());
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert!(r.stderr.contains(&format!("warning: {at}: {why}")), "{}", r.stderr);
        assert!(!r.stdout.contains("set-cookie"), "{}", r.stdout);
    }

    // On the Gateway API a cohort clause with no header, method or path is outranked by the
    // cookie rules: said at the clause.
    let query = "environment: deployment-gtw\napplication:\n  strategy: canary\n  sessionAffinity: {cookie: v, maxAge: 1h}\n  versions:\n  - image: x\n  - image: z\n    matches:\n    - headers: [{name: x-beta, value: \"1\"}]\n    - queryParams: [{name: beta, value: \"1\"}]\n";
    let r = run(&["render", "--name", "app", "-n", "default"], query.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.versions[1].matches[1]: has no header, method, exact path or prefix longer than \"/\", so the version-affinity rules outrank it on the Gateway API"), "{}", r.stderr);
    assert!(r.stderr.contains("  --> <stdin>:10:7"), "{}", r.stderr);
    assert!(!r.stderr.contains("matches[0]"), "{}", r.stderr);
    for (path, outranked) in [("{type: PathPrefix, value: /beta}", false), ("{type: Exact, value: /}", false), ("{type: PathPrefix, value: /}", true), ("{value: /}", true), ("{type: RegularExpression, value: /b.*}", true)] {
        let values = query.replace("queryParams: [{name: beta, value: \"1\"}]", &format!("path: {path}"));
        let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
        assert_eq!(r.code, Some(0), "{}", r.stderr);
        assert_eq!(r.stderr.contains("matches[1]: has no header, method, exact path"), outranked, "{path}: {}", r.stderr);
    }
}

/// The command line says what it takes and what went wrong, as a tired person needs it:
/// `values --help` lists only what `values` takes (the render flags it refuses are hidden);
/// `route --help` does not offer stdin for the values; two positional files get a hint to
/// `-f`; `help --help` is the general help; a limit is stated without a size the command
/// never measured; an API version that is no API version is refused; several errors come in
/// the order of their places in the values; the routemap refusal points at the versions.
#[test]
fn the_command_line_says_what_it_takes() {
    let help = run(&["values", "--help"], b"");
    assert_eq!(help.code, Some(0));
    for flag in ["--name", "--namespace", "--api-versions", "--strict"] {
        assert!(!help.stdout.contains(flag), "values --help lists {flag}:\n{}", help.stdout);
    }
    assert!(help.stdout.contains("Print the values as releasegen combines them"), "{}", help.stdout);
    let refused = run(&["values", "--name", "a"], GOOD.as_bytes());
    assert_eq!(refused.code, Some(2));
    assert!(refused.stderr.contains("error: --name changes what `render` makes of the values"), "{}", refused.stderr);
    let route = run(&["route", "--help"], b"");
    assert!(route.stdout.contains("`-` reads stdin (except in `route`, whose stdin is the live objects)"), "{}", route.stdout);
    let two = run(&["render", "a.yaml", "b.yaml"], b"");
    assert_eq!((two.code, two.stdout.as_str()), (Some(2), ""));
    assert!(two.stderr.contains("to merge several, give each with -f, as with Helm: -f FIRST.yaml -f b.yaml"), "{}", two.stderr);
    let help_help = run(&["help", "--help"], b"");
    assert_eq!(help_help.code, Some(0), "{}", help_help.stderr);
    assert!(help_help.stdout.contains("Usage: releasegen <COMMAND>"));
    let big = run(&["render", "--name", "app", "-n", "x", "--max-input-bytes", "10"], GOOD.as_bytes());
    assert_eq!(big.code, Some(1));
    assert!(big.stderr.contains("more than the limit of 10 bytes") && !big.stderr.contains("11 bytes"), "{}", big.stderr);
    let nonsense = run(&["render", "--name", "app", "-n", "x", "-a", "nonsense"], GOOD.as_bytes());
    assert_eq!(nonsense.code, Some(1));
    assert!(nonsense.stderr.contains("error: --api-versions: \"nonsense\" is not an API version"), "{}", nonsense.stderr);
    for good in ["v1", "apps/v1", "networking.istio.io/v1/VirtualService", "gateway.networking.k8s.io/v1beta1"] {
        assert_eq!(run(&["render", "--name", "app", "-n", "x", "-a", good], GOOD.as_bytes()).code, Some(0), "{good}");
    }
    // Found by different parts of validation, said from the top of the file down.
    let two_errors = "environment: deployment-istio\napplication:\n  versions:\n  - image: x\n    weight: lots\n  strategy: sideways\n";
    let r = run(&["render", "--name", "app", "-n", "x"], two_errors.as_bytes());
    let lines: Vec<usize> = r.stderr.lines().filter_map(|l| l.strip_prefix("  --> <stdin>:")).filter_map(|l| l.split(':').next()?.parse().ok()).collect();
    assert!(lines.len() >= 2 && lines.windows(2).all(|w| w[0] <= w[1]), "{}", r.stderr);
    let mut eight = String::from("environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n");
    for i in 0..8 {
        eight.push_str(&format!("  - image: app:{i}\n"));
    }
    let r = run(&["render", "--name", "app", "-n", "x"], eight.as_bytes());
    assert_eq!(r.code, Some(1));
    assert!(r.stderr.contains("error: application.versions: 8 versions have 2^8 readiness states") && r.stderr.contains("  --> <stdin>:5:5"), "{}", r.stderr);
}

/// `backend: inferencepool`: each refusal names the field, its place and the reason, with
/// nothing on stdout; the same values with the one field mended render.
#[test]
fn inference_pool_refusals_name_their_field() {
    let release = |strategy: &str, extra: &str, version: &str| {
        format!(
            "environment: deployment-gtw\napplication:\n  strategy: {strategy}\n  backend: inferencepool\n{extra}  inferencePool:\n    endpointPicker:\n      port: 9002\n  versions:\n  - image: a\n    inferencePool:\n      endpointPicker:\n        name: epp-0\n  - image: b\n{version}"
        )
    };
    let picker = "    inferencePool:\n      endpointPicker:\n        name: epp-1\n";
    let cases: &[(String, &str, &str)] = &[
        (release("canary", "", ""), "application.versions[1].inferencePool.endpointPicker.name: is required with `backend: inferencepool`", "--> <stdin>:13:5"),
        (release("mirror", "", picker), "application.backend: inferencepool takes blue-green or canary", "--> <stdin>:4:3"),
        (release("canary", "  protocol: grpc\n", picker), "application.backend: inferencepool takes an HTTPRoute", "--> <stdin>:4:3"),
        (release("canary", "", "    serviceSpecification: {spec: {ports: [{port: 80}]}}\n"), "application.versions[1].serviceSpecification: is not used with `backend: inferencepool`", "--> <stdin>:14:5"),
        (
            release("canary", "", "    deploymentSpecification: {spec: {selector: {matchExpressions: [{key: a, operator: Exists}]}}}\n"),
            "application.versions[1].deploymentSpecification.spec.selector: an InferencePool selects pods by matchLabels only",
            "--> <stdin>:14:38",
        ),
        (
            release("canary", "", "    deploymentSpecification: {spec: {selector: {matchLabels: {}}}}\n"),
            "application.versions[1].deploymentSpecification.spec.selector: needs matchLabels (label to text)",
            "--> <stdin>:14:38",
        ),
        (
            release("canary", "", "    deploymentSpecification: {spec: {selector: {matchLabels: {app: b, tier: 2}}}}\n"),
            "application.versions[1].deploymentSpecification.spec.selector: needs matchLabels (label to text)",
            "--> <stdin>:14:38",
        ),
        (release("canary", "", "    inferencePool: {endpointPicker: {name: epp-1, failureMode: Never}}\n"), "\"Never\" is not a failure mode (FailClose or FailOpen)", "--> <stdin>:14:51"),
        (
            release("canary", "", "    inferencePool: {appProtocol: grpc, endpointPicker: {name: epp-1}}\n"),
            "application.versions[1].inferencePool.appProtocol: \"grpc\" is not an application protocol of an InferencePool (http or kubernetes.io/h2c)",
            "--> <stdin>:14:21",
        ),
        (
            release("canary", "", picker).replace("      port: 9002\n", "      port: 9002\n      name: shared\n"),
            "application.inferencePool.endpointPicker.name: one endpoint picker serves one InferencePool",
            "--> <stdin>:8:7",
        ),
        (release("canary", "", picker).replace("deployment-gtw", "deployment-istio"), "application.backend: inferencepool is for deployment-gtw", "--> <stdin>:4:3"),
        (release("canary", "", picker).replace("inferencepool", "pools"), "\"pools\" is not a backend releasegen routes to (service or inferencepool)", "--> <stdin>:4:3"),
    ];
    for (values, message, at) in cases {
        refuses(values, message);
        refuses(values, at);
    }
    // The twin: every refusal above mends to this, which renders with no warning.
    let r = run(&["render", "--name", "app", "-n", "default", "--strict"], release("canary", "", picker).as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    assert_eq!(r.stdout.matches("\nkind: InferencePool\n").count(), 2, "{}", r.stdout);
}

/// A picker named for the whole application serves a release of one version: its one pool.
#[test]
fn an_application_picker_name_serves_a_single_version() {
    let values = "environment: deployment-gtw\napplication:\n  strategy: canary\n  backend: inferencepool\n  inferencePool:\n    endpointPicker: {name: epp, port: 9002}\n  versions:\n  - image: a\n";
    let r = run(&["render", "--name", "app", "-n", "default", "--strict"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stdout.contains("endpointPickerRef:\n    name: epp\n"), "{}", r.stdout);
}

/// `inferencePool` where the backend is the Service: said and ignored, an error under --strict.
#[test]
fn inference_pool_without_the_backend_is_ignored_aloud() {
    let values = "environment: deployment-gtw\napplication:\n  strategy: canary\n  versions:\n  - image: a\n    inferencePool: {endpointPicker: {port: 9002}}\n";
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.versions[0].inferencePool: is not used: the backend is the version's Service"), "{}", r.stderr);
    assert!(!r.stdout.contains("InferencePool"));
    refuses_bytes(values.as_bytes(), &["render", "--name", "app", "--strict"], "error: application.versions[0].inferencePool: is not used");
}
