"""Generation jobs through the API: submit, run, idempotency, bad input, listing, cancel, failure."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.jobs.models import Job
from serving.settings import Settings
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.integration.jobhelpers import (
    audit_count,
    count,
    event_types,
    fetch_job,
    submit,
    wait_for,
    wait_status,
)
from tests.world import World, build_world


@pytest.fixture
def world(app: FastAPI, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


@pytest.fixture
def idle(db_url: str, tmp_path: Path) -> Iterator[tuple[TestClient, FastAPI, World]]:
    """An API whose runner runs nothing (jobs.workers = 0): submitted jobs stay queued."""
    settings = make_settings(
        db_url, tmp_path / "idle", jobs={"workers": 0, "poll_seconds": 0.05, "lease_seconds": 3.0}
    )
    app = create_app(settings, FakeGateway())
    world = build_world(app.state.session_factory, settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client, app, world


# submit and run ---------------------------------------------------------------------------------
def test_echo_job_runs_to_success(client: TestClient, world: World, gateway: FakeGateway) -> None:
    created = submit(client, world, brief={"message": "héllo atelier", "steps": 3})
    assert created.status_code == 201, created.text
    body = created.json()
    assert created.headers["Location"] == f"/v1/jobs/{body['id']}"
    assert body["id"].startswith("job_")
    assert body["brand_id"] == world.ids["brand_a"]
    assert body["status"] in {"queued", "running", "succeeded"}
    assert body["brief"] == {"message": "héllo atelier", "steps": 3, "delay_s": 0.0}

    done = wait_status(client, world, body["id"], "succeeded")
    digest = hashlib.sha256("héllo atelier".encode()).hexdigest()
    assert done["progress"] == 1.0
    assert done["error"] is None
    assert done["attempts"] == 1
    assert done["started_at"] is not None and done["finished_at"] is not None
    assert done["result"]["gateway"] == "fake"
    steps = done["result"]["steps"]
    assert [s["step"] for s in steps] == [0, 1, 2]
    assert {s["sha256"] for s in steps} == {digest}
    assert [c.step for c in gateway.calls] == [0, 1, 2]


def test_other_brand_cannot_see_the_job(client: TestClient, world: World) -> None:
    job_id = submit(client, world).json()["id"]
    assert client.get(f"/v1/jobs/{job_id}", headers=world.auth("creative_b")).status_code == 404
    assert client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_b")).status_code == 404
    assert client.get(f"/v1/jobs/{job_id}/events", headers=world.auth("creative_b")).status_code == 404
    assert client.get(f"/v1/jobs/{job_id}").status_code == 401


def test_failing_model_fails_the_job(
    app: FastAPI, client: TestClient, world: World, gateway: FakeGateway
) -> None:
    gateway.fail_with = RuntimeError("model exploded")
    job_id = submit(client, world).json()["id"]
    failed = wait_status(client, world, job_id, {"failed", "succeeded"})
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "job_failed", "detail": "RuntimeError: model exploded"}
    assert failed["result"] is None
    assert failed["finished_at"] is not None
    last = event_types(app.state.session_factory, job_id)[-1]
    assert last == ("status", {"status": "failed", "error": "job_failed"})


# idempotency ------------------------------------------------------------------------------------
def test_idempotency_key_replays_the_same_job(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    first = submit(client, world, key="order-42")
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first.headers
    again = submit(client, world, key="order-42")
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Location"] == first.headers["Location"]
    assert again.json()["id"] == first.json()["id"]
    factory = app.state.session_factory
    assert count(factory, Job) == 1
    assert audit_count(factory, "job.create") == 1


def test_idempotency_key_with_a_different_body_is_refused(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    assert submit(client, world, key="k1", brief={"message": "a"}).status_code == 201
    reused = submit(client, world, key="k1", brief={"message": "b"})
    assert reused.status_code == 422
    assert reused.headers["content-type"].startswith("application/problem+json")
    assert reused.json()["code"] == "idempotency_key_reused"
    assert count(app.state.session_factory, Job) == 1


def test_idempotency_keys_belong_to_their_principal(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    ids = {submit(client, world, actor, key="shared").json()["id"] for actor in ("creative_a", "admin_a")}
    ids.add(submit(client, world, "system_a", key="shared").json()["id"])
    assert len(ids) == 3
    assert count(app.state.session_factory, Job) == 3


# bad input --------------------------------------------------------------------------------------
def _assert_nothing_written(app: FastAPI) -> None:
    assert count(app.state.session_factory, Job) == 0
    assert audit_count(app.state.session_factory, "job.create") == 0


def test_unknown_kind(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    response = client.post(
        "/v1/generations",
        json={"brand_id": world.ids["brand_a"], "kind": "teleport", "brief": {}},
        headers=world.auth("creative_a"),
    )
    assert response.status_code == 422
    assert response.json()["code"] == "unknown_job_kind"
    assert "echo" in response.json()["detail"]
    _assert_nothing_written(app)


def test_brief_not_matching_the_kind(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    response = submit(client, world, brief={"message": "", "steps": 0, "colour": "red"})
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "invalid_brief"
    locs = {tuple(err["loc"]) for err in problem["errors"]}
    assert {("brief", "message"), ("brief", "steps"), ("brief", "colour")} <= locs
    _assert_nothing_written(app)


def test_extra_top_level_field(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    response = submit(client, world, priority="high")
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "validation_error"
    assert ["body", "priority"] in [err["loc"] for err in problem["errors"]]
    _assert_nothing_written(app)


def test_region_limited_caller(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    missing = submit(client, world, "agency_x_creative")
    assert missing.status_code == 422
    assert missing.json()["code"] == "region_required"
    outside = submit(client, world, "agency_x_creative", region_id=world.ids["a_south"])
    assert outside.status_code == 404
    assert outside.json()["code"] == "region_not_found"
    other_brand = submit(client, world, "creative_a", region_id=world.ids["b_main"])
    assert other_brand.status_code == 404
    _assert_nothing_written(app)

    inside = submit(client, world, "agency_x_creative", region_id=world.ids["a_north"])
    assert inside.status_code == 201
    assert inside.json()["region_id"] == world.ids["a_north"]
    assert inside.json()["agency_id"] == world.ids["agency_x"]


def test_no_permission_or_unknown_brand(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    assert submit(client, world, "reviewer_a").status_code == 403
    assert submit(client, world, "creative_b").status_code == 404
    _assert_nothing_written(app)


# listing ----------------------------------------------------------------------------------------
def test_list_filters_and_pagination(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, _, world = idle
    mine = [submit(client, world).json()["id"] for _ in range(3)]
    assert client.post(f"/v1/jobs/{mine[1]}/cancel", headers=world.auth("creative_a")).status_code == 200
    theirs = submit(client, world, "creative_b", brand="brand_b").json()["id"]
    auth = world.auth("creative_a")

    def ids(**params: object) -> list[str]:
        response = client.get("/v1/jobs", params=params, headers=auth)
        assert response.status_code == 200, response.text
        return [item["id"] for item in response.json()["items"]]

    assert ids() == sorted(mine)
    assert ids(status="queued") == sorted([mine[0], mine[2]])
    assert ids(status="cancelled") == [mine[1]]
    assert ids(status="running") == []
    assert ids(kind="echo") == sorted(mine)
    assert ids(kind="upscale") == []
    assert ids(brand_id=world.ids["brand_a"]) == sorted(mine)
    assert ids(brand_id=world.ids["brand_b"]) == []
    assert client.get("/v1/jobs", headers=world.auth("operator")).json()["items"][-1]["id"] == theirs

    first = client.get("/v1/jobs", params={"limit": 2}, headers=auth).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    second = client.get("/v1/jobs", params={"limit": 2, "cursor": first["next_cursor"]}, headers=auth).json()
    assert second["next_cursor"] is None
    assert [j["id"] for j in first["items"] + second["items"]] == sorted(mine)

    bad_status = client.get("/v1/jobs", params={"status": "exploded"}, headers=auth)
    assert bad_status.status_code == 422 and bad_status.json()["code"] == "validation_error"
    bad_cursor = client.get("/v1/jobs", params={"cursor": "%%%"}, headers=auth)
    assert bad_cursor.status_code == 422 and bad_cursor.json()["code"] == "invalid_cursor"
    too_many = client.get("/v1/jobs", params={"limit": 201}, headers=auth)
    assert too_many.status_code == 422 and too_many.json()["code"] == "limit_too_large"


# cancel -----------------------------------------------------------------------------------------
def test_cancel_a_queued_job(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, app, world = idle
    job_id = submit(client, world).json()["id"]
    response = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_a"))
    assert response.status_code == 200
    assert response.json()["status"] == "cancelled"
    assert response.json()["finished_at"] is not None
    assert fetch_job(client, world, job_id)["status"] == "cancelled"
    factory = app.state.session_factory
    assert [t for t, _ in event_types(factory, job_id)] == ["status", "status"]
    assert audit_count(factory, "job.cancel") == 1

    again = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_a"))
    assert again.status_code == 409
    assert again.json()["code"] == "job_finished"
    assert audit_count(factory, "job.cancel") == 1


def test_cancel_needs_create_permission(idle: tuple[TestClient, FastAPI, World]) -> None:
    client, _, world = idle
    job_id = submit(client, world).json()["id"]
    response = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("reviewer_a"))
    assert response.status_code == 403
    assert fetch_job(client, world, job_id)["status"] == "queued"


def test_cancel_a_running_job(app: FastAPI, client: TestClient, world: World, gateway: FakeGateway) -> None:
    gateway.gate = asyncio.Event()
    job_id = submit(client, world, brief={"message": "slow", "steps": 4, "delay_s": 0.05}).json()["id"]
    wait_for(lambda: len(gateway.calls) == 1)
    response = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_a"))
    assert response.status_code == 200
    assert response.json()["status"] == "running"
    assert response.json()["cancel_requested"] is True
    assert client.portal is not None
    client.portal.call(gateway.gate.set)

    final = wait_status(client, world, job_id, {"cancelled", "succeeded", "failed"})
    assert final["status"] == "cancelled"
    assert final["result"] is None
    assert len(gateway.calls) == 1  # stopped before the next step
    types = [t for t, _ in event_types(app.state.session_factory, job_id)]
    assert "cancel_requested" in types
    assert types[-1] == "status"

    finished = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_a"))
    assert finished.status_code == 409
    assert finished.json()["code"] == "job_finished"


def test_cancel_a_succeeded_job(client: TestClient, world: World) -> None:
    job_id = submit(client, world).json()["id"]
    wait_status(client, world, job_id, "succeeded")
    response = client.post(f"/v1/jobs/{job_id}/cancel", headers=world.auth("creative_a"))
    assert response.status_code == 409
    assert response.json()["code"] == "job_finished"
    assert fetch_job(client, world, job_id)["status"] == "succeeded"
