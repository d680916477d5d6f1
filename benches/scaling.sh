#!/usr/bin/env bash
# The scaling table of docs/performance.md: blue-green releases on Istio with 1 to 10 versions (2^N
# readiness states each), whole process from exec to exit (hyperfine median), the size of the
# stream and of the routemap, and peak memory. Usage: benches/scaling.sh [RELEASEGEN]
set -euo pipefail
bin=${1:-target/$(rustc -vV | sed -n 's/^host: //p')/release/releasegen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
values() {
  printf 'environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n'
  for ((i = 0; i < $1; i++)); do printf '  - image: example.com/app:%d\n' "$i"; done
}
echo "| versions | states | median time | stream | routemap data | peak memory |"
echo "|---:|---:|---:|---:|---:|---:|"
for n in 1 2 3 4 5 6 7 8 9 10; do
  values "$n" > "$tmp/v.yaml"
  if ! "$bin" render --name app "$tmp/v.yaml" > "$tmp/out.yaml" 2> "$tmp/err"; then
    echo "| $n | $((1 << n)) | refused | — | — | — |"
    echo "  $n versions: $(grep -m1 "^error" "$tmp/err")" >&2
    continue
  fi
  hyperfine -N --warmup 10 --runs 100 --export-json "$tmp/h.json" "$bin render --name app $tmp/v.yaml" > /dev/null 2>&1
  median=$(python3 -c "import json; print('%.2f ms' % (json.load(open('$tmp/h.json'))['results'][0]['median'] * 1000))")
  stream=$(wc -c < "$tmp/out.yaml")
  routemap=$(python3 - "$tmp/out.yaml" <<'PY'
import sys
text = open(sys.argv[1]).read()
doc = [d for d in text.split("\n---\n") if "kind: ConfigMap" in d and "-routemap" in d][0]
print(len(doc.encode()))
PY
)
  peak=$( { /usr/bin/time -f "%M" "$bin" render --name app "$tmp/v.yaml" > /dev/null; } 2>&1 | tail -1)
  echo "| $n | $((1 << n)) | $median | $stream B | $routemap B | $((peak / 1024)).$(( (peak % 1024) * 10 / 1024 )) MiB |"
done
