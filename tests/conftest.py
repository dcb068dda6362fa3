"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, app and client, tenancy world."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.db import upgrade
from serving.settings import Settings
from tests.fakes.gateway import FakeGateway

PG_ADMIN_DSN = os.environ.get("ATELIER_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")
_MARKERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "gpu": "gpu"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers follow the directory: tests/unit → unit, tests/integration → integration, …"""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for folder, marker in _MARKERS.items():
            if folder in parts:
                item.add_marker(getattr(pytest.mark, marker))


def _pg_url(database: str) -> str:
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL template database for this test session (fails, never skips, without PG)."""
    name = f"atelier_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    upgrade(_pg_url(name))
    yield name
    _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database per test on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'atelier.db'}"
        upgrade(url)
        yield url
        return
    template = request.getfixturevalue("pg_template")
    name = f"atelier_t_{uuid.uuid4().hex[:12]}"
    _pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield _pg_url(name)
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A migrated SQLite database, for tests that need only one backend."""
    url = f"sqlite:///{tmp_path / 'atelier.db'}"
    upgrade(url)
    return url


def make_settings(db_url: str, data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "env": "test",
        "data_dir": data_dir,
        "database": {"url": db_url},
        "jobs": {"poll_seconds": 0.05, "lease_seconds": 3.0, "workers": 2},
        # The repository's own tests commit to main directly; the review queue's tests turn the gate on.
        "reviews": {"gate_main": False},
        "vision": {"backend": "fake", "ocr": False},
        # Commits queue no search-index jobs unless a test asks for them (they would show in job lists).
        "search": {"auto_index": False},
    }
    values.update(overrides)
    return Settings.model_validate(values)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var")


@pytest.fixture
def gateway() -> FakeGateway:
    return FakeGateway()


@pytest.fixture
def app(settings: Settings, gateway: FakeGateway) -> FastAPI:
    return create_app(settings, gateway)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client
