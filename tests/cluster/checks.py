#!/usr/bin/env python3
"""The checks of the cluster harness, run by tests/cluster/run against the control plane it
started (KUBECONFIG points at it). Every check prints one line, `ok …` or `FAIL …`, and the
run ends with `N passed, M failed`.

- admission: every fixture, rendered plainly, with `--ready all` and at the v1 APIs, applied
  server-side (strict field validation) and client-side; a warning is a failure. The same for
  the largest release accepted in each environment and strategy.
- istio: every VirtualService and ServiceEntry releasegen writes (live objects and every
  `ready-*` key) through Istio's validating webhook, with no error and no warning.
- controller: every routed fixture walked through readiness transitions with the Iter8
  controller running; after each, the routing object it wrote equals the routemap's
  `ready-<state>` key (and, when a weight is annotated, what `releasegen route` computes).
- route: the same transitions with no controller: `examples/no-controller/route-loop.sh` (kubectl
  get, releasegen route, kubectl apply) against the server; the object applied equals the
  controller's.
- timing: how long the routing object takes to follow a readiness change (a figure, not a check).
"""

import concurrent.futures
import json
import os
import pathlib
import signal
import statistics
import subprocess
import sys
import threading
import time

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
RELEASEGEN = os.environ["RELEASEGEN"]
ITER8 = os.environ.get("ITER8")
WORK = pathlib.Path(os.environ["HARNESS_WORK"])
V1 = "networking.istio.io/v1,gateway.networking.k8s.io/v1"
SCRATCH = "harness-scratch"


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.lock = threading.Lock()

    def record(self, name, ok, detail=""):
        with self.lock:
            if ok:
                self.passed += 1
                print(f"ok   {name}", flush=True)
            else:
                self.failed += 1
                print(f"FAIL {name}: {detail.strip()}", flush=True)
        return ok


TALLY = Tally()


def run(args, stdin=None, check=False, env=None):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env)
    if check and p.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: exit {p.returncode}: {p.stderr.strip()}")
    return p


def kubectl(*args, stdin=None, check=False):
    return run(["kubectl", *args], stdin=stdin, check=check)


def warnings(stderr):
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


def namespace_for(values, suffix=""):
    """Each values file renders into a namespace of its own (unless it names one), so that
    releases can be checked side by side."""
    return (pathlib.Path(values).stem.replace(".", "-")[: 62 - len(suffix)] + suffix).strip("-")


def render(values, *args, name="demo", namespace=None):
    return run([RELEASEGEN, "render", "--name", name, "--namespace", namespace or namespace_for(values), *args, str(values)])


WORKERS = 4
NS_LOCKS = {}
NS_LOCKS_LOCK = threading.Lock()


def holding_namespaces(namespaces):
    """Locks for these namespaces, taken in order: two checks never share a namespace."""
    with NS_LOCKS_LOCK:
        locks = [NS_LOCKS.setdefault(ns, threading.Lock()) for ns in sorted(set(namespaces))]

    class Held:
        def __enter__(self):
            for lock in locks:
                lock.acquire()

        def __exit__(self, *_):
            for lock in reversed(locks):
                lock.release()

    return Held()


def in_parallel(jobs):
    """Runs the jobs on WORKERS threads; an exception in a job is a failed check."""
    with concurrent.futures.ThreadPoolExecutor(WORKERS) as pool:
        futures = {pool.submit(job): name for name, job in jobs}
        for future in concurrent.futures.as_completed(futures):
            try:
                future.result()
            except Exception as e:  # noqa: BLE001 - reported as a failed check
                TALLY.record(futures[future], False, f"{type(e).__name__}: {e}")


def docs(stream):
    return [d for d in yaml.safe_load_all(stream) if d]


KNOWN_NAMESPACES = set()


def ensure_namespaces(objects):
    for ns in sorted({o["metadata"].get("namespace") for o in objects} - {None} - KNOWN_NAMESPACES):
        p = kubectl("create", "namespace", ns)
        if p.returncode != 0 and "AlreadyExists" not in p.stderr:
            raise RuntimeError(p.stderr)
        KNOWN_NAMESPACES.add(ns)


def delete_stream(stream):
    kubectl("delete", "--ignore-not-found", "--wait", "--timeout", "60s", "-f", "-", stdin=stream)


def routemap_of(objects):
    for o in objects:
        if o["kind"] == "ConfigMap" and o["metadata"].get("labels", {}).get("iter8.tools/kind") == "routemap":
            return o
    return None


