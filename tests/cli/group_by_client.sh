efstop --group-by client --output json --quiet pairs.log
