#!/usr/bin/env python3
"""CPU seconds to compile a sample of a build's translation units, one at a
time, optionally with flags replaced: a before/after measure of a flag that
does not depend on how busy the machine is (docs/ci.md, "CI time").

  scripts/compile_cost.py build/asan                      every TU as configured
  scripts/compile_cost.py build/asan --every 4            every 4th TU
  scripts/compile_cost.py build/asan --match tests/ --replace ' -g ' ' -g1 '
  scripts/compile_cost.py build/fuzz --flags fuzzer-no-link --every 8

Objects go to a temporary directory; the build tree is not touched. Prints
one line per TU (CPU seconds, object bytes, source) and the totals.
"""
import argparse
import json
import os
import re
import resource
import shlex
import subprocess
import sys
import tempfile


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("build")
    p.add_argument("--match", default="", help="regex on the source path")
    p.add_argument("--flags", default="", help="regex on the command (e.g. a sanitizer flag)")
    p.add_argument("--every", type=int, default=1, help="take every Nth matching TU")
    p.add_argument("--replace", nargs=2, action="append", default=[], metavar=("OLD", "NEW"),
                   help="replace OLD by NEW in each command (repeatable)")
    a = p.parse_args()
    with open(os.path.join(a.build, "compile_commands.json")) as f:
        entries = [e for e in json.load(f) if re.search(a.match, e["file"])
                   and re.search(a.flags, e["command"])]
    entries = sorted(entries, key=lambda e: e["file"])[:: a.every]
    total_cpu = 0.0
    total_bytes = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i, e in enumerate(entries):
            cmd = e["command"]
            for old, new in a.replace:
                cmd = cmd.replace(old, new)
            argv = shlex.split(cmd)
            out = os.path.join(tmp, f"{i}.o")
            argv[argv.index("-o") + 1] = out
            before = children_cpu()
            r = subprocess.run(argv, cwd=e["directory"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
            cpu = children_cpu() - before
            if r.returncode != 0:
                sys.stderr.write(f"compile_cost: compile {e['file']}: exit {r.returncode}\n{r.stderr}")
                return 1
            size = os.path.getsize(out)
            total_cpu += cpu
            total_bytes += size
            print(f"{cpu:8.2f} {size:11d} {os.path.relpath(e['file'], a.build)}", flush=True)
    print(f"{total_cpu:8.2f} {total_bytes:11d} total ({len(entries)} translation units)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
