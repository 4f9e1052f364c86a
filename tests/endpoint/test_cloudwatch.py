"""CloudWatch GetMetricData (query protocol, signing name monitoring) through
botocore's own client and paginator: the endpoint's paging, aggregation per
Period and Stat, limits, failed metrics, faults and IAM denial."""

import datetime
import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import EndpointTestCase

FS = "fs-0a000000000000001"
import time

# Two whole hours before now: young enough for one-minute data, and the
# signing clock stays the real one.
T0 = int(time.time()) // 3600 * 3600 - 7200


def query(qid, metric, stat, period=300, fs=FS):
    return {"Id": qid, "MetricStat": {"Metric": {"Namespace": "AWS/EFS", "MetricName": metric,
                                                 "Dimensions": [{"Name": "FileSystemId", "Value": fs}]},
                                      "Period": period, "Stat": stat}}


def utc(t):
    return datetime.datetime.fromtimestamp(t, tz=datetime.timezone.utc)


class CloudWatchTest(EndpointTestCase):
    page_size = 2

    def setUp(self):
        super().setUp()
        self.load(T0)
        self.cw = self.ep.client("cloudwatch")

    def load(self, t0):
        # 30 one-minute points from t0: minute i read i*1000 bytes, and the
        # throughput limit falls by 10 each minute.
        self.ep.patch({"metrics": {"AWS/EFS": {FS: {
            "DataReadIOBytes": [[t0 + 60 * i, 1000 * i] for i in range(30)],
            "PermittedThroughput": [[t0 + 60 * i, 1000 - 10 * i] for i in range(30)],
        }}}, "metric_status": {"fs-0b000000000000002": {"DataReadIOBytes": "InternalError"}}})

    def pages(self, queries, start=T0, end=T0 + 1800):
        return list(self.cw.get_paginator("get_metric_data").paginate(
            MetricDataQueries=queries, StartTime=utc(start), EndTime=utc(end), ScanBy="TimestampAscending"))

    def test_sum_and_minimum_per_period_over_pages(self):
        pages = self.pages([query("r", "DataReadIOBytes", "Sum"), query("p", "PermittedThroughput", "Minimum")])
        self.assertEqual(len(pages), 3)  # 6 periods, 2 per page
        self.assertEqual([p["MetricDataResults"][0]["StatusCode"] for p in pages],
                         ["PartialData", "PartialData", "Complete"])
        reads = [v for p in pages for v in p["MetricDataResults"][0]["Values"]]
        # Period k holds minutes 5k..5k+4: sum of 1000*i.
        self.assertEqual(reads, [1000.0 * sum(range(5 * k, 5 * k + 5)) for k in range(6)])
        mins = [v for p in pages for v in p["MetricDataResults"][1]["Values"]]
        self.assertEqual(mins, [1000.0 - 10 * (5 * k + 4) for k in range(6)])
        stamps = [t for p in pages for t in p["MetricDataResults"][0]["Timestamps"]]
        self.assertEqual([int(t.timestamp()) for t in stamps], [T0 + 300 * k for k in range(6)])
        self.assertEqual(self.ep.counts()["monitoring:GetMetricData"], 3)

    def test_failed_metric_has_its_status(self):
        pages = self.pages([query("bad", "DataReadIOBytes", "Sum", fs="fs-0b000000000000002")])
        r = pages[0]["MetricDataResults"][0]
        self.assertEqual(r["StatusCode"], "InternalError")
        self.assertEqual(r["Values"], [])
        self.assertEqual(r["Messages"][0]["Code"], "InternalError")

    def test_limits(self):
        with self.assertRaises(ClientError) as ctx:
            self.pages([query("r", "DataReadIOBytes", "Sum", period=90)])
        self.assertAwsError(ctx, "InvalidParameterValue", 400)
        with self.assertRaises(ClientError) as ctx:
            self.pages([query("Upper", "DataReadIOBytes", "Sum")])
        self.assertAwsError(ctx, "InvalidParameterValue", 400)
        with self.assertRaises(ClientError) as ctx:
            self.pages([query(f"q{i}", "DataReadIOBytes", "Sum", period=60) for i in range(2)],
                       start=T0, end=T0 + 60 * 50401)
        self.assertAwsError(ctx, "InvalidParameterValue", 400)
        with self.assertRaises(ClientError) as ctx:
            self.pages([query("r", "DataReadIOBytes", "Sum")] * 2)
        self.assertAwsError(ctx, "InvalidParameterValue", 400)

    def test_retention_leaves_old_minutes_out(self):
        old = T0 - 16 * 86400  # one-minute data is kept 15 days, five-minute data 63
        self.load(old)
        one_minute = self.pages([query("r", "DataReadIOBytes", "Sum", period=60)], old, old + 1800)
        self.assertEqual([v for p in one_minute for v in p["MetricDataResults"][0]["Values"]], [])
        five = self.pages([query("r", "DataReadIOBytes", "Sum", period=300)], old, old + 1800)
        self.assertEqual(len([v for p in five for v in p["MetricDataResults"][0]["Values"]]), 6)

    def test_fault_and_denial(self):
        self.ep.fault("throttle", "monitoring:GetMetricData")
        with self.assertRaises(ClientError) as ctx:
            self.cw.get_metric_data(MetricDataQueries=[query("r", "DataReadIOBytes", "Sum")],
                               StartTime=utc(T0), EndTime=utc(T0 + 300))
        self.assertAwsError(ctx, "Throttling", 400)
        self.ep.reset()
        self.ep.control("POST", "deny", {"actions": ["cloudwatch:GetMetricData"]})
        with self.assertRaises(ClientError) as ctx:
            self.cw.get_metric_data(MetricDataQueries=[query("r", "DataReadIOBytes", "Sum")],
                                    StartTime=utc(T0), EndTime=utc(T0 + 300))
        self.assertAwsError(ctx, "AccessDenied", 403)
        self.assertIn("cloudwatch:GetMetricData", ctx.exception.response["Error"]["Message"])
        self.assertEqual(self.ep.control("GET", "actions")["actions"], ["cloudwatch:GetMetricData"])


if __name__ == "__main__":
    unittest.main()
