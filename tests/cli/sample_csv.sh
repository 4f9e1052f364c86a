# --sample 5m/1h: only 23:00-23:05 and 00:00-00:05 are sampled; 10.0.1.6's read at 00:09:50
# touches no slice and counts as outside the window. CSV and NDJSON long form with --bucket 1m
# list only buckets inside slices; TSV says estimated per row.
efstop --sample 5m/1h --output csv --quiet --threads 1 buckets.log
efstop --sample 5m/1h --output tsv --quiet --threads 1 buckets.log
efstop --sample 5m/1h --bucket 1m --output ndjson --quiet --threads 1 buckets.log
efstop --sample 5m/1h --output json --threads 1 buckets.log 2>&1 >/dev/null
