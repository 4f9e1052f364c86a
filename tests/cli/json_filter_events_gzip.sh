# Two `aws logs filter-log-events --output json` pages of pairs.log,
# gzip-compressed on stdin: the same report as pairs.log (gzip.stdout).
gzip -c pairs.filter.json | efstop --output csv --quiet -
