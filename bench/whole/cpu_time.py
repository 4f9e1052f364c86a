#!/usr/bin/env python3
"""Runs a command (stdout to /dev/null) and prints its CPU seconds and peak RSS:
"USER SYS MAXRSS_KB" from wait4's rusage, to the microsecond.

/usr/bin/time prints CPU seconds to the hundredth: on a run of half a second
that is 2 % a step, as much as the differences bench/whole/bucket.sh looks
for. The kernel keeps the sum user + system exact (it splits the exact
runtime by its tick samples), so the sum is what to compare.

  bench/whole/cpu_time.py OUT_FILE COMMAND [ARG...]
"""
import os
import sys


def main() -> int:
    if len(sys.argv) < 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    out, argv = sys.argv[1], sys.argv[2:]
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        try:
            os.execvp(argv[0], argv)
        except OSError as e:
            print(f"cpu_time.py: cannot run {argv[0]}: {e.strerror}", file=sys.stderr)
        os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    with open(out, "w") as f:
        f.write(f"{usage.ru_utime:.6f} {usage.ru_stime:.6f} {usage.ru_maxrss}\n")
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main())
