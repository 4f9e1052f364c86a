efstop --group-by server --output csv --quiet pairs.log
