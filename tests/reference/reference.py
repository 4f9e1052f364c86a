#!/usr/bin/python3
"""Independent reference implementation of efstop's counting contract.

Written from the counting rule in docs/flow-counting.md, NOT from src/flowlog: it is the yardstick the comparison tests hold efstop against, so it
is plain and slow on purpose. Standard library only; run with /usr/bin/python3.

    reference.py [top] [--output json|ndjson] [--top N] [--sort KEY] [--group-by G]
                 [--min-bytes N] [--server-ips LIST|FILE] [--log-format FMT]
                 [--start T] [--end T] [--inventory FILE] [--bucket W] SOURCE...

SOURCE: files (plain or gzip, told apart by the magic bytes), directories (every regular
file below, in sorted path order) or '-' for stdin. Prints efstop's JSON contract.

Decisions where the contract leaves room (each one is what an implementation of the
contract is expected to do; a difference from efstop is reported by the comparison test):
- A header line is recognised only as the first non-blank line of a file. With
  --log-format the header is still skipped (not a line) but the format wins.
- A format must have srcaddr, dstaddr and bytes; without one of them every OK record is
  malformed. Every other field is optional. With --start/--end a format without start is
  refused (exit 2): the window cannot be applied.
- '-' in any field of an OK record means unknown (None here), never malformed:
  an unknown address: the record is counted in stats.unknown_address and nowhere else;
  unknown start with a window: outside_window; unknown ports or protocol never match the
  port-2049 rule (they can match --server-ips); unknown packets/bytes add nothing and are
  counted per row (packets_unknown / bytes_unknown, ACCEPT records) and bytes in
  stats.unknown_bytes; a row's packets is null when any of its records' packets is unknown,
  with packets_known (the sum of the others) and packets_unknown beside it; unknown
  start/end do not move first_seen/last_seen (null when none is known); an unknown or
  absent action is ACCEPT, an unknown or absent log-status OK; an unknown interface-id
  sends that record to the overlap rule, where unknown packets/bytes equal only each other
  and an unknown start/end is -inf/+inf (it overlaps every record of its key).
- A missing column is the same as '-' in it for every record.
- action, when known, must be ACCEPT or REJECT; log-status OK, NODATA or SKIPDATA.
- NODATA and SKIPDATA rows need only the right field count (their other fields are '-').
- Numbers are non-negative decimal integers (ports <= 65535, protocol <= 255, the rest
  64-bit); addresses are IPv4 dotted quads or IPv6 (printed in RFC 5952 form).

With --inventory FILE (an `efstop inventory --output json` dump, format in
src/enrich/inventory.h; read here from its documented members only) the rows get what
docs/names.md and docs/json.md promise about file systems and AZs, and nothing else of the
names: the mount targets' addresses are server addresses (added to --server-ips); an address
is in the AZ of the mount target or ENI holding it (private, public or IPv6 address), else
its AZ is unknown; a pair logged on a mount target's ENI uses that ENI's records; per
client/server pair, cross_az_bytes = bytes_total when both AZs are
known and differ, 0 when both are known and equal, else cross_az_unknown_bytes =
bytes_total. --group-by fs (the default with --inventory) then merges the pairs of one
client address and one file system (a server that is no mount target stays its own
address), summing counters and cross-AZ bytes; the merged server is
{"ips": [ascending]} (or {"ip"} for one) with the file system's "id".

With --bucket 1m|5m|15m|1h|1d (docs/flow-counting.md, "Time buckets"; docs/json.md) each
row gets "series": {"bucket_s", "start", "read", "written"}: a used ACCEPT record with known
bytes spreads them over [start, end) (end cut at --end; an unknown end, or one not after
start, puts them all in start's bucket) by cumulative floor, C(t) = bytes * (t - start) //
(end - start), each UTC-aligned bucket getting C at its clipped end minus C at its clipped
start; a record with an unknown start is outside the window; the arrays are dense from the
window's first bucket (else the first with bytes, over all rows before --top) to its last.

With --sample SPAN/PERIOD (docs/flow-counting.md, "Sampling"; docs/json.md) only the slices
[k*PERIOD, k*PERIOD + SPAN) count: a record whose span (as for buckets: [start, end) cut at
--end, an instant when end is unknown or not after start) meets no slice is outside the
window; a used record's bytes are, per slice, C at the slice's clipped end minus C at its
clipped start (computed here slice by slice, not bucket by bucket as efstop does); packets,
flows and rejected are whole. Rows are grouped and sorted on these sampled bytes; then every
row's and the totals' bytes become round-half-up(sampled * PERIOD / SPAN), the sampled ones
kept in "sampled"; series cells of buckets no slice meets are null.
"""

