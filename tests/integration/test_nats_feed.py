"""The outbox published to a real NATS JetStream server, on SQLite and PostgreSQL: subjects, headers and
bodies in outbox order; a republish after a crash dropped by JetStream's dedupe; nothing marked while NATS
is unreachable, everything delivered in order once it is back; the app's lifespan runs the feed.

Each test has its own stream and subject prefix (deleted afterwards), so parallel runs do not collide.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import nats
import pytest
from fastapi.testclient import TestClient
from nats.aio.msg import Msg
from nats.js.errors import NotFoundError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from serving.api import create_app
from serving.db import make_engine, make_session_factory, transaction
from serving.events.envelope import event_body
from serving.events.models import OutboxEvent
from serving.events.service import emit
from serving.nats_feed.bus import FeedUnavailable, JetStreamBus
from serving.nats_feed.publisher import NatsFeed
from serving.nats_feed.settings import NatsFeedSettings
from serving.nats_feed.store import take_lease, to_message, unpublished
from tests.conftest import make_settings
from tests.integration.webhookhelpers import HOST, free_port

NATS_URL = os.environ.get("ATELIER_TEST_NATS_URL", "nats://127.0.0.1:4222")
NATS_PORT = int(NATS_URL.rsplit(":", 1)[1])


@pytest.fixture
def names() -> Iterator[dict[str, str]]:
    """A stream and subject prefix of this test's own; the stream is deleted afterwards."""
    tag = uuid.uuid4().hex[:10]
    names = {"stream": f"ATELIER_T_{tag}", "subject_prefix": f"atelier_t_{tag}"}
    yield names

    async def delete() -> None:
        client = await nats.connect(NATS_URL)
        try:
            await client.jetstream().delete_stream(names["stream"])
        except NotFoundError:
            pass
        finally:
            await client.close()

    asyncio.run(delete())


