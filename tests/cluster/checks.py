#!/usr/bin/env python3
"""The checks of the cluster harness, run by tests/cluster/run against the control plane it
started (KUBECONFIG points at it). Every check prints one line, `ok …` or `FAIL …`, and the
run ends with `N passed, M failed`.

- admission: every fixture, rendered plainly, with `--ready all` and at the v1 APIs, applied
  server-side (strict field validation) and client-side; a warning is a failure. The same for
  the largest release accepted in each environment and strategy.
- istio: every VirtualService and ServiceEntry releasegen writes (live objects and every
  `ready-*` key) through Istio's validating webhook, with no error and no warning.
- matches: a sample of the match clauses releasegen refuses (header names, empty prefixes,
  regexes Go's RE2 refuses or longer than 1024 bytes, ports, namespaces, labels, gateways; the
  HTTPRoute's paths, enums, lengths, duplicate names and list sizes): releasegen refuses each,
  and the same clause written into the routing object of a valid twin release is refused (or
  warned about) by the API server or Istio's webhook. What releasegen accepts is the admission
  and istio checks' part: the fixtures `matches-*` use every kind of clause.
- controller: every routed fixture walked through readiness transitions with the Iter8
  controller running; after each, the routing object it wrote equals the routemap's
  `ready-<state>` key (and, when a weight is annotated, what `releasegen route` computes).
- route: the same transitions with no controller: `examples/no-controller/route-loop.sh` (kubectl
  get, releasegen route, kubectl apply) against the server; the object applied equals the
  controller's.
- timing: how long the routing object takes to follow a readiness change (a figure, not a check).
- prune: the kubectl guide's prune and uninstall recipes, verbatim (users.py).
- helm: the Helm 3 and Helm 4 CLIs with charts/releasegen and the post-renderer: every step of
  every seed tutorial, checked against what the tutorial says happens, then `helm uninstall`;
  `helm lint`, `helm template`, and a typo stopped by the chart's schema (users.py).
- kustomize: `kustomize build` with releasegen as an exec KRM generator and `kpt fn render`
  with it in a Kptfile pipeline, each output applied (users.py).
- argocd: the plugin's `generate` run as Argo CD's sidecar runs it, synced wave by wave with
  Argo CD's health assessment between the waves (users.py).
- flux: examples/flux built and applied as Flux's kustomize-controller applies and prunes
  (users.py).
"""

import json
import os
import statistics
import sys
import time

import harness
import users
from harness import (APPLY, ROOT, SCRATCH, TALLY, V1, WORK, Controller, Release, delete_stream, diff, docs,
                     ensure_namespaces, holding_namespaces, in_parallel, kubectl, label, namespace_for, normalized, ready_keys,
                     render, run, set_ready, set_weight, stored, version_of, wait_for, warnings)



# ---------------------------------------------------------------------------------------------
# admission


VARIANTS = [("plain", []), ("ready-all", ["--ready", "all"]), ("v1", ["--ready", "all", "-a", V1])]


def admit(label, stream, method, fresh):
    """Applies a stream into namespaces nothing else uses; where the values name their own
    namespace (shared by every way it is applied), what was applied is deleted again."""
    objects = docs(stream)
    with holding_namespaces(o["metadata"].get("namespace", "") for o in objects):
        ensure_namespaces(objects)
        p = kubectl(*APPLY[method], stdin=stream)
        problems = warnings(p.stderr) + ([p.stderr] if p.returncode != 0 else [])
        TALLY.record(f"admission {method} {label} ({len(objects)} objects)", not problems, "\n".join(problems))
        if any(o["metadata"].get("namespace") not in fresh for o in objects):
            delete_stream(stream)


def largest_releases():
    """The largest release accepted in each environment and strategy: the most versions whose
    render succeeds, each version with a match so cohorts and canary rules are all written."""
    combos = {
        "deployment": ["none"],
        "deployment-istio": ["blue-green", "canary", "mirror", "none"],
        "deployment-gtw": ["blue-green", "canary", "mirror"],
        # `backend: inferencepool`, and a route of the user's own (`application.route`).
        "deployment-gtw-inferencepool": ["blue-green", "canary"],
        "deployment-gtw-route": ["blue-green", "canary", "mirror"],
        "deployment-istio-route": ["blue-green", "canary", "mirror"],
        "kserve": ["blue-green", "canary"],
        "kserve-0.11": ["blue-green", "canary"],
        "kserve-0.10": ["blue-green", "canary"],
        "kserve-modelmesh-istio": ["blue-green", "canary"],
        "kserve-serverless": ["canary"],
        "kserve-standard": ["blue-green", "canary"],
    }
    for env, strategies in combos.items():
        for strategy in strategies:
            best, most = None, 0
            # A release has at most 64 versions; routed ones far fewer (2^N states).
            for n in range(2, 66 if strategy == "none" or env in ("kserve-serverless", "kserve-standard") else 12):
                text = largest_values(env, strategy, n)
                path = WORK / f"largest-{env}-{strategy}.yaml"
                path.write_text(text)
                # Every way it is checked must render: the namespace's length counts too.
                if any(render(path, *args, namespace=namespace_for(path, f"-{variant}-{method}")).returncode != 0
                       for variant, args in VARIANTS for method in APPLY):
                    break
                best, most = text, n
            if best is None:
                TALLY.precondition(f"admission largest {env} {strategy}", False, "no release renders")
                continue
            path.write_text(best)
            yield f"largest-{env}-{strategy}-{most}-versions", path


