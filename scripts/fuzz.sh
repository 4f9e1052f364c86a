#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for $1 seconds (default 60),
# starting from its seed corpus (tests/fuzz/corpus/<target>/, see its README).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
seconds="${1:-60}"
cmake --preset fuzz >/dev/null
cmake --build --preset fuzz --target efstop_fuzz
shopt -s nullglob
targets=(build/fuzz/tests/fuzz/*_fuzz)
if ((${#targets[@]} == 0)); then echo "fuzz: no targets built"; exit 0; fi
for t in "${targets[@]}"; do
  name=$(basename "$t")
  corpus="tests/fuzz/corpus/${name%_fuzz}"
  work="build/fuzz/corpus-$name"
  mkdir -p "$work"
  echo "fuzz: $name for ${seconds}s"
  seeds=()
  [[ -d "$corpus" ]] && seeds=("$corpus")
  # A crash stops the run (pipefail) and leaves its input in
  # build/fuzz/<target>-crash-*: make it a regression test, fix, commit.
  "$t" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="build/fuzz/$name-" \
    "$work" "${seeds[@]}" 2>&1 | tail -n 12
done
