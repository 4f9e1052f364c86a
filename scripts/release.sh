#!/usr/bin/env bash
# Builds the release files: one statically linked, stripped efstop per CPU.
#
#   scripts/release.sh [--arch x86_64|arm64] [--check]
#
#   dist/efstop-<version>-linux-x86_64   dist/efstop-<version>-linux-arm64
#   dist/SHA256SUMS                      dist/LICENSES
#
# Works from a clean clone on Debian 12 (as root, or with sudo):
# scripts/install-deps.sh --release adds the deb-src lines, the arm64
# architecture and the cross toolchain. Libraries:
#   - Debian's own static archives: libssl.a, libcrypto.a (OpenSSL), libsqlite3.a,
#     libpugixml.a, libz.a, libcares.a (c-ares), libzstd.a (Zstandard), for arm64 from the same
#     packages' :arm64 builds (multiarch), so both files carry the same versions
#     Debian patches and ships security fixes for.
#   - built here from Debian's source packages (`apt-get source`), because
#     Debian's libcurl.a needs LDAP and GSSAPI archives it does not ship and
#     libisal-dev has no .a: curl (HTTP and HTTPS over OpenSSL, zlib, c-ares as
#     the resolver; nothing else) and ISA-L (x86-64 and aarch64 assembly).
#     They are cached outside the clone, keyed by version and CPU, in
#     ${EFSTOP_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/efstop-release}/<lib>-<version>-<arch>,
#     so a rerun (and CI) builds them only when missing.
# --check then runs scripts/release_check.sh on the files (Debian 11 root,
# empty root, qemu-aarch64-static).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

archs=()
check=0
while (($#)); do
  case "$1" in
    --arch) archs+=("$2"); shift 2 ;;
    --check) check=1; shift ;;
    -h|--help) sed -n '2,25p' "$0"; exit 0 ;;
    *) echo "release.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
