"""EFS (REST-JSON) DescribeFileSystems and DescribeMountTargets, paged with
Marker/NextMarker at the scenario's page size."""

import re

import ep_paging
from ep_protocols import AwsError

_templates = {}


def match_rest_operation(model, method, path):
    """(operation name, URI parameters) of a REST call, or None."""
    compiled = _templates.get(model.service_name)
    if compiled is None:
        compiled = []
        for name in model.operation_names:
            http = model.operation_model(name).http
            uri = http["requestUri"].split("?", 1)[0]
            pattern = re.sub(r"\\\{([A-Za-z0-9_]+)\+?\\\}", r"(?P<\1>[^/]+)", re.escape(uri))
            compiled.append((http["method"], re.compile("^" + pattern + "$"), name))
        _templates[model.service_name] = compiled
    for m, regex, name in compiled:
        found = regex.match(path)
        if found and m == method:
            return name, found.groupdict()
    return None


def _bad_marker():
    return AwsError("BadRequest", "The Marker is invalid.", 400)


def _fs_id(value):
    # The API accepts an id or an ARN (arn:aws:elasticfilesystem:region:acct:file-system/fs-...).
    return value.rsplit("/", 1)[-1] if value.startswith("arn:") else value


def _file_system(state, fs_id, fs):
    sc = state.scenario()
    out = dict(fs)
    out["FileSystemId"] = fs_id
    out.setdefault("OwnerId", sc["account"])
    out.setdefault("FileSystemArn", f"arn:aws:elasticfilesystem:{sc['region']}:{out['OwnerId']}:"
                                    f"file-system/{fs_id}")
    out.setdefault("CreationToken", fs_id)
    out.setdefault("CreationTime", 1700000000)
    out.setdefault("LifeCycleState", "available")
    out.setdefault("PerformanceMode", "generalPurpose")
    out.setdefault("ThroughputMode", "elastic")
    out.setdefault("Encrypted", True)
    out.setdefault("SizeInBytes", {"Value": 6144})
    out.setdefault("Tags", [])
    name = [t["Value"] for t in out["Tags"] if t.get("Key") == "Name"]
    if name:
        out.setdefault("Name", name[0])
    out["NumberOfMountTargets"] = sum(1 for mt in sc.get("mount_targets", {}).values()
                                      if mt.get("FileSystemId") == fs_id)
    return out


def describe_file_systems(state, identity, params):
    systems = state.scenario().get("file_systems", {})
    if "FileSystemId" in params:
        fs_id = _fs_id(params["FileSystemId"])
        if fs_id not in systems:
            raise AwsError("FileSystemNotFound", f"File system '{fs_id}' does not exist.", 404)
        selected = [_file_system(state, fs_id, systems[fs_id])]
    else:
        selected = [_file_system(state, k, v) for k, v in sorted(systems.items())]
        if "CreationToken" in params:
            selected = [fs for fs in selected if fs["CreationToken"] == params["CreationToken"]]
    size = min(state.page_size(), params.get("MaxItems", 100))
    items, nxt = ep_paging.page(selected, params, "Marker", {"Marker", "MaxItems"}, size, _bad_marker())
    out = {"FileSystems": items, "NextMarker": nxt}
    if params.get("Marker"):
        out["Marker"] = params["Marker"]
    return out


def describe_mount_targets(state, identity, params):
    sc = state.scenario()
    given = [k for k in ("FileSystemId", "MountTargetId", "AccessPointId") if k in params]
    if len(given) != 1:
        raise AwsError("BadRequest", "Must specify exactly one mutually exclusive parameter.", 400)
    targets = sc.get("mount_targets", {})
    if "FileSystemId" in params:
        fs_id = _fs_id(params["FileSystemId"])
        if fs_id not in sc.get("file_systems", {}):
            raise AwsError("FileSystemNotFound", f"File system '{fs_id}' does not exist.", 404)
        selected = [(k, v) for k, v in sorted(targets.items()) if v.get("FileSystemId") == fs_id]
    elif "MountTargetId" in params:
        mt_id = params["MountTargetId"].rsplit("/", 1)[-1]
        if mt_id not in targets:
            raise AwsError("MountTargetNotFound", f"Mount target '{mt_id}' does not exist.", 404)
        selected = [(mt_id, targets[mt_id])]
    else:
        ap = sc.get("access_points", {}).get(params["AccessPointId"])
        if ap is None:
            raise AwsError("AccessPointNotFound", f"Access point '{params['AccessPointId']}' does not exist.",
                           404)
        selected = [(k, v) for k, v in sorted(targets.items()) if v.get("FileSystemId") == ap["FileSystemId"]]
    items = []
    for mt_id, mt in selected:
        item = dict(mt)
        item["MountTargetId"] = mt_id
        item.setdefault("OwnerId", sc["account"])
        item.setdefault("LifeCycleState", "available")
        items.append(item)
    size = min(state.page_size(), params.get("MaxItems", 100))
    page, nxt = ep_paging.page(items, params, "Marker", {"Marker", "MaxItems"}, size, _bad_marker())
    out = {"MountTargets": page, "NextMarker": nxt}
    if params.get("Marker"):
        out["Marker"] = params["Marker"]
    return out


OPERATIONS = {
    "DescribeFileSystems": describe_file_systems,
    "DescribeMountTargets": describe_mount_targets,
}
