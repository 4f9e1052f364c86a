efstop --server-ips 10.0.2.50,10.0.2.51,2001:db8::50 --output json --quiet pairs.log
