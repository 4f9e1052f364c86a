# Each usage error exits 2 with a message on stderr (merged here).
run() { efstop "$@" 2>&1; echo "exit=$?"; }
run --log-group /flow-logs --s3 s3://bucket/prefix
run --s3 bucket/prefix
run --method fast
run --log-group /flow-logs pairs.log
run --output xml pairs.log
run --top -1 pairs.log
run --top pairs.log
run --stirct pairs.log
run --group-by host pairs.log
run --group-by fs --no-names pairs.log
run --sort bytes pairs.log
run --min-bytes 1.5GiB pairs.log
run --start yesterday pairs.log
run --since 5 pairs.log
run --since 5m --start 2026-11-26 pairs.log
run --start 2026-11-26T15:00Z --end 2026-11-26T14:00Z pairs.log
run --server-ips 10.0.0.300 pairs.log
run --server-ips @no-such-file pairs.log
run --log-format "\${srcaddr} \${dstaddr}" pairs.log
run --quiet=yes pairs.log
out=$(efstop help nosuch 2>&1); code=$?; echo "$out" | head -n 1; echo "exit=$code"
run collect --method athena --store "$PWD/no-store" pairs.log
run doctor --method athena --athena-workgroup primary
