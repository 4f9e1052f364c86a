"""SigV4 checking with botocore itself, and each service's auth error codes.

The request is rebuilt as a botocore AWSRequest from exactly what arrived
(method, path, query, the headers the client listed in SignedHeaders incl.
host:port, body) and signed with the secret the scenario holds for the access
key id, at the request's own X-Amz-Date. botocore's canonical request and
string to sign then decide; a mismatch answers as AWS does, and the message
carries the canonical request and string to sign (as STS and S3 do), so a
failing client test shows which step differs.
"""

import datetime
import hashlib
import hmac
import re
from urllib.parse import parse_qsl, urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.compat
import botocore.credentials

from ep_protocols import AwsError

SIGV4_TIMESTAMP = "%Y%m%dT%H%M%SZ"
MAX_SKEW = datetime.timedelta(minutes=15)

_AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=([^,\s]+)\s*,\s*SignedHeaders=([^,\s]+)\s*,\s*Signature=([0-9a-fA-F]+)\s*$")

# Per signing service: (signature mismatch, unknown key, expired token,
# clock skew, access denied, throttling, 500, 503) as (code, status).
CODES = {
    "ec2": {
        "signature": ("SignatureDoesNotMatch", 403),
        "unknown_key": ("AuthFailure", 401),
        "expired": ("RequestExpired", 400),
        "skew": ("RequestExpired", 400),
        "denied": ("UnauthorizedOperation", 403),
        "throttle": ("RequestLimitExceeded", 503),
        "500": ("InternalError", 500),
        "503": ("Unavailable", 503),
        "missing": ("MissingAuthenticationToken", 401),
        "incomplete": ("IncompleteSignature", 400),
    },
    "sts": {
        "signature": ("SignatureDoesNotMatch", 403),
        "unknown_key": ("InvalidClientTokenId", 403),
        "expired": ("ExpiredToken", 400),
        "skew": ("SignatureDoesNotMatch", 403),
        "denied": ("AccessDenied", 403),
        "throttle": ("Throttling", 400),
        "500": ("InternalFailure", 500),
        "503": ("ServiceUnavailable", 503),
        "missing": ("MissingAuthenticationToken", 403),
        "incomplete": ("IncompleteSignature", 400),
    },
    # CloudWatch's query-protocol codes (botocore's cloudwatch model, AWS's
    # "Common Errors" of the CloudWatch API reference).
    "monitoring": {
        "signature": ("SignatureDoesNotMatch", 403),
        "unknown_key": ("InvalidClientTokenId", 403),
        "expired": ("ExpiredToken", 403),
        "skew": ("SignatureDoesNotMatch", 403),
        "denied": ("AccessDenied", 403),
        "throttle": ("Throttling", 400),
        "500": ("InternalFailure", 500),
        "503": ("ServiceUnavailable", 503),
        "missing": ("MissingAuthenticationToken", 403),
        "incomplete": ("IncompleteSignature", 400),
    },
    "logs": {
        "signature": ("InvalidSignatureException", 400),
        "unknown_key": ("UnrecognizedClientException", 400),
        "expired": ("ExpiredTokenException", 400),
        "skew": ("InvalidSignatureException", 400),
        "denied": ("AccessDeniedException", 400),
        "throttle": ("ThrottlingException", 400),
        "500": ("InternalFailure", 500),
        "503": ("ServiceUnavailableException", 503),
        "missing": ("MissingAuthenticationTokenException", 400),
        "incomplete": ("IncompleteSignatureException", 400),
    },
    # Firehose answers in the JSON 1.1 protocol like CloudWatch Logs, with
    # its own throttling and denial codes.
    "firehose": {
        "signature": ("InvalidSignatureException", 400),
        "unknown_key": ("UnrecognizedClientException", 400),
        "expired": ("ExpiredTokenException", 400),
        "skew": ("InvalidSignatureException", 400),
        "denied": ("AccessDeniedException", 400),
        "throttle": ("LimitExceededException", 400),
        "500": ("InternalFailure", 500),
        "503": ("ServiceUnavailableException", 503),
        "missing": ("MissingAuthenticationTokenException", 400),
        "incomplete": ("IncompleteSignatureException", 400),
    },
    # Athena: JSON 1.1 too; throttling is TooManyRequestsException (the
    # model's error shape for StartQueryExecution and GetQueryResults).
    "athena": {
        "signature": ("InvalidSignatureException", 400),
        "unknown_key": ("UnrecognizedClientException", 400),
        "expired": ("ExpiredTokenException", 400),
        "skew": ("InvalidSignatureException", 400),
        "denied": ("AccessDeniedException", 400),
        "throttle": ("TooManyRequestsException", 400),
        "500": ("InternalServerException", 500),
        "503": ("ServiceUnavailableException", 503),
        "missing": ("MissingAuthenticationTokenException", 400),
        "incomplete": ("IncompleteSignatureException", 400),
    },
    # AWS Organizations (JSON 1.1): its own throttling and denial codes
    # (botocore's organizations model: TooManyRequestsException,
    # AccessDeniedException, ServiceException).
    "organizations": {
        "signature": ("InvalidSignatureException", 400),
        "unknown_key": ("UnrecognizedClientException", 400),
        "expired": ("ExpiredTokenException", 400),
        "skew": ("InvalidSignatureException", 400),
        "denied": ("AccessDeniedException", 400),
        "throttle": ("TooManyRequestsException", 400),
        "500": ("ServiceException", 500),
        "503": ("ServiceException", 503),
        "missing": ("MissingAuthenticationTokenException", 400),
        "incomplete": ("IncompleteSignatureException", 400),
    },
    "elasticfilesystem": {
        "signature": ("InvalidSignatureException", 403),
        "unknown_key": ("UnrecognizedClientException", 403),
        "expired": ("ExpiredTokenException", 403),
        "skew": ("InvalidSignatureException", 403),
        "denied": ("AccessDeniedException", 403),
        "throttle": ("ThrottlingException", 429),
        "500": ("InternalServerError", 500),
        "503": ("ServiceUnavailableException", 503),
        "missing": ("MissingAuthenticationTokenException", 403),
        "incomplete": ("IncompleteSignatureException", 403),
    },
    "s3": {
        "signature": ("SignatureDoesNotMatch", 403),
        "unknown_key": ("InvalidAccessKeyId", 403),
        "expired": ("ExpiredToken", 400),
        "skew": ("RequestTimeTooSkewed", 403),
        "denied": ("AccessDenied", 403),
        "throttle": ("SlowDown", 503),
        "500": ("InternalError", 500),
        "503": ("ServiceUnavailable", 503),
        "missing": ("AccessDenied", 403),
        "incomplete": ("AuthorizationHeaderMalformed", 400),
    },
    "sso": {
        "denied": ("ForbiddenException", 403),
        "expired": ("UnauthorizedException", 401),
        "throttle": ("TooManyRequestsException", 429),
        "500": ("InternalServerException", 500),
        "503": ("ServiceUnavailableException", 503),
    },
}

