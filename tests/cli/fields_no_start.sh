# Without a window a format without start/end is counted; first_seen and last_seen are
# unknown (null).
efstop --output json --quiet --threads 1 no_start.log
