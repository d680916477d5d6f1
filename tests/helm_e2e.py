#!/usr/bin/env python3
"""End to end with Helm's own engine (helm-python-sdk bundles Helm v4's Go SDK).

For every fixture: Helm parses the values, validates them against
charts/releasegen/values.schema.json, and renders charts/releasegen; the rendered
Release document goes through `releasegen post-render` in the stream shapes Helm 3
(`---` + `# Source:`) and Helm 4 (`postrenderer.helm.sh/postrender-filename`) write,
and the result must be the same objects `releasegen render` gives for the same values.
Values that break the schema must be refused by Helm before releasegen runs.

Usage: helm_e2e.py RELEASEGEN_BINARY   (run by .ci/run in its own virtualenv)
"""
import pathlib
import subprocess
import sys

import json
import re

import helm_python
import yaml
from helm_python import chart as helm_chart
from helm_python import errors as helm_errors

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = sys.argv[1]
ANNOTATION = "postrenderer.helm.sh/postrender-filename"


def run(args, stdin):
    data = stdin if isinstance(stdin, bytes) else stdin.encode()
    p = subprocess.run([BIN, *args], input=data, capture_output=True)
    return p.returncode, p.stdout.decode(), p.stderr.decode()


def docs(stream):
    return [d for d in yaml.safe_load_all(stream) if d]


def strip(objs):
    for o in objs:
        ann = o.get("metadata", {}).get("annotations", {})
        ann.pop(ANNOTATION, None)
        if "annotations" in o.get("metadata", {}) and not ann:
            del o["metadata"]["annotations"]
    return objs


def name_for(stem):
    if stem.startswith("seed-gateway-api"):
        return "httpbin", "test"
    if stem.startswith("seed-modelmesh"):
        return "wisdom", "default"
    return "demo", "demo"


SET_CORPUS = [
    "a=b", "a.b=c", "a.b.c=d,a.b.e=f", "a=1,b=2", "a=0", "a=0755", "a=00", "a=-1", "a=+1", "a=-0",
    "a=1.5", "a=1e3", "a=9223372036854775807", "a=9223372036854775808", "a=true", "a=TRUE",
    "a=False", "a=null", "a=NULL", "a=yes", "a=on", "a=", "a=,b=c", "a", "a,b=c", "a.b", ".a=b",
    "a.=b", "=b", "a=b,", "a=b,,c=d", "a[0]=x", "a[1]=x", "a[0]=x,a[2]=z", "a[0].b=c",
    "a[0].b=c,a[0].d=e", "a[0][1]=x", "a[-1]=x", "a[x]=y", "a[0]x=y", "a[0]", "a[65536]=x",
    "a[65537]=x", "a={x,y}", "a={}", "a={x,y},b=c", "a={x", "a={1,true,null}", "a\\,b=c",
    "a=b\\,c", "a\\.b=c", "a=b\\=c", "a=\\", "a=b=c", "a.b=c,a=d", "a=d,a.b=c", "a b=c d",
    "a=\u00e9\u2028", "name=value1\\,value2", "outer.inner1=value,outer.inner3[0]=x",
    "list[0]=foo,list[1]=bar", "a.b[1].c=x,a.b[0].d=y", "a={x,y}b=c", "a=ſtrue", "a=faLſe",
    ".".join(["k"] * 31) + "=v", ".".join(["k"] * 30) + "=v",
]


