"""Endpoint secrets: derived from the server pepper and a random salt, never stored.

``whsec_`` + base64url(HMAC-SHA256(pepper, "atelier/webhooks/v1/" + salt)). Rotating draws a new salt;
changing the pepper (``auth.key_pepper``) changes every endpoint's secret, as it revokes every API key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime

from asset_store.sql import utcnow
from serving.webhooks.models import WebhookSubscription

SECRET_PREFIX = "whsec_"
_CONTEXT = b"atelier/webhooks/v1/"


def new_salt() -> str:
    """A random salt (128 bits, hex)."""
    return secrets.token_hex(16)


def derive_secret(pepper: str, salt: str) -> str:
    """The endpoint secret for ``salt``."""
    digest = hmac.new(pepper.encode(), _CONTEXT + salt.encode(), hashlib.sha256).digest()
    return SECRET_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def signing_secrets(sub: WebhookSubscription, pepper: str, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with: the current one, plus the previous one in its grace period."""
    found = [derive_secret(pepper, sub.secret_salt)]
    moment = now or utcnow()
    if sub.previous_salt and sub.previous_expires_at is not None and sub.previous_expires_at > moment:
        found.append(derive_secret(pepper, sub.previous_salt))
    return found
