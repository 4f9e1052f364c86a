"""CloudWatch (query protocol, signing name `monitoring`) GetMetricData over the
scenario's metric series, with the rules AWS states for the call:

- at most 500 MetricDataQueries, Ids unique and matching ^[a-z][a-zA-Z0-9_]*$,
  each with a MetricStat (efstop sends no math expressions: refused here);
- Period a multiple of 60 (standard-resolution metrics such as AWS/EFS's);
- at most 100,800 data points per call (queries x periods of the window);
- StartTime before EndTime;
- retention: 60-second periods only for data younger than 15 days, 300-second
  ones up to 63 days, 3600-second ones up to 455 days; older buckets come back
  empty (as AWS answers: no error, no data);
- periods aligned to multiples of Period since the epoch; Stat Sum, Average,
  Minimum, Maximum or SampleCount over the one-minute points of each period;
- paging: at most `page_size` data points per query per page; a query with
  more left is answered StatusCode PartialData and the page carries a
  NextToken bound to the other parameters; the last page says Complete.

Scenario key `metrics`: {namespace: {dimension value: {MetricName:
[[unix_seconds, value], ...]}}}: one-minute data points. Key `metric_status`:
{dimension value: {MetricName: "InternalError" | "Forbidden"}} makes that
query answer the status with no values and a message (a failed metric).
"""

import datetime
import re

import ep_paging
from ep_protocols import AwsError

_ID = re.compile(r"^[a-z][a-zA-Z0-9_]*$")
_STATS = ("Sum", "Average", "Minimum", "Maximum", "SampleCount")
_MAX_QUERIES = 500
_MAX_POINTS = 100800
# (period at least, data younger than): CloudWatch's retention of aggregated data.
_RETENTION_DAYS = ((3600, 455), (300, 63), (60, 15))


def _bad(message):
    return AwsError("InvalidParameterValue", message, 400)


def _epoch(value, name):
    try:
        dt = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise _bad(f"The parameter {name} must be a valid ISO 8601 time, got {value!r}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=datetime.timezone.utc)
    return int(dt.timestamp())


def _retention_days(period):
    for least, days in _RETENTION_DAYS:
        if period >= least:
            return days
    return 0


def _aggregate(points, stat):
    if stat == "Sum":
        return float(sum(points))
    if stat == "Average":
        return float(sum(points)) / len(points)
    if stat == "Minimum":
        return float(min(points))
    if stat == "Maximum":
        return float(max(points))
    return float(len(points))


def _series(state, query, start, end, now):
    stat = query["MetricStat"]
    metric = stat["Metric"]
    period = stat["Period"]
    dims = metric.get("Dimensions", [])
    value = dims[0]["Value"] if len(dims) == 1 else None
    sc = state.scenario()
    status = sc.get("metric_status", {}).get(value, {}).get(metric.get("MetricName"))
    if status:
        return [], status, [{"Code": status, "Value": f"{metric.get('MetricName')} of {value}: "
                                                      f"{status} (scenario metric_status)"}]
    raw = sc.get("metrics", {}).get(metric.get("Namespace"), {}).get(value, {}).get(
        metric.get("MetricName"), []) if value is not None else []
    oldest = now - _retention_days(period) * 86400
    buckets = {}
    for t, v in raw:
        if start <= t < end and t >= oldest:
            buckets.setdefault(t - t % period, []).append(v)
    return [(t, _aggregate(buckets[t], stat["Stat"])) for t in sorted(buckets)], "Complete", []


def get_metric_data(state, identity, params):
    queries = params["MetricDataQueries"]
    start = _epoch(params["StartTime"], "StartTime")
    end = _epoch(params["EndTime"], "EndTime")
    if start >= end:
        raise _bad("The parameter StartTime must be less than the parameter EndTime.")
    if len(queries) > _MAX_QUERIES:
        raise _bad(f"The collection MetricDataQueries must not have a size greater than {_MAX_QUERIES}.")
    seen = set()
    points = 0
    for q in queries:
        qid = q["Id"]
        if not _ID.match(qid):
            raise _bad(f"The value {qid} for parameter MetricDataQueries.member.Id is not valid: "
                       "it must start with a lowercase letter and hold only letters, digits and _.")
        if qid in seen:
            raise _bad(f"The values for parameter id in MetricDataQueries are not unique: {qid}")
        seen.add(qid)
        if "MetricStat" not in q or "Expression" in q:
            raise _bad(f"the efstop test endpoint serves MetricStat queries only ({qid})")
        period = q["MetricStat"]["Period"]
        if period % 60 != 0:
            raise _bad(f"The parameter MetricDataQueries.member.Period must be a multiple of 60 "
                       f"for standard-resolution metrics, got {period}")
        if q["MetricStat"]["Stat"] not in _STATS:
            raise _bad(f"The parameter MetricDataQueries.member.MetricStat.Stat must be one of "
                       f"{', '.join(_STATS)} (the test endpoint has no percentiles)")
        points += -(-(end - start) // period)
    if points > _MAX_POINTS:
        raise _bad(f"You have requested up to {points} datapoints, which exceeds the limit of "
                   f"{_MAX_POINTS}.")
    if params.get("ScanBy", "TimestampDescending") != "TimestampAscending":
        raise _bad("the efstop test endpoint serves ScanBy=TimestampAscending only")
    now = int(state.now().timestamp())
    offset = 0
    token = params.get("NextToken")
    error = AwsError("InvalidNextToken", "The service couldn't process the NextToken.", 400)
    if token:
        offset = ep_paging.decode(token, params, {"NextToken"}, error)["o"]
    size = state.page_size()
    results = []
    more = False
    for q in queries:
        series, status, messages = _series(state, q, start, end, now)
        chunk = series[offset:offset + size]
        left = len(series) > offset + size
        more = more or left
        results.append({
            "Id": q["Id"],
            "Label": q.get("Label") or q["MetricStat"]["Metric"].get("MetricName", q["Id"]),
            "Timestamps": [t for t, _ in chunk],
            "Values": [v for _, v in chunk],
            "StatusCode": "PartialData" if left else status,
            "Messages": messages or None,
        })
    out = {"MetricDataResults": results, "Messages": []}
    if more:
        out["NextToken"] = ep_paging.encode(offset + size, params, {"NextToken"})
    return out


OPERATIONS = {"GetMetricData": get_metric_data}
