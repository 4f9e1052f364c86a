# pairs.log as JSON lines with damage: each bad JSON line is a skipped record
# named FILE:LINE on stderr (JSON lines 3, 6, 9, 12; pairs.log line 16 is
# line 20 here), the rest counts as pairs.log does (gzip.stdout).
efstop --output csv pairs.bad.jsonl
