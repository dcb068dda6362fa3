"""Event type filters of a subscription: an exact type, a prefix ending in '.', or '*' for everything."""

from __future__ import annotations

import re
from collections.abc import Sequence

FILTER_PATTERN = r"^(\*|[a-z0-9_]+(\.[a-z0-9_]+)*\.?)$"
_FILTER = re.compile(FILTER_PATTERN)


def is_valid(value: str) -> bool:
    return bool(_FILTER.match(value))


def matches(filters: Sequence[str], event_type: str) -> bool:
    """Whether a subscription with ``filters`` wants events of ``event_type`` (no filters: all)."""
    if not filters:
        return True
    for item in filters:
        if item == "*" or item == event_type or (item.endswith(".") and event_type.startswith(item)):
            return True
    return False
