efstop --group-by client --quiet pairs.log
