# --wide: every end column (addresses, name, kind, id, AZ, account) and
# packets, as before the compact default.
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --top 15 --wide ../../../sample/flowlogs
