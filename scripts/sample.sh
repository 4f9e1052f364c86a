#!/usr/bin/env bash
# Sets everything up and runs efstop's main job on the sample data in sample/
# (no AWS account needed). Extra arguments go to efstop, e.g. --output json.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh >&2
cmake --preset release >/dev/null
cmake --build --preset release --target efstop >&2
exec build/release/efstop "$@" sample/flowlogs
