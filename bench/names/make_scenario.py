#!/usr/bin/env python3
"""A large account for the names benchmark, as a scenario of the Python test
endpoint (tests/endpoint/README.md has the schema), plus flow logs whose
clients are that account's ENIs.

Starts from tests/endpoint/scenarios/default.json (users, regions, the 28
ENIs of every kind) and adds, in one VPC over three AZs:
  - FS file systems (default 50), each with a mount target in every AZ;
  - CLIENTS client ENIs (default 5000): 80 % EC2 instances (Names shared by
    groups of 4), then Lambda, ECS tasks, EKS pods, and a few of every other
    kind (ALB, NLB, NAT gateway, VPC endpoint, RDS, FSx, Transit Gateway,
    unknown), cycling;
and writes FLOWLOG: for each client a request and a reply record (default
format, port 2049) with one of the file systems, so every client IP needs a
name. Deterministic (no randomness).

With --azs N (default 3, at most 6) the VPC spans N AZs and every file
system has N mount targets (bench/load/run.py: 50 x 6 = 300); AZs past
eu-west-1c are synthetic (eu-west-1 has three), which changes nothing efstop
does with them.

Usage: make_scenario.py SCENARIO_OUT FLOWLOG_OUT [--clients N] [--file-systems N] [--azs N]
                        [--repo DIR]
"""
import argparse
import ipaddress
import json
import pathlib

p = argparse.ArgumentParser()
p.add_argument("scenario_out")
p.add_argument("flowlog_out")
p.add_argument("--clients", type=int, default=5000)
p.add_argument("--file-systems", type=int, default=50)
p.add_argument("--azs", type=int, default=3, choices=range(1, 7))
p.add_argument("--repo", default=str(pathlib.Path(__file__).resolve().parents[2]))
a = p.parse_args()

sc = json.loads((pathlib.Path(a.repo) / "tests/endpoint/scenarios/default.json").read_text())
account, vpc = sc["account"], "vpc-0a1b2c3d4e5f60001"
azs = [("eu-west-1a", "euw1-az3", "subnet-0aa0000000000000a"),
       ("eu-west-1b", "euw1-az1", "subnet-0bb0000000000000b"),
       ("eu-west-1c", "euw1-az2", "subnet-0cc0000000000000c"),
       ("eu-west-1d", "euw1-az4", "subnet-0dd0000000000000d"),
       ("eu-west-1e", "euw1-az5", "subnet-0ee0000000000000e"),
       ("eu-west-1f", "euw1-az6", "subnet-0ff0000000000000f")][:a.azs]
net = ipaddress.ip_network("10.64.0.0/12")  # room for every client and mount target
hosts = net.hosts()

def eni(eni_id, ip, az, itype="interface", description="", instance=None, tags=None, managed=False):
    item = {"NetworkInterfaceId": eni_id, "AvailabilityZone": az[0], "AvailabilityZoneId": az[1],
            "Description": description, "InterfaceType": itype, "OwnerId": account,
            "PrivateIpAddress": ip, "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip}],
            "RequesterManaged": managed, "Status": "in-use", "SubnetId": az[2], "VpcId": vpc,
            "TagSet": [{"Key": k, "Value": v} for k, v in (tags or {}).items()],
            "SourceDestCheck": True, "Groups": [], "Ipv6Addresses": [],
            "MacAddress": "02:00:00:%02x:%02x:%02x" % ((n := int(eni_id[-6:], 16)) >> 16 & 255, n >> 8 & 255, n & 255)}
    if instance:
        item["Attachment"] = {"AttachmentId": "eni-attach-" + eni_id[4:], "DeviceIndex": 0,
                              "InstanceId": instance, "InstanceOwnerId": account,
                              "Status": "attached", "DeleteOnTermination": True}
    return item

