efstop --min-bytes 3500 --output json --quiet pairs.log
