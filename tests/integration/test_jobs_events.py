"""Job progress over server-sent events: order, ids, resume with Last-Event-ID, live delivery."""

from __future__ import annotations

import asyncio

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.settings import Settings
from tests.fakes.gateway import FakeGateway
from tests.integration.jobhelpers import SSE, parse_sse, submit, wait_for, wait_status
from tests.world import World, build_world


@pytest.fixture
def world(app: FastAPI, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def _stream(client: TestClient, world: World, job_id: str, last_event_id: str | None = None) -> list[SSE]:
    headers = world.auth("creative_a")
    if last_event_id is not None:
        headers["Last-Event-ID"] = last_event_id
    response = client.get(f"/v1/jobs/{job_id}/events", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    assert response.headers["cache-control"] == "no-cache"
    return parse_sse(response.text)


def test_events_in_order_and_end_when_terminal(client: TestClient, world: World) -> None:
    job_id = submit(client, world, brief={"message": "sse", "steps": 3}).json()["id"]
    events = _stream(client, world, job_id)  # follows the job live until it is terminal

    assert events[-1].event == "end" and events[-1].id is None
    body = events[:-1]
    assert [e.id for e in body] == list(range(1, len(body) + 1))
    assert all(e.data["seq"] == e.id for e in body)
    assert [(e.event, e.data.get("status")) for e in body] == [
        ("status", "queued"),
        ("status", "running"),
        ("progress", None),
        ("progress", None),
        ("progress", None),
        ("status", "succeeded"),
    ]
    progress = [e.data["progress"] for e in body if e.event == "progress"]
    assert progress == pytest.approx([1 / 3, 2 / 3, 1.0])
    assert [e.data["message"] for e in body if e.event == "progress"] == ["step 1/3", "step 2/3", "step 3/3"]
    assert body[1].data["attempt"] == 1
    assert all(len(e.data["sha256"]) == 64 for e in body if e.event == "progress")


def test_last_event_id_resumes_after_that_seq(client: TestClient, world: World) -> None:
    job_id = submit(client, world, brief={"message": "resume", "steps": 2}).json()["id"]
    wait_status(client, world, job_id, "succeeded")
    everything = _stream(client, world, job_id)
    total = len(everything) - 1

    resumed = _stream(client, world, job_id, last_event_id="3")
    assert [e.id for e in resumed[:-1]] == list(range(4, total + 1))
    assert resumed[-1].event == "end"

    assert [e.event for e in _stream(client, world, job_id, last_event_id=str(total))] == ["end"]
    # a malformed id means "from the start"
    assert [e.id for e in _stream(client, world, job_id, last_event_id="abc")[:-1]] == list(
        range(1, total + 1)
    )


def test_events_arrive_while_the_job_runs(client: TestClient, world: World, gateway: FakeGateway) -> None:
    gateway.gate = asyncio.Event()
    job_id = submit(client, world, brief={"message": "live", "steps": 2}).json()["id"]
    wait_for(lambda: gateway.calls)
    seen: list[str] = []
    with client.stream("GET", f"/v1/jobs/{job_id}/events", headers=world.auth("creative_a")) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        for line in lines:
            if line.startswith("data: "):
                seen.append(line)
            if '"status": "running"' in line:
                break
        # the job is still blocked in the model: the stream is open and has delivered queued + running
        assert len(seen) == 2
        assert client.portal is not None
        client.portal.call(gateway.gate.set)
        rest = "\n".join(lines)
    tail = parse_sse(rest)
    assert [e.event for e in tail] == ["progress", "progress", "status", "end"]
    assert tail[-2].data["status"] == "succeeded"


def test_events_of_a_cancelled_queued_job_end(client: TestClient, world: World, gateway: FakeGateway) -> None:
    gateway.gate = asyncio.Event()
    blocker = submit(client, world, brief={"message": "block", "steps": 1}).json()["id"]
    second = submit(client, world, brief={"message": "block", "steps": 1}).json()["id"]
    wait_for(lambda: len(gateway.calls) == 2)  # both workers busy
    third = submit(client, world, brief={"message": "waits", "steps": 1}).json()["id"]
    assert client.post(f"/v1/jobs/{third}/cancel", headers=world.auth("creative_a")).status_code == 200
    events = _stream(client, world, third)
    assert [(e.event, e.data.get("status")) for e in events] == [
        ("status", "queued"),
        ("status", "cancelled"),
        ("end", None),
    ]
    assert client.portal is not None
    client.portal.call(gateway.gate.set)
    for job_id in (blocker, second):
        wait_status(client, world, job_id, "succeeded")