# Mistakes the schema must stop at the key at fault: the schema's error and releasegen's
# (--strict) must name the same path. Values are written as a user would write them.
V0 = "environment: deployment\napplication:\n  versions:\n  - image: x\n"
SCHEMA_CASES = [
    ("weight as text", V0 + "    weight: abc\n", "application.versions[0].weight"),
    ("typo in a version key", V0 + "    wieght: 3\n", "application.versions[0].wieght"),
    ("strategy at the top level", "strategy: canary\n" + V0, "strategy"),
    ("strategy in a version", V0 + "    strategy: canary\n", "application.versions[0].strategy"),
    ("unknown environment", V0.replace("deployment", "nomad"), "environment"),
    ("strategy the environment lacks", V0.replace("application:\n", "application:\n  strategy: canary\n"), "application.strategy"),
    ("negative weight", V0 + "    weight: -1\n", "application.versions[0].weight"),
    ("port out of range", V0.replace("application:\n", "application:\n  port: 70000\n"), "application.port"),
    ("label not a string", V0 + "    metadata:\n      labels:\n        v: 1.10\n", "application.versions[0].metadata.labels.v"),
    ("typo in metadata", V0.replace("application:\n", "application:\n  metadata:\n    lables: {}\n"), "application.metadata.lables"),
    ("no versions", "environment: deployment\napplication:\n  versions: []\n", "application.versions"),
    ("versions not a list", "environment: deployment\napplication:\n  versions: {image: x}\n", "application.versions"),
    ("match clause field", "environment: deployment-istio\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: b\n    match:\n    - header: {}\n", "application.versions[1].match[0].header"),
    ("gateway API match field", "environment: deployment-gtw\napplication:\n  strategy: canary\n  versions:\n  - image: x\n  - image: b\n    matches:\n    - header: []\n", "application.versions[1].matches[0].header"),
    ("service port zero", "service:\n  port: 0\n" + V0, "service.port"),
    ("service typo", "service:\n  hots: x\n" + V0, "service.hots"),
    ("tagRouting as text", V0.replace("deployment", "kserve-serverless").replace("  versions:\n  - image: x\n", "  tagRouting: \"true\"\n  versions:\n  - modelFormat: m\n    storageUri: s\n"), "application.tagRouting"),
    ("workloads word", V0.replace("application:\n", "application:\n  workloads: internal\n"), "application.workloads"),
    ("specification without spec", "environment: deployment\napplication:\n  versions:\n  - deploymentSpecification:\n      metadata: {}\n", "application.versions[0].deploymentSpecification.spec"),
    ("specification typo", "environment: deployment\napplication:\n  versions:\n  - deploymentSpecification:\n      sepc: {}\n", "application.versions[0].deploymentSpecification.spec application.versions[0].deploymentSpecification.sepc"),
    ("no environment", "application:\n  versions:\n  - image: x\n", "environment"),
    ("application null", "environment: deployment\napplication:\n", "application"),
    ("routing-actions action", "appType: deployment\naction: init\n", "action"),
    ("routing-actions typo", "appType: deployment\naction: initialize\nappVersion: []\n", "appVersion"),
]


def schema_paths(message):
    """The dotted paths of the leaf errors in Helm's schema message."""
    paths = []
    for line in message.splitlines():
        line = line.strip()
        if not line.startswith("- at '"):
            continue
        ptr, _, rest = line[len("- at '"):].partition("': ")
        if rest.startswith(("'allOf' failed", "'if' failed", "'then' failed", "'else' failed", "validation failed")):
            continue
        parts = [p for p in ptr.split("/") if p]
        if rest.startswith(("additional propert", "missing propert")):
            parts += [re.search(r"'([^']*)'", rest).group(1)]
        path = ""
        for p in parts:
            path += f"[{p}]" if p.isdigit() else (f".{p}" if path else p)
        paths.append(path)
    return paths


def releasegen_paths(stderr):
    """The paths of releasegen's errors; `environment is required` (the chart's wording, no
    path) names environment."""
    lines = [line[len("error: "):] for line in stderr.splitlines() if line.startswith("error: ")]
    return [line.split(": ")[0].removesuffix(" is required") for line in lines]


def drop_nulls(v):
    if isinstance(v, dict):
        return {k: drop_nulls(x) for k, x in v.items() if x is not None}
    if isinstance(v, list):
        return [drop_nulls(x) for x in v]
    return v