def largest_values(label, strategy, n):
    """`label` is an environment, or one with `-inferencepool` (its InferencePool backends) or
    `-route` (a route of the user's own: a rule of the user's, then the marked one) after it."""
    env = label.removesuffix("-inferencepool").removesuffix("-route")
    lines = [f"environment: {env}", "application:", f"  strategy: {strategy}"]
    if label.endswith("-inferencepool"):
        lines += ["  backend: inferencepool", "  inferencePool:", "    endpointPicker:", "      port: 9002"]
    if label == "deployment-gtw-route":
        lines += ["  route:", "    parentRefs:", "    - name: web", "    rules:",
                  "    - matches: [{path: {type: PathPrefix, value: /static}}]", "      backendRefs: [{name: static, port: 80}]",
                  "    - matches: [{path: {type: PathPrefix, value: /api}}]", "      release: true"]
    if label == "deployment-istio-route":
        lines += ["  route:", "    hosts: [shop.example.com]", "    http:",
                  "    - match: [{uri: {prefix: /static}}]", "      route: [{destination: {host: static.web.svc.cluster.local}}]",
                  "    - match: [{uri: {prefix: /api}}]", "      release: true"]
    lines.append("  versions:")
    for i in range(n):
        if label.endswith("-inferencepool"):
            lines.append(f"  - image: example.com/model:{i}")
            lines.append(f"    inferencePool: {{endpointPicker: {{name: picker-{i}}}}}")
        elif env.startswith("kserve"):
            lines.append(f"  - storageUri: gs://example/model-{i}")
            lines.append("    modelFormat: sklearn")
        else:
            lines.append(f"  - image: example.com/app:{i}")
        if i > 0:
            lines.append("    weight: 10")
            if strategy == "canary" or (strategy == "blue-green" and i % 2):
                if env == "deployment-gtw":
                    lines.append(f"    matches:\n    - headers:\n      - name: x-cohort\n        value: c{i}")
                else:
                    lines.append(f"    match:\n    - headers:\n        x-cohort:\n          exact: c{i}")
    return "\n".join(lines) + "\n"


def admit_fixture(f, label):
    for variant, args in VARIANTS:
        for method in APPLY:
            ns = namespace_for(f, f"-{variant}-{method}")
            p = render(f, *args, namespace=ns)
            if TALLY.precondition(f"admission render {label} {variant} {method}", p.returncode == 0, p.stderr):
                admit(f"{label} {variant}", p.stdout, method, {ns})


def admit_states(f):
    """Every `ready-*` key of a fixture, at both API versions, created with a server-side dry
    run: the states a controller walk does not visit (releases of more than three versions)
    reach the API server too. One List for all; one per key only when the List is refused."""
    for api, args in [("v1beta1", []), ("v1", ["-a", V1])]:
        p = render(f, *args)
        if not TALLY.precondition(f"admission render {f.stem} {api} states", p.returncode == 0, p.stderr):
            continue
        keys = ready_keys(docs(p.stdout))
        for o in keys.values():
            o["metadata"]["namespace"] = SCRATCH
        listed = kubectl("create", "--dry-run=server", "--validate=strict", "-f", "-",
                         stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": list(keys.values())}))
        clean = listed.returncode == 0 and not warnings(listed.stderr)
        for state, o in keys.items():
            q = listed if clean else kubectl("create", "--dry-run=server", "--validate=strict", "-f", "-", stdin=json.dumps(o))
            problems = warnings(q.stderr) + ([q.stderr] if q.returncode != 0 else [])
            TALLY.record(f"admission state {f.stem} {api} ready-{state}", not problems, "\n".join(problems))


def check_strictness():
    """The control for every admission check: strict field validation refuses an unknown field,
    in a core object and in a CRD's, server-side and client-side."""
    for kind, obj in [("ConfigMap", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "strict", "namespace": SCRATCH},
                                     "data": {"a": "b"}, "bogus": 1}),
                      ("HTTPRoute", {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute",
                                     "metadata": {"name": "strict", "namespace": SCRATCH}, "spec": {"rules": [{"bogus": 1}]}})]:
        for method in APPLY:
            p = kubectl(*APPLY[method][:-2], "--dry-run=server", "-f", "-", stdin=json.dumps(obj))
            TALLY.record(f"admission strictness: {method} apply refuses a {kind} with an unknown field",
                         p.returncode != 0 and ("unknown field" in p.stderr or "field not declared in schema" in p.stderr) and "bogus" in p.stderr,
                         p.stderr or "accepted")


