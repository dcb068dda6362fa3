"""NATS subjects of the outbox feed: ``<prefix>.<brand_id or "global">.<event type>`` (see the package)."""

from __future__ import annotations

import re

GLOBAL = "global"
"""The brand token of an event that belongs to no brand."""

_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
TOKEN_PATTERN = r"[A-Za-z0-9_-]+"
PREFIX_PATTERN = rf"^{TOKEN_PATTERN}(\.{TOKEN_PATTERN})*$"
"""A subject prefix: one or more safe tokens joined by dots (no wildcards, no empty token)."""
STREAM_NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
"""A JetStream stream name (NATS forbids dots, wildcards, whitespace and path separators in it)."""


def token(text: str) -> str:
    """``text`` as one subject token: unsafe characters become ``_``; never empty."""
    return _UNSAFE.sub("_", text) or "_"


def event_subject(prefix: str, brand_id: str | None, event_type: str) -> str:
    """The subject of one event; the type's dots stay separators, each part made a safe token."""
    brand = token(brand_id) if brand_id else GLOBAL
    kind = ".".join(token(part) for part in event_type.split("."))
    return f"{prefix}.{brand}.{kind}"


def stream_subjects(prefix: str) -> list[str]:
    """The subjects the feed's stream captures: everything under the prefix."""
    return [f"{prefix}.>"]
