#!/usr/bin/env bash
# Builds, in DIR, the strict validator's schemas plus two kinds it does not ship: the Gateway
# API's GRPCRoute (protocol: grpc) and the Inference Extension's InferencePool (backend:
# inferencepool). The CRDs come from the Go modules at the versions the cluster harness installs
# (tests/cluster/run), and the validator's own build-schemas.py converts them, as it converts the
# CRDs it ships, so those documents are checked offline like every other kind rather than left
# out. Prints DIR/schemas, for `validate-manifests --schemas`.
#
#   tests/validator/schemas.sh VALIDATOR_DIR DIR      (VENV: the Python environment to use)
set -euo pipefail
validator=$1 dir=$2
mod_dir() {
  go mod download -json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["Dir"]) if "Dir" in d else sys.exit(d.get("Error", "no module"))'
}
gateway=$(mod_dir sigs.k8s.io/gateway-api@v1.6.1)
inference=$(mod_dir sigs.k8s.io/gateway-api-inference-extension@v1.6.2)
rm -rf "$dir" && mkdir -p "$dir"
cp -r "$validator/build-schemas.py" "$validator/validate-manifests" "$validator/src" "$dir/"
cp "$gateway/config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml" "$dir/src/"
cp "$inference/config/crd/bases/inference.networking.k8s.io_inferencepools.yaml" "$dir/src/"
python3 - "$dir/src/sources.json" <<'PY'
import json, sys
path = sys.argv[1]
sources = json.load(open(path))
sources["crds"] += [
    {"file": "gateway.networking.k8s.io_grpcroutes.yaml", "repo": "sigs.k8s.io/gateway-api (Go module)", "ref": "v1.6.1",
     "commit": "", "path": "config/crd/standard/gateway.networking.k8s.io_grpcroutes.yaml", "kinds": {"GRPCRoute": ["v1"]}},
    {"file": "inference.networking.k8s.io_inferencepools.yaml", "repo": "sigs.k8s.io/gateway-api-inference-extension (Go module)",
     "ref": "v1.6.2", "commit": "", "path": "config/crd/bases/inference.networking.k8s.io_inferencepools.yaml",
     "kinds": {"InferencePool": ["v1"]}},
]
json.dump(sources, open(path, "w"), indent=1)
PY
# build-schemas.py needs the kubernetes-validate package besides the validator's own
# requirements (its requirements.txt says so): an environment of our own, made once.
venv=${VENV:-target/validator-venv}
if [ ! -x "$venv/bin/python3" ]; then python3 -m venv "$venv" >&2; fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$validator/requirements.txt" kubernetes-validate==1.37.0 importlib_resources >&2
"$venv/bin/python3" "$dir/build-schemas.py" >&2
echo "$dir/schemas"
