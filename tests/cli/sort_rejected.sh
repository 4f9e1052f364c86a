# --sort rejected: REJECT records move no bytes, so their pairs sort last by
# total; this lists them first (pairs.log: one REJECT, 10.0.1.7 -> 10.0.2.51,
# see data/README.md). The summary says how many there are.
efstop --sort rejected --top 2 pairs.log