((${#archs[@]})) || archs=(x86_64 arm64)

cache="${EFSTOP_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/efstop-release}"
version=$(sed -n 's/^project(efstop VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
jobs=2
log() { printf 'release.sh: %s\n' "$*" >&2; }

scripts/install-deps.sh --release

triplet() { case "$1" in x86_64) echo x86_64-linux-gnu ;; arm64) echo aarch64-linux-gnu ;; esac; }
# The Debian source version of the -dev package the headers came from; the
# :arm64 packages are installed at the same version (multiarch requires it).
source_version() { dpkg-query -W -f='${source:Version}' "$1:amd64"; }

# fetch_source DEVPKG: unpacks the Debian-patched source of the package DEVPKG
# was built from, at the installed version, into $src (a global, so that a
# failure here stops the script rather than a command substitution).
fetch_source() {
  local pkg ver
  pkg=$(dpkg-query -W -f='${source:Package}' "$1:amd64")
  ver=$(source_version "$1")
  local dir="$cache/src/$pkg-$ver"
  if [[ ! -f $dir/.unpacked ]]; then
    rm -rf "$dir" && mkdir -p "$dir"
    if ! (cd "$dir" && apt-get source -qq "$pkg=$ver" >apt-source.log 2>&1); then
      log "apt-get source $pkg=$ver failed (deb-src lines: scripts/install-deps.sh --release):"
      cat "$dir/apt-source.log" >&2
      exit 1
    fi
    touch "$dir/.unpacked"
  fi
  src=$(find "$dir" -mindepth 1 -maxdepth 1 -type d | head -1)
  [[ -n $src && -f $src/debian/copyright ]] || { log "no source tree in $dir"; exit 1; }
}

# Configure environment for ARCH: compilers and pkg-config's search path.
cross_env() {
  local t; t=$(triplet "$1")
  echo "CC=$t-gcc CXX=$t-g++ AR=$t-ar RANLIB=$t-ranlib STRIP=$t-strip" \
       "PKG_CONFIG_LIBDIR=/usr/lib/$t/pkgconfig:/usr/share/pkgconfig"
}

build_isal() {
  local arch=$1 ver; ver=$(source_version libisal-dev)
  prefix="$cache/isal-$ver-$arch"
  isal=$prefix
  [[ -f $prefix/.done ]] && return
  fetch_source libisal-dev
  local work="$cache/build/isal-$ver-$arch"
  log "building ISA-L $ver for $arch"
  rm -rf "$work" "$prefix" && mkdir -p "$work" && cp -a "$src/." "$work/"
  (
    cd "$work"
    [[ -x configure ]] || nice -n 10 ./autogen.sh >autogen.log 2>&1
    env $(cross_env "$arch") nice -n 10 ./configure --host="$(triplet "$arch")" \
      --prefix="$prefix" --disable-shared --enable-static --disable-dependency-tracking \
      >configure.log 2>&1
    nice -n 10 make -j"$jobs" >make.log 2>&1
    make install >install.log 2>&1
  ) || { log "ISA-L build failed; see $work/*.log"; exit 1; }
  cp "$src/debian/copyright" "$prefix/copyright"
  touch "$prefix/.done"
}

build_curl() {
  local arch=$1 ver; ver=$(source_version libcurl4-openssl-dev)
  prefix="$cache/curl-$ver-$arch"
  curl=$prefix
  [[ -f $prefix/.done ]] && return
  fetch_source libcurl4-openssl-dev
  local work="$cache/build/curl-$ver-$arch"
  log "building curl $ver for $arch"
  rm -rf "$work" "$prefix" && mkdir -p "$work" && cp -a "$src/." "$work/"
  # Only what efstop uses: HTTP(S) over OpenSSL with zlib, c-ares resolving
  # (a static glibc's getaddrinfo would need NSS modules at run time), proxies
  # from the environment. No CA path compiled in: efstop finds the bundle
  # itself on the usual paths of each distribution (src/aws/ca_bundle.cc).
  (
    cd "$work"
    [[ -x configure ]] || nice -n 10 autoreconf -fi >autogen.log 2>&1
    env $(cross_env "$arch") nice -n 10 ./configure --host="$(triplet "$arch")" \
      --prefix="$prefix" --disable-shared --enable-static --disable-dependency-tracking \
      --with-openssl --with-zlib --enable-ares \
      --without-ca-bundle --without-ca-path --without-ca-fallback \
      --disable-ldap --disable-ldaps --disable-rtsp --disable-dict --disable-telnet \
      --disable-tftp --disable-pop3 --disable-imap --disable-smb --disable-smtp \
      --disable-gopher --disable-mqtt --disable-ftp --disable-file --disable-manual \
      --disable-ntlm --disable-ntlm-wb --disable-kerberos-auth --disable-negotiate-auth \
      --disable-netrc --disable-unix-sockets --disable-alt-svc --disable-hsts \
      --disable-cookies --disable-doh --disable-libcurl-option --disable-versioned-symbols \
      --without-libssh2 --without-libssh --without-librtmp --without-libidn2 \
      --without-libpsl --without-nghttp2 --without-nghttp3 --without-ngtcp2 \
      --without-brotli --without-zstd --without-gssapi --without-libgsasl \
      >configure.log 2>&1
    nice -n 10 make -C lib -j"$jobs" >make.log 2>&1
    make -C lib install >install.log 2>&1
    make -C include install >>install.log 2>&1
  ) || { log "curl build failed; see $work/*.log"; exit 1; }
  cp "$src/debian/copyright" "$prefix/copyright"
  touch "$prefix/.done"
}

build_efstop() {
  local arch=$1 isal=$2 curl=$3
  local build="build/static-$arch"
  local args=(-S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DEFSTOP_STATIC=ON
              "-DEFSTOP_STATIC_PREFIX=$curl;$isal" -DEFSTOP_BUILD_TESTS=OFF
              -DEFSTOP_BUILD_BENCH=OFF -DEFSTOP_WERROR=ON)
  [[ $arch == arm64 ]] && args+=(-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux-gnu.cmake)
  if command -v ccache >/dev/null; then
    # Paths relative to the clone, so a clone elsewhere (CI) hits the same cache entries.
    export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$here}" CCACHE_NOHASHDIR=1
    args+=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
  fi
  log "building efstop for $arch in $build"
  cmake "${args[@]}" >/dev/null
  # The build's status, not grep's: `|| true` would reset PIPESTATUS.
  local status
  nice -n 10 cmake --build "$build" -j"$jobs" --target efstop >"$build/link.log" 2>&1 &&
    status=0 || status=$?
  grep -E 'error|warning' "$build/link.log" >&2 || true
  ((status == 0)) || { log "efstop build failed for $arch; see $build/link.log"; exit 1; }
  # The inflater must carry ISA-L's assembly for this CPU (chosen at run time by
  # ISA-L's dispatcher), not only its portable C fallback: a wrong --host or a
  # missing assembler would silently give the slow path.
  local lane=decode_huffman_code_block_stateless_04
  [[ $arch == arm64 ]] && lane=decode_huffman_code_block_stateless_aarch64
  # grep -c reads all of nm's output: -q would stop early, and pipefail count nm's SIGPIPE.
  if ! "$(triplet "$arch")-nm" "$build/efstop" | grep -c " T $lane\$" >/dev/null; then
    log "$build/efstop lacks ISA-L's $arch inflate ($lane)"; exit 1
  fi
  mkdir -p dist
  local out="dist/efstop-$version-linux-$arch"
  "$(triplet "$arch")-strip" -o "$out" "$build/efstop"
  chmod 755 "$out"
  # A static file has no interpreter and no NEEDED entry.
  if readelf -l "$out" | grep -q INTERP || readelf -d "$out" | grep -q NEEDED; then
    log "$out is not static"; readelf -d "$out" >&2; exit 1
  fi
  log "$(file -b "$out" | cut -d, -f1-6)"
}

# LICENSES: every library linked in, its Debian source version and license,
# then each copyright file in full.
write_licenses() {
  local isal=$1 curl=$2 out=dist/LICENSES
  shift 2
  local files=("$@")
  local rows=(
    "libcurl|curl $(source_version libcurl4-openssl-dev)|$curl/copyright"
    "ISA-L|isa-l $(source_version libisal-dev)|$isal/copyright"
    "OpenSSL (libssl, libcrypto)|openssl $(source_version libssl-dev)|/usr/share/doc/libssl-dev/copyright"
    "c-ares|c-ares $(source_version libc-ares-dev)|/usr/share/doc/libc-ares-dev/copyright"
    "SQLite|sqlite3 $(source_version libsqlite3-dev)|/usr/share/doc/libsqlite3-dev/copyright"
    "pugixml|pugixml $(source_version libpugixml-dev)|/usr/share/doc/libpugixml-dev/copyright"
    "zlib|zlib $(source_version zlib1g-dev)|/usr/share/doc/zlib1g-dev/copyright"
    "Zstandard (libzstd)|libzstd $(source_version libzstd-dev)|/usr/share/doc/libzstd-dev/copyright"
    "nlohmann/json (headers)|nlohmann-json3 $(dpkg-query -W -f='${source:Version}' nlohmann-json3-dev)|/usr/share/doc/nlohmann-json3-dev/copyright"
    "GNU C Library|glibc $(source_version libc6-dev)|/usr/share/doc/libc6/copyright"
    "libstdc++, libgcc|gcc-12 $(source_version libstdc++-12-dev)|/usr/share/doc/libstdc++-12-dev/copyright"
  )
  # The arm64 file links the :arm64 builds of the same Debian packages; multiarch
  # installs them at the amd64 version, and this says so rather than assumes it.
  local dev
  if [[ " ${files[*]} " == *-arm64" "* ]]; then
    for dev in libssl-dev libc-ares-dev libsqlite3-dev libpugixml-dev zlib1g-dev libzstd-dev; do
      [[ $(dpkg-query -W -f='${source:Version}' "$dev:arm64") == "$(source_version "$dev")" ]] ||
        { log "$dev:arm64 and $dev:amd64 differ in version; reinstall (scripts/install-deps.sh --release)"; exit 1; }
    done
  fi
  {
    echo "efstop $version: ${files[*]}"
    echo "link these libraries statically, each file the same versions (the arm64 file the"
    echo "same Debian packages' :arm64 builds; libcurl and ISA-L built from the same Debian"
    echo "sources for each CPU). Versions are Debian source package versions; the license is"
    echo "the one of the Files: * stanza of the Debian copyright file, given in full below:"
    echo
    local r name pkg file lic
    for r in "${rows[@]}"; do
      IFS='|' read -r name pkg file <<<"$r"
      [[ -f $file ]] || { log "no copyright file $file"; exit 1; }
      lic=$(awk '/^Files: *\*$/{f=1} f&&/^License:/{sub(/^License: */,""); print; exit}' "$file")
      [[ -n $lic ]] || lic=$(awk '/^License:/{sub(/^License: */,""); print; exit}' "$file")
      printf '  %-28s %-40s %s\n' "$name" "$pkg" "${lic:-see below}"
    done
    for r in "${rows[@]}"; do
      IFS='|' read -r name pkg file <<<"$r"
      printf '\n\n===== %s (%s) =====\n\n' "$name" "$pkg"
      cat "$file"
    done
  } >"$out"
}

built=()
for arch in "${archs[@]}"; do
  case "$arch" in x86_64|arm64) ;; *) log "unknown arch '$arch' (x86_64 or arm64)"; exit 2 ;; esac
  build_isal "$arch"
  build_curl "$arch"
  build_efstop "$arch" "$isal" "$curl"
  built+=("efstop-$version-linux-$arch")
done
write_licenses "$isal" "$curl" "${built[@]}"
(cd dist && sha256sum efstop-"$version"-linux-* >SHA256SUMS)
log "dist/: ${built[*]} SHA256SUMS LICENSES"

if ((check)); then
  if [[ " ${archs[*]} " == *" arm64 "* ]]; then
    scripts/release_check.sh
  else
    scripts/release_check.sh --golden --roots
  fi
fi
