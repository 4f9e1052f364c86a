efstop --server-ips servers.txt --output ndjson --quiet pairs.log
efstop --server-ips @servers.txt --output ndjson --quiet pairs.log | tail -n 1