def check_admission(fixtures):
    check_strictness()
    jobs = [(f"admission {f.stem}", lambda f=f: admit_fixture(f, f.stem)) for f in fixtures]
    jobs += [(f"admission states {f.stem}", lambda f=f: admit_states(f)) for f in routed(fixtures)]
    jobs += [(f"admission {label}", lambda p=path, l=label: admit_fixture(p, l)) for label, path in largest_releases()]
    in_parallel(jobs)


# ---------------------------------------------------------------------------------------------
# istio


def check_webhook_is_live():
    bad = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "VirtualService",
        "metadata": {"name": "refused", "namespace": SCRATCH},
        # Two destinations whose weights are all 0: valid for the CRD's schema, refused by Istio.
        "spec": {"hosts": ["a"], "http": [{"route": [{"destination": {"host": "b"}, "weight": 0},
                                                     {"destination": {"host": "c"}, "weight": 0}]}]},
    }
    p = kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(bad))
    TALLY.record("istio webhook refuses an invalid VirtualService", p.returncode != 0 and 'admission webhook "validation.istio.io" denied' in p.stderr,
                 p.stderr or "accepted")


def istio_objects(f, args):
    p = render(f, "--ready", "all", *args)
    if p.returncode != 0:
        return []
    objects = docs(p.stdout)
    found = [(o["kind"] + " " + o["metadata"]["name"], o) for o in objects if o["apiVersion"].startswith("networking.istio.io/")]
    for state, o in ready_keys(objects).items():
        if o["apiVersion"].startswith("networking.istio.io/"):
            found.append((f"ready-{state}", o))
    return found


def istio_fixture(f):
    for api, args in [("v1beta1", []), ("v1", ["-a", V1])]:
        found = istio_objects(f, args)
        for _, o in found:
            o["metadata"]["namespace"] = SCRATCH
        # One server dry-run for all of them; only when it says anything, one each, to name it.
        p = kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": [o for _, o in found]}))
        clean = p.returncode == 0 and not warnings(p.stderr)
        for what, o in found:
            if not clean:
                p = kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(o))
            problems = warnings(p.stderr) + ([p.stderr] if p.returncode != 0 else [])
            TALLY.record(f"istio {f.stem} {api} {what}", not problems, "\n".join(problems))


def check_istio(fixtures):
    check_webhook_is_live()
    in_parallel([(f"istio {f.stem}", lambda f=f: istio_fixture(f)) for f in fixtures])


# ---------------------------------------------------------------------------------------------
# matches: a sample of the clauses releasegen refuses, each refused by the cluster too


