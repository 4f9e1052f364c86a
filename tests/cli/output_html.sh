# --output html and --html FILE: one page whose embedded JSON is the JSON of
# the same run (every row unless --top), whose Content-Security-Policy names
# the SHA-256 of its one script and one stylesheet, and nothing to load.
# (The page in a browser: tests/report/browser/.)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
check_page() {  # PAGE JSON: what the page holds, against --output json
  python3 - "$1" "$2" <<'PY'
import base64, hashlib, json, re, sys
page = open(sys.argv[1], encoding="ascii").read()
direct = json.load(open(sys.argv[2]))
blocks = re.findall(r'<script type="application/json" id="efstop-data">(.*?)</script>', page, re.S)
print("json blocks:", len(blocks))
data = json.loads(blocks[0])
for doc in (data, direct):
    doc["efstop"].pop("command")  # the two runs' commands differ
print("same as --output json:", data == direct)
print("rows:", len(data["rows"]), "of", data["query"]["total_rows"])
csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', page).group(1)
print("policy:", re.sub(r"sha256-[A-Za-z0-9+/=]+", "sha256-...", csp))
def sha(text):
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()
script = re.findall(r"<script>(.*?)</script>", page, re.S)
style = re.findall(r"<style>(.*?)</style>", page, re.S)
print("inline scripts:", len(script), "styles:", len(style))
print("script hash in policy:", "'" + sha(script[0]) + "'" in csp)
print("style hash in policy:", "'" + sha(style[0]) + "'" in csp)
PY
}
efstop --output html --quiet pairs.log > "$tmp/page.html"
echo "--output html: exit $?"
efstop --output json --quiet --top 0 pairs.log > "$tmp/all.json"
check_page "$tmp/page.html" "$tmp/all.json"

# --html FILE beside the table on stdout; --top 2 cuts both.
efstop --quiet --top 2 --html "$tmp/two.html" pairs.log
echo "--html with the table: exit $?"
efstop --output json --quiet --top 2 pairs.log > "$tmp/two.json"
check_page "$tmp/two.html" "$tmp/two.json"

# A page that cannot be written: exit 1, the file named, no report.
efstop --quiet --html "$tmp/no/such/dir/page.html" pairs.log 2>&1 | sed "s|$tmp|TMP|"
echo "exit ${PIPESTATUS[0]}"
efstop --html= pairs.log 2>&1
echo "exit $?"
