# --sample SPAN/PERIOD: what is refused (exit 2) and why (stderr merged here).
run() { efstop "$@" 2>&1; echo "exit=$?"; }
run --sample 5m buckets.log
run --sample 5x/1h buckets.log
run --sample 30s/1h buckets.log
run --sample 1h/1h buckets.log
run --sample 5m/7h buckets.log
run --sample 1h/36h buckets.log
run --sample 5m/1h --quiet no_start.log
run --sample 5m/1h --log-format '${srcaddr} ${dstaddr} ${bytes}' buckets.log
run --sample 5m/1h --from-store --since 1d
run --sample 5m/1h --by hour-of-day --since 1d
run --sample 5m/1h --output openmetrics
# Metrics are judged over the slices: a metric period (the --bucket) that
# reaches outside them is refused before any call.
run --sample 5m/1h --bucket 1h --no-names --log-group /vpc/flow-logs --since 1h
