#!/usr/bin/env python3
"""What the checks of the cluster harness share: the tally, kubectl, rendering, namespaces, a
fixture applied to the server, readiness patches and the Iter8 controller. The checks are in
checks.py (releasegen's output, read by the server and the controller) and users.py (the
commands users run: Helm, and kubectl's prune and uninstall)."""

import concurrent.futures
import json
import os
import pathlib
import signal
import subprocess
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
    """What the run found. A check is a question a real component answers (the API server,
    Istio's webhook, the Iter8 controller, Helm, kustomize, Argo CD's health, Flux's apply) that
    could come out either way; only checks make the closing `N passed, M failed`. A
    precondition is work of the harness's own (a local render, a build) that the checks after
    it stand on: one that is met is not counted, one that is not is a failure. A step that
    could not tell a broken releasegen from a working one (its expected object equals the one
    already there) is printed as `same` and counted nowhere."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.met = 0
        self.unmet = 0
        self.same = 0
        self.prefix = ""
        self.lock = threading.Lock()

    def record(self, name, ok, detail=""):
        return self.note(name, ok, detail, ("passed", "ok  "), ("failed", "FAIL"))

    def precondition(self, name, ok, detail=""):
        return self.note(name, ok, detail, ("met", "pre "), ("unmet", "FAIL pre"))

    def note(self, name, ok, detail, good, bad):
        """Counts `ok` under `good` or `bad` (a counter and the line's tag) and prints the line."""
        counter, tag = good if ok else bad
        with self.lock:
            setattr(self, counter, getattr(self, counter) + 1)
            print(f"{self.prefix}{tag} {name}" + ("" if ok else f": {detail.strip()}"), flush=True)
        return ok

    def not_counted(self, name):
        with self.lock:
            self.same += 1
            print(f"{self.prefix}same {name}", flush=True)

    def capture(self, prefix):
        """Counts what is recorded inside the `with` apart, for a negative control: the run
        against a broken releasegen must fail, which is the control's own single check."""
        tally = self

        class Captured:
            def __enter__(self):
                with tally.lock:
                    self.saved = (tally.passed, tally.failed, tally.met, tally.unmet, tally.same, tally.prefix)
                    tally.passed = tally.failed = tally.met = tally.unmet = tally.same = 0
                    tally.prefix = prefix
                return self

            def __exit__(self, *_):
                with tally.lock:
                    self.passed, self.failed, self.unmet = tally.passed, tally.failed, tally.unmet
                    tally.passed, tally.failed, tally.met, tally.unmet, tally.same, tally.prefix = self.saved

        return Captured()

    def closing(self):
        print(f"preconditions: {self.met} met, {self.unmet} unmet; {self.same} steps could not discriminate and are not counted", flush=True)
        print(f"{self.passed} passed, {self.failed + self.unmet} failed", flush=True)
        return self.failed + self.unmet


TALLY = Tally()


def run(args, stdin=None, check=False, env=None, cwd=None):
    p = subprocess.run(args, input=stdin, capture_output=True, text=True, env=env, cwd=cwd)
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


APPLY = {
    "server-side": ["apply", "--server-side", "--field-manager", "releasegen-harness", "--validate=strict", "-f", "-"],
    "client-side": ["apply", "--validate=strict", "-f", "-"],
}


RESOURCE = {"deploy": "deployment", "svc": "service", "cm": "configmap", "isvc": "inferenceservice",
            "inferencepool": "inferencepools.inference.networking.k8s.io"}


ROUTING_RESOURCE = {"VirtualService": "virtualservices.networking.istio.io", "HTTPRoute": "httproutes.gateway.networking.k8s.io",
                    "GRPCRoute": "grpcroutes.gateway.networking.k8s.io"}


class Release:
    """One fixture applied to the server, with what its routemap says about its versions."""

    def __init__(self, fixture, args, namespace=None):
        self.fixture = fixture
        self.args = args
        self.given_namespace = namespace or namespace_for(fixture)
        p = render(fixture, *args, namespace=self.given_namespace)
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
        environments guide asks."""
        rendered = {(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace")) for o in self.objects}
        stubs = []
        for version in self.versions:
            for g, name, ns in version:
                kind = {"deploy": "Deployment", "svc": "Service", "isvc": "InferenceService", "cm": "ConfigMap", "inferencepool": "InferencePool"}[g]
                if (kind, name, ns) in rendered:
                    continue
                meta = {"name": name, "namespace": ns, "labels": {"iter8.tools/watch": "true"}}
                if kind == "Deployment":
                    spec = {"selector": {"matchLabels": {"app": name}},
                            "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{"name": "app", "image": "example.com/app"}]}}}
                    stubs.append({"apiVersion": "apps/v1", "kind": kind, "metadata": meta, "spec": spec})
                elif kind == "Service":
                    stubs.append({"apiVersion": "v1", "kind": kind, "metadata": meta, "spec": {"selector": {"app": name}, "ports": [{"port": 80}]}})
                elif kind == "InferencePool":
                    spec = {"selector": {"matchLabels": {"app": name}}, "targetPorts": [{"number": 8000}],
                            "endpointPickerRef": {"name": f"{name}-epp", "port": {"number": 9002}}}
                    stubs.append({"apiVersion": "inference.networking.k8s.io/v1", "kind": kind, "metadata": meta, "spec": spec})
                else:
                    raise RuntimeError(f"no stand-in for an external {kind}")
        return stubs

    def delete(self):
        delete_stream(self.stream)
        if getattr(self, "stubs", None):
            delete_stream(json.dumps({"apiVersion": "v1", "kind": "List", "items": self.stubs}))
        kubectl("delete", ROUTING_RESOURCE[self.routing_kind], self.routing_name, "-n", self.namespace, "--ignore-not-found", "--wait", "--timeout", "60s")

    def live_routing(self):
        p = kubectl("get", ROUTING_RESOURCE[self.routing_kind], self.routing_name, "-n", self.namespace, "-o", "json", "--show-managed-fields")
        return json.loads(p.stdout) if p.returncode == 0 else None

    def delete_routing(self):
        """Deletes the routing object and waits until the server says it is gone: what a walk
        then finds was written during the walk."""
        kubectl("delete", ROUTING_RESOURCE[self.routing_kind], self.routing_name, "-n", self.namespace, "--ignore-not-found", "--wait", "--timeout", "60s")
        return self.live_routing() is None

    def route(self):
        """What `releasegen route` computes from the server's live objects."""
        live = kubectl("get", ",".join(self.kinds), "-A", "-l", "iter8.tools/watch=true", "-o", "json", check=True).stdout
        p = run([RELEASEGEN, "route", "--name", "demo", "--namespace", self.given_namespace, *self.args, str(self.fixture)], stdin=live)
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


def label(state):
    return "-".join(str(i) for i in sorted(state)) or "none"


def written_by(obj, manager):
    return any(m.get("manager") == manager for m in obj["metadata"].get("managedFields", []))


def wait_for(rel, want, before, manager, timeout=30.0):
    """Polls the routing object until one written after `before` (its resourceVersion then, or
    None when it did not exist), with `manager` among its field managers, equals `want`;
    returns (seconds, last seen). A leftover of an earlier walk, or an object nobody rewrote,
    never satisfies it."""
    start = time.monotonic()
    seen = None
    while time.monotonic() - start < timeout:
        live = rel.live_routing()
        seen = stored(live) if live else None
        if live and live["metadata"]["resourceVersion"] != before and written_by(live, manager) and seen == want:
            return time.monotonic() - start, seen
        time.sleep(0.05)
    return None, seen


def version_of(obj):
    return obj["metadata"]["resourceVersion"] if obj else None


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