def clause_sample():
    """(environment, field, refused clause, its clean twin, what the refusal must name): clauses
    releasegen refuses before rendering. Each is also written into a routing object that
    releasegen renders for a valid release, which the API server (the CRD's schema and CEL
    rules) or Istio's webhook must refuse, naming the rule; the twin differs only in the
    offending value and must be admitted by the same component with no warning, so a
    component that refuses everything (or a webhook that does not answer) cannot pass."""
    istio = [
        ({"headers": {"bad header": {"exact": "x"}}}, {"headers": {"bad-header": {"exact": "x"}}}, "header name"),
        ({"headers": {":foo": {"exact": "x"}}}, {"headers": {"foo": {"exact": "x"}}}, "header name"),
        ({"headers": {"x-a": {"prefix": ""}}}, {"headers": {"x-a": {"prefix": "a"}}}, "empty"),
        ({"headers": {"x-a": {"exact": "a", "prefix": "b"}}}, {"headers": {"x-a": {"exact": "a"}}}, "oneof"),
        ({"method": {"prefix": ""}}, {"method": {"prefix": "G"}}, "empty"),
        ({"uri": {"regex": "(unclosed"}}, {"uri": {"regex": "(unclosed)"}}, "regex"),
        ({"uri": {"regex": "a**"}}, {"uri": {"regex": "a*"}}, "regex"),
        ({"uri": {"regex": "(?x)a b"}}, {"uri": {"regex": "a b"}}, "regex"),
        ({"uri": {"regex": "a{1001}"}}, {"uri": {"regex": "a{1000}"}}, "regex"),
        ({"uri": {"regex": "\\p{Alphabetic}"}}, {"uri": {"regex": "\\p{Greek}"}}, "regex"),
        ({"uri": {"regex": "a" * 1025}}, {"uri": {"regex": "a" * 1024}}, "1024"),
        ({"port": 70000}, {"port": 7000}, "port"),
        ({"sourceNamespace": "Bad_NS"}, {"sourceNamespace": "bad-ns"}, "sourceNamespace"),
        ({"sourceLabels": {"bad key!": "x"}}, {"sourceLabels": {"bad-key": "x"}}, "invalid tag key"),
        ({"gateways": ["istio_system/ingress"]}, {"gateways": ["istio-system/ingress"]}, "invalid value for namespace"),
    ]
    gtw = [
        ({"path": {"type": "PathPrefix", "value": "/a//b"}}, {"path": {"type": "PathPrefix", "value": "/a/b"}}, "//"),
        ({"path": {"value": "beta"}}, {"path": {"value": "/beta"}}, "must be an absolute path"),
        ({"path": {"type": "Exact", "value": "/a b"}}, {"path": {"type": "Exact", "value": "/a-b"}}, "spec.rules[0].matches[0].path"),
        ({"path": {"type": "Exact", "value": "/a/.."}}, {"path": {"type": "Exact", "value": "/a/b"}}, "/.."),
        ({"path": {"type": "Prefix", "value": "/"}}, {"path": {"type": "PathPrefix", "value": "/"}}, "Unsupported value"),
        ({"path": {"value": "/" + "a" * 1024}}, {"path": {"value": "/" + "a" * 1023}}, "1024"),
        ({"headers": [{"name": "x", "value": "a"}, {"name": "x", "value": "b"}]},
         {"headers": [{"name": "x", "value": "a"}, {"name": "y", "value": "b"}]}, "Duplicate value"),
        ({"headers": [{"name": "bad header", "value": "a"}]}, {"headers": [{"name": "bad-header", "value": "a"}]}, "should match"),
        ({"headers": [{"name": "x", "value": ""}]}, {"headers": [{"name": "x", "value": "a"}]}, "at least 1"),
        ({"headers": [{"name": "x", "value": "a", "type": "Prefix"}]}, {"headers": [{"name": "x", "value": "a", "type": "Exact"}]},
         "Unsupported value"),
        ({"method": "FETCH"}, {"method": "GET"}, "Unsupported value"),
        ({"queryParams": [{"name": f"q{i}", "value": "v"} for i in range(17)]},
         {"queryParams": [{"name": f"q{i}", "value": "v"} for i in range(16)]}, "at most 16"),
    ]
    grpc = [
        ({"method": {"service": "hello world"}}, {"method": {"service": "hello.World"}}, "service must only contain valid characters"),
        ({"method": {"method": "Say.Hello"}}, {"method": {"method": "SayHello"}}, "method must only contain valid characters"),
        ({"method": {"type": "Exact"}}, {"method": {"type": "Exact", "service": "a"}}, "One or both of 'service' or 'method'"),
        ({"method": {"type": "Prefix", "service": "a"}}, {"method": {"type": "Exact", "service": "a"}}, "Unsupported value"),
        ({"headers": [{"name": "x", "value": "a"}, {"name": "x", "value": "b"}]},
         {"headers": [{"name": "x", "value": "a"}, {"name": "y", "value": "b"}]}, "Duplicate value"),
    ]
    return ([("deployment-istio", "match", *c) for c in istio] + [("deployment-gtw", "matches", *c) for c in gtw]
            + [("deployment-gtw-grpc", "matches", *c) for c in grpc])


def refused_clause(k, env, field, clause, twin, names):
    values = {"environment": env.removesuffix("-grpc"), "application": {"strategy": "canary", "versions": [
        {"image": "example.com/app:1"}, {"image": "example.com/app:2", field: [clause]}]}}
    if env.endswith("-grpc"):
        values["application"]["protocol"] = "grpc"
    path = WORK / f"refused-clause-{k}.json"
    path.write_text(json.dumps(values))
    label = f"matches {env} {json.dumps(clause)[:80]}"
    ours = render(path, "--ready", "all")
    if not TALLY.precondition(f"{label}: releasegen refuses it", ours.returncode == 1 and f"application.versions[1].{field}[0]" in ours.stderr,
                              ours.stderr or "rendered"):
        return
    del values["application"]["versions"][1][field]
    path.write_text(json.dumps(values))
    base = render(path, "--ready", "all")
    routing = [o for o in docs(base.stdout) if o["kind"] in ("VirtualService", "HTTPRoute", "GRPCRoute")]
    if not TALLY.precondition(f"{label}: the release without it renders", base.returncode == 0 and routing, base.stderr):
        return

    def with_clause(c):
        obj = json.loads(json.dumps(routing[0]))
        obj["metadata"]["namespace"] = SCRATCH
        if env.startswith("deployment-gtw"):
            obj["spec"]["rules"][0]["matches"] = [c]
        else:
            obj["spec"]["http"][0]["match"] = [c]
        return kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(obj))

    p = with_clause(clause)
    said = p.stderr.strip()
    dead = "failed calling webhook" in said
    TALLY.record(f"{label}: the cluster refuses it, naming the rule ({names!r})",
                 (p.returncode != 0 or bool(warnings(p.stderr))) and names.lower() in said.lower() and not dead,
                 said or "the API server and Istio's webhook took it")
    p = with_clause(twin)
    problems = warnings(p.stderr) + ([p.stderr] if p.returncode != 0 else [])
    TALLY.record(f"{label}: its twin {json.dumps(twin)[:60]} is admitted with no warning", not problems, "\n".join(problems))