MESSAGES = {
    "signature": ("The request signature we calculated does not match the signature you provided. "
                  "Check your AWS Secret Access Key and signing method. "
                  "Consult the service documentation for details."),
    "unknown_key": "The security token included in the request is invalid.",
    "expired": "The security token included in the request is expired",
    "denied": "User: {arn} is not authorized to perform: {action}",
    "throttle": "Rate exceeded",
    "500": "We encountered an internal error. Please try again.",
    "503": "The service is unavailable. Please try again shortly.",
}


def service_error(service, kind, message=None, **fmt):
    code, status = CODES[service][kind]
    if service == "ec2" and kind == "unknown_key":
        message = message or "AWS was not able to validate the provided access credentials"
    if service == "ec2" and kind == "expired":
        message = message or "Request has expired."
    if service == "ec2" and kind == "throttle":
        message = message or "Request limit exceeded."
    if service == "ec2" and kind == "denied":
        message = message or "You are not authorized to perform this operation."
    text = message or MESSAGES.get(kind, kind).format(**fmt)
    return AwsError(code, text, status, sender=status < 500)


class SignedRequest:
    """What a SigV4 Authorization header claims."""

    def __init__(self, access_key_id, date, region, service, signed_headers, signature):
        self.access_key_id = access_key_id
        self.date = date
        self.region = region
        self.service = service
        self.signed_headers = signed_headers
        self.signature = signature


