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

# bench_time FILE BIN: "wall_s cpu_s" of one run of `BIN --output json --top 0 --quiet
# --threads $threads FILE`, to the millisecond: CPU time is user + sys of that process from
# wait4 (the kernel's exact run time; /usr/bin/time prints 1/100 s, a tenth of a 1 M-record
# run; getrusage(RUSAGE_CHILDREN) would also count what the shell had waited for before it
# exec'd python).
bench_time() {
  python3 - "$2" "$1" "$threads" "$data/out.json" <<'PY'
import os, subprocess, sys, time
binary, path, threads, out = sys.argv[1:5]
with open(out, "wb") as f:
    t0 = time.monotonic()
    p = subprocess.Popen([binary, "--output", "json", "--top", "0", "--quiet", "--threads", threads,
                          path], stdout=f)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
p.returncode = os.waitstatus_to_exitcode(status)
if p.returncode != 0:
    sys.exit(f"bench_time: {binary} {path}: exit {p.returncode}")
print(f"{wall:.3f} {ru.ru_utime + ru.ru_stime:.3f}")
PY
}

# bench_best FILE [BIN...]: for each BIN (default $efstop), "wall_s cpu_s" of $runs runs of
# it on FILE (bench_time): the least wall time and, apart, the least CPU time of the runs.
# With several BINs the runs alternate (A B A B ...), so that a machine's drift over minutes
# falls on all of them alike; the pairs are printed on one line in BIN order. On a shared
# machine the CPU figure is the steadier one.
bench_best() {
  local file=$1
  shift
  local bins=("$@")
  ((${#bins[@]})) || bins=("$efstop")
  local -a best_wall best_cpu
  local r i wall cpu
  for ((r = 0; r < runs; r++)); do
    for i in "${!bins[@]}"; do
      read -r wall cpu <<< "$(bench_time "$file" "${bins[$i]}")"
      if [[ -z ${best_wall[$i]:-} ]] || awk -v a="$wall" -v b="${best_wall[$i]}" 'BEGIN { exit !(a < b) }'; then
        best_wall[$i]=$wall
      fi
      if [[ -z ${best_cpu[$i]:-} ]] || awk -v a="$cpu" -v b="${best_cpu[$i]}" 'BEGIN { exit !(a < b) }'; then
        best_cpu[$i]=$cpu
      fi
    done
  done
  local outl=""
  for i in "${!bins[@]}"; do outl+="${best_wall[$i]} ${best_cpu[$i]} "; done
  echo "${outl% }"
}

bench_machine() {
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1 /proc/loadavg)"
}
