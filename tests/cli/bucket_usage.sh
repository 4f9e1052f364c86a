# --bucket takes one of five widths; it needs the start field as a window does (stderr
# merged here).
run() { efstop "$@" 2>&1; echo "exit=$?"; }
run --bucket 2m buckets.log
run --bucket 5m --quiet no_start.log
run --bucket 5m --log-format '${srcaddr} ${dstaddr} ${bytes}' buckets.log
