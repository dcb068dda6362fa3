"""Delivery policy: backoff grows (with jitter) up to a cap, Retry-After is honoured, 2xx succeeds, 410 and
the last try are final; subscription filters; the JSON body."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime

import pytest

from serving.events.models import OutboxEvent
from serving.settings import WebhookSettings
from serving.webhooks.filters import is_valid, matches
from serving.webhooks.retry import backoff_seconds, next_step, parse_retry_after
from serving.webhooks.store import event_body

SETTINGS = WebhookSettings(max_attempts=5, backoff_base_seconds=2.0, backoff_max_seconds=20.0)


def test_backoff_doubles_within_jitter_bounds_and_is_capped() -> None:
    rng = random.Random(7)
    for tries in range(1, 12):
        nominal = min(20.0, 2.0 * 2 ** (tries - 1))
        for _ in range(50):
            delay = backoff_seconds(tries, 2.0, 20.0, rng)
            assert nominal / 2 <= delay <= nominal
    samples = [backoff_seconds(3, 2.0, 20.0, rng) for _ in range(200)]
    assert max(samples) - min(samples) > 1.0  # jitter spreads retries out


def test_successive_delays_never_shrink_until_the_cap() -> None:
    rng = random.Random(1)
    for _ in range(100):
        delays = [backoff_seconds(t, 1.0, 1000.0, rng) for t in range(1, 9)]
        assert delays == sorted(delays)


@pytest.mark.parametrize(
    ("tries", "code", "retry_after", "step"),
    [
        (1, 200, None, "succeeded"),
        (1, 204, None, "succeeded"),
        (1, None, None, "retrying"),
        (1, 500, None, "retrying"),
        (1, 429, None, "retrying"),
        (1, 301, None, "retrying"),
        (1, 410, None, "dead"),
        (5, 503, None, "dead"),
        (4, 503, None, "retrying"),
    ],
)
def test_next_step(tries: int, code: int | None, retry_after: float | None, step: str) -> None:
    got, delay = next_step(tries, code, retry_after, SETTINGS, random.Random(0))
    assert got == step
    assert (delay is not None) == (step == "retrying")


def test_retry_after_is_honoured_but_capped() -> None:
    rng = random.Random(0)
    assert next_step(1, 429, 15.0, SETTINGS, rng) == ("retrying", 15.0)
    assert next_step(1, 503, 10_000.0, SETTINGS, rng) == ("retrying", 20.0)
    assert parse_retry_after(" 30 ") == 30.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None and parse_retry_after(None) is None


def test_filters_match_exact_types_prefixes_and_everything() -> None:
    assert matches([], "asset.created") and matches(["*"], "job.finished")
    assert matches(["review."], "review.brand_approved") and not matches(["review."], "reviews.x")
    assert matches(["asset.created"], "asset.created") and not matches(["asset.created"], "asset.created2")
    assert not matches(["asset"], "asset.created")
    assert all(is_valid(f) for f in ("*", "review.", "asset.created", "job.finished"))
    assert not any(is_valid(f) for f in ("", "Review.", "asset..x", ".x", "a b", "**"))


def test_the_body_is_compact_utf8_json_of_the_event() -> None:
    event = OutboxEvent(
        id="evt_1",
        brand_id="brd_1",
        type="asset.created",
        subject_type="asset",
        subject_id="ab" * 32,
        region_id=None,
        agency_id=None,
        data={"path": "kv/咖啡.png", "tags": ["food_beverage/coffee"]},
        created_at=datetime(2026, 6, 18, 8, 0, tzinfo=UTC),
    )
    body = event_body(event)
    assert "咖啡".encode() in body and b", " not in body
    assert json.loads(body) == {
        "id": "evt_1",
        "type": "asset.created",
        "created_at": "2026-06-18T08:00:00+00:00",
        "brand_id": "brd_1",
        "region_id": None,
        "agency_id": None,
        "subject": {"type": "asset", "id": "ab" * 32},
        "data": {"path": "kv/咖啡.png", "tags": ["food_beverage/coffee"]},
    }
