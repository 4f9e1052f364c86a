"""Mutable state of one endpoint process: the scenario, issued credentials,
faults, counts and the request log. Every method is thread-safe (one lock;
the server is threaded)."""

import copy
import re
import datetime
import json
import secrets
import string
import threading
from collections import deque

FAULT_KINDS = ("throttle", "500", "502", "503", "504", "reset", "slow", "slow_after", "truncate", "expired", "denied",
               "not_found", "repeat_token")
ID_CHARS = string.ascii_uppercase + string.digits
SECRET_CHARS = string.ascii_letters + string.digits + "+/"


class ScenarioError(Exception):
    pass


class Identity:
    """A caller: a scenario user, or temporary credentials the endpoint issued."""

    def __init__(self, access_key_id, secret, arn, user_id, account, session_token=None,
                 expiration=None, role_arn=None, source="user"):
        self.access_key_id = access_key_id
        self.secret = secret
        self.arn = arn
        self.user_id = user_id
        self.account = account
        self.session_token = session_token
        self.expiration = expiration
        self.role_arn = role_arn  # set for assumed-role sessions
        self.source = source


def merge_patch(target, patch):
    """RFC 7386 JSON merge patch."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    if not isinstance(target, dict):
        target = {}
    out = dict(target)
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def account_of_arn(arn):
    parts = arn.split(":")
    return parts[4] if len(parts) > 5 else ""


def check_scenario(doc):
    """Raises ScenarioError naming the first problem of a scenario document."""
    if not isinstance(doc, dict):
        raise ScenarioError("scenario must be a JSON object")
    for key in ("account", "region"):
        if not isinstance(doc.get(key), str) or not doc[key]:
            raise ScenarioError(f"scenario needs a non-empty string '{key}'")
    keyed = ("users", "roles", "network_interfaces", "instances", "subnets", "vpcs", "flow_logs",
             "file_systems", "mount_targets", "log_groups", "metrics", "metric_status",
             "delivery_streams")
    for key in keyed:
        if key in doc and not isinstance(doc[key], dict):
            raise ScenarioError(f"scenario '{key}' must be an object keyed by id")
    for akid, user in doc.get("users", {}).items():
        if not isinstance(user, dict) or "secret" not in user or "arn" not in user:
            raise ScenarioError(f"users.{akid} needs 'secret' and 'arn'")
    for arn, role in doc.get("roles", {}).items():
        if not isinstance(role, dict):
            raise ScenarioError(f"roles.{arn} must be an object")
    if "page_size" in doc and (not isinstance(doc["page_size"], int) or doc["page_size"] < 1):
        raise ScenarioError("page_size must be a positive integer")
    members = doc.get("members", {})
    if not isinstance(members, dict):
        raise ScenarioError("members must be an object keyed by account id")
    for account, regions in members.items():
        if not re.fullmatch(r"[0-9]{12}", account) or not isinstance(regions, dict):
            raise ScenarioError(f"members.{account}: want a 12-digit account id -> {{region: data}}")
        for region, data in regions.items():
            if not isinstance(data, dict) or any(k not in VIEW_COLLECTIONS for k in data):
                raise ScenarioError(f"members.{account}.{region}: an object of {sorted(VIEW_COLLECTIONS)}")
    if "enabled_regions" in doc and not isinstance(doc["enabled_regions"], list):
        raise ScenarioError("enabled_regions must be a list of region names")
    member_regions = doc.get("member_enabled_regions", {})
    if not isinstance(member_regions, dict) or any(
            not re.fullmatch(r"[0-9]{12}", a) or not isinstance(r, list)
            for a, r in member_regions.items()):
        raise ScenarioError("member_enabled_regions must map 12-digit account ids to region lists")
    if "organization" in doc and not isinstance(doc["organization"], dict):
        raise ScenarioError("organization must be an object ({'accounts': [...]})")
    quirks = doc.get("quirks", {})
    if not isinstance(quirks, dict) or any(k not in QUIRKS or not isinstance(v, bool)
                                           for k, v in quirks.items()):
        raise ScenarioError(f"quirks must be an object of booleans among {sorted(QUIRKS)}")


# Ways an AWS-compatible server may differ from AWS (scenario "quirks"), so that tests can
# check that efstop verifies what it is sent instead of trusting the server's filtering.
QUIRKS = {
    # FilterLogEvents ignores logStreamNames and logStreamNamePrefix (every stream answers).
    "logs_ignore_stream_filter",
    # ListObjectsV2 ignores prefix (the whole bucket is listed).
    "s3_ignore_prefix",
}


# The collections a member account's region holds (scenario "members"):
# what a caller whose credentials belong to that account, signing for that
# region, sees instead of the top-level ones.
VIEW_COLLECTIONS = ("network_interfaces", "instances", "subnets", "vpcs", "flow_logs",
                    "file_systems", "mount_targets", "access_points", "log_groups", "metrics",
                    "metric_status", "delivery_streams")


def quirk(scenario, name):
    """True when the scenario turns quirk `name` on."""
    return bool(scenario.get("quirks", {}).get(name, False))


class State:
    def __init__(self, scenario_path, page_size=0):
        self._lock = threading.Lock()
        self._path = scenario_path
        self._page_size_override = page_size
        self._scenario = {}
        self._issued = {}
        self._faults = []
        self._counts = {}
        self._log = deque(maxlen=1000)
        self._offset = datetime.timedelta(0)
        self._imds_tokens = {}
        self._indexes = {}
        self._views = {}
        self._tls = threading.local()
        self.load_file()

    # -- scenario

    def load_file(self):
        with open(self._path, encoding="utf-8") as f:
            try:
                doc = json.load(f)
            except ValueError as e:
                raise ScenarioError(f"{self._path}: not valid JSON: {e}")
        try:
            check_scenario(doc)
        except ScenarioError as e:
            raise ScenarioError(f"{self._path}: {e}")
        with self._lock:
            self._scenario = doc
            self._indexes = {}
            self._views = {}

    def scenario(self):
        """The current scenario document (do not mutate; replaced wholesale),
        as the calling thread's account and region see it (set_view)."""
        view = getattr(self._tls, "view", None)
        with self._lock:
            doc = self._scenario
            if view is None:
                return doc
            cached = self._views.get(view)
            if cached is not None:
                return cached
        account, region = view
        members = doc.get("members", {})
        if account not in members:
            return doc
        out = dict(doc)
        data = members[account].get(region, {})
        for key in VIEW_COLLECTIONS:
            out[key] = data.get(key, {})
        out["account"] = account
        with self._lock:
            if self._scenario is doc:
                self._views[view] = out
        return out

    def set_view(self, account, region):
        """Makes this thread's scenario() the data of (account, region) when the
        scenario's members hold that account (None: the top level)."""
        self._tls.view = (account, region) if account is not None else None

    def view_key(self):
        return getattr(self._tls, "view", None)

    def replace_scenario(self, doc):
        check_scenario(doc)
        with self._lock:
            self._scenario = doc
            self._indexes = {}
            self._views = {}

    def patch_scenario(self, patch):
        with self._lock:
            doc = merge_patch(self._scenario, patch)
        check_scenario(doc)
        with self._lock:
            self._scenario = doc
            self._indexes = {}
            self._views = {}

    def index(self, collection, name, extractor):
        """{value: set of ids} of `collection` under a filter's `extractor`,
        built once per scenario version (lookups of thousands of IPs)."""
        view = self.view_key()
        items = self.scenario().get(collection, {})
        with self._lock:
            cached = self._indexes.get((collection, name, view))
        if cached is not None:
            return cached
        index = {}
        for item_id, item in items.items():
            for value in extractor(item):
                if value is None:
                    continue
                key = ("true" if value else "false") if isinstance(value, bool) else str(value)
                index.setdefault(key, set()).add(item_id)
        with self._lock:
            self._indexes[(collection, name, view)] = index
        return index

    def page_size(self):
        if self._page_size_override > 0:
            return self._page_size_override
        return int(self.scenario().get("page_size", 5))

    def signing_regions(self, service):
        sc = self.scenario()
        regions = set(sc.get("regions", [sc["region"]]))
        regions.add(sc["region"])
        regions.update(sc.get("enabled_regions", []))
        for member in sc.get("members", {}).values():
            regions.update(member)
        if service in ("sts", "organizations"):
            regions.add("us-east-1")  # the global STS endpoint signs as us-east-1
        return regions

    # -- time

    def now(self):
        with self._lock:
            offset = self._offset
        return datetime.datetime.now(datetime.timezone.utc) + offset

    def set_clock_offset(self, seconds):
        with self._lock:
            self._offset = datetime.timedelta(seconds=seconds)

    # -- identities

    def identity_for_key(self, access_key_id):
        with self._lock:
            issued = self._issued.get(access_key_id)
            if issued is not None:
                return issued
            user = self._scenario.get("users", {}).get(access_key_id)
        if user is None:
            return None
        return Identity(access_key_id, user["secret"], user["arn"],
                        user.get("user_id", "AIDA" + access_key_id[4:]), account_of_arn(user["arn"]))

    def issue_credentials(self, arn, user_id, lifetime_seconds, role_arn=None, source="role"):
        akid = "ASIA" + "".join(secrets.choice(ID_CHARS) for _ in range(16))
        secret = "".join(secrets.choice(SECRET_CHARS) for _ in range(40))
        token = "IQoJb3JpZ2luX2VjE" + "".join(secrets.choice(SECRET_CHARS) for _ in range(180))
        expiration = (self.now() + datetime.timedelta(seconds=lifetime_seconds)).replace(microsecond=0)
        identity = Identity(akid, secret, arn, user_id, account_of_arn(arn) or self.scenario()["account"],
                            session_token=token, expiration=expiration, role_arn=role_arn, source=source)
        with self._lock:
            self._issued[akid] = identity
        return identity

    def expire_issued_credentials(self):
        """Every credential issued so far expires now (refresh tests)."""
        now = self.now()
        with self._lock:
            for identity in self._issued.values():
                identity.expiration = now
            return len(self._issued)

    def issued_secrets(self):
        """Every credential and IMDS token issued so far (secret scans)."""
        with self._lock:
            return {"credentials": [{"access_key_id": i.access_key_id, "secret": i.secret,
                                     "session_token": i.session_token}
                                    for i in self._issued.values()],
                    "imds_tokens": list(self._imds_tokens)}

    def new_imds_token(self, ttl_seconds):
        token = "AQAEA" + "".join(secrets.choice(ID_CHARS) for _ in range(50))
        expiry = self.now() + datetime.timedelta(seconds=ttl_seconds)  # now() takes the lock
        with self._lock:
            self._imds_tokens[token] = expiry
        return token

    def imds_token_valid(self, token):
        with self._lock:
            expiry = self._imds_tokens.get(token)
        return expiry is not None and self.now() < expiry

    # -- faults, counts, log

    def add_fault(self, fault):
        kind = fault.get("kind")
        if kind not in FAULT_KINDS:
            raise ScenarioError(f"fault kind must be one of {', '.join(FAULT_KINDS)}, got {kind!r}")
        entry = {
            "operation": fault.get("operation", "*"),
            "kind": kind,
            "count": int(fault.get("count", 1)),
            "skip": int(fault.get("skip", 0)),
            "delay_ms": int(fault.get("delay_ms", 0)),
            # Only requests whose path holds this text (one S3 object of many).
            "path_contains": str(fault.get("path_contains", "")),
        }
        if entry["count"] < 1 or entry["skip"] < 0 or entry["delay_ms"] < 0:
            raise ScenarioError("fault count must be >= 1, skip and delay_ms >= 0")
        with self._lock:
            self._faults.append(entry)

    def take_fault(self, operation, path=""):
        """The first armed fault matching `operation` and `path` (consumed), or None."""
        with self._lock:
            for f in self._faults:
                if f["operation"] not in ("*", operation):
                    continue
                if f["path_contains"] and f["path_contains"] not in path:
                    continue
                if f["skip"] > 0:
                    f["skip"] -= 1
                    continue
                f["count"] -= 1
                if f["count"] == 0:
                    self._faults.remove(f)
                return dict(f)
        return None

    def count(self, operation):
        with self._lock:
            self._counts[operation] = self._counts.get(operation, 0) + 1

    def counts(self):
        with self._lock:
            return dict(self._counts)

    def log_request(self, entry):
        with self._lock:
            self._log.append(entry)

    def request_log(self):
        with self._lock:
            return list(self._log)

    def reset(self):
        self.load_file()
        with self._lock:
            self._issued.clear()
            self._faults.clear()
            self._counts.clear()
            self._log.clear()
            self._imds_tokens.clear()
            self._offset = datetime.timedelta(0)
