#!/usr/bin/env sh
# Rendered manifests for Flux: render every Release document in releases/ into deploy/, one
# file per release. Run it in CI and commit (or push to a deploy branch) what changed; Flux's
# Kustomization (flux-kustomization.yaml) applies deploy/. A failed render changes nothing:
# everything is rendered into a temporary folder first and moved into place only if all succeed.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
releasegen=${RELEASEGEN:-releasegen}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for release in "$here"/releases/*.yaml; do
  name=$(basename "$release")
  "$releasegen" render "$release" > "$tmp/$name"
done
rm -rf "$here/deploy"
mkdir -p "$here/deploy"
mv "$tmp"/*.yaml "$here/deploy/"
# Kustomize (which Flux runs) needs the list of files.
{
  echo "apiVersion: kustomize.config.k8s.io/v1beta1"
  echo "kind: Kustomization"
  echo "resources:"
  for f in "$here"/deploy/*.yaml; do [ "$(basename "$f")" = kustomization.yaml ] || echo "- $(basename "$f")"; done
} > "$here/deploy/kustomization.yaml"
