"""The deny switch and the action recorder (ep_iam.py): a denied action gets
each service's own access-denied answer, an EC2 DryRun answers
DryRunOperation when allowed and UnauthorizedOperation when denied, and
GET /__efstop/actions lists the IAM actions signed callers used."""

import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import EndpointTestCase


class IamTest(EndpointTestCase):
    def test_denied_actions_get_each_services_error(self):
        self.ep.control("POST", "deny", {"actions": ["ec2:DescribeInstances", "logs:StartQuery",
                                                     "elasticfilesystem:DescribeFileSystems"]})
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("ec2").describe_instances(MaxResults=5)
        self.assertAwsError(ctx, "UnauthorizedOperation", 403)
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("logs").start_query(logGroupName="/efstop/vpc-flow-logs", startTime=0,
                                               endTime=1, queryString="fields @message")
        self.assertAwsError(ctx, "AccessDeniedException", 400)
        self.assertIn("is not authorized to perform: logs:StartQuery",
                      ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("efs").describe_file_systems()
        self.assertAwsError(ctx, "AccessDeniedException", 403)
        # Others still answer, every time (a switch, not a one-shot fault).
        self.ep.client("ec2").describe_network_interfaces(MaxResults=5)
        with self.assertRaises(ClientError):
            self.ep.client("ec2").describe_instances(MaxResults=5)

    def test_dry_run_tells_allowed_from_denied(self):
        ec2 = self.ep.client("ec2")
        with self.assertRaises(ClientError) as ctx:
            ec2.describe_flow_logs(DryRun=True)
        self.assertAwsError(ctx, "DryRunOperation", 412)
        self.ep.control("POST", "deny", {"actions": ["ec2:DescribeFlowLogs"]})
        with self.assertRaises(ClientError) as ctx:
            ec2.describe_flow_logs(DryRun=True)
        self.assertAwsError(ctx, "UnauthorizedOperation", 403)

    def test_actions_lists_what_signed_callers_used(self):
        self.ep.control("POST", "deny", {"actions": ["ec2:DescribeVpcEndpoints"]})
        self.ep.client("sts").get_caller_identity()  # needs no permission: not listed
        self.ep.client("ec2").describe_network_interfaces(MaxResults=5)
        self.ep.client("logs").describe_log_groups(limit=1)
        with self.assertRaises(ClientError):
            self.ep.client("ec2").describe_vpc_endpoints(MaxResults=5)
        with self.assertRaises(ClientError):  # bad key: never authenticated, not listed
            self.ep.client("efs", access_key="AKIAUNKNOWN000000000").describe_file_systems()
        self.assertEqual(self.ep.control("GET", "actions")["actions"],
                         ["ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcEndpoints",
                          "logs:DescribeLogGroups"])
        self.ep.reset()  # clears both the list and the switch
        self.assertEqual(self.ep.control("GET", "actions")["actions"], [])
        self.ep.client("ec2").describe_vpc_endpoints(MaxResults=5)

    def test_bad_deny_request_is_refused(self):
        status, _, body = self.ep.raw("POST", "/__efstop/deny", b'{"actions": "ec2:DescribeInstances"}')
        self.assertEqual(status, 400)
        self.assertIn(b"deny:", body)


if __name__ == "__main__":
    unittest.main()
