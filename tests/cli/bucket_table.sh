# The table with --bucket: PEAK/S (the busiest bucket's bytes over its width, in whole
# bytes) and a sparkline per row and for the TOTAL; --ascii draws it in ASCII. With 5m
# buckets 10.0.1.5's busiest holds 800 B (2 B/s), 10.0.1.6's 500 B (data/README.md).
efstop --bucket 1m --threads 1 buckets.log
efstop --bucket 5m --ascii --quiet buckets.log
