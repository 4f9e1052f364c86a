"""STS, IAM Identity Center (SSO) GetRoleCredentials, EC2 instance metadata
(IMDSv1/v2) and the ECS/EKS container credential service."""

import hmac
import json
import re

from ep_protocols import AwsError

_SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$")
DEFAULT_LIFETIME = 3600


def _iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


def _role_name(arn):
    return arn.split("/")[-1]


def _role_id(role, arn):
    return role.get("role_id", "AROA" + format(abs(hash(arn)) % (10 ** 16), "016d"))


def _lifetime(state, role, requested):
    """Seconds the issued credentials live: a role or scenario may force it
    short so tests can watch a client refresh them."""
    forced = role.get("credential_lifetime_seconds") if role else None
    if forced is None:
        forced = state.scenario().get("temporary_credentials", {}).get("lifetime_seconds")
    return int(forced) if forced is not None else requested


def _credentials(identity):
    return {
        "AccessKeyId": identity.access_key_id,
        "SecretAccessKey": identity.secret,
        "SessionToken": identity.session_token,
        "Expiration": _iso(identity.expiration),
    }


def _trusts(role, identity):
    trusted = role.get("trusted", [])
    if "*" in trusted or identity.arn in trusted:
        return True
    return identity.role_arn is not None and identity.role_arn in trusted


def _denied_assume(identity, role_arn, action="sts:AssumeRole"):
    return AwsError("AccessDenied",
                    f"User: {identity.arn} is not authorized to perform: {action} on resource: {role_arn}",
                    403)


def _issue_role_session(state, role_arn, role, session_name, duration, source):
    account = role_arn.split(":")[4]
    arn = f"arn:aws:sts::{account}:assumed-role/{_role_name(role_arn)}/{session_name}"
    user_id = f"{_role_id(role, role_arn)}:{session_name}"
    issued = state.issue_credentials(arn, user_id, _lifetime(state, role, duration), role_arn=role_arn,
                                     source=source)
    return issued, {"Arn": arn, "AssumedRoleId": user_id}


def sts_get_caller_identity(state, identity, params):
    return {"UserId": identity.user_id, "Account": identity.account, "Arn": identity.arn}