import gzip
import ipaddress
import json
import math
import os
import sys
from datetime import datetime, timezone

DEFAULT_FIELDS = ("version account-id interface-id srcaddr dstaddr srcport dstport protocol "
                  "packets bytes start end action log-status").split()

# Every flow-log field name AWS documents (versions 2-8 plus the newer ones): a line whose
# first token is one of these is a header line.
KNOWN_FIELDS = set(DEFAULT_FIELDS) | set("""
    vpc-id subnet-id instance-id tcp-flags type pkt-srcaddr pkt-dstaddr region az-id
    sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction
    traffic-path ecs-cluster-arn ecs-cluster-name ecs-container-instance-arn
    ecs-container-instance-id ecs-container-id ecs-second-container-id ecs-service-name
    ecs-task-definition-arn ecs-task-arn ecs-task-id reject-reason resource-id
    encryption-status interface-type next-hop-interface-id next-hop-subnet-id next-hop-az-id
    next-hop-vpc-id next-hop-interface-type instance-tag interface-tag""".split())

NEEDED = ("srcaddr", "dstaddr", "bytes")
U64 = 2**64 - 1
SORT_KEYS = {"total": "bytes_total", "read": "bytes_read", "written": "bytes_written",
             "packets": "packets", "flows": "flows"}


class UsageError(Exception):
    pass


class Malformed(Exception):
    pass


# ---- command line ----------------------------------------------------------------------------

def parse_time(text):
    text = text.strip()
    if text.isdigit():
        return int(text)
    for fmt in ("%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M",
                "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d"):
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=timezone.utc).timestamp())
        except ValueError:
            pass
    raise UsageError(f"bad time {text!r}")


def parse_format(text):
    names = []
    for token in text.split():
        if not (token.startswith("${") and token.endswith("}")):
            raise UsageError(f"--log-format: {token!r} is not a ${{field}}")
        names.append(token[2:-1])
    if not names:
        raise UsageError("--log-format: empty")
    return names


def parse_server_ips(value):
    if os.path.isfile(value) or value.startswith("@"):
        path = value[1:] if value.startswith("@") and not os.path.isfile(value) else value
        with open(path, encoding="utf-8") as f:
            items = [line.split("#")[0].strip() for line in f]
    else:
        items = [item.strip() for item in value.split(",")]
    return {ipaddress.ip_address(item) for item in items if item}


def parse_duration(text):
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    total, number = 0, ""
    for ch in text:
        if ch.isdigit():
            number += ch
        elif ch in units and number:
            total += int(number) * units[ch]
            number = ""
        else:
            raise UsageError(f"bad duration {text}")
    if number or not text:
        raise UsageError(f"bad duration {text}")
    return total


def parse_sample(value):
    span_text, _, period_text = value.partition("/")
    span, period = parse_duration(span_text), parse_duration(period_text)
    if (span <= 0 or span % 60 or period % 60 or span >= period
            or (86400 % period and period % 86400)):
        raise UsageError(f"--sample {value}")
    return span, period


def slices_meeting(lo, hi, sample):
    """The slice starts s with [s, s + span) meeting [lo, hi) (hi > lo)."""
    span, period = sample
    s = lo - lo % period
    if lo >= s + span:
        s += period
    out = []
    while s < hi:
        out.append(s)
        s += period
    return out


