#!/bin/sh
# The collected-history store at its design size (issue 14, docs/PERFORMANCE.md): 30 days
# of hourly collections for 5,000 client/server pairs (3.6 M bucket rows), written through
# the store's own write path, then its size on disk and the time `efstop top --from-store`
# takes to answer for the 30 days (with --bucket 1h, the target's query; and with
# --by hour-of-day). The addresses carry names, as a named collect stores them.
#
# usage: bench/history/run.sh [BUILD_DIR]   (default build/release)
set -eu
build=${1:-build/release}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
end=$(date +%s)
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(uname -sr)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
/usr/bin/time -f "fill: %e s wall, %M KiB peak RSS" "$build/bench/history_fill" "$work" 30 5000 "$end"
db="$work/efstop.sqlite3"
echo "rows: $(sqlite3 "$db" 'SELECT count(*) FROM bucket_total')"
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
echo "store size: $(stat -c %s "$db") bytes ($(du -m "$db" | cut -f1) MiB; -wal $(stat -c %s "$db-wal" 2>/dev/null || echo 0) bytes)"
echo "name rows: $(sqlite3 "$db" 'SELECT count(*) FROM collected_name')"
for args in "--since 30d --bucket 1h --top 0 --output csv" "--since 30d --bucket 1h --output json" \
            "--since 30d --bucket 1h" "--since 30d --top 0 --output csv" \
            "--since 30d --group-by client --top 0 --output csv" \
            "--since 30d --by hour-of-day --top 0 --output json"; do
  for i in 1 2 3; do
    # shellcheck disable=SC2086
    /usr/bin/time -f "top --from-store $args: %e s wall, %U s user, %M KiB peak RSS" \
      "$build/efstop" top --from-store --cache-dir "$work" $args --quiet >/dev/null
  done
done
