# Long form in NDJSON and TSV, grouped by server (the series of all clients summed bucket by
# bucket), 1h buckets: 23:00 holds 10.0.1.5's 300 + 500 bytes before midnight.
efstop --bucket 1h --group-by server --output ndjson --quiet buckets.log
efstop --bucket 1h --group-by client --output tsv --quiet buckets.log
