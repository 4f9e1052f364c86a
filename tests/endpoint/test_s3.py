"""The S3 front: s3rver (which never checks SigV4 signatures) behind the
endpoint started with --s3-upstream, which checks them with botocore's
S3SigV4Auth, counts and faults S3 calls, and relays them."""

import json
import os
import re
import subprocess
import tempfile
import time
import unittest
import warnings

import botocore.config
import botocore.session
from botocore.exceptions import ClientError

from endpoint_testlib import HERE, EndpointProcess

S3RVER = os.path.join(HERE, "..", "harness", "node_modules", ".bin", "s3rver")


class S3FrontTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(S3RVER, os.X_OK):
            raise unittest.SkipTest(f"s3rver is not installed at {S3RVER}: run scripts/install-deps.sh")
        cls.tmp = tempfile.TemporaryDirectory(prefix="efstop-s3-test-")
        data = os.path.join(cls.tmp.name, "data")
        os.mkdir(data)
        cls.s3rver_log = open(os.path.join(cls.tmp.name, "s3rver.out"), "w+")
        env = dict(os.environ, NODE_OPTIONS="--openssl-legacy-provider")
        cls.s3rver = subprocess.Popen([S3RVER, "--directory", data, "--address", "127.0.0.1", "--port", "0",
                                       "--silent", "--configure-bucket", "flow-logs"],
                                      stdout=cls.s3rver_log, stderr=subprocess.STDOUT, env=env)
        deadline = time.time() + 20
        port = None
        while port is None:
            cls.s3rver_log.seek(0)
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", cls.s3rver_log.read())
            if m:
                port = int(m.group(1))
            elif cls.s3rver.poll() is not None or time.time() > deadline:
                raise RuntimeError("s3rver did not start")
            else:
                time.sleep(0.05)
        scenario = os.path.join(cls.tmp.name, "scenario.json")
        with open(scenario, "w") as f:
            json.dump({"account": "123456789012", "region": "us-east-1",
                       "users": {"S3RVER": {"secret": "S3RVER", "arn": "arn:aws:iam::123456789012:user/s3rver"}}}, f)
        cls.ep = EndpointProcess(scenario, extra_args=["--s3-upstream", f"http://127.0.0.1:{port}"])

    @classmethod
    def tearDownClass(cls):
        cls.ep.stop()
        cls.s3rver.terminate()
        cls.s3rver.wait(5)
        cls.s3rver_log.close()
        cls.tmp.cleanup()

    def setUp(self):
        warnings.simplefilter("ignore", ResourceWarning)
        self.ep.reset()

    def s3(self, key="S3RVER", secret="S3RVER", region="us-east-1"):
        session = botocore.session.Session()
        session.set_config_variable("credentials_file", "/nonexistent")
        session.set_config_variable("config_file", "/nonexistent")
        cfg = botocore.config.Config(s3={"addressing_style": "path"}, retries={"total_max_attempts": 1},
                                     proxies={})
        return session.create_client("s3", region_name=region, endpoint_url=self.ep.url, aws_access_key_id=key,
                                     aws_secret_access_key=secret, config=cfg)

    def test_signed_calls_pass_and_are_counted(self):
        s3 = self.s3()
        keys = ["AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/26/a b+c=d~e.log.gz",
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/26/ünïcode.log.gz",
                "AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/26/plain.log.gz"]
        for k in keys:
            s3.put_object(Bucket="flow-logs", Key=k, Body=b"\x1f\x8b" + k.encode())
        listed = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket="flow-logs", Prefix="AWSLogs/",
                                                                  PaginationConfig={"PageSize": 2}):
            listed += [o["Key"] for o in page.get("Contents", [])]
        self.assertEqual(sorted(listed), sorted(keys))
        body = s3.get_object(Bucket="flow-logs", Key=keys[0], Range="bytes=2-5")["Body"].read()
        self.assertEqual(body, keys[0].encode()[:4])
        counts = self.ep.counts()
        self.assertEqual(counts["s3:PutObject"], 3)
        self.assertEqual(counts["s3:ListObjectsV2"], 2)
        self.assertEqual(counts["s3:GetObject"], 1)

    def test_wrong_secret_key_and_region(self):
        with self.assertRaises(ClientError) as ctx:
            self.s3(secret="wrong").list_objects_v2(Bucket="flow-logs")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "SignatureDoesNotMatch")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
        with self.assertRaises(ClientError) as ctx:
            self.s3(key="AKIANOTS3RVER0000000").list_objects_v2(Bucket="flow-logs")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidAccessKeyId")
        with self.assertRaises(ClientError) as ctx:
            self.s3(region="eu-west-1").list_objects_v2(Bucket="flow-logs")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "AuthorizationHeaderMalformed")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 400)

    def test_body_changed_after_signing(self):
        s3 = self.s3()

        def tamper(request, **kwargs):
            request.body = b"something else"
            request.headers["Content-Length"] = str(len(request.body))
        s3.meta.events.register("before-send.s3.PutObject", tamper)
        with self.assertRaises(ClientError) as ctx:
            s3.put_object(Bucket="flow-logs", Key="x", Body=b"original")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "XAmzContentSHA256Mismatch")

    def test_faults_and_skew(self):
        self.ep.fault("throttle", operation="s3:ListObjectsV2")
        with self.assertRaises(ClientError) as ctx:
            self.s3().list_objects_v2(Bucket="flow-logs")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "SlowDown")
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 503)
        self.assertIn("x-amz-request-id", ctx.exception.response["ResponseMetadata"]["HTTPHeaders"])
        self.ep.control("POST", "clock", {"offset_seconds": 1800})
        with self.assertRaises(ClientError) as ctx:
            self.s3().list_objects_v2(Bucket="flow-logs")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "RequestTimeTooSkewed")


if __name__ == "__main__":
    unittest.main()
