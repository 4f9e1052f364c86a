#!/usr/bin/env bash
# CI stage: build the x86-64 release file (scripts/release.sh; libcurl and
# ISA-L come from the cache after the first run) and run every CLI golden
# case and the --version check with it. The slower checks (Debian 11 root,
# empty root, arm64 under qemu) are `scripts/release.sh --check`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
scripts/release.sh --arch x86_64
scripts/release_check.sh --golden
