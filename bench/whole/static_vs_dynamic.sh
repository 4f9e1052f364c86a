#!/usr/bin/env bash
# The static release file against the normal (dynamic) build on bench/whole's
# data: the same command, runs alternated (dynamic, static, dynamic, ...) so a
# shared machine's load changes hit both alike.
#
#   bench/whole/static_vs_dynamic.sh [--records N] [--rounds R] [--dynamic BIN] [--static BIN]
#
# Defaults: 2,000,000 records (efstop-flowgen, bench/whole/run.sh's generator
# settings), 7 rounds, build/release/efstop and dist/efstop-<version>-linux-x86_64.
# For each input (one plain file, one gzip -6 file) prints the median wall and
# CPU (user + sys) seconds of each binary and static/dynamic; checks that both
# print the same report.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
version=$(sed -n 's/^project(efstop VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
records=2000000
rounds=7
dynamic="$root/build/release/efstop"
static="$root/dist/efstop-$version-linux-x86_64"
flowgen="$root/build/release/tools/efstop-flowgen"
while (($#)); do
  case "$1" in
    --records) records=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    --dynamic) dynamic=$2; shift 2 ;;
    --static) static=$2; shift 2 ;;
    *) echo "static_vs_dynamic.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
for f in "$dynamic" "$static" "$flowgen" /usr/bin/time; do
  [[ -x $f ]] || { echo "static_vs_dynamic.sh: $f missing (build it; time: install-deps.sh --bench)" >&2; exit 2; }
done
data="$root/build/bench-static/$records"
mkdir -p "$data"
if [[ ! -f $data/flows.log.gz ]]; then
  "$flowgen" --records "$records" --seed 42 --clients 500 --mount-targets 6 --logging both \
    --ipv6 0.1 --nodata 0.002 --skipdata 0.0002 --bad 0 --out "$data/flows.log" \
    --server-ips-out "$data/mount-targets.txt"
  gzip -6 -c "$data/flows.log" >"$data/flows.log.gz.tmp" && mv "$data/flows.log.gz.tmp" "$data/flows.log.gz"
fi
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '| input | dynamic wall s | static wall s | static/dynamic wall | dynamic CPU s | static CPU s | static/dynamic CPU |\n'
printf '|---|---|---|---|---|---|---|\n'
for input in flows.log flows.log.gz; do
  : >"$data/dyn.times"; : >"$data/sta.times"
  "$dynamic" --output json --top 0 "$data/$input" >"$data/dyn.out" 2>/dev/null
  "$static" --output json --top 0 "$data/$input" >"$data/sta.out" 2>/dev/null
  cmp -s "$data/dyn.out" "$data/sta.out" || { echo "static and dynamic reports differ on $input" >&2; exit 1; }
  for ((r = 0; r < rounds; r++)); do
    for which in dyn sta; do
      bin=$dynamic; [[ $which == sta ]] && bin=$static
      /usr/bin/time -f '%e %U %S' -a -o "$data/$which.times" \
        "$bin" --output json --top 0 "$data/$input" >/dev/null 2>&1
    done
  done
  dw=$(awk '{print $1}' "$data/dyn.times" | median); sw=$(awk '{print $1}' "$data/sta.times" | median)
  dc=$(awk '{print $2 + $3}' "$data/dyn.times" | median); sc=$(awk '{print $2 + $3}' "$data/sta.times" | median)
  printf '| %s | %s | %s | %.3f | %s | %s | %.3f |\n' "$input" "$dw" "$sw" \
    "$(awk -v a="$sw" -v b="$dw" 'BEGIN{print a/b}')" "$dc" "$sc" "$(awk -v a="$sc" -v b="$dc" 'BEGIN{print a/b}')"
done
