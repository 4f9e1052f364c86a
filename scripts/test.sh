#!/usr/bin/env bash
# Sets everything up and runs every test: dependencies, release build, ctest,
# then the check that every command and option `efstop help` prints was run
# through the binary by some test (tests/cli/option_coverage.py).
# ctest starts the test endpoint and s3rver itself (tests/harness).
#   scripts/test.sh               everything
#   scripts/test.sh -R REGEX ...  a subset (arguments go to ctest; no coverage check)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
log="$PWD/build/release/efstop-argv.log"
rm -f "$log"
EFSTOP_TEST_ARGV_LOG="$log" ctest --preset release "$@"
if (($# == 0)); then
  tests/cli/option_coverage.py build/release/efstop "$log"
fi
