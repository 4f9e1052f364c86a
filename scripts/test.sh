#!/usr/bin/env bash
# Sets everything up and runs every test: dependencies, release build, ctest.
# ctest starts the test endpoint and s3rver itself (tests/harness).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
ctest --preset release "$@"