def parse_authorization(value):
    """SignedRequest from an Authorization header, or None when not SigV4."""
    if not value or not value.startswith("AWS4-HMAC-SHA256"):
        return None
    m = _AUTH_RE.match(value.strip())
    if not m:
        raise AwsError("IncompleteSignature",
                       "Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' "
                       "parameters, separated by ', '", 400)
    scope = m.group(1).split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise AwsError("IncompleteSignature",
                       f"Credential should be scoped to a valid date, region and service and end "
                       f"with 'aws4_request', got '{'/'.join(scope[1:])}'", 400)
    return SignedRequest(scope[0], scope[1], scope[2], scope[3],
                         m.group(2).split(";"), m.group(3).lower())


class _ClaimedHeaders:
    """Mixin for botocore's signers: sign exactly the headers the client listed."""

    def __init__(self, credentials, service, region, signed_headers):
        super().__init__(credentials, service, region)
        self._claimed = set(signed_headers)

    def headers_to_sign(self, request):
        header_map = botocore.compat.HTTPHeaders()
        for name, value in request.headers.items():
            if name.lower() in self._claimed:
                header_map[name.lower()] = value
        return header_map


class _ClaimedHeadersSigV4(_ClaimedHeaders, botocore.auth.SigV4Auth):
    """SigV4Auth over exactly the headers the client listed."""


def request_time(headers):
    """The request's X-Amz-Date (or Date) as (amz_date string, datetime)."""
    amz = headers.get("X-Amz-Date")
    if amz:
        try:
            dt = datetime.datetime.strptime(amz, SIGV4_TIMESTAMP).replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            raise AwsError("IncompleteSignature", f"X-Amz-Date '{amz}' is not ISO-8601 basic format", 400)
        return amz, dt
    date = headers.get("Date")
    if date:
        try:
            dt = botocore.compat.parsedate_to_datetime(date)
        except (TypeError, ValueError):
            raise AwsError("IncompleteSignature", f"Date header '{date}' cannot be parsed", 400)
        return dt.strftime(SIGV4_TIMESTAMP), dt
    raise AwsError("IncompleteSignature",
                   "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
                   400)


class _ClaimedHeadersS3SigV4(_ClaimedHeaders, botocore.auth.S3SigV4Auth):
    """S3's variant (path neither normalised nor re-encoded, payload hash from
    x-amz-content-sha256) over exactly the headers the client listed."""


def expected_signature(signed, secret, method, host, raw_path, raw_query, header_items, body, amz_date):
    """(signature, canonical request, string to sign) as botocore computes them."""
    creds = botocore.credentials.Credentials("AKID", secret)
    signer = _ClaimedHeadersS3SigV4 if signed.service == "s3" else _ClaimedHeadersSigV4
    auth = signer(creds, signed.service, signed.region, signed.signed_headers)
    headers = botocore.compat.HTTPHeaders()
    for name, value in header_items:
        headers[name] = value
    # The canonical query string is built from the decoded pairs, re-encoded the
    # SigV4 way, as AWS does; so a client that encodes its query differently
    # (but equivalently) still matches, and one that signs a different
    # encoding than it sends does not.
    pairs = parse_qsl(raw_query, keep_blank_values=True)
    request = botocore.awsrequest.AWSRequest(
        method=method, url=f"http://{host}{raw_path}", headers=headers, data=body or b"",
        params=pairs)
    request.context["timestamp"] = amz_date
    canonical = auth.canonical_request(request)
    string_to_sign = auth.string_to_sign(request, canonical)
    return auth.signature(string_to_sign, request), canonical, string_to_sign


