# '-' (AWS: "not applicable or could not be computed") in each field of an OK record:
# unknown values, never malformed lines (the rule and every number: tests/reference/data/
# README.md, unknown.log; tests/reference checks them against the independent reference).
efstop --output json --quiet --threads 1 unknown.log
