#!/usr/bin/env bash
# Parquet against text for the same records (issue 16: Parquet must read at least as many
# records/s as the text path).
#
#   bench/parquet/run.sh [--records N] [--runs R] [--threads T] [--efstop BIN]
#
# Generates N records (default 2,000,000) with efstop-flowgen (the same generator options
# as bench/whole/run.sh), writes them as a plain text file and, through DuckDB
# (tests/flowlog/parquet_write.js, @duckdb/node-api from tests/harness), as a GZIP Parquet
# file with data pages v1 and dictionaries (as AWS writes them: gzip-compressed pages),
# checks that both give the same report, and times `efstop --output json --top 0 --threads T`
# (default 1: per core) on each, best of R runs (default 3), on a warm page cache. Prints a
# Markdown table with records/s and the ratio Parquet / text.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
records=2000000
runs=3
threads=1
efstop="$root/build/release/efstop"
while (($#)); do
  case "$1" in
    --records) records="$2"; shift 2 ;;
    --runs) runs="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --efstop) efstop="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
flowgen="$root/build/release/tools/efstop-flowgen"
data="$root/build/bench-parquet"
mkdir -p "$data"
"$flowgen" --records "$records" --seed 42 --clients 500 --mount-targets 6 --logging both \
  --ipv6 0.1 --nodata 0.002 --skipdata 0.0002 --bad 0 > "$data/records.log"
# CSV for DuckDB: the default version-2 columns; `-` becomes NULL (an empty cell).
awk 'BEGIN { OFS = ","; print "version,account_id,interface_id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log_status" }
     /^[0-9]/ { for (i = 1; i <= NF; i++) if ($i == "-") $i = ""; $1 = $1; print }' \
  "$data/records.log" > "$data/records.csv"
node "$root/tests/flowlog/parquet_write.js" "$data/records.csv" "$data/records.parquet" gzip V1 dict \
  > "$data/parquet-info.txt"
rm -f "$data/records.csv"

run_best() {  # prints "wall_s cpu_s" of the fastest of $runs runs
  local best="" line
  for ((r = 0; r < runs; r++)); do
    line=$( { /usr/bin/time -f '%e %U %S' "$efstop" --output json --top 0 --quiet \
                --threads "$threads" "$1" > "$data/out.json"; } 2>&1 | tail -n 1)
    read -r wall user sys <<< "$line"
    if [[ -z "$best" ]] || awk -v a="$wall" -v b="${best%% *}" 'BEGIN { exit !(a < b) }'; then
      best="$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')"
    fi
  done
  echo "$best"
}
"$efstop" --output json --top 0 --quiet "$data/records.log" | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("efstop"); print(json.dumps(d, sort_keys=True))' > "$data/text.json"
"$efstop" --output json --top 0 --quiet "$data/records.parquet" | python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("efstop"); print(json.dumps(d, sort_keys=True))' > "$data/parquet.json"
cmp -s "$data/text.json" "$data/parquet.json" || { echo "run.sh: reports differ" >&2; exit 1; }
read -r tw tc <<< "$(run_best "$data/records.log")"
read -r pw pc <<< "$(run_best "$data/records.parquet")"
lines=$(grep -c '^[0-9]' "$data/records.log")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
echo "records: $lines; text $(du -m "$data/records.log" | cut -f1) MB; Parquet $(du -m "$data/records.parquet" | cut -f1) MB ($(cat "$data/parquet-info.txt"))"
echo
echo "| input | wall s | CPU s | records/s (wall) |"
echo "|---|---:|---:|---:|"
awk -v n="$lines" -v w="$tw" -v c="$tc" 'BEGIN { printf "| text (plain) | %s | %s | %.0f |\n", w, c, n / w }'
awk -v n="$lines" -v w="$pw" -v c="$pc" 'BEGIN { printf "| Parquet (GZIP, v1, dictionary) | %s | %s | %.0f |\n", w, c, n / w }'
awk -v a="$tw" -v b="$pw" 'BEGIN { printf "\nParquet / text records/s: %.2f\n", a / b }'
