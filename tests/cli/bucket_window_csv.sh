# --bucket with a window: the series spans the window's buckets (00:00..00:10, the last
# holding 00:11:59), a record's span is cut at the window's end, long form CSV (one line per
# row and bucket). Numbers in data/README.md (buckets.log).
efstop --bucket 5m --start 2026-11-26T00:00:00Z --end 2026-11-26T00:12:00Z --output csv --quiet buckets.log
