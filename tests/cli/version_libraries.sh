#!/usr/bin/env bash
# `efstop --version` names the libraries efstop was linked with; this checks
# every version it prints against pkg-config's answer for the same library
# (the Debian -dev packages the build used; the static release files are
# built from the same versions' sources and archives).
#
#   version_libraries.sh EFSTOP [--static [RUNNER...]]
#
# --static: the target must end in -static and the resolver must be c-ares
# (a static glibc cannot load NSS modules); RUNNER (e.g. qemu-aarch64-static)
# runs the file.
set -u
efstop=$1; shift
static=0
if [[ ${1:-} == --static ]]; then static=1; shift; fi
out=$("$@" "$efstop" --version) || { echo "efstop --version failed"; exit 1; }
field() { sed -n "s/^$1: //p" <<<"$out"; }
failed=0
check() {  # NAME GOT WANT
  if [[ $2 == "$3" ]]; then echo "ok   $1: $2"; else echo "FAIL $1: got '$2', want '$3'"; failed=1; fi
}
pc() { pkg-config --modversion "$1"; }
project=$(sed -n 's/^project(efstop VERSION \([0-9.]*\).*/\1/p' "$(dirname "$0")/../../CMakeLists.txt")
check version "$(head -1 <<<"$out")" "efstop $project"
check libcurl "$(field libcurl)" "$(pc libcurl)"
check tls "$(field tls)" "OpenSSL/$(pc openssl)"
check zlib "$(field zlib)" "$(pc zlib)"
check pugixml "$(field pugixml)" "$(pc pugixml)"
check sqlite "$(field sqlite)" "$(pc sqlite3)"
check inflate "$(field inflate)" "isa-l $(pc libisal)"
check zstd "$(field zstd)" "$(pc libzstd)"
commit=$(field commit)
[[ $commit =~ ^[0-9a-f]{12}$ ]] && git -C "$(dirname "$0")" cat-file -e "$commit^{commit}" 2>/dev/null &&
  echo "ok   commit: $commit is a commit of this repository" ||
  { echo "FAIL commit: '$commit' is not a commit of this repository"; failed=1; }
if ((static)); then
  check resolver "$(field resolver)" "c-ares $(pc libcares)"
  [[ $(field target) == linux-*-static ]] && echo "ok   target: $(field target)" ||
    { echo "FAIL target: '$(field target)' is not a static target"; failed=1; }
else
  [[ $(field target) == linux-$(uname -m) ]] && echo "ok   target: $(field target)" ||
    { echo "FAIL target: '$(field target)', want linux-$(uname -m)"; failed=1; }
  [[ -n $(field resolver) ]] && echo "ok   resolver: $(field resolver)" ||
    { echo "FAIL resolver: missing"; failed=1; }
fi
exit $failed
