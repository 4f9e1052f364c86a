"""Accounts and regions (scenario "members", scenarios/org_members.json):
AssumeRole hands out keys of the member account, and those keys (signature
checked with them) see that account's data for the region they sign for;
DescribeRegions answers the enabled regions; Organizations ListAccounts
pages the organization's accounts, for the management account only."""

import json
import os
import unittest

from botocore.exceptions import ClientError

from endpoint_testlib import EndpointTestCase, HERE

ORG_PATCH = os.path.join(HERE, "scenarios", "org_members.json")


class OrgTest(EndpointTestCase):
    page_size = 2

    def setUp(self):
        super().setUp()
        with open(ORG_PATCH, encoding="utf-8") as f:
            self.ep.patch(json.load(f))

    def member_client(self, service, account, region):
        sts = self.ep.client("sts")
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/efstop-org-read",
                                RoleSessionName="efstop-test")["Credentials"]
        return self.ep.client(service, access_key=creds["AccessKeyId"], secret_key=creds["SecretAccessKey"],
                              token=creds["SessionToken"], region=region)

    def test_assumed_keys_see_their_account_and_region(self):
        names = {}
        for account in ("444455556666", "777788889999"):
            for region in ("eu-west-1", "us-west-2"):
                ec2 = self.member_client("ec2", account, region)
                found = ec2.describe_instances(
                    Filters=[{"Name": "private-ip-address", "Values": ["10.1.1.10"]}])
                tags = [t["Value"] for r in found["Reservations"] for i in r["Instances"] for t in i["Tags"]]
                names[(account, region)] = tags
                efs = self.member_client("efs", account, region)
                mts = efs.describe_mount_targets(
                    FileSystemId=efs.describe_file_systems()["FileSystems"][0]["FileSystemId"])
                self.assertEqual([m["IpAddress"] for m in mts["MountTargets"]], ["10.1.2.100"])
        self.assertEqual(names[("444455556666", "eu-west-1")], ["prod-euw1-app"])
        self.assertEqual(names[("444455556666", "us-west-2")], ["prod-usw2-app"])
        self.assertEqual(names[("777788889999", "eu-west-1")], ["analytics-euw1-app"])
        self.assertEqual(names[("777788889999", "us-west-2")], ["analytics-usw2-app"])
        # The caller's own keys still see the top level (the default scenario).
        own = self.ep.client("ec2").describe_instances(
            Filters=[{"Name": "private-ip-address", "Values": ["10.1.1.10"]}])
        self.assertEqual(own["Reservations"], [])

    def test_role_that_does_not_trust_the_caller_is_denied(self):
        with self.assertRaises(ClientError) as ctx:
            self.ep.client("sts").assume_role(RoleArn="arn:aws:iam::999900001111:role/efstop-org-read",
                                              RoleSessionName="efstop-test")
        self.assertAwsError(ctx, "AccessDenied", 403)

    def test_describe_regions(self):
        got = self.ep.client("ec2").describe_regions(AllRegions=False)
        self.assertEqual([r["RegionName"] for r in got["Regions"]], ["eu-west-1", "us-west-2"])
        got = self.ep.client("ec2").describe_regions(AllRegions=True)
        self.assertIn("af-south-1", [r["RegionName"] for r in got["Regions"]])
        self.assertEqual(self.ep.counts().get("ec2:DescribeRegions"), 2)

    def test_list_accounts_pages_for_the_management_account(self):
        org = self.ep.client("organizations", region="us-east-1")
        ids = []
        pages = 0
        for page in org.get_paginator("list_accounts").paginate():
            pages += 1
            ids += [(a["Id"], a["Status"]) for a in page["Accounts"]]
        self.assertEqual(pages, 2)
        self.assertEqual(ids, [("444455556666", "ACTIVE"), ("777788889999", "ACTIVE"),
                               ("999900001111", "ACTIVE"), ("123412341234", "SUSPENDED")])
        member = self.member_client("organizations", "444455556666", "us-east-1")
        with self.assertRaises(ClientError) as ctx:
            member.list_accounts()
        self.assertAwsError(ctx, "AccessDeniedException", 400)

    def test_bad_member_data_is_refused(self):
        with self.assertRaises(Exception):
            self.ep.patch({"members": {"4444": {}}})


if __name__ == "__main__":
    unittest.main()