def pool_sample():
    """(where in a version's values, where in its InferencePool, refused value, its twin, what
    the refusal must name): InferencePool fields releasegen refuses, which the InferencePool
    CRD (from the Inference Extension's module) must refuse too, and whose twins it admits."""
    picker = ["inferencePool", "endpointPicker"]
    ref = ["spec", "endpointPickerRef"]
    return [
        (picker + ["failureMode"], ref + ["failureMode"], "Never", "FailOpen", "Unsupported value"),
        (picker + ["port"], ref + ["port", "number"], 70000, 7000, "65535"),
        (["port"], ["spec", "targetPorts", 0, "number"], 70000, 8000, "65535"),
        (["inferencePool", "appProtocol"], ["spec", "appProtocol"], "grpc", "kubernetes.io/h2c", "Unsupported value"),
    ]


def put(obj, path, value):
    for key in path[:-1]:
        obj = obj[key]
    obj[path[-1]] = value


def refused_pool(k, values_path, object_path, value, twin, names):
    def values(v):
        candidate = {"image": "example.com/model:2", "inferencePool": {"endpointPicker": {"name": "picker-1", "port": 9002}}}
        put(candidate, values_path, v)
        return {"environment": "deployment-gtw", "application": {"strategy": "canary", "backend": "inferencepool", "versions": [
            {"image": "example.com/model:1", "inferencePool": {"endpointPicker": {"name": "picker-0", "port": 9002}}}, candidate]}}
    path = WORK / f"refused-pool-{k}.json"
    label = f"pools {'.'.join(map(str, object_path))} {value}"
    path.write_text(json.dumps(values(value)))
    ours = render(path)
    written = "application.versions[1]." + ".".join(values_path)
    if not TALLY.precondition(f"{label}: releasegen refuses it", ours.returncode == 1 and written in ours.stderr, ours.stderr or "rendered"):
        return
    path.write_text(json.dumps(values(twin)))
    base = render(path)
    pools = [o for o in docs(base.stdout) if o["kind"] == "InferencePool" and o["metadata"]["name"].endswith("-1")]
    if not TALLY.precondition(f"{label}: the release with its twin renders", base.returncode == 0 and pools, base.stderr):
        return

    def create(v):
        obj = json.loads(json.dumps(pools[0]))
        obj["metadata"]["namespace"] = SCRATCH
        put(obj, object_path, v)
        return kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(obj))

    p = create(value)
    TALLY.record(f"{label}: the API server refuses it, naming the rule ({names!r})", p.returncode != 0 and names in p.stderr,
                 p.stderr.strip() or "the API server took it")
    p = create(twin)
    problems = warnings(p.stderr) + ([p.stderr] if p.returncode != 0 else [])
    TALLY.record(f"{label}: its twin {twin} is admitted with no warning", not problems, "\n".join(problems))


def route_values(env):
    """A release in a route of the user's own (`application.route`): a rule of the user's, then
    the marked one; the candidate's cohort matches a header."""
    candidate = {"image": "example.com/app:2"}
    if env == "deployment-gtw":
        route = {"parentRefs": [{"name": "web"}], "rules": [
            {"matches": [{"path": {"type": "PathPrefix", "value": "/static"}}], "backendRefs": [{"name": "static", "port": 80}]},
            {"matches": [{"path": {"type": "PathPrefix", "value": "/api"}}], "release": True}]}
        candidate["matches"] = [{"headers": [{"name": "x", "value": "1"}]}]
    else:
        route = {"hosts": ["shop.example.com"], "http": [
            {"name": "static", "match": [{"uri": {"prefix": "/static"}}], "route": [{"destination": {"host": "static.web.svc.cluster.local"}}]},
            {"name": "api", "match": [{"uri": {"prefix": "/api"}}], "release": True}]}
    return {"environment": env, "application": {"strategy": "canary", "route": route,
                                                "versions": [{"image": "example.com/app:1"}, candidate]}}


