"""In-process wake-ups for job event subscribers (the database stays the source of truth)."""

from __future__ import annotations

import asyncio
from collections import defaultdict


class JobEventBus:
    """Subscribers wait on a job id; publishers wake them. Waits time out, so a missed wake-up
    (e.g. an event written by another replica) only delays delivery until the next poll."""

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._new_job = asyncio.Event()

    def publish(self, job_id: str) -> None:
        event = self._events.pop(job_id, None)
        if event is not None:
            event.set()

    async def wait(self, job_id: str, timeout: float) -> None:
        event = self._events[job_id]
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return

    def job_submitted(self) -> None:
        self._new_job.set()

    async def wait_for_submission(self, timeout: float) -> None:
        try:
            await asyncio.wait_for(self._new_job.wait(), timeout)
        except TimeoutError:
            return
        finally:
            self._new_job.clear()
