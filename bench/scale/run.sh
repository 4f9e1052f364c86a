#!/usr/bin/env bash
# Streaming S3 against the Athena path on the bench data (issue 18 item 4, docs/scale.md).
#
#   bench/scale/run.sh [--records N] [--objects K] [--runs R] [--efstop BIN]
#
# The Athena side is the test endpoint's STAND-IN (tests/endpoint/ep_athena.py, which runs
# efstop's SQL with DuckDB through tests/endpoint/athena_duckdb.js on this machine), NOT AWS
# Athena: its times say what the SQL costs DuckDB on two shared cores and what efstop adds
# around a query, never what Athena would take.
#
# Generates N records (default 1,000,000; bench/lib.sh's generator) and stores them in s3rver
# (tests/harness/node_modules) as K gzip text objects (default 12) in the plain delivery
# layout (AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/<account>_vpcflowlogs_..._<time>Z_
# <n>.log.gz), behind the test endpoint (tests/endpoint/server.py --s3-upstream, signatures
# checked with botocore). Then, R times each (default 3): `efstop --s3 s3://efstop-scale/
# --start .. --end ..` (streaming) and the same with `--method athena`. Checks that both give
# the same rows and counters (as tests/cloud/athena_e2e_test.cc compares them), and prints a
# Markdown table: the least wall time, efstop's own CPU time, the endpoint's CPU time (its
# Python and the DuckDB child processes; the stand-in's work) and the bytes Athena would scan.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
bench_init scale --records 1000000 "$@"
objects=12
set -- "${bench_rest[@]+"${bench_rest[@]}"}"
while (($#)); do
  case "$1" in
    --objects) objects="$2"; shift 2 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
harness="$root/tests/harness"
[[ -x $harness/node_modules/.bin/s3rver ]] || { echo "run.sh: no s3rver (npm ci in tests/harness)" >&2; exit 2; }

tmp=$(mktemp -d)
s3_pid="" ep_pid=""
cleanup() {
  [[ -n $ep_pid ]] && kill "$ep_pid" 2>/dev/null || true
  [[ -n $s3_pid ]] && kill "$s3_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT

# The records, one gzip object per slice of consecutive records, named by the first record's
# start minute (flowgen's records run in time order over a few hours of one day).
bench_records "$data/records.log"
header="version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status"
lines=$(wc -l < "$data/records.log")
per=$(((lines + objects - 1) / objects))
mkdir -p "$tmp/objects"
split -l "$per" -d -a 3 "$data/records.log" "$tmp/objects/part"
first=$(head -1 "$data/records.log" | awk '{print $11}')
last=$(awk '{ if ($12 > m) m = $12 } END { print m }' "$data/records.log")
start=$(date -u -d "@$first" +%Y-%m-%dT%H:%M:00Z)
end=$(date -u -d "@$((last + 60))" +%Y-%m-%dT%H:%M:00Z)

# s3rver directly (fixtures), the endpoint in front of it (what efstop talks to).
NODE_OPTIONS="--openssl-legacy-provider --require $harness/s3rver_preload.js" \
EFSTOP_S3RVER_TRUST_FRONT=1 \
  "$harness/node_modules/.bin/s3rver" --directory "$tmp/s3" --address 127.0.0.1 --port 0 \
  --silent --configure-bucket efstop-scale > "$tmp/s3rver.out" 2>&1 &
s3_pid=$!
for _ in $(seq 200); do grep -q 'listening on 127.0.0.1:[0-9]*' "$tmp/s3rver.out" && break; sleep 0.1; done
s3_url="http://127.0.0.1:$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/s3rver.out" | head -1)"
for f in "$tmp"/objects/part*; do
  t=$(head -1 "$f" | awk '{print $11}')
  day=$(date -u -d "@$t" +%Y/%m/%d)
  stamp=$(date -u -d "@$t" +%Y%m%dT%H%MZ)
  key="AWSLogs/123456789012/vpcflowlogs/us-east-1/$day/123456789012_vpcflowlogs_us-east-1_fl-0123456789abcdef0_${stamp}_${f##*part}.log.gz"
  { echo "$header"; cat "$f"; } | gzip -6 > "$f.gz"
  curl -sf -X PUT --data-binary "@$f.gz" -H 'Content-Type: application/octet-stream' \
    "$s3_url/efstop-scale/$key" > /dev/null
done
object_bytes=$(cat "$tmp"/objects/part*.gz | wc -c)
cat > "$tmp/scenario.json" <<JSON
{"account": "123456789012", "region": "us-east-1",
 "users": {"S3RVER": {"secret": "S3RVER", "arn": "arn:aws:iam::123456789012:user/s3rver"}}}
JSON
/usr/bin/python3 "$root/tests/endpoint/server.py" --scenario "$tmp/scenario.json" \
  --port-file "$tmp/port" --s3-upstream "$s3_url" 2> "$tmp/endpoint.log" &
ep_pid=$!
for _ in $(seq 200); do [[ -s $tmp/port ]] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/port")"

export AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER AWS_CONFIG_FILE=/dev/null \
  AWS_SHARED_CREDENTIALS_FILE=/dev/null HOME="$tmp/home"
mkdir -p "$HOME"
common=(--no-names --no-metrics --region us-east-1 --endpoint-url "$url" --output json --top 0
        --log-format "\${version} \${account-id} \${interface-id} \${srcaddr} \${dstaddr} \${srcport} \${dstport} \${protocol} \${packets} \${bytes} \${start} \${end} \${action} \${log-status}"
        --s3 s3://efstop-scale/ --start "$start" --end "$end")
# CPU seconds (user + sys) of the endpoint and its finished children (DuckDB runs).
ep_cpu() { awk '{ printf "%.2f", ($14 + $15 + $16 + $17) / '"$(getconf CLK_TCK)"' }' "/proc/$ep_pid/stat"; }
# What both reports must share (tests/cloud/athena_e2e_test.cc, comparable()).
comparable='import json,sys; d=json.load(sys.stdin); print(json.dumps({"rows": d["rows"], "stats": {k: d["stats"][k] for k in ("used","duplicates","nodata","skipdata","unknown_address","unknown_bytes")}}, sort_keys=True))'

declare -A wall cpu epcpu
for mode in streaming athena; do
  extra=()
  [[ $mode == athena ]] && extra=(--method athena)
  "$efstop" "${common[@]}" "${extra[@]}" 2> "$tmp/$mode.err" | python3 -c "$comparable" > "$tmp/$mode.json" ||
    { echo "run.sh: $mode failed:" >&2; cat "$tmp/$mode.err" >&2; exit 1; }
  for ((r = 0; r < runs; r++)); do
    before=$(ep_cpu)
    /usr/bin/time -o "$tmp/time" -f '%e %U %S' "$efstop" "${common[@]}" "${extra[@]}" \
      > /dev/null 2> "$tmp/$mode.err.run"
    line=$(tail -n 1 "$tmp/time")
    after=$(ep_cpu)
    read -r w u s <<< "$line"
    c=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
    e=$(awk -v a="$after" -v b="$before" 'BEGIN { printf "%.2f", a - b }')
    if [[ -z ${wall[$mode]:-} ]] || awk -v a="$w" -v b="${wall[$mode]}" 'BEGIN { exit !(a < b) }'; then
      wall[$mode]=$w cpu[$mode]=$c epcpu[$mode]=$e
    fi
  done
done
cmp -s "$tmp/streaming.json" "$tmp/athena.json" || { echo "run.sh: the two reports differ" >&2; diff "$tmp/streaming.json" "$tmp/athena.json" | head >&2; exit 1; }
scanned=$(grep -o '[0-9.]* [KMGT]*B scanned' "$tmp/athena.err" | head -1 | sed 's/ scanned//')
bench_machine
echo "records: $lines in $objects gzip text objects, $((object_bytes / 1000000)) MB stored; window $start .. $end; reports identical (rows and counters)"
echo "Athena side: the test endpoint's DuckDB stand-in, not AWS Athena; the query scanned ${scanned:-?} (the stand-in counts the objects' stored bytes)"
echo
echo "| path | wall s (least of $runs) | efstop CPU s | endpoint CPU s (S3 front, stand-in, DuckDB) | records/s (wall) |"
echo "|---|---:|---:|---:|---:|"
for mode in streaming athena; do
  awk -v name="$mode" -v n="$lines" -v w="${wall[$mode]}" -v c="${cpu[$mode]}" -v e="${epcpu[$mode]}" \
    'BEGIN { printf "| %s | %s | %s | %s | %.0f |\n", (name == "athena" ? "--method athena (DuckDB stand-in)" : "streaming (--s3)"), w, c, e, n / w }'
done
