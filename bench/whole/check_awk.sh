#!/usr/bin/env bash
# The benchmark's awk baseline must compute what efstop computes, or the comparison in
# run.sh means nothing. This runs both on generated data (both sides and one side logged,
# IPv6 clients so that mount targets are dual-stack, noise, REJECTs, NODATA) and compares
# every pair's counters; ctest runs it as reference.bench_awk.
#
#   check_awk.sh EFSTOP FLOWGEN WORKDIR
set -euo pipefail
if [[ $# -ne 3 ]]; then
  echo "usage: check_awk.sh EFSTOP FLOWGEN WORKDIR" >&2
  exit 2
fi
efstop=$1 flowgen=$2 work=$3
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
mkdir -p "$work"
status=0
for logging in both mixed; do
  data="$work/awk-$logging.log"
  "$flowgen" --records 60000 --clients 300 --logging "$logging" --ipv6 0.3 --seed 7 > "$data"
  "$efstop" --output json --top 0 --quiet "$data" > "$work/awk-$logging.json"
  mawk -f "$here/aggregate.awk" "$data" > "$work/awk-$logging.tsv"
  verdict=$(/usr/bin/python3 "$here/compare_awk.py" "$work/awk-$logging.json" \
            "$work/awk-$logging.tsv") || status=1
  echo "logging=$logging: efstop and aggregate.awk agree: $verdict"
done
exit $status
