#!/usr/bin/env bash
# Names benchmark (issue 4, item 9): API calls and wall time of naming every
# IP, efstop vs the one-call-per-IP approach, against the Python test
# endpoint with latency added to every AWS answer.
#
# usage: bench/names/run.sh [--efstop PATH] [--latency-ms 50] [--clients 5000]
#                           [--file-systems 50] [--baseline-ips 500]
# Prints one JSON line per run:
#   {"run":"efstop","ips":..,"calls":{"ec2:DescribeNetworkInterfaces":..},"seconds":..}
# The baseline is sequential, so it is run on the first --baseline-ips client
# IPs only (0 = all; 5000 IPs take about 10 minutes at 50 ms).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
efstop=build/release/efstop latency=50 clients=5000 fss=50 baseline_ips=500
while (($#)); do
  case "$1" in
    --efstop) efstop=$2; shift 2 ;;
    --latency-ms) latency=$2; shift 2 ;;
    --clients) clients=$2; shift 2 ;;
    --file-systems) fss=$2; shift 2 ;;
    --baseline-ips) baseline_ips=$2; shift 2 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[[ -x $efstop ]] || { echo "run.sh: no efstop at $efstop (build it or pass --efstop)" >&2; exit 2; }
tmp=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

python3 bench/names/make_scenario.py "$tmp/scenario.json" "$tmp/flows.log" \
  --clients "$clients" --file-systems "$fss"
/usr/bin/python3 tests/endpoint/server.py --scenario "$tmp/scenario.json" --port-file "$tmp/port" \
  --latency-ms "$latency" --page-size 1000 2>"$tmp/server.log" &
server_pid=$!
for _ in $(seq 100); do [[ -s $tmp/port ]] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/port")"
export AWS_ACCESS_KEY_ID=AKIAEFSTOPTEST000001 AWS_SECRET_ACCESS_KEY=efstopTestSecretKey/0000000000000000000001
export AWS_REGION=eu-west-1 AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
counts() { curl -s "$url/__efstop/counts"; }
reset() { curl -s -X POST "$url/__efstop/reset" >/dev/null; }

# efstop: names for every client and mount target, nothing cached.
reset
start=$(date +%s.%N)
"$efstop" --names --refresh --cache-dir "$tmp/cache" --endpoint-url "$url" --top 0 \
  --output json "$tmp/flows.log" >"$tmp/report.json" 2>"$tmp/efstop.err"
end=$(date +%s.%N)
grep '^names:' "$tmp/efstop.err" >&2 || true
python3 - "$tmp/report.json" "$(counts)" "$start" "$end" "$latency" <<'PY'
import json, sys
rep, calls, start, end, latency = json.load(open(sys.argv[1])), json.loads(sys.argv[2]), float(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
ips = {r["client"]["ip"] for r in rep["rows"]} | {r["server"]["ip"] for r in rep["rows"]}
unnamed = sum(1 for r in rep["rows"] for e in (r["client"], r["server"]) if e.get("kind") in (None, "unresolved", "external"))
print(json.dumps({"run": "efstop", "latency_ms": int(latency), "ips": len(ips), "unnamed_ends": unnamed,
                  "calls_total": sum(calls.values()), "calls": calls, "seconds": round(end - start, 2)}))
PY
# A second run inside the TTL: everything from the store.
reset
start=$(date +%s.%N)
"$efstop" --names --cache-dir "$tmp/cache" --endpoint-url "$url" --top 0 --output json \
  "$tmp/flows.log" >/dev/null 2>&1
end=$(date +%s.%N)
echo "{\"run\":\"efstop-cached\",\"calls_total\":$(counts | python3 -c 'import json,sys;print(sum(json.load(sys.stdin).values()))'),\"seconds\":$(python3 -c "print(round($end-$start,2))")}"

# The baseline: one call per IP, sequential.
reset
/usr/bin/python3 bench/names/baseline_one_call_per_ip.py "$url" "$tmp/flows.log" --limit "$baseline_ips" |
  python3 -c 'import json,sys; d=json.load(sys.stdin); d={"run":"one-call-per-ip",**d}; print(json.dumps(d))'
