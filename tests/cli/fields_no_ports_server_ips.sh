# No srcport, dstport or protocol: only the mount-target addresses can tell EFS traffic.
# The record to 52.94.1.1 is not EFS; eni-s and eni-c1 both logged the write (once per flow).
efstop --output json --quiet --threads 1 --server-ips 10.0.2.50 no_ports.log
