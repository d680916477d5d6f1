#!/usr/bin/env bash
# Routes a release by live readiness with kubectl and releasegen alone: the Iter8 controller's
# job, by hand. Each step runs only when the one before succeeded, so a failing `kubectl get`
# (RBAC, a blip, a cluster without a kind) leaves the routing as it is: nothing is applied.
#
#   examples/no-controller/route-loop.sh values.yaml httpbin test
#
# KINDS: ask only for the kinds the environment uses (an unknown kind fails the whole get):
#   deployment environments: deploy,svc,cm (with backend: inferencepool, deploy,inferencepools,cm)
#   KServe and ModelMesh: isvc,cm
# NAMESPACES: every namespace the release's versions live in, space-separated (default: the
#   release namespace). A version in a namespace not listed is never seen, so never ready.
# ROUNDS: how many rounds (default 0: forever, and a failed round only says so). With a number,
#   the script exits 1 when any of its rounds failed, so a job that runs it once fails loudly.
set -euo pipefail
values=$1 name=$2 namespace=$3
KINDS=${KINDS:-deploy,svc,cm}
NAMESPACES=${NAMESPACES:-$namespace}
INTERVAL=${INTERVAL:-10}
ROUNDS=${ROUNDS:-0}            # 0: forever
RELEASEGEN=${RELEASEGEN:-releasegen}
KUBECTL=${KUBECTL:-kubectl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One List per namespace, as one stream; any failed get fails the round.
live() {
  local ns sep=""
  for ns in $NAMESPACES; do
    printf '%s' "$sep"
    "$KUBECTL" get "$KINDS" -n "$ns" -l iter8.tools/watch=true -o json || return 1
    sep=$'\n---\n'
  done
}

round=0 failed=0
while :; do
  if live > "$work/live.json" \
    && "$RELEASEGEN" route -f "$values" --name "$name" --namespace "$namespace" < "$work/live.json" > "$work/route.yaml" \
    && "$KUBECTL" apply -f "$work/route.yaml"; then
    :
  else
    echo "route-loop: this round failed; the routing was left as it was" >&2
    failed=$((failed + 1))
  fi
  round=$((round + 1))
  if [ "$ROUNDS" -ne 0 ] && [ "$round" -ge "$ROUNDS" ]; then break; fi
  sleep "$INTERVAL"
done
if [ "$failed" -ne 0 ]; then
  echo "route-loop: $failed of $round rounds failed" >&2
  exit 1
fi
