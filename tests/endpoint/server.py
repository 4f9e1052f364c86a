#!/usr/bin/python3
"""efstop's AWS test endpoint: STS, EC2, EFS, CloudWatch Logs, SSO, IMDS and
container credentials on one 127.0.0.1 port, held to botocore.

  /usr/bin/python3 server.py --scenario FILE [--port 0] [--port-file PATH]
                             [--latency-ms N] [--page-size N]

Runs under Debian's python3 (python3-botocore). Every signed request is
checked with botocore's SigV4 signer and every operation's parameters against
botocore's service model; answers come from the scenario file in each
protocol's wire format. Faults, counts and scenario changes go through the
control API under /__efstop/. See README.md in this directory.
"""

import argparse
import email.utils
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import ep_athena  # noqa: E402
import ep_auth  # noqa: E402
import ep_cloudwatch  # noqa: E402
import ep_ec2  # noqa: E402
import ep_efs  # noqa: E402
import ep_firehose  # noqa: E402
import ep_iam  # noqa: E402
import ep_identity  # noqa: E402
import ep_logs  # noqa: E402
import ep_organizations  # noqa: E402
import ep_paging  # noqa: E402
import insights  # noqa: E402
import ep_protocols  # noqa: E402
import ep_s3  # noqa: E402
from ep_protocols import AwsError, Reset  # noqa: E402
from ep_state import ScenarioError, State  # noqa: E402

HANDLERS = {
    "sts": {
        "GetCallerIdentity": ep_identity.sts_get_caller_identity,
        "AssumeRole": ep_identity.sts_assume_role,
    },
    "ec2": ep_ec2.OPERATIONS,
    "elasticfilesystem": ep_efs.OPERATIONS,
    "logs": {**ep_logs.OPERATIONS, **insights.OPERATIONS},
    "monitoring": ep_cloudwatch.OPERATIONS,
    "firehose": ep_firehose.OPERATIONS,
    "athena": ep_athena.OPERATIONS,
    "organizations": ep_organizations.OPERATIONS,
}
UNSIGNED_OPERATIONS = {("sts", "AssumeRoleWithWebIdentity"), ("sso", "GetRoleCredentials")}
LOGS_TARGET_PREFIX = "Logs_20140328."
EC2_VERSION = "2016-11-15"
STS_VERSION = "2011-06-15"
# apiVersion of each query-protocol service's model (Version must match).
QUERY_VERSIONS = {"sts": STS_VERSION, "monitoring": "2010-08-01"}


class Request:
    """One arrived request, decoded once."""

    def __init__(self, handler, body):
        self.method = handler.command
        split = urlsplit(handler.path)
        self.path = split.path
        self.query = split.query
        self.headers = handler.headers
        self.header_items = list(handler.headers.items())
        self.body = body
        self.request_id = ep_protocols.new_request_id()

    def form(self):
        """Query-protocol parameters from the query string and a form body."""
        pairs = parse_qsl(self.query, keep_blank_values=True)
        ctype = self.headers.get("Content-Type", "")
        if self.body and "application/x-www-form-urlencoded" in ctype:
            pairs += parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return dict(pairs)


class Route:
    def __init__(self, kind, service=None, operation=None, signed=None):
        self.kind = kind  # aws | imds | container | unknown
        self.service = service
        self.operation = operation  # operation name (model) or counted name for imds/container
        self.signed = signed

    @property
    def counted_name(self):
        if self.kind in ("aws", "s3"):
            return f"{self.service}:{self.operation}"
        return self.operation


def _guess_unsigned_service(req, form):
    if req.headers.get("X-Amz-Target", "").startswith(LOGS_TARGET_PREFIX):
        return "logs"
    if req.headers.get("X-Amz-Target", "").startswith(ep_protocols.JSON_TARGET_PREFIXES["firehose"]):
        return "firehose"
    if req.headers.get("X-Amz-Target", "").startswith(ep_protocols.JSON_TARGET_PREFIXES["athena"]):
        return "athena"
    if req.path.startswith("/2015-02-01/"):
        return "elasticfilesystem"
    if form.get("Version") == STS_VERSION:
        return "sts"
    return "ec2"


