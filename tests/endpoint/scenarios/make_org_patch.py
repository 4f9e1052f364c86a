#!/usr/bin/python3
"""Writes org_members.json: a JSON merge patch over default.json that makes
the endpoint an organization (docs/multi-account.md, tests/endpoint/README.md
"Accounts and regions"):

- the caller (efstop-tester of 111122223333) is the management account;
  ListAccounts answers 444455556666 (prod), 777788889999 (analytics),
  999900001111 (sandbox: ACTIVE, but its role does not trust the caller, so
  AssumeRole is AccessDenied) and 123412341234 (SUSPENDED);
- roles efstop-org-read in prod and analytics trust the caller;
- enabled regions eu-west-1 and us-west-2 (af-south-1 opt-in, not opted in);
- in each member account and region: one file system with one mount target
  at 10.1.2.100 and one instance at 10.1.1.10, the SAME addresses in all four
  (account, region) pairs, named after their account and region, so a
  report that mixed them up would show it.

  /usr/bin/python3 tests/endpoint/scenarios/make_org_patch.py > tests/endpoint/scenarios/org_members.json

With --scale ACCOUNTS REGIONS it prints another patch, for runs across many
scopes (docs/multi-account.md, "Scale"; tests/cloud/scale_scopes_test.cc):
ACCOUNTS member accounts 2000000000NN (named mNN, all ACTIVE, each trusting
the caller in role efstop-org-read) and the first REGIONS regions of
SCALE_REGIONS enabled, each (account, region) with the same one file
system, mount target and instance as above, named mNN-<short>-data/-app.
"""

import argparse
import json

CALLER = "arn:aws:iam::111122223333:user/efstop-tester"
MEMBERS = [("444455556666", "prod"), ("777788889999", "analytics")]
REGIONS = [("eu-west-1", "euw1"), ("us-west-2", "usw2")]
CLIENT_IP = "10.1.1.10"
MOUNT_TARGET_IP = "10.1.2.100"


def region_data(account, prefix, region, short, k):
    az = region + "a"
    vpc = f"vpc-0{k}00000000000001"
    subnet = f"subnet-0{k}00000000000001"
    fs = f"fs-0{k}000000000000001"
    client_eni = f"eni-0{k}c00000000000001"
    mt_eni = f"eni-0{k}f00000000000001"
    instance = f"i-0{k}000000000000001"
    eni_common = {"AvailabilityZone": az, "AvailabilityZoneId": f"{short}-az1", "OwnerId": account,
                  "RequesterManaged": False, "SourceDestCheck": True, "Status": "in-use",
                  "SubnetId": subnet, "VpcId": vpc, "TagSet": [], "Groups": []}
    return {
        "network_interfaces": {
            client_eni: dict(eni_common, NetworkInterfaceId=client_eni, InterfaceType="interface",
                             Description="Primary network interface", PrivateIpAddress=CLIENT_IP,
                             PrivateIpAddresses=[{"Primary": True, "PrivateIpAddress": CLIENT_IP}],
                             Attachment={"AttachmentId": f"eni-attach-0{k}000000000000001",
                                         "DeviceIndex": 0, "InstanceId": instance,
                                         "InstanceOwnerId": account, "Status": "attached"}),
            mt_eni: dict(eni_common, NetworkInterfaceId=mt_eni, InterfaceType="efs",
                         Description=f"EFS mount target for {fs} (fsmt-0{k}000000000000001)",
                         RequesterManaged=True, PrivateIpAddress=MOUNT_TARGET_IP,
                         PrivateIpAddresses=[{"Primary": True, "PrivateIpAddress": MOUNT_TARGET_IP}]),
        },
        "instances": {
            instance: {"InstanceId": instance, "InstanceType": "m6i.large", "PrivateIpAddress": CLIENT_IP,
                       "Placement": {"AvailabilityZone": az, "Tenancy": "default"},
                       "State": {"Code": 16, "Name": "running"}, "SubnetId": subnet, "VpcId": vpc,
                       "NetworkInterfaces": [{"NetworkInterfaceId": client_eni, "OwnerId": account,
                                              "PrivateIpAddress": CLIENT_IP, "Status": "in-use",
                                              "SubnetId": subnet, "VpcId": vpc}],
                       "Tags": [{"Key": "Name", "Value": f"{prefix}-{short}-app"}],
                       "ReservationId": f"r-0{k}000000000000001", "OwnerId": account},
        },
        "file_systems": {
            fs: {"CreationTime": 1761955200, "CreationToken": f"efstop-org-{k}", "Encrypted": True,
                 "PerformanceMode": "generalPurpose", "ThroughputMode": "elastic",
                 "SizeInBytes": {"Value": 1073741824, "ValueInStandard": 1073741824},
                 "OwnerId": account,
                 "FileSystemArn": f"arn:aws:elasticfilesystem:{region}:{account}:file-system/{fs}",
                 "Tags": [{"Key": "Name", "Value": f"{prefix}-{short}-data"}]},
        },
        "mount_targets": {
            f"fsmt-0{k}000000000000001": {"AvailabilityZoneId": f"{short}-az1", "AvailabilityZoneName": az,
                                          "FileSystemId": fs, "IpAddress": MOUNT_TARGET_IP,
                                          "LifeCycleState": "available", "NetworkInterfaceId": mt_eni,
                                          "OwnerId": account, "SubnetId": subnet, "VpcId": vpc},
        },
    }


