"""Atelier webhook signatures: make and check them. Standard library only, so receivers can copy this file.

Every delivery is a ``POST`` of a JSON body with these headers::

    Atelier-Event-Id:   evt_01J...      the event's id: the idempotency key (dedupe on it)
    Atelier-Event-Type: review.brand_approved
    Atelier-Timestamp:  1767225600      Unix seconds when this attempt was signed
    Atelier-Signature:  t=1767225600,v1=5257a869e7...

``v1`` is the lowercase hex HMAC-SHA256, keyed with the endpoint secret (``whsec_...``, UTF-8 bytes), of
``f"{t}.".encode() + body`` (the raw body bytes, exactly as received). While a rotated secret is still in
its grace period the header carries two ``v1`` values, one per secret; a signature is valid when any
``v1`` matches. This is the scheme Stripe uses (``Stripe-Signature``).

Receivers must:
  1. verify the signature over the raw body before parsing it (constant-time comparison);
  2. reject a timestamp outside a tolerance (default 300 s either way), so a captured request cannot be
     replayed later (each retry is signed anew, so a fresh attempt always passes);
  3. dedupe by ``Atelier-Event-Id``: delivery is at least once, so the same event can arrive again
     (a retry after a lost response, a replay); the tolerance alone does not stop a replay inside it.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable, Mapping

SIGNATURE_HEADER = "Atelier-Signature"
TIMESTAMP_HEADER = "Atelier-Timestamp"
EVENT_ID_HEADER = "Atelier-Event-Id"
EVENT_TYPE_HEADER = "Atelier-Event-Type"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """The request is not a valid, fresh Atelier delivery; ``code`` says why."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def compute(secret: str, timestamp: int, body: bytes) -> str:
    """The hex ``v1`` signature of ``body`` sent at ``timestamp``."""
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signature_header(secrets: Iterable[str], timestamp: int, body: bytes) -> str:
    """``t=<timestamp>,v1=<sig>[,v1=<sig>...]``, one ``v1`` per secret."""
    parts = [f"t={timestamp}", *(f"v1={compute(s, timestamp, body)}" for s in secrets)]
    return ",".join(parts)


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def verify_signature(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
    *,
    now: float | None = None,
) -> int:
    """Check a delivery; returns its timestamp, raises ``SignatureError`` when it is not genuine or not
    fresh. ``headers`` may use any case. Remember to dedupe by the event id as well."""
    value = _header(headers, SIGNATURE_HEADER)
    if not value:
        raise SignatureError("missing_signature", f"no {SIGNATURE_HEADER} header")
    timestamp: int | None = None
    candidates: list[str] = []
    for item in value.split(","):
        key, _, val = item.strip().partition("=")
        if key == "t" and val.isdigit():
            timestamp = int(val)
        elif key == "v1" and val:
            candidates.append(val)
    if timestamp is None or not candidates:
        raise SignatureError("malformed_signature", f"{SIGNATURE_HEADER} needs t= and v1=")
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise SignatureError("stale_timestamp", f"timestamp {timestamp} is more than {tolerance_s}s away")
    expected = compute(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, c) for c in candidates):
        raise SignatureError("bad_signature", "no v1 signature matches this secret and body")
    return timestamp
