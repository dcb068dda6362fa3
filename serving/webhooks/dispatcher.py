"""The webhook dispatcher: a background task of the API that fans out the outbox and delivers it.

Each round: fan out new events into deliveries, claim due deliveries under a lease, POST them
concurrently, record the outcomes. ``rounds_in_flight`` rounds run side by side, so one round's
database work overlaps another's POSTs (their claims never overlap). A busy round is followed at once
by the next; an idle one waits ``poll_seconds``. Several API processes may each run a dispatcher
(PostgreSQL leases with SKIP LOCKED); a process killed mid-round leaves its claims to expire and be
sent again: delivery is at least once.
"""

from __future__ import annotations

import asyncio
import logging
import random

from sqlalchemy.orm import Session, sessionmaker

from serving.settings import WebhookSettings
from serving.webhooks.fanout import fan_out
from serving.webhooks.sender import Sender
from serving.webhooks.store import claim, record_outcomes

log = logging.getLogger(__name__)


class WebhookDispatcher:
    """Delivers webhooks from this process while started."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        settings: WebhookSettings,
        pepper: str,
        *,
        rng: random.Random | None = None,
    ) -> None:
        self.factory = factory
        self.settings = settings
        self.pepper = pepper
        self.rng = rng or random.Random()
        self.delivered = 0
        self._sender: Sender | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._wake = asyncio.Event()
        self._stopping = False

    def start(self) -> None:
        if not self._tasks:
            self._stopping = False
            self._tasks = [
                asyncio.create_task(self._loop(), name=f"atelier-webhooks-{i}")
                for i in range(self.settings.rounds_in_flight)
            ]

    async def stop(self) -> None:
        """Finish the round in flight (up to one request timeout), then stop; unsent claims expire."""
        self._stopping = True
        self._wake.set()
        if self._tasks:
            await asyncio.wait(self._tasks, timeout=self.settings.timeout_seconds + 5)
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            self._tasks = []
        if self._sender is not None:
            await self._sender.aclose()
            self._sender = None

    async def run_once(self) -> int:
        """One round; returns events fanned out plus deliveries attempted (0: nothing to do)."""
        if self._sender is None:
            self._sender = Sender(self.settings)
        fanned = await asyncio.to_thread(fan_out, self.factory, self.settings.batch_size)
        batch = await asyncio.to_thread(claim, self.factory, self.pepper, self.settings)
        if batch:
            outcomes = await self._sender.send_all(batch)
            counts = await asyncio.to_thread(record_outcomes, self.factory, self.settings, outcomes, self.rng)
            self.delivered += counts["succeeded"]
        return fanned + len(batch)

    async def _loop(self) -> None:
        while not self._stopping:
            try:
                busy = await self.run_once()
            except Exception:  # keep delivering through transient database errors
                log.exception("webhook dispatch round failed")
                busy = 0
            if busy or self._stopping:
                continue
            try:
                await asyncio.wait_for(self._wake.wait(), self.settings.poll_seconds)
            except TimeoutError:
                pass
            if not self._stopping:
                self._wake.clear()
