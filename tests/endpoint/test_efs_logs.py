"""EFS (REST-JSON, Marker/NextMarker) and CloudWatch Logs (JSON 1.1,
nextToken with an empty page, GetLogEvents f/b tokens) over the default
scenario, with two items per page so every paginator turns pages."""

import json
import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import EndpointTestCase, load_default_scenario

GROUP = "/efstop/vpc-flow-logs"


class EfsTest(EndpointTestCase):
    page_size = 2

    def setUp(self):
        super().setUp()
        self.efs = self.ep.client("efs")
        self.scenario = load_default_scenario()

    def test_file_systems_page_with_markers(self):
        pages = list(self.efs.get_paginator("describe_file_systems").paginate())
        systems = [fs for p in pages for fs in p["FileSystems"]]
        self.assertEqual(sorted(fs["FileSystemId"] for fs in systems), sorted(self.scenario["file_systems"]))
        self.assertEqual(len(pages), 3)
        self.assertEqual(pages[1]["Marker"], pages[0]["NextMarker"])
        by_id = {fs["FileSystemId"]: fs for fs in systems}
        self.assertEqual(by_id["fs-0a000000000000001"]["Name"], "shared-home")
        self.assertEqual(by_id["fs-0a000000000000001"]["NumberOfMountTargets"], 3)
        self.assertNotIn("Name", by_id["fs-0c000000000000003"])
        self.assertEqual(by_id["fs-0b000000000000002"]["AvailabilityZoneName"], "eu-west-1b")

    def test_mount_targets_need_a_file_system(self):
        mts = [m for p in self.efs.get_paginator("describe_mount_targets").paginate(
            FileSystemId="fs-0a000000000000001") for m in p["MountTargets"]]
        self.assertEqual(sorted(m["AvailabilityZoneName"] for m in mts), ["eu-west-1a", "eu-west-1b", "eu-west-1c"])
        self.assertEqual(self.ep.counts()["elasticfilesystem:DescribeMountTargets"], 2)
        for m in mts:
            eni = self.scenario["network_interfaces"][m["NetworkInterfaceId"]]
            self.assertEqual(eni["PrivateIpAddress"], m["IpAddress"])
        with self.assertRaises(ClientError) as ctx:
            self.efs.describe_mount_targets()
        self.assertAwsError(ctx, "BadRequest", 400)
        with self.assertRaises(ClientError) as ctx:
            self.efs.describe_mount_targets(FileSystemId="fs-0000000000000dead")
        self.assertAwsError(ctx, "FileSystemNotFound", 404)

    def test_file_system_by_arn_and_not_found(self):
        arn = "arn:aws:elasticfilesystem:eu-west-1:111122223333:file-system/fs-0b000000000000002"
        self.assertEqual(self.efs.describe_file_systems(FileSystemId=arn)["FileSystems"][0]["Name"], "scratch")
        with self.assertRaises(ClientError) as ctx:
            self.efs.describe_file_systems(FileSystemId="fs-0000000000000dead")
        self.assertAwsError(ctx, "FileSystemNotFound", 404)

    def test_bad_marker_and_unknown_query_parameter(self):
        with self.assertRaises(ClientError) as ctx:
            self.efs.describe_file_systems(Marker="not-a-marker")
        self.assertAwsError(ctx, "BadRequest", 400)
        status, headers, body = self.ep.raw("GET", "/2015-02-01/file-systems?Bogus=1")
        self.assertEqual(status, 403)  # unsigned: refused before parameters are looked at
        self.assertEqual(json.loads(body)["ErrorCode"], "MissingAuthenticationTokenException")

    def test_unknown_signed_query_parameter(self):
        def add_query(request, **kwargs):
            request.url += ("&" if "?" in request.url else "?") + "Bogus=1"
        self.efs.meta.events.register("before-sign.efs.DescribeFileSystems", add_query)
        with self.assertRaises(ClientError) as ctx:
            self.efs.describe_file_systems()
        self.assertAwsError(ctx, "BadRequest", 400)

    def test_error_wire_format(self):
        with self.assertRaises(ClientError) as ctx:
            self.efs.describe_file_systems(FileSystemId="fs-0000000000000dead")
        headers = ctx.exception.response["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers["x-amzn-errortype"], "FileSystemNotFound:")
        self.assertIn("x-amzn-requestid", headers)
        self.assertEqual(headers["content-type"], "application/json")


class LogsTest(EndpointTestCase):
    page_size = 2

    def setUp(self):
        super().setUp()
        self.logs = self.ep.client("logs")
        self.scenario = load_default_scenario()
        self.streams = self.scenario["log_groups"][GROUP]["streams"]

    def test_filter_log_events_has_an_empty_page_and_loses_nothing(self):
        pages = list(self.logs.get_paginator("filter_log_events").paginate(logGroupName=GROUP))
        sizes = [len(p["events"]) for p in pages]
        self.assertEqual(sizes[1], 0)
        self.assertIn("nextToken", pages[1])
        events = [e for p in pages for e in p["events"]]
        self.assertEqual(len(events), sum(len(v) for v in self.streams.values()))
        self.assertEqual(len({e["eventId"] for e in events}), len(events))
        self.assertEqual([e["timestamp"] for e in events], sorted(e["timestamp"] for e in events))
        self.assertNotIn("nextToken", pages[-1])

    def test_filter_by_streams_time_and_pattern(self):
        stream = sorted(self.streams)[0]
        got = [e for p in self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=GROUP, logStreamNames=[stream]) for e in p["events"]]
        self.assertEqual(len(got), len(self.streams[stream]))
        self.assertTrue(all(e["logStreamName"] == stream for e in got))
        all_ts = sorted(ev[0] for evs in self.streams.values() for ev in evs)
        lo, hi = all_ts[10], all_ts[30]
        ranged = [e for p in self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=GROUP, startTime=lo, endTime=hi) for e in p["events"]]
        self.assertEqual(len(ranged), sum(1 for t in all_ts if lo <= t <= hi))
        rejects = [e for p in self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=GROUP, filterPattern="REJECT") for e in p["events"]]
        self.assertEqual(len(rejects), 1)
        nfs_in = [e for p in self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=GROUP, filterPattern="[v, account, eni, src, dst, srcport, dstport=2049, ...]")
            for e in p["events"]]
        want = sum(1 for evs in self.streams.values() for ev in evs
                   if len(ev[1].split()) > 6 and ev[1].split()[6] == "2049")
        self.assertEqual(len(nfs_in), want)
        big = [e for p in self.logs.get_paginator("filter_log_events").paginate(
            logGroupName=GROUP, filterPattern="[v, a, e, s, d, sp, dp, p, pk, bytes>=100000000, ...]")
            for e in p["events"]]
        self.assertTrue(big)
        self.assertTrue(all(int(e["message"].split()[9]) >= 100000000 for e in big))

    def test_quirk_ignores_the_stream_filter(self):
        stream = sorted(self.streams)[0]
        self.ep.patch({"quirks": {"logs_ignore_stream_filter": True}})
        for ask in ({"logStreamNames": [stream]}, {"logStreamNamePrefix": stream}):
            got = [e for p in self.logs.get_paginator("filter_log_events").paginate(
                logGroupName=GROUP, **ask) for e in p["events"]]
            # Every stream answers, as from a server that ignores the filter.
            self.assertEqual(len(got), sum(len(v) for v in self.streams.values()))
            self.assertEqual({e["logStreamName"] for e in got}, set(self.streams))
        with self.assertRaises(Exception):
            self.ep.patch({"quirks": {"no_such_quirk": True}})

    def test_unknown_group_and_bad_token(self):
        with self.assertRaises(ClientError) as ctx:
            self.logs.filter_log_events(logGroupName="/no/such/group")
        self.assertAwsError(ctx, "ResourceNotFoundException", 400)
        with self.assertRaises(ClientError) as ctx:
            self.logs.filter_log_events(logGroupName=GROUP, nextToken="garbage")
        self.assertAwsError(ctx, "InvalidParameterException", 400)
        with self.assertRaises(ClientError) as ctx:
            self.logs.filter_log_events(logGroupName=GROUP, limit=10001)
        self.assertAwsError(ctx, "InvalidParameterException", 400)

    def test_get_log_events_forward_until_token_repeats(self):
        stream = sorted(self.streams)[0]
        token, seen, calls = None, [], 0
        while True:
            kw = {"logGroupName": GROUP, "logStreamName": stream, "startFromHead": True}
            if token:
                kw["nextToken"] = token
            r = self.logs.get_log_events(**kw)
            calls += 1
            seen += r["events"]
            if r["nextForwardToken"] == token:
                break
            token = r["nextForwardToken"]
        self.assertEqual([e["message"] for e in seen], [ev[1] for ev in sorted(self.streams[stream],
                                                                             key=lambda ev: ev[0])])
        self.assertEqual(calls, -(-len(self.streams[stream]) // 2) + 1)

    def test_get_log_events_backward_from_the_newest(self):
        stream = sorted(self.streams)[0]
        r = self.logs.get_log_events(logGroupName=GROUP, logStreamName=stream)
        newest = sorted(self.streams[stream], key=lambda ev: ev[0])[-2:]
        self.assertEqual([e["message"] for e in r["events"]], [ev[1] for ev in newest])
        with self.assertRaises(ClientError) as ctx:
            self.logs.get_log_events(logGroupName=GROUP, logStreamName=stream, nextToken=r["nextForwardToken"])
        self.assertAwsError(ctx, "InvalidParameterException", 400)

    def test_describe_log_groups_pages(self):
        groups = [g for p in self.logs.get_paginator("describe_log_groups").paginate() for g in p["logGroups"]]
        self.assertEqual(sorted(g["logGroupName"] for g in groups), sorted(self.scenario["log_groups"]))
        prefixed = self.logs.describe_log_groups(logGroupNamePrefix="/aws/")["logGroups"]
        self.assertEqual([g["logGroupName"] for g in prefixed], ["/aws/lambda/efs-indexer"])

    def test_unknown_member_and_wrong_type_are_refused(self):
        logs = self.ep.client("logs")

        def add_member(request, **kwargs):
            doc = json.loads(request.data)
            doc["bogusMember"] = 1
            request.data = json.dumps(doc).encode()
        logs.meta.events.register("before-sign.logs.DescribeLogGroups", add_member)
        with self.assertRaises(ClientError) as ctx:
            logs.describe_log_groups()
        self.assertAwsError(ctx, "InvalidParameterException", 400)
        self.assertIn("bogusMember", ctx.exception.response["Error"]["Message"])
        typed = self.ep.client("logs")

        def wrong_type(request, **kwargs):
            request.data = json.dumps({"logGroupName": GROUP, "limit": "ten"}).encode()
        typed.meta.events.register("before-sign.logs.FilterLogEvents", wrong_type)
        with self.assertRaises(ClientError) as ctx:
            typed.filter_log_events(logGroupName=GROUP)
        self.assertAwsError(ctx, "InvalidParameterException", 400)

    def test_json_wire_format(self):
        status, headers, body = self.ep.raw("POST", "/", b"{}", {"X-Amz-Target": "Logs_20140328.DescribeLogGroups",
                                                                  "Content-Type": "application/x-amz-json-1.1"})
        self.assertEqual(status, 400)
        doc = json.loads(body)
        self.assertEqual(doc["__type"], "MissingAuthenticationTokenException")
        self.assertIn("message", doc)
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.1")


if __name__ == "__main__":
    unittest.main()
