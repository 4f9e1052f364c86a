#!/usr/bin/env bash
# Parquet against text for the same records (issue 16: Parquet must read at least as many
# records/s as the text path).
#
#   bench/parquet/run.sh [--records N] [--runs R] [--threads T] [--efstop BIN]
#
# Generates N records (default 2,000,000) with efstop-flowgen (bench/lib.sh) and writes them
# as AWS delivers each format: text as a gzip file (`.log.gz`), Parquet through DuckDB
# (tests/flowlog/parquet_write.js, @duckdb/node-api from tests/harness) as GZIP-compressed
# pages, data pages v1 with dictionaries. For the decoders alone it also writes plain text and
# Parquet with SNAPPY and UNCOMPRESSED pages. Checks that every file gives the text file's
# report, then times `efstop --output json --top 0 --quiet --threads T` (default 1: per core)
# on each, R runs (default 3) on a warm page cache, and prints a Markdown table: the least
# wall and the least CPU time (user + sys) of the runs, records/s by each, and the ratios
# Parquet / text records/s as delivered (GZIP Parquet against gzip text) and uncompressed
# (UNCOMPRESSED Parquet against plain text).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_init parquet "$@"
((${#bench_rest[@]} == 0)) || { echo "run.sh: unknown option ${bench_rest[0]}" >&2; exit 2; }

bench_records "$data/records.log"
gzip -6 -c "$data/records.log" > "$data/records.log.gz"
bench_csv "$data/records.log" "$data/records.csv"
info=""
for codec in gzip snappy uncompressed; do
  info+="$codec: $(node "$root/tests/flowlog/parquet_write.js" "$data/records.csv" \
                     "$data/records-$codec.parquet" "$codec" V1 dict); "
done
rm -f "$data/records.csv"

inputs=(records.log.gz records-gzip.parquet records.log records-snappy.parquet records-uncompressed.parquet)
names=("text, gzip (as AWS delivers text)" "Parquet, GZIP pages (as AWS delivers Parquet)"
       "text, plain" "Parquet, SNAPPY pages" "Parquet, UNCOMPRESSED pages")
bench_report "$data/records.log" > "$data/text.json"
for f in "${inputs[@]}"; do
  bench_report "$data/$f" | cmp -s - "$data/text.json" || { echo "run.sh: $f: reports differ" >&2; exit 1; }
done
declare -A wall cpu
for f in "${inputs[@]}"; do read -r "wall[$f]" "cpu[$f]" <<< "$(bench_best "$data/$f")"; done
lines=$(wc -l < "$data/records.log")
bench_machine
echo "records: $lines; sizes (MB): $(for f in "${inputs[@]}"; do printf '%s %s; ' "$f" "$(du -m "$data/$f" | cut -f1)"; done)"
echo "DuckDB wrote: $info"
echo
echo "| input | wall s | CPU s | records/s (wall) | records/s (CPU) |"
echo "|---|---:|---:|---:|---:|"
for i in "${!inputs[@]}"; do
  f=${inputs[$i]}
  awk -v name="${names[$i]}" -v n="$lines" -v w="${wall[$f]}" -v c="${cpu[$f]}" \
    'BEGIN { printf "| %s | %s | %s | %.0f | %.0f |\n", name, w, c, n / w, n / c }'
done
ratio() {  # text file, Parquet file: Parquet / text records/s by wall and by CPU
  awk -v tw="${wall[$1]}" -v pw="${wall[$2]}" -v tc="${cpu[$1]}" -v pc="${cpu[$2]}" \
    'BEGIN { printf "%.2f by wall, %.2f by CPU", tw / pw, tc / pc }'
}
echo
echo "Parquet / text records/s, as delivered (GZIP Parquet / gzip text): $(ratio records.log.gz records-gzip.parquet)"
echo "Parquet / text records/s, uncompressed (UNCOMPRESSED Parquet / plain text): $(ratio records.log records-uncompressed.parquet)"
