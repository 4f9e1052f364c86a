# --allow-partial: the same partial report, exit 0; the summary on stderr
# still starts by saying it is partial.
efstop --allow-partial pairs.log no-such.log
