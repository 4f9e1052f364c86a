#!/usr/bin/env python3
"""Writes sample/inventory.json: an `efstop inventory --output json` dump that
matches the synthetic account of sample/ (efstop-flowgen --seed 2026), so that
README's first command (scripts/sample.sh) prints names.

The ENI of each address is read from the sample's own flow logs (the address
an ENI's NFS records always carry, as the engine's interface-id rule learns
it); names, AZs and kinds are this script's choice and documented here:
  - AZ us-east-1a holds 10.0.0.0/19 and 2600:1f18:4e2a:10::/64, us-east-1b
    10.0.32.0/19 and 2600:1f18:4e2a:12::/64;
  - file system fs-0a1b2c3d4e5f60001 "home" has mount targets .200 (a) and
    .201 (b), fs-0a1b2c3d4e5f60002 "builds" .202 (a) and .203 (b);
  - clients are EC2 instances; two share the Name "web" (so --group-by name
    merges them), one is an EKS node, one a Lambda ENI, and 10.0.1.25 (the
    instance serving NFS itself) is "legacy-nfs".
Usage: bench/names/sample_inventory.py [REPO_ROOT] > sample/inventory.json
"""
import collections
import gzip
import ipaddress
import json
import pathlib
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
sample = root / "sample"
mount_ips = [l.strip() for l in (sample / "mount-targets.txt").read_text().split() if l.strip()]
mt_v4 = [ip for ip in mount_ips if ":" not in ip]
mt_v6 = [ip for ip in mount_ips if ":" in ip]

def lines():
    for path in sorted((sample / "flowlogs").rglob("*")):
        if path.is_dir():
            continue
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt") as f:
            yield from f

own = {}
count = collections.Counter()
for line in lines():
    f = line.split()
    if len(f) != 14 or f[0] == "version" or f[7] != "6" or "2049" not in (f[5], f[6]):
        continue
    # Per address family: an ENI with an IPv4 and an IPv6 address carries
    # one of them in each record.
    key, addrs = (f[2], ":" in f[3]), {f[3], f[4]}
    own[key] = own[key] & addrs if key in own else addrs
    for a in addrs:
        count[(f[2], a)] += 1

def owner(addr, exclude=()):
    """The ENI whose records always carry `addr`, and carry it most."""
    cands = [eni for (eni, _), addrs in own.items() if addr in addrs and eni not in exclude]
    return max(sorted(cands), key=lambda e: count[(e, addr)]) if cands else None

eni_of = {ip: owner(ip) for ip in mt_v4 if owner(ip)}
# A mount target's IPv6 address is on the same ENI as its IPv4 address.
for v4, v6 in zip(mt_v4, mt_v6):
    if v4 in eni_of:
        eni_of[v6] = eni_of[v4]
mt_enis = set(eni_of.values())
for (eni, _), addrs in sorted(own.items()):
    if eni in mt_enis:
        continue
    for a in addrs:
        if a not in mount_ips and a not in eni_of:
            eni_of[a] = owner(a, mt_enis)
ips_of = collections.defaultdict(list)
for a, eni in eni_of.items():
    if a not in mount_ips:
        ips_of[eni].append(a)

def az_of(ip):
    a = ipaddress.ip_address(ip)
    if a.version == 4:
        return "us-east-1a" if a in ipaddress.ip_network("10.0.0.0/19") else "us-east-1b"
    return "us-east-1a" if a in ipaddress.ip_network("2600:1f18:4e2a:10::/64") else "us-east-1b"

AZ_ID = {"us-east-1a": "use1-az1", "us-east-1b": "use1-az2"}
ACCOUNT = "123456789012"
VPC = "vpc-0a1b2c3d4e5f60718"
fs_ids = ["fs-0a1b2c3d4e5f60001", "fs-0a1b2c3d4e5f60002"]
inv = {"efstop_inventory": 1, "account": ACCOUNT, "region": "us-east-1",
       "generated_at": "2026-11-26T11:00:00Z",
       "file_systems": [
           {"id": fs_ids[0], "name": "home", "arn": "", "owner_id": ACCOUNT,
            "lifecycle_state": "available", "availability_zone_name": "", "availability_zone_id": ""},
           {"id": fs_ids[1], "name": "builds", "arn": "", "owner_id": ACCOUNT,
            "lifecycle_state": "available", "availability_zone_name": "", "availability_zone_id": ""}],
       "mount_targets": [], "network_interfaces": [], "instances": [], "history": []}
