#!/usr/bin/env bash
# The cost table of docs/performance.md: instructions executed by the whole process, from exec to exit, as
# valgrind's callgrind counts them (the count repeats exactly, so it holds on a noisy machine),
# next to /bin/true and `releasegen --version`; peak memory from /usr/bin/time; and the
# hyperfine median of each command. Nothing here is asserted: a reviewer runs it and reads.
#
#   apt-get install valgrind hyperfine
#   benches/callgrind.sh [RELEASEGEN]
#
# Without RELEASEGEN the release build is made (`cargo build --release --locked`, which
# .cargo/config.toml makes a static executable on Linux/glibc) and measured.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $# -ge 1 ]]; then
  bin=$1
else
  cargo build --release --locked --quiet
  host=$(rustc -vV | sed -n 's/^host: //p')
  bin=target/$host/release/releasegen
  [[ -x $bin ]] || bin=target/release/releasegen
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Seven versions on Istio, blue-green: 2^7 = 128 precomputed states, the most whose routemap
# one kubectl apply takes (as benches/scaling.sh).
{
  printf 'environment: deployment-istio\napplication:\n  strategy: blue-green\n  versions:\n'
  for i in 0 1 2 3 4 5 6; do printf '  - image: example.com/app:%d\n' "$i"; done
} > "$tmp/seven.yaml"

instructions() {
  valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" "$@" > /dev/null 2> "$tmp/vg.err"
  sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$tmp/vg.err"
}
peak() {
  local kb
  /usr/bin/time -o "$tmp/time.out" -f "%M" "$@" > /dev/null 2>&1 || true
  kb=$(tail -1 "$tmp/time.out")
  echo "$((kb / 1024)).$(((kb % 1024) * 10 / 1024)) MiB"
}
median() {
  if command -v hyperfine > /dev/null; then
    hyperfine -N --warmup 20 --runs 200 --export-json "$tmp/h.json" "$*" > /dev/null 2>&1
    python3 -c "import json; print('%.2f ms' % (json.load(open('$tmp/h.json'))['results'][0]['median'] * 1000))"
  else
    echo "—"
  fi
}

echo "binary: $bin ($(file -b "$bin" | cut -d, -f1-2 | sed 's/ELF 64-bit LSB //'))"
echo
echo "| command | instructions | peak memory | median time |"
echo "|---|---:|---:|---:|"
row() {
  local label=$1
  shift
  printf '| %s | %s | %s | %s |\n' "$label" "$(instructions "$@" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')" "$(peak "$@")" "$(median "$@")"
}
row '`/bin/true`' /bin/true
row '`releasegen --version`' "$bin" --version
row 'two-version blue-green' "$bin" render fixtures/deployment-istio-blue-green.yaml --name demo --namespace default
row 'seven versions (128 states)' "$bin" render "$tmp/seven.yaml" --name app --namespace default
