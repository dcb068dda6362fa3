"""Webhook delivery against a real HTTP receiver, on SQLite and PostgreSQL: signed and filtered, nothing
lost while the receiver is down, duplicates harmless by event id, retries backing off to a dead letter,
replays, secret rotation, and two dispatchers sharing the work without sending anything twice."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from asset_store.sql import utcnow
from serving.settings import Settings
from serving.webhooks.dispatcher import WebhookDispatcher
from serving.webhooks.verify import SignatureError, verify_signature
from tests.conftest import make_settings
from tests.integration.webhookhelpers import Receiver, attempts, deliveries, emit_events
from tests.world import World, build_world

BASE_S, CAP_S, MAX_ATTEMPTS = 0.1, 0.4, 4
FAST = {
    "dispatch": False,  # the tests drive dispatchers themselves, round by round
    "poll_seconds": 0.05,
    "backoff_base_seconds": BASE_S,
    "backoff_max_seconds": CAP_S,
    "timeout_seconds": 2.0,
    "lease_seconds": 5.0,
    "max_attempts": MAX_ATTEMPTS,
}


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", webhooks=FAST)


@pytest.fixture
def world(app: FastAPI, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.stop()


def factory_of(app: FastAPI) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = app.state.session_factory
    return factory


def create_hook(client: TestClient, world: World, url: str, types: list[str] | None = None) -> dict[str, Any]:
    body = {"url": url, "event_types": types or [], "description": "test receiver"}
    response = client.post(
        f"/v1/brands/{world.ids['brand_a']}/webhooks", json=body, headers=world.auth("admin_a")
    )
    assert response.status_code == 201, response.text
    hook: dict[str, Any] = response.json()
    return hook


def pump(
    app: FastAPI,
    settings: Settings,
    done: Callable[[], bool],
    *,
    dispatchers: int = 1,
    timeout: float = 20.0,
) -> None:
    """Run dispatch rounds (``dispatchers`` of them side by side) until ``done()``, at least one each."""
    pepper = settings.auth.key_pepper.get_secret_value()

    async def drive(dispatcher: WebhookDispatcher, deadline: float) -> None:
        while True:
            busy = await dispatcher.run_once()
            if done():
                return
            assert time.monotonic() < deadline, "deliveries did not settle in time"
            if not busy:
                await asyncio.sleep(0.02)

    async def run() -> None:
        group = [WebhookDispatcher(factory_of(app), settings.webhooks, pepper) for _ in range(dispatchers)]
        deadline = time.monotonic() + timeout
        try:
            await asyncio.gather(*(drive(d, deadline) for d in group))
        finally:
            await asyncio.gather(*(d.stop() for d in group))

    asyncio.run(run())


def statuses(app: FastAPI, hook: dict[str, Any]) -> list[str]:
    return [d.status for d in deliveries(factory_of(app), hook["id"])]


def test_events_arrive_signed_filtered_and_logged(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    hook = create_hook(client, world, receiver.url, ["review.", "asset.created"])
    receiver.secrets = [hook["secret"]]
    receiver.start()
    factory = factory_of(app)
    types = [
        "review.brand_approved",
        "job.finished",
        "asset.created",
        "review.brand_rejected",
        "asset.tagged",
    ]
    ids = emit_events(factory, world.ids["brand_a"], types, lambda i: {"n": i, "名": "咖啡"})
    emit_events(factory, world.ids["brand_b"], ["review.brand_approved"], lambda i: {})  # another brand's
    wanted = {ids[0], ids[2], ids[3]}
    pump(app, settings, lambda: set(receiver.effects) == wanted and statuses(app, hook) == ["succeeded"] * 3)

    assert sorted(receiver.ids()) == sorted(wanted)  # once each, nothing of brand B, no job.* or asset.tagged
    for got in receiver.received:
        assert got.verified
        assert got.headers["Atelier-Event-Type"] == receiver.effects[got.event_id]["type"]
        assert got.headers["Atelier-Signature"].startswith(f"t={got.headers['Atelier-Timestamp']},v1=")
        assert receiver.effects[got.event_id]["data"]["名"] == "咖啡"
        assert receiver.effects[got.event_id]["brand_id"] == world.ids["brand_a"]
    sample = receiver.received[0]
    with pytest.raises(SignatureError):  # a tampered body fails
        verify_signature(hook["secret"], sample.headers, sample.body.replace(b'"n":', b'"m":'))
    with pytest.raises(SignatureError) as replayed:  # the same request captured and replayed later fails
        stamp = int(sample.headers["Atelier-Timestamp"])
        verify_signature(hook["secret"], sample.headers, sample.body, 300, now=stamp + 301)
    assert replayed.value.code == "stale_timestamp"

    base = f"/v1/brands/{world.ids['brand_a']}/webhooks/{hook['id']}/deliveries"
    page = client.get(base, headers=world.auth("admin_a")).json()
    assert sorted(d["event_id"] for d in page["items"]) == sorted(wanted)
    assert {
        (d["status"], d["attempts"], d["last_status_code"], d["next_attempt_at"]) for d in page["items"]
    } == {("succeeded", 1, 204, None)}
    detail = client.get(f"{base}/{page['items'][0]['id']}", headers=world.auth("admin_a")).json()
    (attempt,) = detail["log"]
    assert (attempt["attempt"], attempt["status_code"], attempt["outcome"], attempt["error"]) == (
        1,
        204,
        "succeeded",
        None,
    )
    assert attempt["latency_ms"] > 0
    filtered = client.get(base, params={"status": "dead"}, headers=world.auth("admin_a")).json()
    assert filtered["items"] == []


def test_receiver_down_then_up_loses_nothing_and_duplicates_are_harmless(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    hook = create_hook(client, world, receiver.url)
    receiver.secrets = [hook["secret"]]
    factory = factory_of(app)
    ids = emit_events(factory, world.ids["brand_a"], ["asset.created"] * 30, lambda i: {"n": i})

    # down: every delivery is tried, fails to connect, and waits for its retry
    pump(app, settings, lambda: all(d.tries >= 1 for d in deliveries(factory, hook["id"])))
    rows = deliveries(factory, hook["id"])
    assert len(rows) == 30 and {d.status for d in rows} == {"pending"}
    assert all(d.last_status_code is None and "Connect" in (d.last_error or "") for d in rows)
    assert all(d.next_attempt_at > (d.last_attempt_at or utcnow()) for d in rows)
    assert {a.outcome for a in attempts(factory, rows[0].id)} == {"retrying"}

    # up, but the first response for each event is lost after the receiver applied it
    receiver.lose_first_response = True
    receiver.start()
    pump(app, settings, lambda: statuses(app, hook) == ["succeeded"] * 30)
    assert sorted(receiver.effects) == sorted(ids)  # every event applied, once
    counts = {i: receiver.ids().count(i) for i in ids}
    assert set(counts.values()) == {2}  # each came twice; the event id made the second a no-op
    assert all(r.verified for r in receiver.received)
    outcomes = [a.outcome for a in attempts(factory, rows[0].id)]
    assert outcomes[-1] == "succeeded" and outcomes[:-1] == ["retrying"] * (len(outcomes) - 1)


def test_retries_back_off_then_the_delivery_dies_and_a_replay_revives_it(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    hook = create_hook(client, world, receiver.url)
    receiver.secrets = [hook["secret"]]
    receiver.plan = [503] * MAX_ATTEMPTS
    receiver.start()
    factory = factory_of(app)
    (event_id,) = emit_events(factory, world.ids["brand_a"], ["job.finished"], lambda i: {})
    pump(app, settings, lambda: statuses(app, hook) == ["dead"])

    (row,) = deliveries(factory, hook["id"])
    log = attempts(factory, row.id)
    assert [a.outcome for a in log] == ["retrying", "retrying", "retrying", "dead"]
    assert {a.status_code for a in log} == {503} and row.tries == 4
    delays = [a.detail["retry_in_s"] for a in log[:-1]]
    for tries, delay in enumerate(delays, start=1):
        nominal = min(CAP_S, BASE_S * 2 ** (tries - 1))
        assert nominal / 2 <= delay <= nominal
    assert delays == sorted(delays)
    gaps = [(b.at - a.at).total_seconds() for a, b in zip(log, log[1:], strict=False)]
    assert all(gap >= delay - 0.01 for gap, delay in zip(gaps, delays, strict=True))  # waited each time

    url = f"/v1/brands/{world.ids['brand_a']}/webhooks/{hook['id']}/deliveries/{row.id}/replay"
    replayed = client.post(url, headers=world.auth("admin_a"))
    assert replayed.status_code == 202, replayed.text
    assert (replayed.json()["status"], replayed.json()["tries"]) == ("pending", 0)
    pump(app, settings, lambda: statuses(app, hook) == ["succeeded"])
    log = attempts(factory, row.id)
    assert [(a.attempt, a.outcome) for a in log][-1] == (5, "succeeded")
    assert list(receiver.effects) == [event_id]


def test_rotated_secret_signs_alongside_the_old_one_during_the_grace_period(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    hook = create_hook(client, world, receiver.url)
    base = f"/v1/brands/{world.ids['brand_a']}/webhooks/{hook['id']}"
    rotated = client.post(
        f"{base}/secret", json={"previous_valid_seconds": 3600}, headers=world.auth("admin_a")
    )
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()["secret"]
    assert new != hook["secret"] and rotated.json()["previous_secret_expires_at"]
    receiver.secrets = [hook["secret"]]  # a receiver that has not switched yet
    receiver.start()
    factory = factory_of(app)
    emit_events(factory, world.ids["brand_a"], ["asset.created"], lambda i: {})
    pump(app, settings, lambda: statuses(app, hook) == ["succeeded"])
    got = receiver.received[-1]
    assert got.headers["Atelier-Signature"].count("v1=") == 2
    verify_signature(new, got.headers, got.body)

    ended = client.post(f"{base}/secret", json={"previous_valid_seconds": 0}, headers=world.auth("admin_a"))
    receiver.secrets = [new]  # the secret before this last rotation no longer signs
    emit_events(factory, world.ids["brand_a"], ["asset.created"], lambda i: {})
    pump(app, settings, lambda: len(receiver.received) >= 2)
    last = receiver.received[-1]
    assert last.headers["Atelier-Signature"].count("v1=") == 1 and not last.verified
    verify_signature(ended.json()["secret"], last.headers, last.body)


def test_replay_of_a_time_range_sends_events_from_before_the_endpoint_existed(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    factory = factory_of(app)
    since = utcnow() - timedelta(seconds=1)
    old = emit_events(
        factory, world.ids["brand_a"], ["review.brand_approved", "job.finished"] * 3, lambda i: {}
    )
    pump(app, settings, lambda: True)  # one round: fanned out while no endpoint existed, nobody gets them
    hook = create_hook(client, world, receiver.url, ["review."])
    receiver.secrets = [hook["secret"]]
    receiver.start()
    pump(app, settings, lambda: True)
    assert deliveries(factory, hook["id"]) == []

    url = f"/v1/brands/{world.ids['brand_a']}/webhooks/{hook['id']}/replay"
    auth = world.auth("admin_a")
    result = client.post(url, json={"since": since.isoformat()}, headers=auth)
    assert result.status_code == 202, result.text
    assert result.json() == {"requeued": 0, "created": 3}
    pump(app, settings, lambda: statuses(app, hook) == ["succeeded"] * 3)
    assert sorted(receiver.effects) == sorted(old[0::2])

    again = {"since": since.isoformat(), "include_succeeded": False}
    assert client.post(url, json=again, headers=auth).json() == {"requeued": 0, "created": 0}
    everything = {"since": since.isoformat(), "event_types": ["*"]}
    assert client.post(url, json=everything, headers=auth).json() == {"requeued": 3, "created": 3}
    pump(app, settings, lambda: statuses(app, hook) == ["succeeded"] * 6)
    assert sorted(receiver.effects) == sorted(old) and len(receiver.received) == 9
    backwards = {"since": utcnow().isoformat(), "until": since.isoformat()}
    assert client.post(url, json=backwards, headers=auth).json()["code"] == "empty_range"


def test_two_dispatchers_share_the_work_and_send_each_event_once(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    settings.webhooks.batch_size = 25  # many small rounds, so the two interleave
    hook = create_hook(client, world, receiver.url)
    receiver.secrets = [hook["secret"]]
    receiver.start()
    ids = emit_events(factory_of(app), world.ids["brand_a"], ["asset.created"] * 200, lambda i: {"n": i})
    pump(app, settings, lambda: statuses(app, hook) == ["succeeded"] * 200, dispatchers=2)
    assert sorted(receiver.ids()) == sorted(ids)  # each exactly once
    assert all(d.attempts == 1 for d in deliveries(factory_of(app), hook["id"]))


def test_with_the_target_guard_on_nothing_is_sent_to_a_loopback_address_by_literal_or_by_name(
    app: FastAPI, client: TestClient, world: World, settings: Settings, receiver: Receiver
) -> None:
    literal = create_hook(client, world, receiver.url)  # saved while private targets were allowed
    named = create_hook(client, world, receiver.url.replace("127.0.0.1", "localhost"))
    receiver.secrets = [literal["secret"], named["secret"]]
    receiver.start()
    settings.webhooks.allow_private_targets = False  # e.g. production, or DNS now pointing inside
    factory = factory_of(app)
    emit_events(factory, world.ids["brand_a"], ["job.finished"], lambda i: {})

    def tried_both() -> bool:
        return all(attempts(factory, d.id) for h in (literal, named) for d in deliveries(factory, h["id"]))

    pump(app, settings, tried_both)
    assert receiver.received == []
    for hook in (literal, named):
        (row,) = deliveries(factory, hook["id"])
        (attempt,) = attempts(factory, row.id)
        assert attempt.outcome == "retrying" and attempt.status_code is None
        assert attempt.error is not None
        assert "non-public" in attempt.error or "loopback address" in attempt.error, attempt.error
