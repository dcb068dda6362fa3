"""Shared fixtures: real databases (SQLite and PostgreSQL), settings, app and client, tenancy world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.settings import Settings
from tests.dbtemplates import PG_ADMIN_DSN, PgClones, SqliteTemplate, pg_url
from tests.fakes.gateway import FakeGateway

__all__ = ["PG_ADMIN_DSN", "make_settings"]

_MARKERS = {"unit": "unit", "integration": "integration", "e2e": "e2e", "gpu": "gpu"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers follow the directory: tests/unit → unit, tests/integration → integration, …"""
    for item in items:
        parts = Path(str(item.fspath)).parts
        for folder, marker in _MARKERS.items():
            if folder in parts:
                item.add_marker(getattr(pytest.mark, marker))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """A migrated SQLite file for this test session; each test gets a copy (see tests/dbtemplates.py)."""
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def pg_clones() -> Iterator[PgClones]:
    """Clones of a migrated PostgreSQL template for this session (fails, never skips, without PG)."""
    clones = PgClones()
    try:
        yield clones
    finally:
        clones.close()


@pytest.fixture(scope="session")
def pg_template(pg_clones: PgClones) -> str:
    """The name of this session's migrated PostgreSQL template database."""
    return pg_clones.template


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database per test on each backend."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        yield template.clone(tmp_path / "atelier.db")
        return
    clones: PgClones = request.getfixturevalue("pg_clones")
    name = clones.take()
    try:
        yield pg_url(name)
    finally:
        clones.give_back(name)


@pytest.fixture
def sqlite_url(sqlite_template: SqliteTemplate, tmp_path: Path) -> str:
    """A migrated SQLite database, for tests that need only one backend."""
    return sqlite_template.clone(tmp_path / "atelier.db")


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
