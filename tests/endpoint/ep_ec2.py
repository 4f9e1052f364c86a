"""EC2 Describe* operations over the scenario: filters, ID lists with their
NotFound/Malformed semantics, the 200-filter-value cap, MaxResults 5..1000
(never with IDs), DryRun, and NextToken pages of the scenario's page size.

Scenario items are stored in botocore's output shape (what
`aws ec2 describe-...` prints), keyed by id; see README.md."""

import fnmatch
import re

import ep_paging
from ep_protocols import AwsError

MAX_FILTER_VALUES = 200


def _invalid(message):
    return AwsError("InvalidParameterValue", message, 400)


def _strs(values):
    out = []
    for v in values:
        if v is None:
            continue
        if isinstance(v, bool):
            out.append("true" if v else "false")
        else:
            out.append(str(v))
    return out


def _tags(item):
    return item.get("TagSet", item.get("Tags", [])) or []


def _tag_filter(item, key):
    return [t.get("Value", "") for t in _tags(item) if t.get("Key") == key]


def _get(d, *path):
    for p in path:
        if not isinstance(d, dict):
            return None
        d = d.get(p)
    return d


# ---- per-resource filter tables: filter name -> item -> list of values

def _eni_private_ips(e):
    ips = [p.get("PrivateIpAddress") for p in e.get("PrivateIpAddresses", [])]
    if not ips and e.get("PrivateIpAddress"):
        ips = [e["PrivateIpAddress"]]
    return ips


def _eni_public_ips(e):
    ips = [_get(e, "Association", "PublicIp")]
    ips += [_get(p, "Association", "PublicIp") for p in e.get("PrivateIpAddresses", [])]
    return sorted({i for i in ips if i})


ENI_FILTERS = {
    "addresses.private-ip-address": _eni_private_ips,
    "private-ip-address": _eni_private_ips,
    "addresses.primary": lambda e: [p.get("Primary") for p in e.get("PrivateIpAddresses", [])],
    "addresses.association.public-ip": _eni_public_ips,
    "addresses.association.owner-id": lambda e: [_get(p, "Association", "IpOwnerId")
                                                 for p in e.get("PrivateIpAddresses", [])],
    "association.public-ip": _eni_public_ips,
    "association.ip-owner-id": lambda e: [_get(e, "Association", "IpOwnerId")],
    "association.allocation-id": lambda e: [_get(e, "Association", "AllocationId")],
    "association.association-id": lambda e: [_get(e, "Association", "AssociationId")],
    "association.public-dns-name": lambda e: [_get(e, "Association", "PublicDnsName")],
    "ipv6-addresses.ipv6-address": lambda e: [a.get("Ipv6Address") for a in e.get("Ipv6Addresses", [])],
    "ipv6-address": lambda e: [a.get("Ipv6Address") for a in e.get("Ipv6Addresses", [])],
    "vpc-id": lambda e: [e.get("VpcId")],
    "subnet-id": lambda e: [e.get("SubnetId")],
    "network-interface-id": lambda e: [e.get("NetworkInterfaceId")],
    "interface-type": lambda e: [e.get("InterfaceType")],
    "attachment.instance-id": lambda e: [_get(e, "Attachment", "InstanceId")],
    "attachment.instance-owner-id": lambda e: [_get(e, "Attachment", "InstanceOwnerId")],
    "attachment.attachment-id": lambda e: [_get(e, "Attachment", "AttachmentId")],
    "attachment.status": lambda e: [_get(e, "Attachment", "Status")],
    "attachment.device-index": lambda e: [_get(e, "Attachment", "DeviceIndex")],
    "attachment.delete-on-termination": lambda e: [_get(e, "Attachment", "DeleteOnTermination")],
    "description": lambda e: [e.get("Description")],
    "requester-id": lambda e: [e.get("RequesterId")],
    "requester-managed": lambda e: [e.get("RequesterManaged")],
    "availability-zone": lambda e: [e.get("AvailabilityZone")],
    "availability-zone-id": lambda e: [e.get("AvailabilityZoneId")],
    "owner-id": lambda e: [e.get("OwnerId")],
    "status": lambda e: [e.get("Status")],
    "mac-address": lambda e: [e.get("MacAddress")],
    "private-dns-name": lambda e: [e.get("PrivateDnsName")],
    "source-dest-check": lambda e: [e.get("SourceDestCheck")],
    "group-id": lambda e: [g.get("GroupId") for g in e.get("Groups", [])],
    "group-name": lambda e: [g.get("GroupName") for g in e.get("Groups", [])],
    "tag-key": lambda e: [t.get("Key") for t in _tags(e)],
    "tag-value": lambda e: [t.get("Value") for t in _tags(e)],
}


