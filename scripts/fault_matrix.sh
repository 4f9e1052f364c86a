#!/usr/bin/env bash
# The whole fault matrix (issue 17; docs/reliability.md "Fault matrix"):
# every source and call family of efstop against every fault, through the
# release binary, against the test endpoint, s3rver and a fault proxy.
# Rewrites the generated part of docs/reliability.md; exits 1 when any cell
# is WRONG (a different report with exit 0, a hang, an unexpected status).
# About 10 minutes. ctest runs a fast subset (faults.matrix_fast).
#   scripts/fault_matrix.sh                 build, run everything, update the doc
#   scripts/fault_matrix.sh --rows S3 ...   arguments go to fault_matrix.py
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset release >/dev/null
cmake --build --preset release --target efstop
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost PYTHONDONTWRITEBYTECODE=1
if (($# == 0)); then
  exec /usr/bin/python3 tests/harness/fault_matrix.py --efstop build/release/efstop \
    --subset all --update-doc docs/reliability.md
fi
exec /usr/bin/python3 tests/harness/fault_matrix.py --efstop build/release/efstop "$@"