@pytest.fixture
def factory(db_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(db_url)
    yield make_session_factory(engine)
    engine.dispose()


def feed_settings(names: dict[str, str], **overrides: Any) -> NatsFeedSettings:
    values: dict[str, Any] = {
        "servers": [NATS_URL],
        **names,
        "duplicate_window_seconds": 60.0,
        "lease_seconds": 5.0,
        "poll_seconds": 0.05,
        "publish_timeout_seconds": 2.0,
        "connect_timeout_seconds": 1,
        "backoff_base_seconds": 0.1,
        "backoff_max_seconds": 0.4,
        "batch_size": 64,
    }
    values.update(overrides)
    return NatsFeedSettings.model_validate(values)


def data(i: int) -> dict[str, Any]:
    return {"n": i, "名": "咖啡"}


def emit_all(factory: sessionmaker[Session], events: list[tuple[str | None, str]]) -> list[str]:
    """Commit one event per (brand_id, type), in one transaction; returns their ids in order."""
    with transaction(factory) as session:
        rows = [
            emit(
                session,
                kind,
                brand_id=brand,
                subject_type="test",
                subject_id=f"s{i}",
                data={"n": i, "名": "咖啡"},
            )
            for i, (brand, kind) in enumerate(events)
        ]
        session.flush()
        return [row.id for row in rows]


def published(factory: sessionmaker[Session]) -> dict[str, bool]:
    """Event id → whether the feed marked it published."""
    with factory() as session:
        rows = session.execute(select(OutboxEvent.id, OutboxEvent.published_at).order_by(OutboxEvent.id))
        return {event_id: at is not None for event_id, at in rows}


async def settle(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the feed did not settle in time"
        await asyncio.sleep(0.05)


async def pump(feed: NatsFeed, factory: sessionmaker[Session], timeout: float = 10.0) -> None:
    """Run rounds until every event is marked published."""
    deadline = time.monotonic() + timeout
    while not all(published(factory).values()):
        assert time.monotonic() < deadline, "the feed did not publish everything in time"
        if not await feed.run_once():
            await asyncio.sleep(0.05)


async def consume(names: dict[str, str], expected: int) -> list[Msg]:
    """Every message of the test's stream through an ephemeral pull consumer; checks there are no more."""
    client = await nats.connect(NATS_URL)
    try:
        js = client.jetstream()
        sub = await js.pull_subscribe(f"{names['subject_prefix']}.>", stream=names["stream"])
        messages: list[Msg] = []
        while len(messages) < expected:
            batch = await sub.fetch(expected - len(messages), timeout=5)
            for message in batch:
                await message.ack()
            messages.extend(batch)
        with pytest.raises(nats.errors.TimeoutError):
            await sub.fetch(1, timeout=0.3)
        return messages
    finally:
        await client.close()


async def stream_exists(name: str) -> bool:
    client = await nats.connect(NATS_URL)
    try:
        await client.jetstream().stream_info(name)
        return True
    except NotFoundError:
        return False
    finally:
        await client.close()


def assert_in_order(messages: list[Msg], ids: list[str]) -> None:
    assert [m.headers["Nats-Msg-Id"] for m in messages if m.headers] == ids
    assert [m.metadata.sequence.stream for m in messages] == list(range(1, len(ids) + 1))


async def test_events_reach_a_consumer_in_order_with_subjects_headers_and_bodies(
    factory: sessionmaker[Session], names: dict[str, str]
) -> None:
    prefix = names["subject_prefix"]
    ids = emit_all(
        factory,
        [
            ("brd_a", "review.brand_approved"),
            (None, "tenancy.brand_created"),
            ("brd_a", "asset.tag added*"),
            ("brd_b", "job.finished"),
        ],
    )
    ids += emit_all(factory, [("brd_a", "asset.created")] * 150)  # more than two batches of 64
    feed = NatsFeed(factory, feed_settings(names))
    try:
        await pump(feed, factory)
    finally:
        await feed.stop()
    assert feed.published == len(ids) and feed.duplicates == 0

    messages = await consume(names, len(ids))
    assert_in_order(messages, ids)
    assert [m.subject for m in messages[:4]] == [
        f"{prefix}.brd_a.review.brand_approved",
        f"{prefix}.global.tenancy.brand_created",
        f"{prefix}.brd_a.asset.tag_added_",
        f"{prefix}.brd_b.job.finished",
    ]
    assert {m.subject for m in messages[4:]} == {f"{prefix}.brd_a.asset.created"}
    with factory() as session:
        events = {e.id: e for e in session.scalars(select(OutboxEvent))}
    for message in messages:
        assert message.headers is not None
        event = events[message.headers["Nats-Msg-Id"]]
        assert message.data == event_body(event)  # the webhooks' envelope, byte for byte
        assert message.headers["Atelier-Event-Type"] == event.type
        assert message.headers["Content-Type"] == "application/json; charset=utf-8"
    body = json.loads(messages[2].data)
    assert body["type"] == "asset.tag added*" and body["brand_id"] == "brd_a"  # the exact type survives
    assert body["data"] == {"n": 2, "名": "咖啡"} and body["subject"] == {"type": "test", "id": "s2"}
    assert json.loads(messages[1].data)["brand_id"] is None


async def test_a_republish_after_a_crash_is_dropped_by_jetstream_dedupe(
    factory: sessionmaker[Session], names: dict[str, str]
) -> None:
    settings = feed_settings(names, lease_seconds=1.0)
    ids = emit_all(factory, [("brd_a", "review.brand_approved"), ("brd_a", "asset.created"), (None, "x.y")])

    # another process takes the lease, publishes everything, and dies before marking any of it
    assert take_lease(factory, "crashed-process", settings.lease_seconds) is not None
    bus = await JetStreamBus.open(settings)
    first = await bus.publish(unpublished(factory, settings.subject_prefix, 100))
    assert (first.acked, first.duplicates, first.error) == (ids, 0, None)
    await bus.close()
    assert not any(published(factory).values())

    feed = NatsFeed(factory, settings)
    try:
        assert await feed.run_once() == 0  # the dead process's lease still holds: nobody publishes
        assert feed.published == 0
        started = time.monotonic()
        await pump(feed, factory)  # once the lease runs out, this process takes over and republishes
        assert time.monotonic() - started > 0.5
    finally:
        await feed.stop()
    assert (feed.published, feed.duplicates) == (3, 3)  # JetStream acknowledged each copy as a duplicate

    # and the very same message published a third time is still one message in the stream
    assert unpublished(factory, settings.subject_prefix, 100) == []
    with factory() as session:
        message = to_message(session.get_one(OutboxEvent, ids[0]), settings.subject_prefix)
    bus = await JetStreamBus.open(settings)
    again = await bus.publish([message])
    assert (again.acked, again.duplicates, again.error) == ([ids[0]], 1, None)
    info = await bus.js.stream_info(settings.stream)
    await bus.close()
    assert info.state.messages == 3
    messages = await consume(names, 3)
    assert_in_order(messages, ids)


async def test_two_processes_publish_each_event_once_in_order(
    factory: sessionmaker[Session], names: dict[str, str]
) -> None:
    feeds = [NatsFeed(factory, feed_settings(names, batch_size=16)) for _ in range(2)]
    for feed in feeds:
        feed.start()
    ids: list[str] = []
    try:
        for burst in range(5):  # events keep coming while both run
            ids += emit_all(factory, [("brd_a", f"asset.created_{burst}")] * 30)
            await asyncio.sleep(0.02)
        await settle(lambda: all(published(factory).values()))
    finally:
        await asyncio.gather(*(feed.stop() for feed in feeds))
    assert sum(feed.published for feed in feeds) == len(ids)
    assert sum(feed.duplicates for feed in feeds) == 0
    assert_in_order(await consume(names, len(ids)), ids)


async def test_unreachable_nats_marks_nothing_then_the_right_url_delivers_everything(
    factory: sessionmaker[Session], names: dict[str, str]
) -> None:
    ids = emit_all(factory, [("brd_a", f"asset.created_{i}") for i in range(5)])
    closed = f"nats://{HOST}:{free_port()}"
    down = NatsFeed(factory, feed_settings(names, servers=[closed]))
    try:
        with pytest.raises(FeedUnavailable, match="cannot connect to NATS") as failure:
            await down.run_once()
        assert failure.value.code == "event_feed_unavailable"
        down.start()  # the background loop keeps retrying with backoff
        await settle(lambda: down.failures >= 2)
        assert "cannot connect" in (down.last_error or "")
    finally:
        await down.stop()
    assert down.published == 0
    assert published(factory) == dict.fromkeys(ids, False)
    assert not await stream_exists(names["stream"])

    feed = NatsFeed(factory, feed_settings(names))
    feed.start()
    try:
        await settle(lambda: all(published(factory).values()))
    finally:
        await feed.stop()
    assert feed.failures == 0
    assert_in_order(await consume(names, len(ids)), ids)


class Proxy:
    """A TCP proxy to NATS that can be stopped (connections cut, port closed) and started again, or made
    to lose every reply from the server (``lose_replies``) while it still forwards what clients send."""

    def __init__(self) -> None:
        self.port = free_port()
        self.lose_replies = False
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()

    @property
    def url(self) -> str:
        return f"nats://{HOST}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._accept, HOST, self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        for writer in list(self._writers):
            writer.close()
        self._writers.clear()

    async def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(HOST, NATS_PORT)
        self._writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer, replies=True))

    async def _pipe(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, replies: bool = False
    ) -> None:
        try:
            while data := await reader.read(65536):
                if replies and self.lose_replies:
                    continue
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()


