#!/usr/bin/env bash
# Checks the release files in dist/ (scripts/release.sh builds them; as root).
#
#   scripts/release_check.sh [--golden] [--roots] [--qemu]   (none: all three)
#
#   --golden  every CLI golden case (tests/cli/*.sh) with the x86-64 file, and
#             the sample's records as Parquet (DuckDB-written, each codec: the
#             static file's Snappy, zlib and Zstandard) give the text report.
#   --roots   the x86-64 file inside a Debian 11 root (debootstrap minbase
#             bullseye, glibc 2.31; cached outside the clone) and inside an empty
#             root holding only the file, /etc/hosts, /etc/resolv.conf and a CA
#             bundle: the sample report equals the one on the host byte for
#             byte; `whoami` over HTTPS to the test endpoint, whose name
#             (efstop-test.example) only the root's /etc/hosts knows, with a CA
#             made for this run found on a distribution's usual path; through
#             HTTPS_PROXY, and around it with NO_PROXY; no HOME and a read-only
#             HOME: the report still comes, with one line saying names go
#             uncached.
#   --qemu    the arm64 file under qemu-aarch64-static: the sample report (the
#             plain file, the gzip files, both) byte-identical to the x86-64
#             file's, the same Parquet check as --golden, and the same whoami
#             inside the empty root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"

golden=0 roots=0 qemu=0
while (($#)); do
  case "$1" in
    --golden) golden=1 ;;
    --roots) roots=1 ;;
    --qemu) qemu=1 ;;
    *) echo "release_check.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
((golden + roots + qemu)) || golden=1 roots=1 qemu=1
# The roots (and the qemu whoami in an empty root) are entered with chroot,
# which only root may call; --golden needs no privilege.
if ((roots || qemu)) && [[ $(id -u) != 0 ]]; then
  echo "release_check.sh: --roots and --qemu enter roots with chroot, which needs root:" \
    "run as root (sudo scripts/release_check.sh), or --golden alone as this user" >&2
  exit 2
fi

cache="${EFSTOP_RELEASE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/efstop-release}"
version=$(sed -n 's/^project(efstop VERSION \([0-9.]*\).*/\1/p' CMakeLists.txt)
x86="$here/dist/efstop-$version-linux-x86_64"
arm="$here/dist/efstop-$version-linux-arm64"
host_name=efstop-test.example
CHROOT=$(command -v chroot)  # env -i leaves no PATH to find it by
passed=0 failed=0
ok() { printf 'ok   %s\n' "$1"; passed=$((passed + 1)); }
fail() { printf 'FAIL %s\n' "$1"; [[ -n ${2:-} ]] && sed 's/^/     /' "$2" | head -20; failed=$((failed + 1)); }
# expect NAME CMD...: the command succeeds.
expect() { local name=$1; shift; if "$@" >"$tmp/out" 2>"$tmp/err"; then ok "$name"; else fail "$name" "$tmp/err"; fi; }

tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for m in "${mounts[@]}"; do umount "$m" 2>/dev/null || true; done
  rm -rf "$tmp"
}
mounts=()
trap cleanup EXIT

sample_args=(--server-ips sample/mount-targets.txt --inventory sample/inventory.json)
# sample_report BIN OUT [runner...]: the three sample reports (plain, gzip, both).
sample_report() {
  local bin=$1 out=$2; shift 2
  {
    "$@" "$bin" "${sample_args[@]}" sample/flowlogs/cloudwatch-export-eni-all.log
    "$@" "$bin" "${sample_args[@]}" sample/flowlogs/s3
    "$@" "$bin" "${sample_args[@]}" --output json sample/flowlogs
  } >"$out" 2>"$out.err"
}

