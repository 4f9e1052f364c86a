"""Shared pieces of the endpoint's own tests: a live server.py per test class
and botocore clients pointed at it (no boto3: botocore.session with
endpoint_url, the way the AWS CLI builds its clients)."""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import warnings

import botocore.config
import botocore.session

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SCENARIO = os.path.join(HERE, "scenarios", "default.json")
ACCESS_KEY = "AKIAEFSTOPTEST000001"
SECRET_KEY = "efstopTestSecretKey/0000000000000000000001"
OTHER_ACCESS_KEY = "AKIAEFSTOPTEST000002"
OTHER_SECRET_KEY = "efstopTestSecretKey/0000000000000000000002"
REGION = "eu-west-1"
ACCOUNT = "111122223333"
USER_ARN = "arn:aws:iam::111122223333:user/efstop-tester"
ROLE_ARN = "arn:aws:iam::111122223333:role/efstop-reader"
PARTNER_ROLE_ARN = "arn:aws:iam::111122223333:role/efstop-partner"
CHAINED_ROLE_ARN = "arn:aws:iam::444455556666:role/efstop-crossaccount"
IRSA_ROLE_ARN = "arn:aws:iam::111122223333:role/efstop-irsa"
WEB_IDENTITY_TOKEN = "eyJhbGciOiJSUzI1NiJ9.efstop-test-web-identity.c2ln"

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def load_default_scenario():
    with open(DEFAULT_SCENARIO, encoding="utf-8") as f:
        return json.load(f)


class EndpointProcess:
    def __init__(self, scenario=DEFAULT_SCENARIO, page_size=0, latency_ms=0, extra_args=()):
        self._dir = tempfile.TemporaryDirectory(prefix="efstop-endpoint-test-")
        port_file = os.path.join(self._dir.name, "port")
        self.log_path = os.path.join(self._dir.name, "server.log")
        args = [sys.executable, os.path.join(HERE, "server.py"), "--scenario", scenario, "--port-file", port_file,
                "--parent-pid", str(os.getpid())]
        if page_size:
            args += ["--page-size", str(page_size)]
        if latency_ms:
            args += ["--latency-ms", str(latency_ms)]
        args += list(extra_args)
        self._log = open(self.log_path, "wb")
        env = dict(os.environ, PYTHONDONTWRITEBYTECODE="1")
        self.proc = subprocess.Popen(args, stdout=self._log, stderr=self._log, env=env)
        deadline = time.time() + 20
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("server.py did not start: " + open(self.log_path).read())
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read())
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self._log.close()
        self._dir.cleanup()

    def control(self, method, path, doc=None):
        data = json.dumps(doc).encode() if doc is not None else (b"" if method == "POST" else None)
        req = urllib.request.Request(self.url + "/__efstop/" + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with _NO_PROXY.open(req, timeout=10) as r:
            return json.loads(r.read())

    def counts(self):
        return self.control("GET", "counts")

    def reset(self):
        self.control("POST", "reset")

    def fault(self, kind, operation="*", count=1, skip=0, delay_ms=0, path_contains=""):
        self.control("POST", "faults", {"kind": kind, "operation": operation, "count": count, "skip": skip,
                                        "delay_ms": delay_ms, "path_contains": path_contains})

    def patch(self, doc):
        self.control("POST", "scenario?mode=patch", doc)

    def client(self, service, access_key=ACCESS_KEY, secret_key=SECRET_KEY, token=None, region=REGION,
               retries=0, **config):
        session = botocore.session.Session()
        session.set_config_variable("credentials_file", "/nonexistent")
        session.set_config_variable("config_file", "/nonexistent")
        cfg = botocore.config.Config(retries={"total_max_attempts": retries + 1, "mode": "standard"},
                                     connect_timeout=5, read_timeout=10, proxies={}, **config)
        return session.create_client(service, region_name=region, endpoint_url=self.url,
                                     aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                                     aws_session_token=token, config=cfg)

    def raw(self, method, path, body=b"", headers=None):
        """(status, headers, body) of a plain HTTP request (no signing)."""
        req = urllib.request.Request(self.url + path, data=body if method != "GET" else None, method=method,
                                     headers=headers or {})
        try:
            with _NO_PROXY.open(req, timeout=10) as r:
                return r.status, dict(r.headers), r.read()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read()


class EndpointTestCase(unittest.TestCase):
    """One server per test class; reset before every test."""

    page_size = 0
    scenario = DEFAULT_SCENARIO

    @classmethod
    def setUpClass(cls):
        for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                    "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "HTTP_PROXY", "HTTPS_PROXY",
                    "http_proxy", "https_proxy"):
            os.environ.pop(var, None)
        cls.ep = EndpointProcess(cls.scenario, page_size=cls.page_size)

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()

    def setUp(self):
        # botocore clients are dropped with their pooled connections open.
        warnings.simplefilter("ignore", ResourceWarning)
        self.ep.reset()

    def assertAwsError(self, ctx, code, status=None):
        err = ctx.exception.response
        self.assertEqual(err["Error"]["Code"], code, err)
        if status is not None:
            self.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