def sampled_parts(rec, sample, width, window_end):
    """(bucket start or None, bytes) of the parts of a used record inside slices; None when
    it meets no slice. Width None: one part per slice."""
    span, period = sample
    start, total = rec["start"], rec["bytes"] or 0
    end = rec["end"] if rec["end"] is not None else start
    if window_end is not None:
        end = min(end, window_end)
    if end <= start:
        if start % period >= span:
            return None
        return [(start - start % width if width else None, total)]
    slices = slices_meeting(start, end, sample)
    if not slices:
        return None
    def c(t):
        return total * (t - start) // (end - start)
    out = []
    for s in slices:
        lo, hi = max(s, start), min(s + span, end)
        if not width:
            out.append((None, c(hi) - c(lo)))
            continue
        b = lo - lo % width
        while b < hi:
            out.append((b, c(min(b + width, hi)) - c(max(b, lo))))
            b += width
    return out


def parse_args(argv):
    opts = {"output": "json", "top": 50, "sort": "total", "group_by": "pair", "min_bytes": 0,
            "server_ips": None, "log_format": None, "start": None, "end": None, "sources": [],
            "inventory": None, "bucket": None, "sample": None}
    args = list(argv)
    if args and args[0] == "top":
        args.pop(0)
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and "=" in arg:
            arg, value = arg.split("=", 1)
            args[i:i + 1] = [arg, value]
        if arg in ("--output", "--top", "--sort", "--group-by", "--min-bytes", "--server-ips",
                   "--log-format", "--start", "--end", "--inventory", "--bucket", "--sample"):
            if i + 1 >= len(args):
                raise UsageError(f"{arg} needs a value")
            value = args[i + 1]
            i += 2
            key = arg[2:].replace("-", "_")
            if key in ("top", "min_bytes"):
                opts[key] = int(value)
            elif key == "server_ips":
                opts[key] = parse_server_ips(value)
            elif key == "log_format":
                opts[key] = parse_format(value)
            elif key in ("start", "end"):
                opts[key] = parse_time(value)
            elif key == "bucket":
                widths = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}
                if value not in widths:
                    raise UsageError(f"--bucket {value}")
                opts[key] = widths[value]
            elif key == "sample":
                opts[key] = parse_sample(value)
            elif key == "inventory":
                opts[key] = load_inventory(value)
                opts["group_by_given"] = opts.get("group_by_given", False)
            else:
                opts[key] = value
                if key == "group_by":
                    opts["group_by_given"] = True
        elif arg.startswith("--") and arg != "--":
            raise UsageError(f"unknown option {arg}")
        else:
            opts["sources"].append(arg)
            i += 1
    if opts["output"] not in ("json", "ndjson"):
        raise UsageError("the reference prints --output json or ndjson only")
    if opts["sort"] not in SORT_KEYS:
        raise UsageError(f"--sort {opts['sort']}")
    if opts["inventory"] is not None:
        if not opts.get("group_by_given"):
            opts["group_by"] = "fs"
        mt_ips = set(opts["inventory"]["mount_target_fs"])
        opts["server_ips"] = mt_ips if opts["server_ips"] is None else opts["server_ips"] | mt_ips
    allowed = ("pair", "client", "server") + (("fs",) if opts["inventory"] else ())
    if opts["group_by"] not in allowed:
        raise UsageError(f"--group-by {opts['group_by']}")
    if not opts["sources"]:
        raise UsageError("no SOURCE")
    return opts


def load_inventory(path):
    """The parts of an inventory dump the reference needs: address -> AZ and mount-target
    address -> file system id."""
    with open(path, encoding="utf-8") as f:
        dump = json.load(f)
    if dump.get("efstop_inventory") != 1:
        raise UsageError(f"{path}: not an efstop inventory dump")
    az, fs, enis = {}, {}, set()
    for eni in dump.get("network_interfaces", []):
        for ip in eni.get("private_ips", []) + eni.get("public_ips", []) + eni.get("ipv6_ips", []):
            if eni.get("availability_zone"):
                az[ipaddress.ip_address(ip)] = eni["availability_zone"]
    for mt in dump.get("mount_targets", []):
        if mt.get("eni_id"):
            enis.add(mt["eni_id"])
        for ip in (mt.get("ip"), mt.get("ipv6")):
            if ip:
                a = ipaddress.ip_address(ip)
                fs[a] = mt["file_system_id"]
                if mt.get("availability_zone_name"):
                    az[a] = mt["availability_zone_name"]
    return {"az": az, "mount_target_fs": fs, "mount_target_enis": enis}