def ready_keys(objects):
    """The routemap's `ready-<state>.yaml` keys as {state: object}."""
    rm = routemap_of(objects)
    if not rm:
        return {}
    return {k[len("ready-"):-len(".yaml")]: yaml.safe_load(v) for k, v in rm.get("data", {}).items() if k.startswith("ready-")}


# ---------------------------------------------------------------------------------------------
# admission

VARIANTS = [("plain", []), ("ready-all", ["--ready", "all"]), ("v1", ["--ready", "all", "-a", V1])]
APPLY = {
    "server-side": ["apply", "--server-side", "--field-manager", "releasegen-harness", "--validate=strict", "-f", "-"],
    "client-side": ["apply", "--validate=strict", "-f", "-"],
}


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
# controller and route

RESOURCE = {"deploy": "deployment", "svc": "service", "cm": "configmap", "isvc": "inferenceservice"}
ROUTING_RESOURCE = {"VirtualService": "virtualservices.networking.istio.io", "HTTPRoute": "httproutes.gateway.networking.k8s.io"}


class Release:
    """One fixture applied to the server, with what its routemap says about its versions."""

    def __init__(self, fixture, args):
        self.fixture = fixture
        self.args = args
        p = render(fixture, *args)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        self.stream = p.stdout
        self.objects = docs(p.stdout)
        rm = routemap_of(self.objects)
        self.namespace = rm["metadata"]["namespace"]
        spec = yaml.safe_load(rm["data"]["strSpec"])
        self.versions = [[(r["gvrShort"], r["name"], r.get("namespace", self.namespace)) for r in v["resources"]] for v in spec["versions"]]
        self.declared = [v.get("weight", 1) for v in spec["versions"]]
        self.ready = ready_keys(self.objects)
        some = next(iter(self.ready.values()))
        self.routing_kind = some["kind"]
        self.routing_name = some["metadata"]["name"]
        self.kinds = sorted({RESOURCE[g] for v in self.versions for g, _, _ in v})

    def workload(self, i):
        """The resource of version i whose status readiness is read (Deployment or InferenceService)."""
        for g, name, ns in self.versions[i]:
            if g in ("deploy", "isvc"):
                return RESOURCE[g], name, ns
        raise RuntimeError(f"version {i} has no workload")

    def weight_config(self, i):
        g, name, ns = self.versions[i][0]
        return RESOURCE[g], name, ns

    def apply(self):
        ensure_namespaces(self.objects)
        kubectl(*APPLY["server-side"], stdin=self.stream, check=True)
        self.stubs = self.external_workloads()
        if self.stubs:
            ensure_namespaces(self.stubs)
            kubectl(*APPLY["server-side"], stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": self.stubs}), check=True)

    def external_workloads(self):
        """With `workloads: external` the user runs the workloads: the harness stands in for
        the user with the smallest objects of the names the routemap gives, labelled as the
        README asks."""
        rendered = {(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace")) for o in self.objects}
        stubs = []
        for version in self.versions:
            for g, name, ns in version:
                kind = {"deploy": "Deployment", "svc": "Service", "isvc": "InferenceService", "cm": "ConfigMap"}[g]
                if (kind, name, ns) in rendered:
                    continue
                meta = {"name": name, "namespace": ns, "labels": {"iter8.tools/watch": "true"}}
                if kind == "Deployment":
                    spec = {"selector": {"matchLabels": {"app": name}},
                            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "example.com/app"}]}}}
                    stubs.append({"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec})
                elif kind == "Service":
                    stubs.append({"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}})
                else:
                    raise RuntimeError(f"no stand-in for an external {kind}")
        return stubs

    def delete(self):
        delete_stream(self.stream)
        if getattr(self, "stubs", None):
            delete_stream(json.dumps({"apiVersion": "v1", "kind": "List", "items": self.stubs}))
        kubectl("delete", ROUTING_RESOURCE[self.routing_kind], self.routing_name, "-n", self.namespace, "--ignore-not-found", "--wait", "--timeout", "60s")

    def live_routing(self):
        p = kubectl("get", ROUTING_RESOURCE[self.routing_kind], self.routing_name, "-n", self.namespace, "-o", "json")
        return json.loads(p.stdout) if p.returncode == 0 else None

    def route(self):
        """What `releasegen route` computes from the server's live objects."""
        live = kubectl("get", ",".join(self.kinds), "-A", "-l", "iter8.tools/watch=true", "-o", "json", check=True).stdout
        p = run([RELEASEGEN, "route", "--name", "demo", "--namespace", namespace_for(self.fixture), *self.args, str(self.fixture)], stdin=live)
        if p.returncode != 0:
            raise RuntimeError(p.stderr)
        return yaml.safe_load(p.stdout)


def set_ready(kind, name, ns, ready):
    gen = json.loads(kubectl("get", kind, name, "-n", ns, "-o", "json", check=True).stdout)["metadata"]["generation"]
    ctype = "Available" if kind == "deployment" else "Ready"
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    cond = {"type": ctype, "status": "True" if ready else "False", "lastTransitionTime": now, "reason": "Harness", "message": "set by the cluster harness"}
    if kind == "deployment":
        cond["lastUpdateTime"] = now
    status = {"observedGeneration": gen, "conditions": [cond]}
    kubectl("patch", kind, name, "-n", ns, "--subresource", "status", "--type", "merge", "-p", json.dumps({"status": status}), check=True)


def set_weight(kind, name, ns, weight):
    value = "null" if weight is None else json.dumps(str(weight))
    kubectl("patch", kind, name, "-n", ns, "--type", "merge", "-p", f'{{"metadata":{{"annotations":{{"iter8.tools/weight":{value}}}}}}}', check=True)


def normalized(obj):
    """The object as the server stores it, compared by spec and labels: the expected object goes
    through a dry-run create in a scratch namespace, so the defaults the server adds are on
    both sides and nothing else is removed."""
    o = {"apiVersion": obj["apiVersion"], "kind": obj["kind"],
         "metadata": {"name": obj["metadata"]["name"], "namespace": SCRATCH, "labels": obj["metadata"].get("labels", {})},
         "spec": obj["spec"]}
    p = kubectl("create", "--dry-run=server", "-o", "json", "-f", "-", stdin=json.dumps(o))
    if p.returncode != 0:
        raise RuntimeError(f"the server refuses the expected object: {p.stderr}")
    return stored(json.loads(p.stdout))


def stored(obj):
    return {"labels": obj["metadata"].get("labels", {}), "spec": obj["spec"]}


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


def label(state):
    return "-".join(str(i) for i in sorted(state)) or "none"


def wait_for(rel, want, timeout=30.0):
    """Polls the routing object until it equals `want`; returns (seconds, last seen)."""
    start = time.monotonic()
    seen = None
    while time.monotonic() - start < timeout:
        live = rel.live_routing()
        seen = stored(live) if live else None
        if seen == want:
            return time.monotonic() - start, seen
        time.sleep(0.05)
    return None, seen


def diff(want, seen):
    return f"want {json.dumps(want, sort_keys=True)}\n     seen {json.dumps(seen, sort_keys=True)}"


class Controller:
    def __init__(self):
        self.proc = None

    def start(self):
        env = dict(os.environ, CONFIG_FILE=str(WORK / "iter8-config.yaml"), POD_NAME="iter8-0", POD_NAMESPACE="iter8-system",
                   LOG_LEVEL="info", METRICS_CONFIG_FILE="/dev/null",
                   # The harness walks four releases at once, more than a controller usually
                   # serves; at client-go's default rate (5 requests a second) the controller
                   # falls tens of seconds behind. Its Helm settings raise the rate.
                   HELM_QPS="50")
        self.log = open(WORK / "logs" / "iter8.log", "a")
        self.proc = subprocess.Popen([ITER8, "controllers"], cwd=WORK, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        # Its informers list every watched type before the first routemap is handled.
        time.sleep(3)
        if self.proc.poll() is not None:
            raise RuntimeError("the Iter8 controller exited at start; see its log")

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.proc = None


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
    checks = sys.argv[1:] or ["admission", "istio", "controller", "route"]
    fixtures = sorted((ROOT / "fixtures").glob("*.yaml"))
    if only := os.environ.get("FIXTURES"):
        fixtures = [f for f in fixtures if any(p in f.stem for p in only.split(","))]
    kubectl("create", "namespace", SCRATCH)
    if "admission" in checks:
        check_admission(fixtures)
    if "istio" in checks:
        check_istio(fixtures)
    if "controller" in checks or "route" in checks:
        check_controller_and_route(fixtures, checks)
    print(f"{TALLY.passed} passed, {TALLY.failed} failed", flush=True)
    return 1 if TALLY.failed else 0


if __name__ == "__main__":
    sys.exit(main())
