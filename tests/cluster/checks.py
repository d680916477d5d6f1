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

import users
from harness import (APPLY, ROOT, RELEASEGEN, SCRATCH, TALLY, V1, WORK, Controller, Release, delete_stream, diff, docs,
                     ensure_namespaces, holding_namespaces, in_parallel, kubectl, label, namespace_for, normalized, ready_keys,
                     render, run, set_ready, set_weight, stored, wait_for, warnings)



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
                TALLY.record(f"admission largest {env} {strategy}", False, "no release renders")
                continue
            path.write_text(best)
            yield f"largest-{env}-{strategy}-{most}-versions", path


def largest_values(env, strategy, n):
    lines = [f"environment: {env}", "application:", f"  strategy: {strategy}", "  versions:"]
    for i in range(n):
        if env.startswith("kserve"):
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
            if TALLY.record(f"admission render {label} {variant} {method}", p.returncode == 0, p.stderr):
                admit(f"{label} {variant}", p.stdout, method, {ns})


def check_admission(fixtures):
    jobs = [(f"admission {f.stem}", lambda f=f: admit_fixture(f, f.stem)) for f in fixtures]
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
    """(environment, field, clause): clauses releasegen refuses before rendering. Each is also
    written into a routing object that releasegen renders for a valid twin, which the API
    server (the CRD's schema and CEL rules) or Istio's webhook must refuse or warn about."""
    istio = [
        {"headers": {"bad header": {"exact": "x"}}},
        {"headers": {":foo": {"exact": "x"}}},
        {"headers": {"x-a": {"prefix": ""}}},
        {"headers": {"x-a": {"exact": "a", "prefix": "b"}}},
        {"method": {"prefix": ""}},
        {"uri": {"regex": "(unclosed"}},
        {"uri": {"regex": "a**"}},
        {"uri": {"regex": "(?x)a b"}},
        {"uri": {"regex": "a{1001}"}},
        {"uri": {"regex": "\\p{Alphabetic}"}},
        {"uri": {"regex": "a" * 1025}},
        {"port": 70000},
        {"sourceNamespace": "Bad_NS"},
        {"sourceLabels": {"bad key!": "x"}},
        {"gateways": ["istio_system/ingress"]},
    ]
    gtw = [
        {"path": {"type": "PathPrefix", "value": "/a//b"}},
        {"path": {"value": "beta"}},
        {"path": {"type": "Exact", "value": "/a b"}},
        {"path": {"type": "Exact", "value": "/a/.."}},
        {"path": {"type": "Prefix", "value": "/"}},
        {"path": {"value": "/" + "a" * 1024}},
        {"headers": [{"name": "x", "value": "a"}, {"name": "x", "value": "b"}]},
        {"headers": [{"name": "bad header", "value": "a"}]},
        {"headers": [{"name": "x", "value": ""}]},
        {"headers": [{"name": "x", "value": "a", "type": "Prefix"}]},
        {"method": "FETCH"},
        {"queryParams": [{"name": f"q{i}", "value": "v"} for i in range(17)]},
    ]
    grpc = [
        {"method": {"service": "hello world"}},
        {"method": {"method": "Say.Hello"}},
        {"method": {"type": "Exact"}},
        {"method": {"type": "Prefix", "service": "a"}},
        {"headers": [{"name": "x", "value": "a"}, {"name": "x", "value": "b"}]},
    ]
    return ([("deployment-istio", "match", c) for c in istio] + [("deployment-gtw", "matches", c) for c in gtw]
            + [("deployment-gtw-grpc", "matches", c) for c in grpc])


def refused_clause(k, env, field, clause):
    values = {"environment": env.removesuffix("-grpc"), "application": {"strategy": "canary", "versions": [
        {"image": "example.com/app:1"}, {"image": "example.com/app:2", field: [clause]}]}}
    if env.endswith("-grpc"):
        values["application"]["protocol"] = "grpc"
    path = WORK / f"refused-clause-{k}.json"
    path.write_text(json.dumps(values))
    label = f"matches {env} {json.dumps(clause)[:80]}"
    ours = render(path, "--ready", "all")
    if not TALLY.record(f"{label}: releasegen refuses it", ours.returncode == 1 and f"application.versions[1].{field}[0]" in ours.stderr,
                        ours.stderr or "rendered"):
        return
    del values["application"]["versions"][1][field]
    path.write_text(json.dumps(values))
    twin = render(path, "--ready", "all")
    routing = [o for o in docs(twin.stdout) if o["kind"] in ("VirtualService", "HTTPRoute", "GRPCRoute")]
    if not TALLY.record(f"{label}: its twin renders", twin.returncode == 0 and routing, twin.stderr):
        return
    obj = routing[0]
    obj["metadata"]["namespace"] = SCRATCH
    if env.startswith("deployment-gtw"):
        obj["spec"]["rules"][0]["matches"] = [clause]
    else:
        obj["spec"]["http"][0]["match"] = [clause]
    p = kubectl("create", "--dry-run=server", "-f", "-", stdin=json.dumps(obj))
    said = p.returncode != 0 or bool(warnings(p.stderr))
    TALLY.record(f"{label}: the cluster refuses it", said, "the API server and Istio's webhook took it")


def check_matches():
    in_parallel([(f"matches {k}", lambda k=k, c=c: refused_clause(k, *c)) for k, c in enumerate(clause_sample())])


# ---------------------------------------------------------------------------------------------
# controller and route


