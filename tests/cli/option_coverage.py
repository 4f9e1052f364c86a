#!/usr/bin/python3
"""Every command and option that `efstop help` prints is run by some test through the binary.

    option_coverage.py EFSTOP ARGV_LOG

EFSTOP is the binary under test. ARGV_LOG is the file its runs append their arguments to
when EFSTOP_TEST_ARGV_LOG names it (src/cli/main.cc): scripts/test.sh sets that variable for
the whole ctest run and calls this script afterwards, so the log holds every invocation of
the binary by every test (golden cases, end-to-end tests, the reference comparisons), and
nothing from tests that call the library in-process.

The documented surface is read from the binary itself: the commands of `efstop --help`,
then the options of `efstop help COMMAND` for each, plus the global `--help`, `--version` and
`help COMMAND`. A (command, option) pair is covered when some logged run of that command
used the option (`--name value` or `--name=value`). Exit 0 when everything is covered,
1 with the list of what is not.
"""
import re
import subprocess
import sys


def run(efstop, *args):
    return subprocess.run([efstop, *args], capture_output=True, text=True, check=True).stdout


def documented(efstop):
    """{command: set of options}, from the binary's own help."""
    overview = run(efstop, "--help")
    commands = []
    section = False
    for line in overview.splitlines():
        if re.match(r"^Commands?:", line):
            section = True
            continue
        if section:
            m = re.match(r"^  ([a-z][a-z0-9-]*)\s", line)
            if m:
                if m.group(1) != "help":
                    commands.append(m.group(1))
            elif line.strip() == "" and commands:
                section = False
    if not commands:
        sys.exit("option_coverage: found no command list in `efstop --help`:\n" + overview)
    surface = {}
    for c in commands:
        text = run(efstop, "help", c)
        opts = set(re.findall(r"^\s{2,}(--[a-z0-9][a-z0-9-]*)", text, re.M))
        if not opts:
            sys.exit(f"option_coverage: `efstop help {c}` lists no option:\n{text}")
        surface[c] = opts
    return surface


def unescape(field):
    return re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "\\": "\\"}[m.group(1)], field)


def invocations(log_path, commands):
    """(command or a global form, set of options) for each logged run."""
    out = []
    with open(log_path, encoding="utf-8", errors="replace") as f:
        for line in f:
            args = [unescape(a) for a in line.rstrip("\n").split("\t")] if line.strip() else []
            if args and args[0] in ("--help", "-h", "--version"):
                out.append(("global", {args[0] if args[0] != "-h" else "--help"}))
                continue
            if args and args[0] == "help":
                out.append(("help", set(args[1:2])))
                continue
            command = "top"
            if args and args[0] in commands:
                command, args = args[0], args[1:]
            used = set()
            for a in args:
                if a == "--":
                    break
                if a.startswith("--"):
                    used.add(a.split("=", 1)[0])
                elif a == "-h":
                    used.add("--help")
            out.append((command, used))
    return out


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    efstop, log_path = sys.argv[1], sys.argv[2]
    surface = documented(efstop)
    try:
        runs = invocations(log_path, surface.keys())
    except FileNotFoundError:
        sys.exit(f"option_coverage: no log {log_path}: run the tests with EFSTOP_TEST_ARGV_LOG set "
                 "(scripts/test.sh does)")
    seen = {}
    for command, used in runs:
        seen.setdefault(command, set()).update(used)
        seen.setdefault(command + ":run", set())
    missing = []
    for command in sorted(surface):
        if command + ":run" not in seen:
            missing.append(f"efstop {command} (never run)")
        for opt in sorted(surface[command] - seen.get(command, set())):
            missing.append(f"efstop {command} {opt}")
    for g in ("--help", "--version"):
        if g not in seen.get("global", set()):
            missing.append(f"efstop {g}")
    for command in sorted(surface):
        if command not in seen.get("help", set()):
            missing.append(f"efstop help {command}")
    total = sum(len(v) for v in surface.values()) + len(surface) * 2 + 2
    if missing:
        print(f"option_coverage: {len(missing)} of {total} documented commands and options are run "
              f"by no test through the binary ({len(runs)} runs logged):")
        for m in missing:
            print("  " + m)
        return 1
    print(f"option_coverage: all {total} documented commands and options run through the binary "
          f"({len(runs)} runs logged)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
