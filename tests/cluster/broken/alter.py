#!/usr/bin/env python3
"""Runs the real releasegen ($RELEASEGEN_REAL) and alters one thing of what it prints: the
negative controls of the cluster harness (checks.py, `controls`). Each *.sh beside this file
names one alteration; the harness must fail against every one of them.

  skipped-state  `render`: the `ready-1` key (primary not ready, candidate ready), a state a walk
                 that readies versions in turn never visits
  weight         `render`: a weight inside the `ready-0-1` key
  route          `route`: the routing object it computes
  template       `render`: the routing template the Iter8 controller executes, so the
                 controller's object differs from every key

Every alteration is of text, so the stream stays valid YAML and the objects stay admissible:
what catches it must be a comparison, not a parse error."""

import os
import re
import subprocess
import sys

ROUTING_LABEL = re.compile(r"^(\s+releasegen\.dev/routing: )(\S+)$")
WEIGHT = re.compile(r"^(\s+weight: )(\d+)$")


def block(lines, key):
    """The indices of the lines of the routemap's data entry `key` (a literal block)."""
    inside = False
    for i, line in enumerate(lines):
        if re.match(rf"^  {re.escape(key)}: \|[-+]?$", line):
            inside = True
            continue
        if inside and line and not line.startswith("    "):
            return
        if inside:
            yield i


def alter_first(lines, indices, pattern, change):
    for i in indices:
        m = pattern.match(lines[i])
        if m:
            lines[i] = m.group(1) + change(m.group(2))
            return True
    return False


def main():
    mode, args = sys.argv[1], sys.argv[2:]
    p = subprocess.run([os.environ["RELEASEGEN_REAL"], *args], capture_output=True, text=True, stdin=sys.stdin)
    sys.stderr.write(p.stderr)
    if p.returncode != 0:
        return p.returncode
    lines = p.stdout.split("\n")
    command = args[0] if args else ""
    altered = False
    if mode == "skipped-state" and command == "render":
        altered = alter_first(lines, block(lines, "ready-1.yaml"), ROUTING_LABEL, lambda v: v + "-altered")
    elif mode == "weight" and command == "render":
        altered = alter_first(lines, block(lines, "ready-0-1.yaml"), WEIGHT, lambda v: str(int(v) + 1))
    elif mode == "route" and command == "route":
        altered = alter_first(lines, range(len(lines)), ROUTING_LABEL, lambda v: v + "-altered")
    elif mode == "template" and command == "render":
        altered = alter_first(lines, block(lines, "strSpec"), ROUTING_LABEL, lambda v: v + "-altered")
    target = "route" if mode == "route" else "render"
    if command == target and not altered:
        # A control that alters nothing would pass for the wrong reason.
        sys.stderr.write(f"broken renderer {mode}: found nothing to alter\n")
        return 3
    sys.stdout.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
