"""API key and password hashing (no secret is ever stored in clear)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

KEY_PREFIX = "atk"
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P = 2**14, 8, 1


@dataclass(frozen=True)
class NewKey:
    """A freshly minted key: ``token`` is shown once; ``prefix`` and ``secret_hash`` are stored."""

    token: str
    prefix: str
    secret_hash: str


def hash_secret(secret: str, pepper: str) -> str:
    """HMAC-SHA256 of a high-entropy key secret with the server pepper (hex)."""
    return hmac.new(pepper.encode(), secret.encode(), hashlib.sha256).hexdigest()


def mint_key(pepper: str) -> NewKey:
    """A new API key ``atk_<lookup prefix>_<secret>`` with 256 bits of secret."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    return NewKey(f"{KEY_PREFIX}_{prefix}_{secret}", prefix, hash_secret(secret, pepper))


def split_token(token: str) -> tuple[str, str] | None:
    """``(prefix, secret)`` of a well-formed token, else None."""
    if not (token.isascii() and token.isprintable()):
        return None
    parts = token.split("_", 2)
    if len(parts) != 3 or parts[0] != KEY_PREFIX or not parts[1] or not parts[2]:
        return None
    return parts[1], parts[2]


def verify_secret(secret: str, expected_hash: str, pepper: str) -> bool:
    """Constant-time comparison of a presented secret with the stored hash."""
    return hmac.compare_digest(hash_secret(secret, pepper), expected_hash)


def hash_password(password: str) -> str:
    """scrypt password hash: ``scrypt$N$r$p$salt$hash``."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=32)
    enc = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${enc(salt).decode()}${enc(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Check a password against a stored scrypt hash."""
    try:
        scheme, n, r, p, salt_b64, hash_b64 = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    try:  # a malformed stored hash (bad numbers or base64) matches nothing; it must not raise
        expected = base64.b64decode(hash_b64, validate=True)
        digest = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt_b64, validate=True),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=32,
        )
    except ValueError:  # binascii.Error is a ValueError
        return False
    return hmac.compare_digest(digest, expected)