def main():
    chart = helm_chart.Chart.load(ROOT / "charts" / "releasegen")
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        if ok:
            passed += 1
        else:
            failed += 1
            print("FAIL:", what)

    for fixture in sorted((ROOT / "fixtures").glob("*.yaml")):
        stem = fixture.stem
        name, ns = name_for(stem)
        values = helm_chart.values_from_yaml(fixture.read_text())
        try:
            chart.validate_schema(values)
            check(True, "")
        except helm_errors.HelmError as e:
            check(False, f"{stem}: schema refused valid values: {e}")
            continue
        manifests = chart.render(values, name=name, namespace=ns, is_install=True)
        (path, release), = [(p, m) for p, m in manifests.items() if m.strip()]
        helm3 = f"---\n# Source: {path}\n{release}"
        # Helm 4 (kio) adds the annotation inside metadata and joins documents with bare ---.
        # The chart's Release metadata has only name and namespace.
        filename = path.split("/", 1)[1]
        helm4 = release.replace("\nmetadata:\n", f"\nmetadata:\n  annotations:\n    {ANNOTATION}: '{filename}'\n", 1)
        check(ANNOTATION in helm4, f"{stem}: could not shape the Helm 4 stream")
        _, want, _ = run(["render", "--name", name, "--namespace", ns, str(fixture)], "")
        for shape, stream in (("helm3", helm3), ("helm4", helm4)):
            code, out, err = run(["post-render"], stream)
            check(code == 0, f"{stem} {shape}: post-render failed: {err}")
            got = docs(out)
            if shape == "helm4":
                check(all(ANNOTATION in d["metadata"].get("annotations", {}) for d in got), f"{stem}: annotation lost")
            check(strip(got) == docs(want), f"{stem} {shape}: post-rendered objects differ from render")

    bad = {
        "weight as text": "environment: deployment\napplication:\n  versions:\n  - image: x\n    weight: abc\n",
        "unknown environment": "environment: nomad\napplication:\n  versions:\n  - image: x\n",
        "no versions": "environment: deployment\napplication:\n  versions: []\n",
        "no environment": "application:\n  versions:\n  - image: x\n",
        "negative weight": "environment: deployment\napplication:\n  versions:\n  - image: x\n    weight: -1\n",
        "label not a string": "environment: deployment\napplication:\n  versions:\n  - image: x\n    metadata:\n      labels:\n        v: 1.10\n",
        "port out of range": "environment: deployment\napplication:\n  port: 70000\n  versions:\n  - image: x\n",
    }
    # The adversarial corpus files that are schema errors (the others are YAML-level).
    for name in ["number-for-string.yaml", "string-for-number.yaml", "negative-weight.yaml",
                 "fractional-weight.yaml", "wrong-shapes.yaml", "null-application.yaml"]:
        bad[f"tests/adversarial/{name}"] = (ROOT / "tests" / "adversarial" / name).read_text()
    for what, text in bad.items():
        try:
            chart.validate_schema(helm_chart.values_from_yaml(text))
            check(False, f"schema accepted bad values: {what}")
        except helm_errors.HelmError:
            check(True, "")
    # The chart passes Helm's lint (its empty values.yaml included), also with --strict.
    for strict in (False, True):
        report = helm_chart.lint(ROOT / "charts" / "releasegen", strict=strict)
        worst = [m for m in report["messages"] if m["severity"] >= 2]
        check(not worst and not report["errors"], f"helm lint (strict={strict}): {worst} {report['errors']}")
    # Errors name the key at fault, as releasegen does: no alternatives of a oneOf.
    for what, text, path in SCHEMA_CASES:
        try:
            chart.validate_schema(helm_chart.values_from_yaml(text))
            check(False, f"schema accepted: {what}")
            continue
        except helm_errors.HelmError as e:
            message = str(e)
        got, wanted = schema_paths(message), path.split()
        check(got == wanted, f"{what}: schema names {got}, wanted {wanted}\n{message}")
        code, _, err = run(["render", "--strict", "--name", "demo", "--namespace", "demo", "-"], text)
        named = releasegen_paths(err)
        check(code == 1 and all(p in named for p in wanted), f"{what}: releasegen names {named}, wanted {wanted}")
    # The schema is never stricter than releasegen --strict: whatever it refuses, releasegen
    # refuses too (the reverse is not asked: cross-field rules live in releasegen alone).
    corpus = sorted((ROOT / "fixtures").glob("*.yaml")) + sorted((ROOT / "tests" / "adversarial").glob("*.yaml"))
    for f in corpus:
        text = f.read_bytes()
        try:
            values = helm_chart.values_from_yaml(text.decode())
            if not isinstance(values, dict):
                continue
            chart.validate_schema(values)
            continue
        except (helm_errors.HelmError, UnicodeDecodeError, ValueError):
            pass
        code, _, _ = run(["render", "--strict", "--name", "demo", "--namespace", "demo", "-"], text)
        check(code != 0, f"{f.name}: the schema refuses it, releasegen renders it")
    # --set and --set-string: releasegen reads every expression of the corpus as Helm's own
    # strvals parser does (the same tree, or both refuse). Helm's coalescing then drops null
    # map values, and so does releasegen; the comparison drops them from Helm's result too.
    for expr in SET_CORPUS:
        for flag, helm_parse in (("--set", helm_python.parse_set_string), ("--set-string", helm_python.parse_set_string_values)):
            try:
                want = drop_nulls(helm_parse(expr))
            except helm_errors.HelmError:
                want = None
            # An empty values file, not an empty stdin (which is refused as a failed pipe).
            code, out, err = run(["values", "-f", "/dev/null", flag, expr], "")
            got = json.loads(out) if code == 0 else None
            check(got == want, f"{flag} {expr!r}: helm {want!r}, releasegen {got!r} {err.strip()}")
    print(f"helm e2e: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
