# A report that cannot be written is a runtime failure (exit 1).
efstop --output csv --quiet pairs.log > /dev/full
