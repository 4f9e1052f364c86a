#!/usr/bin/python3
"""Comparison tests: efstop against the independent reference, on generated data.

    compare.py --efstop BIN --flowgen BIN --work DIR --case NAME   (one case; ctest runs each)
    compare.py --efstop BIN --flowgen BIN --work DIR --list         (the case names)
    compare.py ... --case all                                       (every case in turn)
    compare.py --flowgen BIN --work DIR --reference-only            (reference vs hand-checked)

Each case generates a data set with efstop-flowgen (deterministic: the same seed always
gives the same files; they are cached under DIR and regenerated when the command changes),
runs `efstop --output json ...` and reference.py with the same options, and compares the
window, EVERY counter of EVERY row (in order) and EVERY stats counter. On a mismatch it
prints the first differences and the two command lines to reproduce them, and exits 1.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REFERENCE = os.path.join(HERE, "reference.py")

NO_ENI_FORMAT = ("${version} ${account-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                 "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}")
CUSTOM_FORMAT = ("${version} ${vpc-id} ${subnet-id} ${instance-id} ${interface-id} "
                 "${account-id} ${type} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                 "${pkt-srcaddr} ${pkt-dstaddr} ${protocol} ${bytes} ${packets} ${start} ${end} "
                 "${action} ${tcp-flags} ${log-status} ${flow-direction} ${traffic-path} "
                 "${az-id} ${region}")
# Optional fields (docs/flow-counting.md): no packets; no ports or protocol (only
# --server-ips can tell EFS traffic); no start (no window); no action; the three required
# fields only; a version-8+ format whose newer fields (ECS, reject-reason, resource-id...)
# are read by name and ignored.
NO_PACKETS_FORMAT = ("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
                     "${dstport} ${protocol} ${bytes} ${start} ${end} ${action} ${log-status}")
NO_PORTS_FORMAT = ("${version} ${interface-id} ${srcaddr} ${dstaddr} ${packets} ${bytes} "
                   "${start} ${end} ${action} ${log-status}")
NO_START_FORMAT = ("${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol} "
                   "${packets} ${bytes} ${action} ${log-status}")
NO_ACTION_FORMAT = ("${version} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                    "${protocol} ${packets} ${bytes} ${start} ${end} ${log-status}")
MINIMAL_FORMAT = "${srcaddr} ${dstaddr} ${bytes}"
V8_FORMAT = ("${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} "
             "${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action} "
             "${log-status} ${vpc-id} ${subnet-id} ${instance-id} ${tcp-flags} ${type} "
             "${pkt-srcaddr} ${pkt-dstaddr} ${region} ${az-id} ${sublocation-type} "
             "${sublocation-id} ${pkt-src-aws-service} ${pkt-dst-aws-service} ${flow-direction} "
             "${traffic-path} ${ecs-cluster-arn} ${ecs-cluster-name} "
             "${ecs-container-instance-arn} ${ecs-container-instance-id} ${ecs-container-id} "
             "${ecs-second-container-id} ${ecs-service-name} ${ecs-task-definition-arn} "
             "${ecs-task-arn} ${ecs-task-id} ${reject-reason} ${resource-id}")
# 2026-11-26T00:00:00Z is the generator's default start; windows below cut into the data.
T0 = 1795651200
T_MIDNIGHT = T0  # also a midnight: bucket cases start 30 minutes before it

# name: (generator arguments, efstop/reference arguments, input inside the data directory)
# Every data set has noise (TCP/UDP 2049 from a non-EFS host, HTTPS, ICMP), REJECTs,
# NODATA/SKIPDATA and a few bad lines unless said otherwise.
COMMON_GEN = ["--bad", "0.001", "--nodata", "0.01", "--skipdata", "0.002", "--reject", "0.01",
              "--huge", "0.002"]
CASES = {
    # Default v2 format, every flow logged at the client ENI and the mount-target ENI.
    "both_enis": (["--records", "120000", "--logging", "both", "--ipv6", "0.15"], [], "flows.log"),
    "client_side_only": (["--records", "80000", "--logging", "client"], [], "flows.log"),
    "server_side_only": (["--records", "80000", "--logging", "server"], [], "flows.log"),
    "mixed_sides": (["--records", "100000", "--logging", "mixed", "--ipv6", "0.3"], [],
                    "flows.log"),
    # A custom LogFormat with a header line (as S3 writes it), both ENIs.
    "custom_format_header": (["--records", "80000", "--logging", "both", "--log-format",
                              CUSTOM_FORMAT, "--header"], [], "flows.log"),
    # The same custom format without a header: the order comes from --log-format.
    "custom_format_flag": (["--records", "60000", "--logging", "mixed", "--log-format",
                            CUSTOM_FORMAT], ["--log-format", CUSTOM_FORMAT], "flows.log"),
    # No interface-id: once-per-flow falls back to the 7-tuple overlap rule.
    "no_interface_id": (["--records", "100000", "--logging", "both", "--aligned", "0.8",
                         "--log-format", NO_ENI_FORMAT, "--header"], [], "flows.log"),
    "no_interface_id_600s": (["--records", "60000", "--logging", "mixed", "--window", "600",
                              "--aligned", "0.6", "--log-format", NO_ENI_FORMAT],
                             ["--log-format", NO_ENI_FORMAT], "flows.log"),
    # Known mount-target IPs (a file, then a comma list): noise on 2049 is no longer EFS, ICMP
    # to a mount target is.
    "server_ips_file": (["--records", "100000", "--logging", "both", "--ipv6", "0.2"],
                        ["--server-ips", "{data}/mount-targets.txt"], "flows.log"),
    "server_ips_list": (["--records", "60000", "--logging", "mixed", "--mount-targets", "3"],
                        ["--server-ips", "{mt_list}"], "flows.log"),
    # A time window cutting into the data (start inclusive, end exclusive).
    "window": (["--records", "100000", "--logging", "both"],
               ["--start", str(T0 + 3600 + 17), "--end", str(T0 + 3 * 3600 + 30)], "flows.log"),
    "window_open_end": (["--records", "60000", "--logging", "mixed"],
                        ["--start", "2026-11-26T01:00:00Z"], "flows.log"),
    "group_by_client": (["--records", "80000", "--logging", "both", "--ipv6", "0.2"],
                        ["--group-by", "client"], "flows.log"),
    "group_by_server": (["--records", "80000", "--logging", "mixed"],
                        ["--group-by", "server", "--sort", "packets"], "flows.log"),
    # S3 layout: several gzip files with header lines in one directory.
    "gzip_directory": (["--records", "150000", "--logging", "both", "--gzip", "--files", "5",
                        "--header", "--out", "{data}/s3"], [], "s3"),
    # The ndjson writer (one row per line, stats last) and a gzip stream on stdin.
    "ndjson_output": (["--records", "60000", "--logging", "mixed"],
                      ["--output", "ndjson", "--sort", "packets"], "flows.log"),
    "stdin_gzip": (["--records", "60000", "--logging", "both", "--gzip", "--header", "--out",
                    "{data}/flows.log.gz"], ["{stdin}"], "flows.log.gz"),
    "min_bytes": (["--records", "80000", "--logging", "both"],
                  ["--min-bytes", "5000000000"], "flows.log"),
    # Sorting, ties and --top.
    "sort_read_top": (["--records", "60000", "--logging", "client", "--clients", "400"],
                      ["--sort", "read", "--top", "25"], "flows.log"),
    "sort_flows": (["--records", "60000", "--logging", "server", "--clients", "300"],
                   ["--sort", "flows"], "flows.log"),
    "sort_written_group_client": (["--records", "60000", "--logging", "mixed"],
                                  ["--sort", "written", "--group-by", "client", "--top", "10"],
                                  "flows.log"),
    # '-' (unknown) in every field efstop reads, now and then: with and without
    # interface-id, --server-ips and a window.
    "unknown_fields": (["--records", "80000", "--logging", "both", "--ipv6", "0.1",
                        "--unknown", "0.02"], [], "flows.log"),
    "unknown_fields_server_ips": (["--records", "60000", "--logging", "mixed", "--unknown",
                                   "0.03"], ["--server-ips", "{data}/mount-targets.txt"],
                                  "flows.log"),
    "unknown_fields_window": (["--records", "60000", "--logging", "both", "--unknown", "0.02"],
                              ["--start", str(T0 + 600), "--end", str(T0 + 1800)],
                              "flows.log"),
    "unknown_fields_no_eni": (["--records", "60000", "--logging", "both", "--aligned", "0.8",
                               "--unknown", "0.01", "--log-format", NO_ENI_FORMAT, "--header"],
                              [], "flows.log"),
    # Formats without optional fields.
    "format_no_packets": (["--records", "60000", "--logging", "both", "--log-format",
                           NO_PACKETS_FORMAT, "--header"], ["--sort", "packets"], "flows.log"),
    "format_no_ports": (["--records", "60000", "--logging", "mixed", "--log-format",
                         NO_PORTS_FORMAT, "--header"],
                        ["--server-ips", "{data}/mount-targets.txt"], "flows.log"),
    "format_no_ports_port_rule": (["--records", "30000", "--logging", "mixed", "--log-format",
                                   NO_PORTS_FORMAT, "--header"], [], "flows.log"),
    "format_no_start": (["--records", "60000", "--logging", "both", "--log-format",
                         NO_START_FORMAT], ["--log-format", NO_START_FORMAT], "flows.log"),
    "format_no_action": (["--records", "60000", "--logging", "both", "--log-format",
                          NO_ACTION_FORMAT, "--header"], [], "flows.log"),
    "format_minimal": (["--records", "60000", "--logging", "both", "--log-format",
                        MINIMAL_FORMAT, "--header"],
                       ["--server-ips", "{data}/mount-targets.txt"], "flows.log"),
    "format_v8": (["--records", "60000", "--logging", "both", "--log-format", V8_FORMAT,
                   "--header", "--unknown", "0.01"], [], "flows.log"),
    # --bucket: data from 23:30 to past midnight (the generator's --start), records of 60 s
    # and 600 s that span several buckets, both once-per-flow rules, windows off the bucket
    # boundaries, grouping, unknown fields (an unknown start is outside).
    "bucket_midnight_1m": (["--records", "60000", "--logging", "both", "--window", "600",
                            "--start", str(T_MIDNIGHT - 1800)], ["--bucket", "1m"], "flows.log"),
    "bucket_window_5m": (["--records", "60000", "--logging", "mixed", "--start",
                          str(T_MIDNIGHT - 1800)],
                         ["--bucket", "5m", "--start", str(T_MIDNIGHT - 1200 + 17), "--end",
                          str(T_MIDNIGHT + 1200 - 31)], "flows.log"),
    "bucket_no_eni_group_client_15m": (["--records", "60000", "--logging", "both", "--window",
                                        "600", "--aligned", "0.8", "--start",
                                        str(T_MIDNIGHT - 1800), "--log-format", NO_ENI_FORMAT,
                                        "--header"],
                                       ["--bucket", "15m", "--group-by", "client"], "flows.log"),
    "bucket_unknown_1h": (["--records", "60000", "--logging", "both", "--unknown", "0.02",
                           "--start", str(T_MIDNIGHT - 1800)],
                          ["--bucket", "1h", "--group-by", "server"], "flows.log"),
    # --sample: slices across midnight over records of 60 s and 600 s (both rules), with and
    # without a window that starts and ends inside slices, with buckets, grouped, a factor
    # that is no integer (7m/1h) and a period of a day.
    "sampling_midnight_5m_1h": (["--records", "60000", "--logging", "both", "--window", "600",
                                 "--start", str(T_MIDNIGHT - 1800)], ["--sample", "5m/1h"],
                                "flows.log"),
    "sampling_window_7m_30m_bucket": (["--records", "60000", "--logging", "mixed", "--start",
                                       str(T_MIDNIGHT - 1800)],
                                      ["--sample", "7m/30m", "--bucket", "5m", "--start",
                                       str(T_MIDNIGHT - 1200 + 17), "--end",
                                       str(T_MIDNIGHT + 1500 + 3)], "flows.log"),
    "sampling_no_eni_client_10m_1d": (["--records", "60000", "--logging", "both", "--window",
                                       "600", "--aligned", "0.8", "--start",
                                       str(T_MIDNIGHT - 1800), "--log-format",
                                       NO_ENI_FORMAT, "--header", "--unknown", "0.02"],
                                      ["--sample", "10m/1d", "--bucket", "1m", "--group-by",
                                       "client"], "flows.log"),
    "bucket_1d_top": (["--records", "60000", "--logging", "mixed", "--window", "600", "--start",
                       str(T_MIDNIGHT - 1800)],
                      ["--bucket", "1d", "--sort", "read", "--top", "7"], "flows.log"),
}
# Hand-checked cases: data/handmade.log with every expected number worked out by hand (the
# reasoning is in data/README.md). Both efstop and the reference must print exactly these.
HANDMADE = {
    "handmade": ("handmade.expected.json", []),
    "handmade_server_ips": ("handmade.server_ips.expected.json",
                            ["--server-ips", "10.0.0.200,2600:1f18::200"]),
    "handmade_window": ("handmade.window.expected.json",
                        ["--start", "2026-11-26T00:16:45Z", "--end", "2026-11-26T00:18:20Z"]),
    # data/unknown.log: '-' in each field of an OK record (data/README.md).
    "unknown": ("unknown.expected.json", []),
    "unknown_server_ips": ("unknown.server_ips.expected.json", ["--server-ips", "10.0.0.200"]),
    "unknown_window": ("unknown.window.expected.json",
                       ["--start", "1795652200", "--end", "1795652250"]),
}
# The shipped sample with its inventory dump (names on): the default client x file system
# rows and the per-mount-target pairs, against the reference reading the same dump.
REPO = os.path.dirname(os.path.dirname(HERE))
SAMPLE_ARGS = ["--server-ips", os.path.join(REPO, "sample", "mount-targets.txt"),
               "--inventory", os.path.join(REPO, "sample", "inventory.json")]
SAMPLE_SOURCE = os.path.join(REPO, "sample", "flowlogs")
SAMPLE = {
    "sample_names_fs": [],
    "sample_names_pair": ["--group-by", "pair"],
    "sample_names_fs_min_bytes": ["--min-bytes", "2000000"],
    "sample_names_fs_sort_flows": ["--sort", "flows", "--top", "12"],
    "sample_names_fs_bucket": ["--bucket", "5m"],
}
CONTRACT_ROW_KEYS = ("bytes_read", "bytes_written", "bytes_total", "packets", "flows",
                     "rejected", "first_seen", "last_seen", "packets_known", "packets_unknown",
                     "bytes_unknown", "series", "estimated", "sampled")
STATS_KEYS = ("lines", "records", "used", "skipped", "nodata", "skipdata", "not_efs",
              "outside_window", "duplicates", "unknown_address", "unknown_bytes",
              "below_min_bytes", "files", "files_failed")


def generate(flowgen, work, name, gen_args, data_arg):
    data = os.path.join(work, name)
    gen = list(gen_args) + COMMON_GEN + ["--seed", str(7 + len(name))]
    gen = [a.replace("{data}", data) for a in gen]
    if "--out" not in gen:
        gen += ["--out", os.path.join(data, "flows.log")]
    gen += ["--server-ips-out", os.path.join(data, "mount-targets.txt")]
    stamp = os.path.join(data, ".command")
    command = json.dumps([os.path.abspath(flowgen)] + gen)
    if not (os.path.exists(stamp) and open(stamp, encoding="utf-8").read() == command):
        shutil.rmtree(data, ignore_errors=True)
        os.makedirs(data)
        subprocess.run([flowgen] + gen, check=True)
        with open(stamp, "w", encoding="utf-8") as f:
            f.write(command)
    return data, os.path.join(data, data_arg)


def run_json(argv, label, stdin_path=None):
    """Runs argv; returns its --output json document (ndjson is folded into the same shape)."""
    try:
        with open(stdin_path or os.devnull, "rb") as f:
            proc = subprocess.run(argv, stdin=f, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as e:
        sys.stderr.write(f"{label}: cannot run {argv[0]}: {e}\n")
        return None
    if proc.returncode != 0:
        sys.stderr.write(f"{label} exited {proc.returncode}\n{proc.stderr[-4000:]}\n")
        return None
    out = proc.stdout.decode("utf-8", errors="replace")
    try:
        if "ndjson" not in argv:
            return json.loads(out)
        lines = [json.loads(line) for line in out.splitlines() if line.strip()]
        if not lines or set(lines[-1]) != {"stats"}:
            raise ValueError("the last ndjson line is not {\"stats\": ...}")
        return {"window": None, "rows": lines[:-1], "stats": lines[-1]["stats"]}
    except ValueError as e:  # json.JSONDecodeError is a ValueError
        sys.stderr.write(f"{label} printed no valid JSON ({e}):\n{out[:2000]}\n")
        return None


def row_label(row):
    parts = []
    for end in ("client", "server"):
        if end in row:
            parts.append(f"{end}={row[end].get('ip') or ','.join(row[end].get('ips', []))}")
    return " ".join(parts) or "?"


def compare(got, want, got_name="efstop", want_name="reference", max_report=15):
    """Returns a list of human-readable differences (empty when equal)."""
    g_, w_ = got_name, want_name
    diffs = []
    if got.get("window") != want["window"]:
        diffs.append(f"window: {g_} {got.get('window')} {w_} {want['window']}")
    # --sample: the report-level estimate, every member.
    for key in ("estimated", "sample"):
        if got.get(key) != want.get(key):
            diffs.append(f"{key}: {g_} {got.get(key)} {w_} {want.get(key)}")
    got_stats = got.get("stats", {})
    for key in STATS_KEYS:
        if got_stats.get(key) != want["stats"][key]:
            diffs.append(f"stats.{key}: {g_} {got_stats.get(key)} {w_} "
                         f"{want['stats'][key]}")
    got_rows = got.get("rows", [])
    want_rows = want["rows"]
    if len(got_rows) != len(want_rows):
        diffs.append(f"rows: {g_} has {len(got_rows)}, {w_} {len(want_rows)}")
    for i, (g, w) in enumerate(zip(got_rows, want_rows)):
        for end in ("client", "server"):
            # Every member the expectation has (ip, or ips and id when merged).
            if (end in w) != (end in g) or (
                    end in w and any(g[end].get(k) != v for k, v in w[end].items())):
                diffs.append(f"row {i}: {end} {g_} {g.get(end)} {w_} {w.get(end)}")
        for key in CONTRACT_ROW_KEYS + ("cross_az_bytes", "cross_az_unknown_bytes"):
            # The keys of unknown values are there only when something was unknown.
            if g.get(key) != w.get(key) or (key in g) != (key in w):
                diffs.append(f"row {i} ({row_label(w)}): {key} {g_} {g.get(key, '(absent)')} "
                             f"{w_} {w.get(key, '(absent)')}")
        if len(diffs) >= max_report:
            break
    # Rows only one side has (when the lengths differ), by identity.
    if len(got_rows) != len(want_rows):
        got_ids = {row_label(r) for r in got_rows}
        want_ids = {row_label(r) for r in want_rows}
        for label in sorted(want_ids - got_ids)[:5]:
            diffs.append(f"only in {w_}: {label}")
        for label in sorted(got_ids - want_ids)[:5]:
            diffs.append(f"only in {g_}: {label}")
    return diffs


def run_handmade(args, name):
    expected_file, run_args = HANDMADE[name]
    with open(os.path.join(HERE, "data", expected_file), encoding="utf-8") as f:
        want = json.load(f)
    source = os.path.join(HERE, "data", expected_file.split(".")[0] + ".log")
    ok = True
    programs = [("reference", [sys.executable, REFERENCE])]
    if not args.reference_only:
        programs.append(("efstop", [args.efstop]))
    for label, cmd in programs:
        full = cmd + ["--output", "json", "--top", "0"] + run_args + [source]
        got = run_json(full, label)
        diffs = ["no output"] if got is None else compare(got, want, label, "expected")
        if diffs:
            ok = False
            print(f"FAIL {name}: {label} differs from {expected_file}\n  {' '.join(full)}")
            for d in diffs:
                print(f"  {d}")
    if ok:
        who = "the reference prints" if args.reference_only else "efstop and the reference print"
        print(f"ok   {name}: {who} {expected_file}")
    return ok


def run_sample(args, name):
    run_args = ["--output", "json"] + SAMPLE_ARGS + SAMPLE[name]
    if "--top" not in run_args:
        run_args += ["--top", "0"]
    efstop_cmd = [args.efstop] + run_args + [SAMPLE_SOURCE]
    reference_cmd = [sys.executable, REFERENCE] + run_args + [SAMPLE_SOURCE]
    got = run_json(efstop_cmd, "efstop")
    want = run_json(reference_cmd, "reference")
    if got is None or want is None:
        print(f"FAIL {name}\n  {' '.join(efstop_cmd)}")
        return False
    diffs = compare(got, want)
    if diffs:
        print(f"FAIL {name}: efstop and the reference differ\n  efstop:    {' '.join(efstop_cmd)}")
        for d in diffs:
            print(f"  {d}")
        return False
    merged = sum(1 for r in want["rows"] if "ips" in r.get("server", {}))
    print(f"ok   {name}: {len(want['rows'])} rows ({merged} merge mount targets), "
          f"{sum(r.get('cross_az_bytes', 0) for r in want['rows'])} cross-AZ bytes")
    return True


def run_fs_from_pair(args, name):
    """efstop's default rows with names = its own --group-by pair rows summed per (client,
    file system): the merge checked against efstop's per-mount-target view, whatever the
    reference says about either."""
    base = [args.efstop, "--output", "json", "--top", "0"] + SAMPLE_ARGS
    pairs = run_json(base + ["--group-by", "pair", SAMPLE_SOURCE], "efstop --group-by pair")
    fs = run_json(base + [SAMPLE_SOURCE], "efstop")
    if pairs is None or fs is None:
        print(f"FAIL {name}")
        return False
    want = {}
    for r in pairs["rows"]:
        s = r["server"]
        key = (r["client"]["ip"], s["id"] if s.get("kind") == "efs-mount-target" else s["ip"])
        w = want.setdefault(key, {"ips": [], "cross_az_bytes": None})
        w["ips"].append(s["ip"])
        for c in ("bytes_read", "bytes_written", "bytes_total", "packets", "flows", "rejected",
                  "cross_az_unknown_bytes"):
            w[c] = w.get(c, 0) + r.get(c, 0)
        if "cross_az_bytes" in r:
            w["cross_az_bytes"] = (w["cross_az_bytes"] or 0) + r["cross_az_bytes"]
    diffs = []
    seen = set()
    for r in fs["rows"]:
        s = r["server"]
        key = (r["client"]["ip"], s["id"] if s.get("kind") == "efs-mount-target" else s["ip"])
        seen.add(key)
        w = want.get(key)
        if w is None:
            diffs.append(f"{key}: not among the pairs")
            continue
        if sorted(s.get("ips", [s.get("ip")])) != sorted(w["ips"]):
            diffs.append(f"{key}: server addresses {s} vs pairs {w['ips']}")
        for c in ("bytes_read", "bytes_written", "bytes_total", "packets", "flows", "rejected",
                  "cross_az_unknown_bytes", "cross_az_bytes"):
            if r.get(c, 0 if c == "cross_az_unknown_bytes" else None) != w[c]:
                diffs.append(f"{key}: {c} {r.get(c)} vs pairs {w[c]}")
    for key in sorted(set(want) - seen, key=str):
        diffs.append(f"{key}: pairs with no merged row")
    if len(fs["rows"]) >= len(pairs["rows"]):
        diffs.append(f"no pair merged: {len(fs['rows'])} rows vs {len(pairs['rows'])} pairs")
    if fs["query"]["group_by"] != "fs" or pairs["query"]["group_by"] != "pair":
        diffs.append(f"query.group_by: {fs['query']['group_by']}, {pairs['query']['group_by']}")
    if diffs:
        print(f"FAIL {name}: merged rows differ from the summed pairs")
        for d in diffs[:15]:
            print(f"  {d}")
        return False
    print(f"ok   {name}: {len(pairs['rows'])} pairs sum to {len(fs['rows'])} rows")
    return True


def run_case(args, name):
    if name in HANDMADE:
        return run_handmade(args, name)
    if name in SAMPLE:
        return run_sample(args, name)
    if name == "sample_fs_from_pair":
        return run_fs_from_pair(args, name)
    gen_args, run_args, data_arg = CASES[name]
    data, source = generate(args.flowgen, args.work, name, gen_args, data_arg)
    mt_file = os.path.join(data, "mount-targets.txt")
    with open(mt_file, encoding="utf-8") as f:
        mt_list = ",".join(line.strip() for line in f if line.strip())
    run_args = [a.replace("{data}", data).replace("{mt_list}", mt_list) for a in run_args]
    if "--top" not in run_args:
        run_args = run_args + ["--top", "0"]
    if "--output" not in run_args:
        run_args = ["--output", "json"] + run_args
    stdin_path = None
    if "{stdin}" in run_args:  # feed the input on stdin, as `efstop -`
        run_args = [a for a in run_args if a != "{stdin}"]
        stdin_path, source = source, "-"
    efstop_cmd = [args.efstop] + run_args + [source]
    reference_cmd = [sys.executable, REFERENCE] + run_args + [source]
    got = run_json(efstop_cmd, "efstop", stdin_path)
    want = run_json(reference_cmd, "reference", stdin_path)
    shown = " ".join(f"'{a}'" if " " in a or "$" in a else a for a in efstop_cmd)
    if stdin_path:
        shown += f" < {stdin_path}"
    if got is None or want is None:
        print(f"FAIL {name}\n  {shown}")
        return False
    diffs = compare(got, want)
    if diffs:
        print(f"FAIL {name}: efstop and the reference differ\n  efstop:    {shown}\n"
              f"  reference: {' '.join(reference_cmd[:2])} (same options)")
        for d in diffs:
            print(f"  {d}")
        return False
    s = want["stats"]
    print(f"ok   {name}: {len(want['rows'])} rows, {s['lines']} lines, {s['used']} used, "
          f"{s['duplicates']} duplicates, {s['not_efs']} not EFS, {s['skipped']} skipped")
    return True


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--efstop")
    p.add_argument("--flowgen", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--case", default="all")
    p.add_argument("--list", action="store_true")
    p.add_argument("--reference-only", action="store_true",
                   help="check only the reference against the hand-checked cases")
    args = p.parse_args()
    everything = list(HANDMADE) + list(CASES) + list(SAMPLE) + ["sample_fs_from_pair"]
    if args.list:
        print("\n".join(everything))
        return 0
    if not args.efstop and not args.reference_only:
        p.error("--efstop is required")
    if args.reference_only:
        names = list(HANDMADE) if args.case == "all" else [args.case]
        if any(n not in HANDMADE for n in names):
            p.error("--reference-only works on the handmade cases only")
    else:
        names = everything if args.case == "all" else [args.case]
    unknown = [n for n in names if n not in everything]
    if unknown:
        p.error(f"unknown case {unknown[0]} (see --list)")
    results = [run_case(args, n) for n in names]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