# parquet_inputs: the sample's well-formed records as a text file and as Parquet files DuckDB
# wrote of them, one per codec, data pages v2 with dictionaries (tests/flowlog/parquet_write.js,
# @duckdb/node-api from tests/harness, which release.sh installs).
parquet_inputs() {
  [[ -f $tmp/pq/records.log ]] && return 0
  mkdir -p "$tmp/pq"
  awk 'NF == 14 && $1 == 2' sample/flowlogs/cloudwatch-export-eni-all.log >"$tmp/pq/records.log"
  awk 'BEGIN { OFS = ","; print "version,account_id,interface_id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log_status" }
       { for (i = 1; i <= NF; i++) if ($i == "-") $i = ""; $1 = $1; print }' \
    "$tmp/pq/records.log" >"$tmp/pq/records.csv"
  local codec
  for codec in uncompressed gzip snappy zstd; do
    node tests/flowlog/parquet_write.js "$tmp/pq/records.csv" "$tmp/pq/records-$codec.parquet" \
      "$codec" V2 dict >/dev/null || return 1
  done
}
# parquet_check NAME BIN [runner...]: every codec's Parquet report equals the text report.
parquet_check() {
  local name=$1 bin=$2 codec bad=0; shift 2
  if ! parquet_inputs >"$tmp/pq.err" 2>&1; then fail "$name" "$tmp/pq.err"; return; fi
  "$@" "$bin" "${sample_args[@]}" "$tmp/pq/records.log" >"$tmp/pq/text.out" 2>&1 || bad=1
  for codec in uncompressed gzip snappy zstd; do
    "$@" "$bin" "${sample_args[@]}" "$tmp/pq/records-$codec.parquet" >"$tmp/pq/$codec.out" 2>&1 || bad=1
    cmp -s "$tmp/pq/text.out" "$tmp/pq/$codec.out" || { bad=1; diff "$tmp/pq/text.out" "$tmp/pq/$codec.out" >>"$tmp/pq/diff"; }
  done
  grep -q '^records: [1-9]' "$tmp/pq/text.out" || bad=1  # not a comparison of two empty reports
  if ((bad == 0)); then ok "$name"; else cat "$tmp/pq/text.out" >>"$tmp/pq/diff"; fail "$name" "$tmp/pq/diff"; fi
}

