# Firehose-style object on stdin: gzip-compressed CloudWatch Logs DATA_MESSAGE
# envelopes of pairs.log concatenated (a CONTROL_MESSAGE first): the same
# report as pairs.log (gzip.stdout).
efstop --output csv --quiet - < pairs.firehose.gz
