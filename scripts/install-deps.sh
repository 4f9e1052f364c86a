#!/usr/bin/env bash
# The single source of truth for what efstop needs from Debian 12 and npm.
# Idempotent: safe to run again; installs only what is missing.
#   scripts/install-deps.sh          build + test dependencies
#   scripts/install-deps.sh --bench  also the tools the whole-process benchmark compares against
#   scripts/install-deps.sh --release also what scripts/release.sh needs: deb-src lines for
#                                     `apt-get source`, the arm64 architecture with the :arm64
#                                     static archives, the cross toolchain, qemu and debootstrap
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libpugixml-dev nlohmann-json3-dev
  libisal-dev libdeflate-dev zlib1g-dev libzstd-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  clang libclang-rt-14-dev
  python3 python3-botocore
  gzip gawk mawk
  chromium firefox-esr
)
SUDO=""
[[ $(id -u) -eq 0 ]] || SUDO="sudo"
need_update=0
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(isal hyperfine time)
fi
if [[ "${1:-}" == "--release" ]]; then
  packages+=(
    dpkg-dev autoconf automake libtool nasm file binutils
    libc-ares-dev crossbuild-essential-arm64 qemu-user-static debootstrap openssl
    libssl-dev:arm64 libsqlite3-dev:arm64 libpugixml-dev:arm64 zlib1g-dev:arm64
    libc-ares-dev:arm64 libzstd-dev:arm64
  )
  # deb-src for the mirror the machine already uses (apt-get source curl isa-l).
  if ! grep -rqs '^Types: deb-src\|^deb-src ' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    # The same mirrors and suites as the deb lines (security updates included).
    if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
      sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources |
        $SUDO tee /etc/apt/sources.list.d/efstop-deb-src.sources >/dev/null
    else
      sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list |
        $SUDO tee /etc/apt/sources.list.d/efstop-deb-src.list >/dev/null
    fi
    need_update=1
  fi
  if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    $SUDO dpkg --add-architecture arm64
    need_update=1
  fi
fi

# Node.js and npm: the machine image may carry its own (newer) build, which
# conflicts with Debian's npm package; install Debian's only when none is there.
command -v npm >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})) || ((need_update)); then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
fi
if ((${#missing[@]})); then
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