def _instance_enis(i):
    return i.get("NetworkInterfaces", []) or []


INSTANCE_FILTERS = {
    "instance-id": lambda i: [i.get("InstanceId")],
    "private-ip-address": lambda i: [i.get("PrivateIpAddress")],
    "ip-address": lambda i: [i.get("PublicIpAddress")],
    "private-dns-name": lambda i: [i.get("PrivateDnsName")],
    "instance-state-name": lambda i: [_get(i, "State", "Name")],
    "instance-state-code": lambda i: [_get(i, "State", "Code")],
    "instance-type": lambda i: [i.get("InstanceType")],
    "vpc-id": lambda i: [i.get("VpcId")],
    "subnet-id": lambda i: [i.get("SubnetId")],
    "availability-zone": lambda i: [_get(i, "Placement", "AvailabilityZone")],
    "network-interface.network-interface-id": lambda i: [n.get("NetworkInterfaceId") for n in _instance_enis(i)],
    "network-interface.addresses.private-ip-address": lambda i: [
        p.get("PrivateIpAddress") for n in _instance_enis(i) for p in n.get("PrivateIpAddresses", [])],
    "tag-key": lambda i: [t.get("Key") for t in _tags(i)],
    "tag-value": lambda i: [t.get("Value") for t in _tags(i)],
}

FLOW_LOG_FILTERS = {
    "resource-id": lambda f: [f.get("ResourceId")],
    "log-destination-type": lambda f: [f.get("LogDestinationType")],
    "flow-log-id": lambda f: [f.get("FlowLogId")],
    "log-group-name": lambda f: [f.get("LogGroupName")],
    "deliver-log-status": lambda f: [f.get("DeliverLogsStatus")],
    "traffic-type": lambda f: [f.get("TrafficType")],
    "tag-key": lambda f: [t.get("Key") for t in _tags(f)],
}

SUBNET_FILTERS = {
    "subnet-id": lambda s: [s.get("SubnetId")],
    "vpc-id": lambda s: [s.get("VpcId")],
    "availability-zone": lambda s: [s.get("AvailabilityZone")],
    "availability-zone-id": lambda s: [s.get("AvailabilityZoneId")],
    "cidr-block": lambda s: [s.get("CidrBlock")],
    "state": lambda s: [s.get("State")],
    "owner-id": lambda s: [s.get("OwnerId")],
    "default-for-az": lambda s: [s.get("DefaultForAz")],
    "tag-key": lambda s: [t.get("Key") for t in _tags(s)],
}

VPC_FILTERS = {
    "vpc-id": lambda v: [v.get("VpcId")],
    "cidr-block": lambda v: [v.get("CidrBlock")],
    "is-default": lambda v: [v.get("IsDefault")],
    "state": lambda v: [v.get("State")],
    "owner-id": lambda v: [v.get("OwnerId")],
    "tag-key": lambda v: [t.get("Key") for t in _tags(v)],
}

VPC_ENDPOINT_FILTERS = {
    "vpc-endpoint-id": lambda v: [v.get("VpcEndpointId")],
    "vpc-id": lambda v: [v.get("VpcId")],
    "service-name": lambda v: [v.get("ServiceName")],
    "vpc-endpoint-state": lambda v: [v.get("State")],
    "vpc-endpoint-type": lambda v: [v.get("VpcEndpointType")],
    "ip-address-type": lambda v: [v.get("IpAddressType")],
    "tag-key": lambda v: [t.get("Key") for t in _tags(v)],
}

# The filter that selects each collection by its own id.
ID_FILTERS = {"network_interfaces": "network-interface-id", "instances": "instance-id",
              "vpc_endpoints": "vpc-endpoint-id", "flow_logs": "flow-log-id", "subnets": "subnet-id",
              "vpcs": "vpc-id"}


