"""A signature-checking front for s3rver.

s3rver 3.7.1 serves S3 faithfully but does not verify SigV4 signatures (its
authentication middleware only checks the access key id: "Signature version
4 calculation is unimplemented"). With --s3-upstream the endpoint sits in
front of it: S3 requests are counted, may be faulted, have their signature
checked by botocore's S3SigV4Auth (path used as sent, payload hash from
x-amz-content-sha256) and are then relayed to s3rver unchanged. Unsigned
requests (the harness uploading fixtures) are relayed as anonymous calls.
"""

import http.client
from urllib.parse import parse_qsl, urlsplit

_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "date", "server",
               "proxy-connection", "te", "trailer", "upgrade"}


def s3_operation(method, path, query):
    """The S3 API name of a path-style request (for counts and faults)."""
    params = dict(parse_qsl(query, keep_blank_values=True))
    parts = path.lstrip("/").split("/", 1)
    bucket = parts[0]
    key = parts[1] if len(parts) > 1 else ""
    if not bucket:
        return "ListBuckets"
    if not key:
        if method == "GET":
            if "location" in params:
                return "GetBucketLocation"
            return "ListObjectsV2" if params.get("list-type") == "2" else "ListObjects"
        return {"PUT": "CreateBucket", "HEAD": "HeadBucket", "DELETE": "DeleteBucket"}.get(method, "Bucket" + method)
    return {"GET": "GetObject", "HEAD": "HeadObject", "PUT": "PutObject", "DELETE": "DeleteObject"}.get(
        method, "Object" + method)


def without_param(raw_query, name):
    """`raw_query` (still percent-encoded) without the parameter `name`."""
    return "&".join(p for p in raw_query.split("&") if p and p.split("=", 1)[0] != name)


def relay(upstream, method, raw_path, raw_query, header_items, body):
    """(status, headers, body) of the same request sent to `upstream`."""
    target = urlsplit(upstream)
    conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
    try:
        headers = {}
        for name, value in header_items:
            if name.lower() in ("host", "connection", "expect"):
                continue
            headers[name] = value
        headers["Host"] = f"{target.hostname}:{target.port}"
        url = raw_path + ("?" + raw_query if raw_query else "")
        conn.request(method, url, body=body if body else None, headers=headers)
        response = conn.getresponse()
        payload = response.read()
        out = {}
        for name, value in response.getheaders():
            if name.lower() not in _HOP_BY_HOP:
                out[name] = value
        if method == "HEAD":
            length = response.getheader("Content-Length")
            if length is not None:
                out["X-Efstop-Head-Length"] = length
        return response.status, out, payload
    finally:
        conn.close()
