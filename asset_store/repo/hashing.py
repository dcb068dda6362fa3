"""Canonical JSON and content ids: the same value always hashes to the same id."""

from __future__ import annotations

import hashlib
import json
from typing import Any


def canonical_json(value: Any) -> bytes:
    """Sorted keys, no spaces, UTF-8: a stable byte form for hashing."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_id(kind: str, value: Any) -> str:
    """sha256 hex of ``kind`` and the canonical JSON of ``value`` (kinds never collide)."""
    digest = hashlib.sha256(kind.encode() + b"\0")
    digest.update(canonical_json(value))
    return digest.hexdigest()
