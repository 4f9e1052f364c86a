"""Athena (JSON 1.1, target AmazonAthena; botocore model athena/2017-05-18):
StartQueryExecution, GetQueryExecution, GetQueryResults, StopQueryExecution
and GetWorkGroup, as efstop's --method athena calls them (docs/athena.md).

A stand-in for Athena, not Athena: statements are executed here.
- CREATE EXTERNAL TABLE IF NOT EXISTS `db`.`t` (...) PARTITIONED BY (...)
  ROW FORMAT DELIMITED FIELDS TERMINATED BY ' ' | STORED AS PARQUET
  LOCATION '...' TBLPROPERTIES (...) is parsed (the Hive DDL subset efstop
  writes) and kept; partition projection is implemented for the property
  kinds efstop uses (enum, integer with digits, storage.location.template).
- DROP TABLE IF EXISTS `db`.`t` forgets it.
- A SELECT is executed by DuckDB (@duckdb/node-api, tests/endpoint/
  athena_duckdb.js) as sent: the endpoint lists the table's objects in
  s3rver (the harness's --s3-upstream), keeps those whose key fits the
  location template (their partition values come from the key), copies them
  to a temporary folder and has DuckDB read each as Hive would (text:
  space-delimited, header line skipped, a value that is not a number is
  NULL in a numeric column; Parquet by column name), behind a view named
  like the table. DataScannedInBytes is the size of the objects read.

Scenario "athena" (all optional):
  {"workgroups": {"primary": {"output": "s3://..."}}, "databases": ["default"],
   "running_polls": 1,     GetQueryExecution answers RUNNING this many times first
   "hold": false}          SELECTs stay RUNNING until StopQueryExecution
Control: GET /__efstop/athena is not needed; tests read the request log.
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import threading
import uuid
import xml.etree.ElementTree as ET
from urllib.parse import quote

import ep_paging
import ep_s3
from ep_protocols import AwsError

_HELPER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "athena_duckdb.js")
_lock = threading.Lock()
_queries = {}  # id -> dict
_tables = {}   # (db, name) -> dict
_DEFAULT_WORKGROUPS = {"primary": {"output": "s3://efstop-athena-results/"}}


def _conf(state):
    return state.scenario().get("athena", {})


def _invalid(message):
    return AwsError("InvalidRequestException", message, 400)


def _workgroup(state, name):
    wgs = _conf(state).get("workgroups", _DEFAULT_WORKGROUPS)
    if name not in wgs:
        raise _invalid(f"WorkGroup {name} is not found.")
    return wgs[name]


# ------------------------------------------------------------------ DDL

_CREATE = re.compile(
    r"^CREATE EXTERNAL TABLE IF NOT EXISTS `([a-z0-9_]+)`\.`([a-z0-9_]+)` \((.*?)\)\n"
    r"PARTITIONED BY \((.*?)\)\n(ROW FORMAT DELIMITED FIELDS TERMINATED BY ' '|STORED AS PARQUET)\n"
    r"LOCATION '([^']*)'\nTBLPROPERTIES \((.*)\)$", re.S)
_COLUMN = re.compile(r"^`([a-z0-9_]+)` (int|bigint|string)$")
_PROP = re.compile(r"'([^']*)'='([^']*)'")
_DROP = re.compile(r"^DROP TABLE IF EXISTS `([a-z0-9_]+)`\.`([a-z0-9_]+)`$")
_FROM = re.compile(r'\bFROM "([a-z0-9_]+)"\."([a-z0-9_]+)"')


def _columns(text):
    out = []
    for part in text.split(","):
        m = _COLUMN.match(part.strip())
        if not m:
            raise _invalid(f"line 1: mismatched input near '{part.strip()[:40]}'")
        out.append((m.group(1), m.group(2)))
    return out


def _create(state, sql, database):
    m = _CREATE.match(sql)
    if not m:
        raise _invalid("the test endpoint parses only the CREATE EXTERNAL TABLE form efstop writes: "
                       + sql[:80])
    db, name = m.group(1), m.group(2)
    if db not in _conf(state).get("databases", ["default"]):
        raise _invalid(f"Database {db} not found.")
    props = dict(_PROP.findall(m.group(7)))
    table = {"db": db, "name": name, "columns": _columns(m.group(3)),
             "partitions": _columns(m.group(4)), "parquet": m.group(5) == "STORED AS PARQUET",
             "location": m.group(6), "props": props, "sql": sql}
    if props.get("projection.enabled") != "true" or "storage.location.template" not in props:
        raise _invalid("the test endpoint serves tables with partition projection only")
    for col, _ in table["partitions"]:
        if props.get(f"projection.{col}.type") not in ("enum", "integer"):
            raise _invalid(f"partition column {col} has no enum/integer projection")
    with _lock:
        existed = (db, name) in _tables
        if existed and _tables[(db, name)]["sql"] != sql:
            pass  # IF NOT EXISTS: the old definition stays, as in Athena
        if not existed:
            _tables[(db, name)] = table
    return {"created": not existed}


def _drop(state, sql):
    m = _DROP.match(sql)
    with _lock:
        existed = _tables.pop((m.group(1), m.group(2)), None) is not None
    return {"dropped": existed}


# --------------------------------------------------------------- SELECT


def _template_regex(table):
    """The location template as a regex over keys, one group per partition column."""
    template = table["props"]["storage.location.template"]
    if not template.startswith("s3://"):
        raise _invalid("storage.location.template must be an s3:// URI")
    out, pos, names = "", 0, []
    for m in re.finditer(r"\$\{([a-z0-9_]+)\}", template):
        out += re.escape(template[pos:m.start()])
        col = m.group(1)
        kind = table["props"].get(f"projection.{col}.type")
        if kind == "enum":
            values = table["props"][f"projection.{col}.values"].split(",")
            out += "(" + "|".join(re.escape(v) for v in values) + ")"
        else:
            digits = int(table["props"].get(f"projection.{col}.digits", "1"))
            out += "([0-9]{%d,})" % digits
        names.append(col)
        pos = m.end()
    out += re.escape(template[pos:]) + "/"
    return re.compile("^" + out), names, template


def _list_objects(upstream, bucket, prefix):
    keys, token = [], None
    while True:
        query = "list-type=2&prefix=" + quote(prefix, safe="")
        if token:
            query += "&continuation-token=" + quote(token, safe="")
        status, _, body = ep_s3.relay(upstream, "GET", "/" + bucket, query, [], b"")
        if status != 200:
            raise AwsError("InternalServerException", f"s3rver listing {bucket}/{prefix}: {status}", 500)
        root = ET.fromstring(body)
        ns = root.tag[: root.tag.index("}") + 1] if root.tag.startswith("{") else ""
        for c in root.findall(f"{ns}Contents"):
            keys.append((c.find(f"{ns}Key").text, int(c.find(f"{ns}Size").text)))
        token_el = root.find(f"{ns}NextContinuationToken")
        if token_el is None or not token_el.text:
            return keys
        token = token_el.text


def _select(state, sql):
    m = _FROM.search(sql)
    if not m:
        raise _invalid("SELECT: no FROM \"db\".\"table\"")
    with _lock:
        table = _tables.get((m.group(1), m.group(2)))
    if table is None:
        raise _invalid(f"line 1: Table {m.group(1)}.{m.group(2)} does not exist")
    upstream = getattr(state, "s3_upstream", None)
    if not upstream:
        raise AwsError("InternalServerException", "the endpoint was started without --s3-upstream", 500)
    regex, names, template = _template_regex(table)
    bucket_and_prefix = template[len("s3://"):template.index("${")]
    bucket, _, prefix = bucket_and_prefix.partition("/")
    tmp = tempfile.mkdtemp(prefix="efstop-athena-")
    try:
        files, scanned = [], 0
        for key, size in _list_objects(upstream, bucket, prefix):
            mk = regex.match("s3://" + bucket + "/" + key)
            if not mk:
                continue  # outside the projection: Athena never sees it
            status, _, body = ep_s3.relay(upstream, "GET", "/" + bucket + "/" + quote(key), "", [], b"")
            if status != 200:
                raise AwsError("InternalServerException", f"s3rver GetObject {key}: {status}", 500)
            local = os.path.join(tmp, f"{len(files)}" + (".gz" if key.endswith(".gz") else ""))
            with open(local, "wb") as f:
                f.write(body)
            scanned += size
            parts = {}
            for col, value in zip(names, mk.groups()):
                kind = table["props"][f"projection.{col}.type"]
                parts[col] = int(value) if kind == "integer" else value
            files.append({"path": local, "partitions": parts})
        manifest = {"db": table["db"], "name": table["name"], "columns": table["columns"],
                    "partitions": table["partitions"], "parquet": table["parquet"],
                    "files": files, "sql": sql}
        mpath = os.path.join(tmp, "manifest.json")
        with open(mpath, "w") as f:
            json.dump(manifest, f)
        run = subprocess.run(["node", _HELPER, mpath], capture_output=True, text=True, timeout=300)
        if run.returncode != 0:
            raise _invalid("query failed in the DuckDB stand-in: " + run.stderr.strip()[:500])
        result = json.loads(run.stdout)
        return {"header": result["header"], "rows": result["rows"], "scanned": scanned,
                "files": len(files)}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ------------------------------------------------------------ operations


def start_query_execution(state, identity, params):
    sql = params["QueryString"]
    wg_name = params.get("WorkGroup", "primary")
    wg = _workgroup(state, wg_name)
    output = params.get("ResultConfiguration", {}).get("OutputLocation") or wg.get("output")
    if not output:
        raise _invalid("No output location provided. An output location is required either "
                       "through the Workgroup result configuration setting or as an API input.")
    database = params.get("QueryExecutionContext", {}).get("Database", "default")
    query = {"id": str(uuid.uuid4()), "sql": sql, "workgroup": wg_name, "output": output,
             "database": database, "polls": 0, "state": "RUNNING", "reason": "", "scanned": 0,
             "header": None, "rows": [], "hold": False}
    stripped = sql.lstrip()
    try:
        if stripped.startswith("CREATE EXTERNAL TABLE"):
            query["type"] = "DDL"
            query["ddl"] = _create(state, sql, database)
        elif stripped.startswith("DROP TABLE"):
            query["type"] = "DDL"
            if not _DROP.match(sql):
                raise _invalid("the test endpoint parses only DROP TABLE IF EXISTS `db`.`t`")
            query["ddl"] = _drop(state, sql)
        elif stripped.startswith("SELECT"):
            query["type"] = "DML"
            query["hold"] = bool(_conf(state).get("hold"))
            if not query["hold"]:
                res = _select(state, sql)
                query.update(header=res["header"], rows=res["rows"], scanned=res["scanned"])
        else:
            raise _invalid("the test endpoint runs CREATE EXTERNAL TABLE, DROP TABLE and SELECT only")
    except AwsError as e:
        if e.code != "InvalidRequestException":
            raise
        # Athena accepts the statement and fails the query (the reason in Status).
        query["state"] = "FAILED"
        query["reason"] = e.message
    with _lock:
        _queries[query["id"]] = query
    return {"QueryExecutionId": query["id"]}


def _query(params):
    with _lock:
        q = _queries.get(params["QueryExecutionId"])
    if q is None:
        raise _invalid(f"QueryExecution {params['QueryExecutionId']} was not found")
    return q


def get_query_execution(state, identity, params):
    q = _query(params)
    with _lock:
        if q["state"] == "RUNNING" and not q["hold"]:
            q["polls"] += 1
            if q["polls"] > int(_conf(state).get("running_polls", 1)):
                q["state"] = "SUCCEEDED"
        out = {"QueryExecutionId": q["id"], "Query": q["sql"], "StatementType": q["type"],
               "ResultConfiguration": {"OutputLocation": q["output"] + q["id"] + ".csv"},
               "QueryExecutionContext": {"Database": q["database"]},
               "Status": {"State": q["state"]},
               "Statistics": {"DataScannedInBytes": q["scanned"],
                              "EngineExecutionTimeInMillis": 1},
               "WorkGroup": q["workgroup"]}
        if q["reason"]:
            out["Status"]["StateChangeReason"] = q["reason"]
    return {"QueryExecution": out}


def get_query_results(state, identity, params):
    q = _query(params)
    if q["state"] != "SUCCEEDED":
        raise _invalid(f"Query has not yet finished. Current state: {q['state']}")
    table = ([q["header"]] if q["header"] is not None else []) + q["rows"]
    start = 0
    token = params.get("NextToken")
    if token:
        try:
            qid, offset = token.split(":", 1)
            start = int(offset)
        except ValueError:
            raise _invalid("The NextToken is not valid")
        if qid != q["id"]:
            raise _invalid("The NextToken is not valid")
    size = min(int(params.get("MaxResults", 1000)), state.page_size() or 1000)
    page = table[start:start + size]
    rows = [{"Data": [{} if v is None else {"VarCharValue": str(v)} for v in row]} for row in page]
    columns = [{"Name": n, "Type": "varchar"} for n in (q["header"] or [])]
    out = {"ResultSet": {"Rows": rows, "ResultSetMetadata": {"ColumnInfo": columns}}}
    if start + size < len(table):
        out["NextToken"] = f"{q['id']}:{start + size}"
    if token and ep_paging.repeating():
        out["NextToken"] = token  # the "repeat_token" fault (ep_paging.py)
    return out


def stop_query_execution(state, identity, params):
    q = _query(params)
    with _lock:
        if q["state"] in ("QUEUED", "RUNNING"):
            q["state"] = "CANCELLED"
            q["reason"] = "Query cancelled by user"
    return {}


def get_work_group(state, identity, params):
    name = params["WorkGroup"]
    wg = _workgroup(state, name)
    conf = {}
    if wg.get("output"):
        conf["ResultConfiguration"] = {"OutputLocation": wg["output"]}
    return {"WorkGroup": {"Name": name, "State": "ENABLED", "Configuration": conf}}


def tables():
    """(db, name) of the tables that exist now, for tests."""
    with _lock:
        return sorted(_tables)


OPERATIONS = {
    "StartQueryExecution": start_query_execution,
    "GetQueryExecution": get_query_execution,
    "GetQueryResults": get_query_results,
    "StopQueryExecution": stop_query_execution,
    "GetWorkGroup": get_work_group,
}
