"""The webhook signature: ``X-OrderHub-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`` where the HMAC key is
the subscription's secret and the message is ``"<t>.<body>"`` (the raw request body, as bytes).

The scheme follows the timestamped-HMAC pattern Stripe documents for its ``Stripe-Signature`` header
(https://docs.stripe.com/webhooks#verify-manually): the timestamp is signed with the body so a captured delivery
cannot be replayed later; receivers compare in constant time and refuse a ``t`` too far from their clock.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "X-OrderHub-Signature"
TOLERANCE_SECONDS = 300


def signature_compute(*, secret: str, timestamp: int, body: bytes) -> str:
    message = str(int(timestamp)).encode() + b"." + body
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def signature_header(*, secret: str, body: bytes, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else int(timestamp)
    return f"t={timestamp},v1={signature_compute(secret=secret, timestamp=timestamp, body=body)}"


def signature_verify(
    *, secret: str, header: str, body: bytes, now: int | None = None, tolerance: int = TOLERANCE_SECONDS
) -> bool:
    """What a receiver does (the snippet in docs/api.md is this function): parse ``t`` and every ``v1``,
    refuse a stale ``t``, compare in constant time."""
    parts: dict[str, list[str]] = {}
    for item in (header or "").split(","):
        key, _sep, value = item.strip().partition("=")
        parts.setdefault(key, []).append(value)
    try:
        timestamp = int(parts["t"][0])
    except (KeyError, ValueError):
        return False
    if abs((int(time.time()) if now is None else now) - timestamp) > tolerance:
        return False
    expected = signature_compute(secret=secret, timestamp=timestamp, body=body)
    return any(hmac.compare_digest(expected, given) for given in parts.get("v1", []))