for i, ip in enumerate(mt_v4):
    az = az_of(ip)
    eni = eni_of.get(ip, "eni-0f000000000000%03d" % i)
    inv["mount_targets"].append({
        "id": "fsmt-0a1b2c3d4e5f6%04d" % i, "file_system_id": fs_ids[i // 2], "ip": ip,
        "ipv6": mt_v6[i] if i < len(mt_v6) else "", "eni_id": eni, "subnet_id": "subnet-%s" % az[-1],
        "availability_zone_name": az, "availability_zone_id": AZ_ID[az], "vpc_id": VPC,
        "owner_id": ACCOUNT, "lifecycle_state": "available"})

names = iter(["web", "web", "api-1", "api-2", "ci-runner", "batch-01", "batch-02", "reports",
              "etl", "grafana", "jupyter", "backup", "search", "cache-warmer"])
clients = sorted((ip for ip in eni_of if ip not in mount_ips),
                 key=lambda s: (":" in s, ipaddress.ip_address(s)))
lambda_done = eks_done = False
seen_enis = set()
for ip in clients:
    if ip.startswith("10.0.6"):  # the REJECTed hosts outside the security group
        continue
    eni, az = eni_of[ip], az_of(ip)
    if eni in seen_enis:
        continue
    seen_enis.add(eni)
    v4 = [a for a in ips_of[eni] if ":" not in a]
    v6 = [a for a in ips_of[eni] if ":" in a]
    e = {"id": eni, "interface_type": "interface", "description": "", "requester_id": "",
         "requester_managed": False, "instance_id": "", "instance_owner_id": "", "owner_id": ACCOUNT,
         "vpc_id": VPC, "subnet_id": "subnet-%s" % az[-1], "availability_zone": az,
         "availability_zone_id": AZ_ID[az], "status": "in-use",
         "private_ips": v4, "public_ips": [], "ipv6_ips": v6, "tags": {}}
    if ip.startswith("10.0.48.") and not lambda_done:
        lambda_done = True
        e["interface_type"] = "lambda"
        e["description"] = "AWS Lambda VPC ENI-thumbnailer-2d1c5e7e-8a4b-4f9e-9c1d-0123456789ab"
        e["requester_managed"] = True
    else:
        instance = "i-0%s" % eni[5:21]
        e["instance_id"], e["instance_owner_id"] = instance, ACCOUNT
        e["description"] = "Primary network interface"
        name = "legacy-nfs" if ip == "10.0.1.25" else next(names)
        if ip.startswith("10.0.16.") and not eks_done:
            eks_done = True
            e["description"] = "aws-K8S-%s" % instance
            name = "eks-node-1"
        inv["instances"].append({"id": instance, "availability_zone": az, "owner_id": ACCOUNT,
                                 "state": "running", "private_ip": v4[0] if v4 else "",
                                 "tags": {"Name": name}})
    inv["network_interfaces"].append(e)
for mt in inv["mount_targets"]:
    inv["network_interfaces"].append({
        "id": mt["eni_id"], "interface_type": "efs", "requester_managed": True,
        "description": "EFS mount target for %s (%s)" % (mt["file_system_id"], mt["id"]),
        "owner_id": ACCOUNT, "vpc_id": VPC, "availability_zone": mt["availability_zone_name"],
        "private_ips": [mt["ip"]], "ipv6_ips": [mt["ipv6"]] if mt["ipv6"] else [], "tags": {}})
for key in ("mount_targets", "network_interfaces", "instances"):
    inv[key].sort(key=lambda x: x["id"])
json.dump(inv, sys.stdout, indent=2)
sys.stdout.write("\n")
