"""CloudWatch Logs Insights for the test endpoint: StartQuery, GetQueryResults
and StopQuery, evaluating the subset of the query language efstop emits over
the scenario's log events, so the pushdown is tested end to end.

Supported commands (one per `|` segment):
  parse @message /regex with (?<name>...) groups/
  parse @message "glob * with * stars" as a, b
  filter <boolean expression>
  fields <expr> as name, ...
  stats <agg>(<expr>|*) as name, ... [by field, ...]   (sum count min max avg)
  limit N
Expressions: or, and, not, parentheses, = != < <= > >=, `in [..]`, + - * /,
numbers, "strings", field names, and the functions abs, least, greatest,
floor, ceil. Values are strings as Insights parses them; arithmetic and
comparisons convert numeric-looking strings to numbers; anything involving a
missing or non-numeric value is null (false in a filter, omitted from a
group or a sum).

Behaviour per log group, from the scenario's log group object:
  "insights": {"running_polls": N,     GetQueryResults says Running N times first
               "status": "Failed",     the final status (Complete by default)
               "max_concurrent": N}    StartQuery fails with LimitExceededException while
                                       N queries are still running (the account's
                                       concurrent-query limit)
StartQuery honours startTime/endTime (epoch seconds, both inclusive) on the
event timestamps, the limit parameter and the query's `limit`, and a
malformed query fails with MalformedQueryException. Statistics:
recordsScanned = events in the time range, recordsMatched = events that
passed every filter, bytesScanned = the UTF-8 size of the scanned messages.
"""

import math
import re
import threading
import time
import uuid

from ep_protocols import AwsError

_LOCK = threading.Lock()
_QUERIES = {}


def reset():
    with _LOCK:
        _QUERIES.clear()


class QueryError(Exception):
    pass


# ---------------------------------------------------------------- lexer

_TOKEN_RE = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
  | (?P<op><=|>=|!=|=|<|>|\(|\)|\[|\]|,|\+|-|\*|/)
  | (?P<name>@?[A-Za-z_][A-Za-z0-9_.]*)
