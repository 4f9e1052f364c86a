#!/usr/bin/env bash
# Regenerates docs/report-sample.png, the README's picture of the HTML report:
# the sample data's report (scripts/sample.sh --output html) as headless
# Chromium draws its first screen. Needs chromium (scripts/install-deps.sh).
#   scripts/screenshot.sh [OUT.png]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
out="${1:-docs/report-sample.png}"
chromium="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$chromium" ]]; then
  echo "screenshot.sh: no chromium; install it with scripts/install-deps.sh" >&2
  exit 1
fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
scripts/sample.sh --quiet --output html > "$work/report.html"
# --proxy-server to a closed port: nothing can be fetched even if the page tried.
"$chromium" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --proxy-server=127.0.0.1:9 --user-data-dir="$work/profile" \
  --window-size=1100,1250 --screenshot="$work/shot.png" "file://$work/report.html" 2>/dev/null
mv "$work/shot.png" "$out"
echo "wrote $out ($(stat -c %s "$out") bytes)"
