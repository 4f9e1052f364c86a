#!/usr/bin/env bash
# JSON-wrapped records against text for the same records (issue 16: JSON-wrapped
# deliveries within 2x of the text path per record).
#
#   bench/json/run.sh [--records N] [--runs R] [--threads T] [--efstop BIN]
#
# Generates N records (default 2,000,000) with efstop-flowgen (bench/lib.sh: the generator
# options of bench/whole/run.sh) and writes them three ways: plain text;
# one JSON object per line as `aws logs filter-log-events` events look
# ({"logStreamName":...,"timestamp":...,"message":"<record>","ingestionTime":...,"eventId":...});
# and CloudWatch Logs subscription DATA_MESSAGE envelopes of 100 events each, concatenated
# as Firehose writes them. Checks that all three give the same report, then times
# `efstop --output json --top 0 --quiet --threads T` (default 1) on each, R runs (default 3)
# on a warm page cache: the least wall and the least CPU time of the runs (bench/lib.sh).
# Prints a Markdown table with records/s and the ratios text / JSON.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_init json "$@"
((${#bench_rest[@]} == 0)) || { echo "run.sh: unknown option ${bench_rest[0]}" >&2; exit 2; }
bench_records "$data/records.log"
awk '{ printf "{\"logStreamName\":\"%s-all\",\"timestamp\":%d000,\"message\":\"%s\",\"ingestionTime\":%d000,\"eventId\":\"%d\"}\n", $3, $11, $0, $12, NR }' \
  "$data/records.log" > "$data/records.jsonl"
awk 'function flush() { if (n) printf "]}"; n = 0 }
     { if (n == 100) flush()
       if (n == 0) printf "{\"messageType\":\"DATA_MESSAGE\",\"owner\":\"123456789012\",\"logGroup\":\"flow\",\"logStream\":\"%s-all\",\"subscriptionFilters\":[\"f\"],\"logEvents\":[", $3
       else printf ","
       printf "{\"id\":\"%d\",\"timestamp\":%d000,\"message\":\"%s\"}", NR, $11, $0; n++ }
     END { flush(); printf "\n" }' "$data/records.log" > "$data/records.envelopes"

bench_report "$data/records.log" > "$data/text.json"
for f in records.jsonl records.envelopes; do
  bench_report "$data/$f" > "$data/$f.json"
  cmp -s "$data/text.json" "$data/$f.json" || { echo "run.sh: reports differ ($f)" >&2; exit 1; }
done
read -r tw tc <<< "$(bench_best "$data/records.log")"
read -r jw jc <<< "$(bench_best "$data/records.jsonl")"
read -r ew ec <<< "$(bench_best "$data/records.envelopes")"
lines=$(wc -l < "$data/records.log")
bench_machine
echo "records: $lines; text $(du -m "$data/records.log" | cut -f1) MB; JSON lines $(du -m "$data/records.jsonl" | cut -f1) MB; envelopes $(du -m "$data/records.envelopes" | cut -f1) MB"
echo
echo "| input | wall s | CPU s | records/s (wall) | text / this (wall) |"
echo "|---|---:|---:|---:|---:|"
row() { awk -v name="$1" -v n="$lines" -v w="$2" -v c="$3" -v t="$tw" \
          'BEGIN { printf "| %s | %s | %s | %.0f | %.2f |\n", name, w, c, n / w, w / t }'; }
row "text (plain)" "$tw" "$tc"
row "JSON lines (filter-log-events events)" "$jw" "$jc"
row "DATA_MESSAGE envelopes (100 events each)" "$ew" "$ec"
