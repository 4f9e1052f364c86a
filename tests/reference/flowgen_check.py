#!/usr/bin/python3
"""Checks efstop-flowgen's promises: determinism, exact line counts, formats, files, errors.

    flowgen_check.py FLOWGEN WORKDIR
"""

import gzip
import os
import shutil
import subprocess
import sys

failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"FAIL {what}")


def run(flowgen, *args, expect=0):
    proc = subprocess.run([flowgen, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    check(proc.returncode == expect,
          f"{' '.join(args)}: exit {proc.returncode}, expected {expect}: {proc.stderr[-300:]!r}")
    return proc.stdout


def main():
    flowgen, work = sys.argv[1], sys.argv[2]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)

    # Determinism, and a different seed gives different data.
    a = run(flowgen, "--records", "5000", "--bad", "0.01", "--logging", "mixed")
    b = run(flowgen, "--records", "5000", "--bad", "0.01", "--logging", "mixed")
    c = run(flowgen, "--records", "5000", "--bad", "0.01", "--logging", "mixed", "--seed", "2")
    check(a == b, "same options give the same bytes")
    check(a != c, "another seed gives other bytes")
    lines = a.decode().splitlines()
    check(len(lines) == 5000, f"--records 5000 writes 5000 lines (got {len(lines)})")
    fields = [len(line.split()) for line in lines]
    check(fields.count(14) > 4900, "almost every line has the 14 default fields")
    check(any(n != 14 for n in fields), "--bad writes some malformed lines")
    check(any(line.endswith(" NODATA") for line in lines), "NODATA rows present")
    check(any(" REJECT " in line for line in lines), "REJECT rows present")
    check(any(len(line.split()) == 14 and line.split()[5] == "2049" for line in lines),
          "responses (srcport 2049) present")
    check(any(len(line.split()) == 14 and line.split()[6] == "2049" for line in lines),
          "requests (dstport 2049) present")
    huge = run(flowgen, "--records", "5000", "--huge", "0.05").decode().splitlines()
    check(any(int(line.split()[9]) > 2**32 for line in huge if line.split()[9].isdigit()),
          "--huge writes records above 4 GiB")

    # Custom format with a header line, gzip, split files, the mount-target list.
    fmt = "${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} ${bytes} ${packets} ${start} ${end}"
    out = os.path.join(work, "s3")
    mt = os.path.join(work, "mt.txt")
    run(flowgen, "--records", "3001", "--log-format", fmt, "--header", "--gzip", "--files", "3",
        "--out", out, "--server-ips-out", mt, "--mount-targets", "4")
    names = sorted(os.listdir(out))
    check(len(names) == 3, f"--files 3 writes 3 files (got {len(names)})")
    check(all(n.startswith("123456789012_vpcflowlogs_us-east-1_fl-") and n.endswith(".log.gz")
              for n in names), "S3-style file names")
    total = 0
    for n in names:
        with gzip.open(os.path.join(out, n), "rt") as f:
            body = f.read().splitlines()
        check(body[0] == fmt.replace("${", "").replace("}", ""), f"{n} starts with the header")
        check(all(len(line.split()) == 9 for line in body[1:]), f"{n}: 9 fields per record")
        total += len(body) - 1
    check(total == 3001, f"3001 records over the files (got {total})")
    with open(mt, encoding="utf-8") as f:
        ips = f.read().split()
    check(len(ips) == 8, f"4 mount targets = 4 IPv4 + 4 IPv6 lines (got {len(ips)})")

    # Usage errors exit 2 with a message.
    run(flowgen, "--logging", "sideways", expect=2)
    run(flowgen, "--files", "2", expect=2)
    run(flowgen, "--records", "x", expect=2)
    run(flowgen, "--log-format", "${srcaddr", expect=2)
    check(b"--log-format" in run(flowgen, "--help"), "--help documents the flags")

    print("ok" if not failures else f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
