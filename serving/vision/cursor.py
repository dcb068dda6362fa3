"""Search cursors: an offset into the fused ranking, bound to the query it came from."""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any

from serving.errors import InvalidInput


def fingerprint(query: dict[str, Any]) -> str:
    """A short digest of everything that shapes the ranking (not the page size or the cursor)."""
    canonical = json.dumps(query, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_cursor(offset: int, digest: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}.{digest}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, digest: str) -> int:
    """The offset a cursor points at (0 without one); a cursor from another query is refused."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        offset_text, _, seen = raw.partition(".")
        offset = int(offset_text)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("cursor is not valid", code="invalid_cursor") from exc
    if offset < 0 or seen != digest:
        raise InvalidInput("cursor belongs to another query", code="invalid_cursor")
    return offset
