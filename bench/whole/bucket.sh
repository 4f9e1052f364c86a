#!/usr/bin/env bash
# What `--bucket 5m` costs on bench/whole's plain file (issue 14's target: at most 15 % more
# CPU than the same command without buckets).
#
#   bench/whole/bucket.sh [--rounds N] [--data DIR] [--efstop BIN] [--base BIN]
#
# Runs, N times alternated (default 5), each command with and without --bucket 5m:
#   one thread:  efstop --output json --top 1 --threads 1 --quiet [--bucket 5m] flows.log
#   bench/whole: efstop --output json --top 0 --quiet [--bucket 5m] flows.log   (two threads)
# and reports CPU seconds (user + sys, to the microsecond: cpu_time.py) as minimum and median,
# their ratios, and the verdict by the ratio of medians. With --base, a second binary (e.g. the build before a
# change) runs in the same rounds, so both are measured under the same conditions. The file is
# run.sh's plain file (DIR/flows.log, default build/bench-whole); when it is missing it is
# generated with run.sh's generator command (10,000,000 records, about 1.2 GB).
# Output: a Markdown report on stdout, also saved as DIR/bucket.md.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"

rounds=5
data="$root/build/bench-whole"
efstop="$root/build/release/efstop"
base=""
flowgen="$root/build/release/tools/efstop-flowgen"
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --efstop) efstop="$2"; shift 2 ;;
    --base) base="$2"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "bucket.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
for bin in "$efstop" ${base:+"$base"}; do
  [[ -x $bin ]] || { echo "bucket.sh: $bin is not an executable: build it first" >&2; exit 2; }
done
plain="$data/flows.log"
if [[ ! -f $plain ]]; then
  [[ -x $flowgen ]] || { echo "bucket.sh: no $flowgen to generate $plain" >&2; exit 2; }
  mkdir -p "$data"
  echo "bucket.sh: generating $plain (run.sh's generator command)" >&2
  # The same options as run.sh's gen_cmd.
  "$flowgen" --records 10000000 --seed 42 --clients 500 --mount-targets 6 --logging both \
    --ipv6 0.1 --nodata 0.002 --skipdata 0.0002 --bad 0 --out "$plain.tmp"
  mv "$plain.tmp" "$plain"
fi
cat "$plain" > /dev/null  # warm the page cache

declare -A args=([one]="--top 1 --threads 1" [two]="--top 0")
declare -A label=([one]="one thread, \`--top 1\`" [two]="bench/whole's command (two threads, \`--top 0\`)")
samples="$data/bucket-samples.txt"
: > "$samples"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for ((r = 1; r <= rounds; r++)); do
  for bin in "$efstop" ${base:+"$base"}; do
    for mode in one two; do
      for b in none 5m; do
        bucket=()
        [[ $b == 5m ]] && bucket=(--bucket 5m)
        # shellcheck disable=SC2086  # the mode's arguments are words
        "$here/cpu_time.py" "$data/time.txt" \
          "$bin" --output json ${args[$mode]} --quiet "${bucket[@]}" "$plain"
        read -r user sys rss < "$data/time.txt"
        echo "$bin $mode $b $user $sys $rss" >> "$samples"
      done
    done
  done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# min and median of the CPU seconds of one (binary, mode, bucket); max RSS in MiB.
stat_of() {
  awk -v bin="$1" -v mode="$2" -v b="$3" '$1 == bin && $2 == mode && $3 == b { print $4 + $5 }' \
    "$samples" | sort -n | awk '{ v[NR] = $1 } END {
      m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.3f %.3f\n", v[1], m }'
}
rss_of() {
  awk -v bin="$1" -v mode="$2" -v b="$3" '$1 == bin && $2 == mode && $3 == b && $6 > m { m = $6 }
    END { printf "%.1f", m / 1024 }' "$samples"
}
{
  echo "## \`--bucket 5m\` against no buckets"
  echo
  echo "Machine: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores, $(uname -sr)." \
       "File: $plain ($(wc -l < "$plain") lines, $(($(stat -c %s "$plain") / 1000000)) MB)." \
       "$rounds rounds, alternated; load average $load_before before, $load_after after."
  echo
  echo "| command | binary | none: min / median CPU s | \`--bucket 5m\`: min / median | ratio of minima | ratio of medians | peak RSS MiB (none / 5m) | <= 1.15 |"
  echo "|---|---|---:|---:|---:|---:|---:|---|"
  for mode in one two; do
    for bin in "$efstop" ${base:+"$base"}; do
      read -r n_min n_med < <(stat_of "$bin" "$mode" none)
      read -r b_min b_med < <(stat_of "$bin" "$mode" 5m)
      awk -v l="${label[$mode]}" -v bin="$bin" -v a="$n_min" -v b="$n_med" -v c="$b_min" \
        -v d="$b_med" -v r1="$(rss_of "$bin" "$mode" none)" -v r2="$(rss_of "$bin" "$mode" 5m)" \
        'BEGIN { printf "| %s | %s | %.3f / %.3f | %.3f / %.3f | %.3f | %.3f | %s / %s | %s |\n",
          l, bin, a, b, c, d, c / a, d / b, r1, r2, (d / b <= 1.15) ? "**met**" : "**not met**" }'
    done
  done
} | tee "$data/bucket.md"
