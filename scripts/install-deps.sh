#!/usr/bin/env bash
# The single source of truth for what efstop needs from Debian 12 and npm.
# Idempotent: safe to run again; installs only what is missing.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the tools the whole-process benchmark compares against
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libpugixml-dev nlohmann-json3-dev
  libisal-dev libdeflate-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 python3-botocore
  gzip gawk mawk
  chromium
)
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(isal hyperfine time)
fi

# Node.js and npm: the machine image may carry its own (newer) build, which
# conflicts with Debian's npm package; install Debian's only when none is there.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# s3rver (a real S3-compatible server) for the S3 tests and puppeteer-core (drives chromium
# in the HTML report's browser tests), pinned in tests/harness/package.json.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -f "$here/tests/harness/package.json" &&
      ( ! -x "$here/tests/harness/node_modules/.bin/s3rver" ||
        ! -f "$here/tests/harness/node_modules/puppeteer-core/package.json" ) ]]; then
  (cd "$here/tests/harness" && npm install --no-audit --no-fund --loglevel=error)
fi
