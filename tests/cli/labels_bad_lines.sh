# A labels file of only bad lines: each is reported as FILE:LINE: reason on
# stderr, and the report goes on without labels.
cache=$(mktemp -d)
efstop --labels labels-bad.txt --cache-dir "$cache" --output csv pairs.log
rm -rf "$cache"