def route_sample():
    """(label, environment, change to the twin's values, change of the refused values, what
    releasegen names, the same change to the twin's routing object, what the cluster names):
    routes of the user's that releasegen refuses, whose routing object the API server (with the
    Gateway API's CRDs) or Istio's webhook refuses too. The rendered object of the `ready all`
    state is [the user's rule, the cohort, the primary's rule]."""
    rewrite = {"type": "URLRewrite", "urlRewrite": {"path": {"type": "ReplacePrefixMatch", "replacePrefixMatch": "/"}}}
    redirect = {"type": "RequestRedirect", "requestRedirect": {"hostname": "other.example.com"}}
    header = {"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "c", "value": "d"}]}}
    rules = lambda v: v["application"]["route"]["rules"]
    nothing = lambda v: None
    return [
        ("a Service backendRef without its port", "deployment-gtw", nothing,
         lambda v: rules(v)[0]["backendRefs"][0].pop("port"), "application.route.rules[0].backendRefs[0]",
         lambda o: o["spec"]["rules"][0]["backendRefs"][0].pop("port"), "Must have port for Service reference"),
        ("a redirect beside the release's backends", "deployment-gtw", nothing,
         lambda v: rules(v)[1].update(filters=[redirect]), "application.route.rules[1].filters",
         lambda o: o["spec"]["rules"][2].update(filters=[redirect]), "RequestRedirect filter must not be used together with backendRefs"),
        ("a prefix rewrite in a cohort of two clauses", "deployment-gtw", lambda v: rules(v)[1].update(filters=[rewrite]),
         lambda v: v["application"]["versions"][1]["matches"].append({"headers": [{"name": "y", "value": "1"}]}), "application.versions[1].matches",
         lambda o: o["spec"]["rules"][1]["matches"].append(dict(o["spec"]["rules"][1]["matches"][0], headers=[{"name": "y", "value": "1"}])),
         "exactly one PathPrefix match must be specified"),
        ("a header filter both in the marked rule and the policy", "deployment-gtw", lambda v: rules(v)[1].update(filters=[header]),
         lambda v: v["application"].update(routing={"requestHeaders": {"set": {"a": "b"}}}), "application.route.rules[1].filters",
         lambda o: o["spec"]["rules"][2]["filters"].insert(0, {"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": [{"name": "a", "value": "b"}]}}),
         "RequestHeaderModifier filter cannot be repeated"),
        ("a rule of the user's with nowhere to go", "deployment-istio", nothing,
         lambda v: v["application"]["route"]["http"][0].pop("route"), "application.route.http[0]",
         lambda o: o["spec"]["http"][0].pop("route"), "HTTP route, redirect or direct_response is required"),
    ]


def refused_route(k, label, env, twin_change, change, ours_names, object_change, names):
    label = f"route {env} {label}"
    values = route_values(env)
    twin_change(values)
    path = WORK / f"refused-route-{k}.json"
    path.write_text(json.dumps(values))
    base = render(path, "--ready", "all")
    routing = [o for o in docs(base.stdout) if o["kind"] in ("VirtualService", "HTTPRoute")]
    if not TALLY.precondition(f"{label}: the twin renders", base.returncode == 0 and routing, base.stderr):
        return
    change(values)
    path.write_text(json.dumps(values))
    ours = render(path, "--ready", "all")
    if not TALLY.precondition(f"{label}: releasegen refuses it", ours.returncode == 1 and ours_names in ours.stderr, ours.stderr or "rendered"):
        return

    def create(obj):
        obj = json.loads(json.dumps(obj))
        obj["metadata"]["namespace"] = SCRATCH
        return obj

    refused = create(routing[0])
    object_change(refused)
    p = kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(refused))
    said = p.stderr.strip()
    TALLY.record(f"{label}: the cluster refuses it, naming the rule ({names!r})", p.returncode != 0 and names in said and "failed calling webhook" not in said,
                 said or "the cluster took it")
    p = kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(create(routing[0])))
    problems = warnings(p.stderr) + ([p.stderr] if p.returncode != 0 else [])
    TALLY.record(f"{label}: its twin is admitted with no warning", not problems, "\n".join(problems))


def check_matches():
    check_webhook_is_live()
    in_parallel([(f"matches {k}", lambda k=k, c=c: refused_clause(k, *c)) for k, c in enumerate(clause_sample())]
                + [(f"pools {k}", lambda k=k, c=c: refused_pool(k, *c)) for k, c in enumerate(pool_sample())]
                + [(f"routes {k}", lambda k=k, c=c: refused_route(k, *c)) for k, c in enumerate(route_sample())])


# ---------------------------------------------------------------------------------------------
# controller and route


CONTROLLER = "iter8-controller"
LOOP_MANAGER = "kubectl-client-side-apply"
WALK_ALL_UP_TO = 3


def gray(n):
    return [i ^ (i >> 1) for i in range(1 << n)]


def walk_order(rel):
    """Every readiness state of a release of up to three versions, from `nothing ready`, in
    Gray-code order (one workload's readiness changes a step) with each step's object
    different from the one before: where the states left all route as the current one does, a
    state already visited that routes differently is passed through first. Larger releases
    walk a chain (each version ready in turn); `admission states` admits every key of them."""
    n = len(rel.versions)
    if n > WALK_ALL_UP_TO:
        return [frozenset(range(k)) for k in range(n + 1)]
    states = [frozenset(i for i in range(n) if bits >> i & 1) for bits in gray(n)]
    key = {st: json.dumps(rel.ready[label(st)], sort_keys=True) for st in states}
    order, left = [states[0]], states[1:]
    while left:
        nxt = next((st for st in left if key[st] != key[order[-1]]), None)
        if nxt is None:
            bridge = next((st for st in order if key[st] != key[order[-1]]), None)
            if bridge is None:
                # Every state routes alike: no step after the first can discriminate.
                order.extend(left)
                break
            order.append(bridge)
            continue
        order.append(nxt)
        left.remove(nxt)
    return order


