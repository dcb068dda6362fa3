"""Every error leaves as problem+json; body limits, request ids, health probes and metrics."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving import __version__
from serving.api import create_app
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world

LIMIT = 2048
PROBLEM = "application/problem+json"


@pytest.fixture
def app(sqlite_url: str, tmp_path: Path, gateway: FakeGateway) -> FastAPI:
    settings = make_settings(sqlite_url, tmp_path / "var", api={"max_body_bytes": LIMIT})
    return create_app(settings, gateway)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def world(app: FastAPI) -> World:
    return build_world(app.state.session_factory, app.state.settings)


def _problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"https://atelier.dev/problems/{code}"
    assert body["title"] and isinstance(body["detail"], str)
    return body


def test_body_over_the_limit_by_content_length(client: TestClient, world: World) -> None:
    body = b'{"brand_id": "x", "kind": "echo", "brief": {"message": "' + b"a" * LIMIT + b'"}}'
    response = client.post(
        "/v1/generations",
        content=body,
        headers={**world.auth("creative_a"), "Content-Type": "application/json"},
    )
    problem = _problem(response, 413, "payload_too_large")
    assert str(LIMIT) in str(problem["detail"])
    assert problem["instance"] == "/v1/generations"


def test_body_over_the_limit_while_streaming(client: TestClient, world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"brand_id": "x", "kind": "echo", "brief": {"message": "'
        for _ in range(8):
            yield b"a" * 512
        yield b'"}}'

    response = client.post(
        "/v1/generations",
        content=chunks(),
        headers={**world.auth("creative_a"), "Content-Type": "application/json"},
    )
    _problem(response, 413, "payload_too_large")


def test_body_under_the_limit_passes(client: TestClient, world: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"brand_id": "' + world.ids["brand_a"].encode() + b'", "kind": "echo", '
        yield b'"brief": {"message": "small", "steps": 1}}'

    response = client.post(
        "/v1/generations",
        content=chunks(),
        headers={**world.auth("creative_a"), "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


def test_unknown_route_is_a_problem(client: TestClient) -> None:
    body = _problem(client.get("/v1/no-such-thing"), 404, "not_found")
    assert body["instance"] == "/v1/no-such-thing"


def test_wrong_method_is_a_problem(client: TestClient) -> None:
    _problem(client.delete("/healthz"), 405, "method_not_allowed")


def test_missing_or_bad_credentials(client: TestClient) -> None:
    missing = client.get("/v1/jobs")
    assert _problem(missing, 401, "missing_api_key")
    assert missing.headers["www-authenticate"] == "Bearer"
    _problem(client.get("/v1/jobs", headers={"Authorization": "Basic abc"}), 401, "invalid_authorization")


def test_malformed_json_is_a_validation_error(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/generations",
        content=b'{"brand_id": "x", "kind": ',
        headers={**world.auth("creative_a"), "Content-Type": "application/json"},
    )
    body = _problem(response, 422, "validation_error")
    errors = body["errors"]
    assert isinstance(errors, list) and errors[0]["type"] == "json_invalid"


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "trace-123.abc:9"})
    assert given.headers["x-request-id"] == "trace-123.abc:9"
    made = client.get("/healthz")
    assert re.fullmatch(r"[0-9a-f]{32}", made.headers["x-request-id"])
    insane = client.get("/healthz", headers={"X-Request-ID": "no spaces <allowed>"})
    assert re.fullmatch(r"[0-9a-f]{32}", insane.headers["x-request-id"])
    assert made.headers["x-request-id"] != insane.headers["x-request-id"]
    error = client.get("/v1/nothing", headers={"X-Request-ID": "err-1"})
    assert error.status_code == 404 and error.headers["x-request-id"] == "err-1"
    assert len(client.get("/healthz").headers.get_list("x-request-id")) == 1


def test_metrics_use_route_templates(client: TestClient, world: World) -> None:
    client.get("/healthz")
    client.get("/v1/jobs/job_doesnotexist", headers=world.auth("creative_a"))
    client.get("/v1/absent")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert 'atelier_http_requests_total{method="GET",route="/healthz",status="200"} 1.0' in text
    assert 'atelier_http_requests_total{method="GET",route="/v1/jobs/{job_id}",status="404"} 1.0' in text
    assert 'route="/v1/absent"' not in text and "job_doesnotexist" not in text
    assert 'atelier_http_request_duration_seconds_count{method="GET",route="/healthz"}' in text


def test_each_app_has_its_own_metrics(sqlite_url: str, tmp_path: Path) -> None:
    first = create_app(make_settings(sqlite_url, tmp_path / "a"), FakeGateway())
    second = create_app(make_settings(sqlite_url, tmp_path / "b"), FakeGateway())
    with TestClient(first) as one, TestClient(second) as two:
        one.get("/healthz")
        assert 'route="/healthz"' in one.get("/metrics").text
        assert 'route="/healthz"' not in two.get("/metrics").text


def test_healthz(client: TestClient) -> None:
    assert client.get("/healthz").json() == {"status": "ok", "version": __version__}


def test_readyz_ready_and_not_ready(client: TestClient, gateway: FakeGateway) -> None:
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ready",
        "checks": {"database": "ok", "data_dir": "ok", "object_store": "ok", "models": {"echo": "ok"}},
    }
    gateway.ready = False
    down = client.get("/readyz")
    assert down.status_code == 503
    assert down.json()["status"] == "not_ready"
    assert down.json()["checks"]["models"] == {"echo": "unreachable: fake"}
    assert down.json()["checks"]["database"] == "ok"


def test_readyz_reports_an_unreachable_object_store(tmp_path: Path, gateway: FakeGateway) -> None:
    settings = make_settings(
        f"sqlite:///{tmp_path / 'db.sqlite'}",
        tmp_path / "var",
        jobs={"workers": 0},
        object_store={
            "backend": "s3",
            "endpoint": "127.0.0.1:1",
            "bucket": "atelier",
            "access_key": "k",
            "secret_key": "s",
            "secure": False,
            "region": "us-east-1",
        },
    )
    with TestClient(create_app(settings, gateway)) as client:  # starts although the store is down
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["object_store"] == "unreachable: StorageUnavailable"


def test_readyz_reports_pending_migrations(tmp_path: Path, gateway: FakeGateway) -> None:
    unmigrated = f"sqlite:///{tmp_path / 'empty.db'}"
    app = create_app(make_settings(unmigrated, tmp_path / "var", jobs={"workers": 0}), gateway)
    with TestClient(app) as client:
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"].startswith("migrations pending")
