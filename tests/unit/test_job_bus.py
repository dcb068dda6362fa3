"""The in-process job event bus wakes subscribers, also when published to from worker threads."""

from __future__ import annotations

import asyncio
import threading
import time

from serving.jobs.bus import JobEventBus


async def _woken_within(waiter: asyncio.Task[None], seconds: float) -> bool:
    done, _ = await asyncio.wait({waiter}, timeout=seconds)
    return waiter in done


async def test_publish_wakes_a_subscriber() -> None:
    bus = JobEventBus()
    waiter = asyncio.create_task(bus.wait("job_1", timeout=5))
    await asyncio.sleep(0.01)  # let the waiters block
    bus.publish("job_2")  # another job: no wake-up
    assert not await _woken_within(waiter, 0.05)
    bus.publish("job_1")
    assert await _woken_within(waiter, 1)


async def test_wait_times_out_quietly() -> None:
    bus = JobEventBus()
    started = time.monotonic()
    await bus.wait("job_1", timeout=0.05)
    await bus.wait_for_submission(timeout=0.05)
    assert time.monotonic() - started < 1


def test_publish_from_a_worker_thread_is_thread_safe() -> None:
    outcome: list[object] = []

    async def scenario() -> None:
        asyncio.get_running_loop().set_debug(True)  # debug mode raises on cross-thread loop calls
        bus = JobEventBus()
        waiter = asyncio.create_task(bus.wait("job_1", timeout=5))
        submitted = asyncio.create_task(bus.wait_for_submission(timeout=5))
        await asyncio.sleep(0.01)  # let the waiters block

        def from_thread() -> None:
            bus.publish("job_1")
            bus.job_submitted()

        await asyncio.to_thread(from_thread)
        outcome.append(await _woken_within(waiter, 1) and await _woken_within(submitted, 1))

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as exc:
            outcome.append(exc)

    # in a daemon thread: a thread-unsafe bus can wedge its loop, which must fail here, not hang
    runner = threading.Thread(target=run, daemon=True)
    runner.start()
    runner.join(5)
    assert outcome == [True]


async def test_submission_before_waiting_is_not_lost() -> None:
    bus = JobEventBus()
    await asyncio.to_thread(bus.job_submitted)
    started = time.monotonic()
    await bus.wait_for_submission(timeout=5)
    assert time.monotonic() - started < 1
    started = time.monotonic()
    await bus.wait_for_submission(timeout=0.05)  # consumed: the next wait times out
    assert time.monotonic() - started >= 0.04


def test_a_bus_made_outside_a_loop_works() -> None:
    bus = JobEventBus()
    bus.publish("nobody-listens")
    bus.job_submitted()

    async def main() -> None:
        await bus.wait_for_submission(timeout=5)
        waiter = asyncio.create_task(bus.wait("job_1", timeout=5))
        await asyncio.sleep(0.01)  # let the waiters block
        await asyncio.to_thread(bus.publish, "job_1")
        assert await _woken_within(waiter, 1)

    asyncio.run(main())
    bus.publish("job_1")  # the loop is closed: publishing still does not raise
    bus.job_submitted()
