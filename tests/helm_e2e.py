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

import yaml
from helm_python import chart as helm_chart
from helm_python import errors as helm_errors

ROOT = pathlib.Path(__file__).resolve().parent.parent
BIN = sys.argv[1]
ANNOTATION = "postrenderer.helm.sh/postrender-filename"


def run(args, stdin):
    p = subprocess.run([BIN, *args], input=stdin.encode(), capture_output=True)
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
    print(f"helm e2e: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
