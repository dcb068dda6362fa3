"""HMAC-SHA256 signed, expiring tokens for the local backend's presigned URLs.

A token is ``base64url(payload) "." base64url(signature)`` (no padding), where the payload is compact JSON
``{"k": key, "m": method, "e": expiry (unix seconds), "f": filename?, "t": content type?}`` and the
signature is HMAC-SHA256 over a version tag and the encoded payload. The API serves it at
``{base_url}/v1/objects/signed/{token}``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

from asset_store.errors import InvalidAsset
from asset_store.objects.keys import validate_key

MAX_PRESIGN_EXPIRY = timedelta(days=7)
SIGNED_PATH = "/v1/objects/signed/"
SIGNABLE_METHODS = frozenset({"GET", "PUT"})
_TAG = b"atelier-object-url-v1."
_MIN_SECRET_BYTES = 16


@dataclass(frozen=True)
class SignedGrant:
    """What a verified token allows: ``method`` on ``key`` until ``expires_at``."""

    key: str
    method: str
    expires_at: datetime
    filename: str | None = None
    content_type: str | None = None


def _utcnow() -> datetime:
    return datetime.now(UTC)


def check_expiry(expires: timedelta) -> int:
    """Whole seconds of a presign lifetime; raise ``InvalidAsset`` outside (0 s, 7 days] (S3's limit)."""
    if expires <= timedelta(0) or expires > MAX_PRESIGN_EXPIRY:
        raise InvalidAsset(
            f"presign expiry must be within (0s, {MAX_PRESIGN_EXPIRY}], got {expires}", code="invalid_expiry"
        )
    return max(1, math.ceil(expires.total_seconds()))


def content_disposition(filename: str) -> str:
    """An RFC 6266 ``attachment`` header value: an ASCII fallback plus the exact UTF-8 ``filename*``."""
    fallback = "".join(c if 0x20 <= ord(c) < 0x7F and c not in '"\\' else "_" for c in filename)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _invalid(message: str) -> InvalidAsset:
    return InvalidAsset(message, code="invalid_signature")


class UrlSigner:
    """Create and verify signed object URLs with one shared secret."""

    def __init__(self, secret: bytes, base_url: str, *, clock: Callable[[], datetime] = _utcnow) -> None:
        if len(secret) < _MIN_SECRET_BYTES:
            raise ValueError(f"URL signing secret must be at least {_MIN_SECRET_BYTES} bytes")
        self._secret = secret
        self.base_url = base_url.rstrip("/")
        self._clock = clock

    def url(self, token: str) -> str:
        """The URL that serves ``token``."""
        return f"{self.base_url}{SIGNED_PATH}{token}"

    def sign(
        self,
        key: str,
        method: str,
        expires: timedelta,
        *,
        filename: str | None = None,
        content_type: str | None = None,
    ) -> str:
        """A token allowing ``method`` on ``key`` for ``expires``."""
        method = self._check_method(method)
        payload: dict[str, Any] = {
            "k": validate_key(key),
            "m": method,
            "e": math.floor(self._clock().timestamp()) + check_expiry(expires),
        }
        if filename is not None:
            payload["f"] = filename
        if content_type is not None:
            payload["t"] = content_type
        body = _b64encode(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
        return f"{body}.{_b64encode(self._mac(body))}"

    def verify(self, token: str, method: str) -> SignedGrant:
        """The grant in ``token`` for ``method``; raise ``InvalidAsset`` if forged, altered or expired."""
        method = self._check_method(method)
        body, dot, signature = token.partition(".")
        if not token.isascii() or not dot or not body or "." in signature:
            raise _invalid("malformed signed URL token")
        try:
            given = _b64decode(signature)
        except (binascii.Error, ValueError) as exc:
            raise _invalid("malformed signed URL signature") from exc
        if not hmac.compare_digest(given, self._mac(body)):
            raise _invalid("signed URL signature does not match")
        grant = self._decode(body)
        if grant.method != method:
            raise _invalid(f"signed URL is for {grant.method}, not {method}")
        if self._clock() >= grant.expires_at:
            details = {"expired_at": grant.expires_at.isoformat()}
            raise InvalidAsset("signed URL has expired", code="signature_expired", details=details)
        return grant

    def _mac(self, body: str) -> bytes:
        return hmac.new(self._secret, _TAG + body.encode("ascii"), hashlib.sha256).digest()

    @staticmethod
    def _check_method(method: str) -> str:
        upper = method.upper()
        if upper not in SIGNABLE_METHODS:
            raise ValueError(f"cannot sign method {method!r}; expected one of {sorted(SIGNABLE_METHODS)}")
        return upper

    @staticmethod
    def _decode(body: str) -> SignedGrant:
        try:
            payload = json.loads(_b64decode(body))
            key, method, expiry = payload["k"], payload["m"], payload["e"]
            filename, content_type = payload.get("f"), payload.get("t")
        except (binascii.Error, ValueError, TypeError, KeyError) as exc:
            raise _invalid("malformed signed URL payload") from exc
        if not (
            isinstance(key, str)
            and isinstance(method, str)
            and isinstance(expiry, int)
            and isinstance(filename, str | None)
            and isinstance(content_type, str | None)
        ):
            raise _invalid("malformed signed URL payload")
        try:
            expires_at = datetime.fromtimestamp(expiry, UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise _invalid("malformed signed URL expiry") from exc
        return SignedGrant(validate_key(key), method, expires_at, filename, content_type)
