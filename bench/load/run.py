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
  - memory: efstop's maximum resident set (getrusage of the child) stays
    under --max-rss-mib (256);
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
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.dirname(os.path.dirname(HERE))
HARNESS = os.path.join(SOURCE_DIR, "tests/harness")
ACCOUNT = "111122223333"
REGION = "eu-west-1"
BUCKET = "efstop-load"
PREFIX = "prod"
FLOW_LOG = "fl-0b00000000000002"
DAY0 = 1795651200  # 2026-11-26T00:00:00Z
KEY_ID = "AKIAEFSTOPTEST000001"
SECRET = "efstopTestSecretKey/0000000000000000000001"
HEADER = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets "
          "bytes start end action log-status\n")


def http(method, url, body=None, headers=None):
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(req, timeout=60) as r:
        return r.read()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(url, seconds=60):
    deadline = time.time() + seconds
    while True:
        try:
            http("GET", url)
            return
        except Exception:
            if time.time() > deadline:
                raise RuntimeError(f"{url} did not answer")
            time.sleep(0.1)


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
    """Runs efstop; returns (exit, seconds, max RSS KiB, most fds, fds at the end)."""
    with open(out_path, "wb") as out, open(out_path + ".err", "wb") as err:
        t0 = time.time()
        p = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
        fds = {"max": 0, "last": 0}
        done = threading.Event()

        def sample():
            while not done.is_set():
                try:
                    n = len(os.listdir(f"/proc/{p.pid}/fd"))
                    fds["max"] = max(fds["max"], n)
                    fds["last"] = n
                except OSError:
                    pass
                time.sleep(0.1)

        sampler = threading.Thread(target=sample)
        sampler.start()
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.time() - t0
        done.set()
        sampler.join()
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, seconds, usage.ru_maxrss, fds["max"], fds["last"]


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
        s3dir = os.path.join(work, "s3rver")
        os.makedirs(s3dir, exist_ok=True)
        env = dict(os.environ)
        env["NODE_OPTIONS"] = ("--openssl-legacy-provider --require " +
                               os.path.join(HARNESS, "exit_with_parent.js") + " --require " +
                               os.path.join(HARNESS, "s3rver_preload.js"))
        env["EFSTOP_S3RVER_TRUST_FRONT"] = "1"
        env["EFSTOP_PARENT_PID"] = str(os.getpid())
        s3port = free_port()
        log = open(os.path.join(work, "servers.log"), "w")
        procs.append(subprocess.Popen(
            [os.path.join(HARNESS, "node_modules/.bin/s3rver"), "--directory", s3dir, "--address",
             "127.0.0.1", "--port", str(s3port), "--silent", "--configure-bucket", BUCKET],
            env=env, stdout=log, stderr=log))
        s3rver = f"http://127.0.0.1:{s3port}"
        wait_for(s3rver + "/")
        for key, blob in blobs.items():
            http("PUT", f"{s3rver}/{BUCKET}/{key}", blob,
                 {"Content-Type": "application/octet-stream"})
        port_file = os.path.join(work, "endpoint.port")
        procs.append(subprocess.Popen(
            ["/usr/bin/python3", os.path.join(SOURCE_DIR, "tests/endpoint/server.py"),
             "--scenario", os.path.join(work, "scenario.json"), "--port-file", port_file,
             "--s3-upstream", s3rver, "--page-size", "1000", "--parent-pid", str(os.getpid())],
            stdout=log, stderr=log))
        deadline = time.time() + 120
        while not (os.path.exists(port_file) and open(port_file).read().strip()):
            if time.time() > deadline:
                raise RuntimeError("the test endpoint did not start")
            time.sleep(0.1)
        url = f"http://127.0.0.1:{int(open(port_file).read())}"

        run_env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        run_env.update({"AWS_ACCESS_KEY_ID": KEY_ID, "AWS_SECRET_ACCESS_KEY": SECRET,
                        "AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null",
                        "AWS_EC2_METADATA_DISABLED": "true", "HOME": work,
                        "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"})
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
        if rss_mib >= a.max_rss_mib:
            problems.append(f"max RSS {rss_mib:.1f} MiB, not under {a.max_rss_mib} MiB")
        if s3_run[3] >= a.max_fds:
            problems.append(f"{s3_run[3]} file descriptors open at once, not under {a.max_fds}")
        result = {
            "clients": truth["clients"], "mount_targets": truth["mount_targets"],
            "file_systems": 50, "hours": a.hours, "objects": len(blobs), "records": truth["records"],
            "gzip_bytes": sum(len(b) for b in blobs.values()), "generated_s": round(generated_s, 1),
            "s3": {"seconds": round(s3_run[1], 1), "max_rss_mib": round(rss_mib, 1),
                   "max_fds": s3_run[3], "fds_at_end": s3_run[4]},
            "local": {"seconds": round(local_run[1], 1),
                      "max_rss_mib": round(local_run[2] / 1024, 1), "max_fds": local_run[3]},
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
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