def _compile_filters(filters, table):
    """[(extractor, patterns)] from the request's Filters; enforces the
    200-value cap and rejects unknown filter names as EC2 does."""
    total = sum(len(f.get("Values", [])) for f in filters)
    if total > MAX_FILTER_VALUES:
        raise AwsError("FilterLimitExceeded",
                       f"The maximum number of filter values specified on a single call is "
                       f"{MAX_FILTER_VALUES}", 400)
    compiled = []
    for f in filters:
        name = f.get("Name")
        values = f.get("Values", [])
        if not name:
            raise _invalid("The filter name must not be empty")
        if not values:
            raise _invalid(f"The filter '{name}' requires at least one value")
        if name.startswith("tag:"):
            key = name[4:]
            extractor = (lambda k: lambda item: _tag_filter(item, k))(key)
        elif name in table:
            extractor = table[name]
        else:
            raise _invalid(f"The filter '{name}' is invalid")
        # EC2 wildcards are * and ? only; a literal [ must not become a class.
        exact = {v for v in values if "*" not in v and "?" not in v}
        wild = [v.replace("[", "[[]") for v in values if v not in exact]
        compiled.append((extractor, exact, wild, name))
    return compiled


def _matches(item, compiled):
    # Exact values are a set lookup: lookups of 200 IPs over thousands of
    # ENIs (the name-resolution benchmark) stay fast.
    for extractor, exact, wild, _ in compiled:
        have = _strs(extractor(item))
        if any(h in exact for h in have):
            continue
        if not any(fnmatch.fnmatchcase(h, p) for h in have for p in wild):
            return False
    return True


def _check_dry_run(params):
    if params.get("DryRun"):
        raise AwsError("DryRunOperation", "Request would have succeeded, but DryRun flag is set.", 412)


def _check_max_results(params, wire_name):
    mr = params.get("MaxResults")
    if mr is not None and not 5 <= mr <= 1000:
        raise _invalid(f"Value ( {mr} ) for parameter {wire_name} is invalid. "
                       f"Expecting a value between 5 and 1000.")


def _describe(state, params, collection, id_key, ids_member, id_prefix, kind, filter_table,
              filters_member="Filters", max_results_name="maxResults", error_kind=None):
    """Common shape of the Describe* calls: (items of this page, next token)."""
    error_kind = error_kind or f"{kind}ID"
    _check_dry_run(params)
    _check_max_results(params, max_results_name)
    items_by_id = state.scenario().get(collection, {})
    ids = params.get(ids_member) or []
    if ids and params.get("MaxResults") is not None:
        raise AwsError("InvalidParameterCombination",
                       f"The parameter {ids_member} cannot be used with the parameter MaxResults", 400)
    compiled = _compile_filters(params.get(filters_member, []), filter_table)
    if ids:
        missing = []
        for i in ids:
            if not re.fullmatch(id_prefix + r"-[0-9a-f]{8,17}", i):
                raise AwsError(f"Invalid{error_kind}.Malformed", f'Invalid id: "{i}"', 400)
            if i not in items_by_id:
                missing.append(i)
        if missing:
            noun = {"NetworkInterface": "networkInterface", "Instance": "instance", "Subnet": "subnet",
                    "Vpc": "vpc", "FlowLog": "flow log", "VpcEndpoint": "VpcEndpoint"}[kind]
            if len(missing) == 1:
                msg = f"The {noun} ID '{missing[0]}' does not exist"
            else:
                msg = f"The {noun} IDs '{', '.join(missing)}' do not exist"
            raise AwsError(f"Invalid{error_kind}.NotFound", msg, 400)
        selected = [{id_key: i, **items_by_id[i]} for i in dict.fromkeys(ids)]
    else:
        keys = items_by_id.keys()
        for extractor, exact, wild, name in compiled:
            if exact and not wild and name == ID_FILTERS.get(collection):
                # Items are stored keyed by id, without their id member: the
                # id filter narrows by key.
                keys = {v for v in exact if v in items_by_id}
                break
            if exact and not wild:
                # Narrow to the items an exact-valued filter can match (indexed).
                index = state.index(collection, name, extractor)
                keys = set().union(*(index.get(v, ()) for v in exact))
                break
        selected = [{id_key: k, **items_by_id[k]} for k in sorted(keys)]
    selected = [item for item in selected if _matches(item, compiled)]
    if ids:
        return selected, None  # ID lookups are answered whole, never paged (MaxResults is refused)
    size = state.page_size()
    if params.get("MaxResults") is not None:
        size = min(size, params["MaxResults"])
    bad_token = AwsError("InvalidNextToken", "The specified NextToken is not valid.", 400)
    return ep_paging.page(selected, params, "NextToken", {"NextToken", "MaxResults"}, size, bad_token)


