# --labels alone: CIDR labels name the addresses of pairs.log (longest prefix
# wins: 10.0.1.9 is a /32 inside the /24); the rest stay unnamed. The store
# is a fresh directory, so nothing else names them.
cache=$(mktemp -d)
efstop --labels labels.txt --cache-dir "$cache" --output csv pairs.log
rm -rf "$cache"
