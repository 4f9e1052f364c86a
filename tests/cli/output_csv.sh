efstop --output csv --quiet pairs.log
