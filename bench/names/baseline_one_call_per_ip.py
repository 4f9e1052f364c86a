#!/usr/bin/python3
"""The by-hand approach issue 4 describes, as the baseline for the names
benchmark: one describe-network-interfaces call per IP, one
describe-instances per instance, one describe-file-systems per file system
(plus describe-mount-targets to know the mount targets), sequential, no
pagination, no cache. Runs with Debian's python3-botocore against the test
endpoint. Prints calls and wall time as JSON.

Usage: baseline_one_call_per_ip.py ENDPOINT_URL FLOWLOG [--limit N]
"""
import argparse
import json
import time

import botocore.session

p = argparse.ArgumentParser()
p.add_argument("endpoint")
p.add_argument("flowlog")
p.add_argument("--limit", type=int, default=0, help="only the first N client IPs (0 = all)")
a = p.parse_args()

ips = []
with open(a.flowlog) as f:
    for line in f:
        x = line.split()
        if x[0] != "version" and x[6] == "2049" and x[3] not in ips:
            ips.append(x[3])
if a.limit:
    ips = ips[: a.limit]
s = botocore.session.get_session()
kw = dict(region_name="eu-west-1", endpoint_url=a.endpoint)
ec2, efs = s.create_client("ec2", **kw), s.create_client("efs", **kw)
calls = 0
start = time.monotonic()
names = {}
fs_seen = set()
for ip in ips:
    r = ec2.describe_network_interfaces(Filters=[{"Name": "addresses.private-ip-address", "Values": [ip]}])
    calls += 1
    for e in r["NetworkInterfaces"]:
        inst = e.get("Attachment", {}).get("InstanceId")
        if inst:
            ri = ec2.describe_instances(InstanceIds=[inst])
            calls += 1
            tags = {t["Key"]: t["Value"] for res in ri["Reservations"] for i in res["Instances"] for t in i.get("Tags", [])}
            names[ip] = tags.get("Name", inst)
        elif e.get("Description", "").startswith("EFS mount target for "):
            fs = e["Description"].split()[4]
            if fs not in fs_seen:
                fs_seen.add(fs)
                efs.describe_file_systems(FileSystemId=fs)
                efs.describe_mount_targets(FileSystemId=fs)
                calls += 2
            names[ip] = fs
        else:
            names[ip] = e.get("Description") or e["NetworkInterfaceId"]
elapsed = time.monotonic() - start
print(json.dumps({"ips": len(ips), "calls": calls, "seconds": round(elapsed, 2), "named": len(names)}))
