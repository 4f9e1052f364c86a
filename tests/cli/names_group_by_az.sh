# --group-by az with names: one column per end (the AZ); "?" for an end
# whose AZ is unknown (outside the account), whose crossing is unknown too.
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --group-by az ../../../sample/flowlogs
