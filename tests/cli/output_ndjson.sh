efstop --output ndjson --quiet pairs.log
