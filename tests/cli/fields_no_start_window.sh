# A format without start cannot be windowed: --since, --start and --end are refused
# (exit 2), from --log-format and from a file's header line alike.
tail -n +2 no_start.log | efstop --since 1h --log-format '${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${action} ${log-status}' -
echo "exit $?"
efstop --start 2026-11-26T14:00:00Z no_start.log
