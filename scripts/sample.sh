#!/usr/bin/env bash
# Sets everything up and runs efstop's main job on the sample data in sample/
# (no AWS account needed). Extra arguments go to efstop, e.g. --output json.
# The mount targets' addresses go in as --server-ips: the sample also holds an
# EC2 instance serving NFS on port 2049 itself, which is not EFS. sample/inventory.json (an
# `efstop inventory --output json` dump of the sample account) names every address.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/install-deps.sh >&2
cmake --preset release >/dev/null
cmake --build --preset release --target efstop >&2
exec build/release/efstop --server-ips sample/mount-targets.txt --inventory sample/inventory.json \
  "$@" sample/flowlogs