def transitions(rel):
    """Readiness transitions: (label, action, state or None when weights are annotated)."""
    n = len(rel.versions)
    steps = []
    ready = set()
    for i in range(n):
        ready = ready | {i}
        steps.append((f"version {i} ready", lambda i=i: set_ready(*rel.workload(i), True), frozenset(ready)))
    if n > 1:
        steps.append(("weight of version 1 annotated 7", lambda: set_weight(*rel.weight_config(1), 7), None))
        steps.append(("weight annotation removed", lambda: set_weight(*rel.weight_config(1), None), frozenset(ready)))
        last = n - 1
        steps.append((f"candidate {last} deleted", lambda: kubectl("delete", *rel.workload(last)[:2], "-n", rel.workload(last)[2], "--wait=false", check=True), frozenset(ready - {last})))
        ready = ready - {last}
    steps.append(("primary unready", lambda: set_ready(*rel.workload(0), False), frozenset(ready - {0})))
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


def walk_with_controller(f, api, args, record, timings):
    rel = Release(f, args)
    with holding_namespaces(namespaces_of(rel)):
        walk_held(rel, f, api, record, timings)


def walk_held(rel, f, api, record, timings):
    name = f"{f.stem} {api}"
    try:
        rel.apply()
        # Nothing is ready when the release is first applied.
        steps = [("applied", lambda: None, frozenset())] + transitions(rel)
        for what, act, state in steps:
            started = time.monotonic()
            act()
            if state is not None:
                want = normalized(rel.ready[label(state)])
                check = f"controller {name} {what}: ready-{label(state)}"
            else:
                want = normalized(rel.route())
                check = f"controller {name} {what}: releasegen route"
            waited, seen = wait_for(rel, want)
            if waited is not None and what != "applied":
                timings.append(time.monotonic() - started)
            TALLY.record(check, waited is not None, diff(want, seen))
            record[(f.stem, api, what)] = seen
            # Without a controller, `route` reads the same live objects and must agree.
            if state is not None:
                got = normalized(rel.route())
                TALLY.record(f"route {name} {what}: equals ready-{label(state)}", got == want, diff(want, got))
    finally:
        rel.delete()


def walk_with_route_loop(f, record, timings):
    rel = Release(f, [])
    with holding_namespaces(namespaces_of(rel)):
        loop_held(rel, f, record, timings)


def loop_held(rel, f, record, timings):
    name = f"{f.stem} v1beta1"
    loop = ROOT / "examples" / "no-controller" / "route-loop.sh"
    kinds = ",".join({"deployment": "deploy", "service": "svc", "configmap": "cm", "inferenceservice": "isvc"}[k] for k in rel.kinds)
    namespaces = " ".join(sorted({ns for v in rel.versions for _, _, ns in v} | {rel.namespace}))
    env = dict(os.environ, KINDS=kinds, NAMESPACES=namespaces, ROUNDS="1", INTERVAL="0", RELEASEGEN=RELEASEGEN)
    try:
        rel.apply()
        steps = [("applied", lambda: None, frozenset())] + transitions(rel)
        for what, act, _ in steps:
            act()
            started = time.monotonic()
            p = run(["bash", str(loop), str(f), "demo", rel.namespace], env=env)
            timings.append(time.monotonic() - started)
            live = rel.live_routing()
            seen = stored(live) if live else None
            want = record.get((f.stem, "v1beta1", what))
            ok = p.returncode == 0 and want is not None and seen == want
            TALLY.record(f"route-loop {name} {what}: equals the controller's", ok, p.stderr + diff(want, seen))
    finally:
        rel.delete()


def check_controller_and_route(fixtures, checks):
    fixtures = routed(fixtures)
    record, ctl_times, loop_times = {}, [], []
    kubectl("create", "namespace", "iter8-system")
    # What the admission check left behind would keep the controller busy: at start it
    # reconciles every routemap and puts its finalizer on every watched object.
    kubectl("delete", "deployments,services,configmaps,inferenceservices,virtualservices.networking.istio.io,httproutes.gateway.networking.k8s.io",
            "-A", "-l", "releasegen.dev/release", "--wait=false", check=True)
    controller = Controller()
    controller.start()
    try:
        in_parallel([(f"controller {f.stem} {api}", lambda f=f, api=api, args=args: walk_with_controller(f, api, args, record, ctl_times))
                     for f in fixtures for api, args in [("v1beta1", []), ("v1", ["-a", V1])]])
    finally:
        controller.stop()
    if "route" in checks:
        in_parallel([(f"route-loop {f.stem}", lambda f=f: walk_with_route_loop(f, record, loop_times)) for f in fixtures])
    if ctl_times:
        print(f"timing: the Iter8 controller updated the routing object {statistics.median(ctl_times) * 1000:.0f} ms "
              f"(median of {len(ctl_times)} transitions) after a status change, as seen by polling every 50 ms", flush=True)
    if loop_times:
        print(f"timing: one round of route-loop.sh (kubectl get, releasegen route, kubectl apply) took "
              f"{statistics.median(loop_times) * 1000:.0f} ms (median of {len(loop_times)}); traffic follows within INTERVAL plus that", flush=True)


def main():
    checks = sys.argv[1:] or ["admission", "istio", "matches", "controller", "route", "prune", "helm", "kustomize", "argocd", "flux"]
    fixtures = sorted((ROOT / "fixtures").glob("*.yaml"))
    if only := os.environ.get("FIXTURES"):
        fixtures = [f for f in fixtures if any(p in f.stem for p in only.split(","))]
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
    print(f"{TALLY.passed} passed, {TALLY.failed} failed", flush=True)
    return 1 if TALLY.failed else 0


if __name__ == "__main__":
    sys.exit(main())
