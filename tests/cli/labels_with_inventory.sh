# --labels with --inventory: the sample account's names for its own
# addresses, a label for an address outside it (the sample's 203.0.113.7 is
# labelled here; see data/labels-sample.txt).
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --labels labels-sample.txt --group-by client --output tsv --top 0 ../../../sample/flowlogs