def _check_s3_payload(headers, body):
    declared = headers.get("X-Amz-Content-SHA256")
    if declared is None:
        raise AwsError("InvalidRequest", "Missing required header for this request: x-amz-content-sha256", 400)
    if declared == "UNSIGNED-PAYLOAD" or declared.startswith("STREAMING-"):
        return
    actual = hashlib.sha256(body or b"").hexdigest()
    if declared != actual:
        raise AwsError("XAmzContentSHA256Mismatch",
                       "The provided 'x-amz-content-sha256' header does not match what was computed.", 400)


def check_signed_request(signed, service, state, method, raw_path, raw_query, header_items,
                         headers, body, now):
    """Verifies one signed request; returns the caller identity or raises."""
    if signed.service != service:
        raise AwsError("SignatureDoesNotMatch",
                       f"Credential should be scoped to correct service: '{service}'.", 403)
    amz_date, when = request_time(headers)
    if signed.date != amz_date[:8]:
        raise service_error(service, "signature",
                            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                            f"version of date from HTTP: '{signed.date}' != '{amz_date[:8]}', "
                            f"from '{amz_date}'.")
    if signed.region not in state.signing_regions(service):
        if service == "s3":
            raise AwsError("AuthorizationHeaderMalformed",
                           f"The authorization header is malformed; the region '{signed.region}' is wrong; "
                           f"expecting '{state.scenario()['region']}'", 400)
        raise service_error(service, "signature",
                            f"Credential should be scoped to a valid region, not '{signed.region}'.")
    if service == "s3":
        _check_s3_payload(headers, body)
    if "host" not in signed.signed_headers:
        raise service_error(service, "signature",
                            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
    if service == "s3" and abs(when - now) > MAX_SKEW:
        raise AwsError("RequestTimeTooSkewed",
                       "The difference between the request time and the current time is too large.", 403)
    if when - now > MAX_SKEW:
        limit = (now + MAX_SKEW).strftime(SIGV4_TIMESTAMP)
        raise service_error(service, "skew",
                            f"Signature not yet current: {amz_date} is still later than {limit} "
                            f"({now.strftime(SIGV4_TIMESTAMP)} + 15 min.)")
    if now - when > MAX_SKEW:
        limit = (now - MAX_SKEW).strftime(SIGV4_TIMESTAMP)
        raise service_error(service, "skew",
                            f"Signature expired: {amz_date} is now earlier than {limit} "
                            f"({now.strftime(SIGV4_TIMESTAMP)} - 15 min.)")
    identity = state.identity_for_key(signed.access_key_id)
    if identity is None:
        raise service_error(service, "unknown_key")
    token = headers.get("X-Amz-Security-Token")
    if identity.session_token is not None:
        if token is None:
            raise service_error(service, "unknown_key",
                                "The security token included in the request is invalid.")
        if not hmac.compare_digest(token, identity.session_token):
            raise service_error(service, "unknown_key")
        if identity.expiration is not None and now >= identity.expiration:
            raise service_error(service, "expired")
    elif token is not None:
        raise service_error(service, "unknown_key")
    host = headers.get("Host", "")
    sig, canonical, string_to_sign = expected_signature(
        signed, identity.secret, method, host, raw_path, raw_query, header_items, body, amz_date)
    if not hmac.compare_digest(sig, signed.signature):
        message = (MESSAGES["signature"] + "\n\nThe Canonical String for this request should have been\n'"
                   + canonical + "'\n\nThe String-to-Sign should have been\n'" + string_to_sign + "'\n")
        raise service_error(service, "signature", message)
    return identity
