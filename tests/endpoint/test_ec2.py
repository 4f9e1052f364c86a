"""EC2 over the default scenario: wire format, small pages, filters, ID
lookups and the parameter rules botocore does not enforce itself."""

import unittest

from botocore.exceptions import ClientError, ParamValidationError

from endpoint_testlib import EndpointTestCase, load_default_scenario

FORM = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}


class Ec2Test(EndpointTestCase):
    def setUp(self):
        super().setUp()
        self.ec2 = self.ep.client("ec2")
        self.scenario = load_default_scenario()

    def all_enis(self, **kwargs):
        pages = list(self.ec2.get_paginator("describe_network_interfaces").paginate(**kwargs))
        return [e for p in pages for e in p["NetworkInterfaces"]], len(pages)

    def test_pages_are_small_and_complete(self):
        enis, pages = self.all_enis(PaginationConfig={"PageSize": 1000})
        want = sorted(self.scenario["network_interfaces"])
        self.assertEqual(sorted(e["NetworkInterfaceId"] for e in enis), want)
        self.assertEqual(pages, -(-len(want) // 5))
        self.assertEqual(self.ep.counts()["ec2:DescribeNetworkInterfaces"], pages)

    def test_max_results_smaller_than_page_size(self):
        first = self.ec2.describe_network_interfaces(MaxResults=5)
        self.assertEqual(len(first["NetworkInterfaces"]), 5)
        self.assertIn("NextToken", first)
        page = self.ec2.describe_network_interfaces(MaxResults=6, NextToken=first["NextToken"])
        self.assertEqual(len(page["NetworkInterfaces"]), 5)  # the page size caps MaxResults

    def test_max_results_bounds(self):
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(MaxResults=1001)  # botocore checks only the minimum
        self.assertAwsError(ctx, "InvalidParameterValue", 400)
        ec2 = self.ep.client("ec2")

        def too_small(params, **kwargs):
            params["body"]["MaxResults"] = 4
        ec2.meta.events.register("before-call", too_small)
        with self.assertRaises(ClientError) as ctx:
            ec2.describe_network_interfaces()
        self.assertAwsError(ctx, "InvalidParameterValue", 400)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_instances(MaxResults=3)
        self.assertAwsError(ctx, "InvalidParameterValue", 400)

    def test_max_results_with_ids_is_refused(self):
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0e000000000000001"], MaxResults=5)
        self.assertAwsError(ctx, "InvalidParameterCombination", 400)

    def test_next_token_bound_to_its_filters(self):
        first = self.ec2.describe_network_interfaces(MaxResults=5)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(
                MaxResults=5, NextToken=first["NextToken"], Filters=[{"Name": "vpc-id", "Values": ["vpc-x"]}])
        self.assertAwsError(ctx, "InvalidNextToken", 400)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(MaxResults=5, NextToken="garbage")
        self.assertAwsError(ctx, "InvalidNextToken", 400)

    def test_private_ip_filter_includes_secondary_addresses(self):
        r = self.ec2.describe_network_interfaces(
            Filters=[{"Name": "addresses.private-ip-address", "Values": ["10.20.3.113", "10.20.1.72", "10.9.9.9"]}])
        ids = {e["NetworkInterfaceId"] for e in r["NetworkInterfaces"]}
        want = {k for k, e in self.scenario["network_interfaces"].items()
                if {"10.20.3.113", "10.20.1.72"} & {p["PrivateIpAddress"] for p in e["PrivateIpAddresses"]}}
        self.assertEqual(ids, want)
        self.assertEqual(len(ids), 2)

    def test_public_ipv6_and_type_filters(self):
        by_public = self.ec2.describe_network_interfaces(
            Filters=[{"Name": "association.public-ip", "Values": ["198.51.100.30"]}])["NetworkInterfaces"]
        self.assertEqual([e["InterfaceType"] for e in by_public], ["nat_gateway"])
        by_v6 = self.ec2.describe_network_interfaces(
            Filters=[{"Name": "ipv6-addresses.ipv6-address", "Values": ["2001:db8:20:1::11"]}])["NetworkInterfaces"]
        self.assertEqual([e["Attachment"]["InstanceId"] for e in by_v6], ["i-0a1b00000000000a1"])
        lambdas, _ = self.all_enis(Filters=[{"Name": "interface-type", "Values": ["lambda"]},
                                            {"Name": "vpc-id", "Values": ["vpc-0a1b2c3d4e5f60001"]}])
        self.assertEqual(len(lambdas), 1)
        self.assertTrue(lambdas[0]["Description"].startswith("AWS Lambda VPC ENI-"))

    def test_wildcards_and_tag_filters(self):
        efs, _ = self.all_enis(Filters=[{"Name": "description", "Values": ["EFS mount target for *"]}])
        self.assertEqual(len(efs), len(self.scenario["mount_targets"]))
        tagged, _ = self.all_enis(Filters=[{"Name": "tag:aws:ecs:clusterName", "Values": ["prod"]}])
        self.assertEqual(len(tagged), 1)

    def test_unknown_filter_is_refused(self):
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(Filters=[{"Name": "no-such-filter", "Values": ["x"]}])
        self.assertAwsError(ctx, "InvalidParameterValue", 400)

    def test_filter_value_cap(self):
        ips = [f"10.0.{i // 250}.{i % 250}" for i in range(201)]
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(Filters=[{"Name": "addresses.private-ip-address", "Values": ips}])
        self.assertAwsError(ctx, "FilterLimitExceeded", 400)
        split = [{"Name": "addresses.private-ip-address", "Values": ips[:100]},
                 {"Name": "private-ip-address", "Values": ips[100:]}]
        with self.assertRaises(ClientError) as ctx:  # the cap counts values across filters
            self.ec2.describe_network_interfaces(Filters=split)
        self.assertAwsError(ctx, "FilterLimitExceeded", 400)
        r = self.ec2.describe_network_interfaces(Filters=[{"Name": "addresses.private-ip-address",
                                                           "Values": ips[:200]}])
        self.assertEqual(r["NetworkInterfaces"], [])

    def test_ids_not_found_and_malformed(self):
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0e000000000000001",
                                                                      "eni-0fffffffffffffff0"])
        self.assertAwsError(ctx, "InvalidNetworkInterfaceID.NotFound", 400)
        self.assertIn("eni-0fffffffffffffff0", ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_instances(InstanceIds=["foobar"])
        self.assertAwsError(ctx, "InvalidInstanceID.Malformed", 400)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_instances(InstanceIds=["i-0a1b00000000000a1", "i-0a1b0000000000099"])
        self.assertAwsError(ctx, "InvalidInstanceID.NotFound", 400)

    def test_ids_are_answered_whole(self):
        ids = sorted(self.scenario["network_interfaces"])[:12]
        r = self.ec2.describe_network_interfaces(NetworkInterfaceIds=ids)
        self.assertEqual(sorted(e["NetworkInterfaceId"] for e in r["NetworkInterfaces"]), ids)
        self.assertNotIn("NextToken", r)

    def test_instances_filters_and_shared_names(self):
        pages = self.ec2.get_paginator("describe_instances").paginate(
            Filters=[{"Name": "tag:Name", "Values": ["web"]}])
        found = sorted(i["InstanceId"] for p in pages for r in p["Reservations"] for i in r["Instances"])
        self.assertEqual(found, ["i-0a1b00000000000a1", "i-0a1b00000000000a2"])
        # The instance-id filter does not fail on unknown ids (InstanceId.N does).
        r = self.ec2.describe_instances(Filters=[{"Name": "instance-id",
                                                  "Values": ["i-0a1b00000000000a2", "i-0a1b0000000000099"]}])
        self.assertEqual([i["InstanceId"] for res in r["Reservations"] for i in res["Instances"]],
                         ["i-0a1b00000000000a2"])
        by_ip = self.ec2.describe_instances(Filters=[{"Name": "private-ip-address", "Values": ["10.20.1.70"]}])
        inst = by_ip["Reservations"][0]["Instances"][0]
        self.assertEqual(inst["Placement"]["AvailabilityZone"], "eu-west-1a")
        self.assertIn({"Key": "Name", "Value": "platform-node"}, inst["Tags"])

    def test_flow_logs_subnets_vpcs(self):
        fl = self.ec2.describe_flow_logs(Filters=[{"Name": "log-destination-type", "Values": ["cloud-watch-logs"]}])
        self.assertEqual(len(fl["FlowLogs"]), 1)
        self.assertEqual(fl["FlowLogs"][0]["LogGroupName"], "/efstop/vpc-flow-logs")
        self.assertTrue(fl["FlowLogs"][0]["LogFormat"].startswith("${version} ${account-id}"))
        s3 = self.ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": ["subnet-0cc0000000000000c"]}])
        self.assertEqual(s3["FlowLogs"][0]["LogDestination"], "arn:aws:s3:::efstop-flow-logs/prod")
        self.assertFalse(s3["FlowLogs"][0]["DestinationOptions"]["HiveCompatiblePartitions"])
        subnets = self.ec2.describe_subnets(SubnetIds=["subnet-0bb0000000000000b"])["Subnets"]
        self.assertEqual(subnets[0]["AvailabilityZoneId"], "euw1-az1")
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_vpcs(VpcIds=["vpc-0000000000000dead"])
        self.assertAwsError(ctx, "InvalidVpcID.NotFound", 400)

    def test_dry_run(self):
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_vpcs(DryRun=True)
        self.assertAwsError(ctx, "DryRunOperation", 412)

    def test_wire_format_is_ec2_xml(self):
        captured = {}
        self.ec2.meta.events.register("after-call", lambda http_response, **kw: captured.update(
            body=http_response.content, headers=http_response.headers))
        self.ec2.describe_network_interfaces(NetworkInterfaceIds=["eni-0e000000000000001"])
        body = captured["body"].decode()
        self.assertTrue(body.startswith('<?xml version="1.0" encoding="UTF-8"?>'))
        self.assertIn('<DescribeNetworkInterfacesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">', body)
        self.assertIn("<requestId>", body)
        self.assertIn("<networkInterfaceSet><item><networkInterfaceId>eni-0e000000000000001", body.replace(" ", ""))
        self.assertIn("<privateIpAddressesSet><item>", body)
        self.assertIn("<requesterManaged>false</requesterManaged>", body)
        # A member newer than the 2022 model passes through as a new element.
        self.assertIn("<availabilityZoneId>euw1-az3</availabilityZoneId>", body)

    def test_error_wire_format(self):
        status, headers, body = self.ep.raw("POST", "/", b"Action=DescribeNoSuchThing&Version=2016-11-15", FORM)
        self.assertEqual(status, 400)
        text = body.decode()
        self.assertIn("<Response><Errors><Error><Code>", text)
        self.assertIn("<RequestID>", text)

    def test_unknown_parameter_and_bad_types(self):
        def with_extra(params, **kwargs):
            params["body"]["Bogus.1"] = "x"
        self.ec2.meta.events.register("before-call", with_extra)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_vpcs()
        self.assertAwsError(ctx, "UnknownParameter", 400)
        with self.assertRaises(ParamValidationError):  # botocore itself refuses a wrong type
            self.ep.client("ec2").describe_vpcs(MaxResults="ten")

    def test_wrong_type_on_the_wire(self):
        ec2 = self.ep.client("ec2")

        def bad_max(params, **kwargs):
            params["body"]["MaxResults"] = "ten"
        ec2.meta.events.register("before-call", bad_max)
        with self.assertRaises(ClientError) as ctx:
            ec2.describe_vpcs()
        self.assertAwsError(ctx, "InvalidParameterValue", 400)

    def test_deleted_eni_disappears_after_patch(self):
        eni = "eni-0e000000000000002"
        by_ip = [{"Name": "addresses.private-ip-address", "Values": ["10.20.2.12"]}]
        self.assertEqual([e["NetworkInterfaceId"] for e in
                          self.ec2.describe_network_interfaces(Filters=by_ip)["NetworkInterfaces"]], [eni])
        self.ep.patch({"network_interfaces": {eni: None}})
        self.assertEqual(self.ec2.describe_network_interfaces(Filters=by_ip)["NetworkInterfaces"], [])
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_network_interfaces(NetworkInterfaceIds=[eni])
        self.assertAwsError(ctx, "InvalidNetworkInterfaceID.NotFound", 400)

    def test_vpc_endpoints_by_filter_paged_with_ec2_error_codes(self):
        endpoints = {f"vpce-0a1b2c3d4e5f6789{k}": {
            "VpcEndpointType": "Interface", "VpcId": "vpc-0a1b2c3d4e5f60001",
            "ServiceName": f"com.amazonaws.eu-west-1.svc{k}", "State": "available",
            "NetworkInterfaceIds": [f"eni-0e00000000000009{k}"], "OwnerId": "111122223333",
            "Tags": [{"Key": "Name", "Value": f"endpoint-{k}"}] if k % 2 else []} for k in range(7)}
        self.ep.patch({"vpc_endpoints": endpoints})
        captured = {}
        self.ec2.meta.events.register("after-call", lambda http_response, **kw: captured.update(
            body=http_response.content))
        wanted = sorted(endpoints)[:6] + ["vpce-0fffffffffffffff0"]  # an id that is gone: just absent
        pages = list(self.ec2.get_paginator("describe_vpc_endpoints").paginate(
            Filters=[{"Name": "vpc-endpoint-id", "Values": wanted}],
            PaginationConfig={"PageSize": 1000}))
        found = {v["VpcEndpointId"]: v for p in pages for v in p["VpcEndpoints"]}
        self.assertEqual(sorted(found), sorted(endpoints)[:6])
        self.assertEqual(len(pages), 2)  # the scenario's page size is 5
        self.assertEqual(found["vpce-0a1b2c3d4e5f67891"]["ServiceName"], "com.amazonaws.eu-west-1.svc1")
        self.assertEqual(found["vpce-0a1b2c3d4e5f67891"]["Tags"], [{"Key": "Name", "Value": "endpoint-1"}])
        self.assertEqual(found["vpce-0a1b2c3d4e5f67891"]["NetworkInterfaceIds"], ["eni-0e000000000000091"])
        body = captured["body"].decode().replace(" ", "").replace("\n", "")
        self.assertIn("<vpcEndpointSet><item><vpcEndpointId>vpce-0a1b2c3d4e5f6789", body)
        self.assertIn("<networkInterfaceIdSet><item>eni-0e00000000000009", body)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_vpc_endpoints(VpcEndpointIds=["vpce-0fffffffffffffff0"])
        self.assertAwsError(ctx, "InvalidVpcEndpointId.NotFound", 400)
        with self.assertRaises(ClientError) as ctx:
            self.ec2.describe_vpc_endpoints(VpcEndpointIds=["endpoint-1"])
        self.assertAwsError(ctx, "InvalidVpcEndpointId.Malformed", 400)


if __name__ == "__main__":
    unittest.main()
