# Shared set-up of the per-format benchmarks (bench/json/run.sh, bench/parquet/run.sh,
# bench/scale/run.sh): sourced, not run. After `bench_init NAME "$@"`:
#   $root      the repository         $data     build/bench-NAME (created)
#   $records   --records (2,000,000)  $runs     --runs (3)
#   $threads   --threads (1)          $efstop   --efstop (build/release/efstop)
#   $flowgen   build/release/tools/efstop-flowgen
# Options a script takes beyond these are left in the array `bench_rest`.

bench_init() {
  local name=$1
  shift
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  records=2000000
  runs=3
  threads=1
  efstop="$root/build/release/efstop"
  bench_rest=()
  while (($#)); do
    case "$1" in
      --records) records="$2"; shift 2 ;;
      --runs) runs="$2"; shift 2 ;;
      --threads) threads="$2"; shift 2 ;;
      --efstop) efstop="$2"; shift 2 ;;
      *) bench_rest+=("$1"); shift ;;
    esac
  done
  flowgen="$root/build/release/tools/efstop-flowgen"
  for f in "$efstop" "$flowgen"; do
    [[ -x $f ]] || { echo "$0: no $f (cmake --build --preset release --target efstop efstop_flowgen)" >&2; exit 2; }
  done
  data="$root/build/bench-$name"
  mkdir -p "$data"
}

# bench_records FILE: $records records from efstop-flowgen (bench/whole/run.sh's generator
# options: 500 clients, 6 mount targets, both sides logged, 10% IPv6, NODATA and SKIPDATA),
# the record lines only (no header).
bench_records() {
  "$flowgen" --records "$records" --seed 42 --clients 500 --mount-targets 6 --logging both \
    --ipv6 0.1 --nodata 0.002 --skipdata 0.0002 --bad 0 | grep '^[0-9]' > "$1"
}

# bench_csv TEXT CSV: the records as CSV for DuckDB (tests/flowlog/parquet_write.js): the
# default version-2 columns in AWS's Parquet spelling; `-` becomes an empty cell (NULL).
bench_csv() {
  awk 'BEGIN { OFS = ","; print "version,account_id,interface_id,srcaddr,dstaddr,srcport,dstport,protocol,packets,bytes,start,end,action,log_status" }
       { for (i = 1; i <= NF; i++) if ($i == "-") $i = ""; $1 = $1; print }' "$1" > "$2"
}

# bench_report FILE [ARGS...]: efstop's JSON report of FILE without its "efstop" block
# (version, timing), keys sorted: two inputs holding the same records give the same bytes.
bench_report() {
  local file=$1
  shift
  "$efstop" --output json --top 0 --quiet "$@" "$file" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); d.pop("efstop"); print(json.dumps(d, sort_keys=True))'
}

# bench_best FILE: "wall_s cpu_s" of $runs runs of `efstop --output json --top 0 --quiet
# --threads $threads FILE`: the least wall time and, apart, the least CPU time (user + sys)
# of the runs. On a shared machine the CPU figure is the steadier one.
bench_best() {
  local best_wall="" best_cpu="" line wall user sys cpu
  for ((r = 0; r < runs; r++)); do
    line=$( { /usr/bin/time -f '%e %U %S' "$efstop" --output json --top 0 --quiet \
                --threads "$threads" "$1" > "$data/out.json"; } 2>&1 | tail -n 1)
    read -r wall user sys <<< "$line"
    cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }')
    if [[ -z $best_wall ]] || awk -v a="$wall" -v b="$best_wall" 'BEGIN { exit !(a < b) }'; then
      best_wall=$wall
    fi
    if [[ -z $best_cpu ]] || awk -v a="$cpu" -v b="$best_cpu" 'BEGIN { exit !(a < b) }'; then
      best_cpu=$cpu
    fi
  done
  echo "$best_wall $best_cpu"
}

bench_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
}
