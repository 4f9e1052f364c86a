# CloudWatch Logs export lines ({"message": ...} per line) of pairs.log: the
# same report as pairs.log itself (gzip.stdout), found by content.
efstop --output csv --quiet pairs.cwl.jsonl
