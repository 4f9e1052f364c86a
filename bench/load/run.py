#!/usr/bin/python3
"""Load run (issue 17, item 6): efstop on a large account and a day of flow
logs read from S3, against the test endpoint and s3rver; not part of ctest
(too slow). Results go to docs/PERFORMANCE.md ("Load").

The account: bench/names/make_scenario.py with --file-systems 50 --azs 6
(300 mount targets) and --clients 20000 (instances, Lambda, ECS, EKS and
other ENIs in one VPC). The flow logs: each client talks to one mount
target (client c -> mount target c mod 300) once an hour for 24 hours, a
request and a reply record each time (bytes differ by client and hour),
delivered to S3 as a flow log would be: one gzip object per 5-minute
period under AWSLogs/<account>/vpcflowlogs/<region>/YYYY/MM/DD/, header
line first. About a million records.

Three things are checked, and the run fails (exit 1) when one does not hold:
  - every number: the --s3 report equals the report of the same objects
    read as local files (rows and stats but the input counts), and its
    totals equal an independent sum made here from the generated records;
  - memory: efstop's maximum resident set (wait4 of efstop, started from a
    small launcher: see LAUNCHER) stays under --max-rss-mib (256), for the
    S3 run and the local one; VmHWM sampled from /proc is reported too, as
    a cross-check;
  - file descriptors: /proc/<pid>/fd is sampled every 0.1 s during the
    run; the most open at once must stay under --max-fds (64), whatever the
    number of objects (288) read.
Prints one JSON line with the figures; --json FILE writes it there too.

Usage: bench/load/run.py [--efstop build/release/efstop] [--clients 20000]
                         [--hours 24] [--threads 0] [--keep DIR]
"""

import argparse
import gzip
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests/harness"))

import servers  # noqa: E402
from servers import ACCOUNT, REGION  # noqa: E402

BUCKET = "efstop-load"
PREFIX = "prod"
FLOW_LOG = "fl-0b00000000000002"
DAY0 = 1795651200  # 2026-11-26T00:00:00Z
HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
          "bytes start end action log-status\n")

