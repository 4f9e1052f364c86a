# --group-by pair with names: one row per mount target again (the default
# with names merges a file system's mount targets: names_table.sh).
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --group-by pair --top 15 ../../../sample/flowlogs
