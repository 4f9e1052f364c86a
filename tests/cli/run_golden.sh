#!/usr/bin/env bash
# Runs one CLI golden case (zstd tests/cli-tests style) and compares it with
# the committed expectations.
#
#   run_golden.sh [--update] EFSTOP CASE.sh
#
# CASE.sh runs in tests/cli/data with `efstop` on PATH (the binary under
# test). Expected results next to it: CASE.stdout (exact bytes), CASE.exit
# (the exit status), and optionally CASE.stderr (exact bytes; only cases
# that care about messages have one). --update, or EFSTOP_UPDATE_GOLDEN=1,
# rewrites CASE.stdout and CASE.exit (and CASE.stderr when it exists)
# from this run: review the diff like code.
set -u
update=${EFSTOP_UPDATE_GOLDEN:-0}
if [[ ${1:-} == --update ]]; then update=1; shift; fi
if [[ $# -ne 2 ]]; then
  echo "usage: run_golden.sh [--update] EFSTOP CASE.sh" >&2
  exit 2
fi
efstop=$(realpath "$1")
case_file=$(realpath "$2")
dir=$(dirname "$case_file")
name=$(basename "$case_file" .sh)

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
ln -s "$efstop" "$tmp/bin/efstop"

(cd "$dir/data" && PATH="$tmp/bin:$PATH" LC_ALL=C TZ=UTC bash "$case_file") \
  >"$tmp/stdout" 2>"$tmp/stderr"
echo $? >"$tmp/exit"

if [[ $update == 1 ]]; then
  cp "$tmp/stdout" "$dir/$name.stdout"
  cp "$tmp/exit" "$dir/$name.exit"
  [[ -f $dir/$name.stderr ]] && cp "$tmp/stderr" "$dir/$name.stderr"
  echo "updated $name"
  exit 0
fi

failed=0
for part in stdout exit stderr; do
  expected=$dir/$name.$part
  [[ $part == stderr && ! -f $expected ]] && continue
  if ! cmp -s "$expected" "$tmp/$part"; then
    echo "--- $name: $part differs (expected $expected)"
    diff -u "$expected" "$tmp/$part" | head -60
    failed=1
  fi
done
if [[ $failed == 1 ]]; then
  echo "--- $name: stderr was:"
  head -40 "$tmp/stderr"
  echo "(to accept this output: EFSTOP_UPDATE_GOLDEN=1 ctest -R '^cli\\.$name\$')"
  exit 1
fi
exit 0
