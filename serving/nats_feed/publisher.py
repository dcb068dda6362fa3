"""The feed's publisher: a background task of the API that publishes the outbox to JetStream.

Each round: make sure of the connection and the stream, hold the lease, publish the oldest unpublished
events in order, mark the acknowledged ones. A busy round is followed at once by the next; an idle one
waits ``poll_seconds``; a failed one (NATS down, stream refused, database error) waits a backoff that
doubles up to ``backoff_max_seconds``, and the next round starts again from the oldest unpublished event.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import socket
import uuid
from datetime import datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from asset_store.sql import utcnow
from serving.nats_feed.bus import FeedUnavailable, JetStreamBus
from serving.nats_feed.settings import NatsFeedSettings
from serving.nats_feed.store import has_unpublished, mark_published, release_lease, take_lease, unpublished
from serving.webhooks.retry import backoff_seconds

log = logging.getLogger(__name__)


def new_holder() -> str:
    """A lease holder name unique to this publisher: host, process, random."""
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class NatsFeed:
    """Publishes the outbox to NATS JetStream from this process while started."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: NatsFeedSettings,
        *,
        holder: str | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.holder = holder or new_holder()
        self.rng = rng or random.Random()
        self.published = 0
        """Events JetStream acknowledged from this process (duplicates included)."""
        self.duplicates = 0
        """Of those, copies JetStream dropped as already stored (a republish after a crash or lost ack)."""
        self.failures = 0
        """Failed rounds in a row (0 once a round succeeds)."""
        self.last_error: str | None = None
        self._bus: JetStreamBus | None = None
        self._lease_until: datetime | None = None
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = False

    def start(self) -> None:
        if self._task is None:
            self._stopping = False
            self._task = asyncio.create_task(self._loop(), name="atelier-nats-feed")

    async def stop(self) -> None:
        """Finish the round in flight (bounded), give the lease up and close the connection."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            grace = self.settings.publish_timeout_seconds + 2 * (
                self.settings.connect_timeout_seconds + 1
            ) * len(self.settings.servers)
            await asyncio.wait([self._task], timeout=grace)
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
        if self._lease_until is not None:
            self._lease_until = None
            try:
                await asyncio.to_thread(release_lease, self.factory, self.holder)
            except Exception:  # the lease runs out by itself
                log.exception("could not release the NATS feed lease")
        await self._drop_bus()

    async def run_once(self) -> int:
        """One round; returns how many events it published (0: nothing to do, or another process holds
        the lease). Raises ``FeedUnavailable`` when NATS cannot be reached or refused part of the batch."""
        bus = await self._connected()
        if not await asyncio.to_thread(has_unpublished, self.factory):
            return 0
        if not await asyncio.to_thread(self._hold_lease):
            return 0
        batch = await asyncio.to_thread(
            unpublished, self.factory, self.settings.subject_prefix, self.settings.batch_size
        )
        if not batch:
            return 0
        result = await bus.publish(batch)
        await asyncio.to_thread(mark_published, self.factory, result.acked)
        self.published += len(result.acked)
        self.duplicates += result.duplicates
        if result.error is not None:
            await self._drop_bus()  # the next round reconnects and checks the stream
            detail = f"{type(result.error).__name__}: {result.error}"
            raise FeedUnavailable(f"JetStream acknowledged {len(result.acked)} of {len(batch)}: {detail}")
        return len(batch)

    def _hold_lease(self) -> bool:
        """Whether this process holds the lease, renewing it once half of it has run."""
        half = timedelta(seconds=self.settings.lease_seconds / 2)
        if self._lease_until is not None and utcnow() < self._lease_until - half:
            return True
        self._lease_until = take_lease(self.factory, self.holder, self.settings.lease_seconds)
        return self._lease_until is not None

    async def _connected(self) -> JetStreamBus:
        if self._bus is not None and not self._bus.connected:
            await self._drop_bus()
        if self._bus is None:
            self._bus = await JetStreamBus.open(self.settings)
            log.info("NATS feed connected; publishing to stream %s", self.settings.stream)
        return self._bus

    async def _drop_bus(self) -> None:
        bus, self._bus = self._bus, None
        if bus is not None:
            await bus.close()

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                busy = await self.run_once()
            except Exception as exc:  # NATS down or a database error: back off, then start over
                self._failed(exc)
                await self._pause(
                    backoff_seconds(
                        self.failures,
                        self.settings.backoff_base_seconds,
                        self.settings.backoff_max_seconds,
                        self.rng,
                    )
                )
                continue
            if self.failures:
                log.info("NATS feed is back after %d failed rounds", self.failures)
                self.failures, self.last_error = 0, None
            if not busy:
                await self._pause(self.settings.poll_seconds)

    def _failed(self, exc: Exception) -> None:
        self.failures += 1
        self.last_error = exc.detail if isinstance(exc, FeedUnavailable) else f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, FeedUnavailable):
            log.exception("NATS feed round failed")
        elif self.failures == 1 or self.failures % 20 == 0:
            log.warning("NATS feed: %s (failed rounds in a row: %d)", self.last_error, self.failures)

    async def _pause(self, seconds: float) -> None:
        if self._stopping:
            return
        try:
            await asyncio.wait_for(self._wake.wait(), seconds)
        except TimeoutError:
            pass
        if not self._stopping:
            self._wake.clear()