SCALE_REGIONS = [("eu-west-1", "euw1"), ("us-west-2", "usw2"), ("us-east-1", "use1"),
                 ("eu-central-1", "euc1"), ("ap-southeast-2", "apse2"), ("ca-central-1", "cac1"),
                 ("eu-north-1", "eun1"), ("sa-east-1", "sae1")]


def scale_account(n):
    return f"2000000000{n:02d}"


def scale_patch(accounts, regions):
    if not 1 <= accounts <= 99 or not 1 <= regions <= len(SCALE_REGIONS):
        raise SystemExit(f"--scale: 1..99 accounts, 1..{len(SCALE_REGIONS)} regions")
    members = {}
    k = 1
    for n in range(1, accounts + 1):
        account = scale_account(n)
        members[account] = {}
        for region, short in SCALE_REGIONS[:regions]:
            # Ids stay hex (EC2 and EFS id shapes): k as 4 decimal digits.
            members[account][region] = region_data(account, f"m{n:02d}", region, short, f"{k:04d}")
            k += 1
    return {
        "enabled_regions": [r for r, _ in SCALE_REGIONS[:regions]],
        "roles": {f"arn:aws:iam::{scale_account(n)}:role/efstop-org-read":
                  {"role_id": f"AROAEFSTOPSCALE{n:02d}", "trusted": [CALLER]}
                  for n in range(1, accounts + 1)},
        "organization": {"management_account": "111122223333", "accounts": [
            {"Id": scale_account(n), "Name": f"m{n:02d}"} for n in range(1, accounts + 1)]},
        "members": members,
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", nargs=2, type=int, metavar=("ACCOUNTS", "REGIONS"))
    args = parser.parse_args()
    if args.scale:
        print(json.dumps(scale_patch(*args.scale), indent=1, sort_keys=True))
        return
    members = {}
    k = 1
    for account, prefix in MEMBERS:
        members[account] = {}
        for region, short in REGIONS:
            members[account][region] = region_data(account, prefix, region, short, k)
            k += 1
    patch = {
        "enabled_regions": [r for r, _ in REGIONS],
        "opt_in_regions": ["af-south-1"],
        "roles": {f"arn:aws:iam::{a}:role/efstop-org-read": {"role_id": f"AROAEFSTOPORG{a[:8]}",
                                                             "trusted": [CALLER]}
                  for a, _ in MEMBERS},
        "organization": {"management_account": "111122223333", "accounts": [
            {"Id": "444455556666", "Name": "prod"},
            {"Id": "777788889999", "Name": "analytics"},
            {"Id": "999900001111", "Name": "sandbox"},
            {"Id": "123412341234", "Name": "closed", "Status": "SUSPENDED"},
        ]},
        "members": members,
    }
    print(json.dumps(patch, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