def steps_of(rel):
    """The walk: (label, action, state or None when the expected object is `route`'s, which
    reads an annotated weight). Readiness first, then a weight annotated and removed, the last
    candidate deleted, and the primary unready."""
    n = len(rel.versions)
    ready = set()
    # The release is applied by the first step, so the object it makes is written after it.
    steps = [("applied", rel.apply, frozenset())]

    def go(state):
        def act(state=state):
            for i in range(n):
                if (i in state) != (i in ready):
                    set_ready(*rel.workload(i), i in state)
                    ready.symmetric_difference_update({i})
        return act

    for state in walk_order(rel)[1:]:
        steps.append((f"ready {label(state)}", go(state), state))
    everyone = frozenset(range(n))
    if n > 1:
        steps.append((f"ready {label(everyone)}", go(everyone), everyone))
        steps.append(("weight of version 1 annotated 7", lambda: set_weight(*rel.weight_config(1), 7), None))
        steps.append(("weight annotation removed", lambda: set_weight(*rel.weight_config(1), None), everyone))
        last = n - 1

        def delete_last():
            kubectl("delete", *rel.workload(last)[:2], "-n", rel.workload(last)[2], "--wait=false", check=True)
            ready.discard(last)

        steps.append((f"candidate {last} deleted", delete_last, everyone - {last}))
        everyone = everyone - {last}
    steps.append(("primary unready", go(everyone - {0}), everyone - {0}))
    return steps


def routed(fixtures):
    out = []
    for f in fixtures:
        p = render(f)
        if p.returncode == 0 and ready_keys(docs(p.stdout)):
            out.append(f)
    return out


def namespaces_of(rel):
    return [o["metadata"].get("namespace", "") for o in rel.objects] + [ns for v in rel.versions for _, _, ns in v]


def walk(f, api, args, record, timings, loop=False, first_failure=False):
    """One release walked through its steps, with the controller running or (`loop`) with
    route-loop.sh doing its job. Each API version gets a namespace of its own."""
    # The loop walks after the controller, in the v1beta1 walk's namespace, so the controller's
    # objects it is compared with name the same hosts.
    rel = Release(f, args, namespace=namespace_for(f, "-v1" if api == "v1" else ""))
    with holding_namespaces(namespaces_of(rel)):
        try:
            walk_held(rel, f, api, record, timings, loop, first_failure)
        finally:
            rel.delete()


def walk_held(rel, f, api, record, timings, loop, first_failure=False):
    who = "route-loop" if loop else "controller"
    name = f"{f.stem} {api}"
    if not TALLY.precondition(f"{who} {name}: no routing object before the walk", rel.delete_routing(), "still there after delete"):
        return
    previous = None
    for what, act, state in steps_of(rel):
        before = version_of(rel.live_routing())
        started = time.monotonic()
        act()
        if state is not None:
            want, source = normalized(rel.ready[label(state)]), f"ready-{label(state)}"
        elif loop:
            want, source = record.get((f.stem, what)), "the controller's object"
        else:
            want, source = normalized(rel.route()), "releasegen route"
        if loop:
            p = run(["bash", str(ROOT / "examples" / "no-controller" / "route-loop.sh"), str(f), "demo", rel.namespace], env=loop_env(rel))
            looped = p.returncode == 0
        check = f"{who} {name} {what}: {source}"
        if want == previous:
            # The object is already what this step expects: nothing would be written, and a
            # broken renderer could not be told from a working one here.
            TALLY.not_counted(check)
            if state is None and not loop and api == "v1beta1":
                record[(f.stem, what)] = want
            continue
        waited, seen = wait_for(rel, want, before, LOOP_MANAGER if loop else CONTROLLER, timeout=5.0 if loop else 30.0)
        if waited is not None:
            timings.append(time.monotonic() - started)
        ok = waited is not None and (not loop or looped)
        TALLY.record(check + (", a round that exits 0" if loop else "") + ", written after the change", ok,
                     (p.stderr if loop else "") + diff(want, seen))
        if first_failure and not ok:
            # A negative control needs one failure; the rest of the walk would only wait out
            # its timeouts.
            return
        previous = want
        if state is None and not loop and api == "v1beta1":
            record[(f.stem, what)] = seen
        # Without a controller, `route` reads the same live objects and must agree.
        if state is not None and not loop:
            got = normalized(rel.route())
            if not TALLY.record(f"route {name} {what}: equals ready-{label(state)}", got == want, diff(want, got)) and first_failure:
                return


def loop_env(rel):
    # As the guides write them for users (docs/guide/no-controller.md).
    kinds = ",".join({"deployment": "deploy", "service": "svc", "configmap": "cm", "inferenceservice": "isvc",
                      "inferencepools.inference.networking.k8s.io": "inferencepools"}[k] for k in rel.kinds)
    namespaces = " ".join(sorted({ns for v in rel.versions for _, _, ns in v} | {rel.namespace}))
    return dict(os.environ, KINDS=kinds, NAMESPACES=namespaces, ROUNDS="1", INTERVAL="0", RELEASEGEN=harness.RELEASEGEN)


