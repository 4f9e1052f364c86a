#!/usr/bin/env bash
# Compiler launcher that logs what each compile and link costs, to find the
# translation units worth making cheaper (docs/ci.md, "CI time"):
#   EFSTOP_COMPILE_TIME_LOG=$PWD/times.tsv \
#     cmake --preset asan -DCMAKE_CXX_COMPILER_LAUNCHER=$PWD/scripts/compile_time.sh
#   cmake --build --preset asan
#   sort -rn times.tsv | head
# One line per command: CPU seconds (user+sys), wall seconds, output file.
# Without EFSTOP_COMPILE_TIME_LOG it only runs the command.
set -uo pipefail
if [[ -z ${EFSTOP_COMPILE_TIME_LOG:-} ]]; then exec "$@"; fi
out=unknown
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  [[ ${args[i]} == -o ]] && out=${args[i + 1]:-unknown}
done
tmp=$(mktemp)
/usr/bin/time -f '%U %S %e' -o "$tmp" "$@"
status=$?
read -r user sys wall <"$tmp"
rm -f "$tmp"
printf '%.2f\t%.2f\t%s\n' "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$wall" "$out" >>"$EFSTOP_COMPILE_TIME_LOG"
exit $status
