# --sample 5m/10m with --bucket 5m, JSON: estimated bytes, the sampled bytes beside them, and
# null for the buckets no slice covers (23:55, 00:05); numbers in data/README.md.
efstop --sample 5m/10m --bucket 5m --output json --quiet --threads 1 buckets.log