mount_targets = []
for f in range(a.file_systems):
    fs = "fs-0f%015x" % f
    sc["file_systems"][fs] = {"CreationTime": 1761955200, "CreationToken": "bench-%d" % f,
                              "PerformanceMode": "generalPurpose", "ThroughputMode": "elastic",
                              "Encrypted": True, "SizeInBytes": {"Value": 1 << 30},
                              "Tags": [{"Key": "Name", "Value": "bench-fs-%02d" % f}]}
    for i, az in enumerate(azs):
        ip = str(next(hosts))
        mt, eni_id = "fsmt-0f%015x" % (f * a.azs + i), "eni-0f%015x" % (f * a.azs + i)
        sc["mount_targets"][mt] = {"FileSystemId": fs, "IpAddress": ip, "NetworkInterfaceId": eni_id,
                                   "SubnetId": az[2], "AvailabilityZoneName": az[0],
                                   "AvailabilityZoneId": az[1], "VpcId": vpc, "OwnerId": account,
                                   "LifeCycleState": "available"}
        sc["network_interfaces"][eni_id] = eni(eni_id, ip, az, "efs",
                                               "EFS mount target for %s (%s)" % (fs, mt), managed=True)
        mount_targets.append((ip, az))

others = [("interface", "ELB app/bench-alb-%d/50dc6c495c0c9188"), ("network_load_balancer", "ELB net/bench-nlb-%d/7a2c5e8f1b3d4c6e"),
          ("nat_gateway", "Interface for NAT Gateway nat-0b%015x"), ("vpc_endpoint", "VPC Endpoint Interface vpce-0b%015x"),
          ("interface", "RDSNetworkInterface"), ("interface", "ENI for Amazon FSx file system fs-0c%015x"),
          ("transit_gateway", "Network Interface for Transit Gateway Attachment tgw-attach-0b%015x"),
          ("brand_new_type", "something AWS added later %d")]
clients = []
for c in range(a.clients):
    ip, az = str(next(hosts)), azs[c % len(azs)]
    eni_id = "eni-0c%015x" % c
    share = c / a.clients
    if share < 0.8:
        inst = "i-0c%015x" % c
        sc["instances"][inst] = {"InstanceId": inst, "InstanceType": "m6i.large", "ImageId": "ami-0bench",
                                 "Placement": {"AvailabilityZone": az[0], "Tenancy": "default"},
                                 "PrivateIpAddress": ip, "State": {"Code": 16, "Name": "running"},
                                 "SubnetId": az[2], "VpcId": vpc,
                                 "Tags": [{"Key": "Name", "Value": "app-%04d" % (c // 4)}]}
        item = eni(eni_id, ip, az, description="Primary network interface", instance=inst)
    elif share < 0.86:
        item = eni(eni_id, ip, az, "lambda", "AWS Lambda VPC ENI-fn-%03d-2d1c5e7e-8a4b-4f9e-9c1d-0123456789ab" % (c % 100), managed=True)
    elif share < 0.92:
        item = eni(eni_id, ip, az, description="arn:aws:ecs:eu-west-1:%s:attachment/%08x-0000-4000-8000-000000000000" % (account, c),
                   tags={"aws:ecs:clusterName": "bench", "aws:ecs:serviceName": "svc-%02d" % (c % 40)})
    elif share < 0.97:
        item = eni(eni_id, ip, az, "branch", "aws-k8s-branch-eni",
                   tags={"kubernetes.io/cluster/bench": "owned", "vpcresources.k8s.aws/pod-namespace": "ns-%d" % (c % 7),
                         "vpcresources.k8s.aws/pod-name": "pod-%05d" % c})
    else:
        itype, desc = others[c % len(others)]
        item = eni(eni_id, ip, az, itype, desc % c if "%" in desc else desc, managed=True)
    sc["network_interfaces"][eni_id] = item
    clients.append((ip, eni_id))

sc["page_size"] = 1000
pathlib.Path(a.scenario_out).write_text(json.dumps(sc))
t = 1795701900
with open(a.flowlog_out, "w") as out:
    out.write("version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n")
    for c, (ip, eni_id) in enumerate(clients):
        mt_ip, _ = mount_targets[c % len(mount_targets)]
        out.write("2 %s %s %s %s %d 2049 6 10 %d %d %d ACCEPT OK\n" % (account, eni_id, ip, mt_ip, 30000 + c % 30000, 4096 * (c + 1), t, t + 60))
        out.write("2 %s %s %s %s 2049 %d 6 20 %d %d %d ACCEPT OK\n" % (account, eni_id, mt_ip, ip, 30000 + c % 30000, 65536 * (c + 1), t, t + 60))
