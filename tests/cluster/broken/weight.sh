#!/bin/sh
# A broken releasegen for the harness's negative controls: alter.py says what it alters.
exec python3 "$(dirname "$0")/alter.py" weight "$@"
