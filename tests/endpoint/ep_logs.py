"""CloudWatch Logs (JSON 1.1): DescribeLogGroups, FilterLogEvents and
GetLogEvents over the scenario's log groups.

FilterLogEvents pages hold at most the scenario's page size; the page after
the first one is EMPTY but carries a nextToken whenever more events remain
(AWS does this, and a client that stops at an empty page loses data).
GetLogEvents follows AWS's f/ and b/ tokens: the end is reached when the
token returned equals the token sent.

filterPattern subset (documented in README.md): terms, "quoted phrases",
-excluded terms, ?any-of terms, and space-delimited patterns
[a, b, c=value, d!=v, e>=n, ...] with * wildcards in values and a trailing
'...' matching the rest of the line.
"""

import fnmatch
import re
import shlex

import ep_paging
from ep_protocols import AwsError

_TOKEN_RE = re.compile(r"^([fb])/(\d{56})$")


def _invalid(message):
    return AwsError("InvalidParameterException", message, 400)


def _group(state, params):
    if "logGroupName" in params and "logGroupIdentifier" in params:
        raise _invalid("logGroupName and logGroupIdentifier are mutually exclusive")
    name = params.get("logGroupName") or params.get("logGroupIdentifier", "")
    if name.startswith("arn:"):
        name = name.split(":log-group:", 1)[-1].rstrip("*").rstrip(":")
    group = state.scenario().get("log_groups", {}).get(name)
    if group is None:
        raise AwsError("ResourceNotFoundException", "The specified log group does not exist.", 400)
    return name, group


def _events(group, stream):
    """Events of one stream as dicts, in timestamp order."""
    out = []
    for i, ev in enumerate(group.get("streams", {}).get(stream, [])):
        if isinstance(ev, list):
            ts, msg = ev[0], ev[1]
            ingest = ev[2] if len(ev) > 2 else ts + 60000
        else:
            ts, msg, ingest = ev["timestamp"], ev["message"], ev.get("ingestionTime", ev["timestamp"] + 60000)
        out.append({"timestamp": ts, "message": msg, "ingestionTime": ingest, "_index": i})
    out.sort(key=lambda e: (e["timestamp"], e["_index"]))
    return out


def describe_log_groups(state, identity, params):
    if "logGroupNamePrefix" in params and "logGroupNamePattern" in params:
        raise _invalid("logGroupNamePrefix and logGroupNamePattern are mutually exclusive")
    sc = state.scenario()
    groups = []
    for name, g in sorted(sc.get("log_groups", {}).items()):
        if not name.startswith(params.get("logGroupNamePrefix", "")):
            continue
        if params.get("logGroupNamePattern", "") not in name:
            continue
        item = {
            "logGroupName": name,
            "creationTime": g.get("creationTime", 1700000000000),
            "metricFilterCount": 0,
            "arn": f"arn:aws:logs:{sc['region']}:{sc['account']}:log-group:{name}:*",
            "storedBytes": sum(len(ev[1] if isinstance(ev, list) else ev["message"])
                               for evs in g.get("streams", {}).values() for ev in evs),
        }
        if "retentionInDays" in g:
            item["retentionInDays"] = g["retentionInDays"]
        groups.append(item)
    size = min(state.page_size(), params.get("limit", 50))
    bad = _invalid("The specified nextToken is invalid.")
    page, token = ep_paging.page(groups, params, "nextToken", {"nextToken", "limit"}, size, bad)
    return {"logGroups": page, "nextToken": token}


# ---------------------------------------------------------------- patterns

_OPS = ("!=", ">=", "<=", "=", ">", "<")


def _compile_pattern(pattern):
    """A predicate message -> bool for the supported filterPattern subset."""
    pattern = (pattern or "").strip()
    if not pattern:
        return lambda msg: True
    if pattern.startswith("[") and pattern.endswith("]"):
        return _compile_space_delimited(pattern[1:-1])
    try:
        terms = shlex.split(pattern)
    except ValueError as e:
        raise _invalid(f"Invalid filter pattern '{pattern}': {e}")
    required = [t for t in terms if not t.startswith(("-", "?"))]
    excluded = [t[1:] for t in terms if t.startswith("-") and len(t) > 1]
    any_of = [t[1:] for t in terms if t.startswith("?") and len(t) > 1]

    def match(msg):
        if any_of and not any(t in msg for t in any_of):
            return False
        return all(t in msg for t in required) and not any(t in msg for t in excluded)
    return match


def _compile_space_delimited(body):
    fields = [f.strip() for f in body.split(",")]
    rest = bool(fields) and fields[-1] == "..."
    if rest:
        fields = fields[:-1]
    conds = []
    for i, f in enumerate(fields):
        if not f:
            raise _invalid(f"Invalid filter pattern: empty field {i + 1}")
        for op in _OPS:
            if op in f:
                name, value = f.split(op, 1)
                value = value.strip().strip('"')
                if op in (">=", "<=", ">", "<"):
                    try:
                        float(value)
                    except ValueError:
                        raise _invalid(f"Invalid filter pattern: '{f}' compares with a non-number")
                conds.append((i, op, value))
                break
        else:
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_\-]*|\*", f):
                raise _invalid(f"Invalid filter pattern: bad field '{f}'")

    def match(msg):
        parts = msg.split()
        if len(parts) < len(fields) or (not rest and len(parts) != len(fields)):
            return False
        for i, op, value in conds:
            got = parts[i]
            if op == "=":
                if not fnmatch.fnmatchcase(got, value):
                    return False
            elif op == "!=":
                if fnmatch.fnmatchcase(got, value):
                    return False
            else:
                try:
                    g, v = float(got), float(value)
                except ValueError:
                    return False
                if not {">": g > v, "<": g < v, ">=": g >= v, "<=": g <= v}[op]:
                    return False
        return True
    return match


