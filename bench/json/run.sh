#!/usr/bin/env bash
# JSON-wrapped records against text for the same records (issue 16: JSON-wrapped
# deliveries within 2x of the text path per record).
#
#   bench/json/run.sh [--records N] [--runs R] [--threads T] [--efstop BIN]
#
# Generates N records (default 2,000,000) with efstop-flowgen (the same generator options
# as bench/whole/run.sh and bench/parquet/run.sh) and writes them three ways: plain text;
# one JSON object per line as `aws logs filter-log-events` events look
# ({"logStreamName":...,"timestamp":...,"message":"<record>","ingestionTime":...,"eventId":...});
# and CloudWatch Logs subscription DATA_MESSAGE envelopes of 100 events each, concatenated
# as Firehose writes them. Checks that all three give the same report, then times
# `efstop --output json --top 0 --quiet --threads T` (default 1) on each, best of R runs
# (default 3), on a warm page cache. Prints a Markdown table with records/s and the ratios
# text / JSON.
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
data="$root/build/bench-json"
mkdir -p "$data"
"$flowgen" --records "$records" --seed 42 --clients 500 --mount-targets 6 --logging both \
  --ipv6 0.1 --nodata 0.002 --skipdata 0.0002 --bad 0 | grep '^[0-9]' > "$data/records.log"
awk '{ printf "{\"logStreamName\":\"%s-all\",\"timestamp\":%d000,\"message\":\"%s\",\"ingestionTime\":%d000,\"eventId\":\"%d\"}\n", $3, $11, $0, $12, NR }' \
  "$data/records.log" > "$data/records.jsonl"
awk 'function flush() { if (n) printf "]}"; n = 0 }
     { if (n == 100) flush()
       if (n == 0) printf "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"flow\",\"logStream\":\"%s-all\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[", $3
       else printf ","
       printf "{\"id\":\"%d\",\"timestamp\":%d000,\"message\":\"%s\"}", NR, $11, $0; n++ }
     END { flush(); printf "\n" }' "$data/records.log" > "$data/records.envelopes"

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
report() {
  "$efstop" --output json --top 0 --quiet "$1" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("efstop"); print(json.dumps(d, sort_keys=True))'
}
report "$data/records.log" > "$data/text.json"
for f in records.jsonl records.envelopes; do
  report "$data/$f" > "$data/$f.json"
  cmp -s "$data/text.json" "$data/$f.json" || { echo "run.sh: reports differ ($f)" >&2; exit 1; }
done
read -r tw tc <<< "$(run_best "$data/records.log")"
read -r jw jc <<< "$(run_best "$data/records.jsonl")"
read -r ew ec <<< "$(run_best "$data/records.envelopes")"
lines=$(wc -l < "$data/records.log")
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
echo "records: $lines; text $(du -m "$data/records.log" | cut -f1) MB; JSON lines $(du -m "$data/records.jsonl" | cut -f1) MB; envelopes $(du -m "$data/records.envelopes" | cut -f1) MB"
echo
echo "| input | wall s | CPU s | records/s (wall) | text / this (wall) |"
echo "|---|---:|---:|---:|---:|"
row() { awk -v name="$1" -v n="$lines" -v w="$2" -v c="$3" -v t="$tw" \
          'BEGIN { printf "| %s | %s | %s | %.0f | %.2f |\n", name, w, c, n / w, w / t }'; }
row "text (plain)" "$tw" "$tc"
row "JSON lines (filter-log-events events)" "$jw" "$jc"
row "DATA_MESSAGE envelopes (100 events each)" "$ew" "$ec"
