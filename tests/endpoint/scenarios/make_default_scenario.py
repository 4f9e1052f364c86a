#!/usr/bin/python3
"""Writes default.json, the test endpoint's default scenario, deterministically.

  /usr/bin/python3 tests/endpoint/scenarios/make_default_scenario.py > tests/endpoint/scenarios/default.json

One account (111122223333) in eu-west-1 with a VPC over three AZs and an ENI
of every kind efstop has to name (see README.md "Default scenario"), EFS file
systems with mount targets in several AZs, flow logs to CloudWatch Logs and
S3, and a flow-log group whose events are NFS traffic between those ENIs.
Credentials, roles, SSO, IMDS and container values match the constants in
tests/harness/test_endpoint.h.
"""

import json
import sys

ACCOUNT = "111122223333"
REGION = "eu-west-1"
VPC = "vpc-0a1b2c3d4e5f60001"
VPC2 = "vpc-0a1b2c3d4e5f60002"
AZS = {"a": ("eu-west-1a", "euw1-az3"), "b": ("eu-west-1b", "euw1-az1"), "c": ("eu-west-1c", "euw1-az2")}
SUBNETS = {
    "a": ("subnet-0aa0000000000000a", "10.20.1.0/24"),
    "b": ("subnet-0bb0000000000000b", "10.20.2.0/24"),
    "c": ("subnet-0cc0000000000000c", "10.20.3.0/24"),
    "pub": ("subnet-0dd0000000000000d", "10.20.101.0/24"),
}
SG = [{"GroupId": "sg-0efs000000000001", "GroupName": "efs-clients"}]
ELB_ACCOUNT = "amazon-elb"
AWS_SERVICE_ACCOUNT = "210987654321"  # stands in for the AWS-owned requester accounts

FS = {
    "fs-0a000000000000001": {"name": "shared-home", "mts": "abc", "one_zone": None},
    "fs-0b000000000000002": {"name": "scratch", "mts": "b", "one_zone": "b"},
    "fs-0c000000000000003": {"name": None, "mts": "a", "one_zone": None},
    "fs-0d000000000000004": {"name": "archive", "mts": "", "one_zone": None},
    "fs-0e000000000000005": {"name": "ml-datasets", "mts": "ac", "one_zone": None},
    "fs-0f000000000000006": {"name": "build-cache", "mts": "c", "one_zone": None},
}


def tags(d):
    return [{"Key": k, "Value": v} for k, v in d.items()]


