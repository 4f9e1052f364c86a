#!/usr/bin/env bash
# stands_alone.sh must fail on each kind of pointer outside a repository and
# pass on a clean one; run against throw-away git repositories.
set -u
check=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/stands_alone.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
try() {  # try EXPECTED_EXIT TEXT
  local dir
  dir=$(mktemp -d "$tmp/r.XXXX")
  git -C "$dir" init -q
  printf '%s\n' "$2" >"$dir/file.txt"
  git -C "$dir" add file.txt
  "$check" "$dir" >/dev/null
  local got=$?
  if [[ $got != "$1" ]]; then
    echo "FAIL: '$2' gave exit $got, expected $1"
    failed=1
  fi
}
# (Each pointer is split in two quoted halves so this file itself holds none.)
try 1 'see ../''shared/aws-reference/ec2.md'
try 1 'read /''work/shared/x'
try 1 'cp /''home/alice/notes .'
try 1 'HOME=/''root/ efstop'
try 1 'open /''Users/bob/x'
try 0 'HOME=/test-home/u and ~/.aws/config and ..''/sharedstuff-free text'
try 0 'local work="$cache/''work/curl" ${dir}/''root/x a/''home/b'
try 1 'cd "/''work/main"'
[[ $failed == 0 ]] && echo "stands_alone.sh: 8 cases as expected"
exit $failed
