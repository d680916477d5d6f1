#!/usr/bin/env python3
"""Writes the worst-case corpus: inputs just within the 4 MiB input limit, each built to make
one part of releasegen do as much work, or hold as much memory, as it can. Found by review
and by reading the code for anything whose cost is not linear in the input.

    benches/worst-case/generate.py DIR [BYTES]

BYTES (default 4,190,000, just below the 4 MiB values limit) is the size every values case is
grown to; streams for `post-render` and `krm` grow to eight times that (their limit is 32
MiB). The runner also generates a quarter-size corpus, so a cost that grows faster than the
input shows. Each
case is a line of DIR/cases.tsv: name, the command's arguments, the file for stdin."""
import json
import os
import sys

out = sys.argv[1]
size = int(sys.argv[2]) if len(sys.argv) > 2 else 4_190_000
os.makedirs(out, exist_ok=True)
cases = []


def case(name, args, text, stdin=None, limit=4 << 20):
    """`text` is the main input, written to NAME.yaml; `stdin` (if given) goes to NAME.stdin."""
    path = os.path.join(out, name + ".yaml")
    with open(path, "w") as f:
        f.write(text)
    assert len(text.encode()) <= 4 << 20, (name, len(text))
    stdin_path = "/dev/null"
    if stdin is not None:
        stdin_path = os.path.join(out, name + ".stdin")
        with open(stdin_path, "w") as f:
            f.write(stdin)
        assert len(stdin.encode()) <= limit, (name, len(stdin))
    cases.append((name, " ".join(a.replace("@", path) for a in args), stdin_path))


def fill(head, item, tail="", sep="", total=None):
    """head + as many copies of item(i) as fit in `total` (default `size`), + tail."""
    total = total or size
    parts, used, i = [head], len(head) + len(tail), 0
    while True:
        piece = item(i) + (sep if i else "")
        if used + len(piece) > total:
            break
        parts.append(piece)
        used += len(piece)
        i += 1
    parts.append(tail)
    return "".join(parts)


RENDER = ["render", "--name", "app", "-n", "ns", "@"]
ISTIO = "environment: deployment-istio\n"

# 96 nested anchors around one long list, no alias: each anchor used to copy the whole list.
head = "x: " + "".join(f"&a{i} [" for i in range(96))
case("anchors-nested", RENDER, fill(head, lambda i: "1,", "1" + "]" * 96 + "\n" + ISTIO + "application: {versions: [{image: a}]}\n"))

# Aliases fanning out to one anchor, up to the alias limit and past it.
case("aliases-fan-out", RENDER, fill("a: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\nb: [", lambda i: "*a,", "*a]\n" + ISTIO))

# Application annotations inherited by many versions: copied into every version.
ann = "".join(f"    k{i}: v\n" for i in range(4000))
case("annotations-times-versions", RENDER,
     fill("environment: deployment-gtw\napplication:\n  workloads: external\n  metadata:\n    annotations:\n" + ann + "  versions:\n",
          lambda i: "  - {}\n"))
case("annotations-times-versions-deployment", RENDER,
     fill("environment: deployment\napplication:\n  metadata:\n    annotations:\n" + ann + "  versions:\n",
          lambda i: "  - {image: x}\n"))

# Very many versions: the duplicate-name check across versions.
case("versions-many", RENDER, fill("environment: deployment\napplication:\n  versions:\n", lambda i: f"  - {{image: x, metadata: {{name: v{i}}}}}\n"))
case("versions-many-same-name", RENDER, fill("environment: deployment\napplication:\n  versions:\n", lambda i: "  - {image: x, metadata: {name: v}}\n"))

# A merge key followed by many keys: each key used to search the merged entries.
case("merge-then-many-keys", RENDER, fill(ISTIO + "application: {versions: [{image: a}]}\nx:\n  <<: {a: 1}\n", lambda i: f"  k{i}: 1\n"))
case("many-merges", RENDER, fill(ISTIO + "application: {versions: [{image: a}]}\nd: &d {a: 1, b: 2, c: 3}\nx:\n", lambda i: f"  k{i}: {{<<: *d, z: 1}}\n"))

# Many unknown keys (a warning each, with a did-you-mean search), and one enormous key.
case("unknown-keys-many", RENDER, fill(ISTIO + "application: {versions: [{image: a}]}\n", lambda i: f"stratgy{i}: 1\n"))
case("unknown-key-huge", RENDER, ISTIO + "application: {versions: [{image: a}]}\n" + "s" * (size - 200) + ": 1\n")

# One enormous string in every place a string is copied: image, label, match header.
case("string-huge-image", RENDER, ISTIO + "application:\n  strategy: blue-green\n  versions:\n  - image: \"" + "a" * (size - 200) + "\"\n  - image: b\n")
case("string-huge-label", ["render", "--name", "app", "-n", "ns", "--ready", "all", "@"],
     ISTIO + "application:\n  strategy: canary\n  metadata:\n    labels:\n      x: \"" + "a" * 63 + "\"\n    annotations:\n      y: \"" + "a" * (size - 300) + "\"\n  versions:\n  - image: a\n  - image: b\n")

