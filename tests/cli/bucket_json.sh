# --bucket 5m across midnight, no window: every row's series runs from the first bucket with
# bytes (23:55) to the last (00:10); the numbers are worked out in data/README.md
# (buckets.log) and sum to each row's totals.
efstop --bucket 5m --output json --quiet --threads 1 buckets.log