class Endpoint:
    def __init__(self, state, latency_ms, s3_upstream=None):
        self.state = state
        self.latency_ms = latency_ms
        self.s3_upstream = s3_upstream
        self.iam = ep_iam.Iam()  # the deny switch and the action recorder

    # -- routing

    def route(self, req):
        sc = self.state.scenario()
        if req.path.startswith("/latest/"):
            return Route("imds", operation=ep_identity.imds_operation(req.method, req.path))
        if req.path == sc.get("container", {}).get("path"):
            return Route("container", operation="container:Credentials")
        if req.path == "/federation/credentials":
            return Route("aws", "sso", "GetRoleCredentials")
        signed = ep_auth.parse_authorization(req.headers.get("Authorization"))
        service = signed.service if signed is not None else None
        if service == "s3" or (service is None and self.s3_upstream):
            return Route("s3", "s3", ep_s3.s3_operation(req.method, req.path, req.query), signed)
        form = None
        if service is None:
            form = req.form()
            if form.get("Action") == "AssumeRoleWithWebIdentity":
                return Route("aws", "sts", "AssumeRoleWithWebIdentity")
            service = _guess_unsigned_service(req, form)
        if service not in ep_protocols.SERVICES:
            raise AwsError("UnrecognizedClientException",
                           f"the test endpoint serves no service '{service}' (credential scope)", 400)
        operation = self.operation_name(service, req, form if form is not None else None)
        return Route("aws", service, operation, signed)

    def operation_name(self, service, req, form):
        model = ep_protocols.service_model(service)
        proto = ep_protocols.protocol_of(service)
        if proto in ("ec2", "query"):
            form = form if form is not None else req.form()
            action = form.get("Action")
            if not action:
                raise AwsError("MissingAction", "The request must contain the parameter Action", 400)
            if action not in model.operation_names:
                raise AwsError("InvalidAction", f"The action {action} is not valid for this web service.", 400)
            return action
        if proto == "json":
            target = req.headers.get("X-Amz-Target", "")
            prefix = ep_protocols.JSON_TARGET_PREFIXES[service]
            if not target.startswith(prefix) or target[len(prefix):] not in model.operation_names:
                raise AwsError("UnknownOperationException", f"Unknown operation '{target}'", 400)
            return target[len(prefix):]
        found = ep_efs.match_rest_operation(model, req.method, req.path)
        if found is None:
            raise AwsError("UnknownOperationException",
                           f"no {service} operation for {req.method} {req.path}", 404)
        return found[0]

    # -- one AWS-shaped call

    def serve_aws(self, req, route):
        service = route.service
        model = ep_protocols.service_model(service)
        operation = model.operation_model(route.operation)
        identity = None
        if (service, route.operation) not in UNSIGNED_OPERATIONS:
            if route.signed is None:
                code, status = ep_auth.CODES[service]["missing"]
                raise AwsError(code, "Request is missing Authentication Token", status)
            identity = ep_auth.check_signed_request(
                route.signed, service, self.state, req.method, req.path, req.query, req.header_items,
                req.headers, req.body, self.state.now())
        # A member account's data, for the region signed (scenario "members").
        self.state.set_view(identity.account if identity is not None else None,
                            route.signed.region if route.signed is not None else None)
        params = self.parse_params(service, operation, req)
        req.params = params
        req.identity = identity
        if identity is not None:
            self.check_iam(service, route, identity)
        result = self.call(service, route.operation, identity, params)
        return ep_protocols.success_response(service, operation, result, req.request_id)

    def serve_s3(self, req, route):
        if not self.s3_upstream:
            raise AwsError("NotImplemented", "this endpoint was started without --s3-upstream", 501)
        if route.signed is not None:
            req.identity = ep_auth.check_signed_request(
                route.signed, "s3", self.state, req.method, req.path, req.query, req.header_items,
                req.headers, req.body, self.state.now())
            self.check_iam("s3", route, req.identity)
        query = req.query
        if (self.state.scenario().get("quirks", {}).get("s3_ignore_prefix")
                and route.operation == "ListObjectsV2"):
            # Relayed without its prefix, after the signature check of what was sent.
            query = ep_s3.without_param(query, "prefix")
        try:
            if_match = req.headers.get("If-Match")
            if route.operation == "GetObject" and if_match:
                # s3rver 3.7.1 ignores If-Match; S3 answers 412 when the
                # object's ETag is not the one given (a resumed read of an
                # object replaced meanwhile must fail, never mix versions).
                head = ep_s3.relay(self.s3_upstream, "HEAD", req.path, "", [], b"")
                etag = {k.lower(): v for k, v in head[1].items()}.get("etag")
                if head[0] == 200 and etag and etag.strip() != if_match.strip():
                    raise AwsError("PreconditionFailed",
                                   "At least one of the pre-conditions you specified did not hold",
                                   412)
            return ep_s3.relay(self.s3_upstream, req.method, req.path, query, req.header_items, req.body)
        except OSError as e:
            raise AwsError("InternalError", f"s3rver at {self.s3_upstream} did not answer: {e}", 500)

    def check_iam(self, service, route, identity):
        """Records the action of a signed, authenticated call; raises the
        service's access-denied error when the deny switch names it."""
        self.iam.record(route.counted_name)
        err = self.iam.denial(service, route.counted_name, identity)
        if err is not None:
            raise err

    def parse_params(self, service, operation, req):
        proto = ep_protocols.protocol_of(service)
        if proto in ("ec2", "query"):
            form = req.form()
            version = form.get("Version")
            expected = EC2_VERSION if proto == "ec2" else QUERY_VERSIONS[service]
            if version != expected:
                raise ep_protocols.validation_error(
                    service, f"Version must be {expected} for this endpoint, got {version!r}")
            params = ep_protocols.deserialize_form(service, operation, form)
        elif proto == "json":
            ctype = req.headers.get("Content-Type", "")
            if not ctype.startswith("application/x-amz-json-1.1"):
                raise AwsError("SerializationException",
                               f"Content-Type must be application/x-amz-json-1.1, got '{ctype}'", 400)
            try:
                params = json.loads(req.body or b"{}")
            except ValueError as e:
                raise AwsError("SerializationException", f"body is not JSON: {e}", 400)
            if not isinstance(params, dict):
                raise AwsError("SerializationException", "body must be a JSON object", 400)
        else:
            found = ep_efs.match_rest_operation(ep_protocols.service_model(service), req.method, req.path)
            params = ep_protocols.deserialize_rest(
                service, operation, parse_qsl(req.query, keep_blank_values=True), found[1] if found else {},
                req.headers, req.body)
        ep_protocols.validate(service, operation, params)
        return params

    def call(self, service, operation, identity, params):
        if service == "sts" and operation == "AssumeRoleWithWebIdentity":
            return ep_identity.sts_assume_role_with_web_identity(self.state, params)
        if service == "sso":
            return ep_identity.sso_get_role_credentials(self.state, params)
        handler = HANDLERS.get(service, {}).get(operation)
        if handler is None:
            raise AwsError("UnsupportedOperation",
                           f"the efstop test endpoint does not implement {service}:{operation}", 400)
        return handler(self.state, identity, params)

    def fault_response(self, route, kind, request_id):
        if route.kind == "imds":
            return ep_identity.imds_fault(kind)
        if route.kind == "container":
            return ep_identity.container_fault(kind)
        service = route.service
        if kind == "denied" and service != "sso":
            err = ep_auth.service_error(service, "denied", arn=f"arn:aws:iam::{self.state.scenario()['account']}"
                                        ":user/efstop-tester",
                                        action=ep_iam.iam_action(route.counted_name) or route.counted_name)
        else:
            err = ep_auth.service_error(service, kind)
        return ep_protocols.error_response(service, err, request_id)

    def handle(self, req):
        """(status, headers, body, fault kind or None) for a non-control request."""
        try:
            route = self.route(req)
        except AwsError as err:
            service = _guess_unsigned_service(req, req.form())
            return ep_protocols.error_response(service, err, req.request_id) + (None,)
        if route.operation is None:
            return 404, {"Content-Type": "text/plain"}, b"Not Found", None
        req.route_name = route.counted_name
        self.state.set_view(None, None)
        self.state.count(route.counted_name)
        fault = self.state.take_fault(route.counted_name, req.path)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000.0)
        kind = fault["kind"] if fault else None
        ep_paging.set_repeat(kind == "repeat_token")
        if kind == "reset":
            raise Reset()
        if kind == "slow":
            time.sleep(fault["delay_ms"] / 1000.0)
        if kind == "slow_after":
            # The service acts (a query starts), then its answer is late:
            # what a client whose read timed out cannot know.
            answer = self.handle_normally(req, route, None)
            time.sleep(fault["delay_ms"] / 1000.0)
            return answer
        if kind in ("502", "504"):
            # What a load balancer or proxy in front of a service answers: an
            # HTML page, not the service's error format.
            reason = "Bad Gateway" if kind == "502" else "Gateway Timeout"
            page = f"<html><body><h1>{kind} {reason}</h1></body></html>\n".encode()
            return int(kind), {"Content-Type": "text/html"}, page, kind
        if kind == "not_found":
            if route.service != "s3":
                raise Reset()  # armed only for S3 (add_fault cannot know the route)
            err = AwsError("NoSuchKey", "The specified key does not exist.", 404)
            return ep_protocols.error_response("s3", err, req.request_id) + (kind,)
        if kind in ("throttle", "500", "503", "expired", "denied"):
            return self.fault_response(route, kind, req.request_id) + (kind,)
        return self.handle_normally(req, route, kind)

    def handle_normally(self, req, route, kind):
        if route.kind == "imds":
            return ep_identity.imds_handle(self.state, req.method, req.path, req.headers) + (kind,)
        if route.kind == "container":
            return ep_identity.container_handle(self.state, req.method, req.headers) + (kind,)
        try:
            if route.kind == "s3":
                return self.serve_s3(req, route) + (kind,)
            return self.serve_aws(req, route) + (kind,)
        except AwsError as err:
            sys.stderr.write(f"endpoint: {route.counted_name} -> {err.status} {err.code}: "
                             f"{err.message.splitlines()[0] if err.message else ''}\n")
            return ep_protocols.error_response(route.service, err, req.request_id) + (kind,)

    # -- control API

    def control(self, req):
        path = req.path[len("/__efstop/"):]
        try:
            doc = json.loads(req.body) if req.body else {}
        except ValueError as e:
            return 400, {"error": f"body is not JSON: {e}"}
        try:
            if path == "counts" and req.method == "GET":
                return 200, self.state.counts()
            if path == "requests" and req.method == "GET":
                return 200, self.state.request_log()
            if path == "scenario" and req.method == "GET":
                return 200, self.state.scenario()
            if path == "issued" and req.method == "GET":
                return 200, self.state.issued_secrets()
            if path == "athena_tables" and req.method == "GET":
                return 200, {"tables": [f"{db}.{name}" for db, name in ep_athena.tables()]}
            if path == "actions" and req.method == "GET":
                return 200, {"actions": self.iam.used()}
            if req.method != "POST":
                return 405, {"error": f"{req.method} /__efstop/{path} is not a control call"}
            if path == "faults":
                self.state.add_fault(doc)
                return 200, {"ok": True}
            if path == "deny":
                self.iam.set_denied(doc)
                return 200, {"ok": True}
            if path == "reset":
                self.state.reset()
                self.iam.reset()
                insights.reset()
                return 200, {"ok": True}
            if path == "scenario":
                mode = dict(parse_qsl(req.query)).get("mode", "patch")
                if mode == "replace":
                    self.state.replace_scenario(doc)
                elif mode == "patch":
                    self.state.patch_scenario(doc)
                else:
                    return 400, {"error": f"mode must be patch or replace, got {mode!r}"}
                return 200, {"ok": True}
            if path == "expire_credentials":
                return 200, {"expired": self.state.expire_issued_credentials()}
            if path == "clock":
                self.state.set_clock_offset(float(doc.get("offset_seconds", 0)))
                return 200, {"ok": True}
        except (ScenarioError, ValueError, TypeError) as e:
            return 400, {"error": str(e)}
        return 404, {"error": f"unknown control call /__efstop/{path}"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    endpoint = None  # set by main()

    def version_string(self):
        return "efstop-test-endpoint"

    def log_message(self, fmt, *args):  # request lines would drown the useful diagnostics
        pass

    def date_time_string(self, timestamp=None):
        # The Date header follows the endpoint's (possibly offset) clock so a
        # client can correct its skew from it.
        return email.utils.format_datetime(self.endpoint.state.now(), usegmt=True)

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _send(self, status, headers, body, truncate=False):
        self.send_response(status)
        head_length = headers.pop("X-Efstop-Head-Length", None)
        for k, v in headers.items():
            self.send_header(k, v)
        if truncate:
            # Promise more than is sent, then hang up.
            self.send_header("Content-Length", str(len(body) + 512))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            return
        self.send_header("Content-Length", head_length if head_length is not None else str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _reset(self):
        # SO_LINGER 0: close() sends RST instead of FIN, a real reset.
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()

    def _handle(self):
        try:
            body = self._read_body()
        except (ValueError, OSError):
            self.close_connection = True
            return
        req = Request(self, body)
        ep = self.endpoint
        if req.path.startswith("/__efstop/"):
            status, doc = ep.control(req)
            self._send(status, {"Content-Type": "application/json"}, json.dumps(doc).encode())
            return
        req.params = None
        req.identity = None
        try:
            status, headers, payload, fault = ep.handle(req)
        except Reset:
            self._log(req, None, 0, "reset")
            self._reset()
            return
        except Exception:  # a bug in the endpoint: say so loudly, answer 500
            traceback.print_exc()
            status, headers, payload, fault = 500, {"Content-Type": "text/plain"}, b"endpoint bug", None
        self._log(req, req.params, status, fault)
        self._send(status, headers, payload, truncate=(fault == "truncate"))

    def _log(self, req, params, status, fault):
        entry = {
            "operation": getattr(req, "route_name", None),
            "method": req.method,
            "path": req.path,
            "query": req.query,
            "params": _redact(params),
            "access_key_id": getattr(req.identity, "access_key_id", None),
            "status": status,
            "fault": fault,
            "user_agent": req.headers.get("User-Agent"),
        }
        self.endpoint.state.log_request(entry)

    do_GET = _handle
    do_POST = _handle
    do_PUT = _handle
    do_DELETE = _handle
    do_HEAD = _handle
    do_PATCH = _handle


_SECRET_PARAMS = {"WebIdentityToken", "accessToken", "SecretAccessKey", "SessionToken"}


def _redact(params):
    if not isinstance(params, dict):
        return params
    return {k: ("<redacted>" if k in _SECRET_PARAMS else v) for k, v in params.items()}


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", required=True, help="scenario JSON file")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: a free one)")
    parser.add_argument("--port-file", help="write the bound port here (else print 'PORT n')")
    parser.add_argument("--latency-ms", type=int, default=0, help="delay added to every AWS answer")
    parser.add_argument("--page-size", type=int, default=0, help="items per page (0: scenario's page_size)")
    parser.add_argument("--s3-upstream", help="s3rver URL: check S3 signatures, then relay S3 calls there")
    parser.add_argument("--parent-pid", type=int, default=0,
                        help="exit when this process is no longer our parent (a crashed test)")
    args = parser.parse_args(argv)
    try:
        state = State(args.scenario, args.page_size)
    except (OSError, ScenarioError) as e:
        sys.stderr.write(f"server.py: {e}\n")
        return 2
    state.s3_upstream = args.s3_upstream  # ep_athena reads the tables' objects there
    Handler.endpoint = Endpoint(state, args.latency_ms, args.s3_upstream)
    server = Server(("127.0.0.1", args.port), Handler)
    port = server.server_address[1]

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.parent_pid:
        def watch_parent():
            # A test binary that crashes cannot stop us; do not outlive it.
            while os.getppid() == args.parent_pid:
                time.sleep(0.5)
            server.shutdown()
        threading.Thread(target=watch_parent, daemon=True).start()
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{port}\n")
        os.rename(tmp, args.port_file)  # readers never see a half-written file
    else:
        print(f"PORT {port}", flush=True)
    server.serve_forever(poll_interval=0.2)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
