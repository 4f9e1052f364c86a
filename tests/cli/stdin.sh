# "-" reads stdin, plain or gzip.
efstop --output csv --quiet - < pairs.log
gzip -dc pairs.log.gz | efstop --output csv --quiet -
efstop --output csv --quiet - < pairs.log.gz
