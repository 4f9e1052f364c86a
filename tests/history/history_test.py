#!/usr/bin/env python3
"""efstop collect and top --from-store through the binary (docs/history.md).

Generates a week of flow logs with a day/night pattern, runs `efstop collect` once per
hour over it (168 runs, as cron would), then checks, each against a computation in this
file that does not use efstop:
  - `top --from-store --by hour-of-day` / `day-of-week`: every row's profile and peak;
  - `top --from-store` totals (json) equal the generated sums, with no flow log named;
  - collecting overlapping windows leaves the same bucket_total table as hourly runs;
  - two collectors at once: the second stops with a clear message, the first stores;
  - a run with an unreadable input stores nothing and does not advance the window;
  - --keep prunes exactly the buckets that started before the cutoff;
  - --output openmetrics, parsed back by a small parser here, with hostile label names.

usage: history_test.py EFSTOP WORKDIR
"""
import datetime
import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import time

EFSTOP = os.path.abspath(sys.argv[1])
WORK = os.path.abspath(sys.argv[2])
HOUR = 3600
DAY = 86400
NFS = 2049
FAILURES = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL: " + what, file=sys.stderr)


def run(args, stdin=None, expect=0):
    p = subprocess.run([EFSTOP] + args, input=stdin, capture_output=True, text=True)
    if expect is not None and p.returncode != expect:
        print("command: efstop " + " ".join(args), file=sys.stderr)
        print(p.stderr, file=sys.stderr)
        check(False, f"efstop {' '.join(args)}: exit {p.returncode}, want {expect}")
    return p


