# An empty labels file names nothing and is no error.
cache=$(mktemp -d)
efstop --labels labels-empty.txt --cache-dir "$cache" --output csv pairs.log
rm -rf "$cache"