def check_route_loop_fails_loudly():
    """The control for the loop's exit status: a round whose kubectl fails exits non-zero."""
    f = ROOT / "fixtures" / "deployment-istio-blue-green.yaml"
    env = dict(os.environ, ROUNDS="1", INTERVAL="0", KUBECTL="false", RELEASEGEN=harness.RELEASEGEN)
    p = run(["bash", str(ROOT / "examples" / "no-controller" / "route-loop.sh"), str(f), "demo", "demo"], env=env)
    TALLY.record("route-loop exits non-zero when its round fails (kubectl stand-in that fails)", p.returncode != 0, p.stderr)


def start_controller():
    kubectl("create", "namespace", "iter8-system")
    # What the admission check left behind would keep the controller busy: at start it
    # reconciles every routemap and puts its finalizer on every watched object.
    kubectl("delete", "deployments,services,configmaps,inferenceservices,inferencepools.inference.networking.k8s.io,virtualservices.networking.istio.io,httproutes.gateway.networking.k8s.io",
            "-A", "-l", "releasegen.dev/release", "--wait=false", check=True)
    controller = Controller()
    controller.start()
    return controller


def check_controller_and_route(fixtures, checks):
    fixtures = routed(fixtures)
    record, ctl_times, loop_times = {}, [], []
    controller = start_controller()
    try:
        in_parallel([(f"controller {f.stem} {api}", lambda f=f, api=api, args=args: walk(f, api, args, record, ctl_times))
                     for f in fixtures for api, args in [("v1beta1", []), ("v1", ["-a", V1])]])
    finally:
        controller.stop()
    if "route" in checks:
        check_route_loop_fails_loudly()
        in_parallel([(f"route-loop {f.stem}", lambda f=f: walk(f, "v1beta1", [], record, loop_times, loop=True)) for f in fixtures])
    if ctl_times:
        print(f"timing: the Iter8 controller updated the routing object {statistics.median(ctl_times) * 1000:.0f} ms "
              f"(median of {len(ctl_times)} transitions) after a status change, as seen by polling every 50 ms", flush=True)
    if loop_times:
        print(f"timing: one round of route-loop.sh (kubectl get, releasegen route, kubectl apply) took "
              f"{statistics.median(loop_times) * 1000:.0f} ms (median of {len(loop_times)}); traffic follows within INTERVAL plus that", flush=True)


# ---------------------------------------------------------------------------------------------
# controls: the harness against deliberately broken renderers, each of which must fail it


BROKEN = ROOT / "tests" / "cluster" / "broken"
CONTROL_FIXTURES = ["deployment-istio-blue-green", "deployment-gtw-blue-green"]


def check_controls():
    """Each broken renderer (tests/cluster/broken/, a wrapper that alters one thing of the real
    binary's output) walked through the controller check on two fixtures: the walk must fail,
    or the check that would have caught the fault is missing."""
    real = harness.RELEASEGEN
    fixtures = [ROOT / "fixtures" / f"{name}.yaml" for name in CONTROL_FIXTURES]
    controller = start_controller()
    try:
        for broken in sorted(BROKEN.glob("*.sh")):
            os.environ["RELEASEGEN_REAL"] = real
            harness.RELEASEGEN = str(broken)
            try:
                with TALLY.capture(f"control {broken.stem} | ") as got:
                    in_parallel([(f"controller {f.stem}", lambda f=f: walk(f, "v1beta1", [], {}, [], first_failure=True)) for f in fixtures])
            finally:
                harness.RELEASEGEN = real
            TALLY.record(f"control {broken.stem}: the harness fails against this broken renderer ({got.failed + got.unmet} checks failed)",
                         got.failed + got.unmet > 0, f"every check passed ({got.passed})")
    finally:
        controller.stop()


CHECKS = ["admission", "istio", "matches", "controller", "route", "prune", "helm", "kustomize", "argocd", "flux", "controls"]


def main():
    checks = sys.argv[1:] or CHECKS
    unknown = [c for c in checks if c not in CHECKS]
    if unknown:
        print(f"unknown check {', '.join(unknown)}; the checks are {' '.join(CHECKS)}", file=sys.stderr, flush=True)
        return 2
    fixtures = sorted((ROOT / "fixtures").glob("*.yaml"))
    if only := os.environ.get("FIXTURES"):
        fixtures = [f for f in fixtures if any(p in f.stem for p in only.split(","))]
        if not fixtures:
            print(f"FIXTURES={only} matches no fixture", file=sys.stderr, flush=True)
            return 2
    kubectl("create", "namespace", SCRATCH)
    if "admission" in checks:
        check_admission(fixtures)
    if "istio" in checks:
        check_istio(fixtures)
    if "matches" in checks:
        check_matches()
    if "controller" in checks or "route" in checks:
        check_controller_and_route(fixtures, checks)
    if "prune" in checks:
        users.check_prune_and_uninstall()
    if "helm" in checks:
        users.check_helm()
    if "kustomize" in checks:
        users.check_kustomize()
    if "argocd" in checks:
        users.check_argocd()
    if "flux" in checks:
        users.check_flux()
    if "controls" in checks:
        check_controls()
    failed = TALLY.closing()
    if TALLY.passed == 0:
        print("no check ran: a run that checks nothing fails", file=sys.stderr, flush=True)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