# ---------------------------------------------------------------- events


def _event_id(stream_no, ev):
    return f"{ev['timestamp']:020d}{stream_no:06d}{ev['_index']:030d}"


def filter_log_events(state, identity, params):
    name, group = _group(state, params)
    streams = sorted(group.get("streams", {}))
    if "logStreamNames" in params and "logStreamNamePrefix" in params:
        raise _invalid("logStreamNames and logStreamNamePrefix are mutually exclusive")
    if state.scenario().get("quirks", {}).get("logs_ignore_stream_filter"):
        pass  # a server that answers from every stream, whatever was asked
    elif "logStreamNames" in params:
        wanted = params["logStreamNames"]
        unknown = [s for s in wanted if s not in streams]
        if unknown:
            raise AwsError("ResourceNotFoundException", f"The specified log stream does not exist: {unknown[0]}",
                           400)
        streams = [s for s in streams if s in wanted]
    elif "logStreamNamePrefix" in params:
        streams = [s for s in streams if s.startswith(params["logStreamNamePrefix"])]
    start = params.get("startTime")
    end = params.get("endTime")
    if start is not None and end is not None and start > end:
        raise _invalid("startTime must be less than or equal to endTime")
    match = _compile_pattern(params.get("filterPattern"))
    events = []
    all_streams = sorted(group.get("streams", {}))
    for s in streams:
        stream_no = all_streams.index(s)
        for ev in _events(group, s):
            if start is not None and ev["timestamp"] < start:
                continue
            if end is not None and ev["timestamp"] > end:
                continue
            if not match(ev["message"]):
                continue
            events.append({"logStreamName": s, "timestamp": ev["timestamp"], "message": ev["message"],
                           "ingestionTime": ev["ingestionTime"], "eventId": _event_id(stream_no, ev)})
    events.sort(key=lambda e: (e["timestamp"], e["eventId"]))
    size = min(state.page_size(), params.get("limit", 10000))
    ignore = {"nextToken", "limit"}
    bad = _invalid("The specified nextToken is invalid.")
    offset = 0
    token = params.get("nextToken")
    if token:
        doc = ep_paging.decode(token, params, ignore, bad)
        offset = doc["o"]
        if doc.get("empty"):
            # The promised empty page: nothing now, more later.
            nxt = token if ep_paging.repeating() else ep_paging.encode(offset, params, ignore,
                                                                       {"after_empty": 1})
            return {"events": [], "searchedLogStreams": [], "nextToken": nxt}
    page = events[offset:offset + size]
    nxt = None
    if offset + size < len(events):
        extra = {"empty": 1} if offset == 0 else None
        nxt = ep_paging.encode(offset + size, params, ignore, extra)
    if token and ep_paging.repeating():
        nxt = token
    return {"events": page, "searchedLogStreams": [], "nextToken": nxt}


def _token(kind, index):
    return f"{kind}/{index:056d}"


def get_log_events(state, identity, params):
    name, group = _group(state, params)
    stream = params["logStreamName"]
    if stream not in group.get("streams", {}):
        raise AwsError("ResourceNotFoundException", "The specified log stream does not exist.", 400)
    start = params.get("startTime")
    end = params.get("endTime")
    events = [e for e in _events(group, stream)
              if (start is None or e["timestamp"] >= start) and (end is None or e["timestamp"] < end)]
    size = min(state.page_size(), params.get("limit", 10000))
    head = params.get("startFromHead", False)
    token = params.get("nextToken")
    if token:
        m = _TOKEN_RE.match(token)
        if not m or int(m.group(2)) > len(events):
            raise _invalid("The specified nextToken is invalid.")
        kind, index = m.group(1), int(m.group(2))
        if kind == "f" and not head:
            raise _invalid("startFromHead must be true when nextToken is a nextForwardToken")
        if kind == "f":
            lo, hi = index, min(index + size, len(events))
        else:
            lo, hi = max(0, index - size), index
    elif head:
        lo, hi = 0, min(size, len(events))
    else:
        lo, hi = max(0, len(events) - size), len(events)
    page = [{"timestamp": e["timestamp"], "message": e["message"], "ingestionTime": e["ingestionTime"]}
            for e in events[lo:hi]]
    return {"events": page, "nextForwardToken": _token("f", hi), "nextBackwardToken": _token("b", lo)}


OPERATIONS = {
    "DescribeLogGroups": describe_log_groups,
    "FilterLogEvents": filter_log_events,
    "GetLogEvents": get_log_events,
}
