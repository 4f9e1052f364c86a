# JSON of the default grouping with names (client x file system), asked for
# by name: a client's mount targets of one file system are one server end
# with "ips" and the file system's id; cross-AZ bytes summed per mount target.
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --group-by fs --output json --top 4 ../../../sample/flowlogs
