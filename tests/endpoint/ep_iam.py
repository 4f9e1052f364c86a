"""IAM as the endpoint plays it, for permission tests (efstop doctor and
iam-policy):

- the IAM action each request needs (`iam_action`): the operation name,
  except S3's ListObjects[V2] (s3:ListBucket), HeadObject (s3:GetObject)
  and STS GetCallerIdentity, which needs no permission;
- a switch that denies chosen actions to every signed caller, answered as
  AWS answers a caller whose policy lacks them (EC2 UnauthorizedOperation
  403, CloudWatch Logs / EFS AccessDeniedException, S3 AccessDenied 403);
  an EC2 DryRun of a denied action is refused the same way, since AWS
  checks the permission before it answers DryRunOperation;
- a recorder of the actions that signed callers used (denied ones too).

Self-contained on purpose: server.py calls `denial()` and `record()` after a
request's signature is checked, and routes two control calls here
(POST /__efstop/deny, GET /__efstop/actions). Thread-safe.
"""

import threading

import ep_auth
from ep_protocols import AwsError

# S3 operations whose IAM action has another name (Service Authorization
# Reference, "Actions defined by Amazon S3").
_S3_ACTIONS = {
    "ListObjectsV2": "s3:ListBucket",
    "ListObjects": "s3:ListBucket",
    "HeadObject": "s3:GetObject",
    "ListBuckets": "s3:ListAllMyBuckets",
}


def iam_action(route_name):
    """The IAM action `route_name` ("ec2:DescribeInstances") needs, or None."""
    service, _, operation = route_name.partition(":")
    if service == "s3":
        return _S3_ACTIONS.get(operation, route_name)
    if service == "monitoring":  # CloudWatch's IAM prefix is not its signing name
        return "cloudwatch:" + operation
    if route_name == "sts:GetCallerIdentity":
        return None  # "No permissions are required to perform this operation."
    return route_name


class Iam:
    def __init__(self):
        self._lock = threading.Lock()
        self._denied = set()
        self._denied_accounts = None  # None: every caller
        self._used = set()

    def set_denied(self, doc):
        actions = doc.get("actions")
        if not isinstance(actions, list) or not all(isinstance(a, str) and ":" in a for a in actions):
            raise ValueError('deny: give {"actions": ["service:Action", ...]}')
        accounts = doc.get("accounts")
        if accounts is not None and (not isinstance(accounts, list) or
                                     not all(isinstance(a, str) for a in accounts)):
            raise ValueError('deny: "accounts" is a list of account ids')
        with self._lock:
            self._denied = set(actions)
            self._denied_accounts = set(accounts) if accounts is not None else None

    def record(self, route_name):
        action = iam_action(route_name)
        if action is not None:
            with self._lock:
                self._used.add(action)

    def denial(self, service, route_name, identity):
        """The AwsError a caller denied `route_name` gets, or None."""
        action = iam_action(route_name)
        with self._lock:
            if action is None or action not in self._denied:
                return None
            if (self._denied_accounts is not None and
                    getattr(identity, "account", None) not in self._denied_accounts):
                return None
        if service == "s3":
            return AwsError("AccessDenied", "Access Denied", 403)
        arn = getattr(identity, "arn", None) or "unknown"
        return ep_auth.service_error(service, "denied", arn=arn, action=action)

    def used(self):
        with self._lock:
            return sorted(self._used)

    def reset(self):
        with self._lock:
            self._denied.clear()
            self._denied_accounts = None
            self._used.clear()
