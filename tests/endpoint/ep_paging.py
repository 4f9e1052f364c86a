"""Opaque pagination tokens bound to the request that produced them.

A token carries the offset of the next item and a digest of the request's
other parameters. Sending it back with different filters is an error, as on
AWS ("Invalid NextToken"/"The specified nextToken is not valid"), so a client
that changes its query mid-pagination is caught.
"""

import base64
import hashlib
import json
import threading

# The "repeat_token" fault (server.py sets it per request): a page that was
# asked for with a token answers that same token as its next one, as a
# buggy service or proxy might. A client must notice instead of looping or
# counting the page twice.
_local = threading.local()


def set_repeat(on):
    _local.repeat = on


def repeating():
    return getattr(_local, "repeat", False)


def _digest(params, ignore):
    rest = {k: v for k, v in params.items() if k not in ignore}
    return hashlib.sha256(json.dumps(rest, sort_keys=True, default=str).encode()).hexdigest()[:16]


def encode(offset, params, ignore, extra=None):
    doc = {"o": offset, "d": _digest(params, ignore)}
    if extra:
        doc.update(extra)
    raw = json.dumps(doc, separators=(",", ":")).encode()
    # The '+', '/' and '=' of plain base64 make clients prove they encode tokens.
    return "eyJ" + base64.b64encode(raw).decode()


def decode(token, params, ignore, error):
    """The token's document; raises `error` (an AwsError) when it is not ours
    or was issued for different parameters."""
    if not token.startswith("eyJ"):
        raise error
    try:
        doc = json.loads(base64.b64decode(token[3:], validate=True))
    except (ValueError, TypeError):
        raise error
    if not isinstance(doc, dict) or doc.get("d") != _digest(params, ignore) or not isinstance(doc.get("o"), int):
        raise error
    return doc


def page(items, params, token_member, ignore, page_size, error):
    """(items of this page, next token or None) for offset paging."""
    start = 0
    token = params.get(token_member)
    if token:
        start = decode(token, params, ignore, error)["o"]
    end = start + page_size
    chunk = items[start:end]
    if token and repeating():
        return chunk, token
    if end < len(items):
        return chunk, encode(end, params, ignore)
    return chunk, None