async def test_an_outage_is_retried_with_backoff_and_caught_up_in_order(
    factory: sessionmaker[Session], names: dict[str, str]
) -> None:
    proxy = Proxy()
    await proxy.start()
    feed = NatsFeed(factory, feed_settings(names, servers=[proxy.url]))
    ids = emit_all(factory, [("brd_a", "asset.created")] * 3)
    feed.start()
    try:
        await settle(lambda: all(published(factory).values()))
        await proxy.stop()  # NATS goes away while the feed runs
        ids += emit_all(factory, [("brd_b", "review.brand_rejected")] * 70)  # more than one batch
        await settle(lambda: feed.failures >= 3)  # it keeps trying, backing off
        assert sum(published(factory).values()) == 3
        assert feed.last_error is not None
        await proxy.start()
        await settle(lambda: all(published(factory).values()))
        await settle(lambda: feed.failures == 0)
    finally:
        await feed.stop()
        await proxy.stop()
    assert feed.published == len(ids)
    assert_in_order(await consume(names, len(ids)), ids)


async def test_lost_acknowledgements_mark_nothing_and_the_republish_is_deduplicated(
    factory: sessionmaker[Session], names: dict[str, str]
) -> None:
    proxy = Proxy()
    await proxy.start()
    feed = NatsFeed(factory, feed_settings(names, servers=[proxy.url], publish_timeout_seconds=0.5))
    ids = emit_all(factory, [("brd_a", "asset.created")] * 2)
    feed.start()
    try:
        await settle(lambda: all(published(factory).values()))
        proxy.lose_replies = True  # JetStream stores what the feed sends, but its acks never arrive
        ids += emit_all(factory, [("brd_a", "review.brand_approved")] * 5)
        await settle(lambda: feed.failures >= 1)
        assert sum(published(factory).values()) == 2  # unacknowledged: not marked
        assert "acknowledged 0 of 5" in (feed.last_error or "")
        await proxy.stop()  # cut the dead connections; the feed reconnects and publishes the five again
        proxy.lose_replies = False
        await proxy.start()
        await settle(lambda: all(published(factory).values()))
    finally:
        await feed.stop()
        await proxy.stop()
    assert feed.duplicates == 5  # the second copies, dropped by JetStream (Nats-Msg-Id)
    assert_in_order(await consume(names, len(ids)), ids)


def test_the_app_lifespan_runs_the_feed_when_enabled(
    db_url: str, tmp_path: Path, names: dict[str, str]
) -> None:
    nats_settings = feed_settings(names, enabled=True).model_dump()
    settings = make_settings(db_url, tmp_path / "var", nats=nats_settings, webhooks={"dispatch": False})
    app = create_app(settings)
    with TestClient(app):
        factory: sessionmaker[Session] = app.state.session_factory
        ids = emit_all(factory, [("brd_a", "review.brand_approved"), (None, "tenancy.brand_created")])
        asyncio.run(settle(lambda: all(published(factory).values())))
    assert app.state.nats_feed.published == 2
    assert_in_order(asyncio.run(consume(names, 2)), ids)
