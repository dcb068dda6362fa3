"""In-process wake-ups for job event subscribers (the database stays the source of truth)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable


class JobEventBus:
    """Subscribers wait on a job id; publishers wake them. Waits time out, so a missed wake-up
    (e.g. an event written by another replica) only delays delivery until the next poll.

    Publishing is safe from any thread (sync routes and the runner's DB work run in worker threads):
    the wake-up is handed to the event loop the subscribers wait on.
    """

    def __init__(self) -> None:
        self._events: dict[str, asyncio.Event] = defaultdict(asyncio.Event)
        self._new_job = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = _running_loop()

    def publish(self, job_id: str) -> None:
        self._on_loop(self._publish, job_id)

    def _publish(self, job_id: str) -> None:
        event = self._events.pop(job_id, None)
        if event is not None:
            event.set()

    async def wait(self, job_id: str, timeout: float) -> None:
        self._loop = self._loop or asyncio.get_running_loop()
        event = self._events[job_id]
        try:
            await asyncio.wait_for(event.wait(), timeout)
        except TimeoutError:
            return
        finally:
            if self._events.get(job_id) is event and not event.is_set():
                del self._events[job_id]  # no wake-up came: drop the entry so idle jobs leave nothing behind

    def job_submitted(self) -> None:
        self._on_loop(self._new_job.set)

    async def wait_for_submission(self, timeout: float) -> None:
        self._loop = self._loop or asyncio.get_running_loop()
        try:
            await asyncio.wait_for(self._new_job.wait(), timeout)
        except TimeoutError:
            return
        finally:
            self._new_job.clear()

    def _on_loop(self, callback: Callable[..., None], *args: str) -> None:
        """Run ``callback`` on the subscribers' loop: directly there, via call_soon_threadsafe elsewhere."""
        loop = self._loop
        if loop is None or loop is _running_loop():
            callback(*args)
            return
        try:
            loop.call_soon_threadsafe(callback, *args)
        except RuntimeError:  # the loop is closed: nobody is waiting any more
            return


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
