#!/usr/bin/env bash
# Parquet against text for the same records (issue 16: Parquet must read at least as many
# records/s as the text path).
#
#   bench/parquet/run.sh [--records N] [--runs R] [--threads T] [--efstop BIN] [--baseline BIN]
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
# (UNCOMPRESSED Parquet against plain text). CPU and wall times are to the millisecond.
#
# With --baseline BIN (another efstop build, e.g. main's), every run of BIN alternates with a
# run of the efstop under test on the same file, BIN's reports are checked too (md5 of the
# JSON printed for both), and a second table gives BIN's figures and the ratios of each.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_init parquet "$@"
baseline=""
set -- "${bench_rest[@]}"
while (($#)); do
  case "$1" in
    --baseline) baseline="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -z $baseline || -x $baseline ]] || { echo "run.sh: no $baseline" >&2; exit 2; }

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
bins=("$efstop")
if [[ -n $baseline ]]; then
  bins=("$baseline" "$efstop")
  tested=$efstop
  efstop=$baseline
  for f in "${inputs[@]}"; do
    bench_report "$data/$f" | cmp -s - "$data/text.json" || { echo "run.sh: $f: the baseline's report differs" >&2; exit 1; }
  done
  efstop=$tested
fi
declare -A wall cpu bwall bcpu
for f in "${inputs[@]}"; do
  if [[ -n $baseline ]]; then
    read -r "bwall[$f]" "bcpu[$f]" "wall[$f]" "cpu[$f]" <<< "$(bench_best "$data/$f" "${bins[@]}")"
  else
    read -r "wall[$f]" "cpu[$f]" <<< "$(bench_best "$data/$f")"
  fi
done
lines=$(wc -l < "$data/records.log")
bench_machine
echo "records: $lines; sizes (MB): $(for f in "${inputs[@]}"; do printf '%s %s; ' "$f" "$(du -m "$data/$f" | cut -f1)"; done)"
echo "DuckDB wrote: $info"
echo "reports: md5 $(md5sum < "$data/text.json" | cut -d' ' -f1) for every input${baseline:+, both builds}"
table() {  # wall and CPU arrays by name
  local -n w=$1 c=$2
  echo "| input | wall s | CPU s | records/s (wall) | records/s (CPU) |"
  echo "|---|---:|---:|---:|---:|"
  for i in "${!inputs[@]}"; do
    f=${inputs[$i]}
    awk -v name="${names[$i]}" -v n="$lines" -v w="${w[$f]}" -v c="${c[$f]}" \
      'BEGIN { printf "| %s | %s | %s | %.0f | %.0f |\n", name, w, c, n / w, n / c }'
  done
}
ratio() {  # wall and CPU arrays by name, text file, Parquet file: Parquet / text records/s
  local -n w=$1 c=$2
  awk -v tw="${w[$3]}" -v pw="${w[$4]}" -v tc="${c[$3]}" -v pc="${c[$4]}" \
    'BEGIN { printf "%.2f by wall, %.2f by CPU", tw / pw, tc / pc }'
}
ratios() {
  echo "Parquet / text records/s, as delivered (GZIP Parquet / gzip text): $(ratio "$1" "$2" records.log.gz records-gzip.parquet)"
  echo "Parquet / text records/s, uncompressed (UNCOMPRESSED Parquet / plain text): $(ratio "$1" "$2" records.log records-uncompressed.parquet)"
}
if [[ -n $baseline ]]; then
  echo
  echo "baseline: $baseline"
  echo
  table bwall bcpu
  echo
  ratios bwall bcpu
fi
echo
[[ -n $baseline ]] && { echo "efstop: $efstop"; echo; }
table wall cpu
echo
ratios wall cpu
