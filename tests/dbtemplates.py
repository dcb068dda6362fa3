"""Fresh, migrated test databases without running the migrations for every test.

SQLite: the migrations run once into a template file; each test gets a byte copy of it.
PostgreSQL: the migrations run once into a template database, cloned with ``CREATE DATABASE ...
TEMPLATE``; a database a test is done with is emptied in the background and handed to a later test
instead of being dropped (a clone and a drop cost a second each on a busy disk; emptying ~30 ms).
Either way a test starts from exactly what ``serving.db.upgrade`` leaves, as before.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, Table, exists, insert, inspect, select

from serving.db import upgrade
from serving.models import Base

PG_ADMIN_DSN = os.environ.get("ATELIER_TEST_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def pg_url(database: str) -> str:
    """SQLAlchemy URL of ``database`` on the test PostgreSQL server."""
    base = PG_ADMIN_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return f"{base}/{database}"


def pg_admin(sql: str) -> None:
    """Run one statement on the admin database, outside a transaction (CREATE / DROP DATABASE)."""
    with psycopg.connect(PG_ADMIN_DSN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(sql)


def sqlite_url(path: Path) -> str:
    """SQLAlchemy URL of the SQLite file ``path``."""
    return f"sqlite:///{path}"


class SqliteTemplate:
    """A migrated SQLite file, copied for each test that needs a fresh database."""

    def __init__(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / "template.db"
        upgrade(sqlite_url(self.path))
        # upgrade() disposes its engine: the last connection closed checkpointed the WAL into the file.
        leftovers = [p.name for p in folder.glob("template.db-*")]
        assert not leftovers, f"SQLite template not checkpointed: {leftovers}"

    def clone(self, target: Path) -> str:
        """Copy the template to ``target`` (a new file); return its URL."""
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():
            raise FileExistsError(target)
        shutil.copyfile(self.path, target)
        return sqlite_url(target)


_TERMINATE_OTHERS = (
    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)
# Tables, columns, constraints, indexes and triggers of the public schema, plus the migration revision:
# two databases with the same fingerprint have the same schema.
_FINGERPRINT = """
SELECT md5(concat_ws('|',
  (SELECT string_agg(c.relname || '.' || c.relkind::text || '.' || a.attname || '.' || a.atttypid::text
                     || '.' || a.attnotnull::text, ',' ORDER BY c.relname, a.attnum)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
    WHERE n.nspname = 'public'),
  (SELECT string_agg(conname || '.' || contype::text || '.' || pg_get_constraintdef(oid), ','
                     ORDER BY conname)
     FROM pg_constraint WHERE connamespace = 'public'::regnamespace),
  (SELECT string_agg(indexdef, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'public'),
  (SELECT string_agg(tgname || '.' || tgenabled::text, ',' ORDER BY tgname) FROM pg_trigger t
     JOIN pg_class c ON c.oid = t.tgrelid WHERE c.relnamespace = 'public'::regnamespace),
  (SELECT string_agg(version_num, ',') FROM alembic_version)))
"""


def pg_dsn(database: str) -> str:
    """libpq DSN of ``database`` on the test PostgreSQL server."""
    return f"{PG_ADMIN_DSN.rsplit('/', 1)[0]}/{database}"


class PgClones:
    """Migrated PostgreSQL databases for tests, cloned from one template and recycled.

    A test takes a database that holds exactly what the template holds; when it gives it back, a
    background thread ends every connection still open to it, checks its schema against the template's
    and empties every table but ``alembic_version`` (triggers such as the audit log's append-only guard
    are bypassed for that with ``session_replication_role = replica``), so the next test can take it.
    A database whose schema changed, or that cannot be emptied, is dropped and replaced by a new clone.
    """

    def __init__(self) -> None:
        self.template = f"atelier_tpl_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        pg_admin(f'CREATE DATABASE "{self.template}"')
        try:
            upgrade(pg_url(self.template))
            with psycopg.connect(pg_dsn(self.template), autocommit=True, connect_timeout=5) as conn:
                self._fingerprint = _fingerprint(conn)
                tables = [row[0] for row in conn.execute(_LIST_TABLES)]
                sequences = [row[0] for row in conn.execute(_LIST_SEQUENCES)]
                assert not any(conn.execute(_any_rows(tables)).fetchone() or ()), "template is not empty"
        except BaseException:
            _drop(self.template)
            raise
        self._empty = "; ".join(
            ["SET LOCAL session_replication_role = replica"]
            + [f'DELETE FROM "{table}"' for table in tables]
            + [f'ALTER SEQUENCE "{sequence}" RESTART' for sequence in sequences]
        )
        self._check_empty = _any_rows(tables)
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pg-clones")
        self._names: set[str] = set()
        # Two databases in rotation: a test takes the one given back two tests ago, long since emptied.
        self._ready: deque[Future[str]] = deque(self._worker.submit(self._clone) for _ in range(2))

    def take(self) -> str:
        """The name of a database in the template's state (waits for the background work on it)."""
        return self._ready.popleft().result() if self._ready else self._clone()

    def give_back(self, name: str) -> None:
        """Recycle ``name`` in the background for a later ``take``."""
        self._ready.append(self._worker.submit(self._recycle, name))

    def close(self) -> None:
        """Wait for the background work, drop every clone and the template."""
        try:
            while self._ready:
                self._ready.popleft().result()
        finally:
            self._worker.shutdown(wait=True)
            for name in sorted(self._names) + [self.template]:
                _drop(name)

    def _clone(self) -> str:
        name = f"atelier_t_{uuid.uuid4().hex[:12]}"
        pg_admin(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"')
        self._names.add(name)
        return name

    def _recycle(self, name: str) -> str:
        try:
            if self._empty_out(name):
                return name
        except psycopg.Error:
            pass
        self._names.discard(name)
        _drop(name)
        return self._clone()

    def _empty_out(self, name: str) -> bool:
        """End the connections to ``name`` and empty it; False when its schema is not the template's."""
        with psycopg.connect(pg_dsn(name), autocommit=True, connect_timeout=5) as conn:
            conn.execute(_TERMINATE_OTHERS)
            if _fingerprint(conn) != self._fingerprint:
                return False
            with conn.transaction():
                conn.execute(self._empty)
                left = conn.execute(self._check_empty).fetchone()
            return not any(left or ())


_LIST_TABLES = (
    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"
)
_LIST_SEQUENCES = "SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'"


def _any_rows(tables: list[str]) -> str:
    """One query answering, per table, whether it holds any row."""
    checks = [f'EXISTS (SELECT 1 FROM "{table}")' for table in tables] or ["false"]
    return f"SELECT {', '.join(checks)}"


def _fingerprint(conn: psycopg.Connection[tuple[object, ...]]) -> object:
    row = conn.execute(_FINGERPRINT).fetchone()
    return row[0] if row else None


def _drop(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


Rows = list[tuple[Table, list[dict[str, Any]]]]
"""Rows of a database, table by table, parents before children."""


def is_empty(engine: Engine) -> bool:
    """Whether no table holds a row (``alembic_version`` aside); every table must be in serving.models."""
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names()) - {"alembic_version"}
        unknown = names - set(Base.metadata.tables)
        assert not unknown, f"tables missing from serving.models: {sorted(unknown)}"
        checks = [exists().select_from(Base.metadata.tables[name]) for name in sorted(names)]
        return not any(conn.execute(select(*checks)).one())


def all_rows(engine: Engine) -> Rows:
    """Every row of every table of serving.models."""
    with engine.connect() as conn:
        captured = []
        for table in Base.metadata.sorted_tables:
            rows = [dict(row) for row in conn.execute(select(table)).mappings()]
            if rows:
                captured.append((table, rows))
        return captured


def insert_rows(engine: Engine, rows: Rows) -> None:
    """Insert ``rows`` (as ``all_rows`` returns them) in one transaction."""
    with engine.begin() as conn:
        for table, values in rows:
            conn.execute(insert(table), values)
