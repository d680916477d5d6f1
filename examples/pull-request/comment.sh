#!/usr/bin/env sh
# The script part of a pull-request check: compare a release's values on the target branch with
# this branch's and write the comment for the pull request, in Markdown, to a file.
#
#   comment.sh BASE_REF VALUES [releasegen options]
#   comment.sh origin/main deploy/values.yaml --name httpbin --namespace prod
#
# Run it from the repository's top folder (VALUES is a path from there). The comment goes to
# $RELEASEGEN_COMMENT (default releasegen-comment.md). Exit status 0 when the comment is written,
# whether or not anything changed; when releasegen refuses either side, its message is on stderr,
# the status is 1 and no comment file is left, so a CI job fails loudly and posts nothing stale.
set -eu
[ $# -ge 2 ] || { echo "usage: comment.sh BASE_REF VALUES [releasegen options]" >&2; exit 2; }
base_ref=$1
values=$2
shift 2
out=${RELEASEGEN_COMMENT:-releasegen-comment.md}
releasegen=${RELEASEGEN:-releasegen}
rm -f "$out"
tmp=$(mktemp)
states=$(mktemp)
old=$(mktemp)
trap 'rm -f "$tmp" "$states" "$old"' EXIT
on_base=no
git cat-file -e "$base_ref:$values" 2>/dev/null && on_base=yes
if [ "$on_base" = yes ] && [ -e "$values" ]; then
  "$releasegen" diff "git:$base_ref:$values" "$values" --output markdown "$@" > "$tmp"
elif [ "$on_base" = yes ]; then
  # The branch deletes the values: say so, with how the release routes today, since a
  # pipeline that prunes will remove it.
  {
    printf '### releasegen: a release removed\n\n`%s` is on `%s` but not on this branch: merging removes the release'"'"'s values, and a pipeline that prunes removes its objects. How it routes on `%s`:\n\n' "$values" "$base_ref" "$base_ref"
    git show "$base_ref:$values" > "$old"
    "$releasegen" states - "$@" < "$old" > "$states"
    # Its title under this comment's: a heading of the fourth level.
    sed 's/^# /#### /' "$states"
  } > "$tmp"
elif [ -e "$values" ]; then
  # A release new on this branch has nothing to compare with: show how it will route.
  {
    printf '### releasegen: a new release\n\n`%s` is not on `%s`. Its readiness states:\n\n' "$values" "$base_ref"
    "$releasegen" states "$values" "$@" > "$states"
    sed 's/^# /#### /' "$states"
  } > "$tmp"
else
  echo "comment.sh: $values is neither on $base_ref nor on this branch" >&2
  exit 1
fi
mv "$tmp" "$out"
rm -f "$states" "$old"
trap - EXIT
