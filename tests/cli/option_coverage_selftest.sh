#!/usr/bin/env bash
# option_coverage.py against made-up logs: an empty log covers nothing; an
# option used with one command does not cover it for another; a log that
# uses every documented option of every command passes.
#   option_coverage_selftest.sh EFSTOP
set -u
efstop=$1
check=$(dirname "${BASH_SOURCE[0]}")/option_coverage.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
expect() {  # expect EXIT LOG PATTERN: exit status and a line of the output
  local out got
  out=$("$check" "$efstop" "$2")
  got=$?
  if [[ $got != "$1" ]] || ! grep -q -- "$3" <<<"$out"; then
    echo "FAIL: log $2: exit $got (want $1), want a line matching '$3'; output:"
    echo "$out" | head -20
    failed=1
  fi
}

: >"$tmp/empty"
expect 1 "$tmp/empty" '^  efstop top --labels$'

# Every option of every command, each in a run of its own command.
: >"$tmp/all"
commands=$("$efstop" --help | sed -n '/^Commands:/,/^$/p' | awk '/^  [a-z]/ && $1 != "help" {print $1}')
for c in $commands; do
  for o in $("$efstop" help "$c" | grep -oE '^ {2,}--[a-z0-9-]+' | tr -d ' '); do
    printf '%s\t%s\n' "$c" "$o" >>"$tmp/all"
  done
  printf 'help\t%s\n' "$c" >>"$tmp/all"
done
printf -- '--help\n--version\n' >>"$tmp/all"
expect 0 "$tmp/all" '^option_coverage: all '

# --debug only with whoami: top's and inventory's --debug stay uncovered.
grep -v -P '^(top|inventory)\t--debug$' "$tmp/all" >"$tmp/whoami-debug"
expect 1 "$tmp/whoami-debug" '^  efstop top --debug$'
expect 1 "$tmp/whoami-debug" '^  efstop inventory --debug$'

[[ $failed == 0 ]] && echo "option_coverage.py: 4 made-up logs judged as expected"
exit $failed