def add_cross_az(rows, inventory):
    """Per pair: cross-AZ bytes when both AZs are known, else unknown bytes."""
    for r in rows:
        a, b = inventory["az"].get(r["client"]), inventory["az"].get(r["server"])
        if a and b:
            r["cross_az_bytes"] = r["bytes_total"] if a != b else 0
            r["cross_az_unknown_bytes"] = 0
        else:
            r["cross_az_bytes"] = None
            r["cross_az_unknown_bytes"] = r["bytes_total"]


def group_by_file_system(rows, inventory):
    """One row per (client address, file system); other servers stay their address."""
    out = {}
    for r in rows:
        fs_id = inventory["mount_target_fs"].get(r["server"])
        key = (r["client"], fs_id or r["server"])
        g = out.get(key)
        if g is None:
            g = out[key] = dict(r, server_ips=[], fs_id=fs_id)
            for c in ("bytes_read", "bytes_written", "bytes_total", "packets", "flows",
                      "rejected", "cross_az_unknown_bytes"):
                g[c] = 0
            g["cross_az_bytes"] = None
            g.pop("series", None)  # dict(r) shares r's; the merge below adds every row's
        if "series" in r:
            merge_series(g.setdefault("series", {}), r["series"])
        g["server_ips"].append(r["server"])
        for c in ("bytes_read", "bytes_written", "bytes_total", "packets", "flows", "rejected",
                  "cross_az_unknown_bytes"):
            g[c] += r[c]
        if r["cross_az_bytes"] is not None:
            g["cross_az_bytes"] = (g["cross_az_bytes"] or 0) + r["cross_az_bytes"]
        g["first_seen"] = min(g["first_seen"], r["first_seen"])
        g["last_seen"] = max(g["last_seen"], r["last_seen"])
    for g in out.values():
        g["server_ips"].sort(key=ip_key)
    return list(out.values())


# ---- reading ---------------------------------------------------------------------------------

def expand_sources(sources):
    for source in sources:
        if source == "-":
            yield "-"
        elif os.path.isdir(source):
            found = []
            for root, _, files in os.walk(source):
                found.extend(os.path.join(root, name) for name in files)
            yield from sorted(p for p in found if os.path.isfile(p))
        else:
            yield source


def read_bytes(path):
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        with open(path, "rb") as f:
            data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def number(text, limit=U64):
    if not text.isdigit() or not text.isascii():
        raise Malformed(f"not a number: {text!r}")
    value = int(text)
    if value > limit:
        raise Malformed(f"number out of range: {text!r}")
    return value


def address(text):
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        raise Malformed(f"bad address: {text!r}") from None


def parse_record(tokens, fields):
    """Returns ("nodata"|"skipdata", None) or ("ok", record dict); raises Malformed."""
    if len(tokens) != len(fields):
        raise Malformed(f"{len(tokens)} fields, the format has {len(fields)}")
    value = dict(zip(fields, tokens))
    status = value.get("log-status", "OK")
    if status == "-":
        status = "OK"
    if status == "NODATA":
        return "nodata", None
    if status == "SKIPDATA":
        return "skipdata", None
    if status != "OK":
        raise Malformed(f"bad log-status: {status!r}")
    for name in NEEDED:
        if name not in value:
            raise Malformed(f"the format has no {name}")

    def known(name, parse, *args):
        text = value.get(name, "-")
        return None if text == "-" else parse(text, *args)

    action = value.get("action", "-")
    if action not in ("ACCEPT", "REJECT", "-"):
        raise Malformed(f"bad action: {action!r}")
    return "ok", {
        "eni": known("interface-id", lambda t: t),
        "src": known("srcaddr", address),
        "dst": known("dstaddr", address),
        "sport": known("srcport", number, 65535),
        "dport": known("dstport", number, 65535),
        "protocol": known("protocol", number, 255),
        "packets": known("packets", number),
        "bytes": known("bytes", number),
        "start": known("start", number),
        "end": known("end", number),
        "reject": action == "REJECT",
    }