def mac(n):
    return "02:ef:57:00:%02x:%02x" % (n // 256, n % 256)


def eni(n, az, ip, description, interface_type="interface", instance=None, owner_of_attachment=None,
        requester_id=None, requester_managed=False, public_ip=None, public_owner="amazon", ipv6=None,
        secondary=(), tag=None, status="in-use", subnet=None):
    eni_id = "eni-0e%015x" % n
    zone, zone_id = AZS[az]
    sub = subnet or SUBNETS[az][0]
    private = [{"PrivateIpAddress": ip, "PrivateDnsName": f"ip-{ip.replace('.', '-')}.{REGION}.compute.internal",
                "Primary": True}]
    for s in secondary:
        private.append({"PrivateIpAddress": s, "PrivateDnsName":
                        f"ip-{s.replace('.', '-')}.{REGION}.compute.internal", "Primary": False})
    item = {
        "AvailabilityZone": zone,
        "AvailabilityZoneId": zone_id,
        "Description": description,
        "Groups": SG,
        "InterfaceType": interface_type,
        "Ipv6Addresses": [{"Ipv6Address": a} for a in (ipv6 or [])],
        "MacAddress": mac(n),
        "OwnerId": ACCOUNT,
        "PrivateDnsName": private[0]["PrivateDnsName"],
        "PrivateIpAddress": ip,
        "PrivateIpAddresses": private,
        "RequesterManaged": requester_managed,
        "SourceDestCheck": True,
        "Status": status,
        "SubnetId": sub,
        "TagSet": tags(tag or {}),
        "VpcId": VPC,
    }
    if requester_id:
        item["RequesterId"] = requester_id
    if public_ip:
        assoc = {"IpOwnerId": public_owner, "PublicDnsName": f"ec2-{public_ip.replace('.', '-')}."
                 f"{REGION}.compute.amazonaws.com", "PublicIp": public_ip}
        if public_owner != "amazon":
            assoc["AllocationId"] = "eipalloc-0%016x" % n
            assoc["AssociationId"] = "eipassoc-0%016x" % n
        item["Association"] = assoc
        private[0]["Association"] = assoc
    if status == "in-use":
        att = {"AttachmentId": "eni-attach-0%016x" % n, "DeleteOnTermination": instance is not None,
               "DeviceIndex": 0 if instance else 1, "NetworkCardIndex": 0, "Status": "attached",
               "AttachTime": "2026-11-01T08:00:00.000Z",
               "InstanceOwnerId": owner_of_attachment or ACCOUNT}
        if instance:
            att["InstanceId"] = instance
        item["Attachment"] = att
    return eni_id, item


def build():
    enis = {}
    instances = {}
    n = [0]

    def add(*args, **kw):
        n[0] += 1
        eni_id, item = eni(n[0], *args, **kw)
        enis[eni_id] = item
        return eni_id

    def instance(iid, name, az, ip, eni_id, public_ip=None, extra_tags=None, itype="m6i.large",
                 state=("running", 16)):
        t = {"Name": name} if name is not None else {}
        t.update(extra_tags or {})
        zone = AZS[az][0]
        item = {
            "InstanceId": iid, "ImageId": "ami-0efst0p0000000001", "InstanceType": itype,
            "LaunchTime": "2026-11-01T08:00:00.000Z", "Placement": {"AvailabilityZone": zone, "Tenancy": "default"},
            "PrivateDnsName": f"ip-{ip.replace('.', '-')}.{REGION}.compute.internal" if ip else "",
            "State": {"Code": state[1], "Name": state[0]}, "Tags": tags(t), "Architecture": "x86_64",
            "ReservationId": "r-0%016x" % (len(instances) + 1),
        }
        if ip:
            item.update({"PrivateIpAddress": ip, "SubnetId": SUBNETS[az][0], "VpcId": VPC})
        if public_ip:
            item["PublicIpAddress"] = public_ip
        if eni_id:
            e = enis[eni_id]
            item["NetworkInterfaces"] = [{
                "NetworkInterfaceId": eni_id, "PrivateIpAddress": ip, "SubnetId": e["SubnetId"], "VpcId": VPC,
                "MacAddress": e["MacAddress"], "Status": "in-use", "OwnerId": ACCOUNT,
                "PrivateIpAddresses": [{"PrivateIpAddress": p["PrivateIpAddress"], "Primary": p["Primary"]}
                                       for p in e["PrivateIpAddresses"]]}]
        instances[iid] = item

    # EC2 instances, two of them sharing the Name tag "web".
    web1 = add("a", "10.20.1.11", "Primary network interface", instance="i-0a1b00000000000a1",
               public_ip="203.0.113.11", ipv6=["2001:db8:20:1::11"])
    instance("i-0a1b00000000000a1", "web", "a", "10.20.1.11", web1, public_ip="203.0.113.11")
    web2 = add("b", "10.20.2.12", "Primary network interface", instance="i-0a1b00000000000a2")
    instance("i-0a1b00000000000a2", "web", "b", "10.20.2.12", web2)
    batch = add("c", "10.20.3.13", "Primary network interface", instance="i-0a1b00000000000b3",
                secondary=["10.20.3.113"])
    instance("i-0a1b00000000000b3", "batch-worker", "c", "10.20.3.13", batch, itype="c6i.2xlarge")
    noname = add("a", "10.20.1.14", "Primary network interface", instance="i-0a1b00000000000d4")
    instance("i-0a1b00000000000d4", None, "a", "10.20.1.14", noname, extra_tags={"team": "data"})
    instance("i-0a1b00000000000e5", "decommissioned", "b", None, None, state=("terminated", 48))

    # EFS mount targets (ENIs + EFS descriptions), some in several AZs.
    mount_targets = {}
    mt_ips = {"a": 100, "b": 100, "c": 100}
    file_systems = {}
    for k, (fs_id, spec) in enumerate(FS.items()):
        fs = {"CreationToken": f"efstop-{k + 1}", "CreationTime": 1761955200 + k * 86400,
              "PerformanceMode": "generalPurpose", "ThroughputMode": "elastic", "Encrypted": True,
              "SizeInBytes": {"Value": (k + 1) * 1073741824, "ValueInStandard": (k + 1) * 1073741824},
              "Tags": tags({"Name": spec["name"]} if spec["name"] else {"created-by": "terraform"})}
        if spec["one_zone"]:
            fs["AvailabilityZoneName"], fs["AvailabilityZoneId"] = AZS[spec["one_zone"]]
        file_systems[fs_id] = fs
        for az in spec["mts"]:
            ip = "10.20.%d.%d" % ({"a": 1, "b": 2, "c": 3}[az], mt_ips[az])
            mt_ips[az] += 1
            mt_id = "fsmt-0%016x" % (len(mount_targets) + 1)
            itype = "efs" if k % 2 == 0 else "interface"  # the API reports both for mount targets
            eni_id = add(az, ip, f"EFS mount target for {fs_id} ({mt_id})", interface_type=itype,
                         requester_id=AWS_SERVICE_ACCOUNT, requester_managed=True,
                         owner_of_attachment=AWS_SERVICE_ACCOUNT)
            zone, zone_id = AZS[az]
            mount_targets[mt_id] = {"FileSystemId": fs_id, "SubnetId": SUBNETS[az][0], "IpAddress": ip,
                                    "NetworkInterfaceId": eni_id, "AvailabilityZoneName": zone,
                                    "AvailabilityZoneId": zone_id, "VpcId": VPC, "OwnerId": ACCOUNT,
                                    "LifeCycleState": "available"}

    # Load balancers.
    add("a", "10.20.1.20", "ELB legacy-web", owner_of_attachment=ELB_ACCOUNT, requester_id="amazon-elb",
        requester_managed=True)
    add("b", "10.20.2.20", "ELB app/internal-api/50dc6c495c0c9188", owner_of_attachment=ELB_ACCOUNT,
        requester_id="amazon-elb", requester_managed=True)
    add("b", "10.20.2.21", "ELB net/ingest-nlb/7a2c5e8f1b3d4c6e", interface_type="network_load_balancer",
        owner_of_attachment=ELB_ACCOUNT, requester_id="amazon-elb", requester_managed=True,
        public_ip="198.51.100.21", public_owner=ACCOUNT)
    add("c", "10.20.3.22", "ELB gwy/inspection/0f1e2d3c4b5a6978", interface_type="gateway_load_balancer",
        owner_of_attachment=ELB_ACCOUNT, requester_id="amazon-elb", requester_managed=True)
    # NAT gateway (filter-doc spelling of the type), interface VPC endpoint.
    add("a", "10.20.101.30", "Interface for NAT Gateway nat-0a1b2c3d4e5f67890", interface_type="nat_gateway",
        requester_id=AWS_SERVICE_ACCOUNT, requester_managed=True, public_ip="198.51.100.30",
        public_owner=ACCOUNT, subnet=SUBNETS["pub"][0])
    add("a", "10.20.1.40", "VPC Endpoint Interface vpce-0a1b2c3d4e5f67890", interface_type="vpc_endpoint",
        requester_id=AWS_SERVICE_ACCOUNT, requester_managed=True)
    # Lambda, ECS task, EKS node + trunk + pod branch ENI.
    add("b", "10.20.2.50", "AWS Lambda VPC ENI-efs-indexer-6f2d1c3b-8a9e-4b7c-9d0e-1f2a3b4c5d6e",
        interface_type="lambda", requester_id="AROAEFSTOPLAMBDA0001:efs-indexer", requester_managed=True,
        owner_of_attachment=AWS_SERVICE_ACCOUNT)
    add("c", "10.20.3.60", f"arn:aws:ecs:{REGION}:{ACCOUNT}:attachment/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0",
        requester_id="578734482556", requester_managed=True, owner_of_attachment=AWS_SERVICE_ACCOUNT,
        tag={"aws:ecs:clusterName": "prod", "aws:ecs:serviceName": "renderer"})
    eks_node = add("a", "10.20.1.70", "aws-K8S-i-0a1b00000000000f6", instance="i-0a1b00000000000f6",
                   secondary=["10.20.1.71", "10.20.1.72", "10.20.1.73"],
                   tag={"node.k8s.amazonaws.com/instance_id": "i-0a1b00000000000f6",
                        "cluster.k8s.amazonaws.com/name": "platform"})
    instance("i-0a1b00000000000f6", "platform-node", "a", "10.20.1.70", eks_node,
             extra_tags={"eks:cluster-name": "platform", "eks:nodegroup-name": "general"})
    add("b", "10.20.2.74", "aws-k8s-trunk-eni", interface_type="trunk", instance="i-0a1b00000000000f6")
    add("b", "10.20.2.75", "aws-k8s-branch-eni", interface_type="branch",
        requester_id="AROAEFSTOPEKS000001:vpc-resource-controller", requester_managed=False,
        tag={"eks:eni:owner": "eks-vpc-resource-controller", "kubernetes.io/cluster/platform": "owned",
             "vpcresources.k8s.aws/pod-name": "thumbnailer-7d4b9c",
             "vpcresources.k8s.aws/pod-namespace": "media"})
    # RDS, FSx, Transit Gateway attachment, an unknown type, a detached ENI.
    add("b", "10.20.2.80", "RDSNetworkInterface", requester_id="amazon-rds", requester_managed=True,
        owner_of_attachment=AWS_SERVICE_ACCOUNT)
    add("c", "10.20.3.81", "ENI for Amazon FSx file system fs-0f5a1b2c3d4e5f607", requester_id=AWS_SERVICE_ACCOUNT,
        requester_managed=True, owner_of_attachment=AWS_SERVICE_ACCOUNT)
    add("c", "10.20.3.90", "Network Interface for Transit Gateway Attachment tgw-attach-0a1b2c3d4e5f67890",
        interface_type="transit_gateway", requester_id=AWS_SERVICE_ACCOUNT, requester_managed=True,
        owner_of_attachment=AWS_SERVICE_ACCOUNT)
    add("a", "10.20.1.95", "", interface_type="evs", requester_id=AWS_SERVICE_ACCOUNT, requester_managed=True)
    add("b", "10.20.2.96", "spare interface", status="available")

    subnets = {}
    for key, (sid, cidr) in SUBNETS.items():
        az = "a" if key == "pub" else key
        subnets[sid] = {"AvailabilityZone": AZS[az][0], "AvailabilityZoneId": AZS[az][1],
                        "AvailableIpAddressCount": 240, "CidrBlock": cidr, "DefaultForAz": False,
                        "MapPublicIpOnLaunch": key == "pub", "State": "available", "VpcId": VPC,
                        "OwnerId": ACCOUNT, "Tags": tags({"Name": f"efstop-{key}"}),
                        "SubnetArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:subnet/{sid}"}
    vpcs = {
        VPC: {"CidrBlock": "10.20.0.0/16", "State": "available", "OwnerId": ACCOUNT, "IsDefault": False,
              "InstanceTenancy": "default", "DhcpOptionsId": "dopt-0efst0p000000001",
              "Tags": tags({"Name": "efstop-prod"})},
        VPC2: {"CidrBlock": "172.31.0.0/16", "State": "available", "OwnerId": ACCOUNT, "IsDefault": True,
               "InstanceTenancy": "default", "DhcpOptionsId": "dopt-0efst0p000000001", "Tags": []},
    }
    log_group = "/efstop/vpc-flow-logs"
    flow_logs = {
        "fl-0a00000000000001": {
            "ResourceId": VPC, "TrafficType": "ALL", "LogDestinationType": "cloud-watch-logs",
            "LogGroupName": log_group,
            "LogDestination": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{log_group}",
            "LogFormat": "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                         "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
            "MaxAggregationInterval": 60, "DeliverLogsStatus": "SUCCESS", "FlowLogStatus": "ACTIVE",
            "CreationTime": "2026-11-01T08:00:00.000Z",
            "DeliverLogsPermissionArn": f"arn:aws:iam::{ACCOUNT}:role/flow-logs-to-cwl"},
        "fl-0b00000000000002": {
            "ResourceId": SUBNETS["c"][0], "TrafficType": "ALL", "LogDestinationType": "s3",
            "LogDestination": "arn:aws:s3:::efstop-flow-logs/prod",
            "LogFormat": "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                         "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status} ${vpc-id} "
                         "${subnet-id} ${az-id} ${tcp-flags} ${flow-direction}",
            "MaxAggregationInterval": 600, "DeliverLogsStatus": "SUCCESS", "FlowLogStatus": "ACTIVE",
            "CreationTime": "2026-11-02T08:00:00.000Z",
            "DestinationOptions": {"FileFormat": "plain-text", "HiveCompatiblePartitions": False,
                                   "PerHourPartition": True}},
        "fl-0c00000000000003": {
            "ResourceId": web1, "TrafficType": "REJECT", "LogDestinationType": "kinesis-data-firehose",
            "LogDestination": f"arn:aws:firehose:{REGION}:{ACCOUNT}:deliverystream/efstop-rejects",
            "LogFormat": "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} "
                         "${protocol} ${packets} ${bytes} ${start} ${end} ${action} ${log-status}",
            "MaxAggregationInterval": 600, "DeliverLogsStatus": "SUCCESS", "FlowLogStatus": "ACTIVE",
            "CreationTime": "2026-11-03T08:00:00.000Z"},
    }

    # Flow-log events: NFS between clients and mount targets, logged on both
    # ENIs (as AWS does when both are in the logged VPC), one minute apart.
    ip_to_eni = {}
    for eid, e in enis.items():
        for p in e["PrivateIpAddresses"]:
            ip_to_eni[p["PrivateIpAddress"]] = eid
    mt_by_fs = {}
    for mt in mount_targets.values():
        mt_by_fs.setdefault(mt["FileSystemId"], []).append(mt)
    flows = [  # client ip, fs, client az of mount target used, bytes written, bytes read
        ("10.20.1.11", "fs-0a000000000000001", "a", 52428800, 314572800),
        ("10.20.2.12", "fs-0a000000000000001", "b", 10485760, 104857600),
        ("10.20.3.13", "fs-0a000000000000001", "a", 2097152000, 524288000),  # cross-AZ (c -> a)
        ("10.20.3.113", "fs-0b000000000000002", "b", 4096000, 8192000),
        ("10.20.1.14", "fs-0c000000000000003", "a", 1000000, 3000000),
        ("10.20.2.50", "fs-0e000000000000005", "a", 7340032, 73400320),
        ("10.20.3.60", "fs-0e000000000000005", "c", 123456789, 987654321),
        ("10.20.1.72", "fs-0f000000000000006", "c", 31457280, 62914560),
        ("10.20.2.75", "fs-0a000000000000001", "b", 65536000, 131072000),
    ]
    streams = {}
    t0 = 1795946400  # 2026-11-26T10:00:00Z
    for k, (client, fs_id, az, wrote, read) in enumerate(flows):
        mt = next(m for m in mt_by_fs[fs_id] if m["AvailabilityZoneName"].endswith(az))
        server = mt["IpAddress"]
        port = 50000 + k
        for minute in range(2):
            start, end = t0 + k * 7 + minute * 60, t0 + k * 7 + minute * 60 + 59
            w, r = wrote // 2, read // 2
            pw, pr = max(1, w // 8960), max(1, r // 8960)
            for eni_id in (ip_to_eni[client], ip_to_eni[server]):
                lines = [f"2 {ACCOUNT} {eni_id} {client} {server} {port} 2049 6 {pw} {w} {start} {end} ACCEPT OK",
                         f"2 {ACCOUNT} {eni_id} {server} {client} 2049 {port} 6 {pr} {r} {start} {end} ACCEPT OK"]
                for line in lines:
                    streams.setdefault(f"{eni_id}-all", []).append([start * 1000, line, (end + 300) * 1000])
    # A rejected attempt, and a NODATA record.
    streams[f"{web2}-all"].append([(t0 + 200) * 1000, f"2 {ACCOUNT} {web2} 10.20.2.12 10.20.2.100 50999 2049 6 "
                                   f"1 60 {t0 + 200} {t0 + 259} REJECT OK", (t0 + 560) * 1000])
    streams[f"{noname}-all"].append([(t0 + 300) * 1000, f"2 {ACCOUNT} {noname} - - - - - - - {t0 + 300} "
                                     f"{t0 + 359} - NODATA", (t0 + 660) * 1000])
    log_groups = {
        log_group: {"creationTime": 1761984000000, "retentionInDays": 14, "streams": streams},
        "/aws/lambda/efs-indexer": {"creationTime": 1761984000000, "streams": {
            "2026/11/26/[$LATEST]0123456789abcdef": [
                [(t0 + 5) * 1000, "START RequestId: 6f2d1c3b Version: $LATEST"],
                [(t0 + 6) * 1000, "indexed 1204 files"],
                [(t0 + 7) * 1000, "END RequestId: 6f2d1c3b"]]}},
    }
    for i in range(6):  # enough groups for DescribeLogGroups to page
        log_groups[f"/efstop/empty-{i}"] = {"creationTime": 1761984000000 + i, "streams": {}}

    user = f"arn:aws:iam::{ACCOUNT}:user/efstop-tester"
    reader = f"arn:aws:iam::{ACCOUNT}:role/efstop-reader"
    return {
        "account": ACCOUNT,
        "region": REGION,
        "regions": [REGION, "us-east-1"],
        "page_size": 5,
        "users": {
            "AKIAEFSTOPTEST000001": {"secret": "efstopTestSecretKey/0000000000000000000001", "arn": user,
                                     "user_id": "AIDAEFSTOPTEST0000001"},
            "AKIAEFSTOPTEST000002": {"secret": "efstopTestSecretKey/0000000000000000000002",
                                     "arn": f"arn:aws:iam::{ACCOUNT}:user/efstop-outsider",
                                     "user_id": "AIDAEFSTOPTEST0000002"},
        },
        "roles": {
            reader: {"trusted": [user], "max_session_duration": 43200, "role_id": "AROAEFSTOPREADER00001"},
            f"arn:aws:iam::{ACCOUNT}:role/efstop-partner": {
                "trusted": [user], "external_id": "efstop-external-id-42", "role_id": "AROAEFSTOPPARTNER0001"},
            "arn:aws:iam::444455556666:role/efstop-crossaccount": {
                "trusted": [reader], "role_id": "AROAEFSTOPCROSS000001"},
            f"arn:aws:iam::{ACCOUNT}:role/efstop-irsa": {
                "trusted": [], "role_id": "AROAEFSTOPIRSA0000001",
                "web_identity_tokens": ["eyJhbGciOiJSUzI1NiJ9.efstop-test-web-identity.c2ln"],
                "expired_web_identity_tokens": ["eyJhbGciOiJSUzI1NiJ9.efstop-expired-web-identity.c2ln"]},
        },
        "temporary_credentials": {},
        "sso": {"access_tokens": ["efstop-sso-access-token-valid"], "accounts": {ACCOUNT: ["EfstopReadOnly"]}},
        "imds": {"v2_only": True, "role": "efstop-instance-role", "instance_id": "i-0a1b00000000000a1",
                 "availability_zone": "eu-west-1a", "private_ip": "10.20.1.11"},
        "container": {"path": "/v2/credentials/efstop-task", "token": "efstop-container-auth-token",
                      "role_arn": f"arn:aws:iam::{ACCOUNT}:role/efstop-task-role"},
        "vpcs": vpcs,
        "subnets": subnets,
        "network_interfaces": enis,
        "instances": instances,
        "flow_logs": flow_logs,
        "file_systems": file_systems,
        "mount_targets": mount_targets,
        "log_groups": log_groups,
    }


if __name__ == "__main__":
    json.dump(build(), sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
