"""Signing webhooks, and each owner's signing secret.

Every delivery carries three headers (the Standard Webhooks scheme, as BRIA signs its own
webhooks with `bria-webhook-id/-timestamp/-signature`):

    ProLight-Webhook-Id         the delivery id: the same on every retry of one delivery
    ProLight-Webhook-Timestamp  seconds since 1970 (UTC) when this attempt was signed
    ProLight-Webhook-Signature  v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">

The key is the owner's secret, `whsec_<base64>`, whose base64 part decoded is the key's 32
bytes. It is derived: HMAC-SHA256(PROLIGHT_WEBHOOK_SECRET, "prolight-webhook:" + owner), so
one gateway secret serves every owner, the gateway stores no secret per owner, and one owner's
secret says nothing about another's (nor about the gateway's). An owner reads theirs from
`GET /api/webhooks/secret`. Rotating PROLIGHT_WEBHOOK_SECRET changes every owner's secret.

A receiver verifies (docs/decisions/webhooks.md, "Verifying"): the HMAC of
`"{id}.{timestamp}.".encode() + body` under the decoded key, base64, equal (in constant time)
to one of the space-separated `v1,` values; a timestamp more than 5 minutes from its clock is
refused, and an id already seen is a retry of a delivery it has.
"""

from __future__ import annotations

import base64
import hashlib
import hmac

__all__ = [
    "ID_HEADER",
    "SECRET_PREFIX",
    "SIGNATURE_HEADER",
    "TIMESTAMP_HEADER",
    "owner_secret",
    "sign",
    "signed_headers",
]

ID_HEADER = "ProLight-Webhook-Id"
TIMESTAMP_HEADER = "ProLight-Webhook-Timestamp"
SIGNATURE_HEADER = "ProLight-Webhook-Signature"
SECRET_PREFIX = "whsec_"


def owner_secret(gateway_secret: str, owner: str) -> str:
    """`owner`'s signing secret, `whsec_<base64 of 32 bytes>`, derived from the gateway's."""
    key = hmac.new(
        gateway_secret.encode(), b"prolight-webhook:" + owner.encode(), hashlib.sha256
    ).digest()
    return SECRET_PREFIX + base64.b64encode(key).decode()


def sign(secret: str, delivery_id: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body`: `v1,<base64 HMAC-SHA256>` (module doc)."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{delivery_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three webhook headers of one attempt (module doc)."""
    return {
        ID_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, delivery_id, timestamp, body),
    }
