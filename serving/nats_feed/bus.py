"""The feed's NATS side: connect, create or update the stream, publish a batch in order.

The client does not reconnect by itself (``allow_reconnect=False``): a lost connection closes it, the
round fails, and the publisher connects again with its own backoff. So nothing is buffered while NATS is
away to be flushed later behind our back, and one code path handles "down at start" and "went down".
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass

import nats
from nats.aio.client import Client
from nats.js.api import PubAck, StorageType, StreamConfig
from nats.js.client import JetStreamContext
from nats.js.errors import NotFoundError

from serving.errors import ServiceUnavailable
from serving.nats_feed.settings import NatsFeedSettings
from serving.nats_feed.store import Message
from serving.nats_feed.subjects import stream_subjects

log = logging.getLogger(__name__)


class FeedUnavailable(ServiceUnavailable):
    """NATS or the feed's stream cannot be reached or refused a message; the round is retried later."""

    code = "event_feed_unavailable"


@dataclass(frozen=True)
class Published:
    """What a batch did: the events JetStream acknowledged, how many of those were duplicates it dropped,
    and the first failure (None: every message was acknowledged)."""

    acked: list[str]
    duplicates: int
    error: BaseException | None


async def _log_error(exc: Exception) -> None:
    log.debug("NATS client: %s: %s", type(exc).__name__, exc)


def stream_config(settings: NatsFeedSettings) -> StreamConfig:
    """The stream as the settings describe it."""
    return StreamConfig(
        name=settings.stream,
        description="Atelier outbox events",
        subjects=stream_subjects(settings.subject_prefix),
        storage=StorageType.FILE,
        num_replicas=settings.replicas,
        duplicate_window=settings.duplicate_window_seconds,
        max_age=settings.max_age_hours * 3600 or None,
    )


class JetStreamBus:
    """One connection to NATS with the feed's stream in place. Make it with ``await JetStreamBus.open``."""

    def __init__(self, client: Client, settings: NatsFeedSettings) -> None:
        self.client = client
        self.settings = settings
        self.js: JetStreamContext = client.jetstream(timeout=settings.publish_timeout_seconds)

    @classmethod
    async def open(cls, settings: NatsFeedSettings) -> JetStreamBus:
        """Connect (each server tried twice) and create or update the stream; raises ``FeedUnavailable``."""
        try:
            client = await nats.connect(
                servers=settings.servers,
                name=f"atelier-outbox-{os.getpid()}",
                connect_timeout=settings.connect_timeout_seconds,
                allow_reconnect=False,
                max_reconnect_attempts=1,  # each server tried twice, back to back: the publisher backs off
                reconnect_time_wait=0,
                error_cb=_log_error,
            )
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            raise FeedUnavailable(f"cannot connect to NATS: {type(exc).__name__}: {exc}") from exc
        bus = cls(client, settings)
        try:
            await bus.ensure_stream()
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            await bus.close()
            raise FeedUnavailable(f"cannot set up stream {settings.stream}: {exc}") from exc
        return bus

    @property
    def connected(self) -> bool:
        return bool(self.client.is_connected)

    async def ensure_stream(self) -> None:
        """Create the stream, or bring an existing one to the settings (subjects, window, age, replicas)."""
        config = stream_config(self.settings)
        try:
            await self.js.stream_info(self.settings.stream)
        except NotFoundError:
            await self.js.add_stream(config)
            log.info("created JetStream stream %s for %s", config.name, config.subjects)
            return
        await self.js.update_stream(config)

    async def publish(self, batch: list[Message]) -> Published:
        """Publish ``batch`` in order, pipelined, and wait (up to the publish timeout) for the acks."""
        futures: list[asyncio.Future[PubAck]] = []
        error: BaseException | None = None
        try:
            for message in batch:
                future = await self.js.publish_async(
                    message.subject,
                    message.body,
                    wait_stall=self.settings.publish_timeout_seconds,
                    stream=self.settings.stream,
                    headers=dict(message.headers),
                )
                futures.append(future)
        except (nats.errors.Error, OSError) as exc:  # connection lost, buffer full: the rest waits
            error = exc
        if futures:
            _, pending = await asyncio.wait(futures, timeout=self.settings.publish_timeout_seconds)
            for future in pending:
                future.cancel()
        acked: list[str] = []
        duplicates = 0
        for message, future in zip(batch, futures, strict=False):
            if future.cancelled():
                error = error or TimeoutError(f"no acknowledgement for {message.event_id}")
            elif (failure := future.exception()) is not None:
                error = error or failure
            else:
                acked.append(message.event_id)
                duplicates += bool(future.result().duplicate)
        return Published(acked, duplicates, error)

    async def close(self) -> None:
        try:
            await asyncio.wait_for(self.client.close(), timeout=5)
        except (nats.errors.Error, OSError, TimeoutError) as exc:
            log.debug("closing the NATS connection: %s", exc)