# Starts efstop (argv after the descriptor number) from a small process and
# reports through that descriptor efstop's pid, then its wait4 maximum RSS.
# Why not Popen + wait4 here: Linux records, when a process execs, the
# resident set of the memory it had until then in the maximum RSS that
# getrusage/wait4 report for it; a child of this script (vfork or fork)
# has, until its exec, this script's memory (the scenario and every
# generated object: about 290 MiB), so ru_maxrss said 285 MiB whatever
# efstop used. Started from this launcher, the floor is the launcher's own
# resident set (about 10 MiB).
LAUNCHER = """
import os, sys
fd = int(sys.argv[1])
argv = sys.argv[2:]
os.set_inheritable(fd, False)
pid = os.posix_spawn(argv[0], argv, os.environ)
os.write(fd, b"%d\\n" % pid)
_, status, usage = os.wait4(pid, 0)
os.write(fd, b"%d\\n" % usage.ru_maxrss)
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def object_key(t):
    stamp = time.strftime("%Y%m%dT%H%MZ", time.gmtime(t))
    day = time.strftime("%Y/%m/%d", time.gmtime(t))
    return (f"{PREFIX}/AWSLogs/{ACCOUNT}/vpcflowlogs/{REGION}/{day}/"
            f"{ACCOUNT}_vpcflowlogs_{REGION}_{FLOW_LOG}_{stamp}_{t % 9973:04x}.log.gz")


def make_flows(scenario, hours):
    """{object end time: [lines]} and the independent totals."""
    mts = sorted((m["IpAddress"], mid) for mid, m in scenario["mount_targets"].items()
                 if mid.startswith("fsmt-0f"))  # the 300 of the 50 bench file systems
    clients = sorted((eni_id, e["PrivateIpAddress"]) for eni_id, e in
                     scenario["network_interfaces"].items() if eni_id.startswith("eni-0c"))
    rng = random.Random(17)
    objects = {}
    read = written = records = 0
    for h in range(hours):
        for c, (eni_id, ip) in enumerate(clients):
            mt_ip = mts[c % len(mts)][0]
            start = DAY0 + h * 3600 + rng.randrange(3540)
            end = start + 60
            up = 4096 * (1 + (c * 7 + h) % 97)
            down = 65536 * (1 + (c * 13 + h) % 89)
            port = 30000 + c % 30000
            # AWS names an object by the end of its 5-minute period.
            period_end = (end // 300 + 1) * 300
            lines = objects.setdefault(period_end, [])
            lines.append(f"2 {ACCOUNT} {eni_id} {ip} {mt_ip} {port} 2049 6 10 {up} {start} {end} "
                         "ACCEPT OK\n")
            lines.append(f"2 {ACCOUNT} {eni_id} {mt_ip} {ip} 2049 {port} 6 20 {down} {start} "
                         f"{end} ACCEPT OK\n")
            written += up
            read += down
            records += 2
    return objects, {"bytes_read": read, "bytes_written": written, "records": records,
                     "clients": len(clients), "mount_targets": len(mts)}


def run_measured(argv, env, out_path):
    """Runs efstop through LAUNCHER; returns (exit, seconds, max RSS KiB,
    most fds, fds at the end, VmHWM KiB last seen in /proc)."""
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        r, w = os.pipe()
        t0 = time.time()
        p = subprocess.Popen([sys.executable, "-c", LAUNCHER, str(w)] + argv, env=env,
                             stdout=out, stderr=err, pass_fds=(w,))
        os.close(w)
        with os.fdopen(r) as report:
            pid = int(report.readline())
            fds = {"max": 0, "last": 0, "hwm": 0}
            done = threading.Event()

            def sample():
                while not done.is_set():
                    try:
                        n = len(os.listdir(f"/proc/{pid}/fd"))
                        with open(f"/proc/{pid}/status") as f:
                            for line in f:
                                if line.startswith("VmHWM:"):
                                    fds["hwm"] = max(fds["hwm"], int(line.split()[1]))
                        fds["max"] = max(fds["max"], n)
                        fds["last"] = n
                    except (OSError, ValueError):
                        pass
                    time.sleep(0.1)

            sampler = threading.Thread(target=sample)
            sampler.start()
            rest = report.readline()
            seconds = time.time() - t0
            done.set()
            sampler.join()
        code = p.wait()
        if not rest.strip():
            raise RuntimeError(f"the launcher of {argv[0]} ended (exit {code}) without a report")
    return code, seconds, int(rest), fds["max"], fds["last"], fds["hwm"]


def comparable(report):
    stats = dict(report["stats"])
    for k in ("files", "files_failed"):
        stats.pop(k, None)
    return report["rows"], stats


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--efstop", default=os.path.join(SOURCE_DIR, "build/release/efstop"))
    ap.add_argument("--clients", type=int, default=20000)
    ap.add_argument("--hours", type=int, default=24)
    ap.add_argument("--threads", type=int, default=0)
    ap.add_argument("--max-rss-mib", type=float, default=256)
    ap.add_argument("--max-fds", type=int, default=64)
    ap.add_argument("--keep", help="work directory to keep (default: a temporary one, removed)")
    ap.add_argument("--json", help="also write the result line here")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="efstop-load-")
    os.makedirs(work, exist_ok=True)
    procs = []
    try:
        t0 = time.time()
        subprocess.run([sys.executable, os.path.join(SOURCE_DIR, "bench/names/make_scenario.py"),
                        os.path.join(work, "scenario.json"), os.path.join(work, "unused.log"),
                        "--clients", str(a.clients), "--file-systems", "50", "--azs", "6"],
                       check=True)
        with open(os.path.join(work, "scenario.json")) as f:
            scenario = json.load(f)
        objects, truth = make_flows(scenario, a.hours)
        local = os.path.join(work, "local")
        os.makedirs(local, exist_ok=True)
        blobs = {}
        for t, lines in sorted(objects.items()):
            blob = gzip.compress((HEADER + "".join(lines)).encode(), compresslevel=6, mtime=0)
            blobs[object_key(t)] = blob
            with open(os.path.join(local, os.path.basename(object_key(t))), "wb") as f:
                f.write(blob)
        generated_s = time.time() - t0

        # s3rver, and the endpoint in front of it (names and S3 both).
        log = open(os.path.join(work, "servers.log"), "w")
        proc, s3rver = servers.start_s3rver(work, BUCKET, log)
        procs.append(proc)
        for key, blob in blobs.items():
            servers.put_object(s3rver, BUCKET, key, blob)
        proc, port = servers.start_endpoint(work, os.path.join(work, "scenario.json"), log,
                                            s3_upstream=s3rver, page_size=1000)
        procs.append(proc)
        url = f"http://127.0.0.1:{port}"

        run_env = servers.static_key_env(work)
        window = ["--start", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(DAY0)),
                  "--end", time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                         time.gmtime(DAY0 + a.hours * 3600))]
        common = ["--region", REGION, "--endpoint-url", url, "--names", "--refresh",
                  "--no-metrics", "--top", "0", "--output", "json", "--threads", str(a.threads),
                  "--cache-dir", os.path.join(work, "cache")] + window
        s3_run = run_measured([a.efstop, "--s3", f"s3://{BUCKET}/{PREFIX}"] + common, run_env,
                              os.path.join(work, "s3.json"))
        local_run = run_measured([a.efstop] + common + [local], run_env,
                                 os.path.join(work, "local.json"))

        problems = []
        reports = {}
        for name, r in (("s3", s3_run), ("local", local_run)):
            if r[0] != 0:
                with open(os.path.join(work, name + ".json.err")) as f:
                    problems.append(f"{name} run: exit {r[0]}: {f.read()[-2000:]}")
                continue
            with open(os.path.join(work, name + ".json")) as f:
                reports[name] = json.load(f)
        if len(reports) == 2:
            if comparable(reports["s3"]) != comparable(reports["local"]):
                problems.append("the S3 report differs from the local-file report")
            rows = reports["s3"]["rows"]
            got = {"bytes_read": sum(r["bytes_read"] for r in rows),
                   "bytes_written": sum(r["bytes_written"] for r in rows),
                   "records": reports["s3"]["stats"]["used"]}
            for k, v in got.items():
                if v != truth[k]:
                    problems.append(f"{k}: the report says {v}, the records {truth[k]}")
            if reports["s3"]["partial"]:
                problems.append("the S3 report is partial")
            clients = {ip for r in rows for ip in r["client"].get("ips", [r["client"].get("ip")])}
            if len(clients) != truth["clients"]:
                problems.append(f"{len(clients)} clients in the report, {truth['clients']} made")
        rss_mib = s3_run[2] / 1024
        for name, r in (("s3", s3_run), ("local", local_run)):
            if r[2] / 1024 >= a.max_rss_mib:
                problems.append(f"{name} run: max RSS {r[2] / 1024:.1f} MiB, "
                                f"not under {a.max_rss_mib} MiB")
        if s3_run[3] >= a.max_fds:
            problems.append(f"{s3_run[3]} file descriptors open at once, not under {a.max_fds}")
        result = {
            "clients": truth["clients"], "mount_targets": truth["mount_targets"],
            "file_systems": 50, "hours": a.hours, "objects": len(blobs), "records": truth["records"],
            "gzip_bytes": sum(len(b) for b in blobs.values()), "generated_s": round(generated_s, 1),
            "s3": {"seconds": round(s3_run[1], 1), "max_rss_mib": round(rss_mib, 1),
                   "vm_hwm_mib": round(s3_run[5] / 1024, 1),
                   "max_fds": s3_run[3], "fds_at_end": s3_run[4]},
            "local": {"seconds": round(local_run[1], 1),
                      "max_rss_mib": round(local_run[2] / 1024, 1),
                      "vm_hwm_mib": round(local_run[5] / 1024, 1), "max_fds": local_run[3]},
            "numbers_equal": not any("differs" in p or "says" in p for p in problems),
            "problems": problems,
        }
        line = json.dumps(result)
        print(line)
        if a.json:
            with open(a.json, "w") as f:
                f.write(line + "\n")
        return 1 if problems else 0
    finally:
        servers.stop(procs)
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
