# Only HTTPS: an empty report, and a hint on stderr.
grep " 443 " pairs.log | efstop -
