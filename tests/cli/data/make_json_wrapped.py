#!/usr/bin/env python3
"""Writes the JSON-wrapped forms of pairs.log (docs/sources.md, "JSON-wrapped records").

Each file holds exactly pairs.log's 16 lines as messages, so efstop must print for it what
it prints for pairs.log (the golden json_*.stdout files are gzip.stdout's numbers).
Deterministic: gzip members carry mtime 0. Run from this folder:
  /usr/bin/python3 make_json_wrapped.py
"""
import gzip
import json

LINES = open("pairs.log").read().splitlines()
ACCOUNT = "123456789012"
GROUP = "/vpc/flow-logs"


def event(i, line):
    return {"id": str(37000000000000000000000000000000000000000000000000000000 + i),
            "timestamp": 1795701600000 + i * 1000, "message": line}


def envelope(events, stream="eni-c1-all"):
    return {"messageType": "DATA_MESSAGE", "owner": ACCOUNT, "logGroup": GROUP,
            "logStream": stream, "subscriptionFilters": ["efstop-to-firehose"],
            "logEvents": events}


CONTROL = {"messageType": "CONTROL_MESSAGE", "owner": "CloudwatchLogs", "logGroup": "",
           "logStream": "", "subscriptionFilters": [],
           "logEvents": [{"id": "", "timestamp": 1795701600000,
                          "message": "CWL CONTROL MESSAGE: Checking health of destination "
                                     "Firehose."}]}


def cw_export_lines():
    # (a) one object per line, as CloudWatch Logs exports and many shippers write.
    return "".join(json.dumps({"timestamp": 1795701600000 + i, "message": line,
                               "ingestionTime": 1795701660000 + i}) + "\n"
                   for i, line in enumerate(LINES))


def firehose_envelopes():
    # (b) each envelope gzip-compressed by CloudWatch Logs, concatenated by
    # Firehose with no separator; a CONTROL_MESSAGE first.
    out = gzip.compress(json.dumps(CONTROL, separators=(",", ":")).encode(), mtime=0)
    for start in range(0, len(LINES), 5):
        env = envelope([event(i, LINES[i]) for i in range(start, min(start + 5, len(LINES)))])
        out += gzip.compress(json.dumps(env, separators=(",", ":")).encode(), mtime=0)
    return out


def filter_pages():
    # (c) `aws logs filter-log-events --output json`, two pages (pretty-printed
    # with 4 spaces as the AWS CLI does), concatenated.
    def page(lo, hi, token):
        p = {"events": [{"logStreamName": "eni-c1-all", "timestamp": 1795701600000 + i,
                         "message": LINES[i], "ingestionTime": 1795701660000 + i,
                         "eventId": str(1000 + i)} for i in range(lo, hi)],
             "searchedLogStreams": [{"logStreamName": "eni-c1-all",
                                     "searchedCompletely": True}]}
        if token:
            p["nextToken"] = token
        return json.dumps(p, indent=4) + "\n"
    return page(0, 9, "Bxkq6kVGFtq2y_MoigeqscPOdhXVbhiVtLoAmXb5jCrI") + page(9, len(LINES), None)


def bad_lines():
    # (a) with damage: a cut-short object (line 3), a non-JSON line (line 6), an
    # object without a message (line 9), an envelope of an unknown type (line 12).
    rows = [json.dumps({"message": line}) for line in LINES]
    rows.insert(2, '{"message": "2 123456789012 eni-c1 10.0.1.10 10.0.')
    rows.insert(5, "this is not json")
    rows.insert(8, json.dumps({"timestamp": 1795701600000}))
    rows.insert(11, json.dumps({"messageType": "OTHER_MESSAGE", "logEvents": []}))
    return "\n".join(rows) + "\n"


open("pairs.cwl.jsonl", "w").write(cw_export_lines())
open("pairs.firehose.gz", "wb").write(firehose_envelopes())
open("pairs.filter.json", "w").write(filter_pages())
open("pairs.bad.jsonl", "w").write(bad_lines())
