"""Injected faults: each kind answers with each service's real code and
status, transport faults break the connection, botocore's own retries
recover, counts see every attempt; --latency-ms delays every AWS answer."""

import http.client
import time
import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import EndpointTestCase, EndpointProcess

CALLS = {
    "sts": ("sts:GetCallerIdentity", lambda c: c.get_caller_identity()),
    "ec2": ("ec2:DescribeNetworkInterfaces", lambda c: c.describe_network_interfaces(MaxResults=5)),
    "logs": ("logs:DescribeLogGroups", lambda c: c.describe_log_groups()),
    "efs": ("elasticfilesystem:DescribeFileSystems", lambda c: c.describe_file_systems()),
}

EXPECTED = {
    "throttle": {"sts": ("Throttling", 400), "ec2": ("RequestLimitExceeded", 503),
                 "logs": ("ThrottlingException", 400), "efs": ("ThrottlingException", 429)},
    "500": {"sts": ("InternalFailure", 500), "ec2": ("InternalError", 500),
            "logs": ("InternalFailure", 500), "efs": ("InternalServerError", 500)},
    "503": {"sts": ("ServiceUnavailable", 503), "ec2": ("Unavailable", 503),
            "logs": ("ServiceUnavailableException", 503), "efs": ("ServiceUnavailableException", 503)},
    "expired": {"sts": ("ExpiredToken", 400), "ec2": ("RequestExpired", 400),
                "logs": ("ExpiredTokenException", 400), "efs": ("ExpiredTokenException", 403)},
    "denied": {"sts": ("AccessDenied", 403), "ec2": ("UnauthorizedOperation", 403),
               "logs": ("AccessDeniedException", 400), "efs": ("AccessDeniedException", 403)},
}


