"""Signature checking: botocore-signed calls pass, anything tampered fails
with each protocol's real error, unknown keys, expired tokens, skewed clocks."""

import time
import unittest
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

from endpoint_testlib import (ACCESS_KEY, ROLE_ARN, SECRET_KEY, USER_ARN, EndpointTestCase, _NO_PROXY)


def _tamper_signature(request, **kwargs):
    auth = request.headers["Authorization"]
    if isinstance(auth, bytes):
        auth = auth.decode()
    last = auth[-1]
    request.headers["Authorization"] = auth[:-1] + ("0" if last != "0" else "1")


def _tamper_body(request, **kwargs):
    if request.body:
        body = request.body if isinstance(request.body, bytes) else request.body.encode()
        request.body = body.replace(b"2016-11-15", b"2016-11-15&DryRun=false")
        request.headers["Content-Length"] = str(len(request.body))


class SignatureTest(EndpointTestCase):
    def test_every_service_accepts_botocore_signatures(self):
        self.assertEqual(self.ep.client("sts").get_caller_identity()["Arn"], USER_ARN)
        self.assertTrue(self.ep.client("ec2").describe_vpcs()["Vpcs"])
        self.assertTrue(self.ep.client("efs").describe_file_systems()["FileSystems"])
        self.assertTrue(self.ep.client("logs").describe_log_groups()["logGroups"])
        counts = self.ep.counts()
        for op in ("sts:GetCallerIdentity", "ec2:DescribeVpcs", "elasticfilesystem:DescribeFileSystems",
                   "logs:DescribeLogGroups"):
            self.assertEqual(counts[op], 1, counts)

    def test_tampered_signature_fails_per_protocol(self):
        cases = [
            ("sts", lambda c: c.get_caller_identity(), "SignatureDoesNotMatch", 403),
            ("ec2", lambda c: c.describe_vpcs(), "SignatureDoesNotMatch", 403),
            ("logs", lambda c: c.describe_log_groups(), "InvalidSignatureException", 400),
            ("efs", lambda c: c.describe_file_systems(), "InvalidSignatureException", 403),
        ]
        for service, call, code, status in cases:
            with self.subTest(service=service):
                client = self.ep.client(service)
                client.meta.events.register("before-send", _tamper_signature)
                with self.assertRaises(ClientError) as ctx:
                    call(client)
                self.assertAwsError(ctx, code, status)

    def test_mismatch_message_shows_canonical_request(self):
        client = self.ep.client("sts")
        client.meta.events.register("before-send", _tamper_signature)
        with self.assertRaises(ClientError) as ctx:
            client.get_caller_identity()
        message = ctx.exception.response["Error"]["Message"]
        self.assertIn("The Canonical String for this request should have been", message)
        self.assertIn("AWS4-HMAC-SHA256\n", message)
        self.assertNotIn(SECRET_KEY, message)

    def test_body_changed_after_signing_fails(self):
        client = self.ep.client("ec2")
        client.meta.events.register("before-send", _tamper_body)
        with self.assertRaises(ClientError) as ctx:
            client.describe_vpcs()
        self.assertAwsError(ctx, "SignatureDoesNotMatch", 403)

    def test_wrong_secret_fails(self):
        client = self.ep.client("ec2", secret_key=SECRET_KEY + "x")
        with self.assertRaises(ClientError) as ctx:
            client.describe_vpcs()
        self.assertAwsError(ctx, "SignatureDoesNotMatch", 403)

    def test_unknown_access_key_per_protocol(self):
        cases = [
            ("sts", lambda c: c.get_caller_identity(), "InvalidClientTokenId", 403),
            ("ec2", lambda c: c.describe_vpcs(), "AuthFailure", 401),
            ("logs", lambda c: c.describe_log_groups(), "UnrecognizedClientException", 400),
            ("efs", lambda c: c.describe_file_systems(), "UnrecognizedClientException", 403),
        ]
        for service, call, code, status in cases:
            with self.subTest(service=service):
                with self.assertRaises(ClientError) as ctx:
                    call(self.ep.client(service, access_key="AKIAUNKNOWN000000000"))
                self.assertAwsError(ctx, code, status)

    def test_wrong_region_in_scope_fails(self):
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("ec2", region="ap-south-1").describe_vpcs()
        self.assertAwsError(ctx, "SignatureDoesNotMatch", 403)
        self.assertIn("scoped to a valid region", ctx.exception.response["Error"]["Message"])

    def test_global_sts_region_is_accepted(self):
        self.assertEqual(self.ep.client("sts", region="us-east-1").get_caller_identity()["Account"],
                         "111122223333")

    def test_session_credentials_and_their_token(self):
        creds = self.ep.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="auth-test")["Credentials"]
        good = self.ep.client("sts", access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"],
                              token=creds["SessionToken"])
        self.assertIn("assumed-role/efstop-reader/auth-test", good.get_caller_identity()["Arn"])
        without = self.ep.client("sts", access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"])
        with self.assertRaises(ClientError) as ctx:
            without.get_caller_identity()
        self.assertAwsError(ctx, "InvalidClientTokenId", 403)
        wrong = self.ep.client("sts", access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"],
                               token=creds["SessionToken"][:-2] + "zz")
        with self.assertRaises(ClientError) as ctx:
            wrong.get_caller_identity()
        self.assertAwsError(ctx, "InvalidClientTokenId", 403)

    def test_expired_session_token_per_protocol(self):
        self.ep.patch({"temporary_credentials": {"lifetime_seconds": 1}})
        creds = self.ep.client("sts").assume_role(RoleArn=ROLE_ARN, RoleSessionName="expiry")["Credentials"]
        time.sleep(1.2)
        cases = [
            ("sts", lambda c: c.get_caller_identity(), "ExpiredToken", 400),
            ("ec2", lambda c: c.describe_vpcs(), "RequestExpired", 400),
            ("logs", lambda c: c.describe_log_groups(), "ExpiredTokenException", 400),
            ("efs", lambda c: c.describe_file_systems(), "ExpiredTokenException", 403),
        ]
        for service, call, code, status in cases:
            with self.subTest(service=service):
                client = self.ep.client(service, access_key=creds["AccessKeyId"],
                                        secret_key=creds["SecretAccessKey"], token=creds["SessionToken"])
                with self.assertRaises(ClientError) as ctx:
                    call(client)
                self.assertAwsError(ctx, code, status)

    def test_clock_skew_is_refused_with_a_date_header(self):
        self.ep.control("POST", "clock", {"offset_seconds": 3600})
        client = self.ep.client("sts")
        with self.assertRaises(ClientError) as ctx:
            client.get_caller_identity()
        self.assertAwsError(ctx, "SignatureDoesNotMatch", 403)
        self.assertIn("Signature expired", ctx.exception.response["Error"]["Message"])
        date = ctx.exception.response["ResponseMetadata"]["HTTPHeaders"]["date"]
        server_time = time.mktime(time.strptime(date, "%a, %d %b %Y %H:%M:%S GMT")) - time.timezone
        self.assertAlmostEqual(server_time, time.time() + 3600, delta=120)
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("ec2").describe_vpcs()
        self.assertAwsError(ctx, "RequestExpired", 400)
        self.ep.control("POST", "clock", {"offset_seconds": -3600})
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("logs").describe_log_groups()
        self.assertAwsError(ctx, "InvalidSignatureException", 400)
        self.assertIn("Signature not yet current", ctx.exception.response["Error"]["Message"])

    def test_small_skew_is_accepted(self):
        self.ep.control("POST", "clock", {"offset_seconds": 600})
        self.assertTrue(self.ep.client("ec2").describe_vpcs()["Vpcs"])

    def _signed_get(self, query, sign_query=None):
        """A GET with the query string sent as `query`, signed over `sign_query`."""
        creds = botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY)
        url = self.ep.url + "/?" + (sign_query or query)
        request = botocore.awsrequest.AWSRequest(method="GET", url=url, headers={})
        botocore.auth.SigV4Auth(creds, "ec2", "eu-west-1").add_auth(request)
        headers = dict(request.headers.items())
        sent = urllib.request.Request(self.ep.url + "/?" + query, method="GET", headers=headers)
        try:
            with _NO_PROXY.open(sent, timeout=10) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_query_string_get_is_checked(self):
        status, body = self._signed_get("Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-0a1b2c3d4e5f60001")
        self.assertEqual(status, 200, body)
        self.assertIn(b"<vpcId>vpc-0a1b2c3d4e5f60001</vpcId>", body)
        status, body = self._signed_get("Action=DescribeVpcs&Version=2016-11-15&VpcId.1=vpc-0a1b2c3d4e5f60002",
                                        sign_query="Action=DescribeVpcs&Version=2016-11-15&VpcId.1="
                                                   "vpc-0a1b2c3d4e5f60001")
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>SignatureDoesNotMatch</Code>", body)

    def test_missing_authentication(self):
        status, _, body = self.ep.raw("POST", "/", b"Action=GetCallerIdentity&Version=2011-06-15",
                                      {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertIn(b"<Code>MissingAuthenticationToken</Code>", body)
        self.assertEqual(self.ep.counts()["sts:GetCallerIdentity"], 1)

    def test_malformed_authorization_header(self):
        status, _, body = self.ep.raw("POST", "/", b"Action=DescribeVpcs&Version=2016-11-15",
                                      {"Content-Type": "application/x-www-form-urlencoded",
                                       "Authorization": "AWS4-HMAC-SHA256 Credential=AKIA/20261126/eu-west-1/ec2"})
        self.assertEqual(status, 400)
        self.assertIn(b"IncompleteSignature", body)


if __name__ == "__main__":
    unittest.main()