# ---------------------------------------------------------------- the data
NOW = int(time.time())
T0 = (NOW // DAY) * DAY - 8 * DAY  # a Monday? no matter: slots are computed from times
WEEK_END = T0 + 7 * DAY
SERVERS = ["10.0.2.50", "10.0.3.60"]
# client -> (server, hours with heavy writes, hours with heavy reads)
CLIENTS = {
    "10.0.5.2": ("10.0.2.50", {1, 2}, set()),            # batch-02: nightly writes 01-03
    "10.0.5.3": ("10.0.2.50", set(), set(range(8, 18))),  # web: reads by day
    "10.0.5.4": ("10.0.3.60", {23, 0}, set()),            # backup: across midnight
    "10.0.5.5": ("10.0.3.60", set(), set()),              # idle-ish: even, no peak
}


def generate(directory):
    rng = random.Random(14)
    os.makedirs(directory, exist_ok=True)
    records = []  # (client, server, direction, bytes, start)
    for day in range(7):
        lines = []
        for hour in range(24):
            base = T0 + day * DAY + hour * HOUR
            for i, (client, (server, write_hours, read_hours)) in enumerate(CLIENTS.items()):
                for k in range(3):
                    start = base + rng.randrange(0, HOUR)
                    end = start + rng.randrange(0, 600)  # may cross into the next hour
                    wbytes = rng.randrange(1000, 5000) * (1000 if hour in write_hours else 1)
                    rbytes = rng.randrange(1000, 5000) * (1000 if hour in read_hours else 1)
                    port = 40000 + i * 10 + k
                    eni = f"eni-{i:017x}"
                    lines.append(f"2 123456789012 {eni} {client} {server} {port} {NFS} 6 10 "
                                 f"{wbytes} {start} {end} ACCEPT OK")
                    lines.append(f"2 123456789012 {eni} {server} {client} {NFS} {port} 6 12 "
                                 f"{rbytes} {start} {end} ACCEPT OK")
                    records.append((client, server, "written", wbytes, start))
                    records.append((client, server, "read", rbytes, start))
        with open(os.path.join(directory, f"day-{day}.log"), "w") as f:
            f.write("\n".join(lines) + "\n")
    return records


def slot(by, t):
    if by == "hour-of-day":
        return (t % DAY) // HOUR
    return (t // DAY + 3) % 7  # 1970-01-01 was a Thursday; Monday = 0


def expected_profiles(records, by, start, end):
    n = 24 if by == "hour-of-day" else 7
    out = {}
    for client, server, direction, nbytes, t in records:
        if not (start <= t < end):
            continue
        p = out.setdefault((client, server), {"read": [0] * n, "written": [0] * n})
        p[direction][slot(by, t)] += nbytes
    return out


def expected_peak(profile):
    """The rule of docs/history.md, written out by brute force."""
    read, written = sum(profile["read"]), sum(profile["written"])
    direction = "written" if written >= read else "read"
    v = profile[direction]
    total = sum(v)
    n = len(v)
    if total == 0:
        return None
    for length in range(1, n // 2 + 1):
        best = None
        for s in range(n):
            got = sum(v[(s + k) % n] for k in range(length))
            if got * 5 >= total * 4 and (best is None or got > best[1]):
                best = (s, got)
        if best:
            return {"direction": direction, "start": best[0], "slots": length, "bytes": best[1],
                    "direction_bytes": total}
    return None


def dump(db):
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT b.bucket_start, c.ip, s.ip, b.bytes_read, b.bytes_written, b.packets, b.flows, "
        "b.rejected, b.packets_unknown, b.bytes_unknown FROM bucket_total b "
        "JOIN address c ON c.id = b.client JOIN address s ON s.id = b.server "
        "ORDER BY 1, 2, 3").fetchall()
    con.close()
    return rows


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    logs = os.path.join(WORK, "flows")
    records = generate(logs)
    hourly = os.path.join(WORK, "hourly")

    # A week of hourly runs, as cron would start them (--end stands for "now minus the
    # delay" at each run; the first run takes the one bucket before it).
    for h in range(1, 7 * 24 + 1):
        args = ["collect", "--cache-dir", hourly, "--end", str(T0 + h * HOUR), "--quiet"]
        if h == 1:
            args += ["--bucket", "1h", "--threads", "2", "--server-ips", ",".join(SERVERS),
                     "--log-format", "${version} ${account-id} ${interface-id} ${srcaddr} "
                     "${dstaddr} ${srcport} ${dstport} ${protocol} ${packets} ${bytes} "
                     "${start} ${end} ${action} ${log-status}"]
        run(args + [logs])
    db = os.path.join(hourly, "efstop.sqlite3")
    check(oct(os.stat(db).st_mode & 0o777) == "0o600", "store file is 0600")
    con = sqlite3.connect(db)
    cols = con.execute("SELECT window_start, window_end, status FROM collection "
                       "ORDER BY window_start").fetchall()
    con.close()
    check(len(cols) == 168 and all(c[2] == "ok" for c in cols), "168 ok collections")
    check(all(cols[i][1] == cols[i + 1][0] for i in range(len(cols) - 1)),
          "each run starts where the last successful one ended")
    # Again at the same "now": nothing new, nothing changes.
    before = dump(db)
    p = run(["collect", "--cache-dir", hourly, "--end", str(WEEK_END), logs])
    check("nothing new" in p.stderr, "a run with nothing new says so")
    check(dump(db) == before, "a run with nothing new changes nothing")

    # The profile from the store, with no flow log named (no AWS either: no SOURCE, and
    # --from-store refuses --names).
    for by in ("hour-of-day", "day-of-week"):
        p = run(["top", "--from-store", "--cache-dir", hourly, "--start", str(T0), "--end",
                 str(WEEK_END), "--by", by, "--output", "json", "--top", "0"])
        doc = json.loads(p.stdout)
        want = expected_profiles(records, by, T0, WEEK_END)
        got = {(r["client"]["ips"][0], r["server"]["ips"][0]): r for r in doc["rows"]}
        check(set(got) == set(want), f"{by}: the rows are the generated pairs")
        for key, w in want.items():
            r = got.get(key)
            if r is None:
                continue
            check(r["read"] == w["read"] and r["written"] == w["written"],
                  f"{by}: profile of {key} equals the independent sums")
            check(r["bytes_read"] == sum(w["read"]) and r["bytes_written"] == sum(w["written"]),
                  f"{by}: totals of {key}")
            peak = expected_peak(w)
            if peak is None:
                check(r["peak"] is None, f"{by}: {key} has no peak")
            else:
                got_peak = {k: r["peak"][k] for k in peak} if r["peak"] else None
                check(got_peak == peak, f"{by}: peak of {key}: {got_peak} != {peak}")
    # The day/night sentence of the table, for batch-02.
    p = run(["top", "--from-store", "--cache-dir", hourly, "--since", "9d", "--by",
             "hour-of-day"])
    w = expected_profiles(records, "hour-of-day", T0, WEEK_END)[("10.0.5.2", "10.0.2.50")]
    pct = expected_peak(w)["bytes"] * 100 // sum(w["written"])
    sentence = f"10.0.5.2 -> 10.0.2.50 writes {pct} % of its written bytes between 01:00 and " \
               "03:00 UTC"
    check(sentence in p.stdout, "table names batch-02's night: " + sentence)
    check(" writes " in p.stdout and "between 23:00 and 01:00 UTC" in p.stdout,
          "a peak across midnight wraps")
    p = run(["top", "--from-store", "--cache-dir", hourly, "--since", "9d", "--by",
             "hour-of-day", "--output", "csv", "--top", "0"])
    # (text mode reads the CSV's CRLF line ends as "\n")
    lines = p.stdout.split("\n")
    check(lines[0] == "client,client_name,server,server_name,slot,bytes_read,bytes_written",
          "csv profile header")
    check(len([x for x in lines[1:] if x]) == 24 * len(CLIENTS), "csv: one line per row and hour")
    cells = [x.split(",") for x in lines[1:] if x.startswith("10.0.5.2,")]
    check([int(c[6]) for c in cells] == w["written"], "csv: batch-02's written bytes per hour")

    # Plain report from the store equals the generated sums (and top over the files).
    p = run(["top", "--from-store", "--cache-dir", hourly, "--start", str(T0), "--end",
             str(WEEK_END), "--output", "json", "--top", "0", "--group-by", "client"])
    doc = json.loads(p.stdout)
    sums = {}
    for client, _, direction, nbytes, t in records:
        sums.setdefault(client, {"read": 0, "written": 0})[direction] += nbytes
    got = {r["client"]["ip"] if "ip" in r["client"] else r["client"]["ips"][0]:
           (r["bytes_read"], r["bytes_written"]) for r in doc["rows"]}
    check(got == {c: (s["read"], s["written"]) for c, s in sums.items()},
          "from-store totals per client equal the generated sums")
    files = run(["top", "--no-names", "--start", str(T0), "--end", str(WEEK_END), "--output",
                 "json", "--top", "0", "--group-by", "client", logs])
    fdoc = json.loads(files.stdout)
    check([(r["bytes_read"], r["bytes_written"], r["packets"], r["flows"]) for r in fdoc["rows"]]
          == [(r["bytes_read"], r["bytes_written"], r["packets"], r["flows"])
              for r in doc["rows"]], "from-store rows equal top over the same files")

    raw = subprocess.run([EFSTOP, "top", "--from-store", "--cache-dir", hourly, "--since", "9d",
                          "--by", "day-of-week", "--output", "csv", "--quiet"],
                         capture_output=True).stdout
    check(raw.startswith(b"client,client_name,server,server_name,slot,") and
          raw.count(b"\r\n") == 1 + 7 * len(CLIENTS), "csv day-of-week: CRLF, 7 lines a row")
    page = os.path.join(WORK, "page.html")
    p = run(["top", "--from-store", "--cache-dir", hourly, "--since", "9d", "--output", "tsv",
             "--html", page])
    check(p.stdout.count("\n") == 1 + len(CLIENTS) and "<html" in open(page).read(),
          "from-store writes tsv and the html page")

    # Overlapping windows: a backfill in three overlapping pieces equals the hourly store.
    pieces = os.path.join(WORK, "pieces")
    run(["collect", "--cache-dir", pieces, "--start", str(T0), "--end", str(T0 + 3 * DAY),
         "--quiet", logs])
    run(["collect", "--cache-dir", pieces, "--start", str(T0 + 2 * DAY), "--end",
         str(T0 + 5 * DAY), "--quiet", logs])
    run(["collect", "--cache-dir", pieces, "--since", "3d", "--end", str(WEEK_END), "--quiet",
         logs])
    run(["collect", "--cache-dir", pieces, "--start", str(T0 + DAY + 1800), "--end",
         str(T0 + DAY + 5 * HOUR + 10), "--quiet", logs])  # ragged edges: whole buckets
    check(dump(os.path.join(pieces, "efstop.sqlite3")) == dump(db),
          "overlapping collects leave the same bucket_total as hourly runs")

    # A width other than the store's is refused.
    p = run(["collect", "--cache-dir", pieces, "--bucket", "15m", "--since", "1h", "--end",
             str(WEEK_END), logs], expect=2)
    check("holds 1h buckets" in p.stderr, "another --bucket is refused with the store's width")

    # An unreadable input: nothing stored, the last successful window stays.
    partial = os.path.join(WORK, "partial")
    run(["collect", "--cache-dir", partial, "--start", str(T0), "--end", str(T0 + DAY),
         "--quiet", logs])
    before = dump(os.path.join(partial, "efstop.sqlite3"))
    p = run(["collect", "--cache-dir", partial, "--end", str(T0 + 2 * DAY), logs,
             os.path.join(WORK, "missing.log")], expect=3)
    check("nothing stored" in p.stderr, "a partial run says nothing was stored")
    check(dump(os.path.join(partial, "efstop.sqlite3")) == before, "a partial run stores nothing")
    run(["collect", "--cache-dir", partial, "--end", str(T0 + 2 * DAY), "--quiet", logs])
    con = sqlite3.connect(os.path.join(partial, "efstop.sqlite3"))
    cols = con.execute("SELECT window_start, window_end, status FROM collection "
                       "ORDER BY id").fetchall()
    con.close()
    check(cols == [(T0, T0 + DAY, "ok"), (T0 + DAY, T0 + 2 * DAY, "partial"),
                   (T0 + DAY, T0 + 2 * DAY, "ok")],
          f"the run after a partial one collects its window again: {cols}")

    # Two collectors at once: the first reads stdin (held open), the second stops.
    two = os.path.join(WORK, "two")
    first = subprocess.Popen([EFSTOP, "collect", "--cache-dir", two, "--start", str(T0), "--end",
                              str(T0 + DAY), "--quiet", "-"], stdin=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    lock = os.path.join(two, "efstop.sqlite3.collect-lock")
    for _ in range(200):
        if os.path.exists(lock):
            break
        time.sleep(0.05)
    time.sleep(0.2)
    second = run(["collect", "--cache-dir", two, "--start", str(T0), "--end", str(T0 + DAY),
                  logs], expect=1)
    check("another efstop collect is running" in second.stderr,
          "the second collector says another one runs")
    with open(os.path.join(logs, "day-0.log")) as f:
        _, err = first.communicate(f.read(), timeout=120)
    check(first.returncode == 0, f"the first collector finishes: {err}")
    check(dump(os.path.join(two, "efstop.sqlite3")) ==
          [r for r in dump(db) if r[0] < T0 + DAY], "the first collector stored day 0")
    # ... and after it, the second can run, leaving the same store.
    run(["collect", "--cache-dir", two, "--start", str(T0), "--end", str(T0 + DAY), "--quiet",
         logs])
    check(dump(os.path.join(two, "efstop.sqlite3")) ==
          [r for r in dump(db) if r[0] < T0 + DAY], "collecting day 0 again changes nothing")

    # --keep: a run at the week's end keeping 2 days drops exactly the older buckets.
    keep = os.path.join(WORK, "keep")
    shutil.copytree(hourly, keep)
    os.remove(os.path.join(keep, "efstop.sqlite3.collect-lock"))
    p = run(["collect", "--cache-dir", keep, "--since", "1h", "--end", str(WEEK_END), "--keep",
             "2d", logs])
    cutoff = WEEK_END - 2 * DAY
    want = [r for r in dump(db) if r[0] >= cutoff]
    check(dump(os.path.join(keep, "efstop.sqlite3")) == want, "--keep 2d keeps the last 2 days")
    dropped = len(dump(db)) - len(want)
    check(f"pruned: {dropped} pair-bucket rows" in p.stderr, "the run says what it pruned")
    con = sqlite3.connect(os.path.join(keep, "efstop.sqlite3"))
    check(con.execute("SELECT min(window_start) FROM collection").fetchone()[0] == cutoff,
          "collections that ended by the cutoff are gone")
    con.close()

    # Without --end: now minus --delay, whole buckets.
    delay = os.path.join(WORK, "delay")
    p = run(["collect", "--cache-dir", delay, "--delay", "2h", logs])
    con = sqlite3.connect(os.path.join(delay, "efstop.sqlite3"))
    ws, we = con.execute("SELECT window_start, window_end FROM collection").fetchone()
    con.close()
    now_after = int(time.time())
    check(we % HOUR == 0 and we - ws == HOUR and
          (NOW - 2 * HOUR) // HOUR * HOUR <= we <= (now_after - 2 * HOUR) // HOUR * HOUR,
          "without --end the window ends at the last whole hour before now minus --delay")

    # OpenMetrics of the latest collection, with hostile names as labels.
    labels = os.path.join(WORK, "labels.txt")
    hostile = 'batch-02 "night" \\ job} ,x="1"'
    with open(labels, "wb") as f:
        f.write(("10.0.5.2/32 " + hostile + "\n").encode() + b"10.0.5.3/32 bad\xff\xfeutf8\n")
    p = run(["top", "--from-store", "--cache-dir", hourly, "--labels", labels, "--group-by",
             "pair", "--output", "openmetrics"])
    families, samples = parse_openmetrics(p.stdout)
    check(families.get("efstop_read_bytes") == ("gauge", "bytes"), "read family: gauge, bytes")
    check(families.get("efstop_written_bytes") == ("gauge", "bytes"),
          "written family: gauge, bytes")
    last = (WEEK_END - HOUR, WEEK_END)
    check(samples.get(("efstop_collection_window_start_seconds", ())) == last[0] and
          samples.get(("efstop_collection_window_end_seconds", ())) == last[1],
          "the window is the latest collection's")
    want_read, want_written = {}, {}
    for client, server, direction, nbytes, t in records:
        if last[0] <= t < last[1]:
            d = want_read if direction == "read" else want_written
            d[(client, server)] = d.get((client, server), 0) + nbytes
    got_read = {(dict(k[1])["client"], dict(k[1])["server"]): v for k, v in samples.items()
                if k[0] == "efstop_read_bytes"}
    got_written = {(dict(k[1])["client"], dict(k[1])["server"]): v for k, v in samples.items()
                   if k[0] == "efstop_written_bytes"}
    check(got_read == want_read and got_written == want_written,
          "openmetrics bytes equal the latest hour's generated sums")
    names = {dict(k[1])["client"]: dict(k[1]).get("client_name") for k in samples if k[1]}
    check(names.get("10.0.5.2") == hostile, f"a hostile name survives escaping: {names}")
    check(names.get("10.0.5.3") == "bad\ufffd\ufffdutf8", "invalid UTF-8 becomes U+FFFD")

    check_series()

    # Usage errors.
    p = run(["top", "--by", "hour-of-day", logs], expect=2)
    check("add --from-store" in p.stderr, "--by needs --from-store")
    p = run(["top", "--from-store", "--cache-dir", hourly, "--names"], expect=2)
    check("calls no AWS API" in p.stderr, "--from-store refuses --names")
    p = run(["top", "--from-store", "--cache-dir", os.path.join(WORK, "none")], expect=1)
    check("run 'efstop collect' first" in p.stderr, "an absent store says what to do")
    p = run(["collect", "--help"])
    check("usage: efstop collect" in p.stdout, "collect --help")

    if FAILURES:
        print(f"{len(FAILURES)} check(s) failed", file=sys.stderr)
        return 1
    print("all history checks passed")
    return 0


def ip_of(end):
    return end["ip"] if "ip" in end else end["ips"][0]


def check_series():
    """`top --from-store --bucket` (docs/history.md, "Series from the store").

    A stored bucket is never split, so the series of a width equal to or coarser than the
    store's puts each record in the bucket its start lies in. On records that do not cross
    a bucket boundary that is also what `top --bucket` over the files gives (it splits a
    crossing record in proportion to time), so both reports must be identical; and both
    must equal the sums computed here.
    """
    rng = random.Random(15)
    start = T0 - 4 * DAY
    logs = os.path.join(WORK, "series-flows")
    os.makedirs(logs, exist_ok=True)
    records = []
    lines = []
    for h in range(48):
        for i, (client, (server, _, _)) in enumerate(CLIENTS.items()):
            if (h + i) % 3 == 0:
                continue  # gaps, so sparse series show
            t = start + h * HOUR + rng.randrange(0, HOUR - 700)
            e = t + rng.randrange(0, 600)  # inside its hour: no boundary crossed
            wbytes, rbytes = rng.randrange(1, 10 ** 7), rng.randrange(1, 10 ** 8)
            lines.append(f"2 123456789012 eni-{i:017x} {client} {server} {41000 + h} {NFS} 6 "
                         f"10 {wbytes} {t} {e} ACCEPT OK")
            lines.append(f"2 123456789012 eni-{i:017x} {server} {client} {NFS} {41000 + h} 6 "
                         f"12 {rbytes} {t} {e} ACCEPT OK")
            records.append((client, server, wbytes, rbytes, t))
    with open(os.path.join(logs, "two-days.log"), "w") as f:
        f.write("\n".join(lines) + "\n")
    store = os.path.join(WORK, "series")
    run(["collect", "--cache-dir", store, "--start", str(start), "--end", str(start + 2 * DAY),
         "--quiet", logs])
    window = ["--start", str(start), "--end", str(start + 2 * DAY)]

    for width, name in ((HOUR, "1h"), (DAY, "1d")):
        for group in ("pair", "client"):
            args = window + ["--bucket", name, "--group-by", group, "--top", "0"]
            got = json.loads(run(["top", "--from-store", "--cache-dir", store, "--output", "json"]
                                 + args).stdout)
            direct = json.loads(run(["top", "--no-names", "--output", "json"] + args +
                                    [logs]).stdout)
            key = ("bytes_read", "bytes_written", "packets", "flows", "series")
            check([{k: r[k] for k in key} for r in got["rows"]] ==
                  [{k: r[k] for k in key} for r in direct["rows"]],
                  f"--bucket {name} --group-by {group}: store rows equal the direct read")
            # The independent sums, by the bucket each record starts in.
            want = {}
            for client, server, w, r, t in records:
                k = client if group == "client" else (client, server)
                cells = want.setdefault(k, {})
                b = t - t % width
                cr, cw = cells.get(b, (0, 0))
                cells[b] = (cr + r, cw + w)
            for row in got["rows"]:
                ser = row["series"]
                k = ip_of(row["client"]) if group == "client" else \
                    (ip_of(row["client"]), ip_of(row["server"]))
                first = int(datetime.datetime.fromisoformat(
                    ser["start"].replace("Z", "+00:00")).timestamp())
                cells = {first + i * ser["bucket_s"]: (ser["read"][i], ser["written"][i])
                         for i in range(len(ser["read"])) if ser["read"][i] or ser["written"][i]}
                check(ser["bucket_s"] == width and cells == want.get(k),
                      f"--bucket {name}: series of {k} equals the independent sums")
        # The table (sparkline, peak rate) and the CSV long form, likewise.
        args = window + ["--bucket", name, "--top", "0", "--quiet"]
        table = run(["top", "--from-store", "--cache-dir", store] + args).stdout
        check(table == run(["top", "--no-names"] + args + [logs]).stdout,
              f"--bucket {name}: the table equals the direct read's")
        csv_store = run(["top", "--from-store", "--cache-dir", store, "--output", "csv"] +
                        args).stdout.split("\n")
        csv_direct = run(["top", "--no-names", "--output", "csv"] + args + [logs]).stdout \
            .split("\n")
        # first_seen / last_seen differ by design (a stored bucket keeps no record times).
        cut = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12]
        check([[c.split(",")[i] for i in cut] for c in csv_store if c] ==
              [[c.split(",")[i] for i in cut] for c in csv_direct if c] and
              len(csv_store) > 2 * len(CLIENTS),
              f"--bucket {name}: the CSV long form equals the direct read's")
    p = run(["top", "--from-store", "--cache-dir", store, "--bucket", "5m"] + window, expect=2)
    check("cannot be split" in p.stderr, "a series finer than the store's buckets is refused")


def parse_openmetrics(text):
    """A small OpenMetrics text parser: metadata, samples with unescaped labels, # EOF."""
    lines = text.split("\n")
    check(lines[-1] == "" and lines[-2] == "# EOF", "openmetrics ends with # EOF and a newline")
    families, samples = {}, {}
    types, units = {}, {}
    for line in lines[:-2]:
        if line.startswith("# TYPE "):
            _, _, name, kind = line.split(" ", 3)
            types[name] = kind
        elif line.startswith("# UNIT "):
            _, _, name, unit = line.split(" ", 3)
            units[name] = unit
            check(name.endswith("_" + unit), f"{name}: a unit is the name's suffix")
        elif line.startswith("# HELP "):
            pass
        else:
            check(not line.startswith("#"), f"unknown line {line!r}")
            name, labels, i = "", [], 0
            while line[i] not in "{ ":
                name += line[i]
                i += 1
            if line[i] == "{":
                i += 1
                while line[i] != "}":
                    key = ""
                    while line[i] != "=":
                        key += line[i]
                        i += 1
                    check(line[i + 1] == '"', "label value is quoted")
                    i += 2
                    value = ""
                    while line[i] != '"':
                        if line[i] == "\\":
                            value += {"\\": "\\", '"': '"', "n": "\n"}[line[i + 1]]
                            i += 2
                        else:
                            value += line[i]
                            i += 1
                    i += 1
                    labels.append((key, value))
                    if line[i] == ",":
                        i += 1
                i += 1  # the '}'
            check(line[i] == " ", "a space before the value")
            check(name in types, f"{name} has a # TYPE")
            key = (name, tuple(labels))
            check(key not in samples, f"{key} appears once")
            samples[key] = int(line[i + 1:])
    for name, kind in types.items():
        families[name] = (kind, units.get(name))
    return families, samples


if __name__ == "__main__":
    sys.exit(main())
