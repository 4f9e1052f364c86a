# --sample 5m/10m across midnight: slices 00:00-00:05 and 00:10-00:15 (and the ones before,
# where no record reaches); each record's bytes inside them by the proportional split, then x 2.
# Worked out in data/README.md (buckets.log, "--sample"). The summary (stderr) says so.
efstop --sample 5m/10m --threads 1 buckets.log 2>&1
