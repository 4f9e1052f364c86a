#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS (default
# 60), starting from its seed corpus (tests/fuzz/corpus/<target>/, see its
# README): one after the other, or --jobs N of them at a time (each fuzzer is
# one process on one core, so N up to the cores fuzzes each target as long as
# alone, in less wall time; CI runs two at a time).
#
#   scripts/fuzz.sh [SECONDS] [--jobs N] [--report FILE] [TARGET...]
#
# With TARGETs (e.g. json_scan_fuzz) only those are built and run.
# Every target runs even when an earlier one crashed; the script exits 1 at
# the end if any did. A crash (or a UBSan finding: halt_on_error=1, so it is
# a crash too) leaves its input in build/fuzz/<target>-crash-*: make it a
# regression test, fix, commit. Each target's whole output is kept in
# build/fuzz/<target>.log; new corpus units in build/fuzz/corpus-<target>/.
# --report FILE writes one Markdown table row per target (seconds,
# executions, exec/s, corpus units and bytes at the end, new units,
# crashes), the form docs/reliability.md records long runs in.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds=60
jobs=1
report=
only=()
while (($#)); do
  case "$1" in
    --report) report="$2"; shift 2 ;;
    --jobs) jobs="$2"; shift 2 ;;
    *_fuzz) only+=("$1"); shift ;;
    *) seconds="$1"; shift ;;
  esac
done
if ! [[ "$seconds" =~ ^[0-9]+$ ]]; then echo "fuzz: SECONDS must be a whole number, not '$seconds'" >&2; exit 2; fi
if ! [[ "$jobs" =~ ^[1-9][0-9]*$ ]]; then echo "fuzz: --jobs needs a whole number of at least 1, not '$jobs'" >&2; exit 2; fi
cmake --preset fuzz >/dev/null
shopt -s nullglob
if ((${#only[@]})); then
  cmake --build --preset fuzz --target "${only[@]}"
  targets=("${only[@]/#/build/fuzz/tests/fuzz/}")
else
  cmake --build --preset fuzz --target efstop_fuzz
  targets=(build/fuzz/tests/fuzz/*_fuzz)
fi
if ((${#targets[@]} == 0)); then echo "fuzz: no targets built"; exit 0; fi
# One target: runs it, then leaves its exit status in build/fuzz/<target>.status
# and its report row in build/fuzz/<target>.row, which the end of the script
# prints in target order (targets run side by side finish in any order).
fuzz_one() {
  local t=$1 name corpus work log status=0 seeds=() artifacts execs rate added corp crashes
  name=$(basename "$t")
  corpus="tests/fuzz/corpus/${name%_fuzz}"
  work="build/fuzz/corpus-$name"
  log="build/fuzz/$name.log"
  mkdir -p "$work"
  rm -f "build/fuzz/$name-"{crash,leak,timeout,oom}-* "build/fuzz/$name."{status,row}
  [[ -d "$corpus" ]] && seeds=("$corpus")
  UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}" \
    "$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="build/fuzz/$name-" \
    "$work" "${seeds[@]}" >"$log" 2>&1 || status=$?
  echo "$status" >"build/fuzz/$name.status"
  artifacts=(build/fuzz/"$name"-{crash,leak,timeout,oom}-*)
  # A run cut short prints no stats: "?" in the row, not the end of this job.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  added=$(sed -n 's/^stat::new_units_added: *//p' "$log" | tail -n 1)
  # The last status line's "corp: UNITS/SIZE" is the corpus held at the end.
  corp=$({ grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" || true; } | tail -n 1 | sed 's/corp: //; s#/# / #')
  crashes=${#artifacts[@]}
  ((crashes > 0)) && crashes="$crashes ($(basename -a "${artifacts[@]}" | tr '\n' ' ' | sed 's/ $//'))"
  printf '| `%s` | %s s | %s | %s | %s | %s | %s |\n' "$name" "$seconds" "${execs:-?}" "${rate:-?}" \
    "${corp:-?}" "${added:-?}" "$crashes" >"build/fuzz/$name.row"
}

running=0
for t in "${targets[@]}"; do
  if ((running >= jobs)); then
    wait -n || true  # a target's status is in its .status file
    running=$((running - 1))
  fi
  echo "fuzz: $(basename "$t") for ${seconds}s"
  fuzz_one "$t" &
  running=$((running + 1))
done
wait || true

[[ -n "$report" ]] && printf '| target | time | executions | exec/s | corpus (units / bytes) | new units | crashes |\n|---|---|---|---|---|---|---|\n' >"$report"
failed=0
for t in "${targets[@]}"; do
  name=$(basename "$t")
  echo "== fuzz: $name"
  tail -n 12 "build/fuzz/$name.log"
  status=$(cat "build/fuzz/$name.status" 2>/dev/null || echo "unknown (no status written)")
  if [[ $status != 0 ]]; then
    failed=1
    artifacts=(build/fuzz/"$name"-{crash,leak,timeout,oom}-*)
    echo "fuzz: $name stopped with status $status; input: ${artifacts[*]:-none}"
  fi
  [[ -n "$report" ]] && cat "build/fuzz/$name.row" >>"$report"
done
exit "$failed"
