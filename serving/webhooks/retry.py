"""When to try a failed delivery again: exponential backoff with jitter, capped; Retry-After honoured."""

from __future__ import annotations

import random

from serving.settings import WebhookSettings

GONE = 410
"""The receiver says the endpoint is gone for good: no more tries."""


def backoff_seconds(tries: int, base: float, cap: float, rng: random.Random) -> float:
    """Delay after the ``tries``-th failed try: ``d = min(cap, base·2^(tries-1))``, drawn from [d/2, d]
    ("equal jitter"), so retries of many deliveries spread out yet each delay is at least the last one."""
    delay = min(cap, base * 2.0 ** max(tries - 1, 0))
    return delay / 2 + rng.random() * delay / 2


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def next_step(
    tries: int,
    status_code: int | None,
    retry_after: float | None,
    settings: WebhookSettings,
    rng: random.Random,
) -> tuple[str, float | None]:
    """``("succeeded", None)``, ``("dead", None)`` or ``("retrying", seconds until the next try)``."""
    if is_success(status_code):
        return "succeeded", None
    if status_code == GONE or tries >= settings.max_attempts:
        return "dead", None
    delay = backoff_seconds(tries, settings.backoff_base_seconds, settings.backoff_max_seconds, rng)
    if retry_after is not None:
        delay = max(delay, min(retry_after, settings.backoff_max_seconds))
    return "retrying", delay


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header given in seconds (an HTTP date is ignored)."""
    if value is None:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    return seconds if seconds >= 0 else None