""", re.X)


def _tokens(text):
    out, pos = [], 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise QueryError(f"unexpected character {text[pos]!r} at {pos}")
        pos = m.end()
        kind = m.lastgroup
        if kind == "ws":
            continue
        value = m.group(kind)
        if kind == "str":
            value = value[1:-1].replace('\\"', '"').replace("\\'", "'")
        elif kind == "num":
            value = float(value) if "." in value else int(value)
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, text):
        self.toks = _tokens(text)
        self.i = 0

    def peek(self, value=None):
        if self.i >= len(self.toks):
            return None
        t = self.toks[self.i]
        if value is not None:
            return t if (t[0] in ("op", "name") and str(t[1]).lower() == value) else None
        return t

    def take(self, value=None):
        t = self.peek(value) if value is not None else self.peek()
        if t is None:
            raise QueryError(f"expected {value or 'more input'}")
        self.i += 1
        return t

    def done(self):
        return self.i >= len(self.toks)

    # or_expr := and_expr ('or' and_expr)*
    def expr(self):
        node = self.and_expr()
        while self.peek("or"):
            self.take()
            node = ("or", node, self.and_expr())
        return node

    def and_expr(self):
        node = self.not_expr()
        while self.peek("and"):
            self.take()
            node = ("and", node, self.not_expr())
        return node

    def not_expr(self):
        if self.peek("not"):
            self.take()
            return ("not", self.not_expr())
        return self.cmp()

    def cmp(self):
        left = self.add()
        t = self.peek()
        if t and t[0] == "op" and t[1] in ("=", "!=", "<", "<=", ">", ">="):
            self.take()
            return ("cmp", t[1], left, self.add())
        if t and t[0] == "name" and t[1].lower() == "in":
            self.take()
            self.take("[")
            items = []
            while not self.peek("]"):
                items.append(self.add())
                if self.peek(","):
                    self.take()
            self.take("]")
            return ("in", left, items)
        return left

    def add(self):
        node = self.mul()
        while self.peek("+") or self.peek("-"):
            op = self.take()[1]
            node = ("arith", op, node, self.mul())
        return node

    def mul(self):
        node = self.unary()
        while self.peek("*") or self.peek("/"):
            op = self.take()[1]
            node = ("arith", op, node, self.unary())
        return node

    def unary(self):
        if self.peek("-"):
            self.take()
            return ("arith", "-", ("lit", 0), self.unary())
        return self.atom()

    def atom(self):
        t = self.take()
        kind, value = t
        if kind == "op" and value == "(":
            node = self.expr()
            self.take(")")
            return node
        if kind in ("num", "str"):
            return ("lit", value)
        if kind == "name":
            if self.peek("("):
                self.take()
                args = []
                while not self.peek(")"):
                    if self.peek("*"):
                        self.take()
                        args.append(("star",))
                    else:
                        args.append(self.expr())
                    if self.peek(","):
                        self.take()
                self.take(")")
                return ("call", value.lower(), args)
            return ("field", value)
        raise QueryError(f"unexpected {value!r}")


def _num(v):
    if v is None:
        return None
    if isinstance(v, (int, float)):
        return v
    try:
        return int(v)
    except (TypeError, ValueError):
        try:
            f = float(v)
            return f if math.isfinite(f) else None
        except (TypeError, ValueError):
            return None


_FUNCS = {
    "abs": lambda a: abs(a[0]),
    "least": lambda a: min(a),
    "greatest": lambda a: max(a),
    "floor": lambda a: math.floor(a[0]),
    "ceil": lambda a: math.ceil(a[0]),
}


def _eval(node, rec):
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "field":
        return rec.get(node[1])
    if kind == "arith":
        a, b = _num(_eval(node[2], rec)), _num(_eval(node[3], rec))
        if a is None or b is None:
            return None
        op = node[1]
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return a / b if b else None
    if kind == "call":
        if node[1] not in _FUNCS:
            raise QueryError(f"unknown function {node[1]}")
        args = [_num(_eval(a, rec)) for a in node[2]]
        if any(a is None for a in args) or not args:
            return None
        return _FUNCS[node[1]](args)
    if kind == "cmp":
        return _compare(node[1], _eval(node[2], rec), _eval(node[3], rec))
    if kind == "in":
        v = _eval(node[1], rec)
        return any(_compare("=", v, _eval(i, rec)) for i in node[2])
    if kind == "and":
        return bool(_eval(node[1], rec)) and bool(_eval(node[2], rec))
    if kind == "or":
        return bool(_eval(node[1], rec)) or bool(_eval(node[2], rec))
    if kind == "not":
        return not _eval(node[1], rec)
    raise QueryError(f"cannot evaluate {kind}")


def _compare(op, a, b):
    if a is None or b is None:
        return False
    na, nb = _num(a), _num(b)
    if na is not None and nb is not None:
        a, b = na, nb
    else:
        a, b = str(a), str(b)
    return {"=": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


# ---------------------------------------------------------------- commands


def _split_commands(text):
    """Splits on | outside strings and /regex/ literals. A / starts a regex only in a parse
    command (the only place efstop writes one); elsewhere it divides, as in
    `fields floor(f_start / 300) * 300 as bucket0`."""
    parts, cur, quote, i = [], "", None, 0
    while i < len(text):
        c = text[i]
        if quote:
            cur += c
            if c == "\\" and i + 1 < len(text):
                cur += text[i + 1]
                i += 1
            elif c == quote:
                quote = None
        elif c in "\"'" or (c == "/" and cur.strip().lower().startswith("parse")):
            quote = c
            cur += c
        elif c == "|":
            parts.append(cur.strip())
            cur = ""
        else:
            cur += c
        i += 1
    if quote:
        raise QueryError("unterminated string or regex")
    parts.append(cur.strip())
    return [p for p in parts if p]


def _compile(text):
    cmds = []
    for seg in _split_commands(text):
        word, _, rest = seg.partition(" ")
        word = word.lower()
        rest = rest.strip()
        if word == "parse":
            m = re.match(r"^@message\s+/(.*)/\s*$", rest, re.S)
            if m:
                pattern = re.sub(r"\(\?<([A-Za-z_][A-Za-z0-9_]*)>", r"(?P<\1>", m.group(1))
                try:
                    cmds.append(("parse_re", re.compile(pattern)))
                except re.error as e:
                    raise QueryError(f"bad regex: {e}")
                continue
            m = re.match(r'^@message\s+"((?:[^"\\]|\\.)*)"\s+as\s+(.+)$', rest, re.S)
            if not m:
                raise QueryError(f"unsupported parse: {rest}")
            names = [n.strip() for n in m.group(2).split(",")]
            glob = re.escape(m.group(1)).replace(r"\*", "(.*?)")
            cmds.append(("parse_glob", re.compile("^" + glob + "$", re.S), names))
        elif word == "filter":
            p = _Parser(rest)
            node = p.expr()
            if not p.done():
                raise QueryError(f"trailing input in filter: {rest}")
            cmds.append(("filter", node))
        elif word == "fields":
            p = _Parser(rest)
            items = []
            while True:
                e = p.expr()
                name = None
                if p.peek("as"):
                    p.take()
                    name = p.take()[1]
                elif e[0] == "field":
                    name = e[1]
                else:
                    raise QueryError("a computed field needs 'as name'")
                items.append((name, e))
                if not p.peek(","):
                    break
                p.take()
            if not p.done():
                raise QueryError(f"trailing input in fields: {rest}")
            cmds.append(("fields", items))
        elif word == "stats":
            p = _Parser(rest)
            aggs, by = [], []
            while True:
                e = p.expr()
                if e[0] != "call" or e[1] not in ("sum", "count", "min", "max", "avg"):
                    raise QueryError("stats needs sum/count/min/max/avg(...)")
                name = None
                if p.peek("as"):
                    p.take()
                    name = p.take()[1]
                aggs.append((name or f"{e[1]}(...)", e[1], e[2][0] if e[2] else ("star",)))
                if not p.peek(","):
                    break
                p.take()
            if p.peek("by"):
                p.take()
                while True:
                    by.append(p.take()[1])
                    if not p.peek(","):
                        break
                    p.take()
            if not p.done():
                raise QueryError(f"trailing input in stats: {rest}")
            cmds.append(("stats", aggs, by))
        elif word == "limit":
            try:
                cmds.append(("limit", int(rest)))
            except ValueError:
                raise QueryError(f"bad limit {rest!r}")
        else:
            raise QueryError(f"unsupported command {word!r}")
    return cmds


def _fmt(v):
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v)


def evaluate(query_text, events, limit):
    """Runs a query over [(timestamp_ms, message, stream)]. Returns
    (rows, records_matched)."""
    cmds = _compile(query_text)
    recs = []
    for ts, msg, stream in events:
        rec = {"@timestamp": ts, "@message": msg, "@logStream": stream}
        keep = True
        for c in cmds:
            if c[0] == "parse_re":
                m = c[1].search(msg)
                if m:
                    rec.update({k: v for k, v in m.groupdict().items() if v is not None})
            elif c[0] == "parse_glob":
                m = c[1].match(msg)
                if m:
                    rec.update(dict(zip(c[2], m.groups())))
            elif c[0] == "filter":
                if not _eval(c[1], rec):
                    keep = False
                    break
            elif c[0] == "fields":
                for name, e in c[1]:
                    v = _eval(e, rec)
                    if v is None:
                        rec.pop(name, None)
                    else:
                        rec[name] = v
            elif c[0] in ("stats", "limit"):
                break
        if keep:
            recs.append(rec)
    matched = len(recs)
    stats = [c for c in cmds if c[0] == "stats"]
    limits = [c[1] for c in cmds if c[0] == "limit"]
    if limits:
        limit = min(limit, limits[-1])
    if stats:
        _, aggs, by = stats[0]
        groups = {}
        for rec in recs:
            key = tuple(None if rec.get(b) is None else _fmt(rec.get(b)) for b in by)
            acc = groups.setdefault(key, [None] * len(aggs) + [0])
            for i, (_, fn, arg) in enumerate(aggs):
                if fn == "count":
                    if arg[0] == "star" or _eval(arg, rec) is not None:
                        acc[i] = (acc[i] or 0) + 1
                    continue
                v = _num(_eval(arg, rec))
                if v is None:
                    continue
                if fn in ("sum", "avg"):
                    acc[i] = (acc[i] or 0) + v
                elif fn == "min":
                    acc[i] = v if acc[i] is None else min(acc[i], v)
                elif fn == "max":
                    acc[i] = v if acc[i] is None else max(acc[i], v)
            acc[-1] += 1
        rows = []
        for key in sorted(groups, key=lambda k: tuple("" if x is None else x for x in k)):
            acc = groups[key]
            row = [{"field": b, "value": k} for b, k in zip(by, key) if k is not None]
            for i, (name, fn, _) in enumerate(aggs):
                v = acc[i]
                if fn == "avg" and v is not None:
                    v = v / acc[-1]
                if v is None and fn == "count":
                    v = 0
                if v is not None:
                    row.append({"field": name, "value": _fmt(v)})
            rows.append(row)
    else:
        rows = [[{"field": k, "value": _fmt(v)} for k, v in rec.items() if not k.startswith("@")] +
                [{"field": "@timestamp", "value": str(rec["@timestamp"])},
                 {"field": "@message", "value": rec["@message"]}] for rec in recs]
    return rows[:limit], matched


# ---------------------------------------------------------------- operations


def _groups(state, params):
    names = params.get("logGroupNames") or params.get("logGroupIdentifiers") or []
    if params.get("logGroupName"):
        names = [params["logGroupName"]]
    if not names:
        raise AwsError("InvalidParameterException", "a log group name is required", 400)
    out = []
    for n in names:
        if n.startswith("arn:"):
            n = n.split(":log-group:", 1)[-1].rstrip("*").rstrip(":")
        g = state.scenario().get("log_groups", {}).get(n)
        if g is None:
            raise AwsError("ResourceNotFoundException", f"Log group '{n}' does not exist", 400)
        out.append((n, g))
    return out


def start_query(state, identity, params):
    groups = _groups(state, params)
    start, end = params["startTime"], params["endTime"]
    if start > end:
        raise AwsError("InvalidParameterException", "startTime must be less than or equal to endTime", 400)
    events = []
    for _, g in groups:
        for stream, evs in sorted(g.get("streams", {}).items()):
            for ev in evs:
                ts, msg = (ev[0], ev[1]) if isinstance(ev, list) else (ev["timestamp"], ev["message"])
                if start * 1000 <= ts <= end * 1000 + 999:
                    events.append((ts, msg, stream))
    events.sort(key=lambda e: e[0])
    behaviour = groups[0][1].get("insights", {})
    qid = str(uuid.uuid4())
    with _LOCK:
        # Checked and reserved at once, so concurrent StartQuery calls cannot
        # both take the last slot.
        limit = behaviour.get("max_concurrent")
        if limit is not None and sum(1 for q in _QUERIES.values() if not q["done"]) >= int(limit):
            raise AwsError("LimitExceededException",
                           f"Account maximum query concurrency limit of [{limit}] reached.", 400)
        _QUERIES[qid] = {
            # For DescribeQueries: what a client that lost the StartQuery
            # answer can find its query by.
            "queryString": params["queryString"],
            "logGroupName": groups[0][0],
            "createTime": int(time.time() * 1000),
            "status": behaviour.get("status", "Complete"),
            "running_polls": int(behaviour.get("running_polls", 0)),
            "done": False,  # the final status was given out, or the query was stopped
            "rows": [],
            "statistics": {},
        }
    try:
        rows, matched = evaluate(params["queryString"], events, params.get("limit", 1000))
    except QueryError as e:
        with _LOCK:
            del _QUERIES[qid]
        raise AwsError("MalformedQueryException", f"Query is malformed: {e}", 400)
    with _LOCK:
        _QUERIES[qid]["rows"] = rows
        _QUERIES[qid]["statistics"] = {
            "recordsMatched": float(matched), "recordsScanned": float(len(events)),
            "bytesScanned": float(sum(len(e[1].encode()) for e in events))}
    return {"queryId": qid}


def get_query_results(state, identity, params):
    with _LOCK:
        q = _QUERIES.get(params["queryId"])
        if q is None:
            raise AwsError("ResourceNotFoundException", "The specified query could not be found", 400)
        if q["running_polls"] > 0:
            q["running_polls"] -= 1
            return {"status": "Running", "results": [], "statistics": q["statistics"]}
        rows = q["rows"] if q["status"] == "Complete" else []
        q["done"] = True
        return {"status": q["status"], "results": rows, "statistics": q["statistics"]}


def stop_query(state, identity, params):
    with _LOCK:
        q = _QUERIES.get(params["queryId"])
        if q is None:
            raise AwsError("ResourceNotFoundException", "The specified query could not be found", 400)
        running = q["running_polls"] > 0 or not q["done"]
        if running:
            q["status"] = "Cancelled"
            q["running_polls"] = 0
        q["done"] = True
        return {"success": running}


def _listed_status(q):
    # A query nobody has polled to its end is still running, as far as
    # Insights tells (it would run until it ends or is stopped).
    return q["status"] if q["done"] else "Running"


def describe_queries(state, identity, params):
    """The queries of the account, newest first; logGroupName and status
    narrow them (botocore model logs DescribeQueries: queries[] with
    queryId, queryString, status, createTime, logGroupName). One page."""
    group, status = params.get("logGroupName"), params.get("status")
    with _LOCK:
        listed = [(qid, q) for qid, q in _QUERIES.items()
                  if (group is None or q["logGroupName"] == group)
                  and (status is None or _listed_status(q) == status)]
    listed.sort(key=lambda item: -item[1]["createTime"])
    listed = listed[:int(params.get("maxResults", 1000))]
    return {"queries": [{"queryId": qid, "queryString": q["queryString"],
                         "status": _listed_status(q), "createTime": q["createTime"],
                         "logGroupName": q["logGroupName"]} for qid, q in listed]}


OPERATIONS = {
    "DescribeQueries": describe_queries,
    "StartQuery": start_query,
    "GetQueryResults": get_query_results,
    "StopQuery": stop_query,
}
