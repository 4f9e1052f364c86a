# With names (the sample account's inventory) the table is compact: client
# name, kind and AZ, file system and its AZ, bytes, flows, rejects, cross-AZ.
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --top 15 ../../../sample/flowlogs
