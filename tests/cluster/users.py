"""The commands users run, run for real against the harness's control plane: the Helm 3 and
Helm 4 CLIs with `charts/releasegen` and the releasegen post-renderer, every step of every
seed tutorial (the `fixtures/seed-*` values, unchanged) followed by the tutorial's "What
happens?" on the server, and the kubectl guide's prune and uninstall recipes.

Each step is checked for the objects that exist (and that the previous step's removed version
is gone), and, with the Iter8 controller running and every workload's readiness patched, for
where traffic goes: the routing object the controller wrote, summarized as rule → version →
percent and compared with what the tutorial says. The Kubernetes garbage collector runs (a
kube-controller-manager with only that controller), so what `helm uninstall` leaves is what a
cluster would leave."""

import json
import os
import shutil
import time

import yaml

from harness import (RELEASEGEN, ROOT, ROUTING_RESOURCE, TALLY, WORK, Controller, docs, ensure_namespaces, kubectl, run, set_ready)

CHART = ROOT / "charts" / "releasegen"
FIXTURES = ROOT / "fixtures"
HELMS = {"helm3": os.environ.get("HELM3"), "helm4": os.environ.get("HELM4")}

# The seed tutorials: release name, the namespace its commands use, and per step the values
# file, the versions that step runs and where the tutorial says traffic goes once they are
# ready ({rule: {version: percent}}; a rule is `default` or the header match that selects it).
# The KServe tutorial has no Iter8 routing: its steps say what the InferenceService holds.
SEEDS = [
    ("gateway-api-canary", "httpbin", "test", [
        ("1-initial", ["httpbin-0"], {"default": {"httpbin-0": 100}}),
        ("2-candidate", ["httpbin-0", "httpbin-1"], {"traffic=test": {"httpbin-1": 100}, "default": {"httpbin-0": 100}}),
        ("3-promote", ["httpbin-0"], {"default": {"httpbin-0": 100}}),
    ]),
    ("modelmesh-blue-green", "wisdom", "default", [
        ("1-initial", ["wisdom-0"], {"default": {"wisdom-0": 100}}),
        ("2-candidate", ["wisdom-0", "wisdom-1"], {"default": {"wisdom-0": 50, "wisdom-1": 50}}),
        ("3-weights", ["wisdom-0", "wisdom-1"], {"default": {"wisdom-0": 30, "wisdom-1": 70}}),
        ("4-promote", ["wisdom-0"], {"default": {"wisdom-0": 100}}),
    ]),
    ("modelmesh-canary", "wisdom", "modelmesh-serving", [
        ("1-initial", ["wisdom-0"], {"default": {"wisdom-0": 100}}),
        ("2-candidate", ["wisdom-0", "wisdom-1"], {"traffic=test": {"wisdom-1": 100}, "default": {"wisdom-0": 100}}),
        ("3-promote", ["wisdom-0"], {"default": {"wisdom-0": 100}}),
    ]),
    ("kserve-canary", "sklearn-iris", "kserve-test", [
        ("1-initial", ["sklearn-iris"], {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model", "canaryTrafficPercent": None}),
        ("2-canary-10", ["sklearn-iris"], {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model-2", "canaryTrafficPercent": 10}),
        ("3-promote", ["sklearn-iris"], {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model-2", "canaryTrafficPercent": None}),
        ("4-pin-previous", ["sklearn-iris"], {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model-2", "canaryTrafficPercent": 0}),
        ("5-tag-routing", ["sklearn-iris"], {"storageUri": "gs://kfserving-examples/models/sklearn/1.0/model-2", "canaryTrafficPercent": 10,
                                             "serving.kserve.io/enable-tag-routing": "true"}),
    ]),
]

WORKLOAD_KINDS = "deployments,services,configmaps,inferenceservices,serviceentries.networking.istio.io"
ROUTING_KINDS = ",".join(ROUTING_RESOURCE.values())


class Helm:
    """One Helm CLI with homes of its own, so plugins and repositories never touch the user's,
    and releasegen on its PATH as the install instructions put it there."""

    def __init__(self, name):
        self.name = name
        self.binary = HELMS[name]
        home = WORK / name
        self.env = dict(with_releasegen_on_path(home), HELM_CONFIG_HOME=str(home / "config"),
                        HELM_DATA_HOME=str(home / "data"), HELM_CACHE_HOME=str(home / "cache"))
        # Helm 3 runs the post-renderer named on the command line; Helm 4 runs a plugin.
        self.post_render = ["--post-renderer", "releasegen", "--post-renderer-args", "post-render"] if name == "helm3" else ["--post-renderer", "releasegen"]

    def __call__(self, *args, stdin=None):
        return run([self.binary, *args], stdin=stdin, env=self.env)

    def upgrade(self, release, namespace, values_text, *extra):
        return self("-n", namespace, "upgrade", "--install", release, str(CHART), *self.post_render, *extra, "-f", "-", stdin=values_text)


def release_objects(release, namespace):
    """Every object of the release on the server: (kind, name) of what carries Helm's
    release-name annotation or the release's labels."""
    p = kubectl("get", WORKLOAD_KINDS + "," + ROUTING_KINDS, "-n", namespace, "-o", "json", check=True)
    found = set()
    for o in json.loads(p.stdout)["items"]:
        meta = o["metadata"]
        labels, notes = meta.get("labels", {}), meta.get("annotations", {})
        if (notes.get("meta.helm.sh/release-name") == release or labels.get("releasegen.dev/release") == release
                or labels.get("releasegen.dev/routing") == release):
            found.add((o["kind"], meta["name"]))
    return found


def traffic(obj, versions):
    """A routing object as {rule: {version: percent}}: which version each rule sends to, found
    by the `app-version` response header releasegen sets, or the backend's name."""
    rules = {}
    if obj["kind"] == "VirtualService":
        for rule in obj["spec"].get("http", []):
            key = match_key([h for m in rule.get("match", []) for h in (m.get("headers") or {}).items()], istio=True)
            rules[key] = shares([(version_of(r, versions), r.get("weight", 100 if len(rule["route"]) == 1 else 0)) for r in rule["route"]])
    else:
        for rule in obj["spec"].get("rules", []):
            headers = [(h["name"], h["value"]) for m in rule.get("matches", []) for h in m.get("headers", [])]
            rules[match_key(headers, istio=False)] = shares([(version_of(b, versions), b.get("weight", 1)) for b in rule.get("backendRefs", [])])
    return rules


def match_key(headers, istio):
    if not headers:
        return "default"
    return ",".join(f"{k}={(v.get('exact') if istio else v)}" for k, v in headers)


def version_of(dest, versions):
    """The version a destination is: its name, or a host in its name (`NAME.NAMESPACE…`)."""
    text = json.dumps(dest)
    named = [v for v in versions if f'"{v}"' in text or f'"{v}.' in text]
    return max(named, key=len) if named else text


def shares(weighted):
    total = sum(w for _, w in weighted) or 1
    out = {}
    for v, w in weighted:
        out[v] = out.get(v, 0) + round(100 * w / total)
    return {v: p for v, p in out.items() if p}


def make_ready(namespace, names):
    """Patches each version's workload ready, as its controller would once pods run."""
    for name in names:
        for kind in ("deployment", "inferenceservice"):
            if kubectl("get", kind, name, "-n", namespace).returncode == 0:
                set_ready(kind, name, namespace, True)


def wait_for_traffic(namespace, release, versions, want, timeout=30.0):
    start, seen = time.monotonic(), None
    while time.monotonic() - start < timeout:
        p = kubectl("get", ROUTING_KINDS, "-n", namespace, "-l", f"releasegen.dev/routing={release}", "-o", "json")
        items = json.loads(p.stdout)["items"] if p.returncode == 0 else []
        seen = traffic(items[0], versions) if len(items) == 1 else [i["kind"] for i in items]
        if seen == want:
            return True, seen
        time.sleep(0.1)
    return False, seen


def rendered_objects(values, release, namespace, *args):
    p = run([RELEASEGEN, "render", "--name", release, "--namespace", namespace, *args, str(values)], check=True)
    return {(o["kind"], o["metadata"]["name"]) for o in docs(p.stdout)}


def seed_with(helm, seed, release, namespace, steps):
    name = f"{helm.name} seed {seed}"
    ensure_namespaces([{"metadata": {"namespace": namespace}}])
    previous = set()
    for step, versions, want in steps:
        values = FIXTURES / f"seed-{seed}-{step}.yaml"
        p = helm.upgrade(release, namespace, values.read_text())
        if not TALLY.record(f"{name} {step}: helm upgrade --install", p.returncode == 0, p.stderr):
            break
        expected = rendered_objects(values, release, namespace)
        # The route is the controller's, checked below by where it sends traffic.
        on_server = {(k, n) for k, n in release_objects(release, namespace) if k not in ("VirtualService", "HTTPRoute")}
        gone = previous - expected
        TALLY.record(f"{name} {step}: the server holds the step's objects ({len(expected)}), and not those it removed ({len(gone)})",
                     on_server == expected, f"want {sorted(expected)}\n     seen {sorted(on_server)}")
        previous = expected
        make_ready(namespace, versions)
        if seed == "kserve-canary":
            check_isvc(name, step, release, namespace, want)
        else:
            ok, seen = wait_for_traffic(namespace, release, versions, want)
            TALLY.record(f"{name} {step}: traffic as the tutorial says, {json.dumps(want, sort_keys=True)}", ok, f"seen {json.dumps(seen, sort_keys=True)}")
    p = helm("-n", namespace, "uninstall", release, "--wait", "--timeout", "60s")
    TALLY.record(f"{name}: helm uninstall", p.returncode == 0, p.stderr)
    left = wait_until_gone(release, namespace, timeout=10.0)
    if left:
        # The Iter8 controller can write the route once more after the routemap is gone, and
        # then without the owner reference the garbage collector goes by (docs/guide/kubectl-and-controller.md).
        print(f"note {name}: helm uninstall left {sorted(left)}, owner references {owners(namespace, release)}", flush=True)
    p = run(["bash", "-euo", "pipefail", "-c", f"APP={release}\n" + guide_recipes("## Uninstalling with a controller", 1)[0].replace("-n test", f"-n {namespace}")])
    TALLY.record(f"{name}: the guide's route delete after helm uninstall runs", p.returncode == 0, p.stderr)
    time.sleep(5)
    left = release_objects(release, namespace)
    TALLY.record(f"{name}: nothing of the release is left after helm uninstall and the route delete", not left, f"left: {sorted(left)} {owners(namespace, release)}")


def owners(namespace, release):
    p = kubectl("get", ROUTING_KINDS, "-n", namespace, "-l", f"releasegen.dev/routing={release}", "-o", "json")
    items = json.loads(p.stdout)["items"] if p.returncode == 0 else []
    return [(i["metadata"]["name"], i["metadata"].get("ownerReferences")) for i in items]


def wait_until_gone(release, namespace, timeout=30.0):
    """What of the release is still there once the garbage collector had its time."""
    start = time.monotonic()
    left = release_objects(release, namespace)
    while left and time.monotonic() - start < timeout:
        time.sleep(0.2)
        left = release_objects(release, namespace)
    return left


def check_isvc(name, step, release, namespace, want):
    p = kubectl("get", "inferenceservice", release, "-n", namespace, "-o", "json")
    if not TALLY.record(f"{name} {step}: the InferenceService exists", p.returncode == 0, p.stderr):
        return
    isvc = json.loads(p.stdout)
    predictor = isvc["spec"]["predictor"]
    seen = {"storageUri": predictor.get("model", {}).get("storageUri"), "canaryTrafficPercent": predictor.get("canaryTrafficPercent")}
    for key in want:
        if key.startswith("serving.kserve.io/"):
            seen[key] = isvc["metadata"].get("annotations", {}).get(key)
    TALLY.record(f"{name} {step}: the InferenceService as the tutorial says, {json.dumps(want, sort_keys=True)}", seen == want,
                 f"seen {json.dumps(seen, sort_keys=True)}")


def check_chart(helm):
    """`helm lint` and `helm template` of the chart, and a typo stopped by its schema before
    the post-renderer runs."""
    p = helm("lint", str(CHART))
    TALLY.record(f"{helm.name} lint charts/releasegen", p.returncode == 0 and "0 chart(s) failed" in p.stdout, p.stdout + p.stderr)
    values = FIXTURES / "seed-gateway-api-canary-2-candidate.yaml"
    p = helm("template", "httpbin", str(CHART), "-n", "test", *helm.post_render, "-f", str(values))
    objects = docs(p.stdout) if p.returncode == 0 else []
    want = rendered_objects(values, "httpbin", "test")
    got = {(o["kind"], o["metadata"]["name"]) for o in objects}
    TALLY.record(f"{helm.name} template charts/releasegen with the post-renderer: the release's objects", got == want and p.returncode == 0,
                 p.stderr + f"want {sorted(want)}\n     seen {sorted(got)}")
    typo = values.read_text().replace("strategy: canary", "stratgy: canary")
    marker = WORK / f"{helm.name}-post-renderer-ran"
    # A post-renderer that leaves a mark and then runs releasegen: the schema must stop Helm
    # before it. Helm 3 runs it by path; Helm 4 as a plugin of its own.
    tracer = WORK / f"{helm.name}-tracer"
    tracer.mkdir(exist_ok=True)
    script = tracer / "tracer.sh"
    script.write_text(f"#!/bin/sh\ntouch {marker}\nexec {RELEASEGEN} post-render\n")
    script.chmod(0o755)
    if helm.name == "helm3":
        args = ["--post-renderer", str(script)]
    else:
        (tracer / "plugin.yaml").write_text("apiVersion: v1\ntype: postrenderer/v1\nname: tracer\nversion: 0.1.0\nruntime: subprocess\n"
                                            f"runtimeConfig:\n  platformCommand:\n  - command: {script}\n")
        helm("plugin", "install", str(tracer))
        args = ["--post-renderer", "tracer"]
    good = helm("template", "httpbin", str(CHART), "-n", "test", *args, "-f", str(values))
    TALLY.record(f"{helm.name} the marking post-renderer runs on good values (the control for the next check)",
                 good.returncode == 0 and marker.exists(), good.stderr)
    marker.unlink(missing_ok=True)
    p = helm("template", "httpbin", str(CHART), "-n", "test", *args, "-f", "-", stdin=typo)
    said = "stratgy" in p.stderr and "schema" in p.stderr.lower()
    TALLY.record(f"{helm.name} a typo in the values (stratgy) is refused by the chart's schema before the post-renderer runs",
                 p.returncode != 0 and said and not p.stdout.strip() and not marker.exists(), p.stderr or "accepted")


# --set and --set-string over values that already hold what they set: Helm's own parser (its
# CLI, `helm template` of a chart that prints `.Values`) against `releasegen values`. Each is
# applied to the seed file given with -f, as `helm ... -f values.yaml --set ...` applies it.
# `.Values` keeps a key set to null where releasegen, like Helm's coalescing with a chart's
# defaults, drops it; both mean "not set", so nulls in maps are dropped from Helm's side.
SET_SEED = {"environment": "deployment-istio", "application": {"strategy": "canary", "versions": [
    {"image": "a:1", "weight": 50, "metadata": {"labels": {"v": "1"}}},
    {"image": "a:2", "match": [{"headers": {"x": {"exact": "beta"}}}]}]}}
SET_CASES = [
    "application.versions[1].image=",
    "application.versions[1].image=,application.strategy=blue-green",
    "application.strategy=blue-green,application.versions[1].image=",
    "application.versions[0].weight=",
    "application.versions[0].weight=30",
    "application.versions[0].metadata.labels.v=",
    "application.versions[0].metadata.labels.w=2",
    "application.versions[2].image=",
    "application.versions[2].image=a:3",
    "application.versions[3].image=a:4",
    "application.versions[1].match[0].headers.x.exact=",
    "application.versions[1].match[0].headers.x.exact=z",
    "application.versions[1].match[1].uri.prefix=",
    "application.versions[1].match[1].uri.prefix=/b",
    "application.versions[0]=x",
    "application.versions[1].match={a,b}",
    "application.versions={}",
    "application.strategy=",
    "application.strategy=null",
    "application=",
    "environment=",
    "application.versions[0].image=a:9,application.versions[0].image=",
]


def without_nulls(v):
    if isinstance(v, dict):
        return {k: without_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [without_nulls(x) for x in v]
    return v


def check_set_over_values(helm):
    chart = WORK / "values-dump"
    (chart / "templates").mkdir(parents=True, exist_ok=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: values-dump\nversion: 0.1.0\n")
    (chart / "templates" / "values.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: values\ndata:\n  values.json: {{ toJson .Values | quote }}\n")
    seed = WORK / "set-seed.yaml"
    seed.write_text(yaml.safe_dump(SET_SEED))
    for expr in SET_CASES:
        for flag in ("--set", "--set-string"):
            p = helm("template", "dump", str(chart), "-f", str(seed), flag, expr)
            want = without_nulls(json.loads(docs(p.stdout)[0]["data"]["values.json"])) if p.returncode == 0 else None
            r = run([str(RELEASEGEN), "values", "-f", str(seed), flag, expr])
            got = json.loads(r.stdout) if r.returncode == 0 else None
            same = got == want
            TALLY.record(f"{helm.name} {flag} {expr} over existing values: releasegen values as helm's .Values", same,
                         f"helm {json.dumps(want)}\nreleasegen {json.dumps(got)}\n{p.stderr}{r.stderr}")


def install_plugin(helm):
    p = helm("plugin", "install", str(ROOT / "helm-plugin"))
    TALLY.record(f"{helm.name} plugin install ./helm-plugin", p.returncode == 0, p.stdout + p.stderr)


def check_garbage_collector():
    """A negative control for "nothing is left": the garbage collector deletes an object whose
    owner is deleted, as in a cluster."""
    owner = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "gc-owner", "namespace": "harness-scratch"}}
    p = kubectl("create", "-o", "json", "-f", "-", stdin=json.dumps(owner), check=True)
    uid = json.loads(p.stdout)["metadata"]["uid"]
    dependent = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {
        "name": "gc-dependent", "namespace": "harness-scratch",
        "ownerReferences": [{"apiVersion": "v1", "kind": "ConfigMap", "name": "gc-owner", "uid": uid}]}}
    kubectl("create", "-f", "-", stdin=json.dumps(dependent), check=True)
    kubectl("delete", "configmap", "gc-owner", "-n", "harness-scratch", check=True)
    start = time.monotonic()
    while time.monotonic() - start < 30 and kubectl("get", "configmap", "gc-dependent", "-n", "harness-scratch").returncode == 0:
        time.sleep(0.2)
    gone = kubectl("get", "configmap", "gc-dependent", "-n", "harness-scratch").returncode != 0
    TALLY.record("garbage collector deletes an object whose owner is deleted", gone, "the dependent is still there after 30 s")


def check_helm():
    helms = [Helm(name) for name, binary in HELMS.items() if binary]
    if not helms:
        TALLY.precondition("helm: the Helm CLIs were built", False, "HELM3 and HELM4 are not set")
        return
    check_garbage_collector()
    for helm in helms:
        if helm.name == "helm4":
            install_plugin(helm)
        check_chart(helm)
        check_set_over_values(helm)
    kubectl("create", "namespace", "iter8-system")
    controller = Controller()
    controller.start()
    try:
        # One Helm at a time, each seed after the other: two seeds share the release name
        # `wisdom`, and the same seed under both Helms shares everything.
        for helm in helms:
            for seed, release, namespace, steps in SEEDS:
                seed_with(helm, seed, release, namespace, steps)
        check_routing_actions()
    finally:
        controller.stop()



GUIDE = ROOT / "docs" / "guide" / "kubectl-and-controller.md"


def guide_recipes(heading, count):
    """The first `count` sh blocks under a heading of the kubectl guide, verbatim."""
    text = GUIDE.read_text()
    section = text[text.index(heading):]
    blocks = section.split("```sh\n")[1:count + 1]
    return [b[:b.index("```")] for b in blocks]


def recipe(script, values, workdir):
    """Runs a guide's recipe as a user would: in a directory holding values.yaml, with
    releasegen on PATH."""
    (workdir / "values.yaml").write_text(values.read_text())
    return run(["bash", "-euo", "pipefail", "-c", script], env=with_releasegen_on_path(workdir), cwd=workdir)


def check_prune_and_uninstall():
    """The kubectl guide's prune and uninstall recipes, verbatim, with no controller: the candidate's
    objects go on a promote and the route stays; the uninstall recipe removes both; a second
    release in the namespace is untouched by either."""
    apply_recipe, uninstall_recipe = guide_recipes("## Prune and uninstall", 2)
    workdir = WORK / "prune"
    workdir.mkdir(exist_ok=True)
    ensure_namespaces([{"metadata": {"namespace": "test"}}])
    neighbour = run([RELEASEGEN, "render", "--name", "other", "--namespace", "test", "--ready", "all",
                     str(FIXTURES / "seed-gateway-api-canary-2-candidate.yaml")], check=True).stdout
    kubectl("apply", "-f", "-", stdin=neighbour, check=True)
    theirs = release_objects("other", "test")
    versions = ["httpbin-0", "httpbin-1"]
    steps = [("2-candidate", {"traffic=test": {"httpbin-1": 100}, "default": {"httpbin-0": 100}}), ("3-promote", {"default": {"httpbin-0": 100}})]
    try:
        for step, want in steps:
            p = recipe(apply_recipe, FIXTURES / f"seed-gateway-api-canary-{step}.yaml", workdir)
            if not TALLY.record(f"prune recipe {step}: the guide's commands run", p.returncode == 0, p.stderr):
                return
            expected = rendered_objects(FIXTURES / f"seed-gateway-api-canary-{step}.yaml", "httpbin", "test", "--ready", "all")
            live = release_objects("httpbin", "test")
            TALLY.record(f"prune recipe {step}: exactly the release's objects, and the route", live == expected,
                         f"want {sorted(expected)}\n     seen {sorted(live)}")
            ok, seen = wait_for_traffic("test", "httpbin", versions, want, timeout=1.0)
            TALLY.record(f"prune recipe {step}: the route sends {json.dumps(want, sort_keys=True)}", ok, f"seen {json.dumps(seen, sort_keys=True)}")
            TALLY.record(f"prune recipe {step}: the other release in the namespace is untouched", release_objects("other", "test") == theirs,
                         f"want {sorted(theirs)}\n     seen {sorted(release_objects('other', 'test'))}")
        # The uninstall recipe runs in the shell the prune recipe set APP in.
        settings = "".join(line + "\n" for line in apply_recipe.splitlines() if line.startswith("APP="))
        p = recipe(settings + uninstall_recipe, FIXTURES / "seed-gateway-api-canary-3-promote.yaml", workdir)
        TALLY.record("uninstall recipe: the guide's commands run", p.returncode == 0, p.stderr)
        left = release_objects("httpbin", "test")
        TALLY.record("uninstall recipe: nothing of the release is left, the route included", not left, f"left: {sorted(left)}")
        TALLY.record("uninstall recipe: the other release in the namespace is untouched", release_objects("other", "test") == theirs,
                     f"want {sorted(theirs)}\n     seen {sorted(release_objects('other', 'test'))}")
    finally:
        kubectl("delete", "-f", "-", "--ignore-not-found", "--wait", "--timeout", "60s", stdin=neighbour)
        kubectl("delete", WORKLOAD_KINDS + "," + ROUTING_KINDS, "-n", "test", "-l", "releasegen.dev/release=httpbin", "--wait", "--timeout", "60s")
        kubectl("delete", ROUTING_KINDS, "-n", "test", "-l", "releasegen.dev/routing=httpbin", "--wait", "--timeout", "60s")


def with_releasegen_on_path(workdir):
    bin_dir = workdir / "bin"
    bin_dir.mkdir(parents=True, exist_ok=True)
    if not (bin_dir / "releasegen").exists():
        (bin_dir / "releasegen").symlink_to(RELEASEGEN)
    return dict(os.environ, PATH=f"{bin_dir}:{os.environ['PATH']}")


def release_document(values, name, namespace, annotations=None):
    meta = {"name": name, "namespace": namespace}
    if annotations:
        meta["annotations"] = annotations
    spec = yaml.safe_load(values.read_text())
    return yaml.safe_dump({"apiVersion": "releasegen.dev/v1alpha1", "kind": "Release", "metadata": meta, "spec": spec}, sort_keys=False)


def applied_as_rendered(label, stream, values, release, namespace):
    """Applies a generated stream server-side and checks the server then holds exactly what
    `releasegen render` makes of the same values; deletes it again."""
    objects = docs(stream)
    got = {(o["kind"], o["metadata"]["name"]) for o in objects}
    want = rendered_objects(values, release, namespace)
    TALLY.record(f"{label}: the release's objects ({len(want)})", got == want, f"want {sorted(want)}\n     seen {sorted(got)}")
    ensure_namespaces(objects)
    p = kubectl("apply", "--server-side", "--field-manager", "releasegen-harness", "--validate=strict", "-f", "-", stdin=stream)
    problems = [line for line in p.stderr.splitlines() if line.startswith("Warning:")] + ([p.stderr] if p.returncode != 0 else [])
    TALLY.record(f"{label}: applied server-side, no warning", not problems, "\n".join(problems))
    live = release_objects(release, namespace)
    TALLY.record(f"{label}: the server holds them", live == want, f"want {sorted(want)}\n     seen {sorted(live)}")
    kubectl("delete", "-f", "-", "--ignore-not-found", "--wait", "--timeout", "60s", stdin=stream)


def check_kustomize():
    """kustomize with releasegen as an exec KRM generator, as the integrations guide declares it, and
    `kpt fn render` with releasegen in a Kptfile pipeline; each output applied to the server."""
    values = FIXTURES / "seed-gateway-api-canary-2-candidate.yaml"
    workdir = WORK / "kustomize"
    workdir.mkdir(exist_ok=True)
    env = with_releasegen_on_path(workdir)
    function = "exec:\n  path: ./releasegen-krm\n"
    (workdir / "release.yaml").write_text(release_document(values, "httpbin", "kustomize", {"config.kubernetes.io/function": function}))
    (workdir / "kustomization.yaml").write_text("generators:\n- release.yaml\n")
    script = workdir / "releasegen-krm"
    script.write_text("#!/bin/sh\nexec releasegen krm\n")
    script.chmod(0o755)
    kustomize = os.environ.get("KUSTOMIZE")
    if TALLY.precondition("kustomize: the CLI was built", bool(kustomize), "KUSTOMIZE is not set"):
        first = run([kustomize, "build", "--enable-alpha-plugins", "--enable-exec", str(workdir)], env=env)
        if TALLY.record("kustomize build --enable-alpha-plugins --enable-exec", first.returncode == 0, first.stderr):
            again = run([kustomize, "build", "--enable-alpha-plugins", "--enable-exec", str(workdir)], env=env)
            TALLY.record("kustomize build a second time: the same stream", again.stdout == first.stdout, "the output changed")
            applied_as_rendered("kustomize build", first.stdout, values, "httpbin", "kustomize")
    # kubectl's own kustomize has no --enable-exec, and with only --enable-alpha-plugins it skips
    # an exec generator without a word: the integrations guide warns of exactly this.
    p = kubectl("kustomize", "--enable-alpha-plugins", "--enable-exec", str(workdir))
    TALLY.record("kubectl kustomize refuses --enable-exec (no such flag)", p.returncode != 0 and "enable-exec" in p.stderr, p.stdout + p.stderr)
    p = run(["kubectl", "kustomize", "--enable-alpha-plugins", str(workdir)], env=env)
    TALLY.record("kubectl kustomize --enable-alpha-plugins skips the exec generator: no release objects",
                 p.returncode != 0 or not [d for d in docs(p.stdout) if d.get("kind") != "Release"], p.stdout[:500])
    check_kpt(values)


def check_kpt(values):
    pkg = WORK / "kpt" / "pkg"
    pkg.mkdir(parents=True, exist_ok=True)
    env = with_releasegen_on_path(WORK / "kpt")
    (pkg / "Kptfile").write_text("apiVersion: kpt.dev/v1\nkind: Kptfile\nmetadata:\n  name: pkg\npipeline:\n  mutators:\n  - exec: \"releasegen krm\"\n")
    (pkg / "release.yaml").write_text(release_document(values, "httpbin", "kpt"))
    p = run(["kpt", "fn", "render", "--allow-exec", str(pkg)], env=env)
    if not TALLY.record("kpt fn render --allow-exec (Kptfile pipeline: releasegen krm)", p.returncode == 0, p.stderr):
        return
    manifests = pkg / "httpbin.manifests.yaml"
    if TALLY.record("kpt fn render wrote httpbin.manifests.yaml next to the Release", manifests.exists(), str(sorted(os.listdir(pkg)))):
        applied_as_rendered("kpt fn render", manifests.read_text(), values, "httpbin", "kpt")


# The routing-actions tutorial's steps as written: kubectl for the workloads, and releasegen
# where the tutorial runs `helm template … routing-actions` (the environments guide's recipe), with where
# traffic goes after each step once every workload is ready.
ROUTING_ACTIONS = [
    ("initialize primary", """
kubectl create deployment httpbin-0 --image=kennethreitz/httpbin --port=80
kubectl label deployment httpbin-0 iter8.tools/watch=true
kubectl expose deployment httpbin-0 --port=80
""", None),
    ("routing", """
cat <<EOF > routing.yaml
appType: deployment
appName: httpbin
action: initialize
strategy: blue-green
EOF
releasegen render routing.yaml --namespace default | kubectl apply -f -
""", {"default": {"httpbin-0": 100}}),
    ("deploy candidate", """
kubectl create deployment httpbin-1 --image=kennethreitz/httpbin --port=80
kubectl label deployment httpbin-1 app.kubernetes.io/version=v1
kubectl label deployment httpbin-1 iter8.tools/watch=true
kubectl expose deployment httpbin-1 --port=80
""", {"default": {"httpbin-0": 50, "httpbin-1": 50}}),
    ("modify weights", """
cat <<EOF | releasegen render --namespace default | kubectl apply -f -
appType: deployment
appName: httpbin
action: modify-weights
strategy: blue-green
appVersions:
  - weight: 20
  - weight: 80
EOF
""", {"default": {"httpbin-0": 20, "httpbin-1": 80}}),
    ("promote", """
kubectl set image deployment/httpbin-0 httpbin=kennethreitz/httpbin
kubectl label deployment httpbin-0 app.kubernetes.io/version=v1 --overwrite
kubectl delete deployment/httpbin-1 service/httpbin-1
""", {"default": {"httpbin-0": 100}}),
    ("cleanup", """
releasegen render routing.yaml --namespace default | kubectl delete -f -
kubectl delete deployment/httpbin-0 service/httpbin-0
""", None),
]


def check_routing_actions():
    """The routing-actions tutorial, with the Iter8 controller running."""
    workdir = WORK / "routing-actions"
    workdir.mkdir(exist_ok=True)
    env = with_releasegen_on_path(workdir)
    versions = ["httpbin-0", "httpbin-1"]
    for step, script, want in ROUTING_ACTIONS:
        p = run(["bash", "-euo", "pipefail", "-c", script], env=env, cwd=workdir)
        if not TALLY.record(f"routing-actions seed {step}: the tutorial's commands run", p.returncode == 0, p.stderr):
            break
        make_ready("default", [v for v in versions if kubectl("get", "deployment", v, "-n", "default").returncode == 0])
        if want:
            ok, seen = wait_for_traffic("default", "httpbin", versions, want)
            TALLY.record(f"routing-actions seed {step}: traffic as the tutorial says, {json.dumps(want, sort_keys=True)}", ok,
                         f"seen {json.dumps(seen, sort_keys=True)}")
    left = wait_until_gone("httpbin", "default")
    workloads = [v for v in versions if kubectl("get", "deployment", v, "-n", "default").returncode == 0]
    TALLY.record("routing-actions seed: nothing is left after the cleanup, the routing included", not left and not workloads,
                 f"left: {sorted(left)} {workloads}")


def argocd_generate(source_dir, app, namespace, parameters):
    """The plugin's `generate` command, run as Argo CD's CMP sidecar runs it: in the source
    directory, with the sidecar's PATH, the `ARGOCD_APP_*` variables of the Application and
    each parameter as `PARAM_<NAME>` (and all of them as `ARGOCD_APP_PARAMETERS`)."""
    plugin = yaml.safe_load((ROOT / "integrations" / "argocd" / "plugin.yaml").read_text())
    generate = plugin["spec"]["generate"]
    env = {"PATH": with_releasegen_on_path(source_dir.parent)["PATH"],
           "ARGOCD_APP_NAME": app, "ARGOCD_APP_NAMESPACE": namespace, "ARGOCD_APP_PROJECT_NAME": "default",
           "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567", "ARGOCD_APP_REVISION_SHORT": "0123456",
           "ARGOCD_APP_SOURCE_PATH": source_dir.name, "ARGOCD_APP_SOURCE_REPO_URL": "https://example.com/repo.git",
           "ARGOCD_APP_SOURCE_TARGET_REVISION": "HEAD", "KUBE_VERSION": "1.36.3",
           "KUBE_API_VERSIONS": "v1,apps/v1,networking.istio.io/v1beta1,gateway.networking.k8s.io/v1"}
    for name, value in parameters.items():
        env["PARAM_" + name.upper()] = value
    env["ARGOCD_APP_PARAMETERS"] = json.dumps([{"name": k, "string": v} for k, v in parameters.items()])
    return run([*generate["command"], *generate["args"]], env=env, cwd=source_dir)


def health(kind, name, namespace):
    """Argo CD's health of a live object (gitops-engine's assessment), or `Missing`."""
    p = kubectl("get", kind, name, "-n", namespace, "-o", "json")
    if p.returncode != 0:
        return "Missing"
    h = run([os.environ["ARGOCD_HEALTH"]], stdin=p.stdout, check=True)
    return h.stdout.split("\t")[0].strip()


def rollout_complete(name, namespace):
    """What the Deployment controller writes once every replica of the new version runs."""
    d = json.loads(kubectl("get", "deployment", name, "-n", namespace, "-o", "json", check=True).stdout)
    replicas = d["spec"].get("replicas", 1)
    now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    status = {"observedGeneration": d["metadata"]["generation"], "replicas": replicas, "updatedReplicas": replicas,
              "readyReplicas": replicas, "availableReplicas": replicas,
              "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable", "message": "set by the cluster harness",
                              "lastTransitionTime": now, "lastUpdateTime": now},
                             {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable", "message": "set by the cluster harness",
                              "lastTransitionTime": now, "lastUpdateTime": now}]}
    kubectl("patch", "deployment", name, "-n", namespace, "--subresource", "status", "--type", "merge", "-p", json.dumps({"status": status}), check=True)


def sync_in_waves(label, stream, app, namespace, versions, new, after):
    """Argo CD's sync of one revision: each sync wave applied in order, the next only once
    every resource of the one before is healthy, as Argo CD's health assessment (gitops-engine)
    says. Checks that the assessment holds back exactly the workloads this revision starts
    (`new`: Progressing until their rollout completes, so Argo CD would wait before the routing
    object's wave), that it calls them Healthy once the rollouts complete, and where traffic
    goes after the last wave."""
    objects = docs(stream)
    waves = {}
    for o in objects:
        wave = int(o["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave", "0"))
        waves.setdefault(wave, []).append(o)
    TALLY.precondition(f"{label}: two sync waves, the routing object alone in the last", sorted(waves) == [0, 1]
                       and [o["kind"] for o in waves[1]] in (["HTTPRoute"], ["VirtualService"]), str({w: [o["kind"] for o in os] for w, os in waves.items()}))
    ensure_namespaces(objects)
    for wave in sorted(waves):
        items = waves[wave]
        kubectl("apply", "--server-side", "--field-manager", "argocd-controller", "-f", "-",
                stdin=json.dumps({"apiVersion": "v1", "kind": "List", "items": items}), check=True)
        if wave == max(waves):
            break
        # A Deployment and its Service share a name: verdicts are keyed by kind and name.
        verdicts = {f"{o['kind']}/{o['metadata']['name']}": health(o["kind"].lower(), o["metadata"]["name"], namespace) for o in items}
        unhealthy = sorted(key for key, h in verdicts.items() if h != "Healthy")
        want = sorted(f"Deployment/{name}" for name in new)
        TALLY.record(f"{label}: Argo CD's health holds wave {wave + 1} back for exactly the new workloads {want}",
                     unhealthy == want and all(verdicts[k] == "Progressing" for k in want), f"verdicts {json.dumps(verdicts, sort_keys=True)}")
        for key in unhealthy:
            kind, name = key.split("/", 1)
            if kind == "Deployment":
                rollout_complete(name, namespace)
        still = [o["metadata"]["name"] for o in items if health(o["kind"].lower(), o["metadata"]["name"], namespace) != "Healthy"]
        TALLY.record(f"{label}: wave {wave} Healthy once the rollouts complete", not still, f"not Healthy: {still}")
    ok, seen = wait_for_traffic(namespace, app, versions, after, timeout=2.0)
    TALLY.record(f"{label}: after the last wave, traffic {json.dumps(after, sort_keys=True)}", ok, f"seen {json.dumps(seen, sort_keys=True)}")


def check_argocd():
    """The Argo CD plugin of integrations/argocd, as Argo CD runs it, with no controller: the
    Application of examples/argocd-app, named httpbin, first synced at its releasegen.yaml
    (the primary alone), then at candidate/releasegen.yaml (the commit that adds the
    candidate), both with the parameter ready=all as its application.yaml sets it."""
    if not TALLY.precondition("argocd: the health assessment was built", bool(os.environ.get("ARGOCD_HEALTH")), "ARGOCD_HEALTH is not set"):
        return
    app, namespace = "httpbin", "argocd-app"
    source = WORK / "argocd" / "app"
    source.mkdir(parents=True, exist_ok=True)
    versions = ["httpbin-0", "httpbin-1"]
    # Each revision with the Deployments it starts (Argo CD must wait for them) and the
    # traffic after its last wave.
    revisions = [
        ("initial", ROOT / "examples" / "argocd-app" / "releasegen.yaml", ["httpbin-0"], {"default": {"httpbin-0": 100}}),
        ("candidate", ROOT / "examples" / "argocd-app" / "candidate" / "releasegen.yaml", ["httpbin-1"],
         {"traffic=test": {"httpbin-1": 100}, "default": {"httpbin-0": 100}}),
    ]
    try:
        for revision, values, new, after in revisions:
            label = f"argocd {revision}"
            (source / "releasegen.yaml").write_text(values.read_text())
            p = argocd_generate(source, app, namespace, {"ready": "all"})
            if not TALLY.precondition(f"{label}: the plugin's generate command", p.returncode == 0 and p.stdout.strip(), p.stderr):
                return
            sync_in_waves(label, p.stdout, app, namespace, versions, new, after)
        # A typo fails the generate (strict by default) with nothing on stdout: Argo CD reports
        # the error instead of syncing, or pruning against, an empty set.
        (source / "releasegen.yaml").write_text(values.read_text().replace("strategy:", "stratgy:"))
        p = argocd_generate(source, app, namespace, {"ready": "all"})
        TALLY.precondition("argocd: a typo fails the generate command, with nothing on stdout", p.returncode != 0 and not p.stdout, p.stdout + p.stderr)
    finally:
        kubectl("delete", WORKLOAD_KINDS + "," + ROUTING_KINDS, "-n", namespace, "-l", f"releasegen.dev/release={app}", "--wait=false")
        kubectl("delete", ROUTING_KINDS, "-n", namespace, "-l", f"releasegen.dev/routing={app}", "--wait=false")


def flux_apply(stream, inventory):
    """The kustomize-controller's apply and prune (tests/cluster/components/flux-apply)."""
    return run([os.environ["FLUX_APPLY"], "-name", "releases", "-namespace", "flux-system", "-inventory", str(inventory)], stdin=stream)


def check_flux():
    """examples/flux as Flux applies it: `kustomize build` of deploy/ (what the
    kustomize-controller builds), applied server-side by kustomize-controller's own library with
    its field manager, then a promote rendered by render.sh and applied again: the candidate's
    objects are pruned, the rest stay and are owned by the field manager."""
    if not TALLY.precondition("flux: the apply was built", bool(os.environ.get("FLUX_APPLY")) and bool(os.environ.get("KUSTOMIZE")),
                        "FLUX_APPLY or KUSTOMIZE is not set"):
        return
    example = WORK / "flux" / "examples" / "flux"
    shutil.rmtree(example.parent.parent, ignore_errors=True)
    shutil.copytree(ROOT / "examples" / "flux", example)
    inventory = WORK / "flux" / "inventory.json"
    env = dict(os.environ, RELEASEGEN=RELEASEGEN)
    releases = [docs(f.read_text())[0] for f in sorted((example / "releases").glob("*.yaml"))]
    namespaces = sorted({r["metadata"].get("namespace", "default") for r in releases})
    ensure_namespaces([{"metadata": {"namespace": ns}} for ns in namespaces])
    try:
        for step in ("committed deploy/", "after a promote"):
            if step == "after a promote":
                promote(example / "releases" / "httpbin.yaml")
                p = run(["sh", str(example / "render.sh")], env=env)
                if not TALLY.precondition("flux render.sh after the promote", p.returncode == 0, p.stderr):
                    return
            built = run([os.environ["KUSTOMIZE"], "build", str(example / "deploy")])
            if not TALLY.record(f"flux {step}: kustomize build deploy/", built.returncode == 0, built.stderr):
                return
            p = flux_apply(built.stdout, inventory)
            if not TALLY.record(f"flux {step}: applied as the kustomize-controller applies", p.returncode == 0, p.stderr + p.stdout):
                return
            want = {(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace")) for o in docs(built.stdout)}
            live, unmanaged = set(), []
            for ns in namespaces:
                out = kubectl("get", WORKLOAD_KINDS, "-n", ns, "-l", "kustomize.toolkit.fluxcd.io/name=releases", "-o", "json", "--show-managed-fields", check=True).stdout
                for o in json.loads(out)["items"]:
                    live.add((o["kind"], o["metadata"]["name"], o["metadata"]["namespace"]))
                    managers = {m["manager"] for m in o["metadata"].get("managedFields", [])}
                    if "kustomize-controller" not in managers:
                        unmanaged.append(f"{o['kind']} {o['metadata']['name']}: {sorted(managers)}")
            TALLY.record(f"flux {step}: every object's fields managed by kustomize-controller", not unmanaged, "\n".join(unmanaged))
            TALLY.record(f"flux {step}: the server holds exactly the built objects ({len(want)}), the pruned ones gone", live == want,
                         f"want {sorted(want)}\n     seen {sorted(live)}")
    finally:
        for ns in namespaces:
            kubectl("delete", WORKLOAD_KINDS, "-n", ns, "-l", "kustomize.toolkit.fluxcd.io/name=releases", "--wait=false")


def promote(release_file):
    """The release's last version removed: what a promote commit does to releases/."""
    release = docs(release_file.read_text())[0]
    versions = release["spec"]["application"]["versions"]
    release["spec"]["application"]["versions"] = versions[:1]
    release_file.write_text(yaml.safe_dump(release, sort_keys=False))
