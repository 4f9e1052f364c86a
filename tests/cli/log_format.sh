# The same records as nointerface.log without its header line: the field order comes
# from --log-format (a LogFormat string as DescribeFlowLogs returns it).
tail -n +2 nointerface.log | efstop --output json --quiet --threads 1 \
  --log-format '${version} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}' -
