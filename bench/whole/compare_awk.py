#!/usr/bin/python3
"""Compares efstop's JSON rows with aggregate.awk's TSV rows.

    compare_awk.py EFSTOP_JSON AWK_TSV

Prints "yes" when every (client, server) pair has the same bytes read, written and total,
packets, flows and rejected in both, else "no (...)" with what differs; exits 0 / 1.
Used by run.sh (its sanity check) and by ctest (reference.bench_awk).
"""
import json
import sys


def main(argv):
    if len(argv) != 2:
        print("usage: compare_awk.py EFSTOP_JSON AWK_TSV", file=sys.stderr)
        return 2
    try:
        got = json.load(open(argv[0]))
        assert isinstance(got, dict) and "rows" in got
    except Exception as e:  # noqa: BLE001 - any failure is the answer
        print(f"no (efstop printed no JSON report: {e!r})")
        return 1
    awk = {}
    for line in open(argv[1]):
        if not line.startswith("#"):
            f = line.rstrip("\n").split("\t")
            awk[(f[0], f[1])] = [int(x) for x in f[2:8]]
    rows = {(r["client"]["ip"], r["server"]["ip"]):
            [r["bytes_read"], r["bytes_written"], r["bytes_total"], r["packets"], r["flows"],
             r["rejected"]] for r in got.get("rows", [])}
    if rows == awk:
        print("yes")
        return 0
    differ = sorted(k for k in rows.keys() | awk.keys() if awk.get(k) != rows.get(k))
    print(f"no ({len(rows)} vs {len(awk)} rows, {len(differ)} differ, first {differ[0]}: "
          f"efstop {rows.get(differ[0])}, awk {awk.get(differ[0])})")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