def sts_assume_role(state, identity, params):
    role_arn = params["RoleArn"]
    session_name = params["RoleSessionName"]
    if not _SESSION_NAME_RE.match(session_name):
        raise AwsError("ValidationError",
                       f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed "
                       r"to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
                       400)
    role = state.scenario().get("roles", {}).get(role_arn)
    if role is None or not _trusts(role, identity):
        raise _denied_assume(identity, role_arn)
    wanted = role.get("external_id")
    if wanted is not None and params.get("ExternalId") != wanted:
        raise _denied_assume(identity, role_arn)
    duration = params.get("DurationSeconds", DEFAULT_LIFETIME)
    if identity.role_arn is not None and duration > 3600:
        raise AwsError("ValidationError",
                       "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed "
                       "by role chaining.", 400)
    if duration > role.get("max_session_duration", 3600):
        raise AwsError("ValidationError",
                       "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400)
    issued, user = _issue_role_session(state, role_arn, role, session_name, duration, "assume-role")
    return {"Credentials": _credentials(issued), "AssumedRoleUser": user, "PackedPolicySize": 6}


def sts_assume_role_with_web_identity(state, params):
    role_arn = params["RoleArn"]
    session_name = params["RoleSessionName"]
    if not _SESSION_NAME_RE.match(session_name):
        raise AwsError("ValidationError",
                       f"1 validation error detected: Value '{session_name}' at 'roleSessionName' failed "
                       r"to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*",
                       400)
    role = state.scenario().get("roles", {}).get(role_arn)
    token = params["WebIdentityToken"]
    if role is not None and token in role.get("expired_web_identity_tokens", []):
        raise AwsError("ExpiredTokenException", "Token expired: current date/time must be before the "
                       "expiration date/time in the token", 400)
    if role is None or token not in role.get("web_identity_tokens", []):
        raise AwsError("InvalidIdentityToken", "The ID Token provided is not a valid JWT or was not "
                       "issued by a trusted identity provider for this role.", 400)
    duration = params.get("DurationSeconds", DEFAULT_LIFETIME)
    if duration > role.get("max_session_duration", 3600):
        raise AwsError("ValidationError",
                       "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.", 400)
    issued, user = _issue_role_session(state, role_arn, role, session_name, duration, "web-identity")
    provider = role.get("web_identity_provider", "oidc.eks.eu-west-1.amazonaws.com/id/EFSTOPTEST")
    return {
        "Credentials": _credentials(issued),
        "SubjectFromWebIdentityToken": role.get("web_identity_subject", "system:serviceaccount:efstop:efstop"),
        "AssumedRoleUser": user,
        "PackedPolicySize": 0,
        "Provider": provider,
        "Audience": role.get("web_identity_audience", "sts.amazonaws.com"),
    }


def sso_get_role_credentials(state, params):
    sso = state.scenario().get("sso", {})
    if params["accessToken"] not in sso.get("access_tokens", []):
        raise AwsError("UnauthorizedException", "Session token not found or invalid", 401)
    account = params["accountId"]
    role_name = params["roleName"]
    roles = sso.get("accounts", {}).get(account)
    if roles is None or role_name not in roles:
        raise AwsError("ForbiddenException", "No access", 403)
    arn = f"arn:aws:sts::{account}:assumed-role/AWSReservedSSO_{role_name}_0123456789abcdef/efstop-sso-user"
    role = {"credential_lifetime_seconds": sso.get("credential_lifetime_seconds")}
    issued = state.issue_credentials(arn, f"AROASSO{account}:efstop-sso-user",
                                     _lifetime(state, role, 3600),
                                     role_arn=f"arn:aws:iam::{account}:role/aws-reserved/sso.amazonaws.com/"
                                              f"AWSReservedSSO_{role_name}_0123456789abcdef",
                                     source="sso")
    return {"roleCredentials": {
        "accessKeyId": issued.access_key_id,
        "secretAccessKey": issued.secret,
        "sessionToken": issued.session_token,
        "expiration": int(issued.expiration.timestamp() * 1000),
    }}


# ---------------------------------------------------------------- IMDS


def imds_operation(method, path):
    """The counted operation name of an IMDS path, or None when unknown."""
    if path == "/latest/api/token":
        return "imds:Token"
    if path.startswith("/latest/meta-data/iam/security-credentials"):
        rest = path[len("/latest/meta-data/iam/security-credentials"):].strip("/")
        return "imds:Credentials" if rest else "imds:RoleName"
    if path == "/latest/meta-data/placement/region":
        return "imds:Region"
    if path == "/latest/meta-data/placement/availability-zone":
        return "imds:AvailabilityZone"
    if path == "/latest/dynamic/instance-identity/document":
        return "imds:Document"
    if path.startswith("/latest/"):
        return "imds:Other"
    return None


def _text(status, body, content_type="text/plain"):
    return status, {"Content-Type": content_type}, body.encode()


def imds_handle(state, method, path, headers):
    """(status, headers, body) of an IMDS call, as the real service answers."""
    sc = state.scenario()
    imds = sc.get("imds", {})
    if path == "/latest/api/token":
        if method != "PUT":
            return _text(405, "")
        if headers.get("X-Forwarded-For"):
            return _text(403, "")
        ttl = headers.get("X-aws-ec2-metadata-token-ttl-seconds")
        if ttl is None or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return _text(400, "")
        token = state.new_imds_token(int(ttl))
        return 200, {"Content-Type": "text/plain", "X-aws-ec2-metadata-token-ttl-seconds": ttl}, token.encode()
    if method != "GET":
        return _text(405, "")
    token = headers.get("X-aws-ec2-metadata-token")
    if token is not None:
        if not state.imds_token_valid(token):
            return _text(401, "")
    elif imds.get("v2_only", True):
        return _text(401, "")
    if not imds:
        return _text(404, "")
    region = imds.get("region", sc["region"])
    az = imds.get("availability_zone", region + "a")
    prefix = "/latest/meta-data/iam/security-credentials"
    if path.startswith(prefix):
        rest = path[len(prefix):].strip("/")
        role = imds.get("role")
        if role is None:
            return _text(404, "")
        if not rest:
            return _text(200, role)
        if rest != role:
            return _text(404, "")
        arn = f"arn:aws:sts::{sc['account']}:assumed-role/{role}/{imds.get('instance_id', 'i-0efst0p')}"
        issued = state.issue_credentials(arn, f"AROAIMDS:{imds.get('instance_id', 'i-0efst0p')}",
                                         _lifetime(state, {"credential_lifetime_seconds":
                                                           imds.get("credential_lifetime_seconds")}, 21600),
                                         role_arn=f"arn:aws:iam::{sc['account']}:role/{role}", source="imds")
        doc = {
            "Code": "Success",
            "LastUpdated": _iso(state.now()),
            "Type": "AWS-HMAC",
            "AccessKeyId": issued.access_key_id,
            "SecretAccessKey": issued.secret,
            "Token": issued.session_token,
            "Expiration": _iso(issued.expiration),
        }
        return _text(200, json.dumps(doc, indent=2), "text/plain")
    if path == "/latest/meta-data/placement/region":
        return _text(200, region)
    if path == "/latest/meta-data/placement/availability-zone":
        return _text(200, az)
    if path == "/latest/dynamic/instance-identity/document":
        doc = {
            "accountId": sc["account"],
            "architecture": "x86_64",
            "availabilityZone": az,
            "imageId": "ami-0efst0p0000000000",
            "instanceId": imds.get("instance_id", "i-0efst0p"),
            "instanceType": "m6i.large",
            "pendingTime": "2026-11-01T00:00:00Z",
            "privateIp": imds.get("private_ip", "10.20.1.10"),
            "region": region,
            "version": "2017-09-30",
        }
        return _text(200, json.dumps(doc, indent=2), "application/json")
    return _text(404, "")


# ---------------------------------------------------------------- container


def container_handle(state, method, headers):
    """(status, headers, body) of the container credential service."""
    sc = state.scenario()
    container = sc.get("container", {})
    if method != "GET":
        return _text(405, "")
    wanted = container.get("token")
    if wanted is not None:
        got = headers.get("Authorization")
        if got is None or not hmac.compare_digest(got, wanted):
            body = json.dumps({"code": "AccessDeniedException",
                               "message": "Authorization token is missing or invalid"})
            return _text(403 if got else 401, body, "application/json")
    role_arn = container.get("role_arn", f"arn:aws:iam::{sc['account']}:role/efstop-task-role")
    arn = f"arn:aws:sts::{sc['account']}:assumed-role/{_role_name(role_arn)}/efstop-task"
    issued = state.issue_credentials(arn, "AROACONTAINER:efstop-task",
                                     _lifetime(state, {"credential_lifetime_seconds":
                                                       container.get("credential_lifetime_seconds")}, 21600),
                                     role_arn=role_arn, source="container")
    doc = {
        "RoleArn": role_arn,
        "AccessKeyId": issued.access_key_id,
        "SecretAccessKey": issued.secret,
        "Token": issued.session_token,
        "Expiration": _iso(issued.expiration),
    }
    return _text(200, json.dumps(doc), "application/json")


def container_fault(kind):
    if kind == "throttle":
        return _text(429, json.dumps({"code": "TooManyRequests", "message": "Rate exceeded"}),
                     "application/json")
    if kind == "denied":
        return _text(403, json.dumps({"code": "AccessDeniedException", "message": "denied"}),
                     "application/json")
    status = 503 if kind == "503" else 500
    return _text(status, json.dumps({"code": "InternalServerError", "message": "try again"}),
                 "application/json")


def imds_fault(kind):
    if kind == "throttle":
        return _text(429, "")
    if kind in ("denied", "expired"):
        return _text(401 if kind == "expired" else 403, "")
    return _text(503 if kind == "503" else 500, "")

