#!/usr/bin/env bash
# Regenerates the sample data set in sample/ with efstop-flowgen (tools/). Deterministic: the
# same generator gives byte-identical files. Usage: sample/regenerate.sh [path/to/efstop-flowgen]
set -euo pipefail
gen="${1:-}"
[[ -z "$gen" ]] || gen="$(realpath "$gen")"
cd "$(dirname "${BASH_SOURCE[0]}")"
[[ -n "$gen" ]] || gen="../build/release/tools/efstop-flowgen"
# One network (seed 2026, 12 clients, 2 file systems x 2 AZs) seen by every ENI (client and
# mount-target side both logged), so every EFS conversation appears twice.
common=(--seed 2026 --clients 12 --mount-targets 4 --azs 2 --logging both --ipv6 0.2
        --noise 0.2 --reject 0.01 --nodata 0.01 --skipdata 0.002 --bad 0.003 --huge 0.002)
rm -rf flowlogs
mkdir -p flowlogs/s3
# 1. An S3 delivery: a gzip file with a header line, S3-style name and key layout.
s3dir=flowlogs/s3/AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/26
mkdir -p "$s3dir"
"$gen" "${common[@]}" --records 1500 --start 2026-11-26T09:00:00Z --header --gzip --gzip-level 3 \
  --out "$s3dir/123456789012_vpcflowlogs_us-east-1_fl-0a1b2c3d4e5f60718_20261126T0900Z_5d41402a.log.gz" \
  --server-ips-out mount-targets.txt
# 2. A CloudWatch Logs export: the event messages only, one record per line, no header.
"$gen" "${common[@]}" --records 700 --start 2026-11-26T10:00:00Z \
  --out flowlogs/cloudwatch-export-eni-all.log