if ((golden)); then
  [[ -x $x86 ]] || { echo "no $x86: run scripts/release.sh --arch x86_64" >&2; exit 1; }
  for case_file in tests/cli/*.sh; do
    [[ -f ${case_file%.sh}.exit ]] || continue  # a golden case has its expected exit status
    name=$(basename "$case_file" .sh)
    if tests/cli/run_golden.sh "$x86" "$case_file" >"$tmp/golden" 2>&1; then
      ok "golden $name"
    else
      fail "golden $name" "$tmp/golden"
    fi
  done
  if tests/cli/version_libraries.sh "$x86" --static >"$tmp/version" 2>&1; then
    ok "--version: commit, static target, c-ares, library versions"
  else
    fail "--version: commit, static target, c-ares, library versions" "$tmp/version"
  fi
  parquet_check "Parquet (uncompressed, GZIP, SNAPPY, ZSTD pages) gives the text report" "$x86"
fi

# The test endpoint behind HTTPS with a CA made for this run, and a proxy.
start_endpoint() {
  openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=efstop-release-test-ca \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$host_name" \
    -keyout "$tmp/server.key" -out "$tmp/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:%s\n' "$host_name" >"$tmp/san.ext"
  openssl x509 -req -in "$tmp/server.csr" -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" \
    -CAcreateserial -days 1 -extfile "$tmp/san.ext" -out "$tmp/server.pem" >/dev/null 2>&1
  /usr/bin/python3 tests/endpoint/server.py --scenario tests/endpoint/scenarios/default.json \
    --port-file "$tmp/endpoint_port" --parent-pid $$ 2>"$tmp/endpoint.log" &
  pids+=($!)
  for _ in $(seq 100); do [[ -s $tmp/endpoint_port ]] && break; sleep 0.1; done
  /usr/bin/python3 tests/harness/tls_front.py "$tmp/server.pem" "$tmp/server.key" \
    "$(cat "$tmp/endpoint_port")" "$tmp" $$ &
  pids+=($!)
  for _ in $(seq 100); do [[ -s $tmp/proxy_port ]] && break; sleep 0.1; done
  tls_port=$(cat "$tmp/tls_port")
  proxy_port=$(cat "$tmp/proxy_port")
}

# The identity the scenario's first user has (tests/endpoint/scenarios/default.json).
aws_env=(AWS_ACCESS_KEY_ID=AKIAEFSTOPTEST000001
         AWS_SECRET_ACCESS_KEY=efstopTestSecretKey/0000000000000000000001
         AWS_REGION=eu-west-1 AWS_EC2_METADATA_DISABLED=true)
# whoami_ok NAME FILE: whoami's output names the scenario's account and user.
whoami_ok() {
  if grep -q '111122223333' "$2" && grep -q 'arn:aws:iam::111122223333:user/efstop-tester' "$2"; then
    ok "$1"
  else
    fail "$1" "$2"
  fi
}

# make_root DIR CA_PATH SOURCE=NAME...: the empty root (hosts, resolv.conf, CA bundle,
# and each SOURCE copied to /NAME: the binary, for arm64 qemu too) plus the sample files
# to report on.
make_root() {
  local root=$1 ca_path=$2; shift 2
  mkdir -p "$root/etc" "$root/$(dirname "$ca_path")"
  printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$host_name" >"$root/etc/hosts"
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  cp "$tmp/ca.pem" "$root$ca_path"
  local f; for f in "$@"; do cp "${f%%=*}" "$root/${f#*=}"; done
  cp -r sample "$root/sample"
}

if ((roots || qemu)); then
  start_endpoint
  url="https://$host_name:$tls_port"
fi

if ((roots)); then
  sample_report "$x86" "$tmp/host-report"
  [[ -s $tmp/host-report ]] && ok "sample report on the host" || fail "sample report on the host"

  # 1. The empty root. The CA sits where Alpine keeps it: found by the search.
  empty="$tmp/empty-root"
  make_root "$empty" /etc/ssl/cert.pem "$x86=efstop"
  ls -A "$empty" >"$tmp/empty-listing"
  # No shell in there: chroot runs the file itself, in the root's /, so the
  # same relative paths as on the host name the same files (the JSON report
  # lists its inputs as given).
  sample_report /efstop "$tmp/empty-report" env -i "$CHROOT" "$empty"
  if cmp -s "$tmp/host-report" "$tmp/empty-report"; then
    ok "empty root: sample report equals the host's"
  else
    fail "empty root: sample report equals the host's" "$tmp/empty-report.err"
  fi
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" "$CHROOT" "$empty" /efstop whoami \
    >"$tmp/w1" 2>&1 || true
  whoami_ok "empty root: whoami over HTTPS, name from /etc/hosts, CA found at /etc/ssl/cert.pem" "$tmp/w1"
  : >"$tmp/proxy.log"
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" HTTPS_PROXY="http://127.0.0.1:$proxy_port" \
    "$CHROOT" "$empty" /efstop whoami >"$tmp/w2" 2>&1 || true
  if grep -qx "$host_name:$tls_port" "$tmp/proxy.log"; then whoami_ok "empty root: whoami through HTTPS_PROXY" "$tmp/w2"
  else fail "empty root: whoami through HTTPS_PROXY (the proxy saw no CONNECT)" "$tmp/w2"; fi
  : >"$tmp/proxy.log"
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" HTTPS_PROXY="http://127.0.0.1:$proxy_port" \
    NO_PROXY="$host_name" "$CHROOT" "$empty" /efstop whoami >"$tmp/w3" 2>&1 || true
  if [[ ! -s $tmp/proxy.log ]]; then whoami_ok "empty root: NO_PROXY bypasses the proxy" "$tmp/w3"
  else fail "empty root: NO_PROXY bypasses the proxy (the proxy saw a CONNECT)" "$tmp/w3"; fi
  # Without the CA the same call must fail as TLS, not pass: the check above is real.
  mv "$empty/etc/ssl/cert.pem" "$empty/ca-elsewhere.pem"
  if env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" "$CHROOT" "$empty" /efstop whoami \
       >"$tmp/w4" 2>&1; then
    fail "empty root: no CA bundle, TLS must fail" "$tmp/w4"
  elif grep -q 'TLS failed' "$tmp/w4"; then ok "empty root: no CA bundle, whoami fails as TLS"
  else fail "empty root: no CA bundle, whoami fails as TLS" "$tmp/w4"; fi
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" SSL_CERT_FILE=/ca-elsewhere.pem \
    "$CHROOT" "$empty" /efstop whoami >"$tmp/w5" 2>&1 || true
  whoami_ok "empty root: SSL_CERT_FILE" "$tmp/w5"
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" AWS_CA_BUNDLE=/ca-elsewhere.pem \
    "$CHROOT" "$empty" /efstop whoami >"$tmp/w6" 2>&1 || true
  whoami_ok "empty root: AWS_CA_BUNDLE" "$tmp/w6"
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" \
    "$CHROOT" "$empty" /efstop whoami --ca-bundle /ca-elsewhere.pem >"$tmp/w7" 2>&1 || true
  whoami_ok "empty root: --ca-bundle" "$tmp/w7"
  # No HOME: the report still comes, with one line saying names go uncached.
  env -i "$CHROOT" "$empty" /efstop --names --offline /sample/flowlogs/cloudwatch-export-eni-all.log \
    >"$tmp/nohome.out" 2>"$tmp/nohome.err" || true
  if [[ -s $tmp/nohome.out ]] && [[ $(grep -c 'names without the store' "$tmp/nohome.err") == 1 ]]; then
    ok "empty root: no HOME, report with one line saying names go uncached"
  else
    fail "empty root: no HOME, report with one line saying names go uncached" "$tmp/nohome.err"
  fi

  # 2. Debian 11 (glibc 2.31). The CA sits where Amazon Linux and RHEL keep it.
  d11="$cache/debian11-root"
  if [[ ! -x $d11/bin/sh ]]; then
    echo "release_check.sh: debootstrap --variant=minbase bullseye into $d11 (once)" >&2
    rm -rf "$d11.tmp"
    nice -n 10 debootstrap --variant=minbase bullseye "$d11.tmp" \
      "$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null ||
         echo http://deb.debian.org/debian)" >"$tmp/debootstrap.log" 2>&1 ||
      { cat "$tmp/debootstrap.log" >&2; exit 1; }
    mv "$d11.tmp" "$d11"
  fi
  run11="$d11/run/efstop-check"
  rm -rf "$run11" && mkdir -p "$run11"
  cp "$x86" "$run11/efstop" && cp -r sample "$run11/sample"
  mkdir -p "$d11/etc/pki/tls/certs"
  cp "$tmp/ca.pem" "$d11/etc/pki/tls/certs/ca-bundle.crt"
  cp "$d11/etc/hosts" "$tmp/d11-hosts" 2>/dev/null || : >"$tmp/d11-hosts"
  printf '127.0.0.1 localhost\n127.0.0.1 %s\n' "$host_name" >"$d11/etc/hosts"
  glibc=$("$CHROOT" "$d11" /usr/bin/ldd --version | sed -n 1p)
  (
    cd "$run11"
    for args in "sample/flowlogs/cloudwatch-export-eni-all.log" "sample/flowlogs/s3" \
                "--output json sample/flowlogs"; do
      # shellcheck disable=SC2086
      "$CHROOT" "$d11" sh -c "cd /run/efstop-check && ./efstop $(printf '%q ' "${sample_args[@]}") $args"
    done
  ) >"$tmp/d11-report" 2>"$tmp/d11-report.err" || true
  if cmp -s "$tmp/host-report" "$tmp/d11-report"; then ok "Debian 11 ($glibc): sample report equals the host's"
  else fail "Debian 11 ($glibc): sample report equals the host's" "$tmp/d11-report.err"; fi
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" HOME=/root \
    "$CHROOT" "$d11" /run/efstop-check/efstop whoami >"$tmp/w8" 2>&1 || true
  whoami_ok "Debian 11: whoami over HTTPS, CA found at /etc/pki/tls/certs/ca-bundle.crt" "$tmp/w8"
  # A read-only HOME: the user nobody, HOME a directory it cannot write.
  mkdir -p "$d11/run/efstop-check/ro-home" && chmod 555 "$d11/run/efstop-check/ro-home"
  env -i HOME=/run/efstop-check/ro-home "$CHROOT" --userspec=65534:65534 "$d11" \
    /run/efstop-check/efstop --names --offline /run/efstop-check/sample/flowlogs/cloudwatch-export-eni-all.log \
    >"$tmp/rohome.out" 2>"$tmp/rohome.err" || true
  if [[ -s $tmp/rohome.out ]] && [[ $(grep -c 'names without the store' "$tmp/rohome.err") == 1 ]]; then
    ok "Debian 11: read-only HOME, report with one line saying names go uncached"
  else
    fail "Debian 11: read-only HOME, report with one line saying names go uncached" "$tmp/rohome.err"
  fi
  cp "$tmp/d11-hosts" "$d11/etc/hosts"
  rm -rf "$run11" "$d11/etc/pki"
fi

if ((qemu)); then
  [[ -x $arm ]] || { echo "no $arm: run scripts/release.sh --arch arm64" >&2; exit 1; }
  [[ -f $tmp/host-report ]] || sample_report "$x86" "$tmp/host-report"
  sample_report "$arm" "$tmp/arm-report" qemu-aarch64-static
  if cmp -s "$tmp/host-report" "$tmp/arm-report"; then
    ok "arm64 under qemu: sample report (plain, gzip, both) equals x86-64's byte for byte"
  else
    fail "arm64 under qemu: sample report equals x86-64's" "$tmp/arm-report"
  fi
  if tests/cli/version_libraries.sh "$arm" --static qemu-aarch64-static >"$tmp/version" 2>&1; then
    ok "arm64 --version: commit, static target, c-ares, library versions"
  else
    fail "arm64 --version: commit, static target, c-ares, library versions" "$tmp/version"
  fi
  parquet_check "arm64 under qemu: Parquet (uncompressed, GZIP, SNAPPY, ZSTD pages) gives the text report" \
    "$arm" qemu-aarch64-static
  qroot="$tmp/qemu-root"
  make_root "$qroot" /etc/ssl/certs/ca-certificates.crt "$arm=efstop-arm64" \
    /usr/bin/qemu-aarch64-static=qemu-aarch64-static
  env -i "${aws_env[@]}" AWS_ENDPOINT_URL="$url" \
    "$CHROOT" "$qroot" /qemu-aarch64-static /efstop-arm64 whoami >"$tmp/w9" 2>&1 || true
  whoami_ok "arm64 under qemu, empty root: whoami over HTTPS, CA at /etc/ssl/certs/ca-certificates.crt" "$tmp/w9"
fi

echo "$passed passed, $failed failed"
((failed == 0))
