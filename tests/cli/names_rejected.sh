# The sample's REJECTs (hosts outside the mount targets' security group, with
# no ENI in the inventory: external) listed first with --sort rejected.
efstop --inventory ../../../sample/inventory.json --server-ips ../../../sample/mount-targets.txt \
  --sort rejected --top 6 ../../../sample/flowlogs
