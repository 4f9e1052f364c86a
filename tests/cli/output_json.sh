efstop --output json --quiet pairs.log
