#!/usr/bin/env bash
# The repository stands alone: no tracked file may point at a folder beside
# the clone (the shared folder) or at an absolute home or work path of some
# machine (home folders, root's, macOS users', the work folder). A user's clone
# has none of them, so a test, build step or doc that needs one fails for that
# user.
#
#   stands_alone.sh [REPO_DIR]     exit 0 clean, 1 with the offending lines
set -u
repo=${1:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
cd "$repo" || exit 2
self=tests/repo/stands_alone.sh
# An absolute path starts a word ("$cache/build/x" or "a/b/c" are not one).
# The pattern is built from pieces so this file itself holds no such path.
dots='\.\.' w=work h=home r=root u=Users
pattern="$dots/shared([^A-Za-z0-9_-]|\$)|(^|[^A-Za-z0-9_.\$}/-])(/$w/|/$h/[A-Za-z0-9_.-]|/$r/|/$u/)"

if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  hits=$(git grep -n -I -E "$pattern" -- . ":(exclude)$self")
else
  # A source tarball without .git: every file but build trees.
  hits=$(grep -rn -I -E "$pattern" --exclude-dir=.git --exclude-dir=build \
    --exclude-dir=node_modules . | grep -v "^\./$self:")
fi
if [[ -n $hits ]]; then
  echo "tracked files point outside the repository (copy what is needed into it, with its origin):"
  echo "$hits"
  exit 1
fi
echo "no tracked file points outside the repository"
