//! `application.route`: every refusal names its field, its place and the reason, exits 1 and
//! writes nothing on stdout; the values each refusal was made from render cleanly under
//! `--strict`, so each case fails for its own reason alone.

mod common;

use common::run_bin as run;

fn refuses(values: &str, message: &str, at: &str) {
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(1), "exit status for {message:?}; stderr:\n{}", r.stderr);
    assert!(r.stdout.is_empty(), "stdout must be empty, got:\n{}", r.stdout);
    assert!(r.stderr.contains(message), "expected {message:?} in stderr:\n{}", r.stderr);
    assert!(r.stderr.contains(at), "expected {at:?} in stderr:\n{}", r.stderr);
    assert!(!r.stderr.contains("panicked"), "{}", r.stderr);
}

fn renders_clean(values: &str) -> String {
    let r = run(&["render", "--name", "app", "-n", "default", "--strict"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.is_empty(), "{}", r.stderr);
    r.stdout
}

const GTW: &str = "environment: deployment-gtw
application:
  strategy: canary
  route:
    parentRefs:
    - name: web
    rules:
    - matches:
      - path: {type: PathPrefix, value: /static}
      backendRefs:
      - name: static
        port: 80
    - matches:
      - path: {type: PathPrefix, value: /api}
      release: true
  versions:
  - image: a
  - image: b
";

/// `GTW` with `from` replaced by `to` (which must be there).
fn gtw(from: &str, to: &str) -> String {
    assert!(GTW.contains(from), "{from:?}");
    GTW.replacen(from, to, 1)
}

#[test]
fn gateway_api_refusals_name_their_field() {
    let marked = "      release: true\n";
    let cases: Vec<(String, &str, &str)> = vec![
        (gtw(marked, ""), "application.route.rules: no rule is marked `release: true`", "<stdin>:7:5"),
        (gtw("      backendRefs:\n", "      release: true\n      backendRefs:\n"), "application.route.rules[1].release: a second rule marked `release: true` (application.route.rules[0] is the first)", "<stdin>:16:7"),
        (gtw(marked, "      release: true\n      backendRefs: [{name: x, port: 80}]\n"), "application.route.rules[1].backendRefs: the release writes this rule's backends", "<stdin>:16:7"),
        (
            gtw(marked, "      release: true\n      filters: [{type: RequestRedirect, requestRedirect: {hostname: x.example.com}}]\n"),
            "application.route.rules[1].filters: a RequestRedirect filter cannot stand beside the release's backends",
            "<stdin>:16:7",
        ),
        (
            gtw(marked, "      release: true\n      filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: App-Version, value: x}]}}]\n"),
            "application.route.rules[1].filters[0]: changes the app-version response header",
            "<stdin>:16:17",
        ),
        (gtw("- name: static", "- name: app-1"), "application.route.rules[0].backendRefs[0].name: names version 1's Service", "<stdin>:11:9"),
        (
            gtw("  - image: b\n", "  - image: b\n    matches: [{path: {type: PathPrefix, value: /beta}}]\n"),
            "application.versions[1].matches[0]: sets `path` differently from application.route.rules[1].matches[0]",
            "<stdin>:19:15",
        ),
        (
            gtw("  strategy: canary\n", "  strategy: canary\n  routing: {timeout: 5s}\n").replacen(marked, "      release: true\n      timeouts: {request: 9s}\n", 1),
            "application.route.rules[1].timeouts: application.routing.timeout sets this rule's timeouts too",
            "<stdin>:17:7",
        ),
        (
            gtw("  strategy: canary\n", "  strategy: canary\n  routing: {requestHeaders: {set: {a: b}}}\n")
                .replacen(marked, "      release: true\n      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: c, value: d}]}}]\n", 1),
            "application.routing.requestHeaders writes a RequestHeaderModifier filter into this rule too",
            "<stdin>:17:7",
        ),
        (gtw("    parentRefs:\n    - name: web\n", ""), "application.route.parentRefs: the route needs its parentRefs", "<stdin>:4:3"),
        (gtw("    rules:\n", "    http:\n"), "application.route.http: not a field of the route (hostnames, parentRefs, rules); this environment's route holds its rules in `rules`", "<stdin>:7:5"),
        (gtw("deployment-gtw", "kserve"), "application.route: a route of your own is for deployment-istio and deployment-gtw", "<stdin>:4:3"),
        (format!("gateway: web\n{GTW}"), "gateway: with application.route, the route says where it attaches (its parentRefs)", "<stdin>:1:1"),
        (gtw(marked, "      release: \"yes\"\n"), "application.route.rules[1].release: expected true or false, found \"yes\"", "<stdin>:15:7"),
        (gtw("    - matches:\n      - path: {type: PathPrefix, value: /static}\n", "    - filters: [{type: Rewrite}]\n"), "\"Rewrite\" is not a filter type of this route", "<stdin>:8:18"),
        (gtw("        port: 80\n", ""), "application.route.rules[0].backendRefs[0]: a Service backendRef needs its port", "<stdin>:11:9"),
        (gtw("    - matches:\n      - path: {type: PathPrefix, value: /api}\n", "    - name: api\n      matches:\n      - path: {type: PathPrefix, value: /api}\n").replacen("    - matches:\n      - path: {type: PathPrefix, value: /static}\n", "    - name: api\n      matches:\n      - path: {type: PathPrefix, value: /static}\n", 1), "application.route.rules[1].name: \"api\" names two rules", "<stdin>:14:7"),
        (
            gtw("  strategy: canary\n", "  strategy: canary\n  sessionAffinity: {cookie: v, maxAge: 60s}\n").replacen("      - path: {type: PathPrefix, value: /api}\n", "      - path: {type: PathPrefix, value: /api}\n        headers: [{name: Cookie, value: x}]\n", 1),
            "application.route.rules[1].matches[0]: matches the Cookie header, which version affinity matches",
            "<stdin>:15:9",
        ),
        (gtw("      - path: {type: PathPrefix, value: /static}\n", "      - path: {type: PathPrefix, value: static}\n"), "application.route.rules[0].matches[0].path.value: \"static\" is not an absolute path", "<stdin>:9:34"),
    ];
    for (values, message, at) in &cases {
        refuses(values, message, at);
    }
    renders_clean(GTW);
}

/// Route limits count the user's rules: 15 of them, a cohort and the primary's rule are 17.
#[test]
fn the_users_rules_count_toward_the_route_limits() {
    let mut values = GTW.to_string();
    for i in 0..14 {
        values = values.replacen("    - matches:\n      - path: {type: PathPrefix, value: /api}\n", &format!("    - matches: [{{path: {{type: PathPrefix, value: /p{i}}}}}]\n      backendRefs: [{{name: s{i}, port: 80}}]\n    - matches:\n      - path: {{type: PathPrefix, value: /api}}\n"), 1);
    }
    refuses(&values, "17 rules in the route with every version ready (1 for cohorts, 15 of application.route and the default rule); the Gateway API takes at most 16", "<stdin>:");
    // One fewer is admitted.
    let fewer = values.replacen("    - matches: [{path: {type: PathPrefix, value: /p0}}]\n      backendRefs: [{name: s0, port: 80}]\n", "", 1);
    renders_clean(&fewer);
}

const ISTIO: &str = "environment: deployment-istio
application:
  strategy: blue-green
  route:
    hosts: [shop.example.com]
    http:
    - name: static
      match:
      - uri: {prefix: /static}
      route:
      - destination: {host: static.web.svc.cluster.local}
    - name: api
      match:
      - uri: {prefix: /api}
      release: true
  versions:
  - image: a
  - image: b
";

fn istio(from: &str, to: &str) -> String {
    assert!(ISTIO.contains(from), "{from:?}");
    ISTIO.replacen(from, to, 1)
}

#[test]
fn istio_refusals_name_their_field() {
    let marked = "      release: true\n";
    let cases: Vec<(String, &str, &str)> = vec![
        (istio(marked, "      release: true\n      route: [{destination: {host: x}}]\n"), "application.route.http[1].route: the release writes where this rule's requests go", "<stdin>:16:7"),
        (istio(marked, "      release: true\n      redirect: {uri: /x}\n"), "application.route.http[1].redirect: the release writes where this rule's requests go", "<stdin>:16:7"),
        (istio("      route:\n      - destination: {host: static.web.svc.cluster.local}\n", ""), "application.route.http[0]: a rule needs a route, redirect, directResponse or delegate", "<stdin>:7:7"),
        (istio("static.web.svc.cluster.local", "app-1.default.svc"), "application.route.http[0].route[0].destination.host: is version 1's Service", "<stdin>:11:23"),
        (istio("static.web.svc.cluster.local", "app-0"), "application.route.http[0].route[0].destination.host: is version 0's Service", "<stdin>:11:23"),
        (istio("static.web.svc.cluster.local", "app-1.default"), "application.route.http[0].route[0].destination.host: is version 1's Service", "<stdin>:11:23"),
        (istio("static.web.svc.cluster.local", "app-1.default.svc.cluster.local"), "application.route.http[0].route[0].destination.host: is version 1's Service", "<stdin>:11:23"),
        (
            istio("  strategy: blue-green\n", "  strategy: blue-green\n  routing: {responseHeaders: {set: {a: b}}}\n").replacen(marked, "      release: true\n      headers: {request: {set: {c: d}}}\n", 1),
            "application.route.http[1].headers: application.routing.requestHeaders or responseHeaders sets this rule's `headers` too",
            "<stdin>:17:7",
        ),
        (istio(marked, "      release: true\n      headers: {response: {remove: [app-version]}}\n"), "application.route.http[1].headers: changes the app-version response header", "<stdin>:16:7"),
        (istio(marked, "      release: true\n      headers: {response: {set: {App-Version: x}}}\n"), "application.route.http[1].headers: changes the app-version response header", "<stdin>:16:7"),
        (istio("    hosts: [shop.example.com]\n", ""), "application.route.hosts: the route needs its hosts", "<stdin>:4:3"),
        (
            istio("  - image: b\n", "  - image: b\n    match: [{uri: {prefix: /beta}}]\n"),
            "application.versions[1].match[0]: sets `uri` differently from application.route.http[1].match[0]",
            "<stdin>:19:13",
        ),
        (istio("    http:\n", "    rules:\n"), "application.route.rules: not a field of the route (hosts, gateways, http, exportTo); this environment's route holds its rules in `http`", "<stdin>:6:5"),
        (istio(marked, "      release: true\n      tcp: []\n"), "application.route.http[1].tcp: not a field here", "<stdin>:16:7"),
        (
            istio("  strategy: blue-green\n", "  strategy: blue-green\n  routing: {timeout: 5s}\n").replacen(marked, "      release: true\n      timeout: 9s\n", 1),
            "application.route.http[1].timeout: application.routing.timeout sets this rule's `timeout` too",
            "<stdin>:17:7",
        ),
        (
            istio("  strategy: blue-green\n", "  strategy: blue-green\n  routing: {retries: {attempts: 2}}\n").replacen(marked, "      release: true\n      retries: {attempts: 3}\n", 1),
            "application.route.http[1].retries: application.routing.retries sets this rule's `retries` too",
            "<stdin>:17:7",
        ),
        (
            istio("  strategy: blue-green\n", "  strategy: blue-green\n  routing: {cors: {allowOrigins: [\"*\"]}}\n").replacen(marked, "      release: true\n      corsPolicy: {allowMethods: [GET]}\n", 1),
            "application.route.http[1].corsPolicy: application.routing.cors sets this rule's `corsPolicy` too",
            "<stdin>:17:7",
        ),
        (istio("      route:\n", "      redirect: {uri: /x}\n      route:\n"), "application.route.http[0]: a rule takes one of route, redirect, directResponse and delegate; this one has redirect and route", "<stdin>:7:7"),
        (istio("    hosts: [shop.example.com]\n", "    hosts: []\n"), "application.route.hosts: the route needs at least one host", "<stdin>:5:5"),
        (istio("{host: static.web.svc.cluster.local}", "{port: {number: 80}}"), "application.route.http[0].route[0].destination.host: a destination needs its host", "<stdin>:11:9"),
    ];
    for (values, message, at) in &cases {
        refuses(values, message, at);
    }
    renders_clean(ISTIO);
    // The same fields where the policy does not set them: carried into the release's rules.
    let own = istio(marked, "      release: true\n      timeout: 9s\n      retries: {attempts: 3}\n      corsPolicy: {allowMethods: [GET]}\n      headers: {request: {set: {x-api: \"1\"}}}\n");
    let out = renders_clean(&own);
    assert!(out.contains("timeout: \"9s\"") && out.contains("attempts: 3") && out.contains("x-api: \"1\""), "{out}");
}

/// Istio tries rules in order: a rule after the marked rule, when that matches every request,
/// is reached by none. Said where the rule is; Istio says it too.
#[test]
fn a_rule_after_a_match_all_rule_is_said_to_be_unreachable() {
    let values = istio("      match:\n      - uri: {prefix: /api}\n      release: true\n", "      release: true\n    - name: late\n      directResponse: {status: 404}\n");
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.route.http[2]: is reached by no request: application.route.http[1] before it matches every request"), "{}", r.stderr);
    assert!(r.stderr.contains("<stdin>:14:7"), "{}", r.stderr);
    assert_eq!(r.stderr.matches("is reached by no request").count(), 1, "{}", r.stderr);
    // With the marked rule matching a path, the rule after it is reached: nothing is said.
    let reached = istio("      release: true\n", "      release: true\n    - name: late\n      directResponse: {status: 404}\n");
    renders_clean(&reached);
}

/// With strategy none there is no routing object to put the route in: said, and an error under
/// --strict.
#[test]
fn a_route_without_routing_is_ignored_aloud() {
    let values = gtw("strategy: canary", "strategy: none");
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.route: is not used: strategy none renders no routing object"), "{}", r.stderr);
    assert!(!r.stdout.contains("HTTPRoute"));
    let strict = run(&["render", "--name", "app", "-n", "default", "--strict"], values.as_bytes());
    assert_eq!(strict.code, Some(1));
    assert!(strict.stdout.is_empty());
}

/// The user's rules reach every readiness state as written and in order, and the marked rule's
/// matches confine the release's rules, in `--ready` and `states` alike.
#[test]
fn the_users_rules_surround_the_release_in_every_state() {
    let values = gtw("  - image: b\n", "  - image: b\n    matches: [{headers: [{name: x-beta, value: \"1\"}]}]\n");
    for ready in ["none", "0", "1", "all"] {
        let out = run(&["render", "--name", "app", "-n", "default", "--ready", ready], values.as_bytes()).stdout;
        // The live routing object: the document of its own, not the routemap's copies.
        let route = &out[out.rfind("\nkind: HTTPRoute\n").expect("an HTTPRoute")..];
        let statics = route.find("value: /static").expect("the user's rule");
        let primary = route.find("name: app-0").expect("the primary");
        assert!(statics < primary, "{ready}: the user's rule first\n{route}");
        assert_eq!(route.matches("value: /api").count(), if ready == "1" || ready == "all" { 2 } else { 1 }, "{ready}: the cohort within /api\n{route}");
    }
    let states = run(&["states", "--name", "app", "-n", "default"], values.as_bytes()).stdout;
    let row = |m: &str, to: &str| states.lines().any(|l| l.contains(&format!("| {m} ")) && l.contains(&format!("| {to} ")));
    assert!(row("path prefix \"/api\" and header x-beta exact \"1\"", "app-1 100%"), "{states}");
    assert!(row("path prefix \"/static\"", "static 100%"), "{states}");
    assert!(row("path prefix \"/api\"", "app-0 100%"), "{states}");
}

/// A path prefix rewrite in the marked rule reaches every rule of the release, and the Gateway
/// API takes one only in a rule of one PathPrefix match: a cohort of two clauses, or a marked
/// rule of two paths, is refused; one clause each renders.
#[test]
fn a_prefix_rewrite_needs_one_prefix_match_in_every_release_rule() {
    let rewrite = "      release: true\n      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]\n";
    let one = gtw("      release: true\n", rewrite).replacen("  - image: b\n", "  - image: b\n    matches: [{headers: [{name: x, value: \"1\"}]}]\n", 1);
    renders_clean(&one);
    let two = one.replacen("matches: [{headers: [{name: x, value: \"1\"}]}]", "matches: [{headers: [{name: x, value: \"1\"}]}, {headers: [{name: y, value: \"1\"}]}]", 1);
    refuses(&two, "application.versions[1].matches: 2 clauses, and the rule marked `release: true` rewrites a path prefix", "<stdin>:20:5");
    let paths = one.replacen("      - path: {type: PathPrefix, value: /api}\n", "      - path: {type: PathPrefix, value: /api}\n      - path: {type: PathPrefix, value: /v2}\n", 1);
    refuses(&paths, "application.route.rules[1].filters: a URLRewrite or RequestRedirect with ReplacePrefixMatch needs its rule to match exactly one PathPrefix path", "<stdin>:");
    // A rule of the user's is held to the same.
    let users = gtw("        port: 80\n", "        port: 80\n      filters: [{type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /}}}]\n")
        .replacen("      - path: {type: PathPrefix, value: /static}\n", "      - path: {type: Exact, value: /static}\n", 1);
    refuses(&users, "application.route.rules[0].filters: a URLRewrite or RequestRedirect with ReplacePrefixMatch", "<stdin>:13:7");
}

/// A rule of the user's that takes every request of a cohort hides it: said at the cohort's
/// place, naming the rule as the user's.
#[test]
fn a_cohort_a_users_rule_hides_is_said() {
    let values = gtw("      - path: {type: PathPrefix, value: /static}\n", "      - path: {type: PathPrefix, value: /api}\n        headers: [{name: traffic, value: test}]\n");
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    let said = "warning: application.versions[1]: version 1's default cohort (header traffic: test) is reached by no request in readiness states 1, 0-1: rule rules[0] of application.route (to static) is tried first and takes every request it matches; change the cohort, or that rule";
    assert!(r.stderr.contains(said), "{}", r.stderr);
    assert!(r.stderr.contains("<stdin>:19:5"), "{}", r.stderr);
    let strict = run(&["render", "--name", "app", "-n", "default", "--strict"], values.as_bytes());
    assert_eq!((strict.code, strict.stdout.is_empty()), (Some(1), true), "{}", strict.stderr);
}

/// `release: false` is releasegen's key too: never written out, as `release: true` is not.
#[test]
fn the_release_key_is_never_written() {
    let values = gtw("        port: 80\n", "        port: 80\n      release: false\n");
    let out = renders_clean(&values);
    assert!(!out.lines().any(|l| l.trim_start().trim_start_matches("- ").starts_with("release:")), "{out}");
    assert!(out.contains("name: static"), "{out}");
}

/// What the Gateway API takes, releasegen takes: a user rule with every filter type an
/// HTTPRoute has (RequestMirror and ExtensionRef twice, which the API allows), a redirect rule
/// without backends, an InferencePool backend without a port, attachments with ports, 16
/// hostnames with a wildcard, 32 parentRefs, 16 backends and 16 filters in a rule, a backend of
/// another group's kind Service without a port (only the core Service needs one). Each refusal
/// below is one step past one of these.
#[test]
fn the_gateway_apis_limits_are_the_limits() {
    let filters = "      filters:\n      - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: a, value: b}]}}\n      - {type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: c, value: d}]}}\n      - {type: RequestMirror, requestMirror: {backendRef: {name: shadow, port: 80}}}\n      - {type: RequestMirror, requestMirror: {backendRef: {name: shadow-2, port: 80}}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: a}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: b}}\n      - {type: URLRewrite, urlRewrite: {hostname: static.example.com}}\n      - {type: CORS, cors: {allowOrigins: [\"https://example.com\"]}}\n";
    let hosts: Vec<String> = (0..15).map(|i| format!("h{i}.example.com")).collect();
    let parents: String = (1..32).map(|i| format!("    - {{name: gw-{i}, port: 443}}\n")).collect();
    let backends: String = (1..16).map(|i| format!("      - {{name: s{i}, port: 80}}\n")).collect();
    let base = gtw("        port: 80\n", &format!("        port: 80\n{backends}{filters}"))
        .replacen("    parentRefs:\n    - name: web\n", &format!("    hostnames: [\"*.example.com\", {}]\n    parentRefs:\n    - name: web\n{parents}", hosts.join(", ")), 1)
        .replacen("    - matches:\n      - path: {type: PathPrefix, value: /api}\n", "    - matches: [{path: {type: PathPrefix, value: /old}}, {path: {type: PathPrefix, value: /older}}]\n      filters: [{type: RequestRedirect, requestRedirect: {statusCode: 301}}]\n    - matches: [{path: {type: PathPrefix, value: /pool}}, {path: {type: Exact, value: /pools}}]\n      backendRefs: [{group: inference.networking.k8s.io, kind: InferencePool, name: app-1}, {group: example.com, kind: Service, name: ext}]\n    - matches:\n      - path: {type: PathPrefix, value: /api}\n", 1);
    renders_clean(&base);
    let step = |from: &str, to: &str| {
        assert!(base.contains(from), "{from:?}");
        base.replacen(from, to, 1)
    };
    let cases: Vec<(String, &str)> = vec![
        (step("    hostnames: [", "    hostnames: [h15.example.com, "), "application.route.hostnames: 17 hostnames; the Gateway API takes at most 16"),
        (step("\"*.example.com\"", "Shop.example.com"), "application.route.hostnames[0]: \"Shop.example.com\" is not a hostname"),
        (step("    - name: web\n", "    - name: web\n    - name: gw-32\n"), "application.route.parentRefs: 33 parentRefs; the Gateway API takes at most 32"),
        (step("{name: gw-1, port: 443}", "{name: gw-1, port: 70000}"), "application.route.parentRefs[1].port: a port number (1-65535) must be at most 65535"),
        (step("      - {name: s1, port: 80}\n", "      - {name: s1, port: 80}\n      - {name: s16, port: 80}\n"), "application.route.rules[0].backendRefs: 17 backendRefs; the Gateway API takes at most 16"),
        (step("{name: s1, port: 80}", "{name: s1, port: 70000}"), "application.route.rules[0].backendRefs[1].port: a port number (1-65535) must be at most 65535"),
        (step("{name: s1, port: 80}", "{name: s1, port: 80, weight: 1000001}"), "application.route.rules[0].backendRefs[1].weight: a weight (0 to 1000000) must be at most 1000000"),
        (step("      - {type: CORS", "      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: c}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: d}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: e}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: f}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: g}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: h}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: i}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: j}}\n      - {type: ExtensionRef, extensionRef: {group: example.com, kind: Auth, name: k}}\n      - {type: CORS"), "application.route.rules[0].filters: 17 filters; the Gateway API takes at most 16 in a rule"),
        (step("      - {type: CORS", "      - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x, value: y}]}}\n      - {type: CORS"), "application.route.rules[0].filters[7].type: a second RequestHeaderModifier filter"),
        (step("      - {type: CORS", "      - {type: CORS, cors: {allowOrigins: [\"https://a.example.com\"]}}\n      - {type: CORS"), "application.route.rules[0].filters[8].type: a second CORS filter"),
        (step("{type: CORS, cors: {", "{type: CORS, urlRewrite: {hostname: x}, cors: {"), "application.route.rules[0].filters[7].urlRewrite: not a field here (type, cors)"),
        (step("{type: CORS, cors: {allowOrigins: [\"https://example.com\"]}}", "{type: CORS}"), "application.route.rules[0].filters[7]: a CORS filter needs its `cors`"),
        (step("[{type: RequestRedirect, requestRedirect: {statusCode: 301}}]", "[{type: RequestRedirect, requestRedirect: {statusCode: 301}}, {type: URLRewrite, urlRewrite: {hostname: x}}]"), "application.route.rules[1].filters: a RequestRedirect and a URLRewrite filter in one rule"),
        (step("      filters: [{type: RequestRedirect", "      backendRefs: [{name: old, port: 80}]\n      filters: [{type: RequestRedirect"), "application.route.rules[1].filters: a RequestRedirect filter cannot stand beside backendRefs"),
        (step("kind: InferencePool, name: app-1}", "kind: InferencePool, name: app-1, port: 70000}"), "application.route.rules[2].backendRefs[0].port: a port number"),
        (step("    - matches: [{path: {type: PathPrefix, value: /pool}}", "    - name: Pool\n      matches: [{path: {type: PathPrefix, value: /pool}}"), "application.route.rules[2].name: \"Pool\""),
        (step("    - matches: [{path: {type: PathPrefix, value: /pool}}", "    - sessionPersistence: {}\n      matches: [{path: {type: PathPrefix, value: /pool}}"), "application.route.rules[2].sessionPersistence: not a field here (name, matches, filters, backendRefs, timeouts)"),
    ];
    for (values, message) in &cases {
        refuses(values, message, "<stdin>:");
    }
    let sixteen: String = (0..8).map(|i| format!("      - {{type: ExtensionRef, extensionRef: {{group: example.com, kind: Auth, name: x{i}}}}}\n")).collect();
    renders_clean(&step("      - {type: CORS", &format!("{sixteen}      - {{type: CORS")));
}

/// A GRPCRoute's rules take no timeouts and fewer filter types; the release's own backends,
/// when they are InferencePools, are kept from the user's rules too.
#[test]
fn grpc_rules_and_pool_backends_are_checked_as_their_apis_check_them() {
    let grpc = gtw("  strategy: canary\n", "  strategy: canary\n  protocol: grpc\n")
        .replace("      - path: {type: PathPrefix, value: /static}\n", "      - method: {service: shop.Static}\n")
        .replace("      - path: {type: PathPrefix, value: /api}\n", "      - method: {service: shop.Api}\n");
    renders_clean(&grpc);
    let timeouts = grpc.replacen("        port: 80\n", "        port: 80\n      timeouts: {request: 5s}\n", 1);
    refuses(&timeouts, "application.route.rules[0].timeouts: not a field here (name, matches, filters, backendRefs)", "<stdin>:14:7");
    let rewrite = grpc.replacen("        port: 80\n", "        port: 80\n      filters: [{type: URLRewrite, urlRewrite: {hostname: x}}]\n", 1);
    refuses(&rewrite, "\"URLRewrite\" is not a filter type of this route (RequestHeaderModifier, ResponseHeaderModifier, RequestMirror, ExtensionRef)", "<stdin>:14:18");
    let mirror = grpc.replacen("        port: 80\n", "        port: 80\n      filters: [{type: RequestMirror, requestMirror: {backendRef: {name: s, port: 80}}}]\n", 1);
    renders_clean(&mirror);

    let pools = gtw("  strategy: canary\n", "  strategy: canary\n  backend: inferencepool\n  inferencePool: {endpointPicker: {port: 9002}}\n")
        .replace("  - image: a\n", "  - image: a\n    inferencePool: {endpointPicker: {name: epp-0}}\n")
        .replace("  - image: b\n", "  - image: b\n    inferencePool: {endpointPicker: {name: epp-1}}\n");
    // A Service named as a version is no version's backend here: the versions are pools.
    let service = pools.replacen("- name: static", "- name: app-1", 1);
    renders_clean(&service);
    let pool = service.replacen("- name: app-1\n        port: 80", "- {group: inference.networking.k8s.io, kind: InferencePool, name: app-1}", 1);
    refuses(&pool, "application.route.rules[0].backendRefs[0].name: names version 1's InferencePool", "<stdin>:");
    let elsewhere = pool.replacen("name: app-1}", "name: app-1, namespace: other}", 1);
    renders_clean(&elsewhere);
    // An InferencePool of another API group is not the version's.
    renders_clean(&pool.replacen("group: inference.networking.k8s.io", "group: pools.example.com", 1));
}

/// The marked rule's filters join the policy's and the release's own in each rule of the
/// release: a CORS or response header filter the policy also writes is refused, and so is a
/// mirror rule past 16 filters (15 of the user's and a RequestMirror per candidate: 16 with one
/// candidate, 17 with two).
#[test]
fn the_marked_rules_filters_count_with_the_releases() {
    let cors = gtw("  strategy: canary\n", "  strategy: canary\n  routing: {cors: {allowOrigins: [\"*\"]}}\n")
        .replacen("      release: true\n", "      release: true\n      filters: [{type: CORS, cors: {allowOrigins: [\"https://a.example.com\"]}}]\n", 1);
    refuses(&cors, "application.routing.cors writes a CORS filter into this rule too", "<stdin>:17:7");
    let response = gtw("  strategy: canary\n", "  strategy: canary\n  routing: {responseHeaders: {set: {a: b}}}\n")
        .replacen("      release: true\n", "      release: true\n      filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: c, value: d}]}}]\n", 1);
    refuses(&response, "application.routing.responseHeaders writes a ResponseHeaderModifier filter into this rule too", "<stdin>:17:7");
    // Either alone is taken: the policy's filter, or the marked rule's.
    renders_clean(&gtw("  strategy: canary\n", "  strategy: canary\n  routing: {responseHeaders: {set: {a: b}}}\n"));
    for filter in [
        "{type: ResponseHeaderModifier, responseHeaderModifier: {set: [{name: c, value: d}]}}",
        "{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: c, value: d}]}}",
        "{type: CORS, cors: {allowOrigins: [\"https://a.example.com\"]}}",
    ] {
        renders_clean(&gtw("      release: true\n", &format!("      release: true\n      filters: [{filter}]\n")));
    }

    let fifteen: String = (0..15).map(|i| format!("      - {{type: ExtensionRef, extensionRef: {{group: example.com, kind: Auth, name: a{i}}}}}\n")).collect();
    let one = gtw("strategy: canary", "strategy: mirror").replacen("      release: true\n", &format!("      release: true\n      filters:\n{fifteen}"), 1);
    renders_clean(&one);
    let two = one.replacen("  - image: b\n", "  - image: b\n  - image: c\n", 1);
    refuses(&two, "application.route.rules[1].filters: 17 filters in the release's rules (15 here, the routing policy's and a RequestMirror per candidate); the Gateway API takes at most 16 in a rule", "<stdin>:16:7");
    let policy = gtw("strategy: canary", "strategy: mirror\n  routing: {requestHeaders: {set: {a: b}}}").replacen("      release: true\n", &format!("      release: true\n      filters:\n{fifteen}"), 1);
    refuses(&policy, "17 filters in the release's rules (15 here", "<stdin>:");
}

/// A mirror has no cohorts: a candidate's clauses are said to be ignored, and are no conflict
/// with the marked rule's.
#[test]
fn a_mirrors_ignored_clauses_are_no_conflict() {
    let values = gtw("strategy: canary", "strategy: mirror").replacen("  - image: b\n", "  - image: b\n    matches: [{path: {type: PathPrefix, value: /beta}}]\n", 1);
    let r = run(&["render", "--name", "app", "-n", "default"], values.as_bytes());
    assert_eq!(r.code, Some(0), "{}", r.stderr);
    assert!(!r.stderr.contains("differently"), "{}", r.stderr);
    assert!(r.stderr.contains("warning: application.versions[1].matches: is not used: a mirror has no cohorts"), "{}", r.stderr);
}