# ---- the rule --------------------------------------------------------------------------------

def ip_key(ip):
    return (ip.version, int(ip))


def iso(t):
    return None if t is None else datetime.fromtimestamp(t, timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def run(opts):
    stats = {k: 0 for k in ("lines", "records", "used", "skipped", "nodata", "skipdata",
                            "not_efs", "outside_window", "duplicates", "unknown_address",
                            "unknown_bytes", "below_min_bytes", "files", "files_failed")}
    diagnostics = []
    candidates = []  # EFS records that reach the once-per-flow step, in input order
    server_ips = opts["server_ips"]

    for path in expand_sources(opts["sources"]):
        stats["files"] += 1
        try:
            text = read_bytes(path)
        except (OSError, EOFError, gzip.BadGzipFile) as e:
            stats["files_failed"] += 1
            diagnostics.append(f"{path}: {e}")
            continue
        fields = opts["log_format"] or DEFAULT_FIELDS
        first = True
        # A bucket needs a start as a window does.
        windowed = (opts["start"] is not None or opts["end"] is not None
                    or opts["bucket"] is not None or opts["sample"] is not None)
        if windowed and "start" not in fields:
            raise UsageError("the format has no start field: a window cannot be applied")
        for lineno, line in enumerate(text.split("\n"), 1):
            tokens = line.split()
            if not tokens:
                continue
            if first:
                first = False
                if tokens[0] in KNOWN_FIELDS:
                    if not opts["log_format"]:
                        fields = tokens
                        if windowed and "start" not in fields:
                            raise UsageError(f"{path}: the header has no start field: a "
                                             "window cannot be applied")
                    continue
            stats["lines"] += 1
            try:
                kind, rec = parse_record(tokens, fields)
            except Malformed as e:
                stats["skipped"] += 1
                if len(diagnostics) < 10:
                    diagnostics.append(f"{path}:{lineno}: {e}")
                continue
            stats["records"] += 1
            if kind != "ok":
                stats[kind] += 1
                continue
            if windowed and (rec["start"] is None or
                             (opts["start"] is not None and rec["start"] < opts["start"]) or
                             (opts["end"] is not None and rec["start"] >= opts["end"])):
                stats["outside_window"] += 1
                continue
            if opts["sample"] is not None:
                rec["parts"] = sampled_parts(rec, opts["sample"], opts["bucket"], opts["end"])
                if rec["parts"] is None:
                    stats["outside_window"] += 1
                    continue
            src, dst = rec["src"], rec["dst"]
            if src is None or dst is None:
                stats["unknown_address"] += 1
                continue
            if server_ips is not None:
                if src in server_ips and dst in server_ips:
                    server_is_dst = rec["dport"] == 2049 or rec["sport"] != 2049
                elif dst in server_ips or src in server_ips:
                    server_is_dst = dst in server_ips
                else:
                    stats["not_efs"] += 1
                    continue
            elif rec["protocol"] == 6 and (rec["dport"] == 2049 or rec["sport"] == 2049):
                server_is_dst = rec["dport"] == 2049
            else:
                stats["not_efs"] += 1
                continue
            rec["server"], rec["client"] = (dst, src) if server_is_dst else (src, dst)
            rec["written"] = server_is_dst  # client -> server bytes are writes
            rec["order"] = len(candidates)
            rec["with_eni"] = rec["eni"] is not None
            candidates.append(rec)

    used = choose_once_per_flow(candidates, opts["inventory"]["mount_target_enis"]
                                if opts["inventory"] else set())
    stats["used"] = len(used)
    stats["duplicates"] = len(candidates) - len(used)

    pairs = {}
    for rec in used:
        key = (rec["client"], rec["server"])
        row = pairs.setdefault(key, {"client": rec["client"], "server": rec["server"],
                                     "bytes_read": 0, "bytes_written": 0, "packets": 0,
                                     "flows": 0, "rejected": 0, "first_seen": None,
                                     "last_seen": None, "packets_unknown": 0,
                                     "bytes_unknown": 0})
        row["first_seen"] = min_known(row["first_seen"], rec["start"], min)
        row["last_seen"] = min_known(row["last_seen"], rec["end"], max)
        if rec["reject"]:
            row["rejected"] += 1
            continue
        row["flows"] += 1
        if rec["packets"] is None:
            row["packets_unknown"] += 1
        else:
            row["packets"] += rec["packets"]
        if rec["bytes"] is None:
            row["bytes_unknown"] += 1
            stats["unknown_bytes"] += 1
        elif opts["sample"] is not None:
            # Only the parts inside slices count.
            row["bytes_written" if rec["written"] else "bytes_read"] += sum(
                part for _, part in rec["parts"])
            if opts["bucket"] is not None:
                series = row.setdefault("series", {})
                for b, part in rec["parts"]:
                    cell = series.setdefault(b, [0, 0])
                    cell[1 if rec["written"] else 0] += part
        elif rec["written"]:
            row["bytes_written"] += rec["bytes"]
        else:
            row["bytes_read"] += rec["bytes"]
        if (opts["bucket"] is not None and rec["bytes"] is not None
                and opts["sample"] is None):
            series = row.setdefault("series", {})
            for b, part in split(rec, opts["bucket"], opts["end"]):
                cell = series.setdefault(b, [0, 0])
                cell[1 if rec["written"] else 0] += part

    rows = []
    for row in pairs.values():
        row["bytes_total"] = row["bytes_read"] + row["bytes_written"]
        if row["bytes_total"] < opts["min_bytes"]:
            stats["below_min_bytes"] += 1
        else:
            rows.append(row)

    if opts["inventory"] is not None:
        add_cross_az(rows, opts["inventory"])
    if opts["group_by"] == "fs":
        rows = group_by_file_system(rows, opts["inventory"])
    else:
        rows = group(rows, opts["group_by"])
    # The time the counted records cover: all rows, before --top; a row whose
    # records all had an unknown start (end) has none to give.
    first_seen = min((r["first_seen"] for r in rows if r["first_seen"] is not None), default=None)
    last_seen = max((r["last_seen"] for r in rows if r["last_seen"] is not None), default=None)
    if opts["bucket"] is not None:
        dense_series(rows, opts)
    sort_key = SORT_KEYS[opts["sort"]]
    rows.sort(key=lambda r: (-r[sort_key],
                             ip_key(r["client"]) if "client" in r else (0, 0),
                             [ip_key(ip) for ip in r["server_ips"]] if "server_ips" in r
                             else [ip_key(r["server"])] if "server" in r else []))
    sample_info = None
    if opts["sample"] is not None:
        span, period = opts["sample"]
        def scale(v):
            return (v * period + span // 2) // span
        sampled_read = sum(r["bytes_read"] for r in rows)
        sampled_written = sum(r["bytes_written"] for r in rows)
        lo = opts["start"] if opts["start"] is not None else first_seen
        hi = opts["end"] if opts["end"] is not None else last_seen
        slices = len(slices_meeting(lo, hi, opts["sample"])) if (
            lo is not None and hi is not None and hi > lo) else 0
        sample_info = {"span_s": span, "period_s": period, "slices": slices,
                       "factor": period / span, "sampled_bytes_read": sampled_read,
                       "sampled_bytes_written": sampled_written,
                       "sampled_bytes_total": sampled_read + sampled_written,
                       "bytes_read": scale(sampled_read), "bytes_written": scale(sampled_written),
                       "bytes_total": scale(sampled_read) + scale(sampled_written)}
        for r in rows:
            r["sampled"] = {"bytes_read": r["bytes_read"], "bytes_written": r["bytes_written"],
                            "bytes_total": r["bytes_read"] + r["bytes_written"]}
            r["bytes_read"], r["bytes_written"] = scale(r["bytes_read"]), scale(r["bytes_written"])
            r["bytes_total"] = r["bytes_read"] + r["bytes_written"]
            if r.get("cross_az_bytes") is not None:
                r["cross_az_bytes"] = scale(r["cross_az_bytes"])
            if r.get("cross_az_unknown_bytes"):
                r["cross_az_unknown_bytes"] = scale(r["cross_az_unknown_bytes"])
            if "series" in r:
                span_, period_ = opts["sample"]
                width = r["series"]["bucket_s"]
                first = r["series"]["start"]
                if first is not None:
                    b0 = int(datetime.strptime(first, "%Y-%m-%dT%H:%M:%SZ").replace(
                        tzinfo=timezone.utc).timestamp())
                    for i in range(len(r["series"]["read"])):
                        b = b0 + i * width
                        if not slices_meeting(b, b + width, opts["sample"]):
                            r["series"]["read"][i] = None
                            r["series"]["written"][i] = None
    if opts["top"] > 0:
        rows = rows[:opts["top"]]

    for d in diagnostics:
        print(f"reference: {d}", file=sys.stderr)
    result = {"window": {"start": iso(opts["start"]), "end": iso(opts["end"]),
                         "first_seen": iso(first_seen), "last_seen": iso(last_seen)},
              "rows": [render(r) for r in rows], "stats": stats}
    if sample_info is not None:
        result["estimated"] = True
        result["sample"] = sample_info
    return result


def split(rec, width, window_end):
    """(bucket start, bytes) of one record, by the cumulative-floor rule."""
    start, total = rec["start"], rec["bytes"]
    end = rec["end"] if rec["end"] is not None else start
    if window_end is not None:
        end = min(end, window_end)
    first = start - start % width  # Python's % floors: UTC-aligned also before 1970
    if end <= start:
        return [(first, total)]
    out = []
    b = first
    while b < end:
        lo, hi = max(b, start), min(b + width, end)
        out.append((b, total * (hi - start) // (end - start) - total * (lo - start) // (end - start)))
        b += width
    return out


def merge_series(into, other):
    for b, (read, written) in (other or {}).items():
        cell = into.setdefault(b, [0, 0])
        cell[0] += read
        cell[1] += written


def dense_series(rows, opts):
    """Replaces each row's bucket dict by the dense "series" object of docs/json.md."""
    width = opts["bucket"]
    seen = [b for r in rows for b, cell in r.get("series", {}).items() if cell != [0, 0]]
    first = opts["start"] - opts["start"] % width if opts["start"] is not None else None
    last = (opts["end"] - 1) - (opts["end"] - 1) % width if opts["end"] is not None else None
    if seen:
        first = min(seen) if first is None else min(first, min(seen))
        last = max(seen) if last is None else max(last, max(seen))
    buckets = [] if first is None or last is None else list(range(first, last + 1, width))
    for r in rows:
        cells = r.get("series", {})
        r["series"] = {"bucket_s": width, "start": iso(first) if buckets else None,
                       "read": [cells.get(b, [0, 0])[0] for b in buckets],
                       "written": [cells.get(b, [0, 0])[1] for b in buckets]}


def min_known(a, b, pick):
    """pick(a, b) over the known ones (None: unknown); None when neither is known."""
    known = [v for v in (a, b) if v is not None]
    return pick(known) if known else None


def choose_once_per_flow(records, server_enis):
    """Applies step 5 of the contract; returns the used records. server_enis: the
    mount-target ENIs known from an inventory (they win whatever was learned)."""
    with_eni = [r for r in records if r["with_eni"]]
    without_eni = [r for r in records if not r["with_eni"]]
    used = []

    # With interface-id: own(e, family) = addresses present in every record of
    # ENI e whose addresses are of that family (a dual-stack ENI has one own
    # address per family).
    own = {}
    for r in with_eni:
        addrs = {r["src"], r["dst"]}
        k = (r["eni"], r["src"].version)
        own[k] = addrs if k not in own else own[k] & addrs
    enis_of_pair = {}
    for r in with_eni:
        enis_of_pair.setdefault((r["client"], r["server"]), set()).add(r["eni"])
    chosen = {}
    for (client, server), enis in enis_of_pair.items():
        ordered = sorted(enis)
        pick = ordered[0]
        if len(ordered) > 1:
            fam = server.version
            by_server = [e for e in ordered if own[(e, fam)] == {server}]
            by_client = [e for e in ordered if own[(e, fam)] == {client}]
            pick = by_server[0] if by_server else (by_client[0] if by_client else ordered[0])
            known = [e for e in ordered if e in server_enis]
            if known:
                pick = known[0]
        chosen[(client, server)] = pick
    for r in with_eni:
        if r["eni"] == chosen[(r["client"], r["server"])]:
            used.append(r)

    # Without interface-id: the overlap rule, per identical 7-tuple.
    groups = {}
    for r in without_eni:
        key = (r["src"], r["dst"], r["sport"], r["dport"], r["protocol"], r["packets"],
               r["bytes"])
        groups.setdefault(key, []).append(r)
    for members in groups.values():
        def span(r):
            return (-math.inf if r["start"] is None else r["start"],
                    math.inf if r["end"] is None else r["end"])
        members.sort(key=lambda r: span(r) + (r["order"],))
        kept = []
        for r in members:
            s, e = span(r)
            if any(s <= span(k)[1] and span(k)[0] <= e for k in kept):
                continue
            kept.append(r)
        used.extend(kept)
    return used


def group(rows, by):
    if by == "pair":
        return rows
    out = {}
    for r in rows:
        key = r[by]
        g = out.get(key)
        if g is None:
            g = out[key] = {by: key, "bytes_read": 0, "bytes_written": 0, "packets": 0,
                            "flows": 0, "rejected": 0, "first_seen": None,
                            "last_seen": None, "bytes_total": 0, "packets_unknown": 0,
                            "bytes_unknown": 0}
        for c in ("bytes_read", "bytes_written", "bytes_total", "packets", "flows",
                  "rejected", "packets_unknown", "bytes_unknown"):
            g[c] += r[c]
        if "series" in r:
            merge_series(g.setdefault("series", {}), r["series"])
        g["first_seen"] = min_known(g["first_seen"], r["first_seen"], min)
        g["last_seen"] = min_known(g["last_seen"], r["last_seen"], max)
    return list(out.values())


def render(r):
    out = {}
    if "client" in r:
        out["client"] = {"ip": str(r["client"])}
    if "server_ips" in r:
        ips = [str(ip) for ip in r["server_ips"]]
        out["server"] = {"ip": ips[0]} if len(ips) == 1 else {"ips": ips}
        if r["fs_id"]:
            out["server"]["id"] = r["fs_id"]
    elif "server" in r:
        out["server"] = {"ip": str(r["server"])}
    for c in ("bytes_read", "bytes_written", "bytes_total", "packets", "flows", "rejected"):
        out[c] = r[c]
    if r["packets_unknown"]:
        out["packets"] = None
        out["packets_known"] = r["packets"]
        out["packets_unknown"] = r["packets_unknown"]
    if r["bytes_unknown"]:
        out["bytes_unknown"] = r["bytes_unknown"]
    out["first_seen"] = iso(r["first_seen"])
    out["last_seen"] = iso(r["last_seen"])
    if r.get("cross_az_bytes") is not None:
        out["cross_az_bytes"] = r["cross_az_bytes"]
    if r.get("cross_az_unknown_bytes"):
        out["cross_az_unknown_bytes"] = r["cross_az_unknown_bytes"]
    if "sampled" in r:
        out["estimated"] = True
        out["sampled"] = r["sampled"]
    if "series" in r:
        out["series"] = r["series"]
    return out


def main(argv):
    try:
        opts = parse_args(argv)
    except (UsageError, ValueError, OSError) as e:
        print(f"reference: {e}", file=sys.stderr)
        return 2
    try:
        result = run(opts)
    except UsageError as e:
        print(f"reference: {e}", file=sys.stderr)
        return 2
    if opts["output"] == "json":
        json.dump(result, sys.stdout, indent=1)
        sys.stdout.write("\n")
    else:
        for row in result["rows"]:
            sys.stdout.write(json.dumps(row) + "\n")
        sys.stdout.write(json.dumps({"stats": result["stats"]}) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
