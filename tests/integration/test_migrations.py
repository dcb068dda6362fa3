"""Migrations: up, down and up again on both backends; the ORM matches the migrated schema; the
append-only audit triggers come and go with the schema."""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import DBAPIError

from serving.db import alembic_config, current_revision, head_revision, make_engine, upgrade
from serving.models import Base
from tests.conftest import PG_ADMIN_DSN

TABLES = {
    "agencies",
    "outbox_events",
    "experiments",
    "experiment_arms",
    "experiment_metrics",
    "experiment_weight_changes",
    "review_comments",
    "review_decisions",
    "review_items",
    "reviewed_exceptions",
    "agency_assignments",
    "api_keys",
    "asset_blob_grants",
    "asset_blobs",
    "asset_commits",
    "asset_ranges",
    "asset_records",
    "asset_refs",
    "asset_trees",
    "asset_uploads",
    "audit_log",
    "brands",
    "event_feed_leases",
    "job_events",
    "jobs",
    "memberships",
    "regions",
    "users",
    "brand_custom_tags",
    "search_docs",
    "search_duplicates",
    "search_index_state",
    "search_terms",
    "vision_analyses",
    "webhook_attempts",
    "webhook_deliveries",
    "webhook_subscriptions",
}


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql.encode())


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new, never migrated database on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'migrate.db'}"
        return
    name = f"atelier_mig_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    _pg_admin(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    try:
        yield f"{base}/{name}"
    finally:
        _pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def engine(empty_url: str) -> Iterator[Engine]:
    engine = make_engine(empty_url)
    yield engine
    engine.dispose()


def tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True}
        )
        return list(compare_metadata(context, Base.metadata))


def audit_is_append_only(engine: Engine) -> bool:
    """Insert one audit row, then try to change it; True when the database refuses."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO audit_log (id, at, actor_kind, action, outcome, details) "
                "VALUES (:id, CURRENT_TIMESTAMP, 'operator', 'test.migrate', 'success', '{}')"
            ),
            {"id": f"aud_{uuid.uuid4().hex[:20]}"},
        )
    try:
        with engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET outcome = 'forged'"))
    except DBAPIError as exc:
        assert "append-only" in str(exc)
        return True
    return False


def test_upgrade_downgrade_upgrade(empty_url: str, engine: Engine) -> None:
    assert current_revision(engine) is None
    upgrade(empty_url)
    assert current_revision(engine) == head_revision() is not None
    assert tables(engine) == TABLES
    assert audit_is_append_only(engine)

    command.downgrade(alembic_config(empty_url), "base")
    assert current_revision(engine) is None
    assert tables(engine) == set()
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            leftover = conn.execute(text("SELECT proname FROM pg_proc WHERE proname LIKE 'audit_log%'")).all()
        assert leftover == []
    else:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all() == []

    upgrade(empty_url)
    assert current_revision(engine) == head_revision()
    assert tables(engine) == TABLES
    assert audit_is_append_only(engine)
    assert schema_diff(engine) == []


def test_upgrade_is_idempotent_at_head(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)
    upgrade(empty_url)
    assert current_revision(engine) == head_revision()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar() == 1


def test_orm_metadata_matches_the_migrated_schema(empty_url: str, engine: Engine) -> None:
    upgrade(empty_url)
    assert set(Base.metadata.tables) == TABLES
    assert schema_diff(engine) == []


def test_the_orm_can_create_the_schema_the_migration_makes(empty_url: str, engine: Engine) -> None:
    """metadata.create_all (used by nothing in production) yields the same schema the migration does."""
    Base.metadata.create_all(engine)
    assert tables(engine) == TABLES
    assert schema_diff(engine) == []


@pytest.mark.parametrize("url", ["sqlite:///unused.db", "postgresql+psycopg://nobody@unused/unused"])
def test_offline_sql_covers_every_table_and_the_audit_trigger(url: str) -> None:
    config = alembic_config(url)
    config.output_buffer = io.StringIO()
    command.upgrade(config, "head", sql=True)
    script = config.output_buffer.getvalue()
    for table in TABLES:
        assert f"CREATE TABLE {table} " in script, table
    assert "CREATE TRIGGER audit_log" in script
    config.output_buffer = io.StringIO()
    command.downgrade(config, "head:base", sql=True)
    script = config.output_buffer.getvalue()
    for table in TABLES:
        assert f"DROP TABLE {table}" in script, table
