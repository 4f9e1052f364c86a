# Without --server-ips the port-2049 rule cannot match records without ports: nothing is
# EFS, and the note says what to pass.
efstop --threads 1 no_ports.log
