"""A job in flight when its process dies is resumed or failed with a reason, never left running.

Also: graceful shutdown hands running jobs back to the queue, and the lease is a compare-and-set.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from asset_store.sql import utcnow
from pipelines.diagnostics import EchoRequest
from serving.api import create_app
from serving.jobs.bus import JobEventBus
from serving.jobs.models import Job
from serving.jobs.runner import JobRunner
from serving.settings import Settings
from tests.fakes.gateway import FakeGateway
from tests.integration.jobhelpers import (
    event_types,
    expired,
    insert_job,
    load_job,
    submit,
    wait_for,
    wait_status,
)
from tests.world import World, build_world

DEAD_WORKER = "deadhost:4242:deadbeef"


@pytest.fixture
def world(app: FastAPI, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def _echo_step(message: str, step: int) -> dict[str, Any]:
    result = asyncio.run(FakeGateway().echo(EchoRequest(message=message, step=step)))
    return result.model_dump()


def _orphan(app: FastAPI, world: World, attempts: int, **values: Any) -> str:
    """A job left ``running`` by a worker that died after step 1 of 3 (its lease has expired)."""
    return insert_job(
        app.state.session_factory,
        world.ids["brand_a"],
        status="running",
        attempts=attempts,
        lease_owner=DEAD_WORKER,
        lease_expires_at=expired(),
        started_at=expired(120),
        progress=1 / 3,
        checkpoint={"results": [_echo_step("recover me", 0)]},
        **values,
    )


# recovery after a crash ---------------------------------------------------------------------------
def test_orphan_is_resumed_from_its_checkpoint(app: FastAPI, world: World, gateway: FakeGateway) -> None:
    job_id = _orphan(app, world, attempts=1)
    with TestClient(app, raise_server_exceptions=False) as client:
        done = wait_status(client, world, job_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded"
    assert done["attempts"] == 2
    assert done["progress"] == 1.0
    assert [s["step"] for s in done["result"]["steps"]] == [0, 1, 2]
    assert [c.step for c in gateway.calls] == [1, 2]  # step 0 was not redone
    events = event_types(app.state.session_factory, job_id)
    assert ("resumed", {"status": "running", "attempt": 2}) in events
    assert events[1] == ("progress", {"progress": pytest.approx(1 / 3), "message": "resuming after step 1"})
    assert events[-1] == ("status", {"status": "succeeded"})
    row = load_job(app.state.session_factory, job_id)
    assert row.lease_owner is None and row.lease_expires_at is None


def test_orphan_out_of_attempts_fails_as_interrupted(
    app: FastAPI, world: World, gateway: FakeGateway, settings: Settings
) -> None:
    job_id = _orphan(app, world, attempts=settings.jobs.max_attempts)
    with TestClient(app, raise_server_exceptions=False) as client:
        failed = wait_status(client, world, job_id, {"succeeded", "failed"})
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "interrupted"
    assert str(settings.jobs.max_attempts) in failed["error"]["detail"]
    assert failed["attempts"] == settings.jobs.max_attempts
    assert failed["finished_at"] is not None
    assert gateway.calls == []
    assert event_types(app.state.session_factory, job_id)[-1] == (
        "status",
        {"status": "failed", "error": "interrupted"},
    )


def test_a_live_lease_is_respected(app: FastAPI, world: World, gateway: FakeGateway) -> None:
    held = insert_job(
        app.state.session_factory,
        world.ids["brand_a"],
        status="running",
        attempts=1,
        lease_owner="otherhost:1:alive",
        lease_expires_at=utcnow() + timedelta(minutes=5),
    )
    with TestClient(app, raise_server_exceptions=False) as client:
        queued = submit(client, world, brief={"message": "queued", "steps": 1}).json()["id"]
        wait_status(client, world, queued, "succeeded")  # the runner was polling all along
    row = load_job(app.state.session_factory, held)
    assert (row.status, row.lease_owner, row.attempts) == ("running", "otherhost:1:alive", 1)
    assert all(call.message == "queued" for call in gateway.calls)


# graceful shutdown --------------------------------------------------------------------------------
def test_shutdown_hands_a_running_job_back_and_restart_finishes_it(
    app: FastAPI, world: World, gateway: FakeGateway, settings: Settings
) -> None:
    gateway.gate = asyncio.Event()  # the model never answers while this process lives
    with TestClient(app, raise_server_exceptions=False) as client:
        job_id = submit(client, world, brief={"message": "shutdown", "steps": 2}).json()["id"]
        wait_for(lambda: gateway.calls)
        assert wait_status(client, world, job_id, "running")["attempts"] == 1
    row = load_job(app.state.session_factory, job_id)
    assert (row.status, row.lease_owner, row.lease_expires_at) == ("queued", None, None)
    assert event_types(app.state.session_factory, job_id)[-1] == (
        "status",
        {"status": "queued", "reason": "worker shutting down"},
    )

    fresh = FakeGateway()
    restarted = create_app(settings, fresh)
    with TestClient(restarted, raise_server_exceptions=False) as client:
        done = wait_status(client, world, job_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded"
    assert done["attempts"] == 2
    assert [c.step for c in fresh.calls] == [0, 1]


def test_shutdown_keeps_the_checkpoint(app: FastAPI, world: World, settings: Settings) -> None:
    with TestClient(app, raise_server_exceptions=False) as client:
        brief = {"message": "checkpointed", "steps": 3, "delay_s": 1.0}
        job_id = submit(client, world, brief=brief).json()["id"]
        wait_for(lambda: load_job(app.state.session_factory, job_id).checkpoint)
    row = load_job(app.state.session_factory, job_id)  # interrupted while pausing after step 1
    assert row.status == "queued"
    assert [r["step"] for r in (row.checkpoint or {})["results"]] == [0]

    fresh = FakeGateway()
    with TestClient(create_app(settings, fresh), raise_server_exceptions=False) as client:
        done = wait_status(client, world, job_id, {"succeeded", "failed"})
    assert done["status"] == "succeeded"
    assert [s["step"] for s in done["result"]["steps"]] == [0, 1, 2]
    assert [c.step for c in fresh.calls] == [1, 2]


# lease compare-and-set ----------------------------------------------------------------------------
def _runners(app: FastAPI, settings: Settings, n: int) -> list[JobRunner]:
    factory = app.state.session_factory
    return [JobRunner(factory, FakeGateway(), settings.jobs, JobEventBus()) for _ in range(n)]


def _race(runners: list[JobRunner], until_empty: bool = False) -> list[tuple[str, str]]:
    """Let every runner call claim_next at once (from its own thread); return (worker, job id) claims."""
    barrier = threading.Barrier(len(runners))
    claims: list[tuple[str, str]] = []
    errors: list[BaseException] = []

    def work(runner: JobRunner) -> None:
        try:
            barrier.wait()
            while True:
                claimed = runner.claim_next()
                if claimed is not None:
                    claims.append((runner.worker_id, claimed.id))
                if claimed is None or not until_empty:
                    return
        except BaseException as exc:  # surfaced in the main thread below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(r,)) for r in runners]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return claims


def test_two_runners_claim_a_queued_job_once(app: FastAPI, world: World, settings: Settings) -> None:
    job_id = insert_job(app.state.session_factory, world.ids["brand_a"])
    runners = _runners(app, settings, 2)
    claims = _race(runners)
    assert len(claims) == 1 and claims[0][1] == job_id
    row = load_job(app.state.session_factory, job_id)
    assert (row.status, row.lease_owner, row.attempts) == ("running", claims[0][0], 1)
    assert row.lease_expires_at is not None and row.lease_expires_at > utcnow()
    assert [t for t, d in event_types(app.state.session_factory, job_id)] == ["status"]
    assert all(r.claim_next() is None for r in runners)  # a live lease is not claimable


def test_two_runners_take_over_an_orphan_once(app: FastAPI, world: World, settings: Settings) -> None:
    job_id = _orphan(app, world, attempts=1)
    claims = _race(_runners(app, settings, 2))
    assert [c[1] for c in claims] == [job_id]
    row = load_job(app.state.session_factory, job_id)
    assert (row.lease_owner, row.attempts) == (claims[0][0], 2)
    assert [t for t, _ in event_types(app.state.session_factory, job_id)] == ["resumed"]


def test_a_runner_never_takes_over_or_fails_a_job_it_is_still_running(
    app: FastAPI, world: World, settings: Settings
) -> None:
    """A late heartbeat (busy machine) makes the job look orphaned; its own runner leaves it alone."""
    factory = app.state.session_factory
    for attempts in (1, settings.jobs.max_attempts):
        job_id = _orphan(app, world, attempts=attempts)
        runner = _runners(app, settings, 1)[0]
        assert runner.claim_next(frozenset({job_id})) is None
        row = load_job(factory, job_id)
        assert (row.status, row.attempts) == ("running", attempts)  # neither re-claimed nor failed
        claimed = _runners(app, settings, 1)[0].claim_next()  # another runner may take a real orphan
        if attempts < settings.jobs.max_attempts:
            assert claimed is not None and claimed.id == job_id
        else:
            assert claimed is None and load_job(factory, job_id).status == "failed"


def test_many_runners_share_a_queue_without_double_claims(
    app: FastAPI, world: World, settings: Settings
) -> None:
    job_ids = {insert_job(app.state.session_factory, world.ids["brand_a"]) for _ in range(6)}
    claims = _race(_runners(app, settings, 3), until_empty=True)
    claimed = [job_id for _, job_id in claims]
    assert sorted(claimed) == sorted(job_ids)  # every job once, none twice
    for worker, job_id in claims:
        assert load_job(app.state.session_factory, job_id).lease_owner == worker


def test_claim_skips_finished_jobs(app: FastAPI, world: World, settings: Settings) -> None:
    factory = app.state.session_factory
    finished = {
        status: insert_job(factory, world.ids["brand_a"], status=status, lease_expires_at=expired())
        for status in ("succeeded", "failed", "cancelled")
    }
    assert _runners(app, settings, 1)[0].claim_next() is None
    assert {status: load_job(factory, job_id).status for status, job_id in finished.items()} == {
        s: s for s in finished
    }


async def test_stop_while_a_claim_is_in_flight_leaves_no_job_running(
    app: FastAPI, world: World, settings: Settings
) -> None:
    factory = app.state.session_factory
    job_id = insert_job(factory, world.ids["brand_a"])
    blocker = factory()  # holds the job row (PostgreSQL) / the write lock (SQLite): claims wait
    blocker.execute(select(Job).where(Job.id == job_id).with_for_update()).all()
    runner = _runners(app, settings, 1)[0]
    runner.start()
    await asyncio.sleep(0.2)  # the runner is inside claim_next, waiting for the lock
    stopping = asyncio.create_task(runner.stop())
    await asyncio.sleep(0.05)
    blocker.commit()
    blocker.close()
    await asyncio.wait_for(stopping, 10)
    await asyncio.sleep(0.3)  # a claim abandoned by stop() would land now
    row = load_job(factory, job_id)
    assert row.status == "queued" and row.lease_owner is None