class FaultTest(EndpointTestCase):
    def test_error_faults_per_service(self):
        for kind, per_service in EXPECTED.items():
            for service, (code, status) in per_service.items():
                with self.subTest(kind=kind, service=service):
                    op, call = CALLS[service]
                    self.ep.fault(kind, operation=op)
                    with self.assertRaises(ClientError) as ctx:
                        call(self.ep.client(service))
                    self.assertAwsError(ctx, code, status)
                    call(self.ep.client(service))  # used up: the next call succeeds

    def test_sso_throttle(self):
        import botocore
        sso = self.ep.client("sso", access_key="", secret_key="")
        sso.meta.events.register("choose-signer.sso.*", lambda **kw: botocore.UNSIGNED)
        self.ep.fault("throttle", operation="sso:GetRoleCredentials")
        with self.assertRaises(ClientError) as ctx:
            sso.get_role_credentials(roleName="EfstopReadOnly", accountId="111122223333",
                                     accessToken="efstop-sso-access-token-valid")
        self.assertAwsError(ctx, "TooManyRequestsException", 429)

    def test_botocore_retries_recover_and_counts_see_every_attempt(self):
        self.ep.fault("throttle", operation="ec2:DescribeNetworkInterfaces", count=2)
        r = self.ep.client("ec2", retries=2).describe_network_interfaces(MaxResults=5)
        self.assertEqual(len(r["NetworkInterfaces"]), 5)
        self.assertEqual(r["ResponseMetadata"]["RetryAttempts"], 2)
        self.assertEqual(self.ep.counts()["ec2:DescribeNetworkInterfaces"], 3)

    def test_slow_after_acts_then_answers_late_and_describe_queries_finds_it(self):
        # An Insights query started by a call whose answer came too late:
        # DescribeQueries (botocore-parsed) lists it by group, string and
        # status, StopQuery cancels it, and it is then listed Cancelled.
        logs = self.ep.client("logs")
        group, text = "/efstop/vpc-flow-logs", "fields @message | limit 5"
        self.ep.fault("slow_after", operation="logs:StartQuery", delay_ms=400)
        t0 = time.time()
        qid = logs.start_query(logGroupName=group, startTime=0, endTime=2000000000,
                               queryString=text)["queryId"]
        self.assertGreaterEqual(time.time() - t0, 0.4)
        running = logs.describe_queries(logGroupName=group, status="Running")["queries"]
        self.assertEqual([(q["queryId"], q["queryString"], q["logGroupName"]) for q in running],
                         [(qid, text, group)])
        self.assertIsInstance(running[0]["createTime"], int)
        self.assertTrue(logs.stop_query(queryId=qid)["success"])
        self.assertEqual(logs.describe_queries(logGroupName=group, status="Running")["queries"], [])
        cancelled = logs.describe_queries(logGroupName=group, status="Cancelled")["queries"]
        self.assertEqual([q["queryId"] for q in cancelled], [qid])
        self.assertEqual(logs.describe_queries(logGroupName="/other")["queries"], [])

    def test_gateway_errors_are_html_pages(self):
        # What a load balancer in front of a service answers: not the
        # service's error format. botocore still retries them (5xx).
        for kind in ("502", "504"):
            with self.subTest(kind=kind):
                self.ep.fault(kind, operation="ec2:DescribeNetworkInterfaces")
                with self.assertRaises(ClientError) as ctx:
                    self.ep.client("ec2").describe_network_interfaces(MaxResults=5)
                self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                                 int(kind))
                self.ep.fault(kind, operation="ec2:DescribeNetworkInterfaces")
                r = self.ep.client("ec2", retries=1).describe_network_interfaces(MaxResults=5)
                self.assertEqual(r["ResponseMetadata"]["RetryAttempts"], 1)

    def test_repeat_token_answers_the_token_sent(self):
        self.ep.fault("repeat_token", operation="ec2:DescribeNetworkInterfaces", count=10)
        ec2 = self.ep.client("ec2")
        first = ec2.describe_network_interfaces(MaxResults=5)
        token = first["NextToken"]
        second = ec2.describe_network_interfaces(MaxResults=5, NextToken=token)
        self.assertEqual(second["NextToken"], token)
        # FilterLogEvents too, its empty page included.
        self.ep.fault("repeat_token", operation="logs:FilterLogEvents", count=10)
        logs = self.ep.client("logs")
        page = logs.filter_log_events(logGroupName="/efstop/vpc-flow-logs")
        again = logs.filter_log_events(logGroupName="/efstop/vpc-flow-logs",
                                       nextToken=page["nextToken"])
        self.assertEqual(again["nextToken"], page["nextToken"])

    def test_reset_breaks_the_transport(self):
        self.ep.fault("reset", operation="logs:DescribeLogGroups")
        with self.assertRaises(Exception) as ctx:
            self.ep.client("logs").describe_log_groups()
        self.assertNotIsInstance(ctx.exception, ClientError)
        self.assertTrue(self.ep.client("logs").describe_log_groups()["logGroups"])

    def test_truncate_promises_more_than_it_sends(self):
        # botocore (urllib3 1.x) does not enforce Content-Length, so this is
        # checked at the HTTP level: the client must notice the short body.
        self.ep.fault("truncate", operation="imds:Token")
        conn = http.client.HTTPConnection("127.0.0.1", self.ep.port, timeout=10)
        conn.request("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        with self.assertRaises(http.client.IncompleteRead) as ctx:
            response.read()
        self.assertGreater(ctx.exception.expected, 0)
        conn.close()

    def test_connections_are_kept_alive_across_answers_and_errors(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.ep.port, timeout=10)
        statuses = []
        for ttl in ("60", "0", "60"):  # 200, 400 (bad ttl), 200 on one connection
            conn.request("PUT", "/latest/api/token", headers={"X-aws-ec2-metadata-token-ttl-seconds": ttl})
            response = conn.getresponse()
            response.read()
            statuses.append(response.status)
            self.assertIsNotNone(conn.sock, "the endpoint closed a keep-alive connection")
        conn.close()
        self.assertEqual(statuses, [200, 400, 200])

    def test_transport_faults_recovered_by_retry(self):
        self.ep.fault("reset", operation="*", count=2)
        r = self.ep.client("efs", retries=2).describe_file_systems()
        self.assertTrue(r["FileSystems"])
        self.assertEqual(self.ep.counts()["elasticfilesystem:DescribeFileSystems"], 3)

    def test_slow(self):
        self.ep.fault("slow", operation="sts:GetCallerIdentity", delay_ms=400)
        begin = time.monotonic()
        self.ep.client("sts").get_caller_identity()
        self.assertGreaterEqual(time.monotonic() - begin, 0.4)

    def test_fault_only_hits_its_operation_and_skip_counts(self):
        self.ep.fault("500", operation="ec2:DescribeInstances", skip=1)
        ec2 = self.ep.client("ec2")
        ec2.describe_vpcs()
        ec2.describe_instances(MaxResults=5)  # skipped
        with self.assertRaises(ClientError):
            ec2.describe_instances(MaxResults=5)
        counts = self.ep.counts()
        self.assertEqual(counts["ec2:DescribeVpcs"], 1)
        self.assertEqual(counts["ec2:DescribeInstances"], 2)

    def test_fault_only_hits_paths_holding_path_contains(self):
        # DescribeMountTargets is a REST call: its path names nothing, so a
        # path_contains that is not in it lets every call through.
        self.ep.fault("500", operation="elasticfilesystem:DescribeFileSystems", count=5,
                      path_contains="/2015-02-01/file-systems")
        self.ep.fault("500", operation="elasticfilesystem:DescribeMountTargets", count=5,
                      path_contains="/not-this-path")
        efs = self.ep.client("efs")
        efs.describe_mount_targets(FileSystemId="fs-0a000000000000001")
        with self.assertRaises(ClientError):
            efs.describe_file_systems()

    def test_imds_faults(self):
        self.ep.fault("throttle", operation="imds:Token")
        status, _, _ = self.ep.raw("PUT", "/latest/api/token", b"", {"X-aws-ec2-metadata-token-ttl-seconds": "60"})
        self.assertEqual(status, 429)
        self.ep.fault("503", operation="container:Credentials")
        status, _, _ = self.ep.raw("GET", "/v2/credentials/efstop-task",
                                   headers={"Authorization": "efstop-container-auth-token"})
        self.assertEqual(status, 503)

    def test_bad_fault_requests(self):
        for doc in ({"kind": "explode"}, {"kind": "500", "count": 0}):
            with self.subTest(doc=doc), self.assertRaises(Exception) as ctx:
                self.ep.control("POST", "faults", doc)
            self.assertEqual(getattr(ctx.exception, "code", None), 400)

    def test_reset_clears_everything(self):
        self.ep.fault("denied", count=10)
        self.ep.patch({"network_interfaces": None})
        self.ep.reset()
        self.assertEqual(self.ep.counts(), {})
        self.assertTrue(self.ep.client("ec2").describe_network_interfaces(MaxResults=5)["NetworkInterfaces"])


class LatencyTest(unittest.TestCase):
    def test_latency_is_added_to_every_aws_call(self):
        ep = EndpointProcess(latency_ms=1000)
        try:
            client = ep.client("ec2")
            begin = time.monotonic()
            for _ in range(2):
                client.describe_vpcs()
            self.assertGreaterEqual(time.monotonic() - begin, 2.0)
            self.assertEqual(ep.counts()["ec2:DescribeVpcs"], 2)
            begin = time.monotonic()
            ep.counts()  # control calls are not delayed
            self.assertLess(time.monotonic() - begin, 1.0)
        finally:
            ep.stop()


if __name__ == "__main__":
    unittest.main()