# Sixteen routed versions (65,536 readiness states), each candidate with a large match: the
# routemap's 1 MiB limit, `states` in every format, and `--ready all`.
def wide_match(strategy, env="deployment-istio", key="match"):
    per = (size - 400) // 15
    versions = "  - image: a\n"
    for v in range(1, 16):
        headers = "".join(f"        h{j}: {{exact: \"{'v' * 20}\"}}\n" for j in range(max(1, per // 52)))
        versions += f"  - image: b{v}\n    {key}:\n    - headers:\n" + headers
    return f"environment: {env}\napplication:\n  strategy: {strategy}\n  versions:\n" + versions
text = wide_match("canary")
case("states16-wide-match-render", RENDER, text)
case("states16-wide-match-ready-all", ["render", "--name", "app", "-n", "ns", "--ready", "all", "@"], text)
for fmt in ["table", "json", "mermaid"]:
    case(f"states16-wide-match-states-{fmt}", ["states", "--name", "app", "-n", "ns", "-o", fmt, "@"], text)
small16 = ISTIO + "application:\n  strategy: blue-green\n  versions:\n" + "".join(f"  - image: b{v}\n" for v in range(16))
for fmt in ["table", "json", "mermaid"]:
    case(f"states16-small-states-{fmt}", ["states", "--name", "app", "-n", "ns", "-o", fmt, "@"], small16)
case("states16-small-render", RENDER, small16)

# Deep nesting, and long flat lists of nulls and of tiny mappings.
case("nesting-deep", RENDER, ISTIO + "application: {versions: [{image: a}]}\nx: " + "[" * 99 + "]" * 99 + "\n")
case("list-of-nulls", RENDER, fill(ISTIO + "application:\n  versions:\n  - image: a\n    deploymentSpecification:\n      spec: {x: [", lambda i: "~,", "~]}\n"))
case("list-of-maps", RENDER, fill(ISTIO + "application:\n  versions:\n  - image: a\n    deploymentSpecification:\n      spec: {x: [", lambda i: "{a: 1},", "{}]}\n"))

# post-render: a Helm stream of very many tiny documents, and of very many Release documents.
REL = "---\napiVersion: releasegen.dev/v1alpha1\nkind: Release\nmetadata: {{name: a{i}, namespace: ns}}\nspec: {{environment: deployment-istio, application: {{strategy: blue-green, versions: [{{image: a}}, {{image: b}}]}}}}\n"
STREAM = size * 8
STREAM_LIMIT = 32 << 20
case("post-render-many-documents", ["post-render"], "", fill("", lambda i: "---\na: 1\n", total=STREAM), STREAM_LIMIT)
case("post-render-many-releases", ["post-render"], "", fill("", lambda i: REL.format(i=i), total=STREAM), STREAM_LIMIT)
case("post-render-big-objects", ["post-render"], "",
     fill("", lambda i: "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c%d}\ndata:\n%s" % (i, "".join(f"  k{j}: v\n" for j in range(2000))), total=STREAM)
     + REL.format(i=0), STREAM_LIMIT)

# krm: a ResourceList with very many Release items.
def krm_item(i):
    return ("- apiVersion: releasegen.dev/v1alpha1\n  kind: Release\n"
            f"  metadata: {{name: a{i}, namespace: ns, annotations: {{internal.config.kubernetes.io/path: r{i}.yaml}}}}\n"
            "  spec: {environment: deployment-istio, application: {strategy: blue-green, versions: [{image: a}, {image: b}]}}\n")
case("krm-many-releases", ["krm"], "", fill("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n", krm_item, total=STREAM), STREAM_LIMIT)
case("krm-many-items", ["krm"], "",
     fill("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n" + krm_item(0),
          lambda i: f"- {{apiVersion: v1, kind: ConfigMap, metadata: {{name: c{i}}}, data: {{a: b, c: d, e: f, g: h}}}}\n", total=STREAM), STREAM_LIMIT)

# route: a live List of very many objects, most of them this release's.
values = ISTIO + "application:\n  strategy: blue-green\n  versions:\n  - image: a\n  - image: b\n"
def live_item(i):
    return (f"- {{apiVersion: apps/v1, kind: Deployment, metadata: {{name: app-{i % 2}x{i}, namespace: ns, generation: 1}},"
            " status: {observedGeneration: 1, conditions: [{type: Available, status: \"True\"}]}}\n")
case("route-live-many", ["route", "--name", "app", "-n", "ns", "@"], values, fill("apiVersion: v1\nkind: List\nitems:\n", live_item))

with open(os.path.join(out, "cases.tsv"), "w") as f:
    for c in cases:
        f.write("\t".join(c) + "\n")
print(f"{len(cases)} cases in {out}")