def describe_network_interfaces(state, identity, params):
    items, token = _describe(state, params, "network_interfaces", "NetworkInterfaceId", "NetworkInterfaceIds",
                             "eni", "NetworkInterface", ENI_FILTERS)
    return {"NetworkInterfaces": items, "NextToken": token}


def describe_instances(state, identity, params):
    items, token = _describe(state, params, "instances", "InstanceId", "InstanceIds", "i", "Instance",
                             INSTANCE_FILTERS)
    account = state.scenario()["account"]
    reservations = []
    for inst in items:
        inst = dict(inst)
        reservation_id = inst.pop("ReservationId", "r-" + inst["InstanceId"][2:])
        reservations.append({"ReservationId": reservation_id, "OwnerId": inst.pop("OwnerId", account),
                             "Groups": [], "Instances": [inst]})
    return {"Reservations": reservations, "NextToken": token}


def describe_flow_logs(state, identity, params):
    items, token = _describe(state, params, "flow_logs", "FlowLogId", "FlowLogIds", "fl", "FlowLog",
                             FLOW_LOG_FILTERS, filters_member="Filter", max_results_name="MaxResults")
    return {"FlowLogs": items, "NextToken": token}


def describe_subnets(state, identity, params):
    items, token = _describe(state, params, "subnets", "SubnetId", "SubnetIds", "subnet", "Subnet",
                             SUBNET_FILTERS)
    return {"Subnets": items, "NextToken": token}


def describe_vpcs(state, identity, params):
    items, token = _describe(state, params, "vpcs", "VpcId", "VpcIds", "vpc", "Vpc", VPC_FILTERS)
    return {"Vpcs": items, "NextToken": token}


def describe_vpc_endpoints(state, identity, params):
    # EC2 spells this one's error codes InvalidVpcEndpointId.* (not ...ID.*).
    items, token = _describe(state, params, "vpc_endpoints", "VpcEndpointId", "VpcEndpointIds", "vpce",
                             "VpcEndpoint", VPC_ENDPOINT_FILTERS, max_results_name="MaxResults",
                             error_kind="VpcEndpointId")
    return {"VpcEndpoints": items, "NextToken": token}


def describe_regions(state, identity, params):
    """The scenario's enabled regions (its `enabled_regions`, else its region
    and `regions`); a member account's own when `member_enabled_regions`
    holds it (the caller's credentials are that account's). AllRegions=true
    adds `opt_in_regions` as not-opted-in. Filters and RegionNames select by
    name, as EC2 does for region-name."""
    sc = state.scenario()
    view = state.view_key()
    own = sc.get("member_enabled_regions", {}).get(view[0]) if view else None
    enabled = own or sc.get("enabled_regions") or sorted(set([sc["region"]] + sc.get("regions", [])))
    regions = [(r, "opt-in-not-required") for r in enabled]
    if params.get("AllRegions"):
        regions += [(r, "not-opted-in") for r in sc.get("opt_in_regions", [])]
    wanted = set(params.get("RegionNames", []))
    for f in params.get("Filters", []):
        if f.get("Name") != "region-name":
            raise AwsError("InvalidParameterValue",
                           f"The filter '{f.get('Name')}' is not supported by this test endpoint", 400)
        wanted |= set(f.get("Values", []))
    if wanted:
        regions = [r for r in regions if r[0] in wanted]
    return {"Regions": [{"RegionName": r, "Endpoint": f"ec2.{r}.amazonaws.com", "OptInStatus": o}
                        for r, o in regions]}


OPERATIONS = {
    "DescribeRegions": describe_regions,
    "DescribeNetworkInterfaces": describe_network_interfaces,
    "DescribeInstances": describe_instances,
    "DescribeFlowLogs": describe_flow_logs,
    "DescribeSubnets": describe_subnets,
    "DescribeVpcs": describe_vpcs,
    "DescribeVpcEndpoints": describe_vpc_endpoints,
}
